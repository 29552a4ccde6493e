using System.Globalization;
using System.Text;
using NagSharp.Graphs;

namespace NagSharp.Spaces;

/// <summary>One MBConv block of an Accel-NASBench network: expansion ratio, kernel, layers, squeeze-and-excitation.</summary>
/// <param name="Expand">Expansion ratio: 1, 4 or 6.</param>
/// <param name="Kernel">Depthwise kernel: 3 or 5.</param>
/// <param name="Layers">Layers in the block: 1..3 (1..4 for block 5).</param>
/// <param name="Se">True when every layer of the block has squeeze-and-excitation.</param>
public readonly record struct AnbBlock(int Expand, int Kernel, int Layers, bool Se)
{
    /// <summary>The block as <c>e6k3l2se</c> (without <c>se</c> when it has none).</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"e{Expand}k{Kernel}l{Layers}{(Se ? "se" : "")}");
}

/// <summary>An Accel-NASBench architecture: seven MBConv blocks on EfficientNet-B0's skeleton.</summary>
public sealed class AnbArch : Arch
{
    private readonly string _text;

    /// <summary>Creates an architecture; throws <see cref="ArchFormatException"/> when a block is outside the space.</summary>
    public AnbArch(IReadOnlyList<AnbBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count != AnbSpace.BlockCount) throw new ArchFormatException($"an Accel-NASBench network has {AnbSpace.BlockCount} blocks, got {blocks.Count}");
        for (int b = 0; b < blocks.Count; b++)
            if (AnbSpace.Violation(b, blocks[b]) is string why) throw new ArchFormatException($"block {b}: {why}");
        Blocks = blocks.ToArray();
        _text = string.Join("-", Blocks);
    }

    /// <summary>The seven blocks.</summary>
    public IReadOnlyList<AnbBlock> Blocks { get; }

    /// <summary>Blocks joined by '-': <c>e6k3l1-e4k5l2-...</c>, <c>se</c> marking squeeze-and-excitation.</summary>
    public override string ToString() => _text;

    /// <summary>The table's form: the 28 values block0_e, block0_k, block0_l, block0_se, block1_e, ... joined by ','.</summary>
    public string TableForm => string.Join(",", Blocks.SelectMany(b => new[] { b.Expand, b.Kernel, b.Layers, b.Se ? 1 : 0 }));
}

/// <summary>
/// Accel-NASBench's MnasNet/EfficientNet-style space on ImageNet: EfficientNet-B0's seven MBConv blocks (strides
/// 1, 2, 2, 2, 1, 2, 1; channels 16, 24, 40, 80, 112, 192, 320) each choosing an expansion ratio {1, 4, 6}, a kernel
/// {3, 5}, a layer count {1, 2, 3} ({1, .., 4} for block 5) and squeeze-and-excitation or not: 36^6 x 48, about 10^11
/// networks. Graph encoding: a fixed chain input -&gt; 7 block nodes -&gt; output, each block node one symbol for its
/// (expand, kernel, layers, se) choice; a 4-layer symbol is invalid outside block 5.
/// </summary>
/// <remarks>Metric direction (the table's columns): val_top1, val_top5 and throughput_* are higher-is-better;
/// latency_*, train_time_s, macs_M and params_M lower-is-better.</remarks>
public sealed class AnbSpace : SearchSpace<AnbArch>, Diagrams.ICellDiagramSource
{
    /// <summary>Blocks of the network.</summary>
    public const int BlockCount = 7;

    /// <summary>Choices per block.</summary>
    public static readonly IReadOnlyList<int> ExpandChoices = [1, 4, 6], KernelChoices = [3, 5];

    /// <summary>The block that may have 4 layers.</summary>
    public const int DeepBlock = 5;

    /// <summary>Stride of each block's first layer.</summary>
    public static readonly IReadOnlyList<int> Strides = [1, 2, 2, 2, 1, 2, 1];

    /// <summary>Output channels of each block (its input is the previous block's, 32 for the first: the stem).</summary>
    public static readonly IReadOnlyList<int> Channels = [16, 24, 40, 80, 112, 192, 320];

    /// <summary>Stem and head widths.</summary>
    public const int StemChannels = 32, HeadChannels = 1280;

    private static readonly AnbBlock[] Symbols =
        (from e in ExpandChoices from k in KernelChoices from l in Enumerable.Range(1, 4) from se in new[] { false, true } select new AnbBlock(e, k, l, se)).ToArray();
    private static readonly string[] Vocabulary = ["input", "output", .. Symbols.Select(s => s.ToString())];
    private const int InputSymbol = 0, OutputSymbol = 1, BlockSymbolOffset = 2;
    private static readonly bool[,] Adjacency = SpaceText.Chain(BlockCount + 2);

    /// <summary>Draws the layer sequence: every MBConv layer of the seven blocks.</summary>
    public Diagrams.CellDiagram Diagram(Arch arch) => Diagrams.SpaceDiagrams.Anb(this, Cast(arch));

    /// <inheritdoc />
    public override string Name => "anb";
    /// <inheritdoc />
    public override string Description => "Accel-NASBench: 7 MBConv blocks x (expand, kernel, layers, SE) on EfficientNet-B0, ImageNet (~10^11 networks; fixed 9-node chain)";
    /// <inheritdoc />
    public override long? Size => null;
    /// <inheritdoc />
    public override IReadOnlyList<string> NodeVocabulary => Vocabulary;
    /// <inheritdoc />
    public override int MaxNodes => BlockCount + 2;
    /// <inheritdoc />
    public override bool[,]? FixedAdjacency => (bool[,])Adjacency.Clone();

    /// <summary>Keyed by <c>id</c>; the architecture is the 28 block columns; a few architectures were trained twice
    /// (13 repeats in 5,138 rows), each run its own row; 49 rows lack some device's latency or throughput.</summary>
    public override TableLayout? Tables { get; } = new("accel_nasbench", "id",
        Enumerable.Range(0, BlockCount).SelectMany(b => new[] { "e", "k", "l", "se" }.Select(a => $"block{b}_{a}")).ToArray(), ",", CompleteTables: false)
    {
        RepeatedArchitectures = true,
        LowerIsBetter = ["latency_*", "*_ms", "macs_M", "params_M", "train_time_s"],
        MissingValues = true,
    };

    /// <summary>Why a block is not allowed at position <paramref name="block"/>, or null.</summary>
    public static string? Violation(int block, AnbBlock b)
    {
        if (!ExpandChoices.Contains(b.Expand)) return $"expansion {b.Expand} is not one of {string.Join(", ", ExpandChoices)}";
        if (!KernelChoices.Contains(b.Kernel)) return $"kernel {b.Kernel} is not one of {string.Join(", ", KernelChoices)}";
        int maxLayers = block == DeepBlock ? 4 : 3;
        if (b.Layers < 1 || b.Layers > maxLayers) return $"{b.Layers} layers, expected 1..{maxLayers}";
        return null;
    }

    /// <summary>
    /// Parses the block form <c>e6k3l1-e4k5l2se-...</c> (seven blocks; <c>se</c> marks squeeze-and-excitation) or the
    /// table's 28 comma-separated values (block0_e, block0_k, block0_l, block0_se, block1_e, ...; se 0/1 or
    /// false/true).
    /// </summary>
    public override Arch Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        if (s.Length == 0) throw new ArchFormatException("empty Accel-NASBench architecture string");
        string what = $"Accel-NASBench architecture '{s}'";
        var blocks = new AnbBlock[BlockCount];
        if (s.Contains(',', StringComparison.Ordinal))
        {
            var v = s.Split(',').Select(x => x.Trim()).ToArray();
            if (v.Length != 4 * BlockCount) throw new ArchFormatException($"{what}: {v.Length} values, expected {4 * BlockCount} (e, k, l, se per block)");
            int Int(int i, string name) => int.TryParse(v[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) ? x
                : throw new ArchFormatException($"{what}: block{i / 4}_{name} '{v[i]}' is not an integer");
            for (int b = 0; b < BlockCount; b++)
            {
                string se = v[4 * b + 3].ToLowerInvariant();
                bool seFlag = se is "1" or "true" ? true : se is "0" or "false" ? false
                    : throw new ArchFormatException($"{what}: block{b}_se '{v[4 * b + 3]}' is not 0/1 or false/true");
                blocks[b] = new AnbBlock(Int(4 * b, "e"), Int(4 * b + 1, "k"), Int(4 * b + 2, "l"), seFlag);
            }
        }
        else
        {
            var parts = s.Split('-');
            if (parts.Length != BlockCount) throw new ArchFormatException($"{what}: {parts.Length} blocks, expected {BlockCount} joined by '-' (e.g. e6k3l2se)");
            for (int b = 0; b < BlockCount; b++) blocks[b] = ParseBlock(parts[b]) ?? throw new ArchFormatException($"{what}: block {b} '{parts[b]}' is not of the form e<expand>k<kernel>l<layers>[se]");
        }
        for (int b = 0; b < BlockCount; b++)
            if (Violation(b, blocks[b]) is string why) throw new ArchFormatException($"{what}: block {b}: {why}");
        return new AnbArch(blocks);
    }

    private static AnbBlock? ParseBlock(string t)
    {
        bool se = t.EndsWith("se", StringComparison.Ordinal);
        string body = se ? t[..^2] : t;
        int k = body.IndexOf('k'), l = body.IndexOf('l');
        if (body.Length < 6 || body[0] != 'e' || k < 2 || l < k + 2) return null;
        if (!int.TryParse(body[1..k], NumberStyles.None, CultureInfo.InvariantCulture, out int ev)
            || !int.TryParse(body[(k + 1)..l], NumberStyles.None, CultureInfo.InvariantCulture, out int kv)
            || !int.TryParse(body[(l + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int lv)) return null;
        return new AnbBlock(ev, kv, lv, se);
    }

    /// <inheritdoc />
    public override ArchGraph Encode(AnbArch a)
    {
        var types = new int[MaxNodes];
        types[0] = InputSymbol;
        for (int b = 0; b < BlockCount; b++) types[b + 1] = Array.IndexOf(Symbols, a.Blocks[b]) + BlockSymbolOffset;
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
        var blocks = new AnbBlock[BlockCount];
        for (int b = 0; b < BlockCount; b++)
        {
            int t = graph.NodeTypes[b + 1];
            if (t < BlockSymbolOffset || t >= Vocabulary.Length) { reason = $"node {b + 1} is {SpaceText.SymbolName(Vocabulary, t)}, expected a block"; return null; }
            blocks[b] = Symbols[t - BlockSymbolOffset];
            if (Violation(b, blocks[b]) is string why) { reason = $"node {b + 1} (block {b}) is {blocks[b]}: {why}"; return null; }
        }
        return new AnbArch(blocks);
    }

    /// <summary>The string itself: no two architectures are known to compute the same function.</summary>
    public override string CanonicalForm(AnbArch a) => a.ToString();

    /// <summary>Each block's expansion, kernel, layer count and SE uniformly and independently, as the benchmark's
    /// configuration space samples.</summary>
    public override Arch Sample(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var blocks = new AnbBlock[BlockCount];
        for (int b = 0; b < BlockCount; b++)
            blocks[b] = new AnbBlock(ExpandChoices[rng.Next(ExpandChoices.Count)], KernelChoices[rng.Next(KernelChoices.Count)],
                1 + rng.Next(b == DeepBlock ? 4 : 3), rng.Next(2) == 1);
        return new AnbArch(blocks);
    }

    /// <summary>Every architecture with one block attribute changed (43 of them).</summary>
    public override IReadOnlyList<Arch> Neighbours(AnbArch a)
    {
        var list = new List<Arch>();
        for (int b = 0; b < BlockCount; b++)
        {
            var cur = a.Blocks[b];
            var changes = ExpandChoices.Where(e => e != cur.Expand).Select(e => cur with { Expand = e })
                .Concat(KernelChoices.Where(k => k != cur.Kernel).Select(k => cur with { Kernel = k }))
                .Concat(Enumerable.Range(1, b == DeepBlock ? 4 : 3).Where(l => l != cur.Layers).Select(l => cur with { Layers = l }))
                .Append(cur with { Se = !cur.Se });
            foreach (var c in changes)
            {
                var blocks = a.Blocks.ToArray();
                blocks[b] = c;
                list.Add(new AnbArch(blocks));
            }
        }
        return list;
    }

    /// <summary>Not enumerable (about 10^11 networks). Always throws.</summary>
    public override IEnumerable<Arch> Enumerate() =>
        throw new NagUserException("anb cannot be enumerated (about 10^11 networks); sample it or use its benchmark table");

    /// <summary>
    /// Costs of the network (EfficientNet-B0's skeleton): a 3x3 stride-2 conv-BN stem of 32 channels; per layer an MBConv:
    /// 1x1 expansion conv-BN (none when the ratio is 1), kxk depthwise conv-BN (the block's stride on its first layer),
    /// squeeze-and-excitation (global pooling, FC to a quarter of the layer's input channels and back, with biases), 1x1
    /// projection conv-BN; a 1x1 conv-BN head of 1,280 channels, global pooling and a linear classifier. Convs have no bias.
    /// <c>params_M</c>: every parameter, equal to the table on all 5,138 rows. <c>macs_M</c>: the table's convention,
    /// found by fitting and exact on every row: conv and FC multiply-adds (FC biases not counted), 4 per BN output
    /// element, and (k + 1) per channel for a global pooling over k positions; activations and the SE rescale are free.
    /// Width and cells-per-stage options do not apply (depths are part of the architecture).
    /// </summary>
    public override IReadOnlyDictionary<string, double> ComputeCosts(AnbArch a, CostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Width is not null || options.CellsPerStage is not null)
            throw new NagUserException("anb networks have fixed widths, and their depths are part of the architecture: width and cells-per-stage options do not apply");
        if (options.InputSize < 1 || options.Classes < 1) throw new NagUserException($"invalid cost options {options}");
        long h = ((options.InputSize ?? 224) + 1) / 2;
        int classes = options.Classes ?? 1000;
        double p = 27 * StemChannels + 2 * StemChannels, m = 27.0 * StemChannels * h * h + 4.0 * StemChannels * h * h;
        long cin = StemChannels;
        for (int b = 0; b < BlockCount; b++)
        {
            var blk = a.Blocks[b];
            long cout = Channels[b];
            for (int l = 0; l < blk.Layers; l++)
            {
                long mid = cin * blk.Expand;
                if (blk.Expand != 1) { p += cin * mid + 2 * mid; m += (double)cin * mid * h * h + 4.0 * mid * h * h; }
                int stride = l == 0 ? Strides[b] : 1;
                h = (h + stride - 1) / stride;
                double area = h * h;
                p += blk.Kernel * blk.Kernel * mid + 2 * mid;
                m += (double)blk.Kernel * blk.Kernel * mid * area + 4.0 * mid * area;
                if (blk.Se)
                {
                    long squeeze = Math.Max(1, cin / 4);
                    p += mid * squeeze + squeeze + squeeze * mid + mid;
                    m += mid * (area + 1) + 2.0 * mid * squeeze;
                }
                p += mid * cout + 2 * cout;
                m += (double)mid * cout * area + 4.0 * cout * area;
                cin = cout;
            }
        }
        p += cin * HeadChannels + 2 * HeadChannels;
        m += (double)cin * HeadChannels * h * h + 4.0 * HeadChannels * h * h;
        p += HeadChannels * classes + classes;
        m += HeadChannels * (h * h + 1.0) + (double)HeadChannels * classes;
        return new Dictionary<string, double> { ["params_M"] = p / 1e6, ["macs_M"] = m / 1e6 };
    }
}
