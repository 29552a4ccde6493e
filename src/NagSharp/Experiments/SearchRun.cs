using System.Globalization;
using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Evaluation;
using NagSharp.Diffusion.Score;
using NagSharp.Search;
using NagSharp.Spaces;
using NagSharp.Store;

namespace NagSharp.Experiments;

/// <summary>Settings of <see cref="SearchRun"/>.</summary>
/// <param name="Space">Search space name.</param>
/// <param name="Objective">Column the strategies may query (each query counts against the budget); null: the evaluator's default (<see cref="Evaluators.DefaultObjective"/>), required where it has none.</param>
/// <param name="Report">Column used only for the final figures, so the reported value is not what was optimised; required unless resuming (other evaluators than the tables: defaults to the objective).</param>
/// <param name="Strategies">Strategy names; null: every strategy, transfer only with sources, the generator strategies
/// where <see cref="SearchRun.DefaultsIncludeGenerator"/> says so.</param>
/// <param name="Budget">Queries per run: the NAS-Bench-201 protocol's 100 shows both early progress and convergence.</param>
/// <param name="Seeds">Runs per strategy: 20 gives standard errors small enough to rank the strategies.</param>
/// <param name="FirstSeed">First seed; runs use FirstSeed..FirstSeed+Seeds-1.</param>
/// <param name="Strategy">Settings of the model-based strategies (stored with the experiment).</param>
/// <param name="Store">SQLite experiment store recording trials as they happen, or null.</param>
/// <param name="Resume">An experiment of <see cref="Store"/> to continue: its stored space, columns, strategies and
/// settings win, and no recorded trial is queried again.</param>
/// <param name="ModelsDir">Where default generators are cached.</param>
/// <param name="DataDir">Benchmark data directory (null: the default lookup).</param>
/// <param name="ExtraTables">Extra metric tables loaded beside the space's own.</param>
/// <param name="Parallel">Evaluations pending at once, run by worker processes through <see cref="Store"/> (required);
/// 0: evaluated in this process, one at a time.</param>
/// <param name="Workers">Local <c>nag worker</c> processes started for a parallel search (null: <see cref="Parallel"/>;
/// 0: none, workers started elsewhere serve the store).</param>
public sealed record SearchRunSettings(string Space = "nb201", string? Objective = null, string? Report = null, IReadOnlyList<string>? Strategies = null,
    int Budget = 100, int Seeds = 20, int FirstSeed = 0, SearchSettings? Strategy = null, string? Store = null, long? Resume = null,
    string? ModelsDir = null, string? DataDir = null, IReadOnlyList<string>? ExtraTables = null, int Parallel = 0, int? Workers = null);

/// <summary>What a search produced: every trial and the per-strategy summaries.</summary>
/// <param name="Space">Search space name.</param>
/// <param name="Objective">Queried column.</param>
/// <param name="Report">Reported column.</param>
/// <param name="Budget">Queries per run.</param>
/// <param name="Seeds">Runs per strategy.</param>
/// <param name="Minimize">Whether the objective is lower-is-better.</param>
/// <param name="Settings">The strategies' settings (null for pooled outputs, whose runs may differ in them).</param>
/// <param name="Trials">Every trial, by strategy, seed and query.</param>
/// <param name="Summaries">One summary per strategy, in the order run.</param>
/// <param name="Seconds">Wall time per strategy, where measured.</param>
/// <param name="ExperimentId">The experiment in the store, if one was used.</param>
/// <param name="Evaluator">What answered the queries (<c>table</c>, <c>model</c>, ...).</param>
/// <param name="Constraints">The constraints candidates had to meet (empty: none).</param>
/// <param name="Notes">What qualifies the figures (e.g. a surrogate's held-out rank correlation).</param>
public sealed record SearchRunResult(string Space, string Objective, string Report, int Budget, int Seeds, bool Minimize, SearchSettings? Settings,
    IReadOnlyList<Trial> Trials, IReadOnlyList<StrategySummary> Summaries, IReadOnlyDictionary<string, double>? Seconds = null, long? ExperimentId = null,
    string Evaluator = "table", IReadOnlyList<string>? Constraints = null, IReadOnlyList<string>? Notes = null)
{
    /// <summary>True when the outputs need the per-trial feasibility and seconds (a constrained or non-table search).</summary>
    public bool HasTrialDetails => Evaluator != "table" || Constraints is { Count: > 0 };
}

/// <summary>
/// <c>nag search</c>'s protocol: classic and generator-based NAS strategies on a benchmark table, many seeds, resumable
/// through an experiment store.
/// </summary>
public static class SearchRun
{
    /// <summary>
    /// Whether the default strategy list includes the generator strategies: always on a fixed topology (the tiny score
    /// generator trains in about a minute), on a free one only with a generator given (a usable discrete generator of a
    /// free topology takes far longer to train than the search itself; name the strategy to have a default one trained).
    /// </summary>
    public static bool DefaultsIncludeGenerator(ISearchSpace space, string? generator) => space.FixedAdjacency is not null || generator is not null;

    /// <summary>Runs the search (or resumes it) and returns its trials and summaries.</summary>
    public static SearchRunResult Run(SearchRunSettings settings, IProgress<ExperimentEvent>? progress = null)
    {
        if (settings.Parallel < 0 || settings.Workers < 0) throw new NagUserException("parallel evaluations and workers cannot be negative");
        if (settings.Parallel > 0 && settings.Store is null) throw new NagUserException("parallel evaluation needs an experiment store");
        using var store = settings.Store is null ? null : new ExperimentStore(settings.Store);
        Experiment? experiment = null;
        string[] names;
        string obj, rep;
        int b, runs, first;
        ISearchSpace s;
        SearchSettings strategy;
        if (settings.Resume is long id)
        {
            if (store is null) throw new NagUserException("resuming needs an experiment store");
            experiment = store.Get(id);
            s = SpaceRegistry.Get(experiment.Space);
            (obj, rep, names, b, runs, first) = (experiment.Objective, experiment.Report, experiment.Strategies.ToArray(), experiment.Budget, experiment.Seeds, experiment.FirstSeed);
            strategy = SearchSettings.FromJson(experiment.Settings, $"{store.Path}: experiment {id}");
        }
        else
        {
            s = SpaceRegistry.Get(settings.Space);
            strategy = settings.Strategy ?? new SearchSettings();
            obj = settings.Objective ?? Evaluators.DefaultObjective(strategy.EvaluatorName, s)
                ?? throw new NagUserException($"objective is required (evaluator {strategy.EvaluatorName} on {s.Name} has no default column)");
            // A table has separate validation and test columns; another evaluator's objective is its own report by default.
            rep = settings.Report ?? (strategy.EvaluatorName == "table" ? throw new NagUserException("report is required") : "");
            var sources = strategy.TransferFrom ?? [];
            names = settings.Strategies is { Count: > 0 } given ? given.ToArray()
                : StrategyRegistry.Names.Where(n => (n != "transfer" || sources.Count > 0) && (!StrategyRegistry.NeedsGenerator(n) || DefaultsIncludeGenerator(s, strategy.Generator))).ToArray();
            (b, runs, first) = (settings.Budget, settings.Seeds, settings.FirstSeed);
        }
        string evaluatorName = strategy.EvaluatorName;
        var constraints = strategy.ParsedConstraints();
        bool table = evaluatorName == "table";
        if (table && strategy.Train is not null) throw new NagUserException("a training dataset is given, but evaluator table trains nothing (use train, or e.g. train+latency)");
        // Other evaluators load the tables themselves where they need them; transfer's sources are table columns.
        BenchmarkData? data = table || strategy.TransferFrom is { Count: > 0 }
            ? BenchmarkData.Load(s, DataLocator.Resolve(settings.DataDir), settings.ExtraTables ?? [])
            : null;
        if (table) { data!.RequireColumn(obj); data.RequireColumn(rep); }
        foreach (var n in names) StrategyRegistry.Validate(n);   // before any work
        if (b < 1 || runs < 1) throw new NagUserException("budget and seeds must be at least 1");
        if (table) SearchHarness.CheckBudget(data!, obj, b);   // a budget no search can spend is refused before any work
        strategy.Bo();
        using var evaluator = table ? new TableEvaluator(data!, null, obj) : Evaluators.Create(s, new EvaluatorSettings(evaluatorName, settings.DataDir,
            settings.ExtraTables, [obj, .. rep.Length > 0 ? [rep] : Array.Empty<string>(), .. constraints.Select(c => c.Column)], Train: strategy.Train),
            data, line => progress.Note(line));
        if (rep.Length == 0) rep = evaluator.ReportFor(obj);   // another evaluator than the tables names its own report
        var goal = new SearchGoal(obj, rep, strategy.Minimize, constraints);
        goal.Validate(evaluator);
        // A new search follows the objective's declared direction (--minimize can only force lower-is-better); a resumed
        // one keeps the direction it was recorded with.
        if (experiment is null && !strategy.Minimize && evaluator.Column(obj).Direction == MetricDirection.LowerIsBetter)
        {
            strategy = strategy with { Minimize = true };
            goal = goal with { Minimize = true };
        }
        SearchHarness.CheckBudget(evaluator, obj, b);
        // A table that covers only part of the space: strategies propose only what it scores.
        var searchSpace = evaluator.SearchSpace(obj);
        var cache = new ModelCache(settings.ModelsDir ?? ModelCache.DefaultDir, settings.DataDir, settings.ExtraTables, progress);
        using var models = new StrategyModels(searchSpace, data, obj, rep, strategy, cache);
        // A run holds its experiment: a second resume of it while this one runs is refused.
        using var lease = experiment is null ? null : store!.Acquire(experiment.Id);
        if (experiment is not null)
            progress.Note($"resuming experiment {experiment.Id}: {store!.Trials(experiment.Id).Count} trials recorded, {store.InFlight(experiment.Id)} in flight (asked again)");
        if (names.Contains("transfer")) models.Options.Transfer!();
        if (names.Any(StrategyRegistry.NeedsGenerator)) models.Options.Generator!();
        ExperimentLease? newLease = null;
        using var releaseNew = new Disposer(() => newLease?.Dispose());
        if (store is not null && experiment is null)
        {
            experiment = store.Create(s.Name, obj, rep, names, b, runs, first, strategy.ToJson());
            newLease = store.Acquire(experiment.Id);
            progress.Note($"recording as experiment {experiment.Id} in {store.Path}");
        }
        var recordedAll = experiment is null ? [] : store!.Trials(experiment.Id);
        var recorder = experiment is null ? null : new StoreRecorder(store!, experiment.Id);
        using var workers = settings.Parallel > 0 && (settings.Workers ?? settings.Parallel) > 0
            ? StartWorkers(store!, experiment!.Id, settings.Workers ?? settings.Parallel, settings) : null;
        Func<ITrialExecutor>? executor = settings.Parallel > 0
            ? () => new Workers.StoreExecutor(store!, experiment!.Id, settings.Parallel, workers is null ? null : workers.Dead)
            : null;
        var outstanding = settings.Parallel > 0 ? store!.Outstanding(experiment!.Id).Select(q => new TrialRequest(q.Strategy, q.Seed, q.Query, q.Arch, q.AskedAfter)).ToList() : [];
        if (outstanding.Count > 0) progress.Note($"{outstanding.Count} evaluations asked and not told: submitted again (a finished one is not evaluated twice)");
        var trials = RunStrategies(names, searchSpace, evaluator, goal, b, runs, first, models.Options, recordedAll, recorder,
            (done, total, status) => progress.Step("search", done, total, status), executor, outstanding);
        if (experiment is not null) store!.Complete(experiment.Id);
        // The queries-to-optimum figure needs the whole table's optimum, so only a table search has one.
        var optimum = table ? SearchHarness.OptimumArchs(data!, obj, goal.Minimize, constraints) : null;
        var summaries = names.Select(n => SearchHarness.Summarise(n, trials, optimum, b, goal.Minimize)).ToArray();
        return new SearchRunResult(s.Name, obj, rep, b, runs, goal.Minimize, strategy, trials, summaries, ExperimentId: experiment?.Id,
            Evaluator: evaluator.Name, Constraints: constraints.Select(c => c.ToString()).ToArray(), Notes: evaluator.Notes);
    }

    // Local `nag worker` processes serving this experiment; they stop once it is done (or are killed when the run fails).
    private static Workers.WorkerProcesses StartWorkers(ExperimentStore store, long id, int count, SearchRunSettings settings)
    {
        // The local workers split this machine's cores (each trains with its share of torch threads).
        var args = new List<string> { "--store", store.Location, "--experiment", id.ToString(CultureInfo.InvariantCulture),
            "--threads", Workers.WorkerSettings.ThreadsPerLocalWorker(count).ToString(CultureInfo.InvariantCulture) };
        if (settings.DataDir is string dir) args.AddRange(["--data-dir", dir]);
        foreach (var t in settings.ExtraTables ?? []) args.AddRange(["--extra-table", t]);
        return new Workers.WorkerProcesses(count, args);
    }

    /// <summary>Runs every (strategy, seed) against <paramref name="evaluator"/>, replaying recorded trials first, and
    /// returns all trials in order. With <paramref name="executor"/> each run's evaluations go through a new executor
    /// from it (e.g. worker processes), <paramref name="outstanding"/> being the requests an interrupted run had asked
    /// and not told; without, they run in this process one at a time.</summary>
    public static List<Trial> RunStrategies(IReadOnlyList<string> names, ISearchSpace space, IEvaluator evaluator, SearchGoal goal, int budget,
        int seeds, int first, StrategyOptions options, IReadOnlyList<Trial> recordedAll, ITrialRecorder? recorder, Action<int, int, string>? progress,
        Func<ITrialExecutor>? executor = null, IReadOnlyList<TrialRequest>? outstanding = null)
    {
        // Without an executor each run evaluates in this process, one at a time.
        executor ??= () => new InProcessExecutor(evaluator, recorder);
        var all = new List<Trial>();
        int finished = 0;
        foreach (var n in names)
            for (int k = 0; k < seeds; k++)
            {
                int seed = first + k;
                var recorded = recordedAll.Where(t => t.Strategy == n && t.Seed == seed).ToList();
                var asked = (outstanding ?? []).Where(r => r.Strategy == n && r.Seed == seed).ToList();
                var strategy = StrategyRegistry.Create(n, space, seed, options);
                try
                {
                    using var run = executor();
                    all.AddRange(SearchHarness.Run(strategy, evaluator, goal, budget, seed, run, recorded, asked, recorder));
                }
                finally { (strategy as IDisposable)?.Dispose(); }
                progress?.Invoke(++finished, names.Count * seeds, $"{n} seed {seed}");
            }
        return all;
    }

    /// <summary>Runs every (strategy, seed) against the tables' <paramref name="objective"/>, replaying recorded trials
    /// first, and returns all trials in order.</summary>
    public static List<Trial> RunStrategies(IReadOnlyList<string> names, ISearchSpace space, BenchmarkData data, string objective, string report, int budget,
        int seeds, int first, StrategyOptions options, IReadOnlyList<Trial> recordedAll, ITrialRecorder? recorder, Action<int, int, string>? progress,
        bool minimize = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        data.RequireColumn(objective);
        data.RequireColumn(report);
        using var table = new TableEvaluator(data, null, objective);
        return RunStrategies(names, space, table, new SearchGoal(objective, report, minimize), budget, seeds, first, options, recordedAll, recorder, progress);
    }

    private sealed class StoreRecorder(ExperimentStore store, long id) : ITrialRecorder
    {
        private string _started = "";
        public void Start(string strategy, int seed, int query, string arch)
        {
            _started = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            store.Start(id, strategy, seed, query, arch);
        }
        public void Finish(Trial trial) => store.Finish(id, trial, _started);
    }
}

/// <summary>
/// The models behind the model-based strategies of one search: the generator and the transfer prior, built on first
/// use and shared by all seeds, disposed with this object.
/// </summary>
public sealed class StrategyModels : IDisposable
{
    private IArchGenerator? _generator;
    private TransferPrior? _prior;

    /// <summary>
    /// Validates <paramref name="settings"/> and prepares the options. Transfer sources may not be the objective or the
    /// report column (that would leak the answer).
    /// </summary>
    public StrategyModels(ISearchSpace space, BenchmarkData? data, string objective, string report, SearchSettings settings, ModelCache cache)
    {
        var sources = settings.TransferFrom ?? [];
        if (sources.Count > 0 && data is null) throw new NagUserException($"transfer sources need the benchmark tables of {space.Name}");
        foreach (var c in sources)
        {
            data!.RequireColumn(c);
            if (c == objective || c == report) throw new NagUserException($"transfer source {c}: a transfer source cannot be the objective or report column");
        }
        TorchSharp.torch.set_num_threads(1);   // tiny tensors: a second thread only adds synchronisation (docs/decisions/0115-generator-bo.md)
        var bo = settings.Bo();
        var gen = new GeneratorBoConfig(settings.Samples, new SamplerConfig(Steps: settings.SampleSteps), settings.Guidance);
        IArchGenerator Generator()
        {
            if (_generator is not null) return _generator;
            string path = settings.Generator ?? cache.SearchGenerator(space.Name);
            _generator = GeneratorBoSearch.OpenGenerator(path);
            if (_generator.Space.Name != space.Name)
            {
                string other = _generator.Space.Name;
                _generator.Dispose(); _generator = null;
                throw new NagUserException($"{path}: generator of {other}, but the search is on {space.Name}");
            }
            return _generator;
        }
        TransferPrior Transfer()
        {
            if (_prior is not null) return _prior;
            if (sources.Count == 0) throw new NagUserException("strategy transfer needs transfer sources (columns)");
            _prior = TransferPrior.Pretrain(space, TransferPrior.SourceRows(data!, sources, settings.Minimize), bo.EnsembleOrDefault, Generator().Sde);
            return _prior;
        }
        Options = new StrategyOptions { Bo = bo, GeneratorBo = gen, Generator = Generator, Transfer = Transfer };
    }

    /// <summary>The options strategies are created with.</summary>
    public StrategyOptions Options { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        _prior?.Dispose();
        _generator?.Dispose();
    }
}

/// <summary>Runs an action on dispose (releases a resource assigned after the <c>using</c> began).</summary>
file sealed class Disposer(Action action) : IDisposable
{
    public void Dispose() => action();
}
