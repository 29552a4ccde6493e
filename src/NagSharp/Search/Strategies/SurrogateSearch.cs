using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Search;

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
    private readonly List<Arch> _pending = [];   // asked and not yet told, in ask order

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
            foreach (var a in PlanWithFantasies(batch))
                if (Seen.Add(a.ToString())) _queue.Enqueue(a);
            if (_queue.Count == 0) _queue.Enqueue(FreshRandom());
            Round++;
        }
        var next = _queue.Dequeue();
        _pending.Add(next);
        return next;
    }

    /// <summary>
    /// Plans a round. With results still pending (a parallel search asks before earlier answers are in), each pending
    /// architecture joins the history for this plan with a fantasised value, the median of the values told so far
    /// (constant liar, Ginsbourger et al. 2010): the surrogate then expects nothing new near a pending point, so the round
    /// spreads out instead of piling onto what is already being evaluated. Pending architectures are never proposed
    /// again (they are in <see cref="Seen"/>). A sequential run never has pending points here and plans as it always did.
    /// </summary>
    private List<Arch> PlanWithFantasies(int batch)
    {
        int real = Observed.Count;
        if (_pending.Count == 0 || real == 0) return Plan(batch).Take(batch).ToList();
        double lie = Median(Values);
        Observed.AddRange(_pending);
        Values.AddRange(Enumerable.Repeat(lie, _pending.Count));
        try { return Plan(batch).Take(batch).ToList(); }
        finally
        {
            Observed.RemoveRange(real, Observed.Count - real);
            Values.RemoveRange(real, Values.Count - real);
        }
    }

    private static double Median(List<double> values) => MathNet.Numerics.Statistics.Statistics.Median(values);

    /// <summary>Architectures asked for and not yet told, in ask order.</summary>
    protected IReadOnlyList<Arch> Pending => _pending;

    /// <inheritdoc />
    public void Tell(Arch arch, double objective)
    {
        string key = arch.ToString();
        int i = _pending.FindIndex(a => a.ToString() == key);
        if (i >= 0) _pending.RemoveAt(i);
        Observed.Add(arch);
        Values.Add(objective);
    }

    /// <summary>
    /// Replaces the values told so far (one per told architecture, in the order told): a multi-objective search
    /// re-scalarises its whole history with new weights before each round (<see cref="MultiObjective.ParegoSearch"/>).
    /// </summary>
    public void Retell(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != Values.Count) throw new ArgumentException($"{values.Count} values for {Values.Count} told architectures");
        for (int i = 0; i < values.Count; i++) Values[i] = values[i];
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
        var score = Acquisition.Rank(Config.Acquisition, preds, best, Config.Kappa).to_type(ScalarType.Float64).data<double>().ToArray();
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
