using NagSharp.Spaces;

namespace NagSharp.Search;

/// <summary>
/// Classic GP-based BO (the Gaussian-process baseline beside BANANAS' ensemble): the same rounds, rank-score targets,
/// acquisition functions and mutation candidates as <see cref="BananasSearch"/>, with an exact GP
/// (<see cref="GaussianProcess"/>) as the surrogate. It tells whether the neural ensemble or the candidate set limits a
/// result: more uniform candidates per round (<see cref="BoConfig.RandomCandidates"/>) make its acquisition
/// optimisation near-exhaustive on a benchmark table.
/// </summary>
public sealed class GpBoSearch(ISearchSpace space, int seed, BoConfig? config = null) : SurrogateSearch(space, config ?? new BoConfig(), seed)
{
    /// <inheritdoc />
    public override string Name => "gp-bo";

    /// <inheritdoc />
    protected override IEnumerable<Arch> Plan(int batch)
    {
        if (Observed.Count < Math.Max(2, Config.InitialRandom)) return FreshRandom(Math.Min(batch, Math.Max(2, Config.InitialRandom) - Observed.Count));
        return RankByGp(MutationCandidates(), batch);
    }
}
