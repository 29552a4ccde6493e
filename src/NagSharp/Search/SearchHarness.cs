using NagSharp.Benchmarks;
using NagSharp.Evaluation;
using NagSharp.Spaces;

namespace NagSharp.Search;

/// <summary>One objective query of a search run.</summary>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Seed">Seed of the run.</param>
/// <param name="Query">1-based query number.</param>
/// <param name="Arch">Architecture queried.</param>
/// <param name="Objective">Objective value (what the strategy saw).</param>
/// <param name="Report">Report-column value (never shown to the strategy).</param>
/// <param name="Violation">Summed relative violation of the search's constraints (<see cref="Constraint.Violation(IReadOnlyList{Constraint}, IReadOnlyDictionary{string, double})"/>):
/// 0 for a feasible candidate.</param>
/// <param name="Seconds">Wall-clock seconds the evaluation cost (0 where not measured, e.g. replayed from older records).</param>
/// <param name="AskedAfter">Results the strategy had been told when it asked for this one (null: Query - 1, a sequential run).</param>
/// <param name="Told">1-based order in which the strategy was told the result (null: Query, a sequential run).</param>
/// <param name="Error">Why the evaluation failed (null: it did not); a failed trial counts against the budget and is
/// never feasible.</param>
public sealed record Trial(string Strategy, int Seed, int Query, string Arch, double Objective, double Report, double Violation = 0, double Seconds = 0,
    int? AskedAfter = null, int? Told = null, string? Error = null)
{
    /// <summary>True when the evaluation succeeded and the candidate met every constraint.</summary>
    public bool Feasible => Error is null && Violation == 0;

    /// <summary>True when the evaluation failed.</summary>
    public bool Failed => Error is not null;

    /// <summary>Results told before this trial was asked for.</summary>
    public int AskedAfterOrDefault => AskedAfter ?? Query - 1;

    /// <summary>The order the strategy was told this result in.</summary>
    public int ToldOrDefault => Told ?? Query;

    /// <summary>Equal when everything but <see cref="Seconds"/> and the ask/tell order is: the time an evaluation took
    /// and the order parallel results arrived in are measurements of the machine, not part of what the search did, so a
    /// rerun with the same seed has equal trials.</summary>
    public bool Equals(Trial? other) => other is not null && Strategy == other.Strategy && Seed == other.Seed && Query == other.Query &&
        Arch == other.Arch && Objective.Equals(other.Objective) && Report.Equals(other.Report) && Violation.Equals(other.Violation) && Error == other.Error;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Strategy, Seed, Query, Arch, Objective, Report, Violation, Error);
}

/// <summary>Aggregate figures of one strategy over seeds.</summary>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Seeds">Runs aggregated.</param>
/// <param name="BestReport">Budget -&gt; (mean, std) of the report value of the best-objective architecture found so far.</param>
/// <param name="QueriesToOptimum">Mean queries until an architecture with the table's best objective value was queried
/// (censored runs count as the budget).</param>
/// <param name="FoundOptimum">Runs that found it within the budget.</param>
/// <param name="QueriesStd">Sample standard deviation of the per-run queries behind <paramref name="QueriesToOptimum"/>.</param>
/// <param name="Infeasible">Mean infeasible trials per run (constrained searches; 0 otherwise).</param>
/// <param name="FeasibleRuns">Budget -&gt; runs with a feasible trial by then, the runs behind <paramref name="BestReport"/>
/// (null: every run, as in unconstrained searches).</param>
public sealed record StrategySummary(string Strategy, int Seeds, IReadOnlyDictionary<int, (double Mean, double Std)> BestReport,
    double QueriesToOptimum, int FoundOptimum, double QueriesStd = 0, double Infeasible = 0, IReadOnlyDictionary<int, int>? FeasibleRuns = null);

/// <summary>What a search optimises.</summary>
/// <param name="Objective">Column the strategy is told (each evaluation counts against the budget).</param>
/// <param name="Report">Column read only for the final numbers.</param>
/// <param name="Minimize">The objective is lower-is-better: strategies (which maximise) are told its negation.</param>
/// <param name="Constraints">Bounds a candidate must meet to count as found (empty: none).</param>
public sealed record SearchGoal(string Objective, string Report, bool Minimize = false, IReadOnlyList<Constraint>? Constraints = null)
{
    /// <summary>The constraints, never null.</summary>
    public IReadOnlyList<Constraint> Bounds => Constraints ?? [];

    /// <summary>Checks every column against the evaluator's declared ones (a one-line user error naming the unknown one).</summary>
    public void Validate(IEvaluator evaluator)
    {
        evaluator.Column(Objective);
        evaluator.Column(Report);
        foreach (var c in Bounds) evaluator.Column(c.Column);
    }
}

/// <summary>Receives each new query as it starts and finishes (e.g. the SQLite experiment store).</summary>
public interface ITrialRecorder
{
    /// <summary>Called before the oracle is asked.</summary>
    void Start(string strategy, int seed, int query, string arch);

    /// <summary>Called once the answer is known.</summary>
    void Finish(Trial trial);
}

/// <summary>
/// Runs ask/tell strategies against a benchmark table. The objective column is the only thing a strategy sees, and
/// every distinct architecture costs one counted query; the report column is read only for the final numbers.
/// </summary>
public static class SearchHarness
{
    /// <summary>Budgets at which best-so-far values are reported.</summary>
    public static readonly IReadOnlyList<int> ReportBudgets = [10, 25, 50, 100, 200];

    /// <summary>
    /// Runs one strategy for <paramref name="budget"/> queries. <paramref name="recorded"/> trials of an interrupted run
    /// are replayed first: the strategy must ask for the same architectures in the same order (strategies are
    /// deterministic given seed and history) and is told the recorded values without querying the oracle again.
    /// <paramref name="oracle"/> (optional) is the counter the objective queries go through, for callers that audit it.
    /// With <paramref name="minimize"/> the strategy is told the negated value (strategies maximise), so lower-is-better
    /// columns (perplexity, latency) are searched the right way; trials keep the table's value.
    /// </summary>
    public static List<Trial> Run(ISearchStrategy strategy, BenchmarkData data, string objective, string report, int budget, int seed,
        IReadOnlyList<Trial>? recorded = null, ITrialRecorder? recorder = null, Oracle? oracle = null, bool minimize = false)
    {
        data.RequireColumn(objective);
        data.RequireColumn(report);
        using var evaluator = new TableEvaluator(data, oracle, objective);
        return Run(strategy, evaluator, new SearchGoal(objective, report, minimize), budget, seed, recorded, recorder);
    }

    /// <summary>
    /// Runs one strategy for <paramref name="budget"/> evaluations of <paramref name="evaluator"/>, one at a time in this
    /// process (see the executor overload).
    /// </summary>
    public static List<Trial> Run(ISearchStrategy strategy, IEvaluator evaluator, SearchGoal goal, int budget, int seed,
        IReadOnlyList<Trial>? recorded = null, ITrialRecorder? recorder = null)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        using var executor = new InProcessExecutor(evaluator, recorder);
        return Run(strategy, evaluator, goal, budget, seed, executor, recorded, [], recorder);
    }

    /// <summary>
    /// Runs one strategy for <paramref name="budget"/> evaluations through <paramref name="executor"/>, keeping up to its
    /// <see cref="ITrialExecutor.Slots"/> evaluations pending: the strategy is asked again while earlier results are
    /// outstanding and told each result as it arrives (asynchronous ask/tell). Each distinct architecture costs one
    /// evaluation; repeats of a told architecture are answered from memory, proposals still pending or that
    /// <paramref name="evaluator"/> cannot score on the objective are skipped, none of them counted.
    /// A candidate that misses a constraint of <paramref name="goal"/> is counted and recorded as infeasible, and the
    /// strategy is told a penalty below every value seen so far, deeper the further it misses (<see cref="Penalty"/>), so
    /// every strategy learns to avoid the infeasible region without a constraint model of its own; a failed evaluation is
    /// counted and told the deepest penalty.
    /// <para>Resume: <paramref name="recorded"/> (trials the strategy was told, with their ask/tell order) and
    /// <paramref name="outstanding"/> (requests asked and not told) of an interrupted run are replayed first, in the order
    /// they happened (each ask after as many tells as it was made after), so the strategy reaches the state it had;
    /// every replayed ask must propose the recorded architecture. Outstanding requests are submitted again (executors
    /// treat that idempotently) and nothing recorded is evaluated again. <paramref name="recorder"/> gets each new result
    /// when the strategy is told it.</para>
    /// </summary>
    public static List<Trial> Run(ISearchStrategy strategy, IEvaluator evaluator, SearchGoal goal, int budget, int seed, ITrialExecutor executor,
        IReadOnlyList<Trial>? recorded, IReadOnlyList<TrialRequest>? outstanding, ITrialRecorder? recorder)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(goal);
        ArgumentNullException.ThrowIfNull(executor);
        goal.Validate(evaluator);
        CheckBudget(evaluator, goal.Objective, budget);
        var history = new Replay(strategy.Name, seed, recorded ?? [], outstanding ?? [], budget);
        double sign = goal.Minimize ? -1 : 1;
        var told = new Dictionary<string, double>(StringComparer.Ordinal);
        var pending = new Dictionary<string, (TrialRequest Request, Arch Arch)>(StringComparer.Ordinal);
        var seen = new List<double>(budget);   // signed objective of every successful trial so far: the penalty's scale
        var trials = new List<Trial>(budget);
        int asked = 0, wasted = 0;
        while (trials.Count < budget)
        {
            // Ask while the history says this ask came next, or (live) while a slot is free.
            while (asked < budget && history.MayAsk(asked + 1, trials.Count, pending.Count, executor.Slots))
            {
                var arch = AskNew(strategy, evaluator, goal, told, pending, ref wasted, trials.Count, budget);
                var request = new TrialRequest(strategy.Name, seed, ++asked, arch.ToString(), trials.Count);
                history.CheckAsk(request);
                pending[request.Arch] = (request, arch);
                if (!history.IsTold(request.Query)) executor.Submit(request, arch);
            }
            Trial trial;
            (TrialRequest Request, Arch Arch) ask;
            if (history.NextTell(trials.Count) is { } replayed)
            {
                if (!pending.Remove(replayed.Arch, out ask))
                    throw new NagDataException($"replay of {strategy.Name} seed {seed} diverged: recorded result {trials.Count + 1} ({SafePath.Shorten(replayed.Arch)}) was never asked");
                trial = replayed;
            }
            else
            {
                if (pending.Count == 0) throw new InvalidOperationException("nothing pending and the budget not spent");
                var outcome = executor.Next();
                if (!pending.Remove(outcome.Request.Arch, out ask))
                    throw new InvalidOperationException($"executor returned a request that is not pending: query {outcome.Request.Query}");
                trial = ToTrial(outcome, goal, evaluator, trials.Count + 1);
                recorder?.Finish(trial);
            }
            double value;
            if (trial.Failed) value = seen.Count > 0 ? Penalty(seen, 1) : FailedFirst;
            else
            {
                seen.Add(sign * trial.Objective);
                value = trial.Feasible ? sign * trial.Objective : Penalty(seen, trial.Violation);
            }
            told[trial.Arch] = value;
            trials.Add(trial);
            strategy.Tell(ask.Arch, value);
        }
        return trials;
    }

    /// <summary>What a strategy is told for a failed evaluation when no other result has been seen yet.</summary>
    public const double FailedFirst = -1e9;

    // The next new architecture: told repeats are answered from memory, pending repeats and unscored proposals skipped.
    private static Arch AskNew(ISearchStrategy strategy, IEvaluator evaluator, SearchGoal goal, Dictionary<string, double> told,
        Dictionary<string, (TrialRequest, Arch)> pending, ref int wasted, int done, int budget)
    {
        int inARow = 0;
        while (true)
        {
            var arch = strategy.Ask();
            string key = arch.ToString();
            bool repeat = told.TryGetValue(key, out double known);
            if (!repeat && !pending.ContainsKey(key) && evaluator.Scores(arch, goal.Objective)) return arch;
            // The strategy learns nothing new, so stop if it keeps doing it: a bound on repeats in a row gives up
            // quickly once a strategy has run out of new proposals.
            if (++wasted > 100 * budget || ++inARow > MaxWastedInARow)
                throw new NagUserException($"strategy {strategy.Name} stopped proposing new architectures {Scorer(evaluator)} " +
                    $"({Math.Min(inARow, MaxWastedInARow + 1)} repeated or unscored proposals in a row after {done} of {budget} queries); lower the budget");
            if (repeat) strategy.Tell(arch, known);
        }
    }

    private static Trial ToTrial(TrialOutcome outcome, SearchGoal goal, IEvaluator evaluator, int toldOrder)
    {
        var r = outcome.Request;
        if (outcome.Result is not { } e)
            return new Trial(r.Strategy, r.Seed, r.Query, r.Arch, double.NaN, double.NaN, 0, 0, r.AskedAfter, toldOrder, outcome.Error ?? "failed");
        double v = e.Metrics.TryGetValue(goal.Objective, out double o) ? o : double.NaN;
        if (double.IsNaN(v))
            throw new NagDataException($"evaluator {evaluator.Name} gave no value of '{SafePath.Shorten(goal.Objective)}' for {SafePath.Shorten(r.Arch)}");
        return new Trial(r.Strategy, r.Seed, r.Query, r.Arch, v, e.Metrics.TryGetValue(goal.Report, out double rep) ? rep : double.NaN,
            Constraint.Violation(goal.Bounds, e.Metrics), e.Seconds, r.AskedAfter, toldOrder);
    }

    /// <summary>
    /// The recorded history of an interrupted run, in the order it happened: asks by query number (each after as many
    /// tells as it was made after) and tells by their order. A run without records replays nothing.
    /// </summary>
    private sealed class Replay
    {
        private readonly string _run;
        private readonly List<Trial> _tells;                   // recorded results, by tell order
        private readonly Dictionary<int, (string Arch, int AskedAfter)> _asks = [];
        private readonly HashSet<int> _told = [];

        public Replay(string strategy, int seed, IReadOnlyList<Trial> recorded, IReadOnlyList<TrialRequest> outstanding, int budget)
        {
            _run = $"{strategy} seed {seed}";
            _tells = recorded.OrderBy(t => t.ToldOrDefault).ToList();
            for (int i = 0; i < _tells.Count; i++)
                if (_tells[i].ToldOrDefault != i + 1) throw new NagDataException($"records of {_run} are not a whole history: result {i + 1} is missing");
            foreach (var t in _tells) { _asks[t.Query] = (t.Arch, t.AskedAfterOrDefault); _told.Add(t.Query); }
            foreach (var o in outstanding)
                if (!_asks.TryAdd(o.Query, (o.Arch, o.AskedAfter))) throw new NagDataException($"records of {_run}: query {o.Query} is recorded twice");
            int asks = _asks.Count;
            if (asks > budget || Enumerable.Range(1, asks).Any(q => !_asks.ContainsKey(q)))
                throw new NagDataException($"records of {_run} are not a whole history: {asks} asks recorded, not numbered 1..{asks} within the budget {budget}");
            var toldAt = _tells.ToDictionary(t => t.Query, t => t.ToldOrDefault);
            foreach (var (q, (_, after)) in _asks)
                if (after < 0 || after > _tells.Count || (toldAt.TryGetValue(q, out int at) && after >= at))
                    throw new NagDataException($"records of {_run}: query {q} says it was asked after {after} results, which the history does not allow");
        }

        /// <summary>True when ask <paramref name="query"/> happens now: a recorded ask once its tells are replayed; a new
        /// ask only after the whole history is replayed and while a slot is free.</summary>
        public bool MayAsk(int query, int toldSoFar, int pending, int slots) =>
            _asks.TryGetValue(query, out var a) ? a.AskedAfter <= toldSoFar : toldSoFar >= _tells.Count && pending < slots;

        public void CheckAsk(TrialRequest request)
        {
            if (_asks.TryGetValue(request.Query, out var a) && a.Arch != request.Arch)
                throw new NagDataException($"replay of {_run} diverged at query {request.Query}: recorded {SafePath.Shorten(a.Arch)}, asked {SafePath.Shorten(request.Arch)}");
        }

        public bool IsTold(int query) => _told.Contains(query);

        public Trial? NextTell(int toldSoFar) => toldSoFar < _tells.Count ? _tells[toldSoFar] : null;
    }

    /// <summary>
    /// What an infeasible candidate is told: the lowest signed objective seen so far (its own included) minus
    /// (0.1 + min(violation, 1)) times the spread of those values (1 while they have none). Below every candidate seen, so
    /// selection prefers any feasible one; graded by the violation, so surrogates learn the direction back to feasibility.
    /// It depends only on the history, so a replayed run tells exactly the same values.
    /// </summary>
    public static double Penalty(IReadOnlyList<double> seen, double violation)
    {
        ArgumentNullException.ThrowIfNull(seen);
        double lo = seen.Min(), hi = seen.Max();
        double spread = hi > lo ? hi - lo : Math.Max(Math.Abs(lo) * 0.01, 1e-9);
        return lo - (0.1 + Math.Min(violation, 1)) * spread;
    }

    /// <summary>Most repeated or unscored proposals in a row before a run gives up.</summary>
    public const int MaxWastedInARow = 1000;

    /// <summary>
    /// Distinct architectures with a value of <paramref name="objective"/>: the most queries any search on these tables
    /// can make (each counted query is a new architecture).
    /// </summary>
    public static int Queryable(BenchmarkData data, string objective)
    {
        data.RequireColumn(objective);
        return data.ColumnEntries(objective).Select(e => e.Arch.ToString()).Distinct(StringComparer.Ordinal).Count();
    }

    /// <summary>
    /// Throws a user error naming the limit when <paramref name="budget"/> is below 1 or above the distinct
    /// architectures the tables score on <paramref name="objective"/> (such a budget can never be spent: the search
    /// would run out of new architectures and spin).
    /// </summary>
    public static void CheckBudget(BenchmarkData data, string objective, int budget)
    {
        if (budget < 1) throw new NagUserException($"search budget must be at least 1, got {budget}");
        int n = Queryable(data, objective);
        if (budget > n)
            throw new NagUserException($"budget {budget} is more than the {n} distinct {data.Space.Name} architectures the tables score on " +
                $"'{SafePath.Shorten(objective)}'; every query is a new architecture, so the budget can be at most {n}");
    }

    /// <summary>
    /// Throws a user error naming the limit when <paramref name="budget"/> is below 1 or above the distinct architectures
    /// <paramref name="evaluator"/> can score on <paramref name="objective"/>.
    /// </summary>
    public static void CheckBudget(IEvaluator evaluator, string objective, int budget)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        if (budget < 1) throw new NagUserException($"search budget must be at least 1, got {budget}");
        if (evaluator.Capacity(objective) is long n && budget > n)
            throw new NagUserException($"budget {budget} is more than the {n} distinct {evaluator.Space.Name} architectures {Scorer(evaluator)} on " +
                $"'{SafePath.Shorten(objective)}'; every query is a new architecture, so the budget can be at most {n}");
    }

    private static string Scorer(IEvaluator evaluator) => evaluator is TableEvaluator ? "the tables score" : $"the {evaluator.Name} evaluator scores";

    /// <summary>Aggregates the trials of one strategy over its seeds; "best" is the lowest value with <paramref name="minimize"/>.</summary>
    public static StrategySummary Summarise(string strategy, IReadOnlyList<Trial> trials, BenchmarkData data, string objective, int budget,
        bool minimize = false) => Summarise(strategy, trials, OptimumArchs(data, objective, minimize), budget, minimize);

    /// <summary>
    /// Aggregates the trials of one strategy over its seeds: at each report budget, the mean and spread of the report
    /// value of the best feasible trial so far (the lowest objective with <paramref name="minimize"/>; runs without a
    /// feasible trial by then are left out, and a budget no run has one at is NaN), queries until one of
    /// <paramref name="optimum"/> was found (null: no known optimum, NaN), and the mean infeasible trials per run.
    /// </summary>
    public static StrategySummary Summarise(string strategy, IReadOnlyList<Trial> trials, IReadOnlySet<string>? optimum, int budget, bool minimize = false)
    {
        double sign = minimize ? -1 : 1;
        var runs = trials.Where(t => t.Strategy == strategy).GroupBy(t => t.Seed).Select(g => g.OrderBy(t => t.Query).ToList()).ToList();
        var best = new Dictionary<int, (double, double)>();
        var feasibleRuns = new Dictionary<int, int>();
        foreach (int b in ReportBudgets.Where(b => b <= budget).Append(budget).Distinct())
        {
            var values = runs.Select(r => r.Take(b).Where(t => t.Feasible).MaxBy(t => sign * t.Objective)).Where(t => t is not null).Select(t => t!.Report).ToArray();
            best[b] = values.Length == 0 ? (double.NaN, double.NaN) : (values.Average(), Stats.SampleStd(values));
            feasibleRuns[b] = values.Length;
        }
        double infeasible = runs.Count == 0 ? 0 : runs.Average(r => (double)r.Count(t => !t.Feasible));
        var feasible = trials.Any(t => t.Strategy == strategy && !t.Feasible) ? feasibleRuns : null;
        if (optimum is null) return new StrategySummary(strategy, runs.Count, best, double.NaN, 0, double.NaN, infeasible, feasible);
        var hits = runs.Select(r => r.FirstOrDefault(t => t.Feasible && optimum.Contains(t.Arch))?.Query).ToArray();
        var queries = hits.Select(h => (double)(h ?? budget)).ToArray();
        return new StrategySummary(strategy, runs.Count, best, queries.Average(), hits.Count(h => h is not null), Stats.SampleStd(queries), infeasible, feasible);
    }

    /// <summary>String forms of the table's architectures with the best <paramref name="objective"/> value (ties all count).</summary>
    public static HashSet<string> OptimumArchs(BenchmarkData data, string objective, bool minimize = false) => OptimumArchs(data, objective, minimize, []);

    /// <summary>String forms of the table's architectures with the best <paramref name="objective"/> value among those
    /// meeting every constraint (ties all count; empty when no row meets them).</summary>
    public static HashSet<string> OptimumArchs(BenchmarkData data, string objective, bool minimize, IReadOnlyList<Constraint> constraints)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(constraints);
        double sign = minimize ? -1 : 1;
        var entries = data.ColumnEntries(objective)
            .Where(e => constraints.Count == 0 || Constraint.Violation(constraints, data.MetricsOf(e.Arch)) == 0).ToList();
        if (entries.Count == 0) return new HashSet<string>(StringComparer.Ordinal);
        double top = sign * entries.Max(e => sign * e.Value);
        return entries.Where(e => e.Value == top).Select(e => e.Arch.ToString()).ToHashSet(StringComparer.Ordinal);
    }
}
