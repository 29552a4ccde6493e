using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Search;

/// <summary>
/// Best-improvement local search (White et al. 2020): evaluate the neighbours of the current architecture in random
/// order; move to the best one when it improves, otherwise restart from a random architecture.
/// </summary>
public sealed class LocalSearch(ISearchSpace space, int seed) : ISearchStrategy
{
    private readonly Random _rng = new(seed);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<Arch> _pending = new();
    private (Arch Arch, double Value)? _current;
    private (Arch Arch, double Value)? _bestNeighbour;
    private bool _awaitingStart;

    /// <inheritdoc />
    public string Name => "local";

    /// <inheritdoc />
    public Arch Ask()
    {
        while (true)
        {
            if (_current is null || _awaitingStart)
            {
                _awaitingStart = true;
                var start = Unseen(() => space.Sample(_rng));
                return start;
            }
            if (_pending.Count > 0)
            {
                var next = _pending.Dequeue();
                if (_seen.Add(next.ToString())) return next;
                continue;
            }
            // Neighbourhood exhausted: move or restart.
            if (_bestNeighbour is { } b && b.Value > _current.Value.Value) { _current = b; Enqueue(b.Arch); }
            else _current = null;
            _bestNeighbour = null;
        }
    }

    private void Enqueue(Arch centre)
    {
        var n = space.Neighbours(centre).ToArray();
        _rng.Shuffle(n);
        foreach (var a in n) _pending.Enqueue(a);
    }

    private Arch Unseen(Func<Arch> draw)
    {
        for (int attempt = 0; attempt < 10000; attempt++)
        {
            var a = draw();
            if (_seen.Add(a.ToString())) return a;
        }
        return draw();
    }

    /// <inheritdoc />
    public void Tell(Arch arch, double objective)
    {
        if (_awaitingStart)
        {
            _awaitingStart = false;
            _current = (arch, objective);
            _bestNeighbour = null;
            Enqueue(arch);
            return;
        }
        if (_bestNeighbour is null || objective > _bestNeighbour.Value.Value) _bestNeighbour = (arch, objective);
    }
}
