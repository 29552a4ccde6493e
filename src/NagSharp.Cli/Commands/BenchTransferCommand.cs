using System.CommandLine;
using System.Globalization;
using NagSharp.Experiments;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag bench task-transfer</c>: <see cref="TaskTransferExperiment"/> (hold out each task column, generate for it
/// from the other tasks, score best-of-K against random and mean-rank baselines).</summary>
public static class BenchTransferCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var d = new TaskTransferSettings();
        var space = new Option<string>("--space") { Description = "Search space whose tables hold one column per task", DefaultValueFactory = _ => "tnb101_micro" };
        var topPercent = new Option<double>("--top-percent") { Description = "Success: the best of K lies in the held-out task's top P %", DefaultValueFactory = _ => d.TopPercent };
        var k = new Option<int>("-n") { Description = "Architectures generated (and drawn by each baseline) per held-out task", DefaultValueFactory = _ => d.K };
        var tasks = new Option<string?>("--tasks") { Description = "Held-out tasks to run (comma-separated; default every task column)" };
        var conditionTop = new Option<string>("--condition-top") { Description = "Q of the source conditions C>=topQ%: a number, or 'auto' (the smallest multiple of P with at least --min-support table architectures satisfying every source condition)", DefaultValueFactory = _ => "auto" };
        var minSupport = new Option<int?>("--min-support") { Description = "For --condition-top auto: architectures that must satisfy every source condition (default 2 K)" };
        var design = new Option<string>("--design") { Description = "Source conditions: 'per-task' (C>=topQ% for every other task C, all asked at once), 'mean-rank' (one condition: in the best Q % by mean rank over the other tasks; the default) or 'probes' (the same with each other task weighted by its rank correlation with the held-out task on --probes queried architectures) or 'score' (the score engine guided by a noise-aware predictor that takes the --probes scores as a task embedding, trained on the other tasks; see docs/results/task-transfer.md)", DefaultValueFactory = _ => TaskTransferSettings.DesignName(d.Design) };
        var probes = new Option<int>("--probes") { Description = "Probes design: architectures queried on the held-out task (1..5), spread over the mean-source-rank order", DefaultValueFactory = _ => d.Probes };
        var probeSpan = new Option<double>("--probe-span") { Description = "Probes design: the probes are spread over the best S % of the mean-source-rank order", DefaultValueFactory = _ => d.ProbeSpan };
        var preset = new Option<string>("--preset") { Description = "Denoiser size (score design: generator and predictor size)", DefaultValueFactory = _ => d.Preset };
        var scale = new Option<double>("--guidance-scale") { Description = "Score design: guidance scale s of the predictor gradient", DefaultValueFactory = _ => d.GuidanceScale };
        var trainSteps = new Option<int>("--train-steps") { Description = "Training steps per held-out task (2,000 tiny steps take about 30 s on TransNAS micro)", DefaultValueFactory = _ => d.TrainSteps };
        var batch = new Option<int>("--batch") { Description = "Training batch size", DefaultValueFactory = _ => d.Batch };
        var unlabelled = new Option<int>("--unlabelled") { Description = "Uniform samples added on non-enumerable spaces", DefaultValueFactory = _ => d.Unlabelled };
        var sampleSteps = new Option<int>("--sample-steps") { Description = "Reverse steps", DefaultValueFactory = _ => d.SampleSteps };
        var weight = new Option<double>("--guidance-weight") { Description = "Classifier-free guidance weight W", DefaultValueFactory = _ => d.GuidanceWeight };
        var sampleBatch = new Option<int>("--sample-batch") { Description = "Samples drawn per round until K unique valid architectures are collected", DefaultValueFactory = _ => d.SampleBatch };
        var maxSamples = new Option<int>("--max-samples") { Description = "Give up collecting K after this many samples (the shortfall is reported)", DefaultValueFactory = _ => d.MaxSamples };
        var seed = new Option<int>("--seed") { Description = "Seed of training, sampling and the random baseline", DefaultValueFactory = _ => d.Seed };
        var outDir = new Option<string>("--out") { Description = "Directory for the generators, markdown and JSON", DefaultValueFactory = _ => Path.Combine("runs", "bench-task-transfer") };
        var json = CliHelpers.JsonOption();
        var cmd = new Command("task-transfer", "Hold out each task column, generate for it from the other tasks' conditions, score best-of-K against random and mean-rank baselines")
            { json, space, topPercent, k, tasks, design, probes, probeSpan, conditionTop, minSupport, preset, trainSteps, batch, unlabelled, sampleSteps, weight, scale, sampleBatch, maxSamples, seed, outDir };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            string dir = p.GetValue(outDir)!;
            AtomicFile.RequireWritableDirectory(dir, "--out");   // before any work
            var result = ExperimentHost.Run(ctx, progress =>
            {
                var settings = new TaskTransferSettings
                {
                    Tasks = p.GetValue(tasks) is string t && !string.IsNullOrWhiteSpace(t) ? t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null,
                    TopPercent = p.GetValue(topPercent), K = p.GetValue(k), Design = TaskTransferSettings.ParseDesign(p.GetValue(design)!),
                    ConditionTop = ParseConditionTop(p.GetValue(conditionTop)!), MinSupport = p.GetValue(minSupport), Probes = p.GetValue(probes),
                    ProbeSpan = p.GetValue(probeSpan), Preset = p.GetValue(preset)!, GuidanceScale = p.GetValue(scale), TrainSteps = p.GetValue(trainSteps),
                    Batch = p.GetValue(batch), Unlabelled = p.GetValue(unlabelled), SampleSteps = p.GetValue(sampleSteps), GuidanceWeight = p.GetValue(weight),
                    SampleBatch = p.GetValue(sampleBatch), MaxSamples = p.GetValue(maxSamples), Seed = p.GetValue(seed),
                };
                settings.Validate();   // refused settings fail before the tables are read
                var s = SpaceRegistry.Get(p.GetValue(space)!);
                return TaskTransferExperiment.Run(s, CliHelpers.LoadData(s, p.GetValue(ctx.DataDir)), settings, dir, p.GetValue(ctx.DataDir), progress);
            }, new Dictionary<string, string> { ["K"] = "-n" });
            string md = result.ToMarkdown();
            ExperimentHost.WriteReport(Path.Combine(dir, result.Stem()), md, ExperimentHost.Json(result));
            ctx.Out.Write(p.GetValue(json) ? ExperimentHost.Json(result) + Environment.NewLine : md);
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static double? ParseConditionTop(string text)
    {
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase)) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double q) && q > 0 && q <= 100) return q;
        throw new NagUserException($"--condition-top must be 'auto' or a percentage in (0, 100], got '{SafePath.Shorten(text)}'");
    }
}
