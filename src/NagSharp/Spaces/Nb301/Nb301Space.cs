using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using NagSharp.Graphs;

namespace NagSharp.Spaces;

/// <summary>One input of an intermediate DARTS node: an operation applied to an earlier node.</summary>
/// <param name="Source">0 and 1 are the cell inputs c_{k-2} and c_{k-1}; 2..5 the intermediate nodes.</param>
/// <param name="Op">Index into <see cref="Nb301Space.Operations"/> (NASLib's order).</param>
public readonly record struct DartsEdge(int Source, int Op);

/// <summary>
/// A DARTS genotype as NAS-Bench-301 uses it: a normal and a reduction cell, each with 4 intermediate nodes that sum two
/// operations applied to two distinct earlier nodes; all four are concatenated into the cell output. The two inputs of a
/// node are held sorted by source: their order does not change the sum, so genotypes that list them the other way round
/// are the same architecture.
/// </summary>
public sealed class Nb301Arch : Arch
{
    private readonly string _text;

    /// <summary>Creates a genotype from the 8 inputs of each cell (node i's inputs at 2i and 2i+1); checks it and sorts
    /// each node's inputs by source.</summary>
    public Nb301Arch(IReadOnlyList<DartsEdge> normal, IReadOnlyList<DartsEdge> reduce)
    {
        Normal = Nb301Space.CheckCell(normal, "normal");
        Reduce = Nb301Space.CheckCell(reduce, "reduce");
        _text = Nb301Space.FormatGenotype(Normal, Reduce);
    }

    /// <summary>The normal cell's 8 inputs, node by node, each node's two sorted by source.</summary>
    public IReadOnlyList<DartsEdge> Normal { get; }

    /// <summary>The reduction cell's 8 inputs, as <see cref="Normal"/>.</summary>
    public IReadOnlyList<DartsEdge> Reduce { get; }

    /// <summary>The cell by index: 0 normal, 1 reduction.</summary>
    public IReadOnlyList<DartsEdge> Cell(int c) => c == 0 ? Normal : Reduce;

    /// <summary>The DARTS string, <c>Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])</c>.</summary>
    public override string ToString() => _text;

    /// <summary>NASLib's compact form, <c>[[(source, op), ... 8], [... 8]]</c> with NASLib's operation indices.</summary>
    public string CompactForm =>
        "[" + string.Join(", ", new[] { Normal, Reduce }.Select(c => "[" + string.Join(", ", c.Select(e => $"({e.Source}, {e.Op})")) + "]")) + "]";
}

/// <summary>
/// The DARTS space of NAS-Bench-301: both cells of a genotype, 4 intermediate nodes with 2 inputs each, 7 operations
/// (about 10^18 genotypes; not enumerated). Graph encoding: both cells in one fixed graph of input slots. Per cell: the
/// inputs c_{k-2} and c_{k-1}, one node per input of an intermediate node (8: node i's two inputs), whose symbol is the
/// pair <c>op~source</c> as in NB201's notation, and the cell output. The adjacency is every data flow a genotype could
/// have (the supernet's): both cell inputs feed every slot, each slot of node i feeds every slot of the later nodes, every
/// slot feeds the output; the reduction cell follows the normal one as in the network (its c_{k-2} fed by the normal
/// cell's c_{k-1}, its c_{k-1} by the normal output). 22 nodes, 37 symbols. A graph is valid when each slot's source lies
/// below its node and a node's two sources differ: constraints between two nodes, which generators learn far more easily
/// than "exactly two of up to five edges are on" (the supernet edge form, tried first: 0 % valid after 500 tiny steps).
/// Both engines generate both cells without any change (DiNAS generates only the reduction cell).
/// </summary>
public sealed partial class Nb301Space : SearchSpace<Nb301Arch>, Diagrams.ICellDiagramSource
{
    /// <summary>The operations in NASLib's order (the indices of its compact form).</summary>
    public static readonly IReadOnlyList<string> Operations =
        ["max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"];

    /// <summary>Intermediate nodes per cell.</summary>
    public const int IntermediateNodes = 4;

    /// <summary>Input slots per cell: two per intermediate node.</summary>
    public const int InputSlots = 2 * IntermediateNodes;

    /// <summary>Graph nodes per cell: two inputs, the input slots, the output.</summary>
    public const int NodesPerCell = InputSlots + 3;

    /// <summary>Sources an input may come from: the two cell inputs and the first three intermediate nodes.</summary>
    public const int Sources = IntermediateNodes + 1;

    /// <summary>Initial channels of the NAS-Bench-301 network, used when <see cref="CostOptions.Width"/> is null.</summary>
    public const int StandardWidth = 32;

    /// <summary>Normal cells per stage of the NAS-Bench-301 network (8 cells: N N R N N R N N), used when
    /// <see cref="CostOptions.CellsPerStage"/> is null.</summary>
    public const int StandardCellsPerStage = 2;

    /// <summary>FLOPs the tables count beyond the structural terms of <see cref="ComputeCosts"/>: constant over all
    /// 1,218 rows of the NB301 table, origin unknown (about 0.005 % of a network).</summary>
    public const double UnexplainedTableFlops = 8704;

    private static readonly string[] Vocabulary =
        ["input", "output", .. Enumerable.Range(0, Sources).SelectMany(src => Operations.Select(op => $"{op}~{src}"))];
    private const int InputSymbol = 0, OutputSymbol = 1, EdgeSymbolOffset = 2;

    private static int EdgeSymbol(DartsEdge e) => EdgeSymbolOffset + e.Source * Operations.Count + e.Op;

    private static readonly bool[,] Adjacency = BuildAdjacency();

    /// <summary>Draws both cells with their chosen operations and intermediate sums (the encoding lists every possible edge instead).</summary>
    public Diagrams.CellDiagram Diagram(Arch arch) => Diagrams.SpaceDiagrams.Nb301(this, Cast(arch));

    /// <inheritdoc />
    public override string Name => "nb301";
    /// <inheritdoc />
    public override string Description => "DARTS / NAS-Bench-301: normal + reduction cell, 4 nodes x 2 inputs, 7 operations (~10^18 genotypes; fixed 22-node graph of input slots)";
    /// <inheritdoc />
    public override long? Size => null;
    /// <inheritdoc />
    public override IReadOnlyList<string> NodeVocabulary => Vocabulary;
    /// <inheritdoc />
    public override int MaxNodes => 2 * NodesPerCell;
    /// <inheritdoc />
    public override bool[,]? FixedAdjacency => (bool[,])Adjacency.Clone();

    /// <summary>Keyless tables with the DARTS string as the architecture (NASLib's compact form is another, equivalent
    /// column, so it is declared text); the 11,221 NB301 training genotypes are an unlabelled list.</summary>
    public override TableLayout? Tables { get; } = new("nb301", null, "genotype", CompleteTables: false)
    {
        ArchListPattern = "*.json",
        TextColumns = ["naslib_compact"],
        LowerIsBetter = ["*_ms", "params_M", "flops_M"],
    };

    private static int GraphNode(int cell, int slot) => cell * NodesPerCell + 2 + slot;

    private static bool[,] BuildAdjacency()
    {
        var a = new bool[2 * NodesPerCell, 2 * NodesPerCell];
        for (int c = 0; c < 2; c++)
        {
            int o = c * NodesPerCell, output = o + NodesPerCell - 1;
            for (int k = 0; k < InputSlots; k++)
            {
                int node = GraphNode(c, k);
                a[o, node] = a[o + 1, node] = true;
                a[node, output] = true;
                for (int later = (k / 2 + 1) * 2; later < InputSlots; later++) a[node, GraphNode(c, later)] = true;
            }
        }
        a[1, NodesPerCell] = true;                    // normal c_{k-1} is the reduction cell's c_{k-2}
        a[NodesPerCell - 1, NodesPerCell + 1] = true; // normal output is the reduction cell's c_{k-1}
        return a;
    }

    /// <summary>Checks one cell (8 inputs, node i taking two distinct sources below i + 2) and returns it with each node's
    /// inputs sorted by source.</summary>
    internal static DartsEdge[] CheckCell(IReadOnlyList<DartsEdge> cell, string name)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (cell.Count != 2 * IntermediateNodes) throw new ArchFormatException($"{name} cell: {cell.Count} inputs, expected {2 * IntermediateNodes} (2 per node)");
        var sorted = new DartsEdge[cell.Count];
        for (int i = 0; i < IntermediateNodes; i++)
        {
            var (a, b) = (cell[2 * i], cell[2 * i + 1]);
            foreach (var e in new[] { a, b })
            {
                if (e.Op < 0 || e.Op >= Operations.Count) throw new ArchFormatException($"{name} cell, node {i + 2}: operation {e.Op} is outside 0..{Operations.Count - 1}");
                if (e.Source < 0 || e.Source > i + 1) throw new ArchFormatException($"{name} cell, node {i + 2}: source {e.Source} is outside 0..{i + 1}");
            }
            if (a.Source == b.Source) throw new ArchFormatException($"{name} cell, node {i + 2}: both inputs come from node {a.Source}; they must differ");
            (sorted[2 * i], sorted[2 * i + 1]) = a.Source < b.Source ? (a, b) : (b, a);
        }
        return sorted;
    }

    internal static string FormatGenotype(IReadOnlyList<DartsEdge> normal, IReadOnlyList<DartsEdge> reduce)
    {
        static string Cell(IReadOnlyList<DartsEdge> c) => "[" + string.Join(", ", c.Select(e => $"('{Operations[e.Op]}', {e.Source})")) + "]";
        return $"Genotype(normal={Cell(normal)}, normal_concat=[2, 3, 4, 5], reduce={Cell(reduce)}, reduce_concat=[2, 3, 4, 5])";
    }

    [GeneratedRegex(@"^Genotype\((?<body>.*)\)$", RegexOptions.Singleline)]
    private static partial Regex GenotypePattern();

    [GeneratedRegex(@"^\(\s*'(?<op>[^']*)'\s*,\s*(?<src>-?\d+)\s*\)$")]
    private static partial Regex GenotypeEdgePattern();

    [GeneratedRegex(@"^\(\s*(?<src>-?\d+)\s*,\s*(?<op>-?\d+)\s*\)$")]
    private static partial Regex CompactEdgePattern();

    [GeneratedRegex(@"^range\(\s*2\s*,\s*6\s*\)$")]
    private static partial Regex RangePattern();

    /// <summary>
    /// Parses the DARTS string <c>Genotype(normal=[('op', source), ...], normal_concat=[2, 3, 4, 5], reduce=[...],
    /// reduce_concat=[2, 3, 4, 5])</c> (<c>range(2, 6)</c> is accepted for the concatenations, which must be all four
    /// nodes) or NASLib's compact form <c>[[(source, op), ...], [...]]</c> / <c>(((source, op), ...), (...))</c>.
    /// </summary>
    public override Arch Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        if (s.Length == 0) throw new ArchFormatException("empty NB301 architecture string");
        string what = $"NB301 architecture '{(s.Length > 60 ? s[..60] + "..." : s)}'";
        try
        {
            if (s.StartsWith("Genotype", StringComparison.Ordinal)) return ParseGenotype(s);
            if (s[0] is '[' or '(') return ParseCompact(s);
        }
        catch (ArchFormatException e) { throw new ArchFormatException($"{what}: {e.Message}"); }
        throw new ArchFormatException($"{what}: expected Genotype(normal=[...], ...) or NASLib's compact form [[(source, op), ...], [...]]");
    }

    private static Nb301Arch ParseGenotype(string s)
    {
        var m = GenotypePattern().Match(s);
        if (!m.Success) throw new ArchFormatException("expected Genotype(...)");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in SplitTopLevel(m.Groups["body"].Value))
        {
            int eq = part.IndexOf('=');
            if (eq < 0) throw new ArchFormatException($"'{part.Trim()}' is not name=value");
            string key = part[..eq].Trim();
            if (key is not ("normal" or "normal_concat" or "reduce" or "reduce_concat")) throw new ArchFormatException($"unknown field '{key}' (expected normal, normal_concat, reduce, reduce_concat)");
            if (!fields.TryAdd(key, part[(eq + 1)..].Trim())) throw new ArchFormatException($"field '{key}' appears twice");
        }
        foreach (var key in new[] { "normal_concat", "reduce_concat" })
            if (fields.TryGetValue(key, out var concat) && !IsAllNodes(concat))
                throw new ArchFormatException($"{key} is {concat}; NB301 concatenates all four intermediate nodes ([2, 3, 4, 5])");
        foreach (var key in new[] { "normal", "reduce" })
            if (!fields.ContainsKey(key)) throw new ArchFormatException($"missing field '{key}'");
        return new Nb301Arch(GenotypeCell(fields["normal"], "normal"), GenotypeCell(fields["reduce"], "reduce"));
    }

    private static bool IsAllNodes(string concat)
    {
        if (RangePattern().IsMatch(concat)) return true;
        string c = concat.Replace(" ", "", StringComparison.Ordinal);
        return c is "[2,3,4,5]" or "(2,3,4,5)";
    }

    private static DartsEdge[] GenotypeCell(string list, string name)
    {
        var items = ListItems(list, name);
        var edges = new DartsEdge[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            var m = GenotypeEdgePattern().Match(items[i]);
            if (!m.Success) throw new ArchFormatException($"{name} input {i}: '{items[i]}' is not ('operation', source)");
            int op = SpaceText.IndexOf(Operations, m.Groups["op"].Value);
            if (op < 0) throw new ArchFormatException($"{name} input {i}: unknown operation '{m.Groups["op"].Value}' (expected one of {string.Join(", ", Operations)})");
            edges[i] = new DartsEdge(SmallNumber(m.Groups["src"].Value, $"{name} input {i}: source"), op);
        }
        return edges;
    }

    // Digits as matched by the patterns; a number too large for an int is refused like any other out-of-range index.
    private static int SmallNumber(string digits, string what) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v
            : throw new ArchFormatException($"{what}: '{SafePath.Shorten(digits)}' is out of range");

    private static Nb301Arch ParseCompact(string s)
    {
        var cells = ListItems(s, "compact form");
        if (cells.Count != 2) throw new ArchFormatException($"compact form has {cells.Count} cells, expected 2 (normal, reduce)");
        var parsed = new DartsEdge[2][];
        for (int c = 0; c < 2; c++)
        {
            string name = c == 0 ? "normal" : "reduce";
            var items = ListItems(cells[c], name);
            parsed[c] = new DartsEdge[items.Count];
            for (int i = 0; i < items.Count; i++)
            {
                var m = CompactEdgePattern().Match(items[i]);
                if (!m.Success) throw new ArchFormatException($"{name} input {i}: '{items[i]}' is not (source, op)");
                parsed[c][i] = new DartsEdge(SmallNumber(m.Groups["src"].Value, $"{name} input {i}: source"), SmallNumber(m.Groups["op"].Value, $"{name} input {i}: operation"));
            }
        }
        return new Nb301Arch(parsed[0], parsed[1]);
    }

    /// <summary>The items of a bracketed list <c>[a, b]</c> or <c>(a, b)</c>, split at top-level commas.</summary>
    private static List<string> ListItems(string list, string name)
    {
        string t = list.Trim();
        if (t.Length < 2 || !((t[0] == '[' && t[^1] == ']') || (t[0] == '(' && t[^1] == ')')))
            throw new ArchFormatException($"{name}: '{t}' is not a bracketed list");
        var items = SplitTopLevel(t[1..^1]).Select(x => x.Trim()).ToList();
        if (items.Count > 0 && items[^1].Length == 0) items.RemoveAt(items.Count - 1);   // trailing comma
        if (items.Any(x => x.Length == 0)) throw new ArchFormatException($"{name}: empty list item");
        return items;
    }

    private static List<string> SplitTopLevel(string s)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        bool quoted = false;
        for (int i = 0; i < s.Length; i++)
        {
            char ch = s[i];
            if (ch == '\'') quoted = !quoted;
            else if (quoted) continue;
            else if (ch is '(' or '[') depth++;
            else if (ch is ')' or ']')
            {
                if (--depth < 0) throw new ArchFormatException($"unbalanced '{ch}' at character {i}");
            }
            else if (ch == ',' && depth == 0) { parts.Add(s[start..i]); start = i + 1; }
        }
        if (depth != 0 || quoted) throw new ArchFormatException("unbalanced brackets or quotes");
        parts.Add(s[start..]);
        return parts;
    }

    /// <inheritdoc />
    public override ArchGraph Encode(Nb301Arch a)
    {
        var types = new int[MaxNodes];
        for (int c = 0; c < 2; c++)
        {
            int o = c * NodesPerCell;
            types[o] = types[o + 1] = InputSymbol;
            types[o + NodesPerCell - 1] = OutputSymbol;
            var cell = a.Cell(c);
            for (int k = 0; k < cell.Count; k++) types[GraphNode(c, k)] = EdgeSymbol(cell[k]);
        }
        return new ArchGraph(types, (bool[,])Adjacency.Clone());
    }

    /// <summary>Decodes the slot graph: fixed shape, inputs and outputs in place, every slot an <c>op~source</c> whose source
    /// lies below its node, and distinct sources for a node's two slots (in either order: the genotype sorts them).</summary>
    public override Arch? TryDecode(ArchGraph graph, out string? reason)
    {
        reason = SpaceText.CheckFixedShape(graph, Adjacency, Name);
        if (reason is not null) return null;
        var cells = new DartsEdge[2][];
        for (int c = 0; c < 2; c++)
        {
            int o = c * NodesPerCell;
            string name = c == 0 ? "normal" : "reduce";
            for (int k = 0; k < 2; k++)
                if (graph.NodeTypes[o + k] != InputSymbol) { reason = $"node {o + k} ({name} input {k}) is {SpaceText.SymbolName(Vocabulary, graph.NodeTypes[o + k])}, expected input"; return null; }
            if (graph.NodeTypes[o + NodesPerCell - 1] != OutputSymbol) { reason = $"node {o + NodesPerCell - 1} ({name} output) is {SpaceText.SymbolName(Vocabulary, graph.NodeTypes[o + NodesPerCell - 1])}, expected output"; return null; }
            cells[c] = new DartsEdge[InputSlots];
            for (int k = 0; k < InputSlots; k++)
            {
                int node = GraphNode(c, k), t = graph.NodeTypes[node], target = k / 2 + 2;
                if (t < EdgeSymbolOffset || t >= Vocabulary.Length) { reason = $"node {node} ({name} node {target} input {k % 2}) is {SpaceText.SymbolName(Vocabulary, t)}, expected op~source"; return null; }
                var e = new DartsEdge((t - EdgeSymbolOffset) / Operations.Count, (t - EdgeSymbolOffset) % Operations.Count);
                if (e.Source >= target) { reason = $"node {node} ({name} node {target} input {k % 2}) reads node {e.Source}, not below {target}"; return null; }
                cells[c][k] = e;
            }
            for (int i = 0; i < IntermediateNodes; i++)
                if (cells[c][2 * i].Source == cells[c][2 * i + 1].Source) { reason = $"{name} cell node {i + 2} reads node {cells[c][2 * i].Source} twice"; return null; }
        }
        return new Nb301Arch(cells[0], cells[1]);
    }

    /// <summary>
    /// A key shared by genotypes that compute the same function up to the order of the intermediate nodes: each node is
    /// the sorted sum of its terms <c>op(expression of the source)</c>, the cell the sorted multiset of its nodes (they are
    /// all concatenated). Operations are not simplified (a skip_connect on a reduction input is a strided
    /// FactorizedReduce, not an identity).
    /// </summary>
    public override string CanonicalForm(Nb301Arch a)
    {
        var sb = new StringBuilder();
        for (int c = 0; c < 2; c++)
        {
            var expr = new string[2 + IntermediateNodes];
            expr[0] = "a"; expr[1] = "b";
            var cell = a.Cell(c);
            for (int i = 0; i < IntermediateNodes; i++)
            {
                var terms = new[] { cell[2 * i], cell[2 * i + 1] }.Select(e => Operations[e.Op] + "(" + expr[e.Source] + ")").Order(StringComparer.Ordinal);
                expr[i + 2] = "[" + string.Join("+", terms) + "]";
            }
            sb.Append(c == 0 ? "normal:" : ";reduce:").Append(string.Join(",", expr[2..].Order(StringComparer.Ordinal)));
        }
        return sb.ToString();
    }

    /// <summary>NB301's own random sampling (as its configuration space and NASLib draw): for each node of each cell, two
    /// distinct sources uniformly among its predecessors and an operation uniformly for each.</summary>
    public override Arch Sample(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var cells = new DartsEdge[2][];
        for (int c = 0; c < 2; c++)
        {
            cells[c] = new DartsEdge[2 * IntermediateNodes];
            for (int i = 0; i < IntermediateNodes; i++)
            {
                int n = i + 2, s1 = rng.Next(n), s2 = rng.Next(n - 1);
                if (s2 >= s1) s2++;
                cells[c][2 * i] = new DartsEdge(s1, rng.Next(Operations.Count));
                cells[c][2 * i + 1] = new DartsEdge(s2, rng.Next(Operations.Count));
            }
        }
        return new Nb301Arch(cells[0], cells[1]);
    }

    /// <summary>Every genotype one change away: one input's operation replaced, or one input moved to another source the
    /// node does not already use (NASLib's two mutations); distinct, without the genotype itself.</summary>
    public override IReadOnlyList<Arch> Neighbours(Nb301Arch a)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { a.ToString() };
        var list = new List<Arch>();
        for (int c = 0; c < 2; c++)
        {
            var cell = a.Cell(c);
            for (int k = 0; k < cell.Count; k++)
            {
                int node = k / 2 + 2, other = cell[k ^ 1].Source;
                var changes = Enumerable.Range(0, Operations.Count).Where(o => o != cell[k].Op).Select(o => cell[k] with { Op = o })
                    .Concat(Enumerable.Range(0, node).Where(s => s != cell[k].Source && s != other).Select(s => cell[k] with { Source = s }));
                foreach (var changed in changes)
                {
                    var edges = cell.ToArray();
                    edges[k] = changed;
                    var b = c == 0 ? new Nb301Arch(edges, a.Reduce) : new Nb301Arch(a.Normal, edges);
                    if (seen.Add(b.ToString())) list.Add(b);
                }
            }
        }
        return list;
    }

    /// <summary>Not enumerable (about 10^18 genotypes). Always throws.</summary>
    public override IEnumerable<Arch> Enumerate() =>
        throw new NagUserException("nb301 cannot be enumerated (about 10^18 genotypes); sample it or use its benchmark tables");

    /// <summary>
    /// Costs of the NAS-Bench-301 network (NASLib's model of it): a 3x3 conv-BN stem with 3C channels; 3 stages of N normal
    /// cells (default C = 32, N = 2) separated by reduction cells that double the channels and halve the resolution (8
    /// cells); every cell's inputs are preprocessed by ReLU-conv1x1-BN (a factorized reduce after a reduction cell); global
    /// pooling and a linear classifier. Operations use BN without affine parameters (as NB301's model does), the stem and
    /// preprocessing with. <c>params_M</c>: all trainable parameters, equal to the table on every row. <c>flops_M</c>: the
    /// tables' counting convention, found by fitting and exact on all 1,218 rows: conv and linear multiply-adds, BN output
    /// elements (twice with affine parameters), ReLU input elements, the window size (9) per pooling output element, the
    /// input elements of global pooling, plus <see cref="UnexplainedTableFlops"/>. The input side must be a multiple of 4.
    /// </summary>
    public override IReadOnlyDictionary<string, double> ComputeCosts(Nb301Arch a, CostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Width < 2 || options.CellsPerStage < 0 || options.InputSize < 1 || options.Classes < 1)
            throw new NagUserException($"invalid cost options {options}");
        long c = options.Width ?? StandardWidth, h = options.InputSize ?? 32;
        int perStage = options.CellsPerStage ?? StandardCellsPerStage, classes = options.Classes ?? 10;
        if (h % 4 != 0) throw new NagUserException($"the NB301 network needs an input side divisible by 4 (two factorized reductions), got {h}");
        double p = 27 * 3 * c + 2 * 3 * c, f = 27.0 * 3 * c * h * h + 2.0 * 3 * c * h * h;
        long cpp = 3 * c, cp = 3 * c, hpp = h, hp = h, cur = c;
        int cells = 3 * perStage + 2;
        for (int i = 0; i < cells; i++)
        {
            bool reduction = i == perStage || i == 2 * perStage + 1;
            if (reduction) cur *= 2;
            long hOut = reduction ? hp / 2 : hp;
            double area = hp * hp;
            // preprocess0: factorized reduce after a reduction cell (ReLU on its input, two half-width strided 1x1 convs, BN)
            p += cpp * cur + 2 * cur;
            f += (double)cpp * hpp * hpp + (double)cpp * cur * area + 2.0 * cur * area;
            // preprocess1: ReLU-conv1x1-BN
            p += cp * cur + 2 * cur;
            f += (double)cp * area + (double)cp * cur * area + 2.0 * cur * area;
            foreach (var e in a.Cell(reduction ? 1 : 0))
            {
                bool strided = reduction && e.Source < 2;
                double outA = hOut * hOut, inA = strided ? area : outA;
                var (op, cost) = OpCost(Operations[e.Op], cur, strided, inA, outA);
                p += op; f += cost;
            }
            (cpp, cp) = (cp, 4 * cur);
            (hpp, hp) = (hp, hOut);
        }
        p += cp * classes + classes;
        f += (double)cp * hp * hp + (double)cp * classes + UnexplainedTableFlops;
        return new Dictionary<string, double> { ["params_M"] = p / 1e6, ["flops_M"] = f / 1e6 };
    }

    /// <summary>(params, flops) of one operation on <paramref name="ch"/> channels (BN without affine parameters).</summary>
    private static (double Params, double Flops) OpCost(string op, long ch, bool strided, double inArea, double outArea)
    {
        double cc = (double)ch * ch;
        switch (op)
        {
            case "max_pool_3x3":
            case "avg_pool_3x3":
                return (0, 9.0 * ch * outArea + ch * outArea);                     // window + BN
            case "skip_connect":
                return strided ? (cc, ch * inArea + cc * outArea + ch * outArea) : (0, 0);   // factorized reduce or identity
            default:
                int k = op.EndsWith("5x5", StringComparison.Ordinal) ? 25 : 9;
                double one = k * ch * outArea + cc * outArea + ch * outArea;       // depthwise + pointwise + BN
                if (op.StartsWith("sep", StringComparison.Ordinal))
                    return (2 * (k * ch + cc), ch * inArea + one + ch * outArea + one);   // ReLU, dw, pw, BN, ReLU, dw, pw, BN
                return (k * ch + cc, ch * inArea + one);
        }
    }
}
