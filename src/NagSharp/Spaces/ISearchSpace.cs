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
/// <param name="Width">Channels of the first stage (NB201: C = 16; NB101: stem channels, 128), or null for the
/// space's standard network. Nullable because the spaces' standard widths differ by an order of magnitude: one shared
/// number would silently describe a non-standard network for every space but one.</param>
/// <param name="CellsPerStage">Cells per stage (NB201: N = 5; NB101: modules per stack, 3), or null for the space's
/// standard network.</param>
public sealed record CostOptions(int Classes = 10, int InputSize = 32, int? Width = null, int? CellsPerStage = null);

/// <summary>How a space's benchmark tables are laid out in the data directory.</summary>
/// <param name="Folder">Sub-folder of the data directory holding the space's CSV tables.</param>
/// <param name="KeyColumn">Integer row key (e.g. the official index), or null when the tables have none: the 0-based
/// data row number is the key then. A keyless row is one measurement rather than the entry of an architecture, so the
/// same architecture may appear on several rows (NB101 subsets list specs that prune to one cell, each with its own
/// training run); keyed tables refuse repeats.</param>
/// <param name="ArchColumns">Columns whose values, joined by <paramref name="ArchSeparator"/> in this order, give the
/// architecture's string form (one column for NB201's <c>arch_str</c>; adjacency and ops for NB101).</param>
/// <param name="ArchSeparator">Joins the <paramref name="ArchColumns"/> values.</param>
/// <param name="CompleteTables">True when every table must hold every architecture of the space exactly once.</param>
public sealed record TableLayout(string Folder, string? KeyColumn, IReadOnlyList<string> ArchColumns, string ArchSeparator, bool CompleteTables)
{
    /// <summary>A layout whose architecture string is one column.</summary>
    public TableLayout(string Folder, string? KeyColumn, string ArchColumn, bool CompleteTables)
        : this(Folder, KeyColumn, [ArchColumn], "", CompleteTables) { }

    /// <summary>The architecture column as error messages name it: the columns joined by the separator
    /// (e.g. <c>adjacency_7x7_rowmajor:ops</c>), which is also how the string is built from them.</summary>
    public string ArchColumn => string.Join(ArchSeparator, ArchColumns);

    /// <summary>What the key is called in output: the key column, or <c>row</c> for keyless tables.</summary>
    public string KeyName => KeyColumn ?? "row";

    /// <summary>Which files of <see cref="Folder"/> are this space's tables (a file-name pattern with <c>*</c> and
    /// <c>?</c>); <c>*.csv</c> by default. Lets two spaces share a folder (TransNAS-Bench-101's micro and macro tables).</summary>
    public string FilePattern { get; init; } = "*.csv";
}

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

    /// <summary>Draws an architecture at random: uniformly over the space's own parametrisation (NB201: the six
    /// operations; NB101: valid 7-node specs, which is not uniform over cells). Each space documents which.</summary>
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
    private static readonly ISearchSpace[] All = [new Nb201Space(), new Nb101Space(), new TnbMicroSpace(), new TnbMacroSpace()];

    /// <summary>Every registered space.</summary>
    public static IReadOnlyList<ISearchSpace> Spaces => All;

    /// <summary>Looks a space up by name; throws a user error listing the known names.</summary>
    public static ISearchSpace Get(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new NagUserException($"unknown search space '{name}' (known: {string.Join(", ", All.Select(s => s.Name))})");
}
