using System.CommandLine;
using NagSharp.Experiments;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag bench margin</c>: <see cref="GuidedMarginExperiment"/> (conditioned vs unconditioned samples on the
/// condition's metric, scored off the table by a measured surrogate).</summary>
public static class BenchMarginCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var d = new GuidedMarginSettings { Conditions = [] };
        var space = new Option<string>("--space") { Description = "Search space", Required = true };
        var conditions = new Option<string[]>("--condition") { Description = "Condition the generator is trained with and sampled under (repeatable)", Required = true };
        var metric = new Option<string?>("--objective") { Description = "Column compared (default: the first condition's column)" };
        var minimize = new Option<bool>("--minimize") { Description = "The metric is lower-is-better (default: read from a condition on the metric: '<' or '<=' means lower is better)" };
        var outDir = new Option<string>("--out") { Description = "Directory for the model and results", DefaultValueFactory = _ => Path.Combine("runs", "bench-margin") };
        var preset = new Option<string>("--preset") { Description = "Denoiser size", DefaultValueFactory = _ => d.Preset };
        var trainSteps = new Option<int>("--train-steps") { Description = "Training steps of the conditional generator", DefaultValueFactory = _ => d.TrainSteps };
        var batch = new Option<int>("--batch") { Description = "Training batch size", DefaultValueFactory = _ => d.Batch };
        var unlabelled = new Option<int>("--unlabelled") { Description = "Uniform samples added on non-enumerable spaces", DefaultValueFactory = _ => d.Unlabelled };
        var n = new Option<int>("-n") { Description = "Samples per mode and seed", DefaultValueFactory = _ => d.Samples };
        var steps = new Option<int>("--sample-steps") { Description = "Reverse steps", DefaultValueFactory = _ => d.SampleSteps };
        var weight = new Option<double>("--guidance-weight") { Description = "Classifier-free guidance weight W of the conditioned mode", DefaultValueFactory = _ => d.GuidanceWeight };
        var k = new Option<int>("--top") { Description = "Top-k: mean of the k best unique valid architectures", DefaultValueFactory = _ => d.K };
        var seeds = new Option<int>("--seeds") { Description = "Sampling seeds (seed, seed+1, ...): one seed's 256 samples move the mean by tenths", DefaultValueFactory = _ => d.Seeds };
        var seed = new Option<int>("--seed") { Description = "Random seed (training, surrogate split, first sampling seed)", DefaultValueFactory = _ => d.Seed };
        var heldOut = new Option<double>("--held-out") { Description = "Fraction of the table kept out of the surrogate's fit to measure it", DefaultValueFactory = _ => d.HeldOut };
        var generator = new Option<string?>("--generator") { Description = "A conditional discrete generator trained with these --condition values (e.g. a deeper or longer-trained one from `nag train generator`); the training options are then not used" };
        var surrogateSteps = new Option<int>("--surrogate-steps") { Description = "Adam steps (batches of up to 512 rows) fitting the surrogate", DefaultValueFactory = _ => d.SurrogateSteps };
        var surrogateEncoding = new Option<string>("--surrogate-encoding") { Description = $"Surrogate inputs ({string.Join(", ", EnsembleConfig.Encodings)}); `nag bench surrogate` measures which ranks a table best", DefaultValueFactory = _ => d.SurrogateEncoding };
        var json = CliHelpers.JsonOption();
        var cmd = new Command("margin", "Conditioned vs unconditioned samples on the condition's metric, scored by the table or, off the table, by a measured surrogate")
            { json, space, conditions, metric, minimize, outDir, preset, trainSteps, batch, unlabelled, generator, n, steps, weight, k, seeds, seed, heldOut, surrogateSteps, surrogateEncoding };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var s = SpaceRegistry.Get(p.GetValue(space)!);
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            var settings = new GuidedMarginSettings
            {
                Conditions = p.GetValue(conditions)!, Metric = p.GetValue(metric), Minimize = p.GetValue(minimize), Preset = p.GetValue(preset)!,
                TrainSteps = p.GetValue(trainSteps), Batch = p.GetValue(batch), Unlabelled = p.GetValue(unlabelled), Generator = p.GetValue(generator),
                Samples = p.GetValue(n), SampleSteps = p.GetValue(steps), GuidanceWeight = p.GetValue(weight), K = p.GetValue(k), Seeds = p.GetValue(seeds),
                Seed = p.GetValue(seed), HeldOut = p.GetValue(heldOut), SurrogateSteps = p.GetValue(surrogateSteps), SurrogateEncoding = p.GetValue(surrogateEncoding)!,
            };
            string dir = p.GetValue(outDir)!;
            AtomicFile.RequireWritableDirectory(dir, "--out");   // before any work
            var result = ExperimentHost.Run(ctx, progress => GuidedMarginExperiment.Run(s, data, settings, dir, p.GetValue(ctx.DataDir), progress),
                new Dictionary<string, string> { ["Samples"] = "-n", ["Conditions"] = "--condition", ["Metric"] = "--objective", ["K"] = "--top" });
            string md = result.ToMarkdown();
            ExperimentHost.WriteReport(Path.Combine(dir, $"bench_margin_{SafePath.Part(Path.GetFileNameWithoutExtension(result.Generator))}"), md, ExperimentHost.Json(result));
            ctx.Out.Write(p.GetValue(json) ? ExperimentHost.Json(result) + Environment.NewLine : md);
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
