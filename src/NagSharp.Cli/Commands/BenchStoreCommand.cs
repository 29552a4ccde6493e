using System.CommandLine;
using NagSharp.Workers;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag bench store</c>: <see cref="StoreBench"/> (worker throughput through a store, fault checks).</summary>
public static class BenchStoreCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var d = new StoreBenchSettings();
        var pg = new Option<string?>("--postgres") { Description = "PostgreSQL URL measured beside SQLite (postgresql://user@host:port/database; the bench adds experiments to it)" };
        var workers = new Option<string>("--workers") { Description = "Worker process counts (comma-separated)", DefaultValueFactory = _ => string.Join(",", StoreBenchSettings.DefaultWorkers) };
        var trials = new Option<int>("--trials") { Description = "Trials per measurement", DefaultValueFactory = _ => d.Trials };
        var seed = new Option<int>("--seed") { Description = "Search seed", DefaultValueFactory = _ => d.Seed };
        var noFaults = new Option<bool>("--no-faults") { Description = "Measure throughput only (skip the fault checks)" };
        var restart = new Option<string?>("--restart-command") { Description = "Shell command restarting the PostgreSQL server, for the restart check (default: check skipped)" };
        var outDir = new Option<string?>("--out") { Description = "Directory for bench_store.md and .json" };
        var json = CliHelpers.JsonOption();
        var cmd = new Command("store", "Trials/s of worker processes through an experiment store (SQLite, PostgreSQL) and fault checks: nothing lost or duplicated")
            { pg, workers, trials, seed, noFaults, restart, outDir, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            if (p.GetValue(outDir) is string dir) AtomicFile.RequireWritableDirectory(dir, "--out");   // before any work
            var counts = p.GetValue(workers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(x => int.TryParse(x, out int n) ? n : throw new NagUserException($"--workers: '{x}' is not a number")).ToList();
            var settings = new StoreBenchSettings(p.GetValue(pg), counts, p.GetValue(trials), p.GetValue(seed), p.GetValue(ctx.DataDir), !p.GetValue(noFaults), p.GetValue(restart));
            var result = ExperimentHost.Run(ctx, progress => StoreBench.Run(settings, progress));
            string md = StoreBench.Markdown(result), jsonText = ExperimentHost.Json(result);
            if (p.GetValue(outDir) is string target) ExperimentHost.WriteReport(Path.Combine(target, "bench_store"), md, jsonText);
            ctx.Out.Write(p.GetValue(json) ? jsonText + Environment.NewLine : md);
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
