using NagSharp.Experiments;
using NagSharp.Networks;
using NagSharp.Store;

namespace NagSharp.Tests;

/// <summary>The search, pooling and latency protocols called as a C# user calls them, without the command line.</summary>
[Collection(TorchCollection.Name)]
public sealed class ExperimentsTests
{
    private const string Obj = "cifar10_valid_acc200", Rep = "cifar10_test_acc200";

    private static SearchRunSettings Small(string data, int firstSeed = 0) =>
        new("nb201", Obj, Rep, ["random", "evolution"], Budget: 10, Seeds: 2, FirstSeed: firstSeed, DataDir: data);

    [SkippableFact]
    public void SearchRunIsReproducibleAndItsOutputReadsBack()
    {
        string data = TestData.RequireDir();
        var steps = new List<ExperimentStep>();
        var a = SearchRun.Run(Small(data), ExperimentProgress.Of(e => { if (e is ExperimentStep s) steps.Add(s); }));
        var b = SearchRun.Run(Small(data));
        Assert.Equal(a.Trials, b.Trials);
        Assert.Equal(2 * 2 * 10, a.Trials.Count);
        Assert.Equal(["random", "evolution"], a.Summaries.Select(s => s.Strategy));
        Assert.Equal(4, steps.Count);
        Assert.Equal((4, 4), (steps[^1].Done, steps[^1].Total));

        using var dir = new TempDir();
        SearchOutput.Write(dir.Path, a);
        var (header, trials) = SearchOutput.Read(dir.Path);
        Assert.Equal(("nb201", Obj, Rep, 10, false), (header.Space, header.Objective, header.Report, header.Budget, header.Minimize));
        Assert.Equal(a.Trials, trials);
        Assert.Contains("\"random_candidates\":50", header.Settings);
    }

    [SkippableFact]
    public void PoolingRenumbersRunsAndRefusesDifferentSearches()
    {
        string data = TestData.RequireDir();
        using var dir = new TempDir();
        SearchOutput.Write(dir.File("a"), SearchRun.Run(Small(data)));
        SearchOutput.Write(dir.File("b"), SearchRun.Run(Small(data, firstSeed: 5)));
        var pooled = SearchPool.Pool([dir.File("a"), dir.File("b")], data);
        Assert.Equal(4, pooled.Seeds);
        Assert.Equal([0, 1, 2, 3], pooled.Trials.Where(t => t.Strategy == "random").Select(t => t.Seed).Distinct().Order());
        Assert.Null(pooled.Settings);
        SearchOutput.Write(dir.File("c"), SearchRun.Run(Small(data) with { Budget = 12 }));
        var e = Assert.Throws<NagUserException>(() => SearchPool.Pool([dir.File("a"), dir.File("c")], data));
        Assert.Contains("budget differs", e.Message);
    }

    [SkippableFact]
    public void ResumedSearchReplaysTheStoreAndQueriesNothingTwice()
    {
        string data = TestData.RequireDir();
        using var dir = new TempDir();
        string db = dir.File("runs.db");
        var first = SearchRun.Run(Small(data) with { Store = db });
        Assert.Equal(1, first.ExperimentId);
        var resumed = SearchRun.Run(new SearchRunSettings(Store: db, Resume: 1, DataDir: data));
        Assert.Equal(first.Trials, resumed.Trials);
        using var store = new ExperimentStore(db);
        Assert.Equal(first.Trials.Count, store.Trials(1).Count);
        Assert.Equal("resuming needs an experiment store",
            Assert.Throws<NagUserException>(() => SearchRun.Run(new SearchRunSettings(Resume: 1, DataDir: data))).Message);
    }

    [SkippableFact]
    public void SearchSettingsAreCheckedByTheirNames()
    {
        string data = TestData.RequireDir();
        Assert.Equal("budget and seeds must be at least 1", Assert.Throws<NagUserException>(() => SearchRun.Run(Small(data) with { Budget = 0 })).Message);
        Assert.Equal("random candidates must be at least 0, got -1",
            Assert.Throws<NagUserException>(() => new SearchSettings(RandomCandidates: -1).Bo()).Message);
        Assert.StartsWith("guidance must be a finite number", Assert.Throws<NagUserException>(() => new SearchSettings(Guidance: double.NaN).Bo()).Message);
        Assert.StartsWith("objective is required", Assert.Throws<NagUserException>(() => SearchRun.Run(new SearchRunSettings(DataDir: data))).Message);
    }

    [SkippableFact]
    public void LatencySurveyAppendsResumesCalibratesAndRechecks()
    {
        string data = TestData.RequireDir();
        using var dir = new TempDir();
        var settings = new LatencySurveySettings(All: true, Limit: 2, Meter: new LatencySettings(Warmup: 0, Repeats: 3), Width: 4, Cells: 1, InputSize: 8,
            Table: dir.File("local_ms.csv"), DataDir: data);
        var first = LatencySurvey.Run(settings);
        Assert.Equal([0, 1], first.Measured.Select(m => m.Key));
        Assert.Equal(2, first.RowsInTable);
        Assert.NotNull(first.Calibration);
        // The reference's row is its anchor, so later runs scale to exactly what this one did.
        Assert.Equal(first.Calibration!.AnchorMs, LatencyTable.Open(dir.File("local_ms.csv"), "local_ms", TestData.Nb201).Values[0]);
        var second = LatencySurvey.Run(settings with { Limit = 1, Recheck = 2 });
        Assert.Equal([2], second.Measured.Select(m => m.Key));
        Assert.Equal(3, second.RowsInTable);
        Assert.Equal(2, second.Rechecked.Count);
        Assert.NotNull(second.RunToRunNoise);
        Assert.Equal(first.Calibration.AnchorMs, second.Calibration!.AnchorMs);
        Assert.Equal(15625 - 3, second.Remaining);
        Assert.Equal(3, File.ReadAllLines(dir.File("local_ms.csv")).Length - 1);
    }

    [SkippableFact]
    public void LatencySettingsAreCheckedByTheirNames()
    {
        string data = TestData.RequireDir();
        Assert.Equal("threads must be at least 1, got 0", Assert.Throws<NagUserException>(() => new LatencySurveySettings(All: true, Table: "x.csv", Threads: 0).Validate()).Message);
        Assert.StartsWith("all needs a table", Assert.Throws<NagUserException>(() => new LatencySurveySettings(All: true).Validate()).Message);
        Assert.StartsWith("give sample files, all, or architectures", Assert.Throws<NagUserException>(() => new LatencySurveySettings().Validate()).Message);
        var arch = new Spaces.Nb201Space().Parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
        Assert.StartsWith("calibrate needs a table", Assert.Throws<NagUserException>(() =>
            LatencySurvey.Run(new LatencySurveySettings(Archs: [arch], Calibrate: true, Width: 4, Cells: 1, InputSize: 8, DataDir: data))).Message);
    }

    [Fact]
    public void ExportBenchAgreesWithOnnxRuntimeAndWritesItsJson()
    {
        var r = ExportBench.Run(new ExportBenchSettings(N: 2, Width: 4, Cells: 1, InputSize: 8));
        Assert.Equal(2, r.Archs.Count);
        Assert.Equal(0, r.OverTolerance);
        Assert.Equal(8, r.InputSize);
        using var dir = new TempDir();
        var cli = CliRunner.Run("bench", "export", "-n", "2", "--width", "4", "--cells", "1", "--input-size", "8", "--out", dir.File("e.json"));
        Assert.True(cli.Code == 0, cli.Err);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.File("e.json")));
        Assert.Equal(2, doc.RootElement.GetProperty("n").GetInt32());
        Assert.Equal(2, doc.RootElement.GetProperty("archs").GetArrayLength());
        Assert.Equal("nag: error: -n must be at least 1, got 0", CliRunner.Run("bench", "export", "-n", "0").Err.Trim());
    }
}
