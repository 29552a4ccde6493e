using System.Globalization;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Tests;

public sealed class SearchTests
{
    [SkippableTheory]
    [InlineData("random")]
    [InlineData("evolution")]
    [InlineData("local")]
    public void StrategiesSpendExactlyTheBudgetOnDistinctArchitecturesAndAreReproducible(string name)
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        var a = SearchHarness.Run(StrategyRegistry.Create(name, space, 3), data, "cifar10_valid_acc200", "cifar10_test_acc200", 60, 3);
        var b = SearchHarness.Run(StrategyRegistry.Create(name, space, 3), data, "cifar10_valid_acc200", "cifar10_test_acc200", 60, 3);
        Assert.Equal(60, a.Count);
        Assert.Equal(Enumerable.Range(1, 60), a.Select(t => t.Query));
        Assert.Equal(60, a.Select(t => t.Arch).Distinct().Count());
        Assert.Equal(a, b);
        foreach (var t in a.Take(5))
        {
            var arch = space.Parse(t.Arch);
            Assert.Equal(data.Get(arch, "cifar10_valid_acc200"), t.Objective);
            Assert.Equal(data.Get(arch, "cifar10_test_acc200"), t.Report);
        }
    }

    [SkippableFact]
    public void LocalSearchMovesToBetterNeighbours()
    {
        var data = TestData.Nb201;
        var trials = SearchHarness.Run(new LocalSearch(new Nb201Space(), 1), data, "cifar10_valid_acc200", "cifar10_test_acc200", 100, 1);
        // After the start and its 24 neighbours, the best so far can only have improved.
        Assert.True(trials.Take(25).Max(t => t.Objective) >= trials[0].Objective);
        Assert.True(trials.Max(t => t.Objective) > trials[0].Objective);
    }

    [SkippableFact]
    public void SummaryUsesBestObjectiveSoFarAndCensorsQueriesToOptimum()
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        var best = data.ColumnEntries("cifar10_valid_acc200").MaxBy(e => e.Value).Arch.ToString();
        var other = data.ColumnEntries("cifar10_valid_acc200").MinBy(e => e.Value).Arch.ToString();
        var trials = new List<Trial>
        {
            new("x", 0, 1, other, 10, 11), new("x", 0, 2, best, 91.6, 94.3),
            new("x", 1, 1, other, 10, 13), new("x", 1, 2, other, 9, 99),
        };
        var s = SearchHarness.Summarise("x", trials, data, "cifar10_valid_acc200", 2);
        Assert.Equal(2, s.Seeds);
        Assert.Equal((94.3 + 13) / 2, s.BestReport[2].Mean, 6);   // seed 1's best objective is query 1 (report 13), not the larger report 99
        Assert.Equal(1, s.FoundOptimum);
        Assert.Equal((2 + 2) / 2.0, s.QueriesToOptimum, 6);       // found at 2; the censored run counts as the budget (2)
    }

    [SkippableFact]
    public void SearchCommandWritesTrialsAndSummariesAndRejectsBadInput()
    {
        string data = TestData.RequireDir();
        string dir = Path.Combine(Path.GetTempPath(), "nagsharp-search-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, _, err) = CliRunner.Run("search", "--objective", "cifar10_valid_acc200", "--report", "cifar10_test_acc200", "--budget", "12",
                "--seeds", "2", "--strategy", "random", "--strategy", "evolution", "--strategy", "local", "--out", dir, "--data-dir", data);
            Assert.True(code == 0, err);
            var lines = File.ReadAllLines(Path.Combine(dir, "trials.csv"));
            Assert.Equal("strategy,seed,query,arch,objective,report", lines[0]);
            Assert.Equal(1 + 3 * 2 * 12, lines.Length);
            Assert.True(File.Exists(Path.Combine(dir, "summary.json")));
            Assert.StartsWith("strategy,seeds,mean_at_10", File.ReadAllLines(Path.Combine(dir, "summary.csv"))[0]);
            var plot = CliRunner.Run("plot", dir, "--data-dir", data);
            Assert.True(plot.Code == 0, plot.Err);
            foreach (var png in new[] { "best_so_far.png", "regret.png", "queries_to_optimum.png" })
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(dir, png))[..4]);
            Assert.Equal(2, CliRunner.Run("plot", Path.Combine(dir, "missing"), "--data-dir", data).Code);
            Assert.Equal(1, CliRunner.Run("search", "--objective", "cifar10_valid_acc200", "--report", "cifar10_test_acc200", "--strategy", "magic", "--out", dir, "--data-dir", data).Code);
            Assert.Equal(1, CliRunner.Run("search", "--objective", "nope", "--report", "cifar10_test_acc200", "--out", dir, "--data-dir", data).Code);
            Assert.Equal(1, CliRunner.Run("search", "--objective", "cifar10_valid_acc200", "--report", "cifar10_test_acc200", "--budget", "0", "--out", dir, "--data-dir", data).Code);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [SkippableFact]
    public void MinimizeSearchesLowerIsBetterObjectivesTheRightWay()
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        const string obj = "cifar10_valid_acc200", rep = "cifar10_test_acc200";
        var up = SearchHarness.Run(new RegularizedEvolution(space, 4), data, obj, rep, 60, 4);
        var down = SearchHarness.Run(new RegularizedEvolution(space, 4), data, obj, rep, 60, 4, minimize: true);
        Assert.True(down.Skip(20).Average(t => t.Objective) < up.Skip(20).Average(t => t.Objective) - 10);
        // The summary's best-so-far follows the lowest objective, and the optimum is the table's minimum.
        var summary = SearchHarness.Summarise("evolution", down, data, obj, 60, minimize: true);
        var lowest = down.MinBy(t => t.Objective)!;
        Assert.Equal(lowest.Report, summary.BestReport[60].Mean, 6);
        double min = data.ColumnEntries(obj).Min(e => e.Value);
        Assert.Equal(down.Any(t => t.Objective == min) ? 1 : 0, summary.FoundOptimum);

        string dir = Path.Combine(Path.GetTempPath(), "nagsharp-min-" + Guid.NewGuid().ToString("N"));
        try
        {
            var run = CliRunner.Run("search", "--objective", obj, "--report", rep, "--strategy", "evolution", "--budget", "30", "--seeds", "1",
                "--minimize", "--out", dir, "--data-dir", TestData.RequireDir());
            Assert.True(run.Code == 0, run.Err);
            Assert.Contains("\"minimize\":true", File.ReadAllText(Path.Combine(dir, "summary.json")));
            Assert.Equal(0, CliRunner.Run("plot", dir, "--data-dir", TestData.RequireDir()).Code);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [SkippableFact]
    public void PoolingBlocksOfSeedsEqualsOneRunOverAllSeedsAndRefusesDifferentSearches()
    {
        string data = TestData.RequireDir();
        using var dir = new TempDir();
        string[] Search(string objective, string report, int first, int seeds, string outDir) => ["search", "--objective", objective, "--report", report,
            "--strategy", "random", "--strategy", "evolution", "--budget", "12", "--seeds", seeds.ToString(CultureInfo.InvariantCulture),
            "--seed", first.ToString(CultureInfo.InvariantCulture), "--out", dir.File(outDir), "--data-dir", data];
        const string Obj = "cifar10_valid_acc200", Rep = "cifar10_test_acc200";
        Assert.Equal(0, CliRunner.Run(Search(Obj, Rep, 0, 2, "a")).Code);
        Assert.Equal(0, CliRunner.Run(Search(Obj, Rep, 2, 2, "b")).Code);
        Assert.Equal(0, CliRunner.Run(Search(Obj, Rep, 0, 4, "all")).Code);
        var pooled = CliRunner.Run("pool", dir.File("a"), dir.File("b"), "--out", dir.File("p"), "--data-dir", data);
        Assert.True(pooled.Code == 0, pooled.Err);
        // Blocks of seeds 0-1 and 2-3 renumbered in order are exactly the run over seeds 0-3.
        Assert.Equal(File.ReadAllText(dir.File("all", "trials.csv")), File.ReadAllText(dir.File("p", "trials.csv")));
        Assert.Equal(File.ReadAllText(dir.File("all", "summary.csv")), File.ReadAllText(dir.File("p", "summary.csv")));
        Assert.True(File.Exists(dir.File("p", "best_so_far.png")));
        Assert.Contains("standard error", pooled.Out);

        Assert.Equal(0, CliRunner.Run(Search("cifar100_valid_acc200", "cifar100_test_acc200", 0, 1, "other")).Code);
        var mixed = CliRunner.Run("pool", dir.File("a"), dir.File("other"), "--out", dir.File("q"), "--data-dir", data);
        Assert.Equal(1, mixed.Code);
        Assert.Equal($"nag: error: {dir.File("other")}: objective differs from {dir.File("a")}; only runs of the same search can be pooled", mixed.Err.Trim());
        Assert.False(Directory.Exists(dir.File("q")));
        var missing = CliRunner.Run("pool", dir.File("a"), dir.File("none"), "--out", dir.File("r"), "--data-dir", data);
        Assert.Equal(2, missing.Code);
        Assert.Single(missing.Err.Trim().Split('\n'));
    }
}
