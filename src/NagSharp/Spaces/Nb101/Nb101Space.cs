using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NagSharp.Graphs;

namespace NagSharp.Spaces;

/// <summary>
/// A NAS-Bench-101 cell, always held pruned: only nodes on some input-to-output path remain, so two specs that
/// prune to the same cell are equal. Nodes are in topological order (node 0 the input, the last node the output).
/// </summary>
public sealed class Nb101Arch : Arch
{
    private readonly bool[,] _adjacency;
    private readonly int[] _symbols; // indices into Nb101Space.NodeVocabulary
    private readonly string _text;

    internal Nb101Arch(bool[,] adjacency, int[] symbols)
    {
        _adjacency = adjacency;
        _symbols = symbols;
        Ops = symbols.Select(s => Nb101Space.Vocabulary[s]).ToArray();
        int edges = 0;
        var bits = new StringBuilder(symbols.Length * symbols.Length);
        for (int i = 0; i < symbols.Length; i++)
            for (int j = 0; j < symbols.Length; j++)
            {
                bits.Append(adjacency[i, j] ? '1' : '0');
                if (adjacency[i, j]) edges++;
            }
        EdgeCount = edges;
        _text = bits.Append(':').Append(string.Join('|', Ops)).ToString();
    }

    /// <summary>Node labels in node order, <c>input</c> first and <c>output</c> last.</summary>
    public IReadOnlyList<string> Ops { get; }

    /// <summary>Nodes of the pruned cell (2..7).</summary>
    public int NodeCount => _symbols.Length;

    /// <summary>Edges of the pruned cell (at most 9).</summary>
    public int EdgeCount { get; }

    /// <summary>True when data flows from node <paramref name="from"/> to node <paramref name="to"/>.</summary>
    public bool HasEdge(int from, int to) => _adjacency[from, to];

    /// <summary>The pruned adjacency matrix (a copy), upper triangular.</summary>
    public bool[,] Adjacency => (bool[,])_adjacency.Clone();

    internal int Symbol(int node) => _symbols[node];

    /// <summary>The string form of the pruned cell: <c>&lt;row-major bits of the n x n matrix&gt;:&lt;ops joined by '|'&gt;</c>.</summary>
    public override string ToString() => _text;
}

/// <summary>
/// The NAS-Bench-101 space: a cell is a DAG of at most 7 nodes and 9 edges, node 0 the input, the last node the
/// output, each other node one of three operations; the network stacks the cell (see <see cref="ComputeCosts"/>).
/// A spec is pruned (nodes off every input-to-output path removed) before it is checked or compared, as NAS-Bench-101
/// does. The topology varies per cell, so this is the test bed for engines that generate edges as well as nodes.
/// </summary>
/// <remarks>
/// Graph encoding: 7 slots. A cell of k &lt; 7 nodes occupies slots 0..k-1 with the output in slot k-1 and slots k..6
/// absent (node type -1, no edges). Keeping the output at the end of the present nodes (rather than pinned to slot 6)
/// keeps every edge i -&gt; j with i &lt; j in topological order, as the string form and the NB101 matrix have it,
/// so a cell's encoding is its own matrix padded with zeros.
/// </remarks>
public sealed class Nb101Space : SearchSpace<Nb101Arch>
{
    /// <summary>The intermediate operations, in NAS-Bench-101's order (the order its graph hash labels them by).</summary>
    public static readonly IReadOnlyList<string> Operations = ["conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"];

    /// <summary>Node slots of the encoding; also the largest cell.</summary>
    public const int MaxCellNodes = 7;

    /// <summary>The most edges a (pruned) cell may have.</summary>
    public const int MaxEdges = 9;

    /// <summary>Stem channels of the benchmark's network, used when <see cref="CostOptions.Width"/> is null.</summary>
    public const int StandardStemChannels = 128;

    /// <summary>Cells (modules) per stack of the benchmark's network, used when <see cref="CostOptions.CellsPerStage"/> is null.</summary>
    public const int StandardCellsPerStack = 3;

    /// <summary>Stacks of the benchmark's network; a 2x2 max-pool halving the resolution and doubling the channels
    /// precedes each stack but the first.</summary>
    public const int Stacks = 3;

    internal static readonly string[] Vocabulary = ["input", "output", .. Operations];
    private const int InputSymbol = 0, OutputSymbol = 1, OpSymbolOffset = 2;

    /// <inheritdoc />
    public override string Name => "nb101";
    /// <inheritdoc />
    public override string Description => "NAS-Bench-101 cell: DAG of <= 7 nodes and <= 9 edges, 3 operations (423,624 unique cells; not enumerated)";
    /// <inheritdoc />
    public override long? Size => null;
    /// <inheritdoc />
    public override IReadOnlyList<string> NodeVocabulary => Vocabulary;
    /// <inheritdoc />
    public override int MaxNodes => MaxCellNodes;
    /// <inheritdoc />
    public override bool[,]? FixedAdjacency => null;

    /// <summary>
    /// The NB101 tables (subsets) have no key column, so the row number is the key, and give the architecture as two
    /// columns, the 7x7 matrix and the ops, which joined by ':' are the string form. Rows list random specs: several
    /// prune to the same cell, each row with its own training run.
    /// </summary>
    public override TableLayout? Tables { get; } = new("nb101", null, ["adjacency_7x7_rowmajor", "ops"], ":", CompleteTables: false)
    {
        LowerIsBetter = ["*_ms", "params_M", "flops_M"],
    };

    /// <summary>Builds a cell from a spec (an n x n matrix and n node labels); prunes it; throws
    /// <see cref="ArchFormatException"/> when it is not a valid cell.</summary>
    public static Nb101Arch FromSpec(bool[,] matrix, IReadOnlyList<string> ops)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(ops);
        if (matrix.GetLength(0) != ops.Count || matrix.GetLength(1) != ops.Count)
            throw new ArchFormatException($"NB101 spec: matrix is {matrix.GetLength(0)}x{matrix.GetLength(1)} but there are {ops.Count} ops");
        var symbols = new int[ops.Count];
        for (int i = 0; i < ops.Count; i++)
            if ((symbols[i] = Array.IndexOf(Vocabulary, ops[i])) < 0)
                throw new ArchFormatException($"NB101 spec: node {i}: unknown operation '{ops[i]}' (expected one of {string.Join(", ", Vocabulary)})");
        return TryBuild(matrix, symbols, out string? reason) ?? throw new ArchFormatException($"NB101 spec: {reason}");
    }

    /// <summary>
    /// Checks a spec given as node symbols (vocabulary indices) and prunes it: nodes off every input-to-output path
    /// go, then the edge limit applies to what remains (NB101's order, which admits a spec of more than 9 edges
    /// that prunes to 9 or fewer).
    /// </summary>
    private static Nb101Arch? TryBuild(bool[,] m, int[] symbols, out string? reason)
    {
        reason = null;
        int n = symbols.Length;
        if (n < 2) { reason = $"{n} node{(n == 1 ? "" : "s")}; a cell needs at least the input and the output"; return null; }
        if (n > MaxCellNodes) { reason = $"{n} nodes, at most {MaxCellNodes}"; return null; }
        if (symbols[0] != InputSymbol) { reason = $"node 0 is '{SymbolName(symbols[0])}', expected 'input'"; return null; }
        if (symbols[n - 1] != OutputSymbol) { reason = $"node {n - 1} (the last) is '{SymbolName(symbols[n - 1])}', expected 'output'"; return null; }
        for (int i = 1; i < n - 1; i++)
            if (symbols[i] is InputSymbol or OutputSymbol)
            {
                reason = $"node {i} is '{Vocabulary[symbols[i]]}'; only node 0 may be the input and only the last node the output";
                return null;
            }
            else if (symbols[i] < OpSymbolOffset || symbols[i] >= Vocabulary.Length)
            {
                reason = $"node {i} has symbol {symbols[i]}, outside 0..{Vocabulary.Length - 1}";
                return null;
            }
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
                if (m[i, j]) { reason = $"edge {i}->{j} does not go from a lower to a higher node (lower triangle or diagonal)"; return null; }

        var fromInput = new bool[n];
        fromInput[0] = true;
        for (int j = 1; j < n; j++)
            for (int i = 0; i < j && !fromInput[j]; i++)
                fromInput[j] = fromInput[i] && m[i, j];
        if (!fromInput[n - 1]) { reason = "the output is not reachable from the input"; return null; }
        var toOutput = new bool[n];
        toOutput[n - 1] = true;
        for (int i = n - 2; i >= 0; i--)
            for (int j = i + 1; j < n && !toOutput[i]; j++)
                toOutput[i] = toOutput[j] && m[i, j];
        int[] keep = Enumerable.Range(0, n).Where(v => fromInput[v] && toOutput[v]).ToArray();
        var pm = new bool[keep.Length, keep.Length];
        int edges = 0;
        for (int a = 0; a < keep.Length; a++)
            for (int b = a + 1; b < keep.Length; b++)
                if (pm[a, b] = m[keep[a], keep[b]]) edges++;
        if (edges > MaxEdges)
        {
            reason = $"{edges} edges{(keep.Length < n ? " after pruning" : "")}, at most {MaxEdges}";
            return null;
        }
        return new Nb101Arch(pm, keep.Select(v => symbols[v]).ToArray());
    }

    private static string SymbolName(int s) => s >= 0 && s < Vocabulary.Length ? Vocabulary[s] : s.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses <c>&lt;row-major bits of an n x n matrix&gt;:&lt;n ops joined by '|'&gt;</c> (n = 2..7), the two NB101
    /// table columns joined by ':', and prunes it; e.g. a 49-bit 7x7 spec may come back as a smaller cell.
    /// </summary>
    public override Arch Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        if (s.Length == 0) throw new ArchFormatException("empty NB101 architecture string");
        string Err(string what) => $"NB101 architecture '{s}': {what}";
        int colon = s.IndexOf(':');
        if (colon < 0) throw new ArchFormatException(Err("missing ':' between the adjacency bits and the ops (form <bits>:<op>|<op>|...)"));
        if (s.IndexOf(':', colon + 1) >= 0) throw new ArchFormatException(Err("more than one ':' (form <bits>:<op>|<op>|...)"));
        string bits = s[..colon], opText = s[(colon + 1)..];
        int n = (int)Math.Round(Math.Sqrt(bits.Length));
        if (bits.Length == 0 || n * n != bits.Length)
            throw new ArchFormatException(Err($"adjacency has {bits.Length} bits, which is not the square of a node count (4, 9, ..., 49)"));
        if (n > MaxCellNodes) throw new ArchFormatException(Err($"adjacency is {n}x{n}: a cell has at most {MaxCellNodes} nodes"));
        if (n < 2) throw new ArchFormatException(Err("adjacency is 1x1: a cell needs at least the input and the output"));
        var m = new bool[n, n];
        for (int k = 0; k < bits.Length; k++)
        {
            char c = bits[k];
            if (c != '0' && c != '1') throw new ArchFormatException(Err($"adjacency bit {k} is '{c}', expected 0 or 1"));
            int i = k / n, j = k % n;
            if (c == '1' && j <= i)
                throw new ArchFormatException(Err($"adjacency bit {k} (row {i}, column {j}) is set on or below the diagonal; edges go from a lower to a higher node"));
            m[i, j] = c == '1';
        }
        string[] ops = opText.Split('|');
        if (ops.Length != n) throw new ArchFormatException(Err($"{ops.Length} ops for a {n}x{n} adjacency, expected {n}"));
        var symbols = new int[n];
        for (int i = 0; i < n; i++)
            if ((symbols[i] = Array.IndexOf(Vocabulary, ops[i])) < 0)
                throw new ArchFormatException(Err($"op {i}: unknown operation '{ops[i]}' (expected one of {string.Join(", ", Vocabulary)})"));
        return TryBuild(m, symbols, out string? reason) ?? throw new ArchFormatException(Err(reason!));
    }

    /// <inheritdoc />
    public override ArchGraph Encode(Nb101Arch a)
    {
        var types = Enumerable.Repeat(-1, MaxCellNodes).ToArray();
        var adj = new bool[MaxCellNodes, MaxCellNodes];
        for (int i = 0; i < a.NodeCount; i++)
        {
            types[i] = a.Symbol(i);
            for (int j = i + 1; j < a.NodeCount; j++) adj[i, j] = a.HasEdge(i, j);
        }
        return new ArchGraph(types, adj);
    }

    /// <summary>
    /// Decodes a 7-slot graph: the present nodes must be slots 0..k-1 (input first, output last), edges must go
    /// forward between present nodes. The graph is then pruned like a spec, so a graph whose extra nodes or edges are
    /// off every input-to-output path decodes to the cell that remains (its re-encoding is that smaller graph); the
    /// 9-edge limit applies after pruning.
    /// </summary>
    public override Arch? TryDecode(ArchGraph graph, out string? reason)
    {
        reason = null;
        if (graph.NodeCount != MaxCellNodes) { reason = $"expected {MaxCellNodes} node slots, got {graph.NodeCount}"; return null; }
        var adj = graph.Adjacency;
        if (adj.GetLength(0) != MaxCellNodes || adj.GetLength(1) != MaxCellNodes)
        {
            reason = $"adjacency is {adj.GetLength(0)}x{adj.GetLength(1)}, expected {MaxCellNodes}x{MaxCellNodes}";
            return null;
        }
        var types = graph.NodeTypes;
        for (int i = 0; i < MaxCellNodes; i++)
            if (types[i] < -1 || types[i] >= Vocabulary.Length) { reason = $"node {i} has symbol {types[i]}, outside -1..{Vocabulary.Length - 1}"; return null; }
        int k = Array.IndexOf(types, -1);
        if (k < 0) k = MaxCellNodes;
        for (int i = k + 1; i < MaxCellNodes; i++)
            if (types[i] >= 0) { reason = $"node {i} is present after absent node {k}; a cell occupies slots 0..k-1"; return null; }
        for (int i = 0; i < MaxCellNodes; i++)
            for (int j = 0; j < MaxCellNodes; j++)
            {
                if (!adj[i, j]) continue;
                if (j <= i) { reason = $"edge {i}->{j} does not go from a lower to a higher node"; return null; }
                if (j >= k) { reason = $"edge {i}->{j} touches absent node {j}"; return null; }
            }
        var m = new bool[k, k];
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++) m[i, j] = adj[i, j];
        return TryBuild(m, types[..k], out reason);
    }

    /// <summary>
    /// NAS-Bench-101's graph hash, the key its dataset is indexed by: iterated MD5 hashing of each node's
    /// (out-degree, in-degree, label) with the sorted hashes of its in- and out-neighbours, as many rounds as nodes,
    /// then the MD5 of the sorted node hashes. Isomorphic cells share it; computed byte for byte as the original
    /// (Python string forms included), so it equals the published hashes.
    /// </summary>
    public override string CanonicalForm(Nb101Arch a)
    {
        int n = a.NodeCount;
        // Labels as NB101 assigns them: -1 input, -2 output, else the index into Operations.
        var labels = Enumerable.Range(0, n).Select(v => v == 0 ? -1 : v == n - 1 ? -2 : a.Symbol(v) - OpSymbolOffset).ToArray();
        var hashes = new string[n];
        for (int v = 0; v < n; v++)
        {
            int outDeg = Enumerable.Range(0, n).Count(w => a.HasEdge(v, w)), inDeg = Enumerable.Range(0, n).Count(w => a.HasEdge(w, v));
            hashes[v] = Md5Hex(string.Create(CultureInfo.InvariantCulture, $"({outDeg}, {inDeg}, {labels[v]})"));
        }
        for (int round = 0; round < n; round++)
        {
            var next = new string[n];
            for (int v = 0; v < n; v++)
            {
                var ins = Enumerable.Range(0, n).Where(w => a.HasEdge(w, v)).Select(w => hashes[w]).Order(StringComparer.Ordinal);
                var outs = Enumerable.Range(0, n).Where(w => a.HasEdge(v, w)).Select(w => hashes[w]).Order(StringComparer.Ordinal);
                next[v] = Md5Hex(string.Concat(ins) + "|" + string.Concat(outs) + "|" + hashes[v]);
            }
            hashes = next;
        }
        return Md5Hex("[" + string.Join(", ", hashes.Order(StringComparer.Ordinal).Select(h => "'" + h + "'")) + "]");
    }

    // MD5 is what NB101 fingerprints with; it names graphs here and protects nothing.
    private static string Md5Hex(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));

    /// <summary>
    /// Draws a 7-node spec as NAS-Bench-101's own random search does (each of the 21 upper-triangular bits with
    /// p = 0.5, each intermediate op uniformly) until it is valid after pruning, and returns the pruned cell. This is
    /// uniform over valid 7-node specs, not over cells or isomorphism classes: small cells, reached by many specs,
    /// come up far more often than their share of the 423,624 classes.
    /// </summary>
    public override Arch Sample(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var m = new bool[MaxCellNodes, MaxCellNodes];
        var symbols = new int[MaxCellNodes];
        symbols[0] = InputSymbol;
        symbols[^1] = OutputSymbol;
        while (true)
        {
            for (int i = 0; i < MaxCellNodes; i++)
                for (int j = i + 1; j < MaxCellNodes; j++) m[i, j] = rng.Next(2) == 1;
            for (int v = 1; v < MaxCellNodes - 1; v++) symbols[v] = OpSymbolOffset + rng.Next(Operations.Count);
            if (TryBuild(m, symbols, out _) is Nb101Arch a) return a;
        }
    }

    /// <summary>
    /// Every valid cell one change away: one intermediate op replaced, or one edge of the pruned cell added or removed
    /// (then pruned again); distinct, without the cell itself. A single edge cannot attach a new node, so moves only
    /// keep or shrink the node count; the two-node cell (input -&gt; output) has no neighbours.
    /// </summary>
    public override IReadOnlyList<Arch> Neighbours(Nb101Arch a)
    {
        int n = a.NodeCount;
        var symbols = Enumerable.Range(0, n).Select(a.Symbol).ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal) { a.ToString() };
        var list = new List<Arch>();
        void Add(Nb101Arch? b) { if (b is not null && seen.Add(b.ToString())) list.Add(b); }
        var m = a.Adjacency;
        for (int v = 1; v < n - 1; v++)
            for (int o = OpSymbolOffset; o < Vocabulary.Length; o++)
            {
                if (o == symbols[v]) continue;
                var changed = (int[])symbols.Clone();
                changed[v] = o;
                Add(TryBuild(m, changed, out _));
            }
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                var toggled = (bool[,])m.Clone();
                toggled[i, j] = !toggled[i, j];
                Add(TryBuild(toggled, symbols, out _));
            }
        return list;
    }

    /// <summary>NB101 is not enumerated: its 423,624 unique cells (far more specs) are not in the data here, and a
    /// 7-node enumeration with isomorphism de-duplication is a job of its own. Always throws.</summary>
    public override IEnumerable<Arch> Enumerate() =>
        throw new NagUserException("nb101 cannot be enumerated here (423,624 unique cells, generated by isomorphism de-duplication of every 7-node spec); sample it or use its benchmark tables");

    /// <summary>
    /// Costs of the NAS-Bench-101 network: a 3x3 conv-BN-ReLU stem (width, default 128 channels); 3 stacks of N cells
    /// (default 3), a 2x2 stride-2 max-pool before stacks 2 and 3 doubling the channels; global average pooling; a dense
    /// classifier. Inside a cell NB101's channel rule holds: the output's channels are split evenly among the nodes
    /// feeding it (the remainder going one each to the first ones), every other node takes the largest channel count
    /// among its successors, inputs from interior nodes are truncated to that count, the cell input reaches a node
    /// through a 1x1 conv-BN-ReLU projection, and it reaches the output by a projection added to the concatenation.
    /// <c>params_M</c>: trainable parameters (conv weights, no conv bias; BN scale and shift; dense weights and bias),
    /// equal to NB101's <c>trainable_parameters</c>. <c>flops_M</c>: the convention of the NB101 tables (NASLib's),
    /// found by fitting and exact on every row of the 500-cell table: conv and dense multiply-adds, plus 3 per
    /// conv-BN-ReLU output element, plus the window size (9 or 4) per max-pool output element; additions,
    /// concatenation and global pooling are free. It counts more than NB201's (multiply-adds only), so FLOPs are not
    /// comparable across the two spaces.
    /// </summary>
    public override IReadOnlyDictionary<string, double> ComputeCosts(Nb101Arch a, CostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Width < 1 || options.CellsPerStage < 0 || options.InputSize < 1 || options.Classes < 1)
            throw new NagUserException($"invalid cost options {options}");
        long c = options.Width ?? StandardStemChannels, h = options.InputSize ?? 32;
        int cells = options.CellsPerStage ?? StandardCellsPerStack, n = a.NodeCount, classes = options.Classes ?? 10;
        double p = 9 * 3 * c + 2 * c, f = 9.0 * 3 * c * h * h + 3.0 * c * h * h;
        for (int stack = 0; stack < Stacks; stack++)
        {
            long outC = c;
            if (stack > 0)
            {
                h = (h + 1) / 2;
                f += 4.0 * c * h * h;
                outC = 2 * c;
            }
            for (int cell = 0; cell < cells; cell++)
            {
                long[] vc = VertexChannels(a, c, outC);
                double area = h * h;
                for (int t = 1; t < n - 1; t++)
                {
                    if (a.HasEdge(0, t)) { p += c * vc[t] + 2 * vc[t]; f += (double)c * vc[t] * area + 3.0 * vc[t] * area; }
                    switch (Vocabulary[a.Symbol(t)])
                    {
                        case "conv3x3-bn-relu": p += 9 * vc[t] * vc[t] + 2 * vc[t]; f += 9.0 * vc[t] * vc[t] * area + 3.0 * vc[t] * area; break;
                        case "conv1x1-bn-relu": p += vc[t] * vc[t] + 2 * vc[t]; f += (double)vc[t] * vc[t] * area + 3.0 * vc[t] * area; break;
                        default: f += 9.0 * vc[t] * area; break; // maxpool3x3
                    }
                }
                if (a.HasEdge(0, n - 1)) { p += c * outC + 2 * outC; f += (double)c * outC * area + 3.0 * outC * area; }
                c = outC; // the max-pool keeps the channels; the stack's first cell doubles them
            }
        }
        p += c * classes + classes;
        f += (double)c * classes;
        return new Dictionary<string, double> { ["params_M"] = p / 1e6, ["flops_M"] = f / 1e6 };
    }

    /// <summary>NB101's <c>compute_vertex_channels</c>: channels of every node of a cell mapping
    /// <paramref name="inC"/> to <paramref name="outC"/> channels.</summary>
    private static long[] VertexChannels(Nb101Arch a, long inC, long outC)
    {
        int n = a.NodeCount;
        var vc = new long[n];
        vc[0] = inC;
        vc[n - 1] = outC;
        if (n == 2) return vc;
        int fanIn = Enumerable.Range(1, n - 2).Count(v => a.HasEdge(v, n - 1));
        long share = outC / fanIn, extra = outC % fanIn;
        if (share == 0)
            throw new NagUserException($"{outC} channels cannot be split among the {fanIn} nodes feeding the output of {a}; use a larger width");
        for (int v = 1; v < n - 1; v++)
            if (a.HasEdge(v, n - 1))
            {
                vc[v] = share;
                if (extra > 0) { vc[v]++; extra--; }
            }
        for (int v = n - 3; v > 0; v--)
            if (!a.HasEdge(v, n - 1))
                for (int dst = v + 1; dst < n - 1; dst++)
                    if (a.HasEdge(v, dst)) vc[v] = Math.Max(vc[v], vc[dst]);
        return vc;
    }
}
