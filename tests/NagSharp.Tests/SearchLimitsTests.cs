using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>Budgets a search can never spend and strategies that run out of new proposals end at once, with a reason.</summary>
[Collection(TorchCollection.Name)]   // the CLI case runs a search, which sets torch's thread count
public sealed class SearchLimitsTests
{
    /// <summary>Proposes one architecture forever: after its first query, every ask is a repeat.</summary>
    private sealed class Stuck(Arch arch) : ISearchStrategy
    {
        public int Asks { get; private set; }
        public string Name => "stuck";
        public Arch Ask() { Asks++; return arch; }
        public void Tell(Arch a, double objective) { }
    }

    [SkippableFact]
    public void AStrategyThatKeepsRepeatingItselfGivesUpQuickly()
    {
        var data = TestData.Nb201;
        var stuck = new Stuck(data.ArchOf(0));
        var e = Assert.Throws<NagUserException>(() => SearchHarness.Run(stuck, data, "cifar10_valid_acc200", "cifar10_test_acc200", 100, 0));
        Assert.Equal("strategy stuck stopped proposing new architectures the tables score (1001 repeated or unscored proposals in a row after 1 of 100 queries); lower the budget",
            e.Message);
        Assert.Equal(1 + SearchHarness.MaxWastedInARow + 1, stuck.Asks);
    }

    [SkippableFact]
    public void ABudgetAboveTheArchitecturesTheTablesScoreIsRefusedBeforeAnyWork()
    {
        var data = TestData.Nb201;
        Assert.Equal(15625, SearchHarness.Queryable(data, "cifar10_valid_acc200"));
        SearchHarness.CheckBudget(data, "cifar10_valid_acc200", 15625);
        var e = Assert.Throws<NagUserException>(() => SearchHarness.Run(new RandomSearch(new Nb201Space(), 0), data, "cifar10_valid_acc200", "cifar10_test_acc200", 15626, 0));
        Assert.Contains("budget 15626 is more than the 15625 distinct nb201 architectures", e.Message);

        using var tmp = new TempDir();
        string outDir = Path.Combine(tmp.Path, "out");
        var run = CliRunner.Run("search", "--objective", "cifar10_valid_acc200", "--report", "cifar10_test_acc200", "--strategy", "random",
            "--budget", "20000", "--seeds", "1", "--out", outDir, "--data-dir", TestData.RequireDir());
        Assert.Equal(1, run.Code);
        Assert.Equal("nag: error: budget 20000 is more than the 15625 distinct nb201 architectures the tables score on 'cifar10_valid_acc200'; every query is a new architecture, so the budget can be at most 15625",
            run.Err.Trim());
        Assert.False(Directory.Exists(outDir));
    }

    [SkippableFact]
    public void ABudgetOfEveryArchitectureATableOnlySpaceHoldsIsSpentExactly()
    {
        // NB101's tables hold a few hundred of its 423k cells: a search may query every one of them, not one more.
        var data = TestData.Nb101;
        const string Column = "val_accuracy";
        int n = SearchHarness.Queryable(data, Column);
        Assert.InRange(n, 2, 500);
        var space = new TableSpace(new Nb101Space(), data, Column);
        foreach (var name in new[] { "random", "evolution", "local" })
        {
            var trials = SearchHarness.Run(StrategyRegistry.Create(name, space, 1), data, Column, Column, n, 1);
            Assert.Equal(n, trials.Select(t => t.Arch).Distinct().Count());
        }
        var run = CliRunner.Run("search", "--space", "nb101", "--objective", Column, "--report", Column, "--strategy", "random",
            "--budget", (n + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--seeds", "1", "--out", Path.Combine(Path.GetTempPath(), "nagsharp-never-" + Guid.NewGuid().ToString("N")),
            "--data-dir", TestData.RequireDir());
        Assert.Equal(1, run.Code);
        Assert.Contains($"so the budget can be at most {n}", run.Err);
    }
}
