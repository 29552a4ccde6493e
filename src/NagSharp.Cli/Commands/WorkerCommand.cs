using System.CommandLine;
using NagSharp.Workers;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag worker --store URL</c>: evaluates trials queued in an experiment store, on this machine.</summary>
public static class WorkerCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var store = StoreOption.Create(required: true);
        var experiment = new Option<long?>("--experiment") { Description = "Serve only this experiment and stop once it is done (default: any experiment's trials)" };
        var maxTrials = new Option<int?>("--max-trials") { Description = "Stop after evaluating this many trials" };
        var device = new Option<string>("--device") { Description = $"Where training evaluators run ({string.Join(", ", WorkerSettings.Devices)})", DefaultValueFactory = _ => "cpu" };
        var dataset = new Option<string?>("--dataset") { Description = "The train evaluator's dataset on this machine (instead of the path the search recorded)" };
        var lease = new Option<double>("--lease") { Description = "Seconds a claimed trial is held without a heartbeat; a dead worker's trial goes to another after this", DefaultValueFactory = _ => WorkerSettings.DefaultLease.TotalSeconds };
        var idle = new Option<double>("--idle-exit") { Description = "Without --experiment: stop after this many seconds with nothing to evaluate", DefaultValueFactory = _ => WorkerSettings.DefaultIdleExit.TotalSeconds };
        var threads = new Option<int?>("--threads") { Description = "Torch intra-op threads of this worker (default: one per core; workers sharing a machine should split its cores)" };
        var json = CliHelpers.JsonOption();
        var cmd = new Command("worker", "Evaluate trials queued in an experiment store (what to evaluate comes from the store; run any number, on any machine)")
            { store, experiment, maxTrials, device, dataset, lease, idle, threads, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var settings = new WorkerSettings(p.GetValue(store)!, p.GetValue(experiment), p.GetValue(maxTrials), p.GetValue(device)!, p.GetValue(ctx.DataDir),
                CliHelpers.ExtraTables, p.GetValue(dataset), TimeSpan.FromSeconds(p.GetValue(lease)), TimeSpan.FromSeconds(p.GetValue(idle)), Threads: p.GetValue(threads));
            var result = ProgressRunner.Observe(ctx, progress => Worker.Run(settings, progress));
            if (p.GetValue(json)) ctx.Out.WriteLine(ExperimentHost.Json(result));
            else ctx.Out.WriteLine($"evaluated {result.Evaluated} trials ({result.Failed} failed, {result.Dropped} results dropped as late) in {result.Seconds:F1} s");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}

/// <summary>The <c>--store</c> option every store command shares.</summary>
public static class StoreOption
{
    /// <summary>Help text of <c>--store</c>.</summary>
    public const string Description = "Experiment store: sqlite:PATH (or a file path) or postgresql://user@host:port/database";

    /// <summary>A new <c>--store</c> option.</summary>
    public static Option<string?> Create(bool required = false, string? description = null) =>
        new("--store") { Description = description ?? Description, Required = required };

    /// <summary>Opens an existing store: a missing SQLite file is an error, not a new store.</summary>
    public static Store.ExperimentStore OpenExisting(string location)
    {
        if (!location.Contains("://", StringComparison.Ordinal))
        {
            string path = location.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) ? location["sqlite:".Length..] : location;
            if (!File.Exists(path)) throw new NagDataException($"{path}: experiment store not found");
        }
        return new Store.ExperimentStore(location);
    }
}
