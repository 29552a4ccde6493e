using System.Globalization;
using NagSharp.Experiments;
using NagSharp.Search;

namespace NagSharp.Tests;

/// <summary>The numbers behind <c>nag plot</c>: curves, regret, histogram bins and ticks (no pixels).</summary>
public sealed class SearchPlotTests
{
    private static readonly SearchHeader Header = new("nb201", "acc", "acc", Budget: 6, Minimize: false, Settings: null);

    /// <summary>One run: the objective (= report) value of each query in order; the arch string names the value.</summary>
    private static IEnumerable<Trial> Run(string strategy, int seed, params double[] values) =>
        values.Select((v, i) => new Trial(strategy, seed, i + 1, $"a{v.ToString(CultureInfo.InvariantCulture)}", v, v));

    private static readonly HashSet<string> Optimum = new(StringComparer.Ordinal) { "a10" };

    [Fact]
    public void IdenticalCurvesAreNamedNotHidden()
    {
        var trials = Run("random", 0, 1, 5, 3, 10, 2, 2).Concat(Run("random", 1, 4, 4, 6, 7, 8, 9))
            .Concat(Run("evolution", 0, 1, 5, 3, 10, 2, 2)).Concat(Run("evolution", 1, 4, 4, 6, 7, 8, 9))
            .Concat(Run("local", 0, 1, 5, 5, 5, 5, 10)).Concat(Run("local", 1, 4, 4, 6, 7, 8, 9)).ToList();
        var d = SearchPlotData.Compute(Header, trials, Optimum, bestReport: 10);
        Assert.Equal([null, "random", null], d.BestSoFar.Select(c => c.SameAs));
        Assert.Equal([null, "random", null], d.Regret.Select(c => c.SameAs));
        Assert.Equal([2.5, 4.5, 5.5, 8.5, 9, 9.5], d.BestSoFar[0].Mean);
        // Markers of two identical curves never sit on the same query.
        var first = SearchPlotData.MarkerQueries(60, 0, 2);
        var second = SearchPlotData.MarkerQueries(60, 1, 2);
        Assert.Empty(first.Intersect(second));
        Assert.All(first.Concat(second), q => Assert.InRange(q, 1, 60));
        Assert.InRange(first.Length, 10, 13);
    }

    [Fact]
    public void RegretIsTheDistanceToTheTablesBestAndNeverNegative()
    {
        var trials = Run("random", 0, 1, 5, 3, 10, 2, 2).Concat(Run("random", 1, 4, 4, 6, 7, 8, 9)).ToList();
        var d = SearchPlotData.Compute(Header, trials, Optimum, bestReport: 10);
        // Per query: run 0 has 9, 5, 5, 0, 0, 0 to go; run 1 has 6, 6, 4, 3, 2, 1.
        Assert.Equal([7.5, 5.5, 4.5, 1.5, 1, 0.5], d.Regret[0].Mean);
        Assert.All(d.Regret[0].Lower, v => Assert.True(v >= 0));
        Assert.All(d.Regret[0].Upper.Zip(d.Regret[0].Mean), p => Assert.True(p.First >= p.Second));
        // Lower-is-better: the best is the smallest value and regret counts upwards from it.
        var min = SearchPlotData.Compute(Header with { Minimize = true }, Run("random", 0, 9, 3, 5, 1, 2, 2).ToList(), new HashSet<string> { "a1" }, bestReport: 1);
        Assert.Equal([8, 2, 2, 0, 0, 0], min.Regret[0].Mean);
        Assert.Equal([9, 3, 3, 1, 1, 1], min.BestSoFar[0].Mean);
    }

    [Fact]
    public void HistogramCountsEveryRunOnceInWholeQueryBins()
    {
        var trials = Run("random", 0, 1, 5, 3, 10, 2, 2).Concat(Run("random", 1, 4, 4, 6, 7, 8, 9)).Concat(Run("random", 2, 10, 1, 1, 1, 1, 1)).ToList();
        var d = SearchPlotData.Compute(Header, trials, Optimum, bestReport: 10);
        Assert.Equal(["1", "2", "3", "4", "5", "6", "not found"], d.Bins.Select(b => b.Label));
        Assert.Equal([1, 0, 0, 1, 0, 0, 1], d.RunsPerBin["random"]);
        for (int budget = 1; budget <= 250; budget++)
        {
            var bins = SearchPlotData.BinsFor(budget);
            Assert.True(bins[^1].NotFound);
            var covered = bins.SkipLast(1).SelectMany(b => Enumerable.Range(b.First, b.Last - b.First + 1)).ToList();
            Assert.Equal(Enumerable.Range(1, budget), covered);   // every query once, in order, no empty bin
            Assert.All(bins.SkipLast(1), b => Assert.True(b.Last >= b.First));
            Assert.InRange(bins.Count - 1, 1, SearchPlotData.MaxBins);
        }
        Assert.Equal(["1-2", "3-5", "6-7", "8-10", "11-12", "13-15", "16-17", "18-20", "21-22", "23-25", "not found"], SearchPlotData.BinsFor(25).Select(b => b.Label));
    }

    [Fact]
    public void CountTicksAreWholeNonNegativeAndCoverTheMaximum()
    {
        for (int max = 0; max <= 2000; max++)
        {
            var ticks = SearchPlotData.CountTicks(max);
            Assert.Equal(0, ticks[0].Position);
            Assert.True(ticks[^1].Position >= Math.Max(1, max), $"max {max}: last tick {ticks[^1].Position}");
            Assert.InRange(ticks.Count, 2, 7);
            double step = ticks[1].Position;
            Assert.True(step >= 1 && step == Math.Floor(step));
            for (int i = 0; i < ticks.Count; i++)
            {
                Assert.Equal(i * step, ticks[i].Position);
                Assert.Equal(((int)ticks[i].Position).ToString(CultureInfo.InvariantCulture), ticks[i].Label);
            }
        }
    }

    [Theory]
    [InlineData(0.3, 6)]
    [InlineData(0.004, 12)]
    [InlineData(1e-5, 1e3)]
    [InlineData(1.1, 1.9)]
    [InlineData(2, 2)]
    public void LogTicksSitAtTheirValuesInsideTheRange(double min, double max)
    {
        var ticks = SearchPlotData.LogTicks(min, max);
        Assert.True(ticks.Count >= 2);
        foreach (var t in ticks)
        {
            double value = double.Parse(t.Label, CultureInfo.InvariantCulture);
            Assert.Equal(Math.Log10(value), t.Position, 9);
            Assert.InRange(value, min * 0.999, max * 1.001);
        }
        Assert.Equal(ticks.OrderBy(t => t.Position).Select(t => t.Position), ticks.Select(t => t.Position));
        Assert.Throws<ArgumentOutOfRangeException>(() => SearchPlotData.LogTicks(0, 1));
    }
}
