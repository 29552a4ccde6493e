using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using NagSharp.Search;
using NagSharp.Store;

namespace NagSharp.Tests;

/// <summary>The experiment store with files that are not its own, failures after opening, and concurrent runs.</summary>
[Collection(TorchCollection.Name)]   // the CLI cases run searches, which set torch's thread count
public sealed class StoreSafetyTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _tmp.Dispose();
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static void Sql(string path, string sql)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public void AForeignDatabaseWithAnExperimentsTableIsRefusedWithItsBytesUnchanged()
    {
        string foreign = _tmp.File("lab.db");
        Sql(foreign, "CREATE TABLE experiments (id INTEGER PRIMARY KEY, title TEXT); INSERT INTO experiments (title) VALUES ('mice');");
        string before = Hash(foreign);
        var e = Assert.Throws<NagDataException>(() => new ExperimentStore(foreign));
        Assert.Equal($"{foreign}: not a NagSharp experiment store (its table 'experiments' has no column 'created')", e.Message);
        Assert.Equal(before, Hash(foreign));
        Assert.False(File.Exists(foreign + "-wal"));

        // Our three tables beside one of its own: still another program's file.
        string mixed = _tmp.File("mixed.db");
        using (var s = new ExperimentStore(_tmp.File("template.db"))) { }
        File.Copy(_tmp.File("template.db"), mixed);
        Sql(mixed, "PRAGMA application_id=0; CREATE TABLE customers (id INTEGER);");
        string mixedBefore = Hash(mixed);
        Assert.Contains("table 'customers'", Assert.Throws<NagDataException>(() => new ExperimentStore(mixed)).Message);
        Assert.Equal(mixedBefore, Hash(mixed));

        // Through the CLI: one line, exit 2, the file untouched.
        var run = CliRunner.Run("runs", "list", "--store", foreign);
        Assert.Equal(2, run.Code);
        Assert.Single(run.Err.Trim().Split('\n'));
        Assert.Equal(before, Hash(foreign));
    }

    [Fact]
    public void FilesThatAreNoDatabaseAreRefusedUnchanged()
    {
        string text = _tmp.File("notes.db");
        File.WriteAllText(text, "name,value\n1,2\n");
        string textBefore = Hash(text);
        Assert.Equal($"{text}: not a NagSharp experiment store (not an SQLite database)", Assert.Throws<NagDataException>(() => new ExperimentStore(text)).Message);
        Assert.Equal(textBefore, Hash(text));

        // A valid header over garbage pages: SQLite's own complaint, on one line, naming the file.
        string corrupt = _tmp.File("corrupt.db");
        using (var s = new ExperimentStore(_tmp.File("good.db"))) s.Create("nb201", "a", "b", ["random"], 5, 1, 0);
        SqliteConnection.ClearAllPools();
        var bytes = File.ReadAllBytes(_tmp.File("good.db"));
        for (int i = 100; i < bytes.Length; i++) bytes[i] = (byte)(i * 31);
        File.WriteAllBytes(corrupt, bytes);
        string before = Hash(corrupt);
        var e = Assert.Throws<NagDataException>(() => new ExperimentStore(corrupt));
        Assert.StartsWith($"{corrupt}: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(before, Hash(corrupt));
    }

    [Fact]
    public void AStoreWrittenBeforeApplicationIdsAndSettingsStillOpens()
    {
        string old = _tmp.File("old.db");
        Sql(old, """
            CREATE TABLE experiments (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, space TEXT NOT NULL, objective TEXT NOT NULL,
                report TEXT NOT NULL, strategies TEXT NOT NULL, budget INTEGER NOT NULL, seeds INTEGER NOT NULL, first_seed INTEGER NOT NULL, status TEXT NOT NULL);
            INSERT INTO experiments (created, space, objective, report, strategies, budget, seeds, first_seed, status)
                VALUES ('2026-01-01', 'nb201', 'a', 'b', 'random', 5, 1, 0, 'done');
            """);
        using var s = new ExperimentStore(old);
        Assert.Equal("{}", s.Get(1).Settings);
    }

    [Fact]
    public void ALockHeldPastTheBusyTimeoutIsAOneLineErrorNamingTheStore()
    {
        string db = _tmp.File("busy.db");
        using var store = new ExperimentStore(db, busyTimeout: TimeSpan.FromMilliseconds(200));
        using var other = new SqliteConnection($"Data Source={db};Pooling=False");
        other.Open();
        using (var cmd = other.CreateCommand()) { cmd.CommandText = "BEGIN EXCLUSIVE;"; cmd.ExecuteNonQuery(); }
        var e = Assert.Throws<NagDataException>(() => store.Create("nb201", "a", "b", ["random"], 5, 1, 0));
        Assert.Equal($"{db}: cannot record the experiment (another process holds the database locked longer than the busy timeout)", e.Message);
        using (var cmd = other.CreateCommand()) { cmd.CommandText = "ROLLBACK;"; cmd.ExecuteNonQuery(); }
        Assert.Equal(1, store.Create("nb201", "a", "b", ["random"], 5, 1, 0).Id);
    }

    [Fact]
    public void AFullDiskMidRunIsAOneLineErrorNamingTheStore()
    {
        string db = _tmp.File("full.db");
        using var store = new ExperimentStore(db);
        var e = store.Create("nb201", "a", "b", ["random"], 100000, 1, 0);
        store.LimitPages(1);   // clamped to the pages the file has now: the next page it needs does not fit
        var error = Assert.Throws<NagDataException>(() =>
        {
            for (int q = 1; q <= 100000; q++) store.Finish(e.Id, new Trial("random", 0, q, new string('x', 200), q, q), "t");
        });
        Assert.Equal($"{db}: cannot record a trial (the disk is full)", error.Message);
    }

    [Fact]
    public void ASecondRunOfAnExperimentIsRefusedWhileTheFirstHoldsIt()
    {
        string db = _tmp.File("lease.db");
        using var first = new ExperimentStore(db);
        using var second = new ExperimentStore(db);
        long id = first.Create("nb201", "a", "b", ["random"], 5, 1, 0).Id;
        using (first.Acquire(id))
        {
            var e = Assert.Throws<NagUserException>(() => second.Acquire(id));
            Assert.StartsWith($"{db}: experiment {id} is being run by process {Environment.ProcessId} on {Environment.MachineName}", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        using (second.Acquire(id)) { }   // released at the end of the first run
    }

    [Fact]
    public void ALeaseOfAKilledOrSilentRunExpires()
    {
        string db = _tmp.File("stale.db");
        using var store = new ExperimentStore(db);
        long id = store.Create("nb201", "a", "b", ["random"], 5, 1, 0).Id;
        // A process of this machine that is gone (as after kill -9): its lease is stale at once, whatever its expiry.
        using (var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            gone.WaitForExit();
            Sql(db, $"INSERT OR REPLACE INTO leases VALUES ({id}, 'dead', {gone.Id}, '{Environment.MachineName}', '2999-01-01T00:00:00.0000000Z');");
        }
        using (store.Acquire(id)) { }
        // Another machine: only the expiry tells; a past one is stale, a future one holds.
        Sql(db, $"INSERT OR REPLACE INTO leases VALUES ({id}, 'far', 1, 'elsewhere', '2000-01-01T00:00:00.0000000Z');");
        using (store.Acquire(id)) { }
        Sql(db, $"INSERT OR REPLACE INTO leases VALUES ({id}, 'far', 1, 'elsewhere', '2999-01-01T00:00:00.0000000Z');");
        Assert.Contains("process 1 on elsewhere", Assert.Throws<NagUserException>(() => store.Acquire(id)).Message);
    }

    [SkippableFact]
    public void ResumeIsRefusedWhileAnotherRunHoldsTheExperimentAndWhenFlagsContradictIt()
    {
        string data = TestData.RequireDir();
        string db = _tmp.File("cli.db");
        var first = CliRunner.Run("search", "--objective", "cifar10_valid_acc200", "--report", "cifar10_test_acc200", "--strategy", "random",
            "--budget", "6", "--seeds", "1", "--out", _tmp.File("a"), "--store", db, "--data-dir", data);
        Assert.True(first.Code == 0, first.Err);
        string before = File.ReadAllText(_tmp.File("a", "trials.csv"));

        using (var holder = new ExperimentStore(db))
        using (holder.Acquire(1))
        {
            var second = CliRunner.Run("search", "--resume", "1", "--store", db, "--out", _tmp.File("b"), "--data-dir", data);
            Assert.Equal(1, second.Code);
            Assert.Single(second.Err.Trim().Split('\n'));
            Assert.Contains("experiment 1 is being run by process", second.Err);
            Assert.False(Directory.Exists(_tmp.File("b")));
        }

        var budget = CliRunner.Run("search", "--resume", "1", "--budget", "20", "--store", db, "--out", _tmp.File("c"), "--data-dir", data);
        Assert.Equal(1, budget.Code);
        Assert.Equal($"nag: error: --budget 20 contradicts experiment 1 of {db}, which has --budget 6; --resume continues the experiment as recorded: drop the flag, or start a new experiment",
            budget.Err.Trim());
        foreach (var (flag, value) in new[] { ("--objective", "cifar100_valid_acc200"), ("--space", "nb101"), ("--strategy", "evolution"), ("--acquisition", "ei"), ("--seed", "3") })
        {
            var r = CliRunner.Run("search", "--resume", "1", flag, value, "--store", db, "--out", _tmp.File("c"), "--data-dir", data);
            Assert.Equal(1, r.Code);
            Assert.Contains($"{flag} {value} contradicts experiment 1", r.Err);
        }
        var minimize = CliRunner.Run("search", "--resume", "1", "--minimize", "--store", db, "--out", _tmp.File("c"), "--data-dir", data);
        Assert.Contains("--minimize on contradicts experiment 1", minimize.Err);
        Assert.False(Directory.Exists(_tmp.File("c")));

        // The stored values given again agree: the resumed run is the recorded one.
        var same = CliRunner.Run("search", "--resume", "1", "--budget", "6", "--strategy", "random", "--objective", "cifar10_valid_acc200",
            "--store", db, "--out", _tmp.File("d"), "--data-dir", data);
        Assert.True(same.Code == 0, same.Err);
        Assert.Equal(before, File.ReadAllText(_tmp.File("d", "trials.csv")));
    }
}
