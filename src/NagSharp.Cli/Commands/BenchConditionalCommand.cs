using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using NagSharp.Experiments;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag bench conditional</c>: <see cref="ConditionalBenchExperiment"/> (multi-conditioned generation against
/// unconditional and rejection sampling).</summary>
public static class BenchConditionalCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var d = new ConditionalBenchSettings { Conditions = [] };
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
        var conditions = new Option<string[]>("--condition") { Description = "Condition (repeatable)", Required = true };
        var outDir = new Option<string>("--out") { Description = "Directory for the model and results", DefaultValueFactory = _ => Path.Combine("runs", "bench-conditional") };
        var preset = new Option<string>("--preset") { Description = "Denoiser size", DefaultValueFactory = _ => d.Preset };
        var trainSteps = new Option<int>("--train-steps") { Description = "Training steps (8,000 take about 13 min on 2 cores)", DefaultValueFactory = _ => d.TrainSteps };
        var unlabelled = new Option<int>("--unlabelled") { Description = "Uniform samples added on non-enumerable spaces", DefaultValueFactory = _ => d.Unlabelled };
        var n = new Option<int>("-n") { Description = "Samples per mode (64: more samples than the ~36 cells a tight condition set admits only adds non-satisfying unique cells)", DefaultValueFactory = _ => d.Samples };
        var steps = new Option<int>("--sample-steps") { Description = "Reverse steps (20: the fewest that kept every seed of the HW-NAS experiment above 90 % satisfaction)", DefaultValueFactory = _ => d.SampleSteps };
        var weight = new Option<double>("--guidance-weight") { Description = "W of the guided mode", DefaultValueFactory = _ => d.GuidanceWeight };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => d.Seed };
        var guidanceStart = new Option<double>("--guidance-start") { Description = "Guided mode: classifier-free guidance only at diffusion times t/T <= this (earlier steps run the conditional model alone)", DefaultValueFactory = _ => d.GuidanceStart };
        var repeats = new Option<int>("--timing-repeats") { Description = "Time each mode's sampling this many times (same seed, same samples) and report the median: one run on a shared VM varies by about 25 %", DefaultValueFactory = _ => d.TimingRepeats };
        var seeds = new Option<int>("--seeds") { Description = "Also run the guided mode with the next K-1 seeds and report each and their mean: satisfaction over ~30 unique cells moves by several points from seed to seed", DefaultValueFactory = _ => d.Seeds };
        var json = CliHelpers.JsonOption();
        var cmd = new Command("conditional", "Benchmark multi-conditioned generation against unconditional and rejection sampling")
            { json, space, conditions, outDir, preset, trainSteps, unlabelled, n, steps, weight, seed, guidanceStart, repeats, seeds };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var s = SpaceRegistry.Get(p.GetValue(space)!);
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            var settings = new ConditionalBenchSettings
            {
                Conditions = p.GetValue(conditions)!, Preset = p.GetValue(preset)!, TrainSteps = p.GetValue(trainSteps), Unlabelled = p.GetValue(unlabelled),
                Samples = p.GetValue(n), SampleSteps = p.GetValue(steps), GuidanceWeight = p.GetValue(weight), Seed = p.GetValue(seed),
                GuidanceStart = p.GetValue(guidanceStart), TimingRepeats = p.GetValue(repeats), Seeds = p.GetValue(seeds),
            };
            string dir = p.GetValue(outDir)!;
            AtomicFile.RequireWritableDirectory(dir, "--out");   // before any work
            var result = ExperimentHost.Run(ctx, progress => ConditionalBenchExperiment.Run(s, data, settings, dir, p.GetValue(ctx.DataDir), progress),
                new Dictionary<string, string> { ["Samples"] = "-n", ["Conditions"] = "--condition" });
            string tag = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", result.Conditions))))[..8];
            string md = result.ToMarkdown();
            ExperimentHost.WriteReport(Path.Combine(dir, $"bench_conditional_{SafePath.Part(s.Name)}_{SafePath.Part(tag)}"), md, ExperimentHost.Json(result));
            ctx.Out.Write(p.GetValue(json) ? ExperimentHost.Json(result) + Environment.NewLine : md);
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
