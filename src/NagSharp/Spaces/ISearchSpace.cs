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

/// <summary>Settings that analytic cost models (params, FLOPs) assume about the network built around a cell. Every
/// setting left null means the space's standard network (CIFAR-10 spaces: 10 classes, 32x32; ImageNet spaces: 1,000
/// classes, 224x224).</summary>
/// <param name="Classes">Classifier outputs; changes the last layer only.</param>
/// <param name="InputSize">Input image side in pixels (spaces whose architectures carry their own resolution use it instead
/// of the architecture's).</param>
/// <param name="Width">Channels of the first stage (NB201: C = 16; NB101: stem channels, 128), or null for the
/// space's standard network. Nullable because the spaces' standard widths differ by an order of magnitude: one shared
/// number would silently describe a non-standard network for every space but one.</param>
/// <param name="CellsPerStage">Cells per stage (NB201: N = 5; NB101: modules per stack, 3), or null for the space's
/// standard network.</param>
public sealed record CostOptions(int? Classes = null, int? InputSize = null, int? Width = null, int? CellsPerStage = null);

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

    /// <summary>Files of <see cref="Folder"/> that list architectures of the space without metrics (unlabelled training
    /// data for generators, e.g. NAS-Bench-301's 11,221 training genotypes), or null when there are none. Each file is one
    /// JSON document: an array of architecture strings, or an object whose values are architecture strings.</summary>
    public string? ArchListPattern { get; init; }

    /// <summary>Columns of the table format that are text, not metrics (e.g. a run's status, or another string form of the
    /// architecture); they must be present and are otherwise ignored. Empty by default: every other column is a metric.</summary>
    public IReadOnlyList<string> TextColumns { get; init; } = [];

    /// <summary>True when a keyed table may list an architecture under several keys (repeated training runs, each its own
    /// row, as in Accel-NASBench); false refuses repeats in keyed tables. Keyless tables always allow them.</summary>
    public bool RepeatedArchitectures { get; init; }

    /// <summary>True when an empty metric cell means "not measured" (Accel-NASBench lacks some devices' figures for a few
    /// networks) rather than a corrupt table. Such an architecture simply has no value for that column.</summary>
    public bool MissingValues { get; init; }

    /// <summary>Which metric columns are lower-is-better, as file-name-style patterns over column names (<c>*</c> and
    /// <c>?</c>): the layout states the unit conventions of its tables (<c>*_ms</c> latency, <c>*_ppl</c> perplexity,
    /// <c>*params*</c> size), and every other column is higher-is-better. Tables appended by <c>nag latency</c> follow the
    /// same conventions. Empty by default: every column is higher-is-better.</summary>
    public IReadOnlyList<string> LowerIsBetter { get; init; } = [];

    /// <summary>Direction of a metric column under <see cref="LowerIsBetter"/>.</summary>
    public MetricDirection DirectionOf(string column) =>
        LowerIsBetter.Any(p => ColumnPattern.Matches(p, column)) ? MetricDirection.LowerIsBetter : MetricDirection.HigherIsBetter;
}

/// <summary>Whether larger or smaller values of a metric are better.</summary>
public enum MetricDirection
{
    /// <summary>Larger is better (accuracy, SSIM, throughput).</summary>
    HigherIsBetter,
    /// <summary>Smaller is better (latency, perplexity, size).</summary>
    LowerIsBetter,
}

/// <summary>Glob matching of column names (<c>*</c> any run of characters, <c>?</c> one character), ordinal.</summary>
public static class ColumnPattern
{
    /// <summary>True when <paramref name="name"/> matches <paramref name="pattern"/> as a whole.</summary>
    public static bool Matches(string pattern, string name)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(name);
        int p = 0, n = 0, star = -1, mark = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n])) { p++; n++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = n; }
            else if (star >= 0) { p = star + 1; n = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}

/// <summary>
/// A space whose graph encoding gives slots fixed roles (NAS-Bench-NLP: slot 0 is x, slots 1-3 the previous hidden
/// states, ...): which symbols each slot can ever hold in a valid encoding. The score engine pins the others (see
/// <see cref="EdgeTokenSpace.AllowedSymbols"/>), so it need not learn what the layout already says.
/// </summary>
public interface ISlotRoles
{
    /// <summary>[slot, symbol]: true where some valid encoding puts the symbol in the slot; shape
    /// [MaxNodes, NodeVocabulary.Count + 1], the last column meaning "the slot holds no node".</summary>
    bool[,] SlotSymbols();
}

/// <summary>
/// A search space: architecture syntax, the typed-DAG encoding the generators learn, validity, sampling,
/// neighbourhoods and analytic costs. Implementations are stateless apart from data-derived lookups.
/// </summary>
/// <remarks>A space of your own usually derives from <see cref="SearchSpace{TArch}"/> (which checks architecture types
/// for it) and is made known by name with <see cref="SpaceRegistry.Register"/>; from then on generators train on it and
/// their checkpoints load back like those of the built-in spaces.</remarks>
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
