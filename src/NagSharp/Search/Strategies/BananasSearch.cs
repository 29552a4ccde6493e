using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>
/// BANANAS (White et al. 2021): an ensemble of MLPs fitted to the queries, an acquisition function, and candidates made
/// by mutating the best architectures found so far (plus a few uniform samples); the best candidates by acquisition are
/// queried next.
/// </summary>
public sealed class BananasSearch : SurrogateSearch
{
    private readonly EnsembleSurrogate _ensemble;

    /// <summary>Creates the strategy for one seed.</summary>
    public BananasSearch(ISearchSpace space, int seed, BoConfig? config = null) : base(space, config ?? new BoConfig(), seed)
    {
        _ensemble = new EnsembleSurrogate(space, Config.EnsembleOrDefault, seed);
    }

    /// <inheritdoc />
    public override string Name => "bananas";

    /// <inheritdoc />
    protected override IEnumerable<Arch> Plan(int batch)
    {
        if (Observed.Count < Math.Max(2, Config.InitialRandom)) return FreshRandom(Math.Min(batch, Math.Max(2, Config.InitialRandom) - Observed.Count));
        var targets = Stats.RankScores(Values);
        _ensemble.Fit(Observed, targets, RoundSeed());
        var exploit = Exploit(_ensemble, ExploitCount(batch), Config.ExploitParents);
        return Merge(exploit, Select(_ensemble, MutationCandidates(), batch, targets.Max()), batch);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _ensemble.Dispose();
        base.Dispose();
    }
}
