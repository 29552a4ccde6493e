using NagSharp.Experiments;
using NagSharp.Spaces;
using NagSharp.Store;
using NagSharp.Workers;

namespace NagSharp.Tests;

/// <summary><c>nag worker</c> as real processes against both store backends: every queued trial evaluated once, with
/// the table's values; a worker killed mid-trial loses nothing.</summary>
public sealed class WorkerProcessTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly List<IDisposable> _owners = [];

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var o in _owners) o.Dispose();
        _tmp.Dispose();
    }

    private string Location(string backend)
    {
        var (location, owner) = TestPostgres.Location(backend, _tmp);
        if (owner is not null) _owners.Add(owner);
        return location;
    }

    private const string Obj = "cifar10_valid_acc200", Rep = "cifar10_test_acc200";

    /// <summary>An nb201 table experiment with <paramref name="n"/> distinct random architectures queued.</summary>
    private static (long Id, List<QueuedTrial> Queued) Queue(ExperimentStore store, int n)
    {
        var space = new Nb201Space();
        long id = store.Create("nb201", Obj, Rep, ["random"], n, 1, 0, new SearchSettings().ToJson()).Id;
        var rng = new Random(7);
        var archs = new HashSet<string>();
        while (archs.Count < n) archs.Add(space.Sample(rng).ToString());
        var queued = archs.Select((a, i) => new QueuedTrial(id, "random", 0, i + 1, a, i)).ToList();
        foreach (var t in queued) store.Submit(t);
        return (id, queued);
    }

    private static void WaitFor(Func<bool> done, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException(what);
            Thread.Sleep(50);
        }
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public void WorkerProcessesEvaluateEveryQueuedTrialOnceWithTheTablesValues(string backend)
    {
        string dataDir = TestData.RequireDir();
        var data = TestData.Nb201;
        string at = Location(backend);
        using var store = new ExperimentStore(at);
        var (id, queued) = Queue(store, 40);
        using (var workers = new WorkerProcesses(2, ["--store", at, "--experiment", id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--data-dir", dataDir], _tmp.Path))
        {
            WaitFor(() => store.Finished(id).Count == queued.Count, TimeSpan.FromSeconds(20),
                "workers did not finish: " + string.Join(" | ", Directory.GetFiles(_tmp.Path, "worker-*.log").Select(File.ReadAllText)));
            store.Complete(id);   // a worker serving one experiment stops once it is done
            Assert.True(workers.WaitAll(TimeSpan.FromSeconds(15)));
            Assert.All(workers.Processes, p => Assert.Equal(0, p.ExitCode));
        }
        var results = store.Finished(id).ToDictionary(r => r.Trial.Query);
        Assert.Equal(queued.Count, results.Count);
        var space = new Nb201Space();
        foreach (var t in queued)
        {
            var r = results[t.Query];
            Assert.Null(r.Error);
            var m = data.MetricsOf(space.Parse(t.Arch));
            Assert.Equal(m[Obj], r.Objective);
            Assert.Equal(m[Rep], r.Report);
        }
        Assert.All(store.Attempts(id).Values, a => Assert.Equal(1, a));
        Assert.Equal(new Dictionary<string, int> { ["done"] = queued.Count }, store.QueueCounts(id));
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public void AWorkerKilledMidTrialLosesItToAnotherWhichEvaluatesItOnce(string backend)
    {
        string dataDir = TestData.RequireDir();
        string at = Location(backend);
        using var store = new ExperimentStore(at);
        var (id, queued) = Queue(store, 6);
        string ids = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The doomed worker holds each trial 30 s, so it is surely mid-trial when killed.
        var doomed = WorkerProcesses.Start(["worker", "--store", at, "--experiment", ids, "--data-dir", dataDir, "--lease", "1"],
            environment: new Dictionary<string, string> { [Worker.DelayVariable] = "30000" });
        try
        {
            WaitFor(() => store.QueueCounts(id).GetValueOrDefault("running") == 1, TimeSpan.FromSeconds(15), "the worker claimed nothing");
            doomed.Kill();   // SIGKILL: no cleanup, the lease just stops being renewed
            doomed.WaitForExit();
        }
        finally { doomed.Dispose(); }
        using (var rescue = new WorkerProcesses(1, ["--store", at, "--experiment", ids, "--data-dir", dataDir, "--lease", "1"], _tmp.Path))
        {
            WaitFor(() => store.Finished(id).Count == queued.Count, TimeSpan.FromSeconds(20), "the rescuing worker did not finish");
            store.Complete(id);
            Assert.True(rescue.WaitAll(TimeSpan.FromSeconds(15)));
        }
        var attempts = store.Attempts(id);
        Assert.Equal(queued.Count, store.Finished(id).Count(r => r.Error is null));
        Assert.Equal(1, attempts.Values.Count(a => a == 2));   // the killed worker's trial, run once more
        Assert.Equal(queued.Count - 1, attempts.Values.Count(a => a == 1));
    }
}

/// <summary>A search whose evaluations run in worker processes: the same trials as the sequential search.</summary>
[Collection(TorchCollection.Name)]   // a search sets torch's thread count
public sealed class ParallelSearchTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly List<IDisposable> _owners = [];

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var o in _owners) o.Dispose();
        _tmp.Dispose();
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public void ARandomSearchWithThreeWorkersEvaluatesTheSameArchitecturesAsOneAtATime(string backend)
    {
        string dataDir = TestData.RequireDir();
        var (at, owner) = TestPostgres.Location(backend, _tmp);
        if (owner is not null) _owners.Add(owner);
        var settings = new SearchRunSettings("nb201", "cifar10_valid_acc200", "cifar10_test_acc200", ["random"], Budget: 30, Seeds: 2, DataDir: dataDir);
        var sequential = SearchRun.Run(settings);
        var parallel = SearchRun.Run(settings with { Store = at, Parallel = 3 });
        static string[] Set(SearchRunResult r) => r.Trials.Select(t => $"{t.Seed} {t.Arch} {t.Objective} {t.Report}").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Set(sequential), Set(parallel));
        using var store = new ExperimentStore(at);
        long id = parallel.ExperimentId!.Value;
        Assert.Equal("done", store.Get(id).Status);
        var recorded = store.Trials(id);
        Assert.Equal(60, recorded.Count);
        Assert.All(recorded, t => Assert.NotNull(t.Told));
        Assert.Equal(Enumerable.Range(1, 30), recorded.Where(t => t.Seed == 0).Select(t => t.Told!.Value).Order());
        Assert.Empty(store.Outstanding(id));
        Assert.All(store.Attempts(id).Values, a => Assert.Equal(1, a));
        Assert.Contains("needs an experiment store", Assert.Throws<NagUserException>(() => SearchRun.Run(settings with { Parallel = 2 })).Message);
    }
}
