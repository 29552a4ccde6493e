using System.CommandLine;
using System.Globalization;
using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Experiments;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag generate</c>: sample architectures from a generator, optionally guided by a predictor.</summary>
public static class GenerateCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var generator = new Option<string?>("--generator") { Description = "Generator checkpoint (default: train or reuse a small one under --models-dir)" };
        var predictor = new Option<string?>("--predictor") { Description = "Noise-aware predictor checkpoint that guides sampling" };
        var target = new Option<string?>("--objective") { Description = "Guide towards the best values of this column (trains/reuses a default predictor under --models-dir)" };
        var guidance = new Option<double?>("--guidance-scale") { Description = $"Guidance scale s (default {GenerationRunSettings.DefaultScoreGuidanceScale:G} with a predictor; 0 disables)" };
        var aboveTop = new Option<double?>("--guide-top") { Description = "Guide towards the top P percent of the predictor's training targets (e.g. 1) instead of the maximum" };
        var start = new Option<double?>("--guidance-start") { Description = $"No guidance above this diffusion time (0..1): predictor guidance, or the discrete engine's classifier-free guidance (default {GenerationRunSettings.DefaultScoreGuidanceStart:G} score, {GenerationRunSettings.DefaultDiscreteGuidanceStart:G} discrete)" };
        var stop = new Option<double>("--guidance-stop") { Description = "No guidance below this diffusion time (0..1)", DefaultValueFactory = _ => 0 };
        var decay = new Option<double>("--guidance-decay") { Description = "Lower the scale by this much per batch (the reference's per-round decay)", DefaultValueFactory = _ => 0 };
        var repulsion = new Option<double>("--repulsion") { Description = "Score engine: particle-guidance strength that pushes the samples of a batch apart (0 = off)", DefaultValueFactory = _ => 0 };
        var targetValue = new Option<double?>("--objective-value") { Description = "Steer towards this value of the property instead of maximising it" };
        var count = new Option<int>("-n") { Description = "Distinct valid architectures to generate (sampling stops earlier only at --max-samples)", DefaultValueFactory = _ => new GenerationRunSettings().Generate.Count };
        var pool = new Option<double>("--pool") { Description = "With a predictor: generate this many times -n distinct valid architectures and keep the -n it scores best (1: keep all)", DefaultValueFactory = _ => new GenerationRunSettings().PoolFactor };
        var maxSamples = new Option<int?>("--max-samples") { Description = $"Stop after this many samples even with fewer than -n distinct valid architectures (default {GenerateSettings.DefaultCapFactor} x -n)" };
        var batch = new Option<int?>("--batch") { Description = $"Samples per sampler batch (default {GenerationRunSettings.DefaultScoreBatch} score, {GenerationRunSettings.DefaultDiscreteBatch} discrete)" };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var outPath = new Option<string?>("--out") { Description = "Write one JSON object per sample (JSONL)" };
        var report = new Option<string[]>("--report") { Description = "Table column(s) to report for the generated architectures", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        var sampler = new Option<string>("--sampler") { Description = "pc (predictor-corrector) or ode (probability flow)", DefaultValueFactory = _ => SettingNames.Name(new SamplerConfig().Kind) };
        var steps = new Option<int?>("--sample-steps") { Description = $"Sampler steps (default {GenerationRunSettings.DefaultScoreSampleSteps} score, {GenerationRunSettings.DefaultDiscreteSampleSteps} discrete)" };
        var snr = new Option<double>("--snr") { Description = "Langevin corrector signal-to-noise ratio", DefaultValueFactory = _ => new SamplerConfig().Snr };
        var corrector = new Option<int?>("--corrector-steps") { Description = $"Score engine: Langevin corrector steps per predictor step (pc sampler; 0 = reverse diffusion only; default {GenerationRunSettings.DefaultScoreCorrectorSteps})" };
        var conditions = new Option<string[]>("--condition") { Description = "Discrete engine: ask for a condition the generator was trained with (repeatable)" };
        var weight = new Option<double>("--guidance-weight") { Description = "Discrete engine: classifier-free guidance weight W", DefaultValueFactory = _ => new GenerateSettings().GuidanceWeight };
        var edgeDecoding = new Option<string>("--edge-decoding") { Description = "Free topologies: 'in-degree' (the last step picks each node's inputs jointly, with an in-degree the training data shows for its symbol) or 'independent' (every pair sampled, or thresholded by the score engine, on its own)", DefaultValueFactory = _ => SettingNames.Name(new GenerateSettings().EdgeDecoding) };
        var slotDecoding = new Option<string>("--slot-decoding") { Description = "Score engine, free topologies: 'coupled' (node slots the training graphs always fill together, such as a state's input and output, are read as one choice among the combinations the data shows) or 'independent' (every slot read on its own)", DefaultValueFactory = _ => SettingNames.Name(new GenerateSettings().SlotDecoding) };
        var list = new Option<int?>("--list") { Description = "Show this many of the best generated architectures (default: all)" };
        var top = new Option<int>("--top") { Description = "The k of the top-k mean of each --report column", DefaultValueFactory = _ => new GenerationRunSettings().Top };
        var space = new Option<string>("--space") { Description = "Space of the default generator", DefaultValueFactory = _ => "nb201" };
        var modelsDir = new Option<string>("--models-dir") { Description = "Where default models are cached", DefaultValueFactory = _ => Path.Combine("runs", "models") };
        var store = StoreOption.Create(description: StoreOption.Description + ": record the finished run (settings, figures, listed architectures)");
        var cmd = new Command("generate", "Generate architectures with a trained generator")
            { generator, predictor, target, pool, maxSamples, guidance, aboveTop, start, stop, decay, repulsion, targetValue, count, batch, seed, outPath, report, json, sampler, steps, snr, corrector, conditions, weight, edgeDecoding, slotDecoding, top, list, space, modelsDir, store };
        var trainBest = new TrainBest();
        trainBest.AddTo(cmd);
        cmd.SetAction(p => ctx.Guard(() =>
        {
            if (p.GetValue(outPath) is string samplesOut) AtomicFile.RequireWritableFile(samplesOut, "--out");   // before any work
            var settings = new GenerationRunSettings
            {
                Generator = p.GetValue(generator), Space = p.GetValue(space)!, ModelsDir = p.GetValue(modelsDir)!, Store = p.GetValue(store),
                Predictor = p.GetValue(predictor), Objective = p.GetValue(target), GuidanceScale = p.GetValue(guidance), ObjectiveValue = p.GetValue(targetValue),
                GuideTop = p.GetValue(aboveTop), GuidanceStop = p.GetValue(stop), GuidanceDecay = p.GetValue(decay), Repulsion = p.GetValue(repulsion),
                PoolFactor = p.GetValue(pool), Batch = p.GetValue(batch), SampleSteps = p.GetValue(steps), CorrectorSteps = p.GetValue(corrector), GuidanceStart = p.GetValue(start),
                Reports = p.GetValue(report) ?? [], Top = p.GetValue(top), List = p.GetValue(list), ExtraTables = CliHelpers.ExtraTables,
                Generate = new GenerateSettings
                {
                    Until = GenerateUntil.DistinctValid, Count = p.GetValue(count), MaxSamples = p.GetValue(maxSamples), Seed = p.GetValue(seed),
                    Sampler = new SamplerConfig(SettingNames.Parse<SamplerKind>(p.GetValue(sampler), sampler.Name), Snr: p.GetValue(snr)),
                    Conditions = p.GetValue(conditions) ?? [], GuidanceWeight = p.GetValue(weight),
                    EdgeDecoding = SettingNames.Parse<EdgeDecoding>(p.GetValue(edgeDecoding), edgeDecoding.Name),
                    SlotDecoding = SettingNames.Parse<SlotDecoding>(p.GetValue(slotDecoding), slotDecoding.Name),
                    WarmUp = true,   // first calls JIT-compile the sampling path and size the allocator: timed apart from "seconds"
                },
            };
            var r = ExperimentHost.Run(ctx, progress => GenerationRun.Run(settings, p.GetValue(ctx.DataDir), progress));
            if (p.GetValue(outPath) is string path) SampleFile.Write(path, r.Generation, settings.Reports, r.Data);
            var uniques = r.Generation.Records.Where(x => x.Unique).Select(x => x.Arch!).ToList();
            var trained = trainBest.Run(ctx, p, r.Space, r.Generation, settings.Reports.ToArray(), r.Data,
                r.Predictions.Count == 0 ? null : archs => archs.Select(a => r.Predictions[a.ToString()]).ToArray(), settings.Generate.Seed);
            if (p.GetValue(json)) ctx.Out.WriteLine(ExperimentHost.Json(trained is null ? r : r with { TrainBest = trained.Select(TrainedArchSummary.Of).ToList() }));
            else
            {
                Print(ctx, r, settings.Reports);
                if (trained is not null) TrainBest.Print(ctx, trained, settings.Reports.ToArray());
                foreach (var (c, f) in r.Conditions ?? new Dictionary<string, double?>())
                    ctx.Console.MarkupLine($"{Markup.Escape(c)}: {(f is double v ? v.ToString("P1", CultureInfo.InvariantCulture) : "unknown")} of unique valid architectures satisfy it");
            }
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static void Print(CliContext ctx, GenerationRunResult r, IReadOnlyList<string> reports)
    {
        if (r.SampleCapReached)
            ctx.Err.WriteLine($"nag: warning: only {r.UniqueValidCount} distinct valid architectures in {r.Samples} samples (the cap); raise --max-samples or lower the guidance");
        ctx.Console.MarkupLine($"[bold]{r.UniqueValidCount}[/] distinct valid architectures from {r.Samples} samples: valid {r.Valid:P2}, unique {r.Unique:P2}, novel {r.Novel:P2}; " +
            $"{r.Seconds:F2} s ({(r.SecondsPerUniqueValid ?? double.NaN) * 1000:F1} ms per unique valid architecture; warm-up {r.WarmupSeconds:F2} s before that)");
        // Architecture strings run past 80 columns: the table holds numbers, each string gets its own line below.
        bool keys = r.Data is not null && r.Best.Any(b => r.Data.KeyOf(b.Arch) is not null);
        var table = new Table().AddColumn("#");
        if (keys) table.AddColumn(Markup.Escape(r.Space.Tables?.KeyName ?? "key"));
        if (r.PredictorTarget is not null) table.AddColumn(r.PredictedInTableUnits ? $"predicted {Markup.Escape(r.PredictorTarget)}" : "predictor score");
        foreach (var c in reports) table.AddColumn(Markup.Escape(c));
        for (int i = 0; i < r.Best.Count; i++)
        {
            var b = r.Best[i];
            var cells = new List<string> { (i + 1).ToString(CultureInfo.InvariantCulture) };
            if (keys) cells.Add(r.Data!.KeyOf(b.Arch)?.ToString(CultureInfo.InvariantCulture) ?? "-");
            if (r.PredictorTarget is not null) cells.Add(b.Predicted!.Value.ToString(r.PredictedInTableUnits ? "F2" : "F3", CultureInfo.InvariantCulture));
            foreach (var c in reports) cells.Add(b.Values[c] is double v ? CliHelpers.Num(v) : "-");
            table.AddRow(cells.ToArray());
        }
        ctx.Console.Write(table);
        for (int i = 0; i < r.Best.Count; i++) ctx.Out.WriteLine($"#{i + 1} {r.Best[i].Arch}");
        foreach (var (c, s) in r.Report)
            if (s is not null) ctx.Console.MarkupLine($"{Markup.Escape(c)} over {s.Count} unique valid: mean {s.Mean:F4}, best {s.Best:F4} ({(s.LowerIsBetter ? "lower" : "higher")} is better), top-{s.K} mean {s.TopKMean:F4}");
        if (r.Exhaustive is { } x)
            foreach (var (c, m) in x.ReportMean)
                ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"for comparison, the same predictor ranking all {x.PredictorCalls:N0} architectures ({x.Seconds:F1} s): mean {c} of its top {x.Top} {m:F4}"));
    }
}
