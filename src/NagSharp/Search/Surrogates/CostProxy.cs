using NagSharp.Spaces;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>
/// The space's analytic costs (<see cref="ISearchSpace.ComputeCosts"/>: params, FLOPs, ...) as surrogate inputs, in a
/// form the generator's guidance can differentiate: each standardised cost is approximated by a least-squares
/// linear map of the surrogate's raw features, fitted once on 1,000 uniform draws of the space (seed 0). Costs are
/// known before any training, and they rank accuracy well (NB201: FLOPs vs CIFAR-10 validation accuracy, Spearman
/// 0.71), which a surrogate fitted to a few dozen queries cannot learn on its own. Where a cost is a sum over
/// operations (NB201, most cell spaces) the map is close to exact; <see cref="RSquared"/> says how close.
/// </summary>
public sealed class CostProxy : IDisposable
{
    private readonly Tensor _weight;   // [D, C]
    private readonly Tensor _bias;     // [C]

    /// <summary>The costs approximated, in output order (those that never vary over the draws are dropped).</summary>
    public IReadOnlyList<string> Keys { get; }
    /// <summary>Share of each cost's variance (over the draws) that the linear map explains.</summary>
    public IReadOnlyList<double> RSquared { get; }
    /// <summary>Outputs per architecture.</summary>
    public int FeatureCount => Keys.Count;

    private CostProxy(Tensor weight, Tensor bias, IReadOnlyList<string> keys, IReadOnlyList<double> r2)
    {
        _weight = weight; _bias = bias; Keys = keys; RSquared = r2;
    }

    /// <summary>
    /// 1,000 uniform draws of <paramref name="space"/> (seed 0, so every run and seed scales alike) with their costs, and
    /// for each cost that varies, the mean and standard deviation of <paramref name="transform"/>(cost) over the draws.
    /// </summary>
    public static (List<Arch> Archs, List<IReadOnlyDictionary<string, double>> Costs, List<(string Key, double Mean, double Std)> Scale)
        Draw(ISearchSpace space, Func<double, double> transform)
    {
        var rng = new Random(0);
        var archs = Enumerable.Range(0, 1000).Select(_ => space.Sample(rng)).ToList();
        var costs = archs.Select(a => space.ComputeCosts(a, new CostOptions())).ToList();
        var scale = new List<(string, double, double)>();
        foreach (var key in costs[0].Keys.Order(StringComparer.Ordinal))
        {
            var v = costs.Select(c => transform(c[key])).ToArray();
            double mean = v.Average(), std = Math.Sqrt(v.Average(t => (t - mean) * (t - mean)));
            if (std > 1e-9) scale.Add((key, mean, std));
        }
        return (archs, costs, scale);
    }

    /// <summary>Fits the proxy for <paramref name="space"/>, or returns null when no cost varies.</summary>
    public static CostProxy? TryCreate(ISearchSpace space)
    {
        var (archs, costs, scale) = Draw(space, c => c);   // raw, not log: a sum over operations is linear in the one-hots
        if (scale.Count == 0) return null;
        var keys = scale.Select(s => s.Key).ToList();
        var columns = scale.Select(s => costs.Select(c => (float)((c[s.Key] - s.Mean) / s.Std)).ToArray()).ToList();
        using var scope = NewDisposeScope();
        var x = EnsembleSurrogate.EncodeFeatures(space, archs);                                         // [S, D]
        var design = cat([x, ones(x.shape[0], 1)], 1);                                                  // [S, D+1]
        var y = stack(columns.Select(c => tensor(c)).ToArray(), 1);                                     // [S, C]
        // Ridge-regularised normal equations: one-hot columns are collinear (each slot's one-hots sum to a constant).
        var gram = design.T.matmul(design) + eye(design.shape[1]) * 1e-3;                               // [D+1, D+1]
        var coef = linalg.solve(gram, design.T.matmul(y));                                              // [D+1, C]
        var residual = y - design.matmul(coef);                                                         // [S, C]
        var r2 = (1 - residual.square().mean([0]) / y.var(0, unbiased: false)).data<float>().Select(v => (double)v).ToArray();
        long d = x.shape[1];
        var weight = coef[..(int)d].contiguous().DetachFromDisposeScope();
        var bias = coef[(int)d].contiguous().DetachFromDisposeScope();
        return new CostProxy(weight, bias, keys, r2);
    }

    /// <summary>Approximate standardised costs [B, C] of surrogate features [B, D]; differentiable in the features.</summary>
    public Tensor Compute(Tensor features) => features.matmul(_weight) + _bias;

    /// <inheritdoc />
    public void Dispose()
    {
        _weight.Dispose();
        _bias.Dispose();
    }
}
