using NagSharp.Search;
using NagSharp.Spaces;
using NagSharp.Store;

namespace NagSharp.Tests;

[Collection(TorchCollection.Name)]   // the BANANAS case trains torch ensembles
public sealed class ExperimentStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nagsharp-store-" + Guid.NewGuid().ToString("N"));

    public ExperimentStoreTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }

    /// <summary>Records into the store; "crashes" (throws) after the oracle was asked for query <c>crashAt</c> but before it is recorded.</summary>
    private sealed class Recorder(ExperimentStore store, long id, int crashAt = int.MaxValue) : ITrialRecorder
    {
        public int NewQueries { get; private set; }
        public void Start(string strategy, int seed, int query, string arch)
        {
            NewQueries++;
            store.Start(id, strategy, seed, query, arch);
            if (NewQueries == crashAt) throw new InvalidOperationException("simulated crash");
        }
        public void Finish(Trial trial) => store.Finish(id, trial, DateTime.UtcNow.ToString("O"));
    }

    [SkippableTheory]
    [InlineData("evolution")]
    [InlineData("local")]
    [InlineData("random")]
    [InlineData("bananas")]
    [InlineData("gp-bo")]
    public void ResumeAfterACrashLosesNoTrialAndQueriesNoneTwice(string strategy)
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        const string obj = "cifar10_valid_acc200", rep = "cifar10_test_acc200";
        var uninterrupted = SearchHarness.Run(StrategyRegistry.Create(strategy, space, 5), data, obj, rep, 40, 5);

        using var store = new ExperimentStore(Path.Combine(_dir, "runs.db"));
        var e = store.Create("nb201", obj, rep, [strategy], 40, 1, 5);
        var crashing = new Recorder(store, e.Id, crashAt: 17);
        Assert.Throws<InvalidOperationException>(() => SearchHarness.Run(StrategyRegistry.Create(strategy, space, 5), data, obj, rep, 40, 5, [], crashing));
        Assert.Equal(16, store.Trials(e.Id).Count);
        Assert.Equal(1, store.InFlight(e.Id));

        var resumed = new Recorder(store, e.Id);
        var trials = SearchHarness.Run(StrategyRegistry.Create(strategy, space, 5), data, obj, rep, 40, 5, store.Trials(e.Id), resumed);
        Assert.Equal(uninterrupted, trials);                   // same trials, same order
        Assert.Equal(40 - 16, resumed.NewQueries);              // the in-flight query is asked again once; recorded ones never
        Assert.Equal(40, store.Trials(e.Id).Count);
        Assert.Equal(0, store.InFlight(e.Id));
    }

    [SkippableFact]
    public void CliRecordsResumesListsAndShows()
    {
        string data = TestData.RequireDir();
        string db = Path.Combine(_dir, "cli.db");
        var first = CliRunner.Run("search", "--objective", "cifar10_valid_acc200", "--report", "cifar10_test_acc200", "--strategy", "evolution",
            "--budget", "15", "--seeds", "2", "--out", Path.Combine(_dir, "a"), "--db", db, "--data-dir", data);
        Assert.True(first.Code == 0, first.Err);
        Assert.Contains("experiment 1", first.Err);
        var resumed = CliRunner.Run("search", "--resume", "1", "--store", db, "--out", Path.Combine(_dir, "b"), "--data-dir", data);
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "a", "trials.csv")), File.ReadAllText(Path.Combine(_dir, "b", "trials.csv")));
        var list = CliRunner.Run("runs", "list", "--store", db);
        Assert.Equal(0, list.Code);
        Assert.Contains("done", list.Out);
        var show = CliRunner.Run("runs", "show", "1", "--store", db);
        Assert.Equal(0, show.Code);
        Assert.Contains("\"trials\":30", show.Out);
        Assert.Equal("its", System.Text.Json.JsonDocument.Parse(show.Out).RootElement.GetProperty("settings").GetProperty("acquisition").GetString());
        // A lower-is-better experiment shows its lowest objective as the best.
        string low = Path.Combine(_dir, "low.db");
        var minimized = CliRunner.Run("search", "--objective", "cifar10_valid_acc200", "--report", "cifar10_test_acc200", "--strategy", "random", "--minimize",
            "--budget", "10", "--seeds", "1", "--out", Path.Combine(_dir, "low"), "--store", low, "--data-dir", data);
        Assert.True(minimized.Code == 0, minimized.Err);
        double lowest = File.ReadAllLines(Path.Combine(_dir, "low", "trials.csv")).Skip(1)
            .Min(l => double.Parse(l.Split(',')[4], System.Globalization.CultureInfo.InvariantCulture));
        var lowShow = System.Text.Json.JsonDocument.Parse(CliRunner.Run("runs", "show", "1", "--store", low).Out).RootElement;
        Assert.Equal(lowest, lowShow.GetProperty("best_objective").GetProperty("random").GetDouble(), 9);
        Assert.True(lowShow.GetProperty("settings").GetProperty("minimize").GetBoolean());
        Assert.Equal(1, CliRunner.Run("runs", "show", "9", "--store", db).Code);
        Assert.Equal(2, CliRunner.Run("runs", "list", "--store", Path.Combine(_dir, "none.db")).Code);
        Assert.Equal(1, CliRunner.Run("search", "--resume", "1", "--out", Path.Combine(_dir, "c"), "--data-dir", data).Code);
    }

    [Fact]
    public void SettingsStoredBeforeLaterOptionsResumeWithTheirDefaults()
    {
        // An experiment recorded before --random-candidates, --cost-inputs, --surrogate-encoding and --ranker existed.
        var old = NagSharp.Experiments.SearchSettings.FromJson("""{"acquisition":"ei","guidance":10,"samples":64,"sample_steps":25}""", "runs.db: experiment 1");
        Assert.Equal("ei", old.Acquisition);
        Assert.Equal(new NagSharp.Experiments.SearchSettings(), old with { Acquisition = "its" });
        var now = new NagSharp.Experiments.SearchSettings("ucb", RandomCandidates: 7, CostInputs: true, SurrogateEncoding: "onehot+costs", Ranker: "gp");
        Assert.Equal(now, NagSharp.Experiments.SearchSettings.FromJson(now.ToJson(), "x") with { TransferFrom = now.TransferFrom });
    }

    [Fact]
    public void ForeignOrCorruptDatabasesAreRefusedWithoutBeingTouched()
    {
        string foreign = Path.Combine(_dir, "foreign.db");
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={foreign};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE customers (id INTEGER);";
            cmd.ExecuteNonQuery();
        }
        var before = File.ReadAllBytes(foreign);
        var e = Assert.Throws<NagDataException>(() => new ExperimentStore(foreign));
        Assert.Contains("foreign.db", e.Message);
        Assert.Contains("not a NagSharp experiment store", e.Message);
        Assert.Equal(before, File.ReadAllBytes(foreign));

        string corrupt = Path.Combine(_dir, "corrupt.db");
        File.WriteAllBytes(corrupt, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray());
        var e2 = Assert.Throws<NagDataException>(() => new ExperimentStore(corrupt));
        Assert.Contains("corrupt.db", e2.Message);

        string other = Path.Combine(_dir, "other-app.db");
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={other};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA application_id=1234;";
            cmd.ExecuteNonQuery();
        }
        Assert.Contains("application id", Assert.Throws<NagDataException>(() => new ExperimentStore(other)).Message);

        string ours = Path.Combine(_dir, "ours.db");
        using (var s = new ExperimentStore(ours)) s.Create("nb201", "a", "b", ["random"], 5, 1, 0, "{\"acquisition\":\"ei\"}");
        using (var s = new ExperimentStore(ours)) Assert.Equal("{\"acquisition\":\"ei\"}", s.Get(1).Settings);
        Assert.Equal(2, CliRunner.Run("runs", "list", "--store", foreign).Code);
    }
}
