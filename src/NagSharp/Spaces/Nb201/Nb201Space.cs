using System.Text;
using NagSharp.Graphs;

namespace NagSharp.Spaces;

/// <summary>A NAS-Bench-201 cell: one operation on each of the six edges of a 4-node cell.</summary>
public sealed class Nb201Arch : Arch
{
    private readonly string _text;

    /// <summary>Operation index (into <see cref="Nb201Space.Operations"/>) per edge, in string order:
    /// (0-&gt;1), (0-&gt;2), (1-&gt;2), (0-&gt;3), (1-&gt;3), (2-&gt;3).</summary>
    public IReadOnlyList<int> Ops { get; }

    /// <summary>Creates a cell from six operation indices.</summary>
    public Nb201Arch(IReadOnlyList<int> ops)
    {
        if (ops.Count != Nb201Space.EdgeCount) throw new ArchFormatException($"an NB201 cell has {Nb201Space.EdgeCount} edges, got {ops.Count}");
        foreach (var o in ops)
            if (o < 0 || o >= Nb201Space.Operations.Count) throw new ArchFormatException($"operation index {o} is outside 0..{Nb201Space.Operations.Count - 1}");
        Ops = ops.ToArray();
        _text = Format(Ops);
    }

    /// <summary>Position of the cell in the space's own base-5 enumeration (not the official benchmark index).</summary>
    public int Ordinal => Ops.Aggregate(0, (acc, o) => acc * Nb201Space.Operations.Count + o);

    /// <inheritdoc />
    public override string ToString() => _text;

    private static string Format(IReadOnlyList<int> ops)
    {
        var sb = new StringBuilder("|");
        int e = 0;
        for (int node = 1; node <= 3; node++)
        {
            if (node > 1) sb.Append("+|");
            for (int src = 0; src < node; src++, e++)
                sb.Append(Nb201Space.Operations[ops[e]]).Append('~').Append(src).Append('|');
        }
        return sb.ToString();
    }
}

/// <summary>
/// The NAS-Bench-201 topology space: 5^6 = 15,625 cells. The graph encoding is DiffusionNAG's
/// operation-on-node form: input, the six edge operations, output (8 nodes, 7 symbols) with the true
/// data-flow adjacency of the cell.
/// </summary>
public sealed class Nb201Space : SearchSpace<Nb201Arch>
{
    /// <summary>Edge operations, in the benchmark's order.</summary>
    public static readonly IReadOnlyList<string> Operations = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"];

    /// <summary>Edges of the cell.</summary>
    public const int EdgeCount = 6;

    /// <summary>(source, target) cell nodes of each edge, in string order.</summary>
    public static readonly IReadOnlyList<(int From, int To)> Edges = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)];

    private static readonly string[] Vocabulary = ["input", "output", .. Operations];
    private const int InputSymbol = 0, OutputSymbol = 1, OpSymbolOffset = 2;
    private static readonly bool[,] Adjacency = BuildAdjacency();

    /// <inheritdoc />
    public override string Name => "nb201";
    /// <inheritdoc />
    public override string Description => "NAS-Bench-201 cell: 6 edges x 5 operations (15,625 cells, fixed 8-node graph)";
    /// <inheritdoc />
    public override long? Size => 15625;
    /// <inheritdoc />
    public override IReadOnlyList<string> NodeVocabulary => Vocabulary;
    /// <inheritdoc />
    public override int MaxNodes => EdgeCount + 2;
    /// <inheritdoc />
    public override bool[,]? FixedAdjacency => (bool[,])Adjacency.Clone();
    /// <inheritdoc />
    public override TableLayout? Tables { get; } = new("nb201", "index", "arch_str", CompleteTables: true)
    {
        LowerIsBetter = ["*_ms", "*_params_M", "*_flops_M"],
    };

    // Graph node k (1..6) carries edge k-1; node 0 is the input and node 7 the output. Data flows from an
    // edge into every edge that leaves its target cell node; edges into cell node 3 feed the output.
    private static bool[,] BuildAdjacency()
    {
        var a = new bool[8, 8];
        for (int e = 0; e < EdgeCount; e++)
        {
            var (from, to) = Edges[e];
            if (from == 0) a[0, e + 1] = true;
            if (to == 3) a[e + 1, 7] = true;
            for (int f = 0; f < EdgeCount; f++)
                if (Edges[f].From == to) a[e + 1, f + 1] = true;
        }
        return a;
    }

    /// <inheritdoc />
    public override Arch Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        if (s.Length == 0) throw new ArchFormatException("empty NB201 architecture string");
        if (s[0] != '|' || s[^1] != '|')
            throw new ArchFormatException($"NB201 architecture '{s}' must start and end with '|' (form |op~0|+|op~0|op~1|+|op~0|op~1|op~2|)");
        string[] nodes = s.Split('+');
        if (nodes.Length != 3)
            throw new ArchFormatException($"NB201 architecture '{s}' has {nodes.Length} node groups separated by '+', expected 3");
        var ops = new int[EdgeCount];
        int e = 0, offset = 0;
        for (int n = 0; n < 3; n++)
        {
            string group = nodes[n];
            if (group.Length < 2 || group[0] != '|' || group[^1] != '|')
                throw new ArchFormatException($"NB201 architecture '{s}': node {n + 1} group '{group}' (at character {offset}) must be enclosed in '|'");
            string[] items = group[1..^1].Split('|');
            if (items.Length != n + 1)
                throw new ArchFormatException($"NB201 architecture '{s}': node {n + 1} (at character {offset}) has {items.Length} inputs, expected {n + 1}");
            for (int i = 0; i < items.Length; i++, e++)
            {
                string item = items[i];
                int tilde = item.IndexOf('~');
                if (tilde < 0)
                    throw new ArchFormatException($"NB201 architecture '{s}': node {n + 1} input {i} '{item}' lacks '~source'");
                string op = item[..tilde], src = item[(tilde + 1)..];
                int opIndex = IndexOf(Operations, op);
                if (opIndex < 0)
                    throw new ArchFormatException($"NB201 architecture '{s}': node {n + 1} input {i}: unknown operation '{op}' (expected one of {string.Join(", ", Operations)})");
                if (src != i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    throw new ArchFormatException($"NB201 architecture '{s}': node {n + 1} input {i}: source '{src}' must be {i}");
                ops[e] = opIndex;
            }
            offset += group.Length + 1;
        }
        return new Nb201Arch(ops);
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == value) return i;
        return -1;
    }

    /// <inheritdoc />
    public override ArchGraph Encode(Nb201Arch a)
    {
        var types = new int[MaxNodes];
        types[0] = InputSymbol;
        for (int e = 0; e < EdgeCount; e++) types[e + 1] = a.Ops[e] + OpSymbolOffset;
        types[^1] = OutputSymbol;
        return new ArchGraph(types, (bool[,])Adjacency.Clone());
    }

    /// <inheritdoc />
    public override Arch? TryDecode(ArchGraph graph, out string? reason)
    {
        reason = null;
        if (graph.NodeCount != MaxNodes) { reason = $"expected {MaxNodes} nodes, got {graph.NodeCount}"; return null; }
        if (graph.Adjacency.GetLength(0) != MaxNodes || graph.Adjacency.GetLength(1) != MaxNodes)
        {
            reason = $"adjacency is {graph.Adjacency.GetLength(0)}x{graph.Adjacency.GetLength(1)}, expected {MaxNodes}x{MaxNodes}";
            return null;
        }
        if (graph.NodeTypes[0] != InputSymbol) { reason = "node 0 is not the input"; return null; }
        if (graph.NodeTypes[^1] != OutputSymbol) { reason = $"node {MaxNodes - 1} is not the output"; return null; }
        var ops = new int[EdgeCount];
        for (int e = 0; e < EdgeCount; e++)
        {
            int t = graph.NodeTypes[e + 1];
            if (t < OpSymbolOffset || t >= Vocabulary.Length)
            {
                reason = $"node {e + 1} has symbol {(t >= 0 && t < Vocabulary.Length ? Vocabulary[t] : t.ToString(System.Globalization.CultureInfo.InvariantCulture))}, expected an operation";
                return null;
            }
            ops[e] = t - OpSymbolOffset;
        }
        for (int i = 0; i < MaxNodes; i++)
            for (int j = 0; j < MaxNodes; j++)
                if (graph.Adjacency[i, j] != Adjacency[i, j]) { reason = $"edge {i}->{j} differs from the fixed NB201 adjacency"; return null; }
        return new Nb201Arch(ops);
    }

    /// <summary>
    /// The benchmark's de-duplication rule (the one behind NAS-Bench-201's 6,466 unique cells): each cell node
    /// is the sorted '+'-join of its input terms, where a term is '#' for a <c>none</c> edge or a zero source,
    /// the source expression itself for <c>skip_connect</c>, and <c>(source)@op</c> otherwise. Zero terms stay
    /// as placeholders, so this is coarser than full algebraic simplification (which would give 4,930 classes).
    /// </summary>
    public override string CanonicalForm(Nb201Arch a)
    {
        return CellCanonicalForm(a.Ops.Select(o => Operations[o]).ToArray());
    }

    /// <summary>The rule of <see cref="CanonicalForm"/> for any 4-node cell of this shape, given the operation name of each
    /// edge in string order (<c>none</c> and <c>skip_connect</c> are special; every other name is an opaque operation).
    /// Shared with spaces that reuse the NB201 cell with other operation sets (TransNAS-Bench-101 micro).</summary>
    public static string CellCanonicalForm(IReadOnlyList<string> edgeOps)
    {
        ArgumentNullException.ThrowIfNull(edgeOps);
        if (edgeOps.Count != EdgeCount) throw new ArgumentException($"a cell has {EdgeCount} edges", nameof(edgeOps));
        var expr = new string[4];
        expr[0] = "0";
        int e = 0;
        for (int node = 1; node <= 3; node++)
        {
            var terms = new string[node];
            for (int src = 0; src < node; src++, e++)
            {
                string op = edgeOps[e];
                terms[src] = op == "none" || expr[src] == "#" ? "#"
                    : op == "skip_connect" ? expr[src]
                    : "(" + expr[src] + ")@" + op;
            }
            Array.Sort(terms, StringComparer.Ordinal);
            expr[node] = string.Join("+", terms);
        }
        return expr[3];
    }

    /// <inheritdoc />
    public override Arch Sample(Random rng)
    {
        var ops = new int[EdgeCount];
        for (int e = 0; e < EdgeCount; e++) ops[e] = rng.Next(Operations.Count);
        return new Nb201Arch(ops);
    }

    /// <inheritdoc />
    public override IReadOnlyList<Arch> Neighbours(Nb201Arch a)
    {
        var list = new List<Arch>(EdgeCount * (Operations.Count - 1));
        for (int e = 0; e < EdgeCount; e++)
            for (int o = 0; o < Operations.Count; o++)
            {
                if (o == a.Ops[e]) continue;
                var ops = a.Ops.ToArray();
                ops[e] = o;
                list.Add(new Nb201Arch(ops));
            }
        return list;
    }

    /// <inheritdoc />
    public override IEnumerable<Arch> Enumerate()
    {
        var ops = new int[EdgeCount];
        for (int k = 0; k < Size; k++)
        {
            int r = k;
            for (int e = EdgeCount - 1; e >= 0; e--) { ops[e] = r % Operations.Count; r /= Operations.Count; }
            yield return new Nb201Arch(ops);
        }
    }

    /// <summary>Channels of the first stage (C) of the benchmark's network, used when <see cref="CostOptions.Width"/> is null.</summary>
    public const int StandardWidth = 16;

    /// <summary>Cells per stage (N) of the benchmark's network, used when <see cref="CostOptions.CellsPerStage"/> is null.</summary>
    public const int StandardCellsPerStage = 5;

    /// <summary>
    /// Params (all weights incl. BN affine and classifier bias) and FLOPs (multiply-adds of Conv2d and Linear
    /// weights) of the NB201 macro network: 3x3 stem conv + BN; three stages of N cells at C, 2C, 4C channels
    /// with a residual reduction block (two ReLU-conv3x3-BN, the first with stride 2, and an avg-pool + 1x1
    /// conv shortcut) between stages; final BN, global pooling and a linear classifier.
    /// </summary>
    public override IReadOnlyDictionary<string, double> ComputeCosts(Nb201Arch a, CostOptions options)
    {
        if (options.Width < 1 || options.CellsPerStage < 0 || options.InputSize < 1 || options.Classes < 1)
            throw new NagUserException($"invalid cost options {options}");
        long c0 = options.Width ?? StandardWidth, h = options.InputSize ?? 32;
        int cellsPerStage = options.CellsPerStage ?? StandardCellsPerStage, classes = options.Classes ?? 10;
        double p = 9 * 3 * c0 + 2 * c0, f = 9.0 * 3 * c0 * h * h;
        long prev = c0;
        for (int stage = 0; stage < 3; stage++)
        {
            long c = c0 << stage;
            if (stage > 0)
            {
                long hOut = (h + 1) / 2;
                p += 9 * prev * c + 2 * c + 9 * c * c + 2 * c + prev * c;
                f += 9.0 * prev * c * hOut * hOut + 9.0 * c * c * hOut * hOut + (double)prev * c * (h / 2) * (h / 2);
                h = hOut;
            }
            for (int cell = 0; cell < cellsPerStage; cell++)
                foreach (int o in a.Ops)
                {
                    string op = Operations[o];
                    if (op == "nor_conv_3x3") { p += 9 * c * c + 2 * c; f += 9.0 * c * c * h * h; }
                    else if (op == "nor_conv_1x1") { p += c * c + 2 * c; f += (double)c * c * h * h; }
                }
            prev = c;
        }
        p += 2 * prev + prev * classes + classes;
        f += (double)prev * classes;
        return new Dictionary<string, double> { ["params_M"] = p / 1e6, ["flops_M"] = f / 1e6 };
    }
}
