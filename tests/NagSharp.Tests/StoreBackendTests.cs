using NagSharp.Search;
using NagSharp.Store;

namespace NagSharp.Tests;

/// <summary>The same store suite on both backends: an SQLite file and a PostgreSQL database (a real server).</summary>
public sealed class StoreBackendTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly List<IDisposable> _owners = [];

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var o in _owners) o.Dispose();
        _tmp.Dispose();
    }

    private string Location(string backend, string name = "store.db")
    {
        var (location, owner) = TestPostgres.Location(backend, _tmp, name);
        if (owner is not null) _owners.Add(owner);
        return location;
    }

    private static void Sql(string location, string sql)
    {
        if (location.StartsWith("sqlite:", StringComparison.Ordinal))
        {
            using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={location["sqlite:".Length..]};Pooling=False");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }
        else TestPostgres.Sql(location, sql);
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public void CreatesRecordsAndReopensWithEverythingKept(string backend)
    {
        string at = Location(backend);
        long id;
        using (var store = new ExperimentStore(at))
        {
            Assert.Equal(backend, store.Backend);
            Assert.Equal(0, store.OpenedVersion);
            var e = store.Create("nb201", "obj", "rep", ["random", "evolution"], 5, 2, 3, """{"acquisition":"its"}""");
            id = e.Id;
            store.Start(id, "random", 3, 1, "a1");
            store.Finish(id, new Trial("random", 3, 1, "a1", 0.5, 0.25, 0.1, 2.5), "t0");
            store.Start(id, "random", 3, 2, "a2");
            Assert.Equal(1, store.InFlight(id));
            var run = store.Record("generate", "nb201", "obj", "{}", [(-1, "mean", 0.75), (0, "loss", 1.5)], [("a9", """{"obj":0.7}""")]);
            Assert.NotEqual(id, run.Id);
        }
        using (var store = new ExperimentStore(at))
        {
            Assert.Equal(ExperimentStore.SchemaVersion, store.OpenedVersion);
            var e = store.Get(id);
            Assert.Equal(["random", "evolution"], e.Strategies);
            Assert.Equal((5, 2, 3, "running", "search"), (e.Budget, e.Seeds, e.FirstSeed, e.Status, e.Kind));
            Assert.Equal(new Trial("random", 3, 1, "a1", 0.5, 0.25, 0.1, 2.5), Assert.Single(store.Trials(id)));
            Assert.Equal(2.5, store.Trials(id)[0].Seconds);
            Assert.Equal(1, store.InFlight(id));
            store.Complete(id);
            Assert.Equal("done", store.Get(id).Status);
            var list = store.List();
            Assert.Equal(2, list.Count);
            Assert.Equal("generate", list[0].Kind);
            Assert.Equal([(-1, "mean", 0.75), (0, "loss", 1.5)], store.Metrics(list[0].Id));
            Assert.Equal([("a9", """{"obj":0.7}""")], store.Samples(list[0].Id));
            Assert.Contains("no experiment 99", Assert.Throws<NagUserException>(() => store.Get(99)).Message);
        }
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public void WorkersClaimEachQueuedTrialOnceAndTheFirstResultWins(string backend)
    {
        using var store = new ExperimentStore(Location(backend));
        long id = store.Create("nb201", "obj", "rep", ["random"], 3, 1, 0).Id;
        var trials = Enumerable.Range(1, 3).Select(q => new QueuedTrial(id, "random", 0, q, "a" + q, q - 1)).ToArray();
        foreach (var t in trials) store.Submit(t);
        store.Submit(trials[0] with { Arch = "changed" });   // idempotent: the queued one stays
        var lease = TimeSpan.FromMinutes(1);
        var c1 = store.Claim("w1", lease)!;
        var c2 = store.Claim("w2", lease)!;
        Assert.Equal(trials[0], c1.Trial);
        Assert.Equal(trials[1], c2.Trial);
        Assert.Equal(1, c1.Attempt);
        Assert.True(store.Renew(c1, lease));
        Assert.True(store.Complete(new QueuedResult(c1.Trial, 0.5, 0.4, 0, 1, null)));
        Assert.False(store.Complete(new QueuedResult(c1.Trial, 0.9, 0.9, 0, 1, null)));   // a second result is dropped
        Assert.False(store.Renew(c1, lease));
        Assert.True(store.Complete(new QueuedResult(c2.Trial, double.NaN, double.NaN, 0, 1, "boom")));
        var finished = store.Finished(id).OrderBy(r => r.Trial.Query).ToList();
        Assert.Equal(2, finished.Count);
        Assert.Equal((0.5, 0.4, (string?)null), (finished[0].Objective, finished[0].Report, finished[0].Error));
        Assert.Equal("boom", finished[1].Error);
        Assert.True(double.IsNaN(finished[1].Objective));
        Assert.Equal(3, store.Outstanding(id).Count);
        store.Finish(id, new Trial("random", 0, 1, "a1", 0.5, 0.4), "t");
        Assert.Single(store.Finished(id));
        Assert.Equal([2, 3], store.Outstanding(id).Select(t => t.Query));
        Assert.Equal(trials[2], store.Claim("w1", lease, id)!.Trial);
        Assert.Null(store.Claim("w1", lease));
        Assert.Equal(new Dictionary<string, int> { ["told"] = 1, ["failed"] = 1, ["running"] = 1 }, store.QueueCounts(id));
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public void AnExpiredLeaseIsRunOnceMoreThenFailedAndALateResultCountsOnce(string backend)
    {
        using var store = new ExperimentStore(Location(backend));
        long id = store.Create("nb201", "obj", "rep", ["random"], 2, 1, 0).Id;
        var a = new QueuedTrial(id, "random", 0, 1, "a", 0);
        var b = new QueuedTrial(id, "random", 0, 2, "b", 0);
        store.Submit(a);
        store.Submit(b);
        var shortLease = TimeSpan.FromMilliseconds(50);
        var first = store.Claim("w1", shortLease, id)!;
        Assert.Equal(a, first.Trial);
        store.Claim("w1", shortLease, id);   // b
        Thread.Sleep(120);
        var retry = store.Claim("w2", TimeSpan.FromMinutes(1), id)!;   // a again: its lease expired
        Assert.Equal((a, 2), (retry.Trial, retry.Attempt));
        Assert.False(store.Renew(first, shortLease));                // w1 lost it
        Assert.True(store.Complete(new QueuedResult(first.Trial, 0.3, 0.3, 0, 1, null)));   // w1's late result is kept...
        Assert.False(store.Complete(new QueuedResult(retry.Trial, 0.3, 0.3, 0, 1, null)));  // ...and w2's is not kept again
        var bRetry = store.Claim("w2", shortLease, id)!;
        Assert.Equal((b, 2), (bRetry.Trial, bRetry.Attempt));
        Thread.Sleep(120);
        Assert.Null(store.Claim("w3", shortLease, id));   // b's second expiry fails it
        var failed = store.Finished(id).Single(r => r.Trial.Query == 2);
        Assert.Equal(ExperimentStore.LostTwice, failed.Error);
        Assert.Equal(2, store.Attempts(id)[("random", 0, 2)]);
        Assert.Equal(new Dictionary<string, int> { ["done"] = 1, ["failed"] = 1 }, store.QueueCounts(id));
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public void AnOlderSchemaIsMigratedForwardAndANewerOneRefused(string backend)
    {
        string at = Location(backend);
        long id;
        using (var store = new ExperimentStore(at))
        {
            id = store.Create("nb201", "obj", "rep", ["random"], 5, 1, 0).Id;
            store.Finish(id, new Trial("random", 0, 1, "a1", 0.5, 0.25), "t");
        }
        // Back to what schema version 3 wrote: no queue, no run tables, no kind or asynchronous trial columns.
        Sql(at, """
            DROP TABLE requests; DROP TABLE run_metrics; DROP TABLE run_samples;
            ALTER TABLE trials DROP COLUMN asked_after; ALTER TABLE trials DROP COLUMN told; ALTER TABLE trials DROP COLUMN error;
            ALTER TABLE experiments DROP COLUMN kind; UPDATE meta SET value = '3' WHERE key = 'schema_version';
            """);
        var migrate = CliRunner.Run("store", "migrate", "--store", at);
        Assert.True(migrate.Code == 0, migrate.Err);
        Assert.Contains("schema version 3 -> 5", migrate.Out);
        Assert.Contains("4: asynchronous trials and the worker queue", migrate.Out);
        Assert.Contains("schema version 5, current", CliRunner.Run("store", "migrate", "--store", at).Out);
        Sql(at, """
            DROP TABLE requests; DROP TABLE run_metrics; DROP TABLE run_samples;
            ALTER TABLE trials DROP COLUMN asked_after; ALTER TABLE trials DROP COLUMN told; ALTER TABLE trials DROP COLUMN error;
            ALTER TABLE experiments DROP COLUMN kind; UPDATE meta SET value = '3' WHERE key = 'schema_version';
            """);
        using (var old = ExperimentStore.OpenReadOnly(at))   // a viewer reads an older schema without migrating it
        {
            Assert.Equal(3, old.OpenedVersion);
            Assert.Equal("search", old.Get(id).Kind);
            Assert.Empty(old.QueueCounts(id));
        }
        using (var store = new ExperimentStore(at))
        {
            Assert.Equal(3, store.OpenedVersion);
            Assert.Equal("search", store.Get(id).Kind);
            Assert.Single(store.Trials(id));
            store.Submit(new QueuedTrial(id, "random", 0, 2, "a2", 1));   // the queue is there now
            Assert.Single(store.Outstanding(id));
        }
        using (var store = new ExperimentStore(at)) Assert.Equal(ExperimentStore.SchemaVersion, store.OpenedVersion);
        Sql(at, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
        var e = Assert.Throws<NagDataException>(() => new ExperimentStore(at));
        Assert.EndsWith("experiment store of schema version 99, newer than this NagSharp reads (up to 5); use a newer NagSharp", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public void AForeignDatabaseIsRefusedAndLeftAsItWas(string backend)
    {
        string at = Location(backend);
        Sql(at, "CREATE TABLE customers (id INTEGER, name TEXT); INSERT INTO customers VALUES (1, 'x');");
        var e = Assert.Throws<NagDataException>(() => new ExperimentStore(at));
        Assert.Contains("not a NagSharp experiment store", e.Message);
        Assert.Contains("'customers'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Sql(at, "INSERT INTO customers VALUES (2, 'y')");   // still its own table, still writable
        if (backend == "postgresql") Assert.Throws<Npgsql.PostgresException>(() => TestPostgres.Sql(at, "SELECT * FROM meta"));
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public void ALiveRunHoldsItsExperiment(string backend)
    {
        string at = Location(backend);
        using var store = new ExperimentStore(at);
        long id = store.Create("nb201", "obj", "rep", ["random"], 5, 1, 0).Id;
        using (var lease = store.Acquire(id))
        {
            using var other = new ExperimentStore(at);
            Assert.Contains($"experiment {id} is being run by process {Environment.ProcessId}", Assert.Throws<NagUserException>(() => other.Acquire(id)).Message);
        }
        using (store.Acquire(id)) { }
    }

    [Fact]
    public void ABadPostgresUrlIsAOneLineError()
    {
        var e = Assert.Throws<NagUserException>(() => new ExperimentStore("postgresql://user:secret@host"));
        Assert.Equal("postgresql://user:***@host: a PostgreSQL store URL needs a host and a database (postgresql://user@host:port/database)", e.Message);
        var down = Assert.Throws<NagDataException>(() => new ExperimentStore("postgresql://nobody@127.0.0.1:1/none"));
        Assert.StartsWith("postgresql://nobody@127.0.0.1:1/none: cannot open experiment store (", down.Message);
        Assert.DoesNotContain('\n', down.Message);
    }
}
