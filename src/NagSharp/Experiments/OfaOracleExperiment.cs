using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using NagSharp.Benchmarks;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>Rank correlation of the predictor with the real top-1 over one group of nets.</summary>
/// <param name="Nets">Nets in the group.</param>
/// <param name="Spearman">Spearman of predicted and real top-1.</param>
/// <param name="KendallTau">Kendall tau of the same.</param>
/// <param name="MeanOffset">Mean predicted minus real top-1, points.</param>
public sealed record OfaGroupCorrelation(int Nets, double Spearman, double KendallTau, double MeanOffset);

/// <summary>One published net, its real and predicted top-1.</summary>
/// <param name="Net">Net id.</param>
/// <param name="Resolution">Input resolution.</param>
/// <param name="Stem">First conv width (16: width 1.0, 24: width 1.2).</param>
/// <param name="Top1">Real ImageNet top-1.</param>
/// <param name="PredictedTop1">The predictor's.</param>
public sealed record OfaNetPrediction(string Net, int Resolution, int Stem, double Top1, double PredictedTop1);

/// <summary>A net named by its FLOPs, and the FLOPs the cost model computes for it.</summary>
/// <param name="Net">Net id.</param>
/// <param name="Named">Millions of FLOPs in its name.</param>
/// <param name="Computed">Millions of FLOPs computed.</param>
public sealed record OfaFlopsCheck(string Net, [property: JsonPropertyName("named_M")] double Named, [property: JsonPropertyName("computed_M")] double Computed);

/// <summary>What <see cref="OfaOracleExperiment.Check"/> measured.</summary>
/// <param name="Nets">Published MobileNetV3 nets.</param>
/// <param name="RankCorrelation">Per group ("all", then "width 1.0", "width 1.2").</param>
/// <param name="Predictions">One entry per net.</param>
/// <param name="FlopsCheck">The nets named by FLOPs.</param>
public sealed record OfaCheckResult(int Nets, IReadOnlyDictionary<string, OfaGroupCorrelation> RankCorrelation, IReadOnlyList<OfaNetPrediction> Predictions,
    IReadOnlyList<OfaFlopsCheck> FlopsCheck);

/// <summary>One scored subnet.</summary>
/// <param name="Arch">Subnet (string form).</param>
/// <param name="PredictedTop1">Predicted ImageNet top-1.</param>
public sealed record OfaScoredSubnet(string Arch, double PredictedTop1)
{
    /// <summary>Costs (params_M, flops_M, ...) then lookup-table latencies per device, each under its own name.</summary>
    [JsonExtensionData] public IDictionary<string, object>? Metrics { get; init; }
}

/// <summary>What <see cref="OfaOracleExperiment.Predict"/> measured.</summary>
/// <param name="Subnets">Subnets given (with repeats).</param>
/// <param name="Unique">Distinct subnets scored.</param>
/// <param name="InvalidLines">Samples-file lines without a subnet.</param>
/// <param name="PredictorCalls">Predictor calls (one per distinct subnet).</param>
/// <param name="MeanPredictedTop1">Mean predicted top-1.</param>
/// <param name="TopK">The k of the top-k mean.</param>
/// <param name="TopKMean">Mean predicted top-1 of the k best.</param>
/// <param name="BestPredictedTop1">Best predicted top-1.</param>
/// <param name="Results">Every distinct subnet, best first.</param>
/// <param name="Devices">Devices with a latency table.</param>
public sealed record OfaPredictResult(int Subnets, int Unique, int InvalidLines, int PredictorCalls, double MeanPredictedTop1,
    [property: JsonIgnore] int TopK, [property: JsonIgnore] double TopKMean, double BestPredictedTop1, IReadOnlyList<OfaScoredSubnet> Results,
    [property: JsonIgnore] IReadOnlyList<string> Devices)
{
    /// <summary>The top-k mean under its k-specific name (<c>top10_mean_predicted_top1</c>).</summary>
    [JsonExtensionData] public IDictionary<string, object> TopKEntry => new Dictionary<string, object> { [$"top{TopK}_mean_predicted_top1"] = TopKMean };
}

/// <summary>What <see cref="OfaOracleExperiment.Sample"/> measured.</summary>
/// <param name="PredictorCalls">Random subnets scored.</param>
/// <param name="Seed">Seed of the draw.</param>
/// <param name="MeanPredictedTop1">Mean predicted top-1.</param>
/// <param name="BestPredictedTop1">Best predicted top-1.</param>
/// <param name="Best">The best subnets, best first.</param>
public sealed record OfaSampleResult(int PredictorCalls, int Seed, double MeanPredictedTop1, double BestPredictedTop1, IReadOnlyList<OfaScoredSubnet> Best)
{
    /// <summary>The mean of <see cref="Best"/> under its k-specific name (<c>top10_mean_predicted_top1</c>).</summary>
    [JsonExtensionData] public IDictionary<string, object> TopKEntry =>
        new Dictionary<string, object> { [$"top{Best.Count}_mean_predicted_top1"] = Best.Average(b => b.PredictedTop1) };
}

/// <summary>What <see cref="OfaOracleExperiment.Label"/> wrote.</summary>
/// <param name="Path">The CSV table.</param>
/// <param name="Subnets">Rows (= predictor calls).</param>
/// <param name="Devices">Latency columns written.</param>
public sealed record OfaLabelResult(string Path, int Subnets, IReadOnlyList<string> Devices);

/// <summary>
/// The Once-for-All MobileNetV3 space's oracle. It has no accuracy table; the official OFA accuracy predictor (loaded in
/// TorchSharp) and the latency lookup tables play that part: checked against the published nets, used to score subnets,
/// as a sample-and-filter baseline, and to label a table of random subnets.
/// </summary>
public static class OfaOracleExperiment
{
    private static readonly OfaSpace Space = new();

    /// <summary>The predictor file: <paramref name="given"/>, else the data directory's <c>ofa_mbv3/acc_predictor.safetensors</c>.</summary>
    public static string PredictorPath(string? given, string? dataDir) =>
        given ?? Path.Combine(DataLocator.Resolve(dataDir), "ofa_mbv3", "acc_predictor.safetensors");

    /// <summary>Rank correlation of the predictor with the real ImageNet top-1 of the published specialised MobileNetV3 nets
    /// (all, and per width), and the FLOPs of the nets named by FLOPs.</summary>
    public static OfaCheckResult Check(string dataDir, string predictorPath)
    {
        var nets = OfaData.SpecialisedNets(dataDir);
        if (nets.Count < 3) throw new NagDataException($"{dataDir}: {nets.Count} specialised MobileNetV3 nets, too few for a rank correlation");
        using var model = OfaAccuracyPredictor.Load(predictorPath);
        var pred = model.PredictFeatures(nets.Select(n => OfaAccuracyPredictor.Encode(n.Kernels, n.Expands, n.Depths, n.Resolution)).ToArray());
        var real = nets.Select(n => n.Top1).ToArray();
        var groups = new List<(string Name, int[] Idx)> { ("all", Enumerable.Range(0, nets.Count).ToArray()) };
        foreach (var g in nets.Select((n, i) => (n.Stem, i)).GroupBy(x => x.Stem).OrderBy(g => g.Key))
            groups.Add(($"width {(g.Key == 16 ? "1.0" : g.Key == 24 ? "1.2" : g.Key.ToString(CultureInfo.InvariantCulture))}", g.Select(x => x.i).ToArray()));
        var stats = new Dictionary<string, OfaGroupCorrelation>(StringComparer.Ordinal);
        foreach (var (name, idx) in groups)
            stats[name] = new OfaGroupCorrelation(idx.Length,
                Stats.Spearman(idx.Select(i => pred[i]).ToArray(), idx.Select(i => real[i]).ToArray()),
                Stats.KendallTau(idx.Select(i => pred[i]).ToArray(), idx.Select(i => real[i]).ToArray()),
                idx.Average(i => pred[i] - real[i]));
        var flops = new List<OfaFlopsCheck>();
        foreach (var n in nets)
        {
            var m = Regex.Match(n.Id, @"^flops-(\d+)M");
            if (!m.Success) continue;
            var arch = OfaSpace.Create(n.Kernels, n.Expands, n.Depths, 224);
            double computed = Space.ComputeCosts(arch, new CostOptions(InputSize: n.Resolution, Width: n.Stem))["flops_M"];
            flops.Add(new OfaFlopsCheck(n.Id, double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), computed));
        }
        return new OfaCheckResult(nets.Count, stats, nets.Select((n, i) => new OfaNetPrediction(n.Id, n.Resolution, n.Stem, real[i], pred[i])).ToArray(), flops);
    }

    /// <summary>Predicted top-1, costs and lookup-table latencies (when <paramref name="dataDir"/> holds the tables) of the
    /// distinct subnets among <paramref name="subnets"/>, best first, with the mean of the <paramref name="top"/> best.</summary>
    public static OfaPredictResult Predict(IReadOnlyList<OfaArch> subnets, int invalidLines, int top, string predictorPath, string? dataDir)
    {
        if (subnets.Count == 0) throw new NagUserException("no subnet to score");
        var unique = subnets.DistinctBy(a => a.ToString()).ToList();
        using var model = OfaAccuracyPredictor.Load(predictorPath);
        var acc = model.Predict(unique);
        var latency = dataDir is null ? null : OfaLatency.Load(dataDir);
        var rows = unique.Select((a, i) =>
        {
            var metrics = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var (c, v) in Space.ComputeCosts(a, new CostOptions())) metrics[c] = v;
            foreach (var (c, v) in latency?.Estimate(a) ?? []) metrics[c] = v;
            return new OfaScoredSubnet(a.ToString(), acc[i]) { Metrics = metrics };
        }).ToList();
        int k = Math.Min(Math.Max(1, top), rows.Count);
        var sorted = rows.OrderByDescending(r => r.PredictedTop1).ToList();
        return new OfaPredictResult(subnets.Count, rows.Count, invalidLines, rows.Count, rows.Average(r => r.PredictedTop1), k,
            sorted.Take(k).Average(r => r.PredictedTop1), sorted[0].PredictedTop1, sorted, latency?.Devices ?? []);
    }

    /// <summary>Sample-and-filter baseline: <paramref name="n"/> uniform random subnets (seeded) scored by the predictor, the
    /// <paramref name="top"/> best kept.</summary>
    public static OfaSampleResult Sample(int n, int seed, int top, string predictorPath)
    {
        Guard.Positive(n, "OFA sample count");
        Guard.Positive(top, "OFA top count");
        var rng = new Random(seed);
        var archs = Enumerable.Range(0, n).Select(_ => (OfaArch)Space.Sample(rng)).ToArray();
        using var model = OfaAccuracyPredictor.Load(predictorPath);
        var acc = new double[n];
        for (int start = 0; start < n; start += 4096)
        {
            var part = model.Predict(archs[start..Math.Min(n, start + 4096)]);
            part.CopyTo(acc, start);
        }
        var order = Enumerable.Range(0, n).OrderByDescending(i => acc[i]).Take(top).ToArray();
        return new OfaSampleResult(n, seed, acc.Average(), acc[order[0]], order.Select(i => new OfaScoredSubnet(archs[i].ToString(), acc[i])).ToArray());
    }

    /// <summary>
    /// Writes <c>ofa_mbv3/ofa_mbv3_predicted.csv</c> under <paramref name="outDataDir"/>: <paramref name="n"/> distinct random
    /// subnets (seeded) with predicted top-1 and lookup-table latencies (tables from <paramref name="dataDir"/>), labelled
    /// data for predictors, conditions and generators. A device's cell is empty where its table does not cover the subnet.
    /// </summary>
    public static OfaLabelResult Label(int n, int seed, string outDataDir, string predictorPath, string dataDir)
    {
        Guard.Positive(n, "OFA label count");
        var rng = new Random(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var archs = new List<OfaArch>(n);
        for (int attempts = 0; archs.Count < n && attempts < 100 * n; attempts++)
        {
            var a = (OfaArch)Space.Sample(rng);
            if (seen.Add(a.ToString())) archs.Add(a);
        }
        using var model = OfaAccuracyPredictor.Load(predictorPath);
        var acc = model.Predict(archs);
        var latency = OfaLatency.Load(dataDir);
        var lat = archs.Select(latency.Estimate).ToArray();
        // A device's cell is empty where its table does not cover the subnet (Note10: 5 resolutions only).
        var devices = latency.Devices.Where(d => lat.Any(l => l.ContainsKey(d))).ToArray();
        string path = Path.Combine(outDataDir, "ofa_mbv3", "ofa_mbv3_predicted.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        AtomicFile.WriteText(path, w =>
        {
            w.WriteLine(string.Join(",", new[] { "index", "ks", "e", "d", "r", "ofa_pred_top1" }.Concat(devices)));
            for (int i = 0; i < archs.Count; i++)
            {
                var parts = archs[i].ToString().Split('|');
                w.WriteLine(string.Join(",", new[] { i.ToString(CultureInfo.InvariantCulture), parts[0], parts[1], parts[2], parts[3], Num(acc[i]) }
                    .Concat(devices.Select(d => lat[i].TryGetValue(d, out double v) ? Num(v) : ""))));
            }
        });
        return new OfaLabelResult(path, archs.Count, devices);
    }
}
