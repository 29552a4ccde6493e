using System.CommandLine;
using System.Globalization;
using System.Text;
using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag bench generate</c>: speed and quality of the score engine, with a model-size and step sweep.</summary>
public static class BenchCommand
{
    /// <summary>One measured configuration.</summary>
    /// <remarks>Guided rows over several seeds pool them: rates and report figures are means over the seeds,
    /// <paramref name="MsPerUniqueValid"/> is total time over total unique valid architectures, and
    /// <paramref name="ReportMeanMin"/> the lowest per-seed mean.</remarks>
    public sealed record BenchRow(string Name, string Preset, string Sampler, int Steps, double Guidance, string? Target, string? Report,
        int N, double Valid, double Unique, double Novel, double Seconds, double? MsPerUniqueValid, double? ReportMean, double? ReportMax, double? ReportTop10,
        int CorrectorSteps = 1, double GuidanceStart = 1, double GuidanceStop = 0, int Seeds = 1, int UniqueValid = 0, double? ReportMeanMin = null);

    /// <summary>Builds the command group.</summary>
    public static Command Create(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
        var outDir = new Option<string>("--out") { Description = "Directory for models, JSON and markdown", DefaultValueFactory = _ => Path.Combine("runs", "bench-generate") };
        var presets = new Option<string>("--presets") { Description = "Model sizes to sweep (comma-separated)", DefaultValueFactory = _ => "tiny,small" };
        var stepsList = new Option<string>("--sample-steps") { Description = "Sampler step counts to sweep (comma-separated)", DefaultValueFactory = _ => "10,25,50,100" };
        var trainSteps = new Option<int>("--train-steps") { Description = "Generator training steps", DefaultValueFactory = _ => new TrainConfig().Steps };
        var n = new Option<int>("-n") { Description = "Samples per configuration", DefaultValueFactory = _ => 256 };
        var guidance = new Option<string>("--guidance") { Description = "Guidance scales of the guided runs (comma-separated)", DefaultValueFactory = _ => "30,100" };
        var pairs = new Option<string>("--guided") { Description = "objective:report column pairs for guided runs (comma-separated)",
            DefaultValueFactory = _ => "cifar10_valid_acc200:cifar10_test_acc200,cifar100_valid_acc200:cifar100_test_acc200" };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var predictorPreset = new Option<string>("--predictor-preset") { Description = "Size of the guiding predictors (their gradient is most of a guided step's cost)", DefaultValueFactory = _ => "small" };
        var transform = new Option<string>("--target-transform") { Description = "Target transform of the guiding predictors: rank, normal or zscore", DefaultValueFactory = _ => SettingNames.Name(NoiseAwarePredictor.DefaultTransform) };
        var corrector = new Option<int>("--corrector-steps") { Description = "Langevin corrector steps per predictor step (0: reverse diffusion only)", DefaultValueFactory = _ => 1 };
        var start = new Option<double>("--guidance-start") { Description = "Guided runs: no guidance above this diffusion time (0..1]", DefaultValueFactory = _ => 1 };
        var stop = new Option<double>("--guidance-stop") { Description = "Guided runs: no guidance below this diffusion time [0..1)", DefaultValueFactory = _ => 0 };
        var seeds = new Option<int>("--seeds") { Description = "Guided runs: repeat each configuration with seeds seed..seed+K-1 and pool them", DefaultValueFactory = _ => 1 };
        var predictorSteps = new Option<int>("--predictor-steps") { Description = "Training steps of the guiding predictors", DefaultValueFactory = _ => 2000 };
        var guidedOnly = new Option<bool>("--guided-only") { Description = "Skip the unguided runs and the half-space generators" };
        var gen = new Command("generate", "Benchmark unguided and guided generation: validity, uniqueness, novelty, accuracy, speed")
            { space, outDir, presets, stepsList, trainSteps, n, guidance, pairs, seed, predictorPreset, transform, corrector, start, stop, seeds, predictorSteps, guidedOnly };
        gen.SetAction(p => ctx.Guard(() =>
        {
            var s = SpaceRegistry.Get(p.GetValue(space)!);
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            string dir = p.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            int seedValue = p.GetValue(seed), count = p.GetValue(n);
            var stepCounts = ParseInts(p.GetValue(stepsList)!, "--sample-steps");
            int correctorSteps = p.GetValue(corrector), seedCount = p.GetValue(seeds);
            double guidanceStart = p.GetValue(start), guidanceStop = p.GetValue(stop);
            if (correctorSteps < 0) throw new NagUserException($"--corrector-steps must be 0 or more, got {correctorSteps}");
            if (p.GetValue(predictorSteps) < 1) throw new NagUserException($"--predictor-steps must be at least 1, got {p.GetValue(predictorSteps)}");
            if (seedCount < 1) throw new NagUserException($"--seeds must be at least 1, got {seedCount}");
            if (!(guidanceStart > 0 && guidanceStart <= 1)) throw new NagUserException($"--guidance-start must be in (0, 1], got {guidanceStart}");
            if (!(guidanceStop >= 0 && guidanceStop < guidanceStart)) throw new NagUserException($"--guidance-stop must be in [0, --guidance-start), got {guidanceStop}");
            string predPreset = p.GetValue(predictorPreset)!, predTransform = p.GetValue(transform)!;
            NetworkConfig.Preset(predPreset);   // fails early on an unknown preset
            SettingNames.Parse<TargetTransform>(predTransform, "--target-transform");   // fails early on an unknown transform
            var scales = p.GetValue(guidance)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x =>
                double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v) ? v
                    : throw new NagUserException($"--guidance: '{x}' is not a positive number")).ToArray();
            var guidedPairs = p.GetValue(pairs)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x =>
            {
                var parts = x.Split(':');
                if (parts.Length != 2) throw new NagUserException($"--guided entry '{x}' is not objective:report");
                data.RequireColumn(parts[0]); data.RequireColumn(parts[1]);
                return (Objective: parts[0], Report: parts[1]);
            }).ToArray();
            var rows = new List<BenchRow>();
            var trainTimes = new Dictionary<string, double>();
            foreach (var preset in p.GetValue(presets)!.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var network = NetworkConfig.Preset(preset);
                foreach (var (label, fraction) in p.GetValue(guidedOnly) ? [("full", 1.0)] : new[] { ("full", 1.0), ("half", 0.5) })
                {
                    string path = Path.Combine(dir, $"{s.Name}-{preset}-{label}-{p.GetValue(trainSteps)}.ckpt");
                    if (!File.Exists(path))
                    {
                        using var g = new ScoreGenerator(s, new SdeConfig(), network, new TrainConfig(Steps: p.GetValue(trainSteps), Seed: seedValue),
                            TrainingSets.Select(s, fraction, seedValue));
                        var clock = System.Diagnostics.Stopwatch.StartNew();
                        ProgressRunner.Run(ctx, $"train {preset}/{label}", rep => g.TrainToEnd(pr => rep(pr.Step, pr.Total, $"loss {pr.Loss:F4}")));
                        trainTimes[$"{preset}-{label}"] = clock.Elapsed.TotalSeconds;
                        g.Save(path);
                    }
                    using var gen = ScoreGenerator.Load(path);
                    var oracle = new Oracle(data);
                    if (!p.GetValue(guidedOnly))
                        foreach (int steps in label == "full" ? stepCounts : [stepCounts.Max()])
                            rows.Add(Measure(ctx, $"unguided/{label}", preset, gen, new SamplerConfig(Steps: steps, CorrectorSteps: correctorSteps), count,
                                [seedValue], null, 0, null, null, oracle));
                    if (label != "full") continue;
                    foreach (var (objective, report) in guidedPairs)
                    {
                        string predPath = DefaultModels.Predictor(ctx, gen, data, objective, dir, predPreset, predTransform, p.GetValue(predictorSteps));
                        using var pred = NoiseAwarePredictor.Load(predPath);
                        foreach (double scale in scales)
                            foreach (int steps in stepCounts)
                                rows.Add(Measure(ctx, "guided", preset, gen, new SamplerConfig(Steps: steps, CorrectorSteps: correctorSteps), count,
                                    Enumerable.Range(seedValue, seedCount).ToArray(), new PredictorGuidance(pred, scale) { StartTime = guidanceStart, StopTime = guidanceStop }, scale,
                                    objective, report, oracle, guidanceStart, guidanceStop));
                    }
                }
            }
            string json = Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("space", s.Name);
                w.WriteNumber("threads", TorchSharp.torch.get_num_threads());
                w.WriteStartObject("train_seconds");
                foreach (var (k, v) in trainTimes) w.WriteNumber(k, v);
                w.WriteEndObject();
                w.WriteStartArray("rows");
                foreach (var r in rows) System.Text.Json.JsonSerializer.Serialize(w, r, Json.SerializerOptions);
                w.WriteEndArray();
                w.WriteEndObject();
            });
            AtomicFile.WriteText(Path.Combine(dir, "bench_generate.json"), w => w.WriteLine(json));
            string md = Markdown(rows, trainTimes);
            AtomicFile.WriteText(Path.Combine(dir, "bench_generate.md"), w => w.Write(md));
            ctx.Out.Write(md);
            return ExitCodes.Ok;
        }));
        return new Command("bench", "Benchmarks that print and save their figures") { gen, BenchConditionalCommand.Create(ctx), BenchTransferCommand.Create(ctx), BenchMarginCommand.Create(ctx), BenchSurrogateCommand.Create(ctx), BenchSearchCommand.Create(ctx), ExportCommand.Bench(ctx) };
    }

    private static BenchRow Measure(CliContext ctx, string name, string preset, ScoreGenerator gen, SamplerConfig sampler, int n, int[] seeds,
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
        var row = new BenchRow(name, preset, SettingNames.Name(sampler.Kind), sampler.Steps, scale, objective, report, n, rates.Average(r => r.Valid), rates.Average(r => r.Unique),
            rates.Average(r => r.Novel), seconds, uniqueValid == 0 ? null : seconds * 1000 / uniqueValid,
            Avg(x => x.Mean), Avg(x => x.Max), Avg(x => x.TopK), sampler.CorrectorSteps, guidanceStart, guidanceStop, seeds.Length, uniqueValid,
            summaries.Length == 0 ? null : summaries.Min(x => x.Mean));
        ctx.Err.WriteLine($"{name} {preset} steps={sampler.Steps} s={scale:G}: valid {row.Valid:P1} unique {row.Unique:P1} novel {row.Novel:P1} {F(row.MsPerUniqueValid)} ms/uv" +
            (row.ReportMean is double m ? $" {report} mean {m:F3}" : ""));
        return row;
        static string F(double? v) => v is double d ? d.ToString("F1", CultureInfo.InvariantCulture) : "-";
    }

    private static int[] ParseInts(string text, string flag) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x =>
            int.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new NagUserException($"{flag}: '{x}' is not a positive integer")).ToArray();

    private static string Markdown(IReadOnlyList<BenchRow> rows, IReadOnlyDictionary<string, double> trainTimes)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| run | preset | steps | corrector | guidance | start | stop | seeds | valid % | unique % | novel % | unique valid | ms / unique valid | report | mean | lowest seed mean | max | top-10 |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Preset} | {r.Steps} | {r.CorrectorSteps} | {r.Guidance:G} | {r.GuidanceStart:G} | {r.GuidanceStop:G} | {r.Seeds} | {r.Valid * 100:F2} | {r.Unique * 100:F2} | {r.Novel * 100:F2} | {r.UniqueValid} | {F1(r.MsPerUniqueValid)} | {r.Report ?? "-"} | {F(r.ReportMean)} | {F(r.ReportMeanMin)} | {F(r.ReportMax)} | {F(r.ReportTop10)} |"));
        if (trainTimes.Count > 0)
        {
            sb.AppendLine();
            foreach (var (k, v) in trainTimes) sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"- training {k}: {v:F0} s"));
        }
        return sb.ToString();
        static string F(double? v) => v is double d ? d.ToString("F3", CultureInfo.InvariantCulture) : "-";
        static string F1(double? v) => v is double d ? d.ToString("F1", CultureInfo.InvariantCulture) : "-";
    }
}
