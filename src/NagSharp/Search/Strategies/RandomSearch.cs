using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Search;

/// <summary>Uniform random sampling without repeats (the baseline every NAS method must beat).</summary>
public sealed class RandomSearch(ISearchSpace space, int seed) : ISearchStrategy
{
    private readonly Random _rng = new(seed);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string Name => "random";

    /// <inheritdoc />
    public Arch Ask()
    {
        for (int attempt = 0; attempt < 10000; attempt++)
        {
            var a = space.Sample(_rng);
            if (_seen.Add(a.ToString())) return a;
        }
        return space.Sample(_rng);
    }

    /// <inheritdoc />
    public void Tell(Arch arch, double objective) { }
}
