using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>The GP surrogate and the gp-bo strategy.</summary>
[Collection(TorchCollection.Name)]
public sealed class GaussianProcessTests
{
    // Six categorical choices of five symbols as ±1 one-hots, like an NB201 cell's features.
    private static float[] OneHots(int[] choices) =>
        choices.SelectMany(c => Enumerable.Range(0, 5).Select(k => k == c ? 1f : -1f)).ToArray();

    private static (float[][] X, double[] Y) Additive(int count, int seed)
    {
        var rng = new Random(seed);
        var x = new List<float[]>();
        var y = new List<double>();
        for (int i = 0; i < count; i++)
        {
            var c = Enumerable.Range(0, 6).Select(_ => rng.Next(5)).ToArray();
            x.Add(OneHots(c));
            y.Add(c.Count(v => v == 3) - 1.2);   // more of symbol 3 is better: a smooth, learnable landscape
        }
        return (x.ToArray(), y.ToArray());
    }

    [Fact]
    public void ThePosteriorFitsTheDataRanksUnseenPointsAndRevertsToThePriorFarAway()
    {
        var (x, y) = Additive(60, 1);
        var gp = GaussianProcess.Fit(x, y);
        Assert.Contains(gp.Noise, GaussianProcess.NoiseVariances);
        var (mean, std) = gp.Predict(x);
        for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(mean[i] - y[i]) < 0.5, $"point {i}: {mean[i]} vs {y[i]}");

        // Unseen cells: the posterior mean orders them like the function does.
        var (tx, ty) = Additive(40, 2);
        var (tm, _) = gp.Predict(tx);
        Assert.True(Stats.Spearman(tm, ty) > 0.8, $"spearman {Stats.Spearman(tm, ty)}");

        // A point unlike every observation (all tens: squared distance over 3,000 from each row, whose pairs are about
        // 40 apart) gets the prior back.
        var (fm, fs) = gp.Predict([Enumerable.Repeat(10f, 30).ToArray()]);
        Assert.True(Math.Abs(fm[0]) < 0.2 && fs[0] > 0.9, $"far point {fm[0]} ± {fs[0]}");
        Assert.True(std.Max() < fs[0]);
    }

    [Fact]
    public void BadInputIsRefused()
    {
        var (x, y) = Additive(5, 3);
        Assert.Throws<ArgumentException>(() => GaussianProcess.Fit(x, y.Take(4).ToArray()));
        Assert.Throws<ArgumentException>(() => GaussianProcess.Fit(x, y.Select((v, i) => i == 2 ? double.NaN : v).ToArray()));
        Assert.Throws<ArgumentException>(() => GaussianProcess.Fit([], []));
        // Repeated identical observations stay positive definite thanks to the noise term.
        var same = GaussianProcess.Fit([x[0], x[0], x[0]], [0.1, 0.2, 0.3]);
        Assert.True(double.IsFinite(same.LogLikelihood));
    }

    [Fact]
    public void ATailOfSideInputsIsWeightedByLikelihood()
    {
        // The target follows a side column (think log-FLOPs); the one-hot head is unrelated to it.
        var rng = new Random(5);
        float[] Row(out double y)
        {
            var c = Enumerable.Range(0, 6).Select(_ => rng.Next(5)).ToArray();
            float side = (float)(rng.NextDouble() * 4 - 2);
            y = side;
            return [.. OneHots(c), side];
        }
        var x = new List<float[]>(); var y = new List<double>();
        for (int i = 0; i < 50; i++) { x.Add(Row(out double v)); y.Add(v); }
        var tx = new List<float[]>(); var ty = new List<double>();
        for (int i = 0; i < 40; i++) { tx.Add(Row(out double v)); ty.Add(v); }
        var with = GaussianProcess.Fit(x.ToArray(), y, tail: 1);
        float[][] Head(List<float[]> rows) => rows.Select(r => r[..30]).ToArray();
        var without = GaussianProcess.Fit(Head(x), y);
        Assert.True(with.TailWeight > 0, "the side column carries the signal and must be weighted in");
        Assert.Equal(0, without.TailWeight);
        double rhoWith = Stats.Spearman(with.Predict(tx.ToArray()).Mean, ty), rhoWithout = Stats.Spearman(without.Predict(Head(tx)).Mean, ty);
        Assert.True(rhoWith > 0.9 && rhoWith > rhoWithout + 0.3, $"spearman with the tail {rhoWith:F2}, without {rhoWithout:F2}");
        Assert.Throws<ArgumentException>(() => GaussianProcess.Fit(x.ToArray(), y, tail: 32));
    }

    [SkippableFact]
    public void GpBoWithCostInputsKeepsTheProtocol()
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        const string obj = "cifar10_valid_acc200", rep = "cifar10_test_acc200";
        List<Trial> RunOnce(out GpBoSearch s)
        {
            s = new GpBoSearch(space, 6, new BoConfig(CostInputs: true));
            return SearchHarness.Run(s, data, obj, rep, 30, 6);
        }
        var a = RunOnce(out var strategy);
        Assert.Equal(30, a.Count);
        Assert.Equal(30, a.Select(t => t.Arch).Distinct().Count());
        Assert.Equal(a, RunOnce(out _));
        Assert.True(double.IsFinite(strategy.LastGp!.TailWeight) && strategy.LastGp.TailWeight >= 0);
    }

    [SkippableFact]
    public void GpBoQueriesBetterCellsThanItsRandomStart()
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        const string obj = "cifar10_valid_acc200", rep = "cifar10_test_acc200";
        var strategy = new GpBoSearch(space, 4, new BoConfig(Acquisition: "ei"));
        var trials = SearchHarness.Run(strategy, data, obj, rep, 40, 4);
        Assert.NotNull(strategy.LastGp);
        // After the 10 random queries the model-based ones beat the random start on average (a learnable landscape).
        double start = trials.Take(10).Average(t => t.Objective), later = trials.Skip(20).Average(t => t.Objective);
        Assert.True(later > start, $"queries 21-40 average {later:F2}, the random start {start:F2}");
    }
}
