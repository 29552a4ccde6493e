using System.Diagnostics;
using System.Globalization;
using System.Text;
using NagSharp.Experiments;
using NagSharp.Store;

namespace NagSharp.Workers;

/// <summary>Settings of <see cref="StoreBench"/>.</summary>
/// <param name="Postgres">A PostgreSQL URL to measure beside SQLite (null: SQLite only). The bench adds experiments to it.</param>
/// <param name="Workers">Worker process counts to measure.</param>
/// <param name="Trials">Trials per measurement (a random search of nb201's table: the store is the bottleneck).</param>
/// <param name="Seed">Search seed.</param>
/// <param name="DataDir">Benchmark data directory (null: the default lookup).</param>
/// <param name="Faults">Also run the fault checks.</param>
/// <param name="RestartCommand">Shell command that restarts the PostgreSQL server, for the restart check (null: skipped).</param>
/// <param name="WorkDir">Where the SQLite stores and logs go (null: a temporary directory, deleted after).</param>
public sealed record StoreBenchSettings(string? Postgres = null, IReadOnlyList<int>? Workers = null, int Trials = 1000, int Seed = 0, string? DataDir = null,
    bool Faults = true, string? RestartCommand = null, string? WorkDir = null)
{
    /// <summary>Worker counts measured by default.</summary>
    public static readonly IReadOnlyList<int> DefaultWorkers = [1, 2, 4, 8];
}

/// <summary>Throughput of one backend with one number of workers.</summary>
/// <param name="Backend">sqlite or postgresql.</param>
/// <param name="Workers">Worker processes.</param>
/// <param name="Trials">Trials evaluated.</param>
/// <param name="WallSeconds">Whole search, worker start-up included.</param>
/// <param name="TrialsPerSecond">Steady state: trials finished between the first and the last result, per second.</param>
/// <param name="SameAsSequential">Whether the evaluated architectures (and values) equal those of the same search evaluated
/// in this process one at a time (so also those of the one-worker run when that one matches too).</param>
public sealed record StoreThroughput(string Backend, int Workers, int Trials, double WallSeconds, double TrialsPerSecond, bool SameAsSequential);

/// <summary>One fault check: what was done and whether the final trials equal the proposals, none lost or duplicated.</summary>
/// <param name="Backend">sqlite or postgresql.</param>
/// <param name="Name">The fault.</param>
/// <param name="Passed">Whether nothing was lost or duplicated (or, for a second proposer, it was refused).</param>
/// <param name="Detail">What was seen.</param>
/// <param name="Seconds">Wall time of the check.</param>
public sealed record FaultCheck(string Backend, string Name, bool Passed, string Detail, double Seconds);

/// <summary>What <see cref="StoreBench"/> measured.</summary>
/// <param name="Trials">Trials per throughput measurement.</param>
/// <param name="Throughput">One row per backend and worker count.</param>
/// <param name="Faults">Fault checks.</param>
/// <param name="Cores">Processor count of the machine.</param>
public sealed record StoreBenchResult(int Trials, IReadOnlyList<StoreThroughput> Throughput, IReadOnlyList<FaultCheck> Faults, int Cores);

/// <summary>
/// <c>nag bench store</c>: how many trials per second worker processes get through an experiment store, and whether
/// faults (a worker or the proposer killed, a server restart, a second proposer) lose or duplicate any trial. The
/// evaluations are nb201 table lookups, so the store and the processes around it are all that is measured.
/// </summary>
public static class StoreBench
{
    private const string Objective = "cifar10_valid_acc200", Report = "cifar10_test_acc200";

    /// <summary>Runs the measurements and checks.</summary>
    public static StoreBenchResult Run(StoreBenchSettings settings, IProgress<ExperimentEvent>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var counts = settings.Workers ?? StoreBenchSettings.DefaultWorkers;
        if (counts.Count == 0 || counts.Any(n => n < 1)) throw new NagUserException("worker counts must be at least 1");
        if (settings.Trials < 20) throw new NagUserException("trials must be at least 20");
        bool temp = settings.WorkDir is null;
        string work = settings.WorkDir ?? Path.Combine(Path.GetTempPath(), "nagsharp-bench-store-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var backends = new List<(string Name, Func<string, string> Location)> { ("sqlite", tag => "sqlite:" + Path.Combine(work, tag + ".db")) };
            if (settings.Postgres is string pg) backends.Add(("postgresql", _ => pg));
            var basic = new SearchRunSettings("nb201", Objective, Report, ["random"], settings.Trials, 1, settings.Seed, DataDir: settings.DataDir);
            progress.Note($"reference: {settings.Trials} trials evaluated in this process");
            var reference = Signature(SearchRun.Run(basic).Trials);
            var rows = new List<StoreThroughput>();
            var faults = new List<FaultCheck>();
            foreach (var (backend, location) in backends)
            {
                foreach (int n in counts)
                {
                    progress.Note($"{backend}: {n} workers");
                    string at = location($"throughput-{n}");
                    var clock = Stopwatch.StartNew();
                    var run = SearchRun.Run(basic with { Store = at, Parallel = 2 * n, Workers = n });
                    double wall = clock.Elapsed.TotalSeconds;
                    using var store = new ExperimentStore(at);
                    var (count, first, last) = store.FinishTimes(run.ExperimentId!.Value);
                    double rate = last > first ? (count - 1) / ((last - first) / 1000.0) : double.NaN;
                    rows.Add(new StoreThroughput(backend, n, run.Trials.Count, wall, rate, Signature(run.Trials).SequenceEqual(reference)));
                }
                if (!settings.Faults) continue;
                faults.Add(KillWorker(backend, location("kill-worker"), basic, reference, work, progress));
                faults.Add(KillProposer(backend, location("kill-proposer"), basic, reference, work, progress));
                if (backend == "postgresql" && settings.RestartCommand is string restart)
                    faults.Add(RestartServer(location("restart"), restart, basic, reference, work, progress));
                faults.Add(SecondProposer(backend, location("two-proposers"), basic, work, progress));
            }
            return new StoreBenchResult(settings.Trials, rows, faults, Environment.ProcessorCount);
        }
        finally
        {
            if (temp) try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    // What a run evaluated, order aside: each architecture with its values.
    private static string[] Signature(IEnumerable<Search.Trial> trials) =>
        trials.Select(t => $"{t.Strategy} {t.Seed} {t.Arch} {t.Objective.ToString("R", CultureInfo.InvariantCulture)} {t.Report.ToString("R", CultureInfo.InvariantCulture)}")
            .Order(StringComparer.Ordinal).ToArray();

    /// <summary>Compares what the store recorded with the proposals: every trial once, the same set, none failed.</summary>
    private static (bool Ok, string Detail) Audit(string at, long id, string[] reference)
    {
        using var store = new ExperimentStore(at);
        var trials = store.Trials(id);
        var attempts = store.Attempts(id);
        var counts = store.QueueCounts(id);
        bool same = Signature(trials).SequenceEqual(reference);
        int distinct = trials.Select(t => t.Query).Distinct().Count();
        int rerun = attempts.Values.Count(a => a > 1);
        bool ok = same && distinct == trials.Count && trials.Count == reference.Length && !counts.ContainsKey("failed") && attempts.Count == reference.Length;
        return (ok, $"{trials.Count}/{reference.Length} trials recorded, {distinct} distinct, same set as the proposals: {(same ? "yes" : "no")}; " +
            $"{attempts.Count} queued, {rerun} evaluated twice after a lost lease, {counts.GetValueOrDefault("failed")} failed");
    }

    private static WorkerProcesses Workers(string at, int n, int delayMs, string work, string tag, string? dataDir = null) =>
        new(n, ["--store", at, "--lease", "1", "--idle-exit", "20", .. dataDir is null ? Array.Empty<string>() : ["--data-dir", dataDir]],
            Path.Combine(work, tag), new Dictionary<string, string> { [Worker.DelayVariable] = delayMs.ToString(CultureInfo.InvariantCulture) });

    private static void WaitFor(Func<bool> done, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException(what);
            Thread.Sleep(50);
        }
    }

    private static long Newest(string at)
    {
        using var store = new ExperimentStore(at);
        return store.List().FirstOrDefault()?.Id ?? 0;
    }

    private static int Recorded(string at, long id)
    {
        using var store = new ExperimentStore(at);
        return store.TrialCount(id);
    }

    private static FaultCheck Check(string backend, string name, Func<(bool, string)> body)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var (ok, detail) = body();
            return new FaultCheck(backend, name, ok, detail, clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is TimeoutException or NagDataException or NagUserException or InvalidOperationException)
        {
            return new FaultCheck(backend, name, false, e.Message.ReplaceLineEndings(" "), clock.Elapsed.TotalSeconds);
        }
    }

    /// <summary>kill -9 of one of 4 workers mid-trial (each trial held 20 ms, so a worker is nearly always mid-trial).</summary>
    private static FaultCheck KillWorker(string backend, string at, SearchRunSettings basic, string[] reference, string work, IProgress<ExperimentEvent>? progress) =>
        Check(backend, "kill -9 of one of 4 workers mid-trial", () =>
        {
            progress.Note($"{backend}: killing a worker");
            long before = Newest(at);
            using var workers = Workers(at, 4, 50, work, $"{backend}-kill-worker", dataDir: basic.DataDir);
            var search = Task.Run(() => SearchRun.Run(basic with { Store = at, Parallel = 4, Workers = 0 }));
            WaitFor(() => Newest(at) > before, TimeSpan.FromSeconds(60), "the search did not start");
            long id = Newest(at);
            WaitFor(() => Recorded(at, id) >= reference.Length / 3, TimeSpan.FromSeconds(120), "no progress before the kill");
            var victim = workers.Processes[0];
            string name = $"{Environment.MachineName}:{victim.Id}";
            WaitFor(() => { using var s = new ExperimentStore(at); return s.RunningWorkers(id).Contains(name); }, TimeSpan.FromSeconds(60), "the worker never held a trial");
            victim.Kill();   // SIGKILL, while it holds a trial
            victim.WaitForExit();
            if (!search.Wait(TimeSpan.FromSeconds(300))) throw new TimeoutException("the search did not finish after the kill");
            var (ok, detail) = Audit(at, id, reference);
            return (ok, $"killed worker {victim.Id} after a third of the trials; " + detail);
        });

    /// <summary>kill -9 of the proposing process, then <c>nag search --resume</c> in a new one; the workers keep running.</summary>
    private static FaultCheck KillProposer(string backend, string at, SearchRunSettings basic, string[] reference, string work, IProgress<ExperimentEvent>? progress) =>
        Check(backend, "kill -9 of the proposing process, then --resume", () =>
        {
            progress.Note($"{backend}: killing the proposer");
            long before = Newest(at);
            using var workers = Workers(at, 4, 5, work, $"{backend}-kill-proposer", dataDir: basic.DataDir);
            string[] data = basic.DataDir is null ? [] : ["--data-dir", basic.DataDir];
            using var proposer = WorkerProcesses.Start(["search", "--space", "nb201", "--objective", Objective, "--report", Report, "--strategy", "random",
                "--budget", basic.Budget.ToString(CultureInfo.InvariantCulture), "--seeds", "1", "--seed", basic.FirstSeed.ToString(CultureInfo.InvariantCulture),
                "--store", at, "--parallel", "4", "--workers", "0", "--out", Path.Combine(work, $"{backend}-proposer-1"), .. data],
                Path.Combine(work, $"{backend}-proposer-1.log"));
            WaitFor(() => Newest(at) > before, TimeSpan.FromSeconds(60), "the search did not start");
            long id = Newest(at);
            WaitFor(() => Recorded(at, id) >= reference.Length / 3, TimeSpan.FromSeconds(120), "no progress before the kill");
            proposer.Kill();
            proposer.WaitForExit();
            int atKill = Recorded(at, id);
            using var resumed = WorkerProcesses.Start(["search", "--resume", id.ToString(CultureInfo.InvariantCulture), "--store", at, "--parallel", "4",
                "--workers", "0", "--out", Path.Combine(work, $"{backend}-proposer-2"), .. data], Path.Combine(work, $"{backend}-proposer-2.log"));
            if (!resumed.WaitForExit(TimeSpan.FromSeconds(300))) { resumed.Kill(); throw new TimeoutException("the resumed search did not finish"); }
            resumed.WaitForExit();
            if (resumed.ExitCode != 0)
                return (false, $"the resumed search exited with {resumed.ExitCode}: {LastLine(Path.Combine(work, $"{backend}-proposer-2.log"))}");
            var (ok, detail) = Audit(at, id, reference);
            return (ok, $"killed the proposer with {atKill} trials told; resumed; " + detail);
        });

    /// <summary>A PostgreSQL restart mid-run: the proposer and the workers wait for the server and go on.</summary>
    private static FaultCheck RestartServer(string at, string restart, SearchRunSettings basic, string[] reference, string work, IProgress<ExperimentEvent>? progress) =>
        Check("postgresql", "server restart mid-run", () =>
        {
            progress.Note("postgresql: restarting the server");
            long before = Newest(at);
            using var workers = Workers(at, 4, 5, work, "postgresql-restart", dataDir: basic.DataDir);
            var search = Task.Run(() => SearchRun.Run(basic with { Store = at, Parallel = 4, Workers = 0 }));
            WaitFor(() => Newest(at) > before, TimeSpan.FromSeconds(60), "the search did not start");
            long id = Newest(at);
            WaitFor(() => Recorded(at, id) >= reference.Length / 3, TimeSpan.FromSeconds(120), "no progress before the restart");
            var clock = Stopwatch.StartNew();
            using (var sh = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", restart }, UseShellExecute = false })!)
            {
                sh.WaitForExit();
                if (sh.ExitCode != 0) return (false, $"the restart command exited with {sh.ExitCode}");
            }
            double down = clock.Elapsed.TotalSeconds;
            if (!search.Wait(TimeSpan.FromSeconds(300))) throw new TimeoutException("the search did not finish after the restart");
            int alive = workers.Processes.Count(p => !p.HasExited);
            var (ok, detail) = Audit(at, id, reference);
            return (ok, $"restarted the server ({down:F1} s) after a third of the trials; {alive} of 4 workers still running after; " + detail);
        });

    /// <summary>A second proposing process on an experiment that one is running: refused by the experiment's lease.</summary>
    private static FaultCheck SecondProposer(string backend, string at, SearchRunSettings basic, string work, IProgress<ExperimentEvent>? progress) =>
        Check(backend, "two proposing processes on one experiment", () =>
        {
            progress.Note($"{backend}: a second proposer");
            long before = Newest(at);
            using var workers = Workers(at, 2, 1000, work, $"{backend}-two", dataDir: basic.DataDir);   // slow (30 s): the first run outlasts the second's start
            var search = Task.Run(() => SearchRun.Run(basic with { Store = at, Parallel = 2, Workers = 0, Budget = 60 }));
            WaitFor(() => Newest(at) > before, TimeSpan.FromSeconds(60), "the search did not start");
            long id = Newest(at);
            WaitFor(() => Recorded(at, id) >= 5, TimeSpan.FromSeconds(60), "no progress");
            string log = Path.Combine(work, $"{backend}-second.log");
            string[] data = basic.DataDir is null ? [] : ["--data-dir", basic.DataDir];
            using var second = WorkerProcesses.Start(["search", "--resume", id.ToString(CultureInfo.InvariantCulture), "--store", at, "--parallel", "2", "--workers", "0",
                "--out", Path.Combine(work, $"{backend}-second"), .. data], log);
            if (!second.WaitForExit(TimeSpan.FromSeconds(120))) { second.Kill(); throw new TimeoutException("the second proposer neither ran nor stopped"); }
            second.WaitForExit();
            bool finishedFirst = search.IsCompleted;
            if (!search.Wait(TimeSpan.FromSeconds(300))) throw new TimeoutException("the first search did not finish");
            string line = LastLine(log);
            bool refused = second.ExitCode != 0 && line.Contains("is being run by process", StringComparison.Ordinal);
            return (refused && !finishedFirst, refused ? $"refused (exit {second.ExitCode}): {line}" : $"not refused: exit {second.ExitCode}, {line}");
        });

    private static string LastLine(string log) => File.Exists(log) ? File.ReadLines(log).LastOrDefault(l => l.Trim().Length > 0) ?? "" : "";

    /// <summary>The figures as Markdown: throughput by backend and workers, then the fault checks.</summary>
    public static string Markdown(StoreBenchResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"# Experiment store throughput ({r.Trials} trials of a random search on nb201's table, {r.Cores} cores)").AppendLine();
        sb.AppendLine("| backend | workers | trials/s (steady) | wall s (with start-up) | same archs as in-process |");
        sb.AppendLine("|---|---:|---:|---:|---|");
        foreach (var t in r.Throughput)
            sb.AppendLine(inv, $"| {t.Backend} | {t.Workers} | {t.TrialsPerSecond:F0} | {t.WallSeconds:F1} | {(t.SameAsSequential ? "yes" : "NO")} |");
        if (r.Faults.Count > 0)
        {
            sb.AppendLine().AppendLine("| backend | fault | result | what was seen | s |").AppendLine("|---|---|---|---|---:|");
            foreach (var f in r.Faults)
                sb.AppendLine(inv, $"| {f.Backend} | {f.Name} | {(f.Passed ? "pass" : "FAIL")} | {f.Detail.Replace("|", "/", StringComparison.Ordinal)} | {f.Seconds:F1} |");
        }
        return sb.ToString();
    }
}
