using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Search;

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
            "generator-bo" => new GeneratorBoSearch(space, seed, Need(options.Generator, name, "a generator (StrategyOptions.Generator)")(), options.Bo, options.GeneratorBo),
            _ => new GeneratorBoSearch(space, seed, Need(options.Generator, name, "a generator (StrategyOptions.Generator)")(), options.Bo, options.GeneratorBo,
                Need(options.Transfer, name, "source columns (StrategyOptions.Transfer)")()),
        };
    }

    private static T Need<T>(T? value, string strategy, string what) where T : class =>
        value ?? throw new NagUserException($"strategy {strategy} needs {what}");
}
