using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Search;

/// <summary>
/// Regularized (aging) evolution (Real et al. 2019): a population of the most recent <see cref="Population"/>
/// evaluations; each child mutates the best of <see cref="SampleSize"/> random members; the oldest member dies.
/// </summary>
public sealed class RegularizedEvolution(ISearchSpace space, int seed, int population = 20, int sampleSize = 5) : ISearchStrategy
{
    private readonly Random _rng = new(seed);
    private readonly Queue<(Arch Arch, double Value)> _population = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>Population size.</summary>
    public int Population => population;
    /// <summary>Tournament size.</summary>
    public int SampleSize => sampleSize;

    /// <inheritdoc />
    public string Name => "evolution";

    /// <inheritdoc />
    public Arch Ask()
    {
        if (_population.Count < population) return Fresh(() => space.Sample(_rng));
        var members = _population.ToArray();
        var parent = Enumerable.Range(0, sampleSize).Select(_ => members[_rng.Next(members.Length)]).MaxBy(m => m.Value).Arch;
        return Fresh(() =>
        {
            var n = space.Neighbours(parent);
            return n.Count == 0 ? space.Sample(_rng) : n[_rng.Next(n.Count)];
        });
    }

    private Arch Fresh(Func<Arch> draw)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            var a = draw();
            if (_seen.Add(a.ToString())) return a;
        }
        for (int attempt = 0; attempt < 10000; attempt++)
        {
            var a = space.Sample(_rng);
            if (_seen.Add(a.ToString())) return a;
        }
        return space.Sample(_rng);
    }

    /// <inheritdoc />
    public void Tell(Arch arch, double objective)
    {
        _population.Enqueue((arch, objective));
        if (_population.Count > population) _population.Dequeue();
    }
}
