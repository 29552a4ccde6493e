using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>Settings of <see cref="GenerateBench"/>.</summary>
/// <param name="Space">Search space name.</param>
/// <param name="OutDir">Where the generators, predictors, bench_generate.json and .md go; a rerun reuses the models.</param>
/// <param name="Presets">Model sizes to sweep: the tiny and small presets show what size buys.</param>
/// <param name="SampleSteps">Sampler step counts to sweep: speed against quality.</param>
/// <param name="TrainSteps">Generator training steps (the training default).</param>
/// <param name="N">Samples per configuration: 256 puts the rates' standard error near 3 points.</param>
/// <param name="Guidance">Guidance scales of the guided runs.</param>
/// <param name="Guided">Objective/report column pairs of the guided runs: the predictor learns the objective, the
/// report column is what the generated architectures are judged by.</param>
/// <param name="Seed">Training and sampling seed.</param>
/// <param name="PredictorPreset">Size of the guiding predictors (their gradient is most of a guided step's cost).</param>
/// <param name="TargetTransform">Target transform of the guiding predictors: rank, normal or zscore.</param>
/// <param name="CorrectorSteps">Langevin corrector steps per predictor step (0: reverse diffusion only).</param>
/// <param name="GuidanceStart">Guided runs: no guidance above this diffusion time, in (0, 1].</param>
/// <param name="GuidanceStop">Guided runs: no guidance below this diffusion time, in [0, GuidanceStart).</param>
/// <param name="Seeds">Guided runs: repeat each configuration with seeds Seed..Seed+Seeds-1 and pool them.</param>
/// <param name="PredictorSteps">Training steps of the guiding predictors.</param>
/// <param name="GuidedOnly">Skip the unguided runs and the half-space generators.</param>
/// <param name="DataDir">Benchmark data directory (null: the default lookup).</param>
/// <param name="ExtraTables">Extra metric tables loaded beside the space's own.</param>
public sealed record GenerateBenchSettings(string Space = "nb201", string? OutDir = null, IReadOnlyList<string>? Presets = null, IReadOnlyList<int>? SampleSteps = null,
    int? TrainSteps = null, int N = 256, IReadOnlyList<double>? Guidance = null, IReadOnlyList<(string Objective, string Report)>? Guided = null, int Seed = 0,
    string PredictorPreset = "small", string TargetTransform = "rank", int CorrectorSteps = 1, double GuidanceStart = 1, double GuidanceStop = 0, int Seeds = 1,
    int PredictorSteps = ModelCache.PredictorSteps, bool GuidedOnly = false, string? DataDir = null, IReadOnlyList<string>? ExtraTables = null)
{
    /// <summary>Default <see cref="OutDir"/>.</summary>
    public static readonly string DefaultOutDir = Path.Combine("runs", "bench-generate");
    /// <summary>Default <see cref="Presets"/>.</summary>
    public static readonly IReadOnlyList<string> DefaultPresets = ["tiny", "small"];
    /// <summary>Default <see cref="SampleSteps"/>.</summary>
    public static readonly IReadOnlyList<int> DefaultSampleSteps = [10, 25, 50, 100];
    /// <summary>Default <see cref="Guidance"/>.</summary>
    public static readonly IReadOnlyList<double> DefaultGuidance = [30, 100];
    /// <summary>Default <see cref="Guided"/>: both CIFAR datasets of NAS-Bench-201, validation guiding, test reported.</summary>
    public static readonly IReadOnlyList<(string Objective, string Report)> DefaultGuided =
        [("cifar10_valid_acc200", "cifar10_test_acc200"), ("cifar100_valid_acc200", "cifar100_test_acc200")];

    /// <summary>Throws a user error naming the first unusable setting.</summary>
    public void Validate()
    {
        if (CorrectorSteps < 0) throw new NagUserException($"corrector steps must be 0 or more, got {CorrectorSteps}");
        Guard.Positive(PredictorSteps, "predictor steps");
        Guard.Positive(Seeds, "seeds");
        Guard.Positive(N, "n");
        if (TrainSteps is int t) Guard.Positive(t, "train steps");
        if (!(GuidanceStart > 0 && GuidanceStart <= 1)) throw new NagUserException($"guidance start must be in (0, 1], got {GuidanceStart}");
        if (!(GuidanceStop >= 0 && GuidanceStop < GuidanceStart)) throw new NagUserException($"guidance stop must be in [0, guidance start), got {GuidanceStop}");
        NetworkConfig.Preset(PredictorPreset);   // fails early on an unknown preset
        SettingNames.Parse<Diffusion.Score.TargetTransform>(TargetTransform, "target transform");
        foreach (int s in SampleSteps ?? []) Guard.Positive(s, "sample steps");
        foreach (double g in Guidance ?? []) Guard.Positive(g, "guidance");
    }
}

/// <summary>One measured configuration.</summary>
/// <remarks>Guided rows over several seeds pool them: rates and report figures are means over the seeds,
/// <paramref name="MsPerUniqueValid"/> is total time over total unique valid architectures, and
/// <paramref name="ReportMeanMin"/> the lowest per-seed mean.</remarks>
public sealed record GenerateBenchRow(string Name, string Preset, string Sampler, int Steps, double Guidance, string? Target, string? Report,
    int N, double Valid, double Unique, double Novel, double Seconds, double? MsPerUniqueValid, double? ReportMean, double? ReportMax, double? ReportTop10,
    int CorrectorSteps = 1, double GuidanceStart = 1, double GuidanceStop = 0, int Seeds = 1, int UniqueValid = 0, double? ReportMeanMin = null);

/// <summary>What <see cref="GenerateBench.Run"/> measured (the shape of bench_generate.json).</summary>
/// <param name="Space">Search space name.</param>
/// <param name="Threads">Torch threads the timings ran with.</param>
/// <param name="TrainSeconds">Training time of each generator trained in this run, by preset and label.</param>
/// <param name="Rows">One row per configuration.</param>
public sealed record GenerateBenchResult(string Space, int Threads, IReadOnlyDictionary<string, double> TrainSeconds, IReadOnlyList<GenerateBenchRow> Rows);

/// <summary>
/// <c>nag bench generate</c>'s protocol: speed and quality of the score engine, unguided and guided, over a model-size,
/// step and guidance sweep, plus a generator trained on half the space whose novelty shows it does not just recall.
/// </summary>
public static class GenerateBench
{
    /// <summary>Trains (or reuses) the generators and predictors, measures every configuration and writes
    /// bench_generate.json and bench_generate.md.</summary>
    public static GenerateBenchResult Run(GenerateBenchSettings settings, IProgress<ExperimentEvent>? progress = null)
    {
        var s = SpaceRegistry.Get(settings.Space);
        var data = BenchmarkData.Load(s, DataLocator.Resolve(settings.DataDir), settings.ExtraTables ?? []);
        string dir = settings.OutDir ?? GenerateBenchSettings.DefaultOutDir;
        Directory.CreateDirectory(dir);
        settings.Validate();
        var stepCounts = settings.SampleSteps ?? GenerateBenchSettings.DefaultSampleSteps;
        var scales = settings.Guidance ?? GenerateBenchSettings.DefaultGuidance;
        var guidedPairs = settings.Guided ?? GenerateBenchSettings.DefaultGuided;
        foreach (var (o, r) in guidedPairs) { data.RequireColumn(o); data.RequireColumn(r); }
        int trainSteps = settings.TrainSteps ?? new TrainConfig().Steps, seed = settings.Seed;
        var cache = new ModelCache(dir, settings.DataDir, settings.ExtraTables, progress);
        var rows = new List<GenerateBenchRow>();
        var trainTimes = new Dictionary<string, double>();
        foreach (var preset in settings.Presets ?? GenerateBenchSettings.DefaultPresets)
        {
            var network = NetworkConfig.Preset(preset);
            foreach (var (label, fraction) in settings.GuidedOnly ? [("full", 1.0)] : new[] { ("full", 1.0), ("half", 0.5) })
            {
                string path = SafePath.Under(dir, $"{s.Name}-{preset}-{label}-{trainSteps}.ckpt");
                if (!File.Exists(path))
                {
                    using var g = new ScoreGenerator(s, new SdeConfig(), network, new TrainConfig(Steps: trainSteps, Seed: seed), TrainingSets.Select(s, fraction, seed));
                    var clock = Stopwatch.StartNew();
                    g.TrainToEnd(progress.Training($"train {preset}/{label}"));
                    trainTimes[$"{preset}-{label}"] = clock.Elapsed.TotalSeconds;
                    g.Save(path);
                }
                using var gen = ScoreGenerator.Load(path);
                var oracle = new Oracle(data);
                var sampler = new SamplerConfig(CorrectorSteps: settings.CorrectorSteps);
                if (!settings.GuidedOnly)
                    foreach (int steps in label == "full" ? stepCounts : [stepCounts.Max()])
                        rows.Add(Measure(progress, $"unguided/{label}", preset, gen, sampler with { Steps = steps }, settings.N, [seed], null, 0, null, null, oracle));
                if (label != "full") continue;
                foreach (var (objective, report) in guidedPairs)
                {
                    string predPath = cache.Predictor(gen, data, objective, settings.PredictorPreset, settings.TargetTransform, settings.PredictorSteps);
                    using var pred = NoiseAwarePredictor.Load(predPath);
                    foreach (double scale in scales)
                        foreach (int steps in stepCounts)
                            rows.Add(Measure(progress, "guided", preset, gen, sampler with { Steps = steps }, settings.N,
                                Enumerable.Range(seed, settings.Seeds).ToArray(),
                                new PredictorGuidance(pred, scale) { StartTime = settings.GuidanceStart, StopTime = settings.GuidanceStop }, scale,
                                objective, report, oracle, settings.GuidanceStart, settings.GuidanceStop));
                }
            }
        }
        var result = new GenerateBenchResult(s.Name, TorchSharp.torch.get_num_threads(), trainTimes, rows);
        AtomicFile.WriteText(Path.Combine(dir, "bench_generate.json"), w => w.WriteLine(JsonSerializer.Serialize(result, Json.SerializerOptions)));
        AtomicFile.WriteText(Path.Combine(dir, "bench_generate.md"), w => w.Write(Markdown(result)));
        return result;
    }

    private static GenerateBenchRow Measure(IProgress<ExperimentEvent>? progress, string name, string preset, ScoreGenerator gen, SamplerConfig sampler, int n, int[] seeds,
        IGuidance? guidance, double scale, string? objective, string? report, Oracle oracle, double guidanceStart = 1, double guidanceStop = 0)
    {
        // A one-step warm-up batch first, so no configuration pays for torch's one-time set-up (as `nag generate` reports it apart).
        ScoreSampling.Generate(gen, Math.Min(n, 16), 256, sampler with { Steps = 1 }, 0, guidance);
        var runs = seeds.Select(seed => ScoreSampling.Generate(gen, n, 256, sampler, seed, guidance)).ToArray();
        var rates = runs.Select(r => GenerationMetrics.Rates(r.Records)).ToArray();
        var summaries = report is null ? [] : runs.Select(r => GenerationMetrics.Summarise(r.Records, oracle, report)).Where(x => x is not null).Select(x => x!).ToArray();
        double seconds = runs.Sum(r => r.Seconds);
        int uniqueValid = runs.Sum(r => r.Records.Count(x => x.Unique));
        double? Avg(Func<ColumnSummary, double> f) => summaries.Length == 0 ? null : summaries.Average(f);
        var row = new GenerateBenchRow(name, preset, SettingNames.Name(sampler.Kind), sampler.Steps, scale, objective, report, n, rates.Average(r => r.Valid), rates.Average(r => r.Unique),
            rates.Average(r => r.Novel), seconds, uniqueValid == 0 ? null : seconds * 1000 / uniqueValid,
            Avg(x => x.Mean), Avg(x => x.Max), Avg(x => x.TopK), sampler.CorrectorSteps, guidanceStart, guidanceStop, seeds.Length, uniqueValid,
            summaries.Length == 0 ? null : summaries.Min(x => x.Mean));
        progress.Note($"{name} {preset} steps={sampler.Steps} s={scale:G}: valid {row.Valid:P1} unique {row.Unique:P1} novel {row.Novel:P1} {F(row.MsPerUniqueValid)} ms/uv" +
            (row.ReportMean is double m ? $" {report} mean {m:F3}" : ""));
        return row;
        static string F(double? v) => v is double d ? d.ToString("F1", CultureInfo.InvariantCulture) : "-";
    }

    /// <summary>The markdown table of a result, with the training times below it.</summary>
    public static string Markdown(GenerateBenchResult result)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| run | preset | steps | corrector | guidance | start | stop | seeds | valid % | unique % | novel % | unique valid | ms / unique valid | report | mean | lowest seed mean | max | top-10 |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in result.Rows)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Preset} | {r.Steps} | {r.CorrectorSteps} | {r.Guidance:G} | {r.GuidanceStart:G} | {r.GuidanceStop:G} | {r.Seeds} | {r.Valid * 100:F2} | {r.Unique * 100:F2} | {r.Novel * 100:F2} | {r.UniqueValid} | {F1(r.MsPerUniqueValid)} | {r.Report ?? "-"} | {F(r.ReportMean)} | {F(r.ReportMeanMin)} | {F(r.ReportMax)} | {F(r.ReportTop10)} |"));
        if (result.TrainSeconds.Count > 0)
        {
            sb.AppendLine();
            foreach (var (k, v) in result.TrainSeconds) sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"- training {k}: {v:F0} s"));
        }
        return sb.ToString();
        static string F(double? v) => v is double d ? d.ToString("F3", CultureInfo.InvariantCulture) : "-";
        static string F1(double? v) => v is double d ? d.ToString("F1", CultureInfo.InvariantCulture) : "-";
    }
}
