using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Search;

/// <summary>
/// An ask/tell search strategy: the harness asks for candidates, queries the objective (the only information a
/// strategy gets) and tells the result back. Strategies maximise the objective. Batch strategies (the BO ones) plan a
/// whole round at once and hand it out one <see cref="Ask"/> at a time, so the harness counts queries exactly and a
/// crash mid-round loses nothing. A strategy's state is its seed plus the (ask, tell) history: replaying the history
/// restores it (see <see cref="SearchHarness.Run"/>), which is how the experiment store resumes any strategy.
/// </summary>
public interface ISearchStrategy
{
    /// <summary>Short name used on the command line and in results.</summary>
    string Name { get; }

    /// <summary>Proposes the next architecture to evaluate.</summary>
    Arch Ask();

    /// <summary>Reports the objective value of an architecture the strategy asked for.</summary>
    void Tell(Arch arch, double objective);
}

/// <summary>
/// What model-based strategies need beyond the space and seed. Generators and priors are made lazily (only when a
/// strategy that uses them runs) and shared by all seeds: they are only read.
/// </summary>
public sealed record StrategyOptions
{
    /// <summary>Surrogate and acquisition settings of the BO strategies.</summary>
    public BoConfig Bo { get; init; } = new();
    /// <summary>Generation settings of generator BO and transfer.</summary>
    public GeneratorBoConfig GeneratorBo { get; init; } = new();
    /// <summary>Supplies the generator (generator-bo, transfer): score engine or discrete engine.</summary>
    public Func<IBoGenerator>? Generator { get; init; }
    /// <summary>Supplies the prior pre-trained on other columns (transfer).</summary>
    public Func<TransferPrior>? Transfer { get; init; }
}

/// <summary>Creates strategies by name.</summary>
public static class StrategyRegistry
{
    /// <summary>Names of the available strategies.</summary>
    public static readonly IReadOnlyList<string> Names = ["random", "evolution", "local", "bananas", "gp-bo", "generator-bo", "transfer"];

    /// <summary>Strategies that run without a generator or transfer sources.</summary>
    public static readonly IReadOnlyList<string> Baselines = ["random", "evolution", "local", "bananas", "gp-bo"];

    /// <summary>True when the strategy samples from a generator.</summary>
    public static bool NeedsGenerator(string name) => name is "generator-bo" or "transfer";

    /// <summary>Throws a user error for an unknown name.</summary>
    public static void Validate(string name)
    {
        if (!Names.Contains(name)) throw new NagUserException($"unknown strategy '{name}' (available: {string.Join(", ", Names)})");
    }

    /// <summary>Builds a fresh strategy for one seed.</summary>
    public static ISearchStrategy Create(string name, ISearchSpace space, int seed, StrategyOptions? options = null)
    {
        Validate(name);
        options ??= new StrategyOptions();
        return name switch
        {
            "random" => new RandomSearch(space, seed),
            "evolution" => new RegularizedEvolution(space, seed),
            "local" => new LocalSearch(space, seed),
            "bananas" => new BananasSearch(space, seed, options.Bo),
            "gp-bo" => new GpBoSearch(space, seed, options.Bo),
            "generator-bo" => new GeneratorBoSearch(space, seed, Need(options.Generator, name, "a generator (--generator)")(), options.Bo, options.GeneratorBo),
            _ => new GeneratorBoSearch(space, seed, Need(options.Generator, name, "a generator (--generator)")(), options.Bo, options.GeneratorBo,
                Need(options.Transfer, name, "source columns (--transfer-from)")()),
        };
    }

    private static T Need<T>(T? value, string strategy, string what) where T : class =>
        value ?? throw new NagUserException($"strategy {strategy} needs {what}");
}

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
