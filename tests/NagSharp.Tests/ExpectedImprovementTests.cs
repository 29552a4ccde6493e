using NagSharp.Search;
using static TorchSharp.torch;

namespace NagSharp.Tests;

/// <summary>Expected improvement far below the incumbent: finite, ordered and never tied by underflow.</summary>
[Collection(TorchCollection.Name)]
public sealed class ExpectedImprovementTests
{
    [Fact]
    public void LogExpectedImprovementIsFiniteAndStrictlyIncreasingFarBelowTheIncumbent()
    {
        using var scope = NewDisposeScope();
        var z = linspace(-60, 5, 651, dtype: ScalarType.Float64);
        var log = Acquisition.LogExpectedImprovement(z, ones_like(z), 0).data<double>().ToArray();
        Assert.All(log, v => Assert.True(double.IsFinite(v)));
        for (int i = 1; i < log.Length; i++) Assert.True(log[i] > log[i - 1], $"not increasing at z = {z[i].item<double>()}");
        // Where EI is representable it agrees with the closed form z Phi(z) + phi(z).
        foreach (double x in new[] { -8.0, -1.0, 0.0, 2.0 })
        {
            double phi = Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI);
            double cdf = 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-x / Math.Sqrt(2));
            double got = Acquisition.LogExpectedImprovement(tensor(new[] { x }), tensor(new[] { 1.0 }), 0).item<double>();
            Assert.Equal(Math.Log(x * cdf + phi), got, 9);
        }
        // The series and the direct form meet at z = -30.
        var around = Acquisition.LogExpectedImprovement(tensor(new[] { -30.0001, -29.9999 }), tensor(new[] { 1.0, 1.0 }), 0).data<double>().ToArray();
        Assert.True(around[1] - around[0] is > 0 and < 1e-2);
    }

    [Fact]
    public void EnsembleEiRanksCandidatesFarBelowTheIncumbentByTheirMeanInsteadOfTyingThem()
    {
        using var scope = NewDisposeScope();
        // Five members that agree almost exactly, every candidate 6 to 20 units below the incumbent (float32 EI: all 0).
        var means = new float[] { -20, -6, -14, -9 };
        var preds = stack(Enumerable.Range(0, 5).Select(k => tensor(means.Select(m => m + 1e-7f * k).ToArray())).ToArray());
        var score = Acquisition.Rank("ei", preds, 0, 2).data<double>().ToArray();
        Assert.All(score, v => Assert.True(double.IsFinite(v)));
        Assert.Equal([1, 3, 2, 0], Enumerable.Range(0, 4).OrderByDescending(i => score[i]).ToArray());
        // Guidance keeps a gradient there too.
        var x = tensor(means).requires_grad_(true);
        var member = zeros(4, dtype: ScalarType.Int64);
        var a = Acquisition.Guide("ei", stack([x, x + 1e-7f, x - 1e-7f]), -5.99, 2, member);   // z = -10 at the floored std
        var g = autograd.grad([a.sum()], [x])[0].data<float>().ToArray();
        Assert.True(g[1] > 0);
    }
}
