using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using NagSharp.Search;
using NagSharp.Store;

namespace NagSharp.Tests;

/// <summary>The read-only way into an experiment store that viewers (the dashboard) use.</summary>
public sealed class DashboardStoreTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _tmp.Dispose();
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void AReadOnlyStoreReadsWhatWasRecordedAndChangesNothing()
    {
        string db = _tmp.File("runs.db");
        using (var w = new ExperimentStore(db))
        {
            var e = w.Create("nb201", "val_acc", "test_acc", ["random"], 5, 1, 0);
            w.Finish(e.Id, new Trial("random", 0, 0, "arch-a", 0.9, 0.8, 0, 1.5), "2026-01-01T00:00:00Z");
        }
        SqliteConnection.ClearAllPools();
        string before = Hash(db);

        using (var r = ExperimentStore.OpenReadOnly(db))
        {
            Assert.True(r.IsReadOnly);
            var e = Assert.Single(r.List());
            Assert.Equal("val_acc", r.Get(e.Id).Objective);
            var t = Assert.Single(r.Trials(e.Id));
            Assert.Equal(("arch-a", 0.9, 1.5), (t.Arch, t.Objective, t.Seconds));
            var write = Assert.Throws<NagDataException>(() => r.Create("nb201", "a", "b", ["random"], 5, 1, 0));
            Assert.StartsWith($"{db}: ", write.Message);
            Assert.Throws<NagDataException>(() => r.Complete(e.Id));
        }
        SqliteConnection.ClearAllPools();
        Assert.Equal(before, Hash(db));
        using var again = ExperimentStore.OpenReadOnly(db);
        Assert.Equal("running", again.List()[0].Status);
    }

    [Fact]
    public void AMissingOrEmptyFileIsAnErrorAndIsNotCreated()
    {
        string missing = _tmp.File("none.db");
        Assert.Equal($"{missing}: experiment store not found", Assert.Throws<NagDataException>(() => ExperimentStore.OpenReadOnly(missing)).Message);
        Assert.False(File.Exists(missing));
        string empty = _tmp.File("empty.db");
        File.WriteAllBytes(empty, []);
        Assert.Contains("empty database", Assert.Throws<NagDataException>(() => ExperimentStore.OpenReadOnly(empty)).Message);
        Assert.Equal(0, new FileInfo(empty).Length);
        string text = _tmp.File("notes.db");
        File.WriteAllText(text, "not a database at all, but long enough to have a header of one hundred bytes........................");
        Assert.Contains("not a NagSharp experiment store", Assert.Throws<NagDataException>(() => ExperimentStore.OpenReadOnly(text)).Message);
    }

    [Fact]
    public void AStoreFromBeforeSettingsAndConstraintsReadsWithDefaultsUnchanged()
    {
        string old = _tmp.File("old.db");
        using (var c = new SqliteConnection($"Data Source={old};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE experiments (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, space TEXT NOT NULL, objective TEXT NOT NULL,
                    report TEXT NOT NULL, strategies TEXT NOT NULL, budget INTEGER NOT NULL, seeds INTEGER NOT NULL, first_seed INTEGER NOT NULL, status TEXT NOT NULL);
                CREATE TABLE trials (experiment_id INTEGER NOT NULL, strategy TEXT NOT NULL, seed INTEGER NOT NULL, query INTEGER NOT NULL,
                    arch TEXT NOT NULL, objective REAL NOT NULL, report REAL NOT NULL, started TEXT NOT NULL, finished TEXT NOT NULL);
                INSERT INTO experiments (created, space, objective, report, strategies, budget, seeds, first_seed, status)
                    VALUES ('2026-01-01', 'nb201', 'a', 'b', 'random', 5, 1, 0, 'done');
                INSERT INTO trials VALUES (1, 'random', 0, 0, 'x', 1.0, 2.0, 's', 'f');
                """;
            cmd.ExecuteNonQuery();
        }
        string before = Hash(old);
        using (var s = ExperimentStore.OpenReadOnly(old))
        {
            Assert.Equal("{}", s.Get(1).Settings);
            Assert.Equal(0, Assert.Single(s.Trials(1)).Violation);
        }
        SqliteConnection.ClearAllPools();
        Assert.Equal(before, Hash(old));
    }

    [Fact]
    public void ASearchRecordedAsRunningThatNoRunHoldsIsShownAsFailed()
    {
        string db = _tmp.File("held.db");
        using var w = new ExperimentStore(db);
        var live = w.Create("nb201", "cifar10_valid_acc200", "cifar10_test_acc200", ["random"], 5, 1, 0);
        var dead = w.Create("nb201", "cifar10_valid_acc200", "cifar10_test_acc200", ["random"], 5, 1, 0);
        using var lease = w.Acquire(live.Id);
        Assert.True(w.IsHeld(live.Id));
        Assert.False(w.IsHeld(dead.Id));
        var view = new NagSharp.Dashboard.StoreView(db, db, null);
        var status = view.Experiments().ToDictionary(e => e.Id, e => e.Status);
        Assert.Equal("running", status[live.Id]);
        Assert.Equal("failed", status[dead.Id]);
        Assert.Equal([dead.Id], view.Experiments(status: "failed").Select(e => e.Id));
        lease.Dispose();
        Assert.False(w.IsHeld(live.Id));
    }

    [Fact]
    public void AGenerationRunRecordsTheShareOfItsArchitecturesMeetingEachCondition()
    {
        using var store = new ExperimentStore(_tmp.File("gen.db"));
        var result = new NagSharp.Experiments.GenerationRunResult
        {
            Generator = "g.ckpt", Report = new Dictionary<string, NagSharp.Experiments.ReportSummary?>(), Space = NagSharp.Spaces.SpaceRegistry.Get("nb201"),
            Best = [], Conditions = new Dictionary<string, double?> { ["fpga_ms<2"] = 0.9375, ["cifar10_valid_acc200>=top5%"] = null },
        };
        var e = RunRecords.Generation(store, new NagSharp.Experiments.GenerationRunSettings(), result);
        var metrics = store.Metrics(e.Id);
        Assert.Contains(metrics, m => m.Name == "satisfies fpga_ms<2" && m.Value == 0.9375);
        Assert.DoesNotContain(metrics, m => m.Name.StartsWith("satisfies cifar10", StringComparison.Ordinal));   // unknown: not a figure
    }
}
