using System.CommandLine;
using NagSharp.Experiments;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag bench job</c>: <see cref="GenerateJobBench"/> (the generate job at its settings over seeds and pairs).</summary>
public static class BenchJobCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var job = new GenerationRunSettings();
        var d = new GenerateJobBenchSettings();
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => d.Space };
        var pairs = new Option<string?>("--pairs") { Description = "objective:report pairs (comma-separated; default: every <x>valid<y> column with a <x>test<y> twin)" };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per pair (seed, seed+1, ...)", DefaultValueFactory = _ => d.Seeds };
        var seed = new Option<int>("--seed") { Description = "First seed", DefaultValueFactory = _ => d.Seed };
        var n = new Option<int>("-n") { Description = "Distinct valid architectures per run", DefaultValueFactory = _ => job.Generate.Count };
        var pool = new Option<double>("--pool") { Description = "Generate this many times -n and keep the -n the predictor scores best", DefaultValueFactory = _ => job.PoolFactor };
        var scale = new Option<double?>("--guidance-scale") { Description = $"Guidance scale s (default {GenerationRunSettings.DefaultScoreGuidanceScale:G})" };
        var steps = new Option<int?>("--sample-steps") { Description = $"Sampler steps (default {GenerationRunSettings.DefaultScoreSampleSteps})" };
        var batch = new Option<int?>("--batch") { Description = $"Samples per sampler batch (default {GenerationRunSettings.DefaultScoreBatch})" };
        var modelsDir = new Option<string>("--models-dir") { Description = "Where default models are cached", DefaultValueFactory = _ => job.ModelsDir };
        var outDir = new Option<string?>("--out") { Description = "Directory for bench_job_<space>.md and .json" };
        var json = CliHelpers.JsonOption();
        var cmd = new Command("job", "The generate job (nag generate --objective O) at its settings over several seeds and every objective/report pair")
            { space, pairs, seeds, seed, n, pool, scale, steps, batch, modelsDir, outDir, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            if (p.GetValue(outDir) is string dir) AtomicFile.RequireWritableDirectory(dir, "--out");   // before any work
            var pairList = p.GetValue(pairs)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x =>
                x.Split(':') is [var o, var r] ? (o, r) : throw new NagUserException($"--pairs: '{x}' is not objective:report")).ToList();
            var settings = new GenerateJobBenchSettings(p.GetValue(space)!, pairList, p.GetValue(seeds), p.GetValue(seed), job with
            {
                ModelsDir = p.GetValue(modelsDir)!, PoolFactor = p.GetValue(pool), GuidanceScale = p.GetValue(scale), SampleSteps = p.GetValue(steps), Batch = p.GetValue(batch),
                ExtraTables = CliHelpers.ExtraTables, Generate = job.Generate with { Count = p.GetValue(n) },
            });
            var result = ExperimentHost.Run(ctx, progress => GenerateJobBench.Run(settings, p.GetValue(ctx.DataDir), progress));
            string md = GenerateJobBench.Markdown(result), jsonText = ExperimentHost.Json(result);
            if (p.GetValue(outDir) is string target) ExperimentHost.WriteReport(Path.Combine(target, $"bench_job_{SafePath.Part(result.Space)}"), md, jsonText);
            ctx.Out.Write(p.GetValue(json) ? jsonText + Environment.NewLine : md);
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
