using System.CommandLine;
using System.Globalization;
using NagSharp.Diffusion.Score;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag bench generate</c>: speed and quality of the score engine, with a model-size and step sweep.</summary>
public static class BenchCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
        var outDir = new Option<string>("--out") { Description = "Directory for models, JSON and markdown", DefaultValueFactory = _ => GenerateBenchSettings.DefaultOutDir };
        var presets = new Option<string>("--preset") { Description = "Model sizes to sweep (comma-separated)", DefaultValueFactory = _ => string.Join(",", GenerateBenchSettings.DefaultPresets) };
        var stepsList = new Option<string>("--sample-steps") { Description = "Sampler step counts to sweep (comma-separated)", DefaultValueFactory = _ => string.Join(",", GenerateBenchSettings.DefaultSampleSteps) };
        var trainSteps = new Option<int>("--train-steps") { Description = "Generator training steps", DefaultValueFactory = _ => new TrainConfig().Steps };
        var n = new Option<int>("-n") { Description = "Samples per configuration", DefaultValueFactory = _ => new GenerateBenchSettings().N };
        var guidance = new Option<string>("--guidance-scale") { Description = "Guidance scales of the guided runs (comma-separated)", DefaultValueFactory = _ => string.Join(",", GenerateBenchSettings.DefaultGuidance) };
        var pairs = new Option<string>("--pairs") { Description = "objective:report column pairs for guided runs (comma-separated)",
            DefaultValueFactory = _ => string.Join(",", GenerateBenchSettings.DefaultGuided.Select(g => $"{g.Objective}:{g.Report}")) };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var predictorPreset = new Option<string>("--predictor-preset") { Description = "Size of the guiding predictors (their gradient is most of a guided step's cost)", DefaultValueFactory = _ => new GenerateBenchSettings().PredictorPreset };
        var transform = new Option<string>("--target-transform") { Description = "Target transform of the guiding predictors: rank, normal or zscore", DefaultValueFactory = _ => new GenerateBenchSettings().TargetTransform };
        var corrector = new Option<int>("--corrector-steps") { Description = "Langevin corrector steps per predictor step (0: reverse diffusion only)", DefaultValueFactory = _ => 1 };
        var start = new Option<double>("--guidance-start") { Description = "Guided runs: no guidance above this diffusion time (0..1]", DefaultValueFactory = _ => 1 };
        var stop = new Option<double>("--guidance-stop") { Description = "Guided runs: no guidance below this diffusion time [0..1)", DefaultValueFactory = _ => 0 };
        var seeds = new Option<int>("--seeds") { Description = "Guided runs: repeat each configuration with seeds seed..seed+K-1 and pool them", DefaultValueFactory = _ => 1 };
        var predictorSteps = new Option<int>("--predictor-steps") { Description = "Training steps of the guiding predictors", DefaultValueFactory = _ => new GenerateBenchSettings().PredictorSteps };
        var guidedOnly = new Option<bool>("--guided-only") { Description = "Skip the unguided runs and the half-space generators" };
        var json = CliHelpers.JsonOption();
        var gen = new Command("generate", "Benchmark unguided and guided generation: validity, uniqueness, novelty, accuracy, speed")
            { json, space, outDir, presets, stepsList, trainSteps, n, guidance, pairs, seed, predictorPreset, transform, corrector, start, stop, seeds, predictorSteps, guidedOnly };
        gen.SetAction(p => ctx.Guard(() =>
        {
            AtomicFile.RequireWritableDirectory(p.GetValue(outDir)!, "--out");   // before any work
            var guided = p.GetValue(pairs)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x =>
            {
                var parts = x.Split(':');
                if (parts.Length != 2) throw new NagUserException($"--pairs entry '{x}' is not objective:report");
                return (Objective: parts[0], Report: parts[1]);
            }).ToArray();
            var settings = new GenerateBenchSettings(p.GetValue(space)!, p.GetValue(outDir)!, p.GetValue(presets)!.Split(',', StringSplitOptions.RemoveEmptyEntries),
                ParseInts(p.GetValue(stepsList)!, "--sample-steps"), p.GetValue(trainSteps), p.GetValue(n), ParseScales(p.GetValue(guidance)!), guided, p.GetValue(seed),
                p.GetValue(predictorPreset)!, p.GetValue(transform)!, p.GetValue(corrector), p.GetValue(start), p.GetValue(stop), p.GetValue(seeds),
                p.GetValue(predictorSteps), p.GetValue(guidedOnly), p.GetValue(ctx.DataDir), CliHelpers.ExtraTables);
            var result = CliHelpers.WithFlags(Flags, () => ProgressRunner.Observe(ctx, progress => GenerateBench.Run(settings, progress)));
            ctx.Out.Write(p.GetValue(json) ? ExperimentHost.Json(result) + Environment.NewLine : GenerateBench.Markdown(result));
            return ExitCodes.Ok;
        }));
        return new Command("bench", "Benchmarks that print and save their figures") { gen, BenchConditionalCommand.Create(ctx), BenchTransferCommand.Create(ctx), BenchMarginCommand.Create(ctx), BenchSurrogateCommand.Create(ctx), BenchSearchCommand.Create(ctx), ExportCommand.Bench(ctx), BenchJobCommand.Create(ctx), BenchStoreCommand.Create(ctx) };
    }

    private static int[] ParseInts(string text, string flag) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x =>
            int.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new NagUserException($"{flag}: '{x}' is not a positive integer")).ToArray();

    private static double[] ParseScales(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(x =>
            double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v) ? v
                : throw new NagUserException($"--guidance-scale: '{x}' is not a positive number")).ToArray();

    private static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>
    {
        ["corrector steps"] = "--corrector-steps", ["predictor steps"] = "--predictor-steps", ["seeds"] = "--seeds", ["n"] = "-n", ["train steps"] = "--train-steps",
        ["guidance start"] = "--guidance-start", ["guidance stop"] = "--guidance-stop", ["target transform"] = "--target-transform", ["sample steps"] = "--sample-steps",
        ["guidance"] = "--guidance-scale",
    };
}
