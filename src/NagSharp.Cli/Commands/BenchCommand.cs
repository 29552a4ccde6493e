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
    public sealed record BenchRow(string Name, string Preset, string Sampler, int Steps, double Guidance, string? Target, string? Report,
        int N, double Valid, double Unique, double Novel, double Seconds, double MsPerUniqueValid, double? ReportMean, double? ReportMax, double? ReportTop10);

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
        var gen = new Command("generate", "Benchmark unguided and guided generation: validity, uniqueness, novelty, accuracy, speed")
            { space, outDir, presets, stepsList, trainSteps, n, guidance, pairs, seed };
        gen.SetAction(p => ctx.Guard(() =>
        {
            var s = SpaceRegistry.Get(p.GetValue(space)!);
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            string dir = p.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            int seedValue = p.GetValue(seed), count = p.GetValue(n);
            var stepCounts = ParseInts(p.GetValue(stepsList)!, "--sample-steps");
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
                foreach (var (label, fraction) in new[] { ("full", 1.0), ("half", 0.5) })
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
                    foreach (int steps in label == "full" ? stepCounts : [stepCounts.Max()])
                        rows.Add(Measure(ctx, $"unguided/{label}", preset, gen, new SamplerConfig(Steps: steps), count, seedValue, null, 0, null, null, oracle));
                    if (label != "full") continue;
                    foreach (var (objective, report) in guidedPairs)
                    {
                        string predPath = DefaultModels.Predictor(ctx, gen, data, objective, dir);
                        using var pred = NoiseAwarePredictor.Load(predPath);
                        foreach (double scale in scales)
                            foreach (int steps in stepCounts)
                                rows.Add(Measure(ctx, "guided", preset, gen, new SamplerConfig(Steps: steps), count, seedValue,
                                    new PredictorGuidance(pred, scale), scale, objective, report, oracle));
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

    private static BenchRow Measure(CliContext ctx, string name, string preset, ScoreGenerator gen, SamplerConfig sampler, int n, int seed,
        IGuidance? guidance, double scale, string? objective, string? report, Oracle oracle)
    {
        var result = ScoreSampling.Generate(gen, n, 256, sampler, seed, guidance);
        var (valid, unique, novel) = GenerationMetrics.Rates(result.Records);
        var summary = report is null ? null : GenerationMetrics.Summarise(result.Records, oracle, report);
        var row = new BenchRow(name, preset, sampler.Kind, sampler.Steps, scale, objective, report, n, valid, unique, novel, result.Seconds,
            result.SecondsPerUniqueValid * 1000, summary?.Mean, summary?.Max, summary?.TopK);
        ctx.Err.WriteLine($"{name} {preset} steps={sampler.Steps}: valid {valid:P1} unique {unique:P1} novel {novel:P1} {row.MsPerUniqueValid:F1} ms/uv" +
            (summary is null ? "" : $" {report} mean {summary.Mean:F3} max {summary.Max:F3}"));
        return row;
    }

    private static int[] ParseInts(string text, string flag) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x =>
            int.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new NagUserException($"{flag}: '{x}' is not a positive integer")).ToArray();

    private static string Markdown(IReadOnlyList<BenchRow> rows, IReadOnlyDictionary<string, double> trainTimes)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| run | preset | steps | guidance | valid % | unique % | novel % | ms / unique valid | report | mean | max | top-10 |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Preset} | {r.Steps} | {r.Guidance:G} | {r.Valid * 100:F2} | {r.Unique * 100:F2} | {r.Novel * 100:F2} | {r.MsPerUniqueValid:F1} | {r.Report ?? "-"} | {F(r.ReportMean)} | {F(r.ReportMax)} | {F(r.ReportTop10)} |"));
        if (trainTimes.Count > 0)
        {
            sb.AppendLine();
            foreach (var (k, v) in trainTimes) sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"- training {k}: {v:F0} s"));
        }
        return sb.ToString();
        static string F(double? v) => v is double d ? d.ToString("F3", CultureInfo.InvariantCulture) : "-";
    }
}
