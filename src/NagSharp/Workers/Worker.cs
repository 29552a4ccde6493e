using System.Diagnostics;
using System.Globalization;
using NagSharp.Benchmarks;
using NagSharp.Evaluation;
using NagSharp.Experiments;
using NagSharp.Search;
using NagSharp.Spaces;
using NagSharp.Store;

namespace NagSharp.Workers;

/// <summary>Settings of <see cref="Worker.Run"/>. Everything about what to evaluate comes from the store; these say only
/// what is local to the machine the worker runs on.</summary>
/// <param name="Store">Store location (<c>sqlite:PATH</c>, a file path, or <c>postgresql://user@host:port/database</c>).</param>
/// <param name="Experiment">Serve only this experiment (the worker stops when it is done); null: any experiment's trials.</param>
/// <param name="MaxTrials">Stop after evaluating this many trials; null: no limit.</param>
/// <param name="Device">Where training evaluators run: <c>cpu</c> or <c>cuda</c>.</param>
/// <param name="DataDir">Benchmark data directory on this machine (null: the default lookup).</param>
/// <param name="ExtraTables">Extra metric tables on this machine.</param>
/// <param name="Dataset">The train evaluator's dataset on this machine, in place of the path the proposer recorded.</param>
/// <param name="Lease">How long a claimed trial is held without a heartbeat (renewed every third of it); a worker that
/// dies loses its trial to another worker after this long.</param>
/// <param name="IdleExit">Without <paramref name="Experiment"/>: stop after this long with nothing to claim.</param>
/// <param name="RetryFor">How long to keep retrying while the store's server cannot be reached (a restart).</param>
/// <param name="Threads">Torch intra-op threads of this worker (null: torch's default, one per core). Workers sharing a
/// machine should split its cores between them: two workers with two threads each on two cores train slower than
/// one.</param>
public sealed record WorkerSettings(string Store, long? Experiment = null, int? MaxTrials = null, string Device = "cpu", string? DataDir = null,
    IReadOnlyList<string>? ExtraTables = null, string? Dataset = null, TimeSpan? Lease = null, TimeSpan? IdleExit = null, TimeSpan? RetryFor = null,
    int? Threads = null)
{
    /// <summary>Threads each of <paramref name="workers"/> local workers gets so that together they use every core once.</summary>
    public static int ThreadsPerLocalWorker(int workers) => Math.Max(1, Environment.ProcessorCount / Math.Max(1, workers));

    /// <summary>Default lease of a claimed trial.</summary>
    public static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(30);

    /// <summary>Default idle time before a worker serving any experiment stops.</summary>
    public static readonly TimeSpan DefaultIdleExit = TimeSpan.FromMinutes(10);

    /// <summary>Default time to ride out an unreachable server.</summary>
    public static readonly TimeSpan DefaultRetryFor = TimeSpan.FromMinutes(2);

    /// <summary>The devices a worker can be pointed at.</summary>
    public static readonly IReadOnlyList<string> Devices = ["cpu", "cuda"];
}

/// <summary>What one worker did.</summary>
/// <param name="Evaluated">Trials evaluated (results sent).</param>
/// <param name="Failed">Evaluations that failed (an error recorded for the trial).</param>
/// <param name="Dropped">Results not kept because another worker's result for the same trial came first.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record WorkerResult(int Evaluated, int Failed, int Dropped, double Seconds);

/// <summary>
/// A worker process's loop: claim a pending trial from the store (under a lease renewed by a heartbeat), evaluate it
/// with the evaluator its experiment recorded, and write the result in the same transaction that ends the lease. Any
/// number of workers on any machines may serve one store; the database's own locking hands each trial to one of them.
/// </summary>
public static class Worker
{
    /// <summary>Runs until <see cref="WorkerSettings.MaxTrials"/> trials are evaluated, the served experiment is done,
    /// the worker has been idle for <see cref="WorkerSettings.IdleExit"/>, or <paramref name="cancel"/> fires.</summary>
    public static WorkerResult Run(WorkerSettings settings, IProgress<ExperimentEvent>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!WorkerSettings.Devices.Contains(settings.Device))
            throw new NagUserException($"device {settings.Device}: unknown (use {string.Join(" or ", WorkerSettings.Devices)})");
        if (settings.Device == "cuda" && !TorchSharp.torch.cuda.is_available())
            throw new NagUserException("device cuda: no CUDA device visible to TorchSharp (this build references TorchSharp-cpu; a GPU worker needs TorchSharp-cuda-linux and a driver)");
        if (settings.MaxTrials is < 1) throw new NagUserException("max trials must be at least 1");
        if (settings.Threads is int threads)
        {
            if (threads < 1) throw new NagUserException("WorkerSettings.Threads must be at least 1");
            TorchSharp.torch.set_num_threads(threads);
        }
        var lease = settings.Lease ?? WorkerSettings.DefaultLease;
        if (lease < TimeSpan.FromMilliseconds(300)) throw new NagUserException("lease must be at least 0.3 s");
        var idleExit = settings.IdleExit ?? WorkerSettings.DefaultIdleExit;
        var retryFor = settings.RetryFor ?? WorkerSettings.DefaultRetryFor;
        string name = $"{Environment.MachineName}:{Environment.ProcessId}";
        var clock = Stopwatch.StartNew();
        using var store = Retrying(() => new ExperimentStore(settings.Store), null, retryFor, progress, cancel);
        var evaluators = new Dictionary<long, Served>();
        ClaimedTrial? current = null;
        var gate = new Lock();
        // The heartbeat renews whatever trial is being evaluated; a table lookup ends long before the first beat.
        using var heartbeat = new Timer(_ =>
        {
            ClaimedTrial? c;
            lock (gate) c = current;
            if (c is null) return;
            try { store.Renew(c, lease); } catch (NagDataException) { }   // a lost renewal is the lease's business
        }, null, lease / 3, lease / 3);
        int evaluated = 0, failed = 0, dropped = 0;
        var idle = Stopwatch.StartNew();
        int pause = 1;
        try
        {
            while (!cancel.IsCancellationRequested && (settings.MaxTrials is null || evaluated < settings.MaxTrials))
            {
                var claim = Retrying(() => store.Claim(name, lease, settings.Experiment), store, retryFor, progress, cancel);
                if (claim is null)
                {
                    if (settings.Experiment is long only)
                    {
                        if (Retrying(() => store.Get(only), store, retryFor, progress, cancel).Status != "running") break;
                    }
                    else if (idle.Elapsed >= idleExit) break;
                    cancel.WaitHandle.WaitOne(pause);
                    // Poll fast while work is likely to come (a proposer between asks), back off once idle for a while.
                    pause = idle.Elapsed < TimeSpan.FromSeconds(2) ? Math.Min(pause * 2, 16) : Math.Min(pause * 2, 200);
                    continue;
                }
                pause = 1;
                lock (gate) current = claim;
                var t = claim.Trial;
                if (!evaluators.TryGetValue(t.Experiment, out var served))
                {
                    served = Open(Retrying(() => store.Get(t.Experiment), store, retryFor, progress, cancel), settings, progress);
                    evaluators[t.Experiment] = served;
                }
                if (FaultDelay() is int ms) cancel.WaitHandle.WaitOne(ms);
                var result = served.Evaluate(t);
                lock (gate) current = null;
                if (result.Error is not null) failed++;
                if (Retrying(() => store.Complete(result), store, retryFor, progress, cancel)) evaluated++;
                else dropped++;
                idle.Restart();
                progress.Step("worker", evaluated, settings.MaxTrials ?? 0, $"{t.Strategy} seed {t.Seed} query {t.Query}");
            }
        }
        finally
        {
            foreach (var s in evaluators.Values) s.Dispose();
        }
        return new WorkerResult(evaluated, failed, dropped, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Fault-injection hook of the store benchmark and tests: <c>NAGSHARP_WORKER_DELAY_MS</c> holds each
    /// claimed trial that long before evaluating it, so a worker can be killed mid-trial on purpose.</summary>
    private static int? FaultDelay() =>
        int.TryParse(Environment.GetEnvironmentVariable(DelayVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int ms) && ms > 0 ? ms : null;

    /// <summary>Environment variable of the fault-injection delay (milliseconds per claimed trial).</summary>
    public const string DelayVariable = "NAGSHARP_WORKER_DELAY_MS";

    /// <summary>Runs <paramref name="body"/>, waiting and trying again while the store's server is unreachable (a
    /// PostgreSQL restart), for up to <paramref name="retryFor"/>.</summary>
    private static T Retrying<T>(Func<T> body, ExperimentStore? store, TimeSpan retryFor, IProgress<ExperimentEvent>? progress, CancellationToken cancel)
    {
        Stopwatch? down = null;
        while (true)
        {
            try { return body(); }
            catch (NagDataException e) when (Transient(e, store) && (down ??= Stopwatch.StartNew()).Elapsed < retryFor && !cancel.IsCancellationRequested)
            {
                progress.Note($"store unreachable, retrying: {e.Message}");
                cancel.WaitHandle.WaitOne(500);
            }
        }
    }

    private static bool Transient(NagDataException e, ExperimentStore? store) =>
        store?.Transient(e) ?? e.InnerException is Npgsql.NpgsqlException or TimeoutException or System.Net.Sockets.SocketException;

    /// <summary>The evaluator and goal an experiment recorded, rebuilt on this machine.</summary>
    private static Served Open(Experiment e, WorkerSettings settings, IProgress<ExperimentEvent>? progress)
    {
        if (e.Kind != "search") throw new NagDataException($"experiment {e.Id} is a {e.Kind} run, which has no trials to evaluate");
        var space = SpaceRegistry.Get(e.Space);
        var strategy = SearchSettings.FromJson(e.Settings, $"experiment {e.Id}");
        var constraints = strategy.ParsedConstraints();
        string evaluatorName = strategy.EvaluatorName;
        var train = strategy.Train is { } tr && settings.Dataset is string local ? tr with { Dataset = local } : strategy.Train;
        IEvaluator evaluator = evaluatorName == "table"
            ? new TableEvaluator(BenchmarkData.Load(space, DataLocator.Resolve(settings.DataDir), settings.ExtraTables ?? []), null, e.Objective)
            : Evaluators.Create(space, new EvaluatorSettings(evaluatorName, settings.DataDir, settings.ExtraTables,
                [e.Objective, .. e.Report.Length > 0 ? [e.Report] : Array.Empty<string>(), .. constraints.Select(c => c.Column)], Train: train),
                null, line => progress.Note(line));
        var goal = new SearchGoal(e.Objective, e.Report, strategy.Minimize, constraints);
        try { goal.Validate(evaluator); }
        catch { evaluator.Dispose(); throw; }
        progress.Note($"serving experiment {e.Id}: {e.Space}, evaluator {evaluator.Name}, objective {e.Objective}");
        return new Served(evaluator, goal);
    }

    private sealed class Served(IEvaluator evaluator, SearchGoal goal) : IDisposable
    {
        /// <summary>One evaluation, as the search harness makes it; an evaluator's failure becomes the trial's error line.</summary>
        public QueuedResult Evaluate(QueuedTrial t)
        {
            try
            {
                var e = evaluator.Evaluate(evaluator.Space.Parse(t.Arch));
                double v = e.Metrics.TryGetValue(goal.Objective, out double o) ? o : double.NaN;
                if (double.IsNaN(v))
                    return new QueuedResult(t, double.NaN, double.NaN, 0, e.Seconds,
                        $"evaluator {evaluator.Name} gave no value of '{SafePath.Shorten(goal.Objective)}' for {SafePath.Shorten(t.Arch)}");
                return new QueuedResult(t, v, e.Metrics.TryGetValue(goal.Report, out double r) ? r : double.NaN,
                    Constraint.Violation(goal.Bounds, e.Metrics), e.Seconds, null, e.Metrics);
            }
            catch (Exception ex) when (ex is NagUserException or NagDataException or InvalidOperationException or ArgumentException or IOException)
            {
                return new QueuedResult(t, double.NaN, double.NaN, 0, 0, ex.Message.ReplaceLineEndings(" "));
            }
        }

        public void Dispose() => evaluator.Dispose();
    }
}

/// <summary>
/// Local worker processes: <c>nag worker</c> started from this installation (the <c>nag</c> app host beside the
/// library, or <c>dotnet nag.dll</c>), killed on dispose if still running.
/// </summary>
public sealed class WorkerProcesses : IDisposable
{
    private readonly List<Process> _processes = [];
    private readonly List<string> _lastLines = [];

    /// <summary>Starts <paramref name="count"/> workers with <paramref name="arguments"/> (after <c>worker</c>).</summary>
    /// <param name="count">Number of workers.</param>
    /// <param name="arguments">Arguments after <c>worker</c> (the store, the experiment, ...).</param>
    /// <param name="logDir">Where each worker's stderr goes (<c>worker-I.log</c>); null: discarded.</param>
    /// <param name="environment">Extra environment variables of the workers.</param>
    public WorkerProcesses(int count, IReadOnlyList<string> arguments, string? logDir = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (logDir is not null) Directory.CreateDirectory(logDir);
        try
        {
            for (int i = 0; i < count; i++)
                _processes.Add(Start(["worker", .. arguments], logDir is null ? null : Path.Combine(logDir, $"worker-{i}.log"), environment, line =>
                {
                    lock (_lastLines) { _lastLines.Add(line); if (_lastLines.Count > 20) _lastLines.RemoveAt(0); }
                }));
        }
        catch { Dispose(); throw; }
    }

    /// <summary>The processes (still running or exited).</summary>
    public IReadOnlyList<Process> Processes => _processes;

    /// <summary>Starts <c>nag</c> with <paramref name="arguments"/> as a child process; stderr goes to <paramref name="log"/>
    /// when given (stdout and stderr are otherwise discarded).</summary>
    /// <param name="arguments">Arguments after <c>nag</c>.</param>
    /// <param name="log">File the process's stderr is appended to.</param>
    /// <param name="environment">Extra environment variables.</param>
    /// <param name="stderr">Called with each stderr line.</param>
    public static Process Start(IReadOnlyList<string> arguments, string? log = null, IReadOnlyDictionary<string, string>? environment = null,
        Action<string>? stderr = null)
    {
        var (file, prefix) = Command();
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        foreach (var a in prefix.Concat(arguments)) info.ArgumentList.Add(a);
        var p = Process.Start(info) ?? throw new NagUserException($"cannot start {file}");
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            stderr?.Invoke(e.Data);
            if (log is null) return;
            try { lock (p) File.AppendAllText(log, e.Data + Environment.NewLine); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }   // a log that cannot be written is no reason to stop
        };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>How to run this installation's <c>nag</c>: its app host when there is one, else <c>dotnet nag.dll</c>.</summary>
    public static (string File, string[] Prefix) Command()
    {
        string dir = AppContext.BaseDirectory;
        string host = Path.Combine(dir, OperatingSystem.IsWindows() ? "nag.exe" : "nag"), dll = Path.Combine(dir, "nag.dll");
        if (File.Exists(host)) return (host, []);
        if (!File.Exists(dll)) throw new NagUserException($"cannot find nag.dll beside the library in {dir} to start worker processes");
        string dotnet = Environment.ProcessPath is string p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        return (dotnet, [dll]);
    }

    /// <summary>Null while a worker is running; once all have exited, a line saying so with the last thing one printed.</summary>
    public string? Dead()
    {
        if (_processes.Count == 0 || !_processes.All(p => p.HasExited)) return null;
        string last;
        lock (_lastLines) last = _lastLines.Count > 0 ? _lastLines.Last() : "no output";
        return $"all {_processes.Count} local worker processes exited (exit code {_processes[0].ExitCode}; last message: {last})";
    }

    /// <summary>Waits for every worker to exit, up to <paramref name="timeout"/>; true when all did.</summary>
    public bool WaitAll(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        foreach (var p in _processes)
        {
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !p.WaitForExit(left)) return false;
        }
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var p in _processes)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); p.WaitForExit(5000); }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
    }
}
