using NagSharp.Graphs;

namespace NagSharp.Spaces;

/// <summary>
/// A member of a search space. Each space has its own subclass; engines and strategies only go through
/// the owning <see cref="ISearchSpace"/>, so a new space plugs in without touching them.
/// </summary>
public abstract class Arch : IEquatable<Arch>
{
    /// <summary>The space's community string form (e.g. the NB201 <c>|op~0|+|...|</c> string).</summary>
    public abstract override string ToString();

    /// <inheritdoc />
    public bool Equals(Arch? other) => other is not null && other.GetType() == GetType() && other.ToString() == ToString();

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Arch);

    /// <inheritdoc />
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}

/// <summary>Settings that analytic cost models (params, FLOPs) assume about the network built around a cell.</summary>
/// <param name="Classes">Classifier outputs; changes the last layer only.</param>
/// <param name="InputSize">Input image side in pixels.</param>
/// <param name="Width">Channels of the first stage (NB201: C).</param>
/// <param name="CellsPerStage">Cells per stage (NB201: N).</param>
public sealed record CostOptions(int Classes = 10, int InputSize = 32, int Width = 16, int CellsPerStage = 5);

/// <summary>How a space's benchmark tables are laid out in the data directory.</summary>
/// <param name="Folder">Sub-folder of the data directory holding the space's CSV tables.</param>
/// <param name="KeyColumn">Integer row key (e.g. the official index).</param>
/// <param name="ArchColumn">The architecture's string form, checked against the key.</param>
/// <param name="CompleteTables">True when every table must hold every architecture of the space exactly once.</param>
public sealed record TableLayout(string Folder, string KeyColumn, string ArchColumn, bool CompleteTables);

/// <summary>
/// A search space: architecture syntax, the typed-DAG encoding the generators learn, validity, sampling,
/// neighbourhoods and analytic costs. Implementations are stateless apart from data-derived lookups.
/// </summary>
public interface ISearchSpace
{
    /// <summary>Short name used on the command line (e.g. <c>nb201</c>).</summary>
    string Name { get; }

    /// <summary>One line for <c>nag spaces</c>.</summary>
    string Description { get; }

    /// <summary>Number of architectures in the space, when it is small enough to enumerate.</summary>
    long? Size { get; }

    /// <summary>Node symbols of the graph encoding, in one-hot order.</summary>
    IReadOnlyList<string> NodeVocabulary { get; }

    /// <summary>Node slots of the graph encoding.</summary>
    int MaxNodes { get; }

    /// <summary>The adjacency shared by every architecture, or null when the topology varies per architecture.</summary>
    bool[,]? FixedAdjacency { get; }

    /// <summary>Where the space's tables live and how they are keyed, or null when it has none.</summary>
    TableLayout? Tables { get; }

    /// <summary>Parses the community string form; throws <see cref="ArchFormatException"/> naming what is wrong and where.</summary>
    Arch Parse(string text);

    /// <summary>Graph encoding of an architecture.</summary>
    ArchGraph Encode(Arch arch);

    /// <summary>Decodes a graph, or returns null with the reason when it is not a valid member of the space.</summary>
    Arch? TryDecode(ArchGraph graph, out string? reason);

    /// <summary>A key shared by exactly the architectures that compute the same function.</summary>
    string CanonicalForm(Arch arch);

    /// <summary>Draws an architecture uniformly at random.</summary>
    Arch Sample(Random rng);

    /// <summary>Every architecture that differs from <paramref name="arch"/> by one elementary change.</summary>
    IReadOnlyList<Arch> Neighbours(Arch arch);

    /// <summary>Every architecture, when <see cref="Size"/> is known; otherwise throws.</summary>
    IEnumerable<Arch> Enumerate();

    /// <summary>Analytic costs of the network built from the architecture (e.g. <c>params_M</c>, <c>flops_M</c>).</summary>
    IReadOnlyDictionary<string, double> ComputeCosts(Arch arch, CostOptions options);
}

/// <summary>The spaces NagSharp knows, by name.</summary>
public static class SpaceRegistry
{
    private static readonly ISearchSpace[] All = [new Nb201Space()];

    /// <summary>Every registered space.</summary>
    public static IReadOnlyList<ISearchSpace> Spaces => All;

    /// <summary>Looks a space up by name; throws a user error listing the known names.</summary>
    public static ISearchSpace Get(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new NagUserException($"unknown search space '{name}' (known: {string.Join(", ", All.Select(s => s.Name))})");
}
