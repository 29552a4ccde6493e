using NagSharp.Graphs;

namespace NagSharp.Spaces;

/// <summary>
/// The score engine's view of a space whose topology varies (NB101, NAS-Bench-NLP): every possible edge i -&gt; j of the
/// inner encoding becomes a node of its own, an edge token with symbol <c>&lt;edge&gt;</c> or <c>&lt;no-edge&gt;</c>, wired
/// i -&gt; token -&gt; j. The token graph is the same for every architecture, so the score engine diffuses it as it does
/// NB201's cell: node one-hots only, attention along the fixed wiring, and whether an edge exists is a symbol to denoise.
/// Absent slots get the symbol <c>&lt;absent&gt;</c>, since the score engine reads a row with no entry above 0.5 as
/// invalid. Token j-column is placed just before node j, so the token graph stays in topological order. Node slots are
/// also linked to each other directly (i -&gt; j for every i &lt; j, the relation the tokens stand for): a node's symbol
/// depends on the whole cell, and without these links it would see another node only through a token, two attention
/// layers away (on NB101 the links lift a tiny model from 59 to 71 % valid; docs/results/free-topology-decoding.md).
/// Everything but the encoding (string forms, tables, sampling, costs) is the inner space's.
/// </summary>
public sealed class EdgeTokenSpace : ISearchSpace
{
    /// <summary>Symbol of an absent slot.</summary>
    public const string Absent = "<absent>";
    /// <summary>Symbol of an edge token whose edge exists.</summary>
    public const string Edge = "<edge>";
    /// <summary>Symbol of an edge token whose edge does not exist.</summary>
    public const string NoEdge = "<no-edge>";

    private readonly int _n, _absent, _edge, _noEdge;
    private readonly int[] _nodeAt;          // inner node i -> slot
    private readonly int[,] _tokenAt;        // inner pair (i, j), i < j -> slot of its token
    private readonly bool[,] _adjacency;
    private readonly string[] _vocabulary;

    /// <summary>The wrapped space.</summary>
    public ISearchSpace Inner { get; }

    /// <summary>Wraps <paramref name="inner"/>, which must vary its topology (a fixed-topology space needs no tokens).</summary>
    public EdgeTokenSpace(ISearchSpace inner)
    {
        if (inner.FixedAdjacency is not null) throw new ArgumentException($"{inner.Name} has a fixed topology; it needs no edge tokens", nameof(inner));
        Inner = inner;
        _n = inner.MaxNodes;
        int f = inner.NodeVocabulary.Count;
        _vocabulary = [.. inner.NodeVocabulary, Absent, Edge, NoEdge];
        (_absent, _edge, _noEdge) = (f, f + 1, f + 2);
        _nodeAt = new int[_n];
        _tokenAt = new int[_n, _n];
        int slot = 0;
        for (int j = 0; j < _n; j++)
        {
            for (int i = 0; i < j; i++) _tokenAt[i, j] = slot++;
            _nodeAt[j] = slot++;
        }
        _adjacency = new bool[slot, slot];
        for (int j = 0; j < _n; j++)
            for (int i = 0; i < j; i++)
            {
                _adjacency[_nodeAt[i], _tokenAt[i, j]] = true;
                _adjacency[_tokenAt[i, j], _nodeAt[j]] = true;
                _adjacency[_nodeAt[i], _nodeAt[j]] = true;
            }
    }

    /// <summary>Slot of inner node <paramref name="node"/>.</summary>
    public int NodeSlot(int node) => _nodeAt[node];

    /// <summary>Slot of the token of the inner pair <paramref name="i"/> -&gt; <paramref name="j"/>, i &lt; j.</summary>
    public int TokenSlot(int i, int j) => i < j ? _tokenAt[i, j] : throw new ArgumentOutOfRangeException(nameof(i), $"edge tokens run from a lower to a higher node, got {i} -> {j}");

    /// <summary>Index of <see cref="Edge"/> in the vocabulary.</summary>
    public int EdgeSymbol => _edge;

    /// <summary>Index of <see cref="NoEdge"/> in the vocabulary.</summary>
    public int NoEdgeSymbol => _noEdge;

    /// <summary>
    /// Weights of the score engine's loss per slot (mean 1): the node slots as a group and the edge tokens as a group
    /// count equally. Unweighted, NAS-Bench-NLP's 378 edge tokens outweigh its 28 node slots 13 to 1, and a tiny network
    /// learned clean edges while leaving every sample's node symbols undecided.
    /// </summary>
    public float[] LossRowWeights()
    {
        int slots = MaxNodes, tokens = _n * (_n - 1) / 2;
        var w = new float[slots];
        Array.Fill(w, slots / (2f * tokens));
        foreach (int i in _nodeAt) w[i] = slots / (2f * _n);
        return w;
    }

    /// <summary>
    /// Which symbols each slot can hold, [slot, symbol]: a node slot holds a node symbol or <c>&lt;absent&gt;</c>, an edge
    /// token <c>&lt;edge&gt;</c> or <c>&lt;no-edge&gt;</c>. The score engine pins the other entries to their clean value
    /// (see <see cref="Diffusion.Score.SymbolPins"/>), so it denoises 1,344 numbers per NAS-Bench-NLP cell instead of 9,338.
    /// </summary>
    /// <remarks>An inner space with slot roles (<see cref="ISlotRoles"/>) narrows its node slots further.</remarks>
    public bool[,] AllowedSymbols()
    {
        var allowed = new bool[MaxNodes, _vocabulary.Length];
        var roles = (Inner as ISlotRoles)?.SlotSymbols();
        for (int slot = 0; slot < MaxNodes; slot++)
        {
            int node = Array.IndexOf(_nodeAt, slot);
            for (int k = 0; k < _vocabulary.Length; k++)
                allowed[slot, k] = node >= 0 ? k <= _absent && (roles is null || roles[node, k]) : k == _edge || k == _noEdge;
        }
        return allowed;
    }

    /// <summary>The space the score engine works on: <paramref name="space"/> itself when its topology is fixed, else
    /// its edge-token view.</summary>
    public static ISearchSpace ForScoreEngine(ISearchSpace space) => space.FixedAdjacency is null && space is not EdgeTokenSpace ? new EdgeTokenSpace(space) : space;

    /// <inheritdoc />
    public string Name => Inner.Name;
    /// <inheritdoc />
    public string Description => Inner.Description;
    /// <inheritdoc />
    public long? Size => Inner.Size;
    /// <inheritdoc />
    public IReadOnlyList<string> NodeVocabulary => _vocabulary;
    /// <inheritdoc />
    public int MaxNodes => _adjacency.GetLength(0);
    /// <inheritdoc />
    public bool[,]? FixedAdjacency => (bool[,])_adjacency.Clone();
    /// <inheritdoc />
    public TableLayout? Tables => Inner.Tables;
    /// <inheritdoc />
    public Arch Parse(string text) => Inner.Parse(text);
    /// <inheritdoc />
    public string CanonicalForm(Arch arch) => Inner.CanonicalForm(arch);
    /// <inheritdoc />
    public Arch Sample(Random rng) => Inner.Sample(rng);
    /// <inheritdoc />
    public IReadOnlyList<Arch> Neighbours(Arch arch) => Inner.Neighbours(arch);
    /// <inheritdoc />
    public IEnumerable<Arch> Enumerate() => Inner.Enumerate();
    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> ComputeCosts(Arch arch, CostOptions options) => Inner.ComputeCosts(arch, options);

    /// <inheritdoc />
    public ArchGraph Encode(Arch arch)
    {
        var g = Inner.Encode(arch);
        var types = new int[MaxNodes];
        for (int j = 0; j < _n; j++)
        {
            types[_nodeAt[j]] = j < g.NodeCount && g.NodeTypes[j] >= 0 ? g.NodeTypes[j] : _absent;
            for (int i = 0; i < j; i++) types[_tokenAt[i, j]] = j < g.NodeCount && g.Adjacency[i, j] ? _edge : _noEdge;
        }
        return new ArchGraph(types, FixedAdjacency!);
    }

    /// <inheritdoc />
    public Arch? TryDecode(ArchGraph graph, out string? reason)
    {
        if (graph.NodeCount != MaxNodes) { reason = $"expected {MaxNodes} slots (nodes and edge tokens), got {graph.NodeCount}"; return null; }
        var types = new int[_n];
        var adj = new bool[_n, _n];
        for (int j = 0; j < _n; j++)
        {
            int t = graph.NodeTypes[_nodeAt[j]];
            if (t == _edge || t == _noEdge) { reason = $"node {j} holds an edge symbol"; return null; }
            types[j] = t == _absent ? -1 : t;
        }
        for (int j = 0; j < _n; j++)
            for (int i = 0; i < j; i++)
            {
                int t = graph.NodeTypes[_tokenAt[i, j]];
                if (t != _edge && t != _noEdge) { reason = $"the token of edge {i} -> {j} holds a node symbol"; return null; }
                // An edge to or from an absent slot means nothing (as the discrete engine masks them).
                adj[i, j] = t == _edge && types[i] >= 0 && types[j] >= 0;
            }
        return Inner.TryDecode(new ArchGraph(types, adj), out reason);
    }
}
