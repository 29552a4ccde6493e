using System.Globalization;
using NagSharp.Graphs;

namespace NagSharp.Spaces;

/// <summary>A TransNAS-Bench-101 micro cell: one of four operations on each of the six edges of the NB201 cell.</summary>
public sealed class TnbMicroArch : Arch
{
    private readonly string _text;

    /// <summary>Operation index (into <see cref="TnbMicroSpace.Operations"/>, which is also the benchmark's digit) per edge,
    /// in the NB201 string order (0-&gt;1), (0-&gt;2), (1-&gt;2), (0-&gt;3), (1-&gt;3), (2-&gt;3).</summary>
    public IReadOnlyList<int> Ops { get; }

    /// <summary>Creates a cell from six operation digits 0..3.</summary>
    public TnbMicroArch(IReadOnlyList<int> ops)
    {
        ArgumentNullException.ThrowIfNull(ops);
        if (ops.Count != Nb201Space.EdgeCount) throw new ArchFormatException($"a TransNAS-Bench-101 micro cell has {Nb201Space.EdgeCount} edges, got {ops.Count}");
        foreach (var o in ops)
            if (o < 0 || o >= TnbMicroSpace.Operations.Count) throw new ArchFormatException($"micro operation {o} is outside 0..{TnbMicroSpace.Operations.Count - 1}");
        Ops = ops.ToArray();
        var d = Ops.Select(o => o.ToString(CultureInfo.InvariantCulture)).ToArray();
        _text = $"{TnbMicroSpace.Skeleton}-{d[0]}_{d[1]}{d[2]}_{d[3]}{d[4]}{d[5]}";
    }

    /// <summary>The benchmark's own string, e.g. <c>64-41414-3_33_333</c> (skeleton, then the cell's digits node by node).</summary>
    public override string ToString() => _text;

    /// <summary>NASLib's form, the key of the tables: <c>(3, 3, 3, 3, 3, 3)</c>.</summary>
    public string NaslibForm => SpaceText.Tuple(Ops);
}

/// <summary>
/// TransNAS-Bench-101's micro (cell) space: the NB201 cell with the operations {none, skip_connect, nor_conv_1x1,
/// nor_conv_3x3} (digits 0..3), 4^6 = 4,096 cells, evaluated in the fixed 64-41414 skeleton on 7 tasks. Graph encoding:
/// NB201's operation-on-node form (input, six edge nodes, output) with the cell's true data-flow adjacency.
/// </summary>
/// <remarks>Every task column of the shipped tables is higher-is-better: class_scene, class_object and jigsaw are top-1
/// accuracy (%), segmentsemantic pixel accuracy, autoencoder and normal SSIM, and room_layout is the <em>negated</em> L2
/// loss (the benchmark's loss is lower-is-better; NASLib stores its negative).</remarks>
public sealed class TnbMicroSpace : SearchSpace<TnbMicroArch>
{
    /// <summary>Edge operations by benchmark digit, with NB201's names.</summary>
    public static readonly IReadOnlyList<string> Operations = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3"];

    /// <summary>The macro skeleton every micro cell is evaluated in (stem width 64, modules 4-1-4-1-4).</summary>
    public const string Skeleton = "64-41414";

    private static readonly string[] Vocabulary = ["input", "output", .. Operations];
    private const int InputSymbol = 0, OutputSymbol = 1, OpSymbolOffset = 2;
    private static readonly bool[,] Adjacency = new Nb201Space().FixedAdjacency!;

    /// <inheritdoc />
    public override string Name => "tnb101_micro";
    /// <inheritdoc />
    public override string Description => "TransNAS-Bench-101 micro cell: 6 edges x 4 operations (4,096 cells, fixed 8-node graph), 7 tasks, every column higher-is-better";
    /// <inheritdoc />
    public override long? Size => 4096;
    /// <inheritdoc />
    public override IReadOnlyList<string> NodeVocabulary => Vocabulary;
    /// <inheritdoc />
    public override int MaxNodes => Nb201Space.EdgeCount + 2;
    /// <inheritdoc />
    public override bool[,]? FixedAdjacency => (bool[,])Adjacency.Clone();

    /// <summary>No key column: the architecture column is NASLib's tuple; the micro and macro tables share a folder.</summary>
    public override TableLayout? Tables { get; } = new("transnas101", null, "arch_naslib", CompleteTables: true) { FilePattern = "tnb101_micro_*.csv", LowerIsBetter = ["*_ms"] };

    /// <summary>
    /// Parses the benchmark's string <c>64-41414-a_bc_def</c>, NASLib's tuple <c>(a, b, c, d, e, f)</c> (the tables' form)
    /// or an NB201-style string <c>|op~0|+|op~0|op~1|+|op~0|op~1|op~2|</c> restricted to the four operations. The digits
    /// are 0 none, 1 skip_connect, 2 nor_conv_1x1, 3 nor_conv_3x3, in NB201's edge order.
    /// </summary>
    public override Arch Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        if (s.Length == 0) throw new ArchFormatException("empty TransNAS-Bench-101 micro architecture string");
        string what = $"TransNAS-Bench-101 micro architecture '{s}'";
        if (s[0] is '(' or '[')
        {
            var ops = SpaceText.IntTuple(s, what);
            if (ops.Length != Nb201Space.EdgeCount) throw new ArchFormatException($"{what}: {ops.Length} operations, expected {Nb201Space.EdgeCount}");
            for (int e = 0; e < ops.Length; e++)
                if (ops[e] < 0 || ops[e] >= Operations.Count) throw new ArchFormatException($"{what}: edge {e}: operation {ops[e]} is outside 0..{Operations.Count - 1}");
            return new TnbMicroArch(ops);
        }
        if (s[0] == '|')
        {
            Nb201Arch nb;
            try { nb = (Nb201Arch)new Nb201Space().Parse(s); }
            catch (ArchFormatException e) { throw new ArchFormatException($"{what}: {e.Message}"); }
            var ops = new int[Nb201Space.EdgeCount];
            for (int e = 0; e < ops.Length; e++)
            {
                string op = Nb201Space.Operations[nb.Ops[e]];
                ops[e] = SpaceText.IndexOf(Operations, op);
                if (ops[e] < 0) throw new ArchFormatException($"{what}: edge {e}: operation '{op}' is not in the micro space ({string.Join(", ", Operations)})");
            }
            return new TnbMicroArch(ops);
        }
        int lastDash = s.LastIndexOf('-');
        if (lastDash < 0) throw new ArchFormatException($"{what}: expected 64-41414-a_bc_def, (a, b, c, d, e, f) or |op~0|+|...|");
        string skeleton = s[..lastDash], cell = s[(lastDash + 1)..];
        if (skeleton != Skeleton)
            throw new ArchFormatException($"{what}: skeleton '{skeleton}' is not {Skeleton}, the one micro cells are evaluated in (a different skeleton is a macro architecture)");
        var groups = cell.Split('_');
        if (groups.Length != 3) throw new ArchFormatException($"{what}: cell '{cell}' has {groups.Length} '_'-separated node groups, expected 3 (a_bc_def)");
        var digits = new List<int>(Nb201Space.EdgeCount);
        for (int g = 0; g < 3; g++)
        {
            if (groups[g].Length != g + 1) throw new ArchFormatException($"{what}: node {g + 1} group '{groups[g]}' has {groups[g].Length} digits, expected {g + 1}");
            foreach (char c in groups[g])
            {
                if (c < '0' || c >= '0' + Operations.Count) throw new ArchFormatException($"{what}: node {g + 1}: '{c}' is not an operation digit 0..{Operations.Count - 1}");
                digits.Add(c - '0');
            }
        }
        return new TnbMicroArch(digits);
    }

    /// <inheritdoc />
    public override ArchGraph Encode(TnbMicroArch a)
    {
        var types = new int[MaxNodes];
        types[0] = InputSymbol;
        for (int e = 0; e < Nb201Space.EdgeCount; e++) types[e + 1] = a.Ops[e] + OpSymbolOffset;
        types[^1] = OutputSymbol;
        return new ArchGraph(types, (bool[,])Adjacency.Clone());
    }

    /// <inheritdoc />
    public override Arch? TryDecode(ArchGraph graph, out string? reason)
    {
        reason = SpaceText.CheckFixedShape(graph, Adjacency, Name);
        if (reason is not null) return null;
        if (graph.NodeTypes[0] != InputSymbol) { reason = "node 0 is not the input"; return null; }
        if (graph.NodeTypes[^1] != OutputSymbol) { reason = $"node {MaxNodes - 1} is not the output"; return null; }
        var ops = new int[Nb201Space.EdgeCount];
        for (int e = 0; e < ops.Length; e++)
        {
            int t = graph.NodeTypes[e + 1];
            if (t < OpSymbolOffset || t >= Vocabulary.Length)
            {
                reason = $"node {e + 1} has symbol {SpaceText.SymbolName(Vocabulary, t)}, expected an operation";
                return null;
            }
            ops[e] = t - OpSymbolOffset;
        }
        return new TnbMicroArch(ops);
    }

    /// <summary>NB201's de-duplication rule (see <see cref="Nb201Space.CellCanonicalForm"/>) over the four operations.</summary>
    public override string CanonicalForm(TnbMicroArch a) => Nb201Space.CellCanonicalForm(a.Ops.Select(o => Operations[o]).ToArray());

    /// <summary>Each edge's operation uniformly: uniform over the 4,096 cells.</summary>
    public override Arch Sample(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var ops = new int[Nb201Space.EdgeCount];
        for (int e = 0; e < ops.Length; e++) ops[e] = rng.Next(Operations.Count);
        return new TnbMicroArch(ops);
    }

    /// <summary>The 18 cells that differ in one edge's operation.</summary>
    public override IReadOnlyList<Arch> Neighbours(TnbMicroArch a)
    {
        var list = new List<Arch>(Nb201Space.EdgeCount * (Operations.Count - 1));
        for (int e = 0; e < Nb201Space.EdgeCount; e++)
            for (int o = 0; o < Operations.Count; o++)
            {
                if (o == a.Ops[e]) continue;
                var ops = a.Ops.ToArray();
                ops[e] = o;
                list.Add(new TnbMicroArch(ops));
            }
        return list;
    }

    /// <summary>Every cell in base-4 order of the digits (the order of the benchmark's tables).</summary>
    public override IEnumerable<Arch> Enumerate()
    {
        var ops = new int[Nb201Space.EdgeCount];
        for (int k = 0; k < Size; k++)
        {
            int r = k;
            for (int e = ops.Length - 1; e >= 0; e--) { ops[e] = r % Operations.Count; r /= Operations.Count; }
            yield return new TnbMicroArch(ops);
        }
    }

    /// <summary>No analytic costs: the tables give none to check a cost model against, and the network differs per task
    /// (seven task-specific decoders on one encoder).</summary>
    public override IReadOnlyDictionary<string, double> ComputeCosts(TnbMicroArch a, CostOptions options)
    {
        return new Dictionary<string, double>();
    }
}

/// <summary>A TransNAS-Bench-101 macro skeleton: 4 to 6 residual modules, each one of four kinds (digits 1..4).</summary>
public sealed class TnbMacroArch : Arch
{
    private readonly string _text;

    /// <summary>Module digits in order: 1 keeps resolution and channels, 2 doubles the channels, 3 halves the resolution,
    /// 4 does both.</summary>
    public IReadOnlyList<int> Modules { get; }

    /// <summary>Creates a skeleton; throws <see cref="ArchFormatException"/> when it breaks the space's rules.</summary>
    public TnbMacroArch(IReadOnlyList<int> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        if (TnbMacroSpace.Violation(modules) is string why) throw new ArchFormatException($"TransNAS-Bench-101 macro skeleton {SpaceText.Tuple(modules)}: {why}");
        Modules = modules.ToArray();
        _text = $"{TnbMacroSpace.StemWidth}-{string.Concat(Modules.Select(m => (char)('0' + m)))}-basic";
    }

    /// <summary>The benchmark's own string, e.g. <c>64-1412-basic</c> (stem width, module digits, residual basic blocks).</summary>
    public override string ToString() => _text;

    /// <summary>NASLib's form, the key of the tables: <c>(1, 4, 1, 2)</c>.</summary>
    public string NaslibForm => SpaceText.Tuple(Modules);
}

/// <summary>
/// TransNAS-Bench-101's macro space: a skeleton of 4 to 6 residual modules, each 1 (plain), 2 (double the channels),
/// 3 (halve the resolution) or 4 (both), with 1 to 4 resolution halvings and 1 to 3 channel doublings in all: 3,256
/// skeletons (the benchmark's count, which these rules reproduce exactly). Graph encoding: a fixed chain
/// input -&gt; 6 module slots -&gt; output; a skeleton of k modules fills slots 1..k and marks the rest <c>absent</c>, an
/// explicit symbol (not an empty row) so both engines treat the length as one more categorical choice.
/// </summary>
/// <remarks>Every task column is higher-is-better, as in the micro space (room_layout is the negated loss).</remarks>
public sealed class TnbMacroSpace : SearchSpace<TnbMacroArch>, Diagrams.ICellDiagramSource
{
    /// <summary>Module kinds by digit 1..4 (index = digit - 1).</summary>
    public static readonly IReadOnlyList<string> ModuleKinds = ["plain", "double_channels", "downsample", "downsample_double_channels"];

    /// <summary>Fewest and most modules.</summary>
    public const int MinModules = 4, MaxModules = 6;

    /// <summary>Stem width of every skeleton in the benchmark.</summary>
    public const int StemWidth = 64;

    private static readonly string[] Vocabulary = ["input", "output", "absent", .. ModuleKinds];
    private const int InputSymbol = 0, OutputSymbol = 1, AbsentSymbol = 2, ModuleSymbolOffset = 3;
    private static readonly bool[,] Adjacency = SpaceText.Chain(MaxModules + 2);
    private static readonly Lazy<TnbMacroArch[]> All = new(() => EnumerateAll().ToArray());

    /// <summary>Draws the module sequence without the encoding's absent slots.</summary>
    public Diagrams.CellDiagram Diagram(Arch arch) => Diagrams.SpaceDiagrams.TnbMacro(this, Cast(arch));

    /// <inheritdoc />
    public override string Name => "tnb101_macro";
    /// <inheritdoc />
    public override string Description => "TransNAS-Bench-101 macro skeleton: 4-6 modules of 4 kinds (3,256 skeletons, fixed 8-node chain), 7 tasks, every column higher-is-better";
    /// <inheritdoc />
    public override long? Size => 3256;
    /// <inheritdoc />
    public override IReadOnlyList<string> NodeVocabulary => Vocabulary;
    /// <inheritdoc />
    public override int MaxNodes => MaxModules + 2;
    /// <inheritdoc />
    public override bool[,]? FixedAdjacency => (bool[,])Adjacency.Clone();

    /// <summary>No key column; NASLib's tuple is the architecture; shares the folder with the micro tables.</summary>
    public override TableLayout? Tables { get; } = new("transnas101", null, "arch_naslib", CompleteTables: true) { FilePattern = "tnb101_macro_*.csv", LowerIsBetter = ["*_ms"] };

    /// <summary>Why a module list is not a skeleton of the space, or null when it is.</summary>
    public static string? Violation(IReadOnlyList<int> modules)
    {
        if (modules.Count is < MinModules or > MaxModules) return $"{modules.Count} modules, expected {MinModules}..{MaxModules}";
        for (int i = 0; i < modules.Count; i++)
            if (modules[i] is < 1 or > 4) return $"module {i} is {modules[i]}, expected a digit 1..4";
        int down = modules.Count(m => m is 3 or 4), dbl = modules.Count(m => m is 2 or 4);
        if (down is < 1 or > 4) return $"{down} resolution halvings (modules 3 and 4), expected 1..4";
        if (dbl is < 1 or > 3) return $"{dbl} channel doublings (modules 2 and 4), expected 1..3";
        return null;
    }

    /// <summary>Parses the benchmark's string <c>64-1412-basic</c> or NASLib's tuple <c>(1, 4, 1, 2)</c> (the tables' form).</summary>
    public override Arch Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        if (s.Length == 0) throw new ArchFormatException("empty TransNAS-Bench-101 macro architecture string");
        string what = $"TransNAS-Bench-101 macro architecture '{s}'";
        int[] modules;
        if (s[0] is '(' or '[') modules = SpaceText.IntTuple(s, what);
        else
        {
            var parts = s.Split('-');
            if (parts.Length != 3) throw new ArchFormatException($"{what}: expected 64-<module digits>-basic or (m0, m1, ...)");
            if (parts[0] != StemWidth.ToString(CultureInfo.InvariantCulture)) throw new ArchFormatException($"{what}: stem width '{parts[0]}' is not {StemWidth}");
            if (parts[2] != "basic") throw new ArchFormatException($"{what}: block type '{parts[2]}' is not 'basic'");
            modules = new int[parts[1].Length];
            for (int i = 0; i < modules.Length; i++)
            {
                char c = parts[1][i];
                if (c is < '0' or > '9') throw new ArchFormatException($"{what}: module {i} '{c}' is not a digit");
                modules[i] = c - '0';
            }
        }
        if (Violation(modules) is string why) throw new ArchFormatException($"{what}: {why}");
        return new TnbMacroArch(modules);
    }

    /// <inheritdoc />
    public override ArchGraph Encode(TnbMacroArch a)
    {
        var types = new int[MaxNodes];
        types[0] = InputSymbol;
        for (int i = 0; i < MaxModules; i++) types[i + 1] = i < a.Modules.Count ? a.Modules[i] - 1 + ModuleSymbolOffset : AbsentSymbol;
        types[^1] = OutputSymbol;
        return new ArchGraph(types, (bool[,])Adjacency.Clone());
    }

    /// <summary>Decodes the chain: module slots must be a run of modules followed only by <c>absent</c>, and the
    /// skeleton must keep the space's rules (length, halvings, doublings).</summary>
    public override Arch? TryDecode(ArchGraph graph, out string? reason)
    {
        reason = SpaceText.CheckFixedShape(graph, Adjacency, Name);
        if (reason is not null) return null;
        if (graph.NodeTypes[0] != InputSymbol) { reason = "node 0 is not the input"; return null; }
        if (graph.NodeTypes[^1] != OutputSymbol) { reason = $"node {MaxNodes - 1} is not the output"; return null; }
        var modules = new List<int>();
        for (int i = 1; i <= MaxModules; i++)
        {
            int t = graph.NodeTypes[i];
            if (t == AbsentSymbol) continue;
            if (t < ModuleSymbolOffset || t >= Vocabulary.Length) { reason = $"node {i} has symbol {SpaceText.SymbolName(Vocabulary, t)}, expected a module or absent"; return null; }
            if (modules.Count != i - 1) { reason = $"node {i} is a module after an absent slot; modules fill slots 1..k"; return null; }
            modules.Add(t - ModuleSymbolOffset + 1);
        }
        reason = Violation(modules);
        return reason is null ? new TnbMacroArch(modules) : null;
    }

    /// <summary>The string itself: no two skeletons are known to compute the same function.</summary>
    public override string CanonicalForm(TnbMacroArch a) => a.ToString();

    /// <summary>Uniform over the 3,256 skeletons (the rules tie length and module kinds, so digits are not drawn independently).</summary>
    public override Arch Sample(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return All.Value[rng.Next(All.Value.Length)];
    }

    /// <summary>Every valid skeleton one change away: one module's kind changed, one module removed, or one module of any
    /// kind inserted at any position; distinct, without the skeleton itself.</summary>
    public override IReadOnlyList<Arch> Neighbours(TnbMacroArch a)
    {
        var m = a.Modules;
        var seen = new HashSet<string>(StringComparer.Ordinal) { a.ToString() };
        var list = new List<Arch>();
        void Add(List<int> candidate)
        {
            if (Violation(candidate) is null)
            {
                var b = new TnbMacroArch(candidate);
                if (seen.Add(b.ToString())) list.Add(b);
            }
        }
        for (int i = 0; i < m.Count; i++)
            for (int k = 1; k <= 4; k++)
                if (k != m[i]) { var c = m.ToList(); c[i] = k; Add(c); }
        for (int i = 0; i < m.Count; i++) { var c = m.ToList(); c.RemoveAt(i); Add(c); }
        for (int i = 0; i <= m.Count; i++)
            for (int k = 1; k <= 4; k++) { var c = m.ToList(); c.Insert(i, k); Add(c); }
        return list;
    }

    /// <inheritdoc />
    public override IEnumerable<Arch> Enumerate() => All.Value;

    private static IEnumerable<TnbMacroArch> EnumerateAll()
    {
        for (int len = MinModules; len <= MaxModules; len++)
        {
            var digits = new int[len];
            int total = (int)Math.Pow(4, len);
            for (int k = 0; k < total; k++)
            {
                int r = k;
                for (int i = len - 1; i >= 0; i--) { digits[i] = r % 4 + 1; r /= 4; }
                if (Violation(digits) is null) yield return new TnbMacroArch(digits);
            }
        }
    }

    /// <summary>No analytic costs: the tables give none to check against, and the decoder differs per task.</summary>
    public override IReadOnlyDictionary<string, double> ComputeCosts(TnbMacroArch a, CostOptions options)
    {
        return new Dictionary<string, double>();
    }
}
