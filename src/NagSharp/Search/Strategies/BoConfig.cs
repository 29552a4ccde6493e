using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>Settings shared by the surrogate-based strategies.</summary>
/// <param name="Acquisition"><c>its</c>, <c>ucb</c> or <c>ei</c>; ITS is BANANAS' default and needs no incumbent.</param>
/// <param name="InitialRandom">Queries drawn before the first surrogate (BANANAS starts with 10).</param>
/// <param name="MinBatch">Smallest round: after each round the ensemble is refitted, so small rounds adapt fastest.</param>
/// <param name="MaxBatch">Largest round.</param>
/// <param name="BatchFraction">Round size as a fraction of the queries so far: late rounds change the surrogate little, so
/// growing them saves refits at almost no cost in queries.</param>
/// <param name="Kappa">UCB exploration weight (NASLib's BANANAS uses 0.5).</param>
/// <param name="Parents">BANANAS: best architectures whose mutations are candidates.</param>
/// <param name="MutantsPerParent">BANANAS: two-step mutants drawn per parent, beside all one-step neighbours.</param>
/// <param name="RandomCandidates">BANANAS: uniform samples added to the candidates so the search can leave a basin.</param>
/// <param name="Ensemble">Surrogate ensemble.</param>
/// <param name="ExploitFraction">Share of each round given to the unseen neighbours of the best observed architectures,
/// ranked by the ensemble mean (the rest follows the acquisition). Off by default: on NB201 CIFAR-10 half-rounds of
/// exploitation changed the queries to the optimum within the seed noise (BANANAS 67.2 -> 70.4 over 20 runs, generator
/// BO 70.2 -> 67.6 over 12) and lowered generator BO's best-so-far at 25 queries.</param>
/// <param name="ExploitParents">Best observed architectures whose neighbourhoods are exploited.</param>
/// <param name="CostInputs">GP-BO and generator BO's GP ranker (<paramref name="Ranker"/>): append the space's analytic costs (<see cref="ISearchSpace.ComputeCosts"/>: params,
/// FLOPs, ...) to the GP's inputs, weighted by marginal likelihood. They are known before any training, and on NB201
/// FLOPs alone rank CIFAR-10 validation accuracy at Spearman 0.71.</param>
/// <param name="Ranker">Generator BO: what ranks the candidates, <c>ensemble</c> (the guiding ensemble itself) or
/// <c>gp</c> (an exact GP as in GP-BO, with <paramref name="CostInputs"/> if set). Guidance always follows the
/// ensemble, which is differentiable and noise-aware. With <c>gp</c> the pool is merged with BANANAS' mutation
/// candidates first. Transfer ignores it: its source prior enters as an offset to the ensemble.</param>
public sealed record BoConfig(string Acquisition = "its", int InitialRandom = 10, int MinBatch = 5, int MaxBatch = 20,
    double BatchFraction = 0.1, double Kappa = 0.5, int Parents = 10, int MutantsPerParent = 30, int RandomCandidates = 50,
    EnsembleConfig? Ensemble = null, double ExploitFraction = 0, int ExploitParents = 3, bool CostInputs = false,
    string Ranker = "ensemble")
{
    /// <summary>Values of <see cref="Ranker"/>.</summary>
    public static readonly IReadOnlyList<string> Rankers = ["ensemble", "gp"];

    /// <summary>The ensemble settings (defaults when none were given).</summary>
    public EnsembleConfig EnsembleOrDefault => Ensemble ?? new EnsembleConfig();

    /// <summary>Round size after <paramref name="queries"/> queries.</summary>
    public int BatchAt(int queries) => Math.Clamp((int)Math.Round(BatchFraction * queries), MinBatch, Math.Max(MinBatch, MaxBatch));

    /// <summary>Throws a user error for unusable settings.</summary>
    public void Validate()
    {
        Search.Acquisition.Validate(Acquisition);
        if (InitialRandom < 0 || MinBatch < 1 || Parents < 1 || MutantsPerParent < 0 || RandomCandidates < 0 || ExploitParents < 1
            || !(ExploitFraction >= 0 && ExploitFraction <= 1))
            throw new NagUserException($"invalid BO settings: {this}");
        if (!Rankers.Contains(Ranker)) throw new NagUserException($"unknown ranker '{Ranker}' (expected one of: {string.Join(", ", Rankers)})");
        EnsembleOrDefault.Validate();
    }
}
