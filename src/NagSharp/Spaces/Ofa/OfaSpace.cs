using System.Globalization;
using System.Text.Json;
using NagSharp.Graphs;

namespace NagSharp.Spaces;

/// <summary>
/// A subnet of the Once-for-All MobileNetV3 supernet: per layer slot (5 stages x 4) a kernel and an expansion ratio, per
/// stage a depth, and the input resolution. Layers beyond a stage's depth do not exist; they are held as 0.
/// </summary>
public sealed class OfaArch : Arch
{
    private readonly string _text;

    internal OfaArch(int[] kernels, int[] expands, int[] depths, int resolution)
    {
        Kernels = kernels; Expands = expands; Depths = depths; Resolution = resolution;
        _text = string.Join(' ', kernels) + "|" + string.Join(' ', expands) + "|" + string.Join(' ', depths) + "|" + resolution.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Kernel size of each of the 20 layer slots (0 for a slot beyond its stage's depth).</summary>
    public IReadOnlyList<int> Kernels { get; }

    /// <summary>Expansion ratio of each of the 20 layer slots (0 beyond the depth).</summary>
    public IReadOnlyList<int> Expands { get; }

    /// <summary>Layers per stage (2..4).</summary>
    public IReadOnlyList<int> Depths { get; }

    /// <summary>Input resolution in pixels.</summary>
    public int Resolution { get; }

    /// <summary>True when layer slot <paramref name="slot"/> (0..19) exists.</summary>
    public bool Present(int slot) => slot % OfaSpace.MaxDepth < Depths[slot / OfaSpace.MaxDepth];

    /// <summary>The table form: kernels, expansion ratios, depths (space-separated) and resolution joined by '|', with 0
    /// for the layers a stage does not have: <c>3 5 0 0 7 ...|4 6 0 0 ...|2 3 4 2 3|224</c>.</summary>
    public override string ToString() => _text;

    /// <summary>OFA's dictionary form <c>{"ks": [...], "e": [...], "d": [...], "r": [224]}</c>.</summary>
    public string DictForm => $"{{\"ks\": [{string.Join(", ", Kernels)}], \"e\": [{string.Join(", ", Expands)}], \"d\": [{string.Join(", ", Depths)}], \"r\": [{Resolution}]}}";
}

/// <summary>
/// The Once-for-All MobileNetV3 space (OFA's ofa_mbv3_d234_e346_k357 supernet): 5 stages of 2..4 layers, each layer a
/// kernel {3, 5, 7} and an expansion ratio {3, 4, 6}, and an input resolution 128..224 in steps of 4: (9^2 + 9^3 + 9^4)^5
/// x 25, about 5 x 10^20 subnets. Graph encoding: DiffusionNAG's 20 layer nodes on a fixed chain, each one symbol for
/// (kernel, expansion) or <c>skip</c> (DiffusionNAG uses an all-zero row; an explicit symbol keeps the depth a categorical
/// choice for both engines), preceded by one node whose symbol is the resolution, so the resolution is generated too.
/// Valid: layers 1 and 2 of every stage present, and a stage's layers present as a prefix (layer 4 only with layer 3).
/// </summary>
/// <remarks>No accuracy table exists for this space: the official OFA accuracy predictor is the oracle
/// (<c>nag ofa</c>), latency comes from lookup tables; the HELP table holds GPU latencies of 5,000 subnets.</remarks>
public sealed class OfaSpace : SearchSpace<OfaArch>, Diagrams.ICellDiagramSource
{
    /// <summary>Stages and the most layers per stage.</summary>
    public const int Stages = 5, MaxDepth = 4, MinDepth = 2, Slots = Stages * MaxDepth;

    /// <summary>Choices.</summary>
    public static readonly IReadOnlyList<int> KernelChoices = [3, 5, 7], ExpandChoices = [3, 4, 6];

    /// <summary>Resolutions 128, 132, ..., 224.</summary>
    public static readonly IReadOnlyList<int> Resolutions = Enumerable.Range(0, 25).Select(i => 128 + 4 * i).ToArray();

    private static readonly (int K, int E)[] LayerSymbols = (from k in KernelChoices from e in ExpandChoices select (k, e)).ToArray();
    private static readonly string[] Vocabulary =
        ["skip", .. LayerSymbols.Select(s => $"k{s.K}e{s.E}"), .. Resolutions.Select(r => $"r{r}")];
    private const int SkipSymbol = 0, LayerSymbolOffset = 1;
    private static readonly int ResolutionSymbolOffset = 1 + LayerSymbols.Length;
    private static readonly bool[,] Adjacency = SpaceText.Chain(Slots + 1);

    /// <summary>Draws the layer sequence without the skipped layers the encoding keeps.</summary>
    public Diagrams.CellDiagram Diagram(Arch arch) => Diagrams.SpaceDiagrams.Ofa(this, Cast(arch));

    /// <inheritdoc />
    public override string Name => "ofa_mbv3";
    /// <inheritdoc />
    public override string Description => "Once-for-All MobileNetV3: 5 stages x 2-4 layers x kernel {3,5,7} x expand {3,4,6}, resolution 128-224 (~5x10^20 subnets; fixed 21-node chain)";
    /// <inheritdoc />
    public override long? Size => null;
    /// <inheritdoc />
    public override IReadOnlyList<string> NodeVocabulary => Vocabulary;
    /// <inheritdoc />
    public override int MaxNodes => Slots + 1;
    /// <inheritdoc />
    public override bool[,]? FixedAdjacency => (bool[,])Adjacency.Clone();

    /// <summary>HELP's 5,000 subnets with measured GPU latency (lower is better), keyed by <c>index</c>, the architecture the
    /// columns ks, e, d, r joined by '|'; only <c>ofa_mbv3_*.csv</c> (the folder also holds the predictor and lookup tables).
    /// Empty cells are allowed: tables written by <c>nag ofa label</c> lack latencies their lookup table does not cover.</summary>
    public override TableLayout? Tables { get; } = new("ofa_mbv3", "index", ["ks", "e", "d", "r"], "|", CompleteTables: false) { FilePattern = "ofa_mbv3_*.csv", MissingValues = true, LowerIsBetter = ["*_ms", "params_M", "flops_M"] };

    /// <summary>Builds a subnet, checking every value; values in slots beyond a stage's depth are ignored (OFA lists 20 of
    /// each whatever the depths) and stored as 0.</summary>
    public static OfaArch Create(IReadOnlyList<int> kernels, IReadOnlyList<int> expands, IReadOnlyList<int> depths, int resolution)
    {
        if (kernels.Count != Slots || expands.Count != Slots) throw new ArchFormatException($"OFA subnet: {kernels.Count} kernels and {expands.Count} expansion ratios, expected {Slots} each");
        if (depths.Count != Stages) throw new ArchFormatException($"OFA subnet: {depths.Count} depths, expected {Stages}");
        for (int s = 0; s < Stages; s++)
            if (depths[s] < MinDepth || depths[s] > MaxDepth) throw new ArchFormatException($"OFA subnet: stage {s} depth {depths[s]}, expected {MinDepth}..{MaxDepth}");
        if (!Resolutions.Contains(resolution)) throw new ArchFormatException($"OFA subnet: resolution {resolution} is not one of 128, 132, ..., 224");
        var k = new int[Slots];
        var e = new int[Slots];
        for (int i = 0; i < Slots; i++)
        {
            if (i % MaxDepth >= depths[i / MaxDepth]) continue;
            if (!KernelChoices.Contains(kernels[i])) throw new ArchFormatException($"OFA subnet: layer {i} kernel {kernels[i]} is not one of 3, 5, 7");
            if (!ExpandChoices.Contains(expands[i])) throw new ArchFormatException($"OFA subnet: layer {i} expansion {expands[i]} is not one of 3, 4, 6");
            k[i] = kernels[i]; e[i] = expands[i];
        }
        return new OfaArch(k, e, depths.ToArray(), resolution);
    }

    /// <summary>
    /// Parses the table form <c>ks|e|d|r</c> (space-separated integers, 20|20|5|1; any value, 0 included, in a slot beyond
    /// its stage's depth) or OFA's dictionary <c>{"ks": [...], "e": [...], "d": [...], "r": 224}</c> (r may be a one-element list).
    /// </summary>
    public override Arch Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        if (s.Length == 0) throw new ArchFormatException("empty OFA subnet string");
        string what = $"OFA subnet '{(s.Length > 60 ? s[..60] + "..." : s)}'";
        try
        {
            if (s[0] == '{') return ParseDict(s, what);
            var parts = s.Split('|');
            if (parts.Length != 4) throw new ArchFormatException($"{what}: {parts.Length} '|'-separated parts, expected 4 (ks|e|d|r)");
            int[] Ints(int p, string name)
            {
                var items = parts[p].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return items.Select((x, i) => int.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v
                    : throw new ArchFormatException($"{what}: {name} item {i} '{x}' is not a non-negative integer")).ToArray();
            }
            var r = Ints(3, "r");
            if (r.Length != 1) throw new ArchFormatException($"{what}: expected one resolution, got {r.Length}");
            return Create(Ints(0, "ks"), Ints(1, "e"), Ints(2, "d"), r[0]);
        }
        catch (ArchFormatException e) when (!e.Message.StartsWith(what, StringComparison.Ordinal))
        {
            const string prefix = "OFA subnet: ";
            throw new ArchFormatException($"{what}: {(e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message)}");
        }
    }

    private static OfaArch ParseDict(string s, string what)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(s); }
        catch (JsonException e) { throw new ArchFormatException($"{what}: not valid JSON ({e.Message})"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ArchFormatException($"{what}: expected a JSON object");
            int[] Ints(string name)
            {
                if (!root.TryGetProperty(name, out var v)) throw new ArchFormatException($"{what}: missing \"{name}\"");
                if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int single)) return [single];
                if (v.ValueKind != JsonValueKind.Array) throw new ArchFormatException($"{what}: \"{name}\" is not a list of integers");
                return v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out int i) ? i
                    : throw new ArchFormatException($"{what}: \"{name}\" holds a non-integer")).ToArray();
            }
            var r = Ints("r");
            if (r.Length != 1) throw new ArchFormatException($"{what}: expected one resolution, got {r.Length}");
            return Create(Ints("ks"), Ints("e"), Ints("d"), r[0]);
        }
    }

    /// <inheritdoc />
    public override ArchGraph Encode(OfaArch a)
    {
        var types = new int[MaxNodes];
        types[0] = ResolutionSymbolOffset + Array.IndexOf(Resolutions.ToArray(), a.Resolution);
        for (int i = 0; i < Slots; i++)
            types[i + 1] = a.Present(i) ? LayerSymbolOffset + Array.IndexOf(LayerSymbols, (a.Kernels[i], a.Expands[i])) : SkipSymbol;
        return new ArchGraph(types, (bool[,])Adjacency.Clone());
    }

    /// <summary>Decodes the chain: node 0 a resolution; per stage, layers present as a prefix of at least two.</summary>
    public override Arch? TryDecode(ArchGraph graph, out string? reason)
    {
        reason = SpaceText.CheckFixedShape(graph, Adjacency, Name);
        if (reason is not null) return null;
        var t = graph.NodeTypes;
        if (t[0] < ResolutionSymbolOffset || t[0] >= Vocabulary.Length) { reason = $"node 0 is {SpaceText.SymbolName(Vocabulary, t[0])}, expected a resolution"; return null; }
        var k = new int[Slots];
        var e = new int[Slots];
        var d = new int[Stages];
        for (int i = 0; i < Slots; i++)
        {
            int sym = t[i + 1], stage = i / MaxDepth, layer = i % MaxDepth;
            if (sym == SkipSymbol)
            {
                if (layer < MinDepth) { reason = $"node {i + 1} (stage {stage} layer {layer + 1}) is skipped; the first {MinDepth} layers of a stage always exist"; return null; }
                continue;
            }
            if (sym < LayerSymbolOffset || sym >= ResolutionSymbolOffset) { reason = $"node {i + 1} is {SpaceText.SymbolName(Vocabulary, sym)}, expected a layer or skip"; return null; }
            if (d[stage] != layer) { reason = $"node {i + 1} (stage {stage} layer {layer + 1}) follows a skipped layer"; return null; }
            (k[i], e[i]) = LayerSymbols[sym - LayerSymbolOffset];
            d[stage]++;
        }
        return new OfaArch(k, e, d, Resolutions[t[0] - ResolutionSymbolOffset]);
    }

    /// <summary>The string itself: it already ignores the slots beyond each depth.</summary>
    public override string CanonicalForm(OfaArch a) => a.ToString();

    /// <summary>OFA's own random subnet (uniform depth per stage, kernel and expansion per layer) with a uniform resolution.</summary>
    public override Arch Sample(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var k = new int[Slots];
        var e = new int[Slots];
        var d = new int[Stages];
        for (int s = 0; s < Stages; s++) d[s] = MinDepth + rng.Next(MaxDepth - MinDepth + 1);
        for (int i = 0; i < Slots; i++)
        {
            k[i] = KernelChoices[rng.Next(KernelChoices.Count)];
            e[i] = ExpandChoices[rng.Next(ExpandChoices.Count)];
        }
        return Create(k, e, d, Resolutions[rng.Next(Resolutions.Count)]);
    }

    /// <summary>Every subnet one change away: one layer's kernel or expansion, one stage one layer deeper (the new layer
    /// any of the 9 choices) or shallower, or the resolution one step (4 px) up or down.</summary>
    public override IReadOnlyList<Arch> Neighbours(OfaArch a)
    {
        var list = new List<Arch>();
        var k = a.Kernels.ToArray();
        var e = a.Expands.ToArray();
        var d = a.Depths.ToArray();
        for (int i = 0; i < Slots; i++)
        {
            if (!a.Present(i)) continue;
            foreach (int kk in KernelChoices.Where(x => x != k[i])) { var k2 = (int[])k.Clone(); k2[i] = kk; list.Add(Create(k2, e, d, a.Resolution)); }
            foreach (int ee in ExpandChoices.Where(x => x != e[i])) { var e2 = (int[])e.Clone(); e2[i] = ee; list.Add(Create(k, e2, d, a.Resolution)); }
        }
        for (int s = 0; s < Stages; s++)
        {
            if (d[s] > MinDepth) { var d2 = (int[])d.Clone(); d2[s]--; list.Add(Create(k, e, d2, a.Resolution)); }
            if (d[s] < MaxDepth)
            {
                int slot = s * MaxDepth + d[s];
                var d2 = (int[])d.Clone(); d2[s]++;
                foreach (var (kk, ee) in LayerSymbols)
                {
                    var k2 = (int[])k.Clone(); var e2 = (int[])e.Clone();
                    k2[slot] = kk; e2[slot] = ee;
                    list.Add(Create(k2, e2, d2, a.Resolution));
                }
            }
        }
        int ri = Resolutions.ToList().IndexOf(a.Resolution);
        if (ri > 0) list.Add(Create(k, e, d, Resolutions[ri - 1]));
        if (ri + 1 < Resolutions.Count) list.Add(Create(k, e, d, Resolutions[ri + 1]));
        return list;
    }

    /// <summary>Not enumerable. Always throws.</summary>
    public override IEnumerable<Arch> Enumerate() =>
        throw new NagUserException("ofa_mbv3 cannot be enumerated (about 5 x 10^20 subnets); sample it");

    /// <summary>Stage output channels of the width-1.0 supernet; width 1.2 (OFA's tutorial network, the one the predictor
    /// and the Note10 table describe) rounds 1.2x of each to a multiple of 8.</summary>
    public static readonly IReadOnlyList<int> BaseStageChannels = [24, 40, 80, 112, 160];

    /// <summary>Which stages use squeeze-and-excitation and h-swish (MobileNetV3's choice, kept by OFA).</summary>
    public static readonly IReadOnlyList<bool> StageSe = [false, true, false, true, true], StageHSwish = [false, false, true, true, true];

    /// <summary>Strides of each stage's first layer.</summary>
    public static readonly IReadOnlyList<int> StageStrides = [2, 2, 2, 1, 2];

    /// <summary>Channels of a network of first-conv width <paramref name="stem"/> (16: width 1.0; 24: width 1.2):
    /// stem, stage outputs, final expansion, feature mix.</summary>
    public static (int Stem, int[] Stage, int FinalExpand, int FeatureMix) Widths(int stem)
    {
        double w = stem switch { 16 => 1.0, 24 => 1.2, _ => throw new NagUserException($"OFA MobileNetV3 comes in widths 1.0 (first conv 16 channels) and 1.2 (24), not {stem} channels") };
        return (stem, BaseStageChannels.Select(c => MakeDivisible(c * w)).ToArray(), MakeDivisible(960 * w), MakeDivisible(1280 * w));
    }

    /// <summary>OFA's rounding of channel counts to a multiple of 8 (never below 90 % of the value).</summary>
    public static int MakeDivisible(double v, int divisor = 8)
    {
        int n = Math.Max(divisor, (int)(v + divisor / 2.0) / divisor * divisor);
        return n < 0.9 * v ? n + divisor : n;
    }

    /// <summary>The standard width: 1.2 (first conv 24 channels), OFA's tutorial network.</summary>
    public const int StandardStem = 24;

    /// <summary>
    /// Params and FLOPs of the subnet as OFA counts them (<c>count_net_flops</c>: conv and linear multiply-adds; exact
    /// against the specialised nets named by FLOPs, e.g. flops-389M): a 3x3 stride-2 conv-BN stem; a first MBConv
    /// (expansion 1, kernel 3); per layer an MBConv with 1x1 expansion to make_divisible(in x e), depthwise kxk, SE to a
    /// quarter (rounded to 8) with biases in stages 2, 4, 5, and a 1x1 projection, each conv followed by BN; a 1x1 conv-BN
    /// final expansion, global pooling, a 1x1 feature-mix conv (no BN, no bias) and the classifier. Width: first-conv
    /// channels, 24 (width 1.2, default) or 16 (width 1.0); input size: overrides the subnet's resolution.
    /// </summary>
    public override IReadOnlyDictionary<string, double> ComputeCosts(OfaArch a, CostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.CellsPerStage is not null) throw new NagUserException("ofa_mbv3: stage depths are part of the subnet; the cells-per-stage option does not apply");
        if (options.InputSize < 1 || options.Classes < 1) throw new NagUserException($"invalid cost options {options}");
        var (stem, stage, finalExpand, featureMix) = Widths(options.Width ?? StandardStem);
        int classes = options.Classes ?? 1000;
        long h = ((options.InputSize ?? a.Resolution) + 1) / 2;
        double p = 27 * stem + 2 * stem, f = 27.0 * stem * h * h;
        void MbConv(long cin, long cout, int kernel, int expand, int stride, bool se)
        {
            long mid = expand == 1 ? cin : MakeDivisible(cin * expand);
            if (expand != 1) { p += cin * mid + 2 * mid; f += (double)cin * mid * h * h; }
            h = (h + stride - 1) / stride;
            p += kernel * kernel * mid + 2 * mid; f += (double)kernel * kernel * mid * h * h;
            if (se)
            {
                long sq = MakeDivisible(mid / 4);
                p += mid * sq + sq + sq * mid + mid; f += 2.0 * mid * sq;
            }
            p += mid * cout + 2 * cout; f += (double)mid * cout * h * h;
        }
        MbConv(stem, stem, 3, 1, 1, false);
        long c = stem;
        for (int s = 0; s < Stages; s++)
            for (int l = 0; l < a.Depths[s]; l++)
            {
                int i = s * MaxDepth + l;
                MbConv(c, stage[s], a.Kernels[i], a.Expands[i], l == 0 ? StageStrides[s] : 1, StageSe[s]);
                c = stage[s];
            }
        p += c * finalExpand + 2 * finalExpand; f += (double)c * finalExpand * h * h;
        p += (long)finalExpand * featureMix; f += (double)finalExpand * featureMix;
        p += (long)featureMix * classes + classes; f += (double)featureMix * classes;
        return new Dictionary<string, double> { ["params_M"] = p / 1e6, ["flops_M"] = f / 1e6 };
    }
}
