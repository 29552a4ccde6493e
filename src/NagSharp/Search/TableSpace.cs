using NagSharp.Benchmarks;
using NagSharp.Graphs;
using NagSharp.Spaces;

namespace NagSharp.Search;

/// <summary>
/// A space restricted to the architectures a benchmark table scores on a column: what a search strategy may propose when
/// the table covers only part of the space (NB101's and NB301's subsets, Accel-NASBench, NAS-Bench-NLP, HELP's OFA
/// subnets). Sampling is uniform over those architectures and neighbours are the space's neighbours that the table
/// scores (often none in a sparse table: evolution then samples and local search restarts). Everything else delegates.
/// </summary>
public sealed class TableSpace : ISearchSpace
{
    private readonly ISearchSpace _inner;
    private readonly Arch[] _archs;
    private readonly HashSet<string> _known;

    /// <summary>Restricts <paramref name="inner"/> to the architectures with a value of <paramref name="column"/>.</summary>
    public TableSpace(ISearchSpace inner, BenchmarkData data, string column)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(data);
        _inner = inner;
        _archs = data.ColumnEntries(column).Select(e => e.Arch).DistinctBy(a => a.ToString()).ToArray();
        if (_archs.Length == 0) throw new NagUserException($"no {inner.Name} architecture has a value of '{column}'");
        _known = _archs.Select(a => a.ToString()).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>True when a search on this table must be restricted: the table does not hold the whole space.</summary>
    public static bool Needed(ISearchSpace space, BenchmarkData data) => space.Size is not long n || data.Count < n;

    /// <inheritdoc />
    public string Name => _inner.Name;
    /// <inheritdoc />
    public string Description => _inner.Description;
    /// <inheritdoc />
    public long? Size => _archs.Length;
    /// <inheritdoc />
    public IReadOnlyList<string> NodeVocabulary => _inner.NodeVocabulary;
    /// <inheritdoc />
    public int MaxNodes => _inner.MaxNodes;
    /// <inheritdoc />
    public bool[,]? FixedAdjacency => _inner.FixedAdjacency;
    /// <inheritdoc />
    public TableLayout? Tables => _inner.Tables;
    /// <inheritdoc />
    public Arch Parse(string text) => _inner.Parse(text);
    /// <inheritdoc />
    public ArchGraph Encode(Arch arch) => _inner.Encode(arch);
    /// <inheritdoc />
    public Arch? TryDecode(ArchGraph graph, out string? reason) => _inner.TryDecode(graph, out reason);
    /// <inheritdoc />
    public string CanonicalForm(Arch arch) => _inner.CanonicalForm(arch);
    /// <summary>True when the table scores <paramref name="arch"/>.</summary>
    public bool Contains(Arch arch) => _known.Contains(arch.ToString());
    /// <summary>Uniform over the scored architectures.</summary>
    public Arch Sample(Random rng) => _archs[rng.Next(_archs.Length)];
    /// <summary>The space's neighbours that the table scores.</summary>
    public IReadOnlyList<Arch> Neighbours(Arch arch) => _inner.Neighbours(arch).Where(a => _known.Contains(a.ToString())).ToList();
    /// <inheritdoc />
    public IEnumerable<Arch> Enumerate() => _archs;
    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> ComputeCosts(Arch arch, CostOptions options) => _inner.ComputeCosts(arch, options);
}
