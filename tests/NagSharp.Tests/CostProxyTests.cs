using NagSharp.Search;
using NagSharp.Spaces;
using static TorchSharp.torch;

namespace NagSharp.Tests;

/// <summary>The analytic-cost surrogate inputs.</summary>
[Collection(TorchCollection.Name)]
public sealed class CostProxyTests
{
    [Fact]
    public void OnNb201TheLinearMapReproducesTheLogCostsAndIsDifferentiable()
    {
        var space = new Nb201Space();
        using var proxy = CostProxy.TryCreate(space)!;
        Assert.Contains("flops_M", proxy.Keys);
        Assert.Contains("params_M", proxy.Keys);
        // NB201's costs are sums over the six operations: a linear map of the one-hots almost explains them.
        Assert.All(proxy.RSquared, r => Assert.True(r > 0.95, $"R^2 {r}"));

        // More convolutions, higher predicted FLOPs.
        var small = space.Parse("|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|");
        var large = space.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|");
        using var scope = NewDisposeScope();
        var x = EnsembleSurrogate.EncodeFeatures(space, [small, large]).requires_grad_(true);
        var c = proxy.Compute(x);                                                                       // [2, C]
        int f = proxy.Keys.ToList().IndexOf("flops_M");
        Assert.True(c[1, f].item<float>() > c[0, f].item<float>() + 1);
        c.sum().backward();
        Assert.NotNull(x.grad);
    }

    [Fact]
    public void TheEnsembleTakesTheCostsBesideTheOneHots()
    {
        var space = new Nb201Space();
        using var plain = new EnsembleSurrogate(space, new EnsembleConfig(), 0);
        using var costs = new EnsembleSurrogate(space, new EnsembleConfig(Encoding: "onehot+costs"), 0);
        Assert.Equal(plain.ModelInputs + 2, costs.ModelInputs);   // params_M and flops_M
        var archs = Enumerable.Range(0, 12).Select(i => space.Sample(new Random(i))).ToList();
        costs.Fit(archs, Enumerable.Range(0, 12).Select(i => (double)i / 6 - 1).ToList(), 0);
        using var p = costs.Predict(archs);
        Assert.Equal([5L, 12L], p.shape);
    }
}
