using NagSharp.Spaces;

namespace NagSharp.Search.MultiObjective;

/// <summary>
/// ParEGO (Knowles 2006) on any surrogate strategy: before each round the whole history is re-scalarised with a fresh
/// random weight vector (augmented Chebyshev, <see cref="Pareto.Chebyshev"/>) and the strategy plans the round on those
/// values. Each round so aims at another part of the front; over rounds the proposals spread along it. Wrapped around
/// generator BO, the generator's acquisition guidance follows the scalarisation, so generation is steered toward the
/// region of the front the round's weights select. The weights are drawn from (seed, queries told), so a rerun with
/// the same seed asks the same architectures.
/// </summary>
public sealed class ParegoSearch : IMultiObjectiveStrategy, IDisposable
{
    private readonly SurrogateSearch _inner;
    private readonly int _objectives;
    private readonly int _seed;
    private readonly List<double[]> _gains = [];

    /// <summary>Wraps <paramref name="inner"/> (disposed with this object) for <paramref name="objectives"/> objectives.</summary>
    public ParegoSearch(SurrogateSearch inner, int objectives, int seed)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (objectives < 2) throw new ArgumentOutOfRangeException(nameof(objectives), "ParEGO needs at least two objectives");
        _inner = inner; _objectives = objectives; _seed = seed;
    }

    /// <inheritdoc />
    public string Name => _inner.Name;

    /// <summary>The weight vector a round planned after <paramref name="told"/> queries uses: uniform on the simplex.</summary>
    public double[] Weights(int told)
    {
        var rng = new Random(unchecked(_seed * 7919 + told * 104_729 + 13));
        var w = Enumerable.Range(0, _objectives).Select(_ => -Math.Log(1 - rng.NextDouble())).ToArray();
        double sum = w.Sum();
        return w.Select(x => x / sum).ToArray();
    }

    /// <inheritdoc />
    public Arch Ask()
    {
        // Only a round's planning reads the values, and it happens inside Ask: re-scalarising here covers it.
        if (_gains.Count > 0) _inner.Retell(Pareto.Chebyshev(_gains, Weights(_gains.Count)));
        return _inner.Ask();
    }

    /// <inheritdoc />
    public void Tell(Arch arch, IReadOnlyList<double> gains)
    {
        ArgumentNullException.ThrowIfNull(gains);
        if (gains.Count != _objectives) throw new ArgumentException($"{gains.Count} gains for {_objectives} objectives");
        _gains.Add(gains.ToArray());
        _inner.Tell(arch, 0);   // a placeholder: the next Ask re-scalarises every told value
    }

    /// <summary>Not used: a multi-objective strategy needs every objective's gain.</summary>
    public void Tell(Arch arch, double objective) =>
        throw new InvalidOperationException($"{Name} searches {_objectives} objectives: tell it every objective's gain");

    /// <inheritdoc />
    public void Dispose() => _inner.Dispose();
}
