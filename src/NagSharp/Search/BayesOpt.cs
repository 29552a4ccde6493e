using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>Acquisition functions over an ensemble's predictions [K, B] (model units, higher is better).</summary>
public static class Acquisition
{
    /// <summary>Known acquisition functions.</summary>
    public static readonly IReadOnlyList<string> Names = ["its", "ucb", "ei"];

    /// <summary>Throws a user error for an unknown name.</summary>
    public static string Validate(string name) => Names.Contains(name)
        ? name
        : throw new NagUserException($"unknown acquisition '{name}' (expected {string.Join(", ", Names)})");

    /// <summary>
    /// Scores candidates for ranking, [K, B] -&gt; [B]. ITS (independent Thompson sampling, the BANANAS default) draws one
    /// value per candidate from N(mean, std) with the torch RNG; UCB is mean + kappa std; EI is the expected improvement
    /// over <paramref name="best"/> under N(mean, std).
    /// </summary>
    public static Tensor Rank(string kind, Tensor predictions, double best, double kappa) =>
        Rank(kind, predictions.mean([0]), predictions.std(0), best, kappa);

    /// <summary>
    /// <see cref="Rank(string, Tensor, double, double)"/> from a predictive mean [B] and standard deviation [B] (a GP's
    /// posterior marginals, or an ensemble's moments).
    /// </summary>
    public static Tensor Rank(string kind, Tensor mean, Tensor std, double best, double kappa)
    {
        std = std.clamp_min(1e-6);                                              // [B]
        return kind switch
        {
            "its" => mean + std * randn_like(mean),
            _ => Smooth(kind, mean, std, best, kappa),
        };
    }

    /// <summary>
    /// Differentiable acquisition for guidance, [K, B] -&gt; [B]. ITS follows one ensemble member per sample
    /// (<paramref name="member"/> [B]): each generated architecture is steered by one draw of the surrogate function,
    /// which is Thompson sampling through the ensemble.
    /// </summary>
    public static Tensor Guide(string kind, Tensor predictions, double best, double kappa, Tensor member)
    {
        if (kind == "its") return predictions.gather(0, member.unsqueeze(0)).squeeze(0);
        return Smooth(kind, predictions.mean([0]), predictions.std(0).clamp_min(1e-6), best, kappa);
    }

    private static Tensor Smooth(string kind, Tensor mean, Tensor std, double best, double kappa)
    {
        if (kind == "ucb") return mean + std * kappa;
        var z = (mean - best) / std;
        var cdf = (special.erf(z / Math.Sqrt(2)) + 1) * 0.5;
        var pdf = exp(z.square() * -0.5) / Math.Sqrt(2 * Math.PI);
        return std * (z * cdf + pdf);
    }
}

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

/// <summary>Settings of the generator inside BO.</summary>
/// <param name="Samples">Architectures generated per round.</param>
/// <param name="Sampler">Sampler of the score generator (a discrete generator takes only its step count as reverse
/// steps); few steps suffice because the acquisition is re-scored on clean decoded architectures anyway.</param>
/// <param name="Scale">Guidance scale s in score + s * grad acquisition (discrete engine: logits + s * grad).</param>
/// <param name="Attempts">Extra generation rounds when too few new architectures come out.</param>
public sealed record GeneratorBoConfig(int Samples = 64, SamplerConfig? Sampler = null, double Scale = 10, int Attempts = 3)
{
    /// <summary>The sampler (default: PC with 25 steps).</summary>
    public SamplerConfig SamplerOrDefault => Sampler ?? new SamplerConfig(Steps: 25);
}

/// <summary>
/// Common loop of surrogate-based strategies: propose a round (a batch, best acquisition first), observe it one query
/// at a time, refit, repeat. State is the history plus the seed; every random draw is seeded from (seed, round), so a
/// replayed history reproduces the same proposals (what resume relies on).
/// </summary>
public abstract class SurrogateSearch : ISearchStrategy, IDisposable
{
    /// <summary>The space.</summary>
    protected ISearchSpace Space { get; }
    /// <summary>Settings.</summary>
    protected BoConfig Config { get; }
    /// <summary>Seed of the run.</summary>
    protected int Seed { get; }
    /// <summary>Random source for architecture draws.</summary>
    protected Random Rng { get; }
    /// <summary>Architectures proposed so far (string forms).</summary>
    protected HashSet<string> Seen { get; } = new(StringComparer.Ordinal);
    /// <summary>Observed architectures, in query order.</summary>
    protected List<Arch> Observed { get; } = [];
    /// <summary>Objective values of <see cref="Observed"/>.</summary>
    protected List<double> Values { get; } = [];
    /// <summary>Rounds planned so far.</summary>
    protected int Round { get; private set; }

    private readonly Queue<Arch> _queue = new();

    /// <summary>Sets up the loop.</summary>
    protected SurrogateSearch(ISearchSpace space, BoConfig config, int seed)
    {
        config.Validate();
        Space = space; Config = config; Seed = seed; Rng = new Random(seed);
    }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public Arch Ask()
    {
        while (_queue.Count == 0)
        {
            int batch = Config.BatchAt(Observed.Count);
            foreach (var a in Plan(batch).Take(batch))
                if (Seen.Add(a.ToString())) _queue.Enqueue(a);
            if (_queue.Count == 0) _queue.Enqueue(FreshRandom());
            Round++;
        }
        return _queue.Dequeue();
    }

    /// <inheritdoc />
    public void Tell(Arch arch, double objective)
    {
        Observed.Add(arch);
        Values.Add(objective);
    }

    /// <summary>Proposes up to <paramref name="batch"/> unseen architectures, best first.</summary>
    protected abstract IEnumerable<Arch> Plan(int batch);

    /// <summary>A seed for torch draws in the current round (attempt distinguishes retries).</summary>
    protected int RoundSeed(int attempt = 0) => unchecked(Seed * 1_000_003 + Round * 101 + attempt);

    /// <summary>A uniform architecture not proposed before (marked as seen by the caller through <see cref="Ask"/>).</summary>
    protected Arch FreshRandom()
    {
        for (int attempt = 0; attempt < 10000; attempt++)
        {
            var a = Space.Sample(Rng);
            if (!Seen.Contains(a.ToString())) return a;
        }
        return Space.Sample(Rng);
    }

    /// <summary>Up to <paramref name="count"/> distinct unseen uniform architectures.</summary>
    protected List<Arch> FreshRandom(int count)
    {
        var list = new List<Arch>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        for (int attempt = 0; attempt < 100 * count && list.Count < count; attempt++)
        {
            var a = Space.Sample(Rng);
            if (!Seen.Contains(a.ToString()) && taken.Add(a.ToString())) list.Add(a);
        }
        return list;
    }

    /// <summary>
    /// Picks the <paramref name="batch"/> candidates with the highest acquisition, [best first]. The incumbent for EI is
    /// the best fitted target. <paramref name="offset"/> (per candidate, optional) is added to every member's prediction:
    /// a known part of the model (the transfer strategy's source term) that the ensemble does not learn.
    /// <paramref name="useEnsemble"/> false ranks by the offset alone (an unfitted ensemble is noise).
    /// </summary>
    protected List<Arch> Select(EnsembleSurrogate ensemble, IReadOnlyList<Arch> candidates, int batch, double best, double[]? offset = null,
        bool useEnsemble = true)
    {
        if (candidates.Count == 0) return [];
        using var scope = NewDisposeScope();
        torch.manual_seed(RoundSeed(17));
        var preds = useEnsemble ? ensemble.Predict(candidates) : zeros(ensemble.Config.Members, candidates.Count);   // [K, C]
        if (offset is not null) preds = preds + tensor(offset.Select(v => (float)v).ToArray()).unsqueeze(0);
        var score = Acquisition.Rank(Config.Acquisition, preds, best, Config.Kappa).data<float>().ToArray();
        return Enumerable.Range(0, candidates.Count).OrderByDescending(i => score[i]).ThenBy(i => i).Take(batch).Select(i => candidates[i]).ToList();
    }

    /// <summary>
    /// Exploitation candidates: the unseen neighbours of the <paramref name="parents"/> best observed architectures,
    /// best ensemble mean first. Near the top of a benchmark the landscape is locally smooth (NB201 CIFAR-10: the
    /// optimum is a one-step neighbour of the 5th-best cell), so the incumbent's neighbourhood ranked by the
    /// surrogate's mean is where the next improvement most likely is, whatever the acquisition's exploration says.
    /// </summary>
    protected List<Arch> Exploit(EnsembleSurrogate ensemble, int count, int parents)
    {
        if (count <= 0 || Observed.Count == 0) return [];
        var near = new List<Arch>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (int i in Enumerable.Range(0, Observed.Count).OrderByDescending(i => Values[i]).ThenBy(i => i).Take(parents))
            foreach (var n in Space.Neighbours(Observed[i]))
                if (!Seen.Contains(n.ToString()) && taken.Add(n.ToString())) near.Add(n);
        if (near.Count == 0) return [];
        using var scope = NewDisposeScope();
        var mean = ensemble.Predict(near).mean([0]).data<float>().ToArray();
        return Enumerable.Range(0, near.Count).OrderByDescending(i => mean[i]).ThenBy(i => i).Take(count).Select(i => near[i]).ToList();
    }

    /// <summary>Merges exploitation picks first, then acquisition picks, without duplicates, up to <paramref name="batch"/>.</summary>
    protected static List<Arch> Merge(IEnumerable<Arch> first, IEnumerable<Arch> second, int batch)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        return first.Concat(second).Where(a => taken.Add(a.ToString())).Take(batch).ToList();
    }

    /// <summary>
    /// BANANAS' acquisition candidates: every unseen neighbour of the <see cref="BoConfig.Parents"/> best observed
    /// architectures, <see cref="BoConfig.MutantsPerParent"/> two-step mutants of each, and
    /// <see cref="BoConfig.RandomCandidates"/> uniform ones; no repeats, nothing already proposed.
    /// </summary>
    protected List<Arch> MutationCandidates()
    {
        var candidates = new List<Arch>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        void Add(Arch a) { if (!Seen.Contains(a.ToString()) && taken.Add(a.ToString())) candidates.Add(a); }
        var parents = Enumerable.Range(0, Observed.Count).OrderByDescending(i => Values[i]).ThenBy(i => i).Take(Config.Parents).Select(i => Observed[i]);
        foreach (var p in parents)
        {
            var near = Space.Neighbours(p);
            foreach (var n in near) Add(n);
            for (int m = 0; m < Config.MutantsPerParent && near.Count > 0; m++)
            {
                var second = Space.Neighbours(near[Rng.Next(near.Count)]);
                if (second.Count > 0) Add(second[Rng.Next(second.Count)]);
            }
        }
        foreach (var a in FreshRandom(Config.RandomCandidates)) Add(a);
        return candidates;
    }

    /// <summary>The GP of the last <see cref="RankByGp"/> round (null before the first fit).</summary>
    public GaussianProcess? LastGp { get; private set; }

    /// <summary>
    /// Fits an exact GP (<see cref="GaussianProcess"/>) to the rank scores of the queries, with the space's costs as a
    /// weighted tail of inputs when <see cref="BoConfig.CostInputs"/> is set, and returns the <paramref name="batch"/>
    /// candidates with the highest acquisition, best first.
    /// </summary>
    protected List<Arch> RankByGp(IReadOnlyList<Arch> candidates, int batch)
    {
        if (candidates.Count == 0) return [];
        var targets = Stats.RankScores(Values);
        LastGp = GaussianProcess.Fit(GpInputs(Observed), targets, Config.CostInputs ? CostScale().Count : 0);
        var (mean, std) = LastGp.Predict(GpInputs(candidates));
        using var scope = NewDisposeScope();
        manual_seed(RoundSeed(17));
        var score = Acquisition.Rank(Config.Acquisition, tensor(mean), tensor(std), targets.Max(), Config.Kappa).data<double>().ToArray();
        return Enumerable.Range(0, candidates.Count).OrderByDescending(i => score[i]).ThenBy(i => i).Take(batch).Select(i => candidates[i]).ToList();
    }

    private List<(string Key, double Mean, double Std)>? _costScale;

    // The ensemble's input features, plus the standardised log-costs when cost inputs are on.
    private float[][] GpInputs(IReadOnlyList<Arch> archs)
    {
        float[][] rows;
        using (var scope = NewDisposeScope()) rows = GaussianProcess.Rows(EnsembleSurrogate.EncodeFeatures(Space, archs));
        if (!Config.CostInputs) return rows;
        var scale = CostScale();
        return rows.Select((r, i) =>
        {
            var costs = Space.ComputeCosts(archs[i], new CostOptions());
            return r.Concat(scale.Select(c => (float)((Math.Log(1 + costs[c.Key]) - c.Mean) / c.Std))).ToArray();
        }).ToArray();
    }

    // Log-costs standardised over CostProxy.Draw's draws; costs that never vary are dropped.
    private List<(string Key, double Mean, double Std)> CostScale() => _costScale ??= CostProxy.Draw(Space, c => Math.Log(1 + c)).Scale;

    /// <summary>How many of a round's <paramref name="batch"/> proposals exploit the incumbent's neighbourhood.</summary>
    protected int ExploitCount(int batch) => (int)Math.Round(Config.ExploitFraction * batch);

    /// <inheritdoc />
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

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

/// <summary>
/// What the transfer strategy knows before any target query: the source columns (e.g. the other datasets' validation
/// accuracies of the same cells) as an exact score per labelled architecture, and an ensemble pre-trained on that score
/// which extends it to unlabelled architectures and guides the generator on noisy inputs.
/// </summary>
public sealed class TransferPrior : IDisposable
{
    private readonly Dictionary<string, double> _score;
    private readonly Arch[] _ranked;

    /// <summary>Source columns.</summary>
    public IReadOnlyList<string> Sources { get; }
    /// <summary>The pre-trained, noise-aware ensemble (read-only after construction; strategies only evaluate it).</summary>
    public EnsembleSurrogate Pretrained { get; }
    /// <summary>Labelled architectures, best source score first (ties by string form).</summary>
    public IReadOnlyList<Arch> Ranked => _ranked;

    private TransferPrior(IReadOnlyList<string> sources, EnsembleSurrogate pretrained, Dictionary<string, (Arch Arch, double Score)> scores)
    {
        Sources = sources; Pretrained = pretrained;
        _score = scores.ToDictionary(kv => kv.Key, kv => kv.Value.Score, StringComparer.Ordinal);
        _ranked = scores.Values.OrderByDescending(e => e.Score).ThenBy(e => e.Arch.ToString(), StringComparer.Ordinal).Select(e => e.Arch).ToArray();
    }

    /// <summary>
    /// Scores the sources (<see cref="SourceScores"/>) and pre-trains the ensemble on every labelled architecture with
    /// minibatches (a few hundred steps; the tables are large). <paramref name="sde"/> is the generator's noise process,
    /// so the prior can guide generation before any target query.
    /// </summary>
    public static TransferPrior Pretrain(ISearchSpace space, IReadOnlyList<(string Column, IReadOnlyList<(Arch Arch, double Value)> Rows)> sources,
        EnsembleConfig config, Sde? sde, int seed = 0, int steps = 400, int batch = 1024)
    {
        if (sources.Count == 0) throw new NagUserException("--transfer-from needs at least one source column");
        var scores = SourceScores(space, sources);
        var ensemble = new EnsembleSurrogate(space, config, seed, sde);
        ensemble.Fit(scores.Values.Select(e => e.Arch).ToList(), scores.Values.Select(e => e.Score).ToList(), seed, steps: steps, batch: batch);
        return new TransferPrior(sources.Select(s => s.Column).ToList(), ensemble, scores);
    }

    /// <summary>
    /// The prior score [B] of architectures: the exact source score where the sources label them, else the pre-trained
    /// ensemble's mean (one batched call for all unlabelled ones).
    /// </summary>
    public double[] Score(IReadOnlyList<Arch> archs)
    {
        var result = new double[archs.Count];
        var missing = new List<int>();
        for (int i = 0; i < archs.Count; i++)
            if (_score.TryGetValue(archs[i].ToString(), out double v)) result[i] = v;
            else missing.Add(i);
        if (missing.Count > 0)
        {
            using var scope = NewDisposeScope();
            var mean = Pretrained.Predict(missing.Select(i => archs[i]).ToList()).mean([0]).data<float>().ToArray();
            for (int k = 0; k < missing.Count; k++) result[missing[k]] = mean[k];
        }
        return result;
    }

    /// <summary>
    /// Per labelled architecture, the mean over the sources that label it of the average of two rank scores within the
    /// source: its own, and the mean of its labelled neighbours' (its own when none is labelled). A single training run's
    /// accuracy is noisy; the neighbourhood, which shares most of the cell, is an independent second estimate of the same
    /// quality, and equal weights need no tuning against the target. Rank scores keep sources on different scales equal.
    /// </summary>
    public static Dictionary<string, (Arch Arch, double Score)> SourceScores(ISearchSpace space,
        IReadOnlyList<(string Column, IReadOnlyList<(Arch Arch, double Value)> Rows)> sources)
    {
        var sum = new Dictionary<string, (Arch Arch, double Sum, int Count)>(StringComparer.Ordinal);
        foreach (var (column, rows) in sources)
        {
            if (rows.Count < 2) throw new NagDataException($"transfer source '{column}' has fewer than 2 labelled architectures");
            var raw = Stats.RankScores(rows.Select(r => r.Value).ToArray());
            var own = new Dictionary<string, (double Sum, int Count)>(StringComparer.Ordinal);   // repeated runs average
            for (int i = 0; i < rows.Count; i++)
            {
                string key = rows[i].Arch.ToString();
                own[key] = own.TryGetValue(key, out var e) ? (e.Sum + raw[i], e.Count + 1) : (raw[i], 1);
            }
            var archs = new Dictionary<string, Arch>(StringComparer.Ordinal);
            foreach (var r in rows) archs.TryAdd(r.Arch.ToString(), r.Arch);
            foreach (var (key, arch) in archs)
            {
                double z = own[key].Sum / own[key].Count, near = 0;
                int labelled = 0;
                foreach (var n in space.Neighbours(arch))
                    if (own.TryGetValue(n.ToString(), out var o)) { near += o.Sum / o.Count; labelled++; }
                double score = labelled == 0 ? z : (z + near / labelled) / 2;
                sum[key] = sum.TryGetValue(key, out var e) ? (arch, e.Sum + score, e.Count + 1) : (arch, score, 1);
            }
        }
        return sum.ToDictionary(kv => kv.Key, kv => (kv.Value.Arch, kv.Value.Sum / kv.Value.Count), StringComparer.Ordinal);
    }

    /// <summary>
    /// The labelled rows of each source column, oriented so that higher is better. Sources measure the objective's
    /// quantity on other tasks or devices, so they share its direction: with a lower-is-better objective
    /// (<paramref name="lowerIsBetter"/>) their values are negated before they are ranked.
    /// </summary>
    public static List<(string Column, IReadOnlyList<(Arch Arch, double Value)> Rows)> SourceRows(
        BenchmarkData data, IEnumerable<string> columns, bool lowerIsBetter) =>
        columns.Select(c => (c, (IReadOnlyList<(Arch, double)>)data.ColumnEntries(c)
            .Select(e => (e.Arch, lowerIsBetter ? -e.Value : e.Value)).ToList())).ToList();

    /// <summary>
    /// Per architecture: the mean over the sources that label it of its rank score within each source, and how many
    /// sources label it (the transfer prior's training target, and the order of the source-order baseline).
    /// </summary>
    public static Dictionary<string, (Arch Arch, double Score, int Count)> MeanRankScores(
        IReadOnlyList<(string Column, IReadOnlyList<(Arch Arch, double Value)> Rows)> sources)
    {
        var sum = new Dictionary<string, (Arch Arch, double Sum, int Count)>(StringComparer.Ordinal);
        foreach (var (column, rows) in sources)
        {
            if (rows.Count < 2) throw new NagDataException($"transfer source '{column}' has fewer than 2 labelled architectures");
            var scores = Stats.RankScores(rows.Select(r => r.Value).ToArray());
            for (int i = 0; i < rows.Count; i++)
            {
                string key = rows[i].Arch.ToString();
                sum[key] = sum.TryGetValue(key, out var e) ? (e.Arch, e.Sum + scores[i], e.Count + 1) : (rows[i].Arch, scores[i], 1);
            }
        }
        return sum.ToDictionary(kv => kv.Key, kv => (kv.Value.Arch, kv.Value.Sum / kv.Value.Count, kv.Value.Count), StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public void Dispose() => Pretrained.Dispose();
}

/// <summary>
/// What guides one round of generation: the ensemble (and, for transfer, the prior) under an acquisition function.
/// <see cref="Member"/> [samples] picks the ensemble member each sample follows (Thompson sampling); with a
/// <see cref="Prior"/> the model is <see cref="PriorWeight"/> * mean prior + ensemble, and <see cref="UseEnsemble"/>
/// false guides by the prior alone (an unfitted ensemble is noise).
/// </summary>
public sealed record AcquisitionModel(EnsembleSurrogate Ensemble, string Kind, double Best, double Kappa, double Scale, Tensor Member,
    EnsembleSurrogate? Prior = null, double PriorWeight = 0, bool UseEnsemble = true)
{
    /// <summary>The acquisition [B] of surrogate inputs [B, D] at noise times [B] (null: clean), differentiable in the inputs.</summary>
    public Tensor Acquire(Tensor features, Tensor? time = null)
    {
        long b = features.shape[0];
        var preds = UseEnsemble ? Ensemble.Forward(features, time) : zeros(Ensemble.Config.Members, b);   // [K, B]
        if (Prior is not null) preds = preds + Prior.Forward(features, time).mean([0]).unsqueeze(0) * PriorWeight;
        return Acquisition.Guide(Kind, preds, Best, Kappa, Member);                                       // [B]
    }
}

/// <summary>
/// Guidance by an acquisition function: the gradient of a(ensemble(x_t, t)) with respect to the generator's noisy
/// graph, so sampling itself optimises the acquisition instead of mutating and filtering. With a prior the model is
/// the prior's weighted mean plus the ensemble (transfer: the source term plus the learned residual), see
/// <see cref="AcquisitionModel"/>.
/// </summary>
public sealed class AcquisitionGuidance(AcquisitionModel model) : IGuidance
{
    /// <inheritdoc />
    public Tensor Gradient(Tensor x, double t, Tensor score)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        long b = x.shape[0];
        var xg = x.detach().requires_grad_(true);                                              // [B, N, F]
        var a = model.Acquire(xg.reshape(b, -1), full(b, t, dtype: ScalarType.Float32));       // [B]
        var g = autograd.grad([a.sum()], [xg])[0];                                             // [B, N, F]
        return (g * model.Scale).detach().MoveToOuterDisposeScope();
    }
}

/// <summary>
/// A generator as generator BO sees it: draws decoded samples, guided by an <see cref="AcquisitionModel"/> or not. The
/// score engine is guided on its noisy graph and needs an ensemble trained under its <see cref="Sde"/>; the discrete
/// engine is guided on its clean-graph prediction and takes a clean ensemble (<see cref="Sde"/> null), which is what
/// lets generator BO run on spaces whose topology varies.
/// </summary>
public interface IBoGenerator : IDisposable
{
    /// <summary>The space samples decode into.</summary>
    ISearchSpace Space { get; }
    /// <summary>Noise process the guiding ensemble must be trained under, or null for a clean ensemble.</summary>
    Sde? Sde { get; }
    /// <summary>Draws <paramref name="count"/> samples (count equals the member tensor's length when guided).</summary>
    IReadOnlyList<DecodedSample> Sample(int count, int seed, AcquisitionModel? model);
}

/// <summary>The score engine behind generator BO: predictor-corrector sampling with <see cref="AcquisitionGuidance"/>.</summary>
public sealed class ScoreBoGenerator : IBoGenerator
{
    private readonly ScoreGenerator _generator;
    private readonly SamplerConfig _sampler;

    /// <summary>Wraps a fixed-topology score generator (the noise-aware ensemble needs one).</summary>
    public ScoreBoGenerator(ScoreGenerator generator, SamplerConfig sampler)
    {
        if (generator.Space.FixedAdjacency is null || generator.Space is EdgeTokenSpace)
            throw new NagUserException($"generator BO with the score engine needs a fixed-topology space; {generator.Space.Name} varies its topology (give a discrete generator)");
        sampler.Validate();
        _generator = generator; _sampler = sampler;
    }

    /// <inheritdoc />
    public ISearchSpace Space => _generator.Space;
    /// <inheritdoc />
    public Sde? Sde => _generator.Sde;

    /// <inheritdoc />
    public IReadOnlyList<DecodedSample> Sample(int count, int seed, AcquisitionModel? model)
    {
        var guidance = model is null ? null : new AcquisitionGuidance(model);
        using var x = _generator.Sample(count, _sampler, seed, guidance);
        return GraphCodec.Decode(Space, x);
    }

    /// <inheritdoc />
    public void Dispose() => _generator.Dispose();
}

/// <summary>Opens a generator checkpoint of either engine for generator BO.</summary>
public static class BoGenerators
{
    /// <summary>
    /// Loads <paramref name="path"/> (a score or discrete generator, told apart by the checkpoint's kind) with the
    /// sampler of <paramref name="gen"/>: the score engine takes it whole, the discrete engine its step count.
    /// </summary>
    public static IBoGenerator Open(string path, GeneratorBoConfig gen)
    {
        string kind = Store.Checkpoint.Load(path).Kind;
        if (kind == DiscreteGenerator.Kind) return new DiscreteBoGenerator(DiscreteGenerator.Load(path), gen.SamplerOrDefault.Steps);
        var score = ScoreGenerator.Load(path);
        try { return new ScoreBoGenerator(score, gen.SamplerOrDefault); }
        catch (NagUserException e) { score.Dispose(); throw new NagUserException($"{path}: {e.Message}"); }
        catch { score.Dispose(); throw; }
    }
}

/// <summary>The discrete engine behind generator BO: reverse sampling steered by <see cref="DiscreteAcquisitionGuidance"/>.</summary>
public sealed class DiscreteBoGenerator(DiscreteGenerator generator, int steps) : IBoGenerator
{
    /// <inheritdoc />
    public ISearchSpace Space => generator.Space;
    /// <inheritdoc />
    public Sde? Sde => null;

    /// <inheritdoc />
    public IReadOnlyList<DecodedSample> Sample(int count, int seed, AcquisitionModel? model) =>
        generator.Sample(count, steps, seed, steer: model is null ? null : new DiscreteAcquisitionGuidance(model));

    /// <inheritdoc />
    public void Dispose() => generator.Dispose();
}

/// <summary>
/// Acquisition guidance for the discrete engine: the gradient of a(ensemble(G)) with respect to the denoiser's
/// clean-graph probabilities, times the scale, added to the clean-graph logits. Symbols and edges that raise the
/// acquisition gain weight at every reverse step, so sampling itself climbs the acquisition.
/// </summary>
public sealed class DiscreteAcquisitionGuidance(AcquisitionModel model) : IDiscreteGuidance
{
    /// <inheritdoc />
    public (Tensor Nodes, Tensor Edges) Shift(Tensor nodes, Tensor edges, Tensor mask, double t)
    {
        using var scope = NewDisposeScope();
        if (!model.UseEnsemble && model.Prior is null) return (zeros_like(nodes).MoveToOuterDisposeScope(), zeros_like(edges).MoveToOuterDisposeScope());
        using var grad = enable_grad();
        bool free = model.Ensemble.HasEdgeFeatures;
        var pn = (nodes * mask.unsqueeze(-1)).detach().requires_grad_(true);                 // [B, N, K]
        var pe = edges[.., .., .., 1].detach().requires_grad_(true);                          // [B, N, N]
        var a = model.Acquire(model.Ensemble.SoftFeatures(pn, free ? pe : null));              // [B]
        var g = autograd.grad([a.sum()], free ? [pn, pe] : [pn]);
        var gx = g[0] * model.Scale;                                                          // [B, N, K]
        var ge = free ? stack([zeros_like(g[1]), g[1]], -1) * model.Scale : zeros_like(edges); // [B, N, N, 2]
        return (gx.detach().MoveToOuterDisposeScope(), ge.detach().MoveToOuterDisposeScope());
    }
}

/// <summary>
/// Generator BO (DiffusionNAG's BO use): the same ensemble and acquisition as BANANAS, but candidates are generated by
/// a generator guided by the acquisition's gradient, using an ensemble refitted every round: the score engine with a
/// noise-aware ensemble, or the discrete engine (any topology) with a clean one (see <see cref="IBoGenerator"/>).
/// Generated architectures not yet queried stay in a pool and are re-scored in later rounds. With a
/// <see cref="TransferPrior"/> the model of the target is c + beta * prior score + residual ensemble (see
/// <see cref="Plan"/>): the first round follows the exact source ranking, before any target query.
/// </summary>
public sealed class GeneratorBoSearch : SurrogateSearch
{
    private readonly IBoGenerator _generator;
    private readonly GeneratorBoConfig _gen;
    private readonly TransferPrior? _prior;
    private readonly EnsembleSurrogate _ensemble;
    private readonly List<Arch> _pool = [];
    private readonly List<double> _priorObserved = [];

    /// <summary>Creates the strategy for one seed; the generator and prior are shared and only read.</summary>
    public GeneratorBoSearch(ISearchSpace space, int seed, IBoGenerator generator, BoConfig? config = null, GeneratorBoConfig? gen = null,
        TransferPrior? prior = null) : base(space, config ?? new BoConfig(), seed)
    {
        if (generator.Space.Name != space.Name) throw new NagUserException($"the generator produces {generator.Space.Name}, not {space.Name}");
        _generator = generator; _gen = gen ?? new GeneratorBoConfig(); _prior = prior;
        _ensemble = new EnsembleSurrogate(space, Config.EnsembleOrDefault, seed, generator.Sde);
    }

    /// <inheritdoc />
    public override string Name => _prior is null ? "generator-bo" : "transfer";

    /// <summary>
    /// One round. Without a prior the first <see cref="BoConfig.InitialRandom"/> queries are unguided samples of the
    /// generator; then the ensemble is fitted to the rank scores of the queries, guided samples join the pool, and the
    /// pool is ranked by the acquisition (part of the round exploits the incumbent's neighbourhood, see
    /// <see cref="SurrogateSearch.Exploit"/>). With a prior the round is planned by <see cref="PlanWithPrior"/>.
    /// </summary>
    protected override IEnumerable<Arch> Plan(int batch)
    {
        if (_prior is not null) return PlanWithPrior(batch);
        if (Observed.Count < Config.InitialRandom)
            return Generate(Math.Min(batch, Config.InitialRandom - Observed.Count), null);
        var targets = Stats.RankScores(Values);
        _ensemble.Fit(Observed, targets, RoundSeed());
        double best = targets.Max();
        torch.manual_seed(RoundSeed(1));
        using var member = randint(Config.EnsembleOrDefault.Members, [_gen.Samples]);
        FillPool(batch, new AcquisitionModel(_ensemble, Config.Acquisition, best, Config.Kappa, _gen.Scale, member));
        // The GP ranks the pool together with BANANAS' mutation candidates: the guided pool alone is not enough for an
        // exact GP to work with (docs/bench-search.md, "Session 14").
        if (Config.Ranker == "gp") return Take(RankByGp(Merge(_pool, MutationCandidates(), int.MaxValue), batch));
        var exploit = Exploit(_ensemble, ExploitCount(batch), Config.ExploitParents);
        return Take(Merge(exploit, Select(_ensemble, _pool, batch, best), batch));
    }

    /// <summary>
    /// A transfer round. The target's rank scores y are modelled as c + beta * s + r, where s is the prior score (the
    /// exact source score of labelled architectures, <see cref="TransferPrior.Score"/>), c and beta a least-squares line
    /// fitted on the queries with beta shrunk towards 1 (a few queries of a top-heavy sample cannot estimate a slope), and
    /// r the noise-aware ensemble fitted to what the line leaves. Before any query c = 0, beta = 1, r = 0: the first round
    /// is the top of the source ranking. Candidates are the guided samples plus the best unqueried labelled architectures
    /// by s, so the exact ranking is never lost to the generator's sampling.
    /// </summary>
    private List<Arch> PlanWithPrior(int batch)
    {
        var prior = _prior!;
        int n = Observed.Count;
        while (_priorObserved.Count < n) _priorObserved.Add(prior.Score([Observed[_priorObserved.Count]])[0]);
        double c = 0, beta = 1, best = 0;
        if (n > 0)
        {
            var y = Stats.RankScores(Values);
            (c, beta) = ShrunkLine(_priorObserved, y, Shrinkage);
            var residual = y.Select((v, i) => v - (c + beta * _priorObserved[i])).ToList();
            _ensemble.Fit(Observed, residual, RoundSeed());
            best = y.Max();
        }
        bool fitted = n > 0;
        torch.manual_seed(RoundSeed(1));
        using var member = randint(Config.EnsembleOrDefault.Members, [_gen.Samples]);
        FillPool(batch, new AcquisitionModel(_ensemble, Config.Acquisition, best - c, Config.Kappa, _gen.Scale, member, prior.Pretrained, beta, fitted));
        var inPool = _pool.Select(a => a.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var a in prior.Ranked.Where(a => !Seen.Contains(a.ToString())).Take(SourceCandidates(batch)))
            if (inPool.Add(a.ToString())) _pool.Add(a);
        var offset = prior.Score(_pool).Select(v => c + beta * v).ToArray();
        return Take(Select(_ensemble, _pool, batch, best, offset, fitted));
    }

    /// <summary>Pseudo-points behind the prior slope beta = 1 in <see cref="ShrunkLine"/>.</summary>
    public const double Shrinkage = 5;

    /// <summary>Best unqueried labelled architectures (by source score) added to the candidates of a transfer round.</summary>
    private static int SourceCandidates(int batch) => 4 * batch;

    /// <summary>
    /// Least-squares line y = c + beta * x with beta shrunk towards 1 by <paramref name="shrinkage"/> pseudo-points:
    /// beta = (Sxy + k) / (Sxx + k) over centred sums, c = mean(y) - beta * mean(x).
    /// </summary>
    public static (double C, double Beta) ShrunkLine(IReadOnlyList<double> x, IReadOnlyList<double> y, double shrinkage)
    {
        int n = x.Count;
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); }
        double beta = (sxy + shrinkage) / (sxx + shrinkage);
        return (my - beta * mx, beta);
    }

    private void FillPool(int batch, AcquisitionModel guidance)
    {
        for (int attempt = 0; attempt <= _gen.Attempts; attempt++)
        {
            var fresh = Generate(_gen.Samples, guidance, attempt);
            _pool.AddRange(fresh);
            _pool.RemoveAll(a => Seen.Contains(a.ToString()));
            if (_pool.Count >= batch) break;
        }
        if (_pool.Count < batch) _pool.AddRange(FreshRandom(batch - _pool.Count));
    }

    private List<Arch> Take(List<Arch> chosen)
    {
        var chosenKeys = chosen.Select(a => a.ToString()).ToHashSet(StringComparer.Ordinal);
        _pool.RemoveAll(a => chosenKeys.Contains(a.ToString()));
        return chosen;
    }

    private List<Arch> Generate(int count, AcquisitionModel? guidance, int attempt = 0)
    {
        var samples = _generator.Sample(Math.Max(count, guidance is null ? count : _gen.Samples), RoundSeed(attempt + 2), guidance);
        var list = new List<Arch>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in Snap(samples.Where(d => d.Arch is not null).Select(d => d.Arch!).ToList()))
            if (!Seen.Contains(a.ToString()) && taken.Add(a.ToString()) && !_pool.Contains(a)) list.Add(a);
        if (guidance is null && list.Count < count) list.AddRange(FreshRandom(count - list.Count).Where(a => taken.Add(a.ToString())));
        return list;
    }

    private Tensor? _tableFeatures;
    private Arch[]? _tableArchs;
    private string[]? _tableKeys;

    /// <summary>
    /// On a table that scores only part of the space (<see cref="TableSpace"/>) a generated architecture is useful only
    /// if it can be queried: each one outside the table is replaced by the nearest table architecture (squared distance
    /// of the surrogate's input features, i.e. differing node symbols and edges) not yet proposed, in the pool or taken
    /// by an earlier sample of this batch. Elsewhere samples pass unchanged.
    /// </summary>
    private List<Arch> Snap(List<Arch> generated)
    {
        if (Space is not TableSpace table) return generated;
        var outside = generated.Where(a => !table.Contains(a)).ToList();
        if (outside.Count == 0) return generated;
        _tableArchs ??= table.Enumerate().ToArray();
        _tableKeys ??= _tableArchs.Select(a => a.ToString()).ToArray();
        _tableFeatures ??= _ensemble.Features(_tableArchs).DetachFromDisposeScope();          // [M, D], kept across rounds
        float[] dist;
        using (NewDisposeScope())
        {
            using var f = _ensemble.Features(outside);                                        // [G, D]
            dist = cdist(f, _tableFeatures).contiguous().data<float>().ToArray();             // [G * M]
        }
        int m = _tableArchs.Length, k = 0;
        var blocked = new HashSet<string>(Seen, StringComparer.Ordinal);
        foreach (var a in _pool) blocked.Add(a.ToString());
        foreach (var a in generated.Where(table.Contains)) blocked.Add(a.ToString());
        var result = new List<Arch>(generated.Count);
        foreach (var a in generated)
        {
            if (table.Contains(a)) { result.Add(a); continue; }
            int row = k++, best = -1;
            for (int j = 0; j < m; j++)
                if ((best < 0 || dist[row * m + j] < dist[row * m + best]) && !blocked.Contains(_tableKeys[j])) best = j;
            if (best < 0) continue;
            blocked.Add(_tableKeys[best]);
            result.Add(_tableArchs[best]);
        }
        return result;
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _ensemble.Dispose();
        _tableFeatures?.Dispose();
        base.Dispose();
    }
}
