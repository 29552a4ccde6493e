using System.Globalization;
using System.Text.Json;
using NagSharp.Spaces;

namespace NagSharp.Benchmarks;

/// <summary>A published specialised OFA MobileNetV3 net: its subnet choices, width and measured ImageNet top-1.</summary>
/// <param name="Id">Folder name (e.g. <c>note10_lat-8ms_top1-71.4_finetune-25</c>).</param>
/// <param name="Top1">Real ImageNet top-1 (%) from <c>index.csv</c>.</param>
/// <param name="Kernels">Kernel per layer slot (0 beyond a stage's depth).</param>
/// <param name="Expands">Expansion ratio per layer slot (0 beyond the depth).</param>
/// <param name="Depths">Layers per stage.</param>
/// <param name="Resolution">Input size it was evaluated at (may lie outside the space's 128..224).</param>
/// <param name="Stem">First-conv channels: 16 for width 1.0, 24 for width 1.2.</param>
public sealed record OfaSpecialisedNet(string Id, double Top1, int[] Kernels, int[] Expands, int[] Depths, int Resolution, int Stem);

/// <summary>Reads OFA's published artefacts from the <c>ofa_mbv3</c> data folder: specialised nets and latency tables.</summary>
public static class OfaData
{
    /// <summary>The MobileNetV3 nets of <c>specialized_nets/index.csv</c> (ProxylessNAS ones are another space), with
    /// their subnet choices read from each <c>net.config</c>: blocks after the first fixed one, grouped into stages by
    /// output width.</summary>
    public static List<OfaSpecialisedNet> SpecialisedNets(string dataDir)
    {
        string folder = Path.Combine(dataDir, "ofa_mbv3", "specialized_nets"), index = Path.Combine(folder, "index.csv");
        if (!File.Exists(index)) throw new NagDataException($"{index}: not found");
        using var records = Csv.Read(index).GetEnumerator();
        if (!records.MoveNext()) throw new NagDataException($"{index}:1: empty file");
        var header = records.Current.Fields;
        int Col(string name) => Array.IndexOf(header, name) is int i and >= 0 ? i : throw new NagDataException($"{index}:1: missing column '{name}'");
        int idCol = Col("net_id"), topCol = Col("imagenet_top1"), sizeCol = Col("image_size"), classCol = Col("net_class");
        var nets = new List<OfaSpecialisedNet>();
        while (records.MoveNext())
        {
            var (line, f) = records.Current;
            if (f.Length != header.Length) throw new NagDataException($"{index}:{line}: {f.Length} fields, expected {header.Length}");
            if (f[classCol] != "MobileNetV3") continue;
            if (!double.TryParse(f[topCol], NumberStyles.Float, CultureInfo.InvariantCulture, out double top1) || !double.IsFinite(top1))
                throw new NagDataException($"{index}:{line}: column 'imagenet_top1': '{f[topCol]}' is not a number");
            if (!int.TryParse(f[sizeCol], NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size < 32)
                throw new NagDataException($"{index}:{line}: column 'image_size': '{f[sizeCol]}' is not a resolution");
            nets.Add(ReadNet(Path.Combine(folder, f[idCol], "net.config"), f[idCol], top1, size));
        }
        return nets;
    }

    private static OfaSpecialisedNet ReadNet(string path, string id, double top1, int resolution)
    {
        if (!File.Exists(path)) throw new NagDataException($"{path}: not found");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            int stem = root.GetProperty("first_conv").GetProperty("out_channels").GetInt32();
            var blocks = root.GetProperty("blocks").EnumerateArray().Skip(1)
                .Select(b => b.GetProperty("mobile_inverted_conv"))
                .Select(m => (Out: m.GetProperty("out_channels").GetInt32(), K: m.GetProperty("kernel_size").GetInt32(), E: m.GetProperty("expand_ratio").GetInt32()))
                .ToList();
            var k = new int[OfaSpace.Slots];
            var e = new int[OfaSpace.Slots];
            var d = new int[OfaSpace.Stages];
            int stage = -1, prevOut = -1;
            foreach (var b in blocks)
            {
                if (b.Out != prevOut) { stage++; prevOut = b.Out; }
                if (stage >= OfaSpace.Stages || d[stage] >= OfaSpace.MaxDepth) throw new NagDataException($"{path}: more than {OfaSpace.Stages} stages of at most {OfaSpace.MaxDepth} layers");
                int slot = stage * OfaSpace.MaxDepth + d[stage]++;
                (k[slot], e[slot]) = (b.K, b.E);
            }
            if (stage != OfaSpace.Stages - 1) throw new NagDataException($"{path}: {stage + 1} stages, expected {OfaSpace.Stages}");
            return new OfaSpecialisedNet(id, top1, k, e, d, resolution, stem);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new NagDataException($"{path}: not an OFA net.config ({ex.Message})");
        }
    }

    /// <summary>Reads a latency lookup table in OFA's YAML form (<c>key:</c> lines, each followed by indented
    /// <c>mean: ms</c> and other statistics) into key -&gt; mean milliseconds.</summary>
    public static Dictionary<string, double> ReadLatencyTable(string path)
    {
        if (!File.Exists(path)) throw new NagDataException($"{path}: not found");
        var table = new Dictionary<string, double>(StringComparer.Ordinal);
        string? key = null;
        int keyLine = 0, lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            if (raw.Trim().Length == 0) continue;
            if (!char.IsWhiteSpace(raw[0]))
            {
                if (key is not null && !table.ContainsKey(key)) throw new NagDataException($"{path}:{keyLine}: entry '{key}' has no mean");
                if (!raw.TrimEnd().EndsWith(':')) throw new NagDataException($"{path}:{lineNo}: expected 'key:', found '{raw.Trim()}'");
                key = raw.TrimEnd()[..^1];
                keyLine = lineNo;
                if (table.ContainsKey(key)) throw new NagDataException($"{path}:{lineNo}: entry '{key}' appears twice");
                continue;
            }
            string t = raw.Trim();
            if (!t.StartsWith("mean:", StringComparison.Ordinal)) continue;
            if (key is null) throw new NagDataException($"{path}:{lineNo}: a mean outside any entry");
            if (!double.TryParse(t[5..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double ms) || !double.IsFinite(ms) || ms < 0)
                throw new NagDataException($"{path}:{lineNo}: mean '{t[5..].Trim()}' is not a latency");
            table[key] = ms;
        }
        if (key is not null && !table.ContainsKey(key)) throw new NagDataException($"{path}:{keyLine}: entry '{key}' has no mean");
        return table;
    }
}

/// <summary>
/// Latency of OFA subnets from per-layer lookup tables: the sum of the tabulated mean latency of every layer the subnet
/// runs. Two table formats exist: OFA's Note10 tables (one file per resolution, width 1.2, keys naming the expanded
/// channels) and NSGANetV2's i7-8700K table (one file, keys naming the expansion ratio, widths 1.0 and 1.2).
/// </summary>
public sealed class OfaLatency
{
    private readonly Dictionary<int, Dictionary<string, double>> _note10 = [];
    private readonly Dictionary<string, double>? _i7;

    /// <summary>Devices with a table in the data folder.</summary>
    public IReadOnlyList<string> Devices { get; }

    private OfaLatency(string dataDir)
    {
        string folder = Path.Combine(dataDir, "ofa_mbv3");
        string noteDir = Path.Combine(folder, "latency_lut_note10");
        if (Directory.Exists(noteDir))
            foreach (var f in Directory.GetFiles(noteDir, "*_lookup_table.yaml"))
                if (int.TryParse(Path.GetFileName(f).Split('_')[0], NumberStyles.None, CultureInfo.InvariantCulture, out int r))
                    _note10[r] = OfaData.ReadLatencyTable(f);
        string i7 = Path.Combine(folder, "latency_lut_i7-8700K.yaml");
        if (File.Exists(i7)) _i7 = OfaData.ReadLatencyTable(i7);
        var devices = new List<string>();
        if (_note10.Count > 0) devices.Add("note10_lut_ms");
        if (_i7 is not null) devices.Add("i7_8700k_lut_ms");
        Devices = devices;
    }

    /// <summary>Loads whatever latency tables the data folder has.</summary>
    public static OfaLatency Load(string dataDir) => new(dataDir);

    /// <summary>Latency (ms) of the subnet on every device whose table covers it; a device is missing when a layer is
    /// not tabulated (the Note10 tables only exist for resolutions 160, 176, 192, 208, 224).</summary>
    public Dictionary<string, double> Estimate(OfaArch a)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (_note10.TryGetValue(a.Resolution, out var note) && Sum(note, Note10Keys(a)) is double n) result["note10_lut_ms"] = n;
        if (_i7 is not null && Sum(_i7, I7Keys(a)) is double i) result["i7_8700k_lut_ms"] = i;
        return result;
    }

    private static double? Sum(Dictionary<string, double> table, IEnumerable<string> keys)
    {
        double total = 0;
        foreach (var k in keys)
        {
            if (!table.TryGetValue(k, out double ms)) return null;
            total += ms;
        }
        return total;
    }

    /// <summary>(input side, input channels, output side, output channels, kernel, stride, expansion, mid channels, se,
    /// h-swish, identity skip) of every MBConv the subnet runs, the fixed first block included, for width 1.2.</summary>
    private static IEnumerable<(long H, int Cin, long Ho, int Cout, int K, int S, int E, int Mid, bool Se, bool Hs, bool Skip)> Layers(OfaArch a, int stemChannels)
    {
        var (stem, stage, _, _) = OfaSpace.Widths(stemChannels);
        long h = (a.Resolution + 1) / 2;
        yield return (h, stem, h, stem, 3, 1, 1, stem, false, false, true);
        int c = stem;
        for (int s = 0; s < OfaSpace.Stages; s++)
            for (int l = 0; l < a.Depths[s]; l++)
            {
                int i = s * OfaSpace.MaxDepth + l, stride = l == 0 ? OfaSpace.StageStrides[s] : 1;
                long ho = (h + stride - 1) / stride;
                yield return (h, c, ho, stage[s], a.Kernels[i], stride, a.Expands[i], OfaSpace.MakeDivisible(c * a.Expands[i]), OfaSpace.StageSe[s], OfaSpace.StageHSwish[s], stride == 1 && c == stage[s]);
                h = ho; c = stage[s];
            }
    }

    private static long FinalSide(OfaArch a) => Layers(a, OfaSpace.StandardStem).Last().Ho;

    private static IEnumerable<string> Note10Keys(OfaArch a)
    {
        var (stem, stage, finalExpand, featureMix) = OfaSpace.Widths(OfaSpace.StandardStem);
        long h0 = (a.Resolution + 1) / 2, hf = FinalSide(a);
        yield return $"Conv-input:{a.Resolution}x{a.Resolution}x3-output:{h0}x{h0}x{stem}";
        foreach (var l in Layers(a, OfaSpace.StandardStem))
            yield return $"expanded_conv-input:{l.H}x{l.H}x{l.Cin}-output:{l.Ho}x{l.Ho}x{l.Cout}-expand:{l.Mid}-kernel:{l.K}-stride:{l.S}-idskip:{(l.Skip ? 1 : 0)}-se:{(l.Se ? 1 : 0)}-hs:{(l.Hs ? 1 : 0)}";
        yield return $"Conv_1-input:{hf}x{hf}x{stage[^1]}-output:{hf}x{hf}x{finalExpand}";
        yield return $"AvgPool2D-input:{hf}x{hf}x{finalExpand}-output:1x1x{finalExpand}";
        yield return $"Conv_2-input:1x1x{finalExpand}-output:1x1x{featureMix}";
        yield return $"Logits-input:1x1x{featureMix}-output:1000";
    }

    private static IEnumerable<string> I7Keys(OfaArch a)
    {
        var (stem, stage, finalExpand, featureMix) = OfaSpace.Widths(OfaSpace.StandardStem);
        long h0 = (a.Resolution + 1) / 2, hf = FinalSide(a);
        yield return $"first_conv-input:{a.Resolution}x{a.Resolution}x3-output:{h0}x{h0}x{stem}";
        foreach (var l in Layers(a, OfaSpace.StandardStem))
            yield return $"MBConv-input:{l.H}x{l.H}x{l.Cin}-output:{l.Ho}x{l.Ho}x{l.Cout}-expand:{l.E}-kernel:{l.K}-stride:{l.S}-idskip:{(l.Skip ? 1 : 0)}-se:{(l.Se ? 1 : 0)}";
        yield return $"final_expand_layer-input:{hf}x{hf}x{stage[^1]}-output:{hf}x{hf}x{finalExpand}";
        yield return $"feature_mix_layer-input:1x1x{finalExpand}-output:1x1x{featureMix}";
        yield return $"classifier-input:{featureMix}-output:1000";
    }
}
