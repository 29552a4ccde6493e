using NagSharp.Benchmarks;
using NagSharp.Spaces;

namespace NagSharp.Search;

/// <summary>One objective query of a search run.</summary>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Seed">Seed of the run.</param>
/// <param name="Query">1-based query number.</param>
/// <param name="Arch">Architecture queried.</param>
/// <param name="Objective">Objective value (what the strategy saw).</param>
/// <param name="Report">Report-column value (never shown to the strategy).</param>
public sealed record Trial(string Strategy, int Seed, int Query, string Arch, double Objective, double Report);

/// <summary>Aggregate figures of one strategy over seeds.</summary>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Seeds">Runs aggregated.</param>
/// <param name="BestReport">Budget -&gt; (mean, std) of the report value of the best-objective architecture found so far.</param>
/// <param name="QueriesToOptimum">Mean queries until an architecture with the table's best objective value was queried
/// (censored runs count as the budget).</param>
/// <param name="FoundOptimum">Runs that found it within the budget.</param>
/// <param name="QueriesStd">Sample standard deviation of the per-run queries behind <paramref name="QueriesToOptimum"/>.</param>
public sealed record StrategySummary(string Strategy, int Seeds, IReadOnlyDictionary<int, (double Mean, double Std)> BestReport,
    double QueriesToOptimum, int FoundOptimum, double QueriesStd = 0);

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
        double sign = minimize ? -1 : 1;
        data.RequireColumn(objective);
        data.RequireColumn(report);
        CheckBudget(data, objective, budget);
        oracle ??= new Oracle(data);
        var cache = new Dictionary<string, double>(StringComparer.Ordinal);
        var trials = new List<Trial>(budget);
        int wasted = 0, inARow = 0;
        while (trials.Count < budget)
        {
            var arch = strategy.Ask();
            string key = arch.ToString();
            if (cache.TryGetValue(key, out double known) || data.Get(arch, objective) is null)
            {
                // A repeat costs nothing (the harness remembers it); an architecture the tables cannot score is
                // skipped. Either way the strategy learns nothing new, so stop if it keeps doing it: a bound on repeats
                // in a row gives up quickly once a strategy has run out of new proposals.
                if (++wasted > 100 * budget || ++inARow > MaxWastedInARow)
                    throw new NagUserException($"strategy {strategy.Name} stopped proposing new architectures the tables score " +
                        $"({Math.Min(inARow, MaxWastedInARow + 1)} repeated or unscored proposals in a row after {trials.Count} of {budget} queries); lower the budget");
                if (cache.ContainsKey(key)) strategy.Tell(arch, sign * known);
                continue;
            }
            inARow = 0;
            int query = trials.Count + 1;
            Trial trial;
            if (recorded is not null && query <= recorded.Count)
            {
                trial = recorded[query - 1];
                if (trial.Arch != key)
                    throw new NagDataException($"replay of {strategy.Name} seed {seed} diverged at query {query}: recorded {trial.Arch}, asked {key}");
            }
            else
            {
                recorder?.Start(strategy.Name, seed, query, key);
                double v = oracle.Query(arch, objective);
                trial = new Trial(strategy.Name, seed, query, key, v, data.Get(arch, report)!.Value);
                recorder?.Finish(trial);
            }
            cache[key] = trial.Objective;
            trials.Add(trial);
            strategy.Tell(arch, sign * trial.Objective);
        }
        return trials;
    }

    /// <summary>Most repeated or unscored proposals in a row before a run gives up (<see cref="Run"/>).</summary>
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

    /// <summary>Aggregates the trials of one strategy over its seeds; "best" is the lowest value with <paramref name="minimize"/>.</summary>
    public static StrategySummary Summarise(string strategy, IReadOnlyList<Trial> trials, BenchmarkData data, string objective, int budget,
        bool minimize = false)
    {
        double sign = minimize ? -1 : 1;
        var optimum = OptimumArchs(data, objective, minimize);
        var runs = trials.Where(t => t.Strategy == strategy).GroupBy(t => t.Seed).Select(g => g.OrderBy(t => t.Query).ToList()).ToList();
        var best = new Dictionary<int, (double, double)>();
        foreach (int b in ReportBudgets.Where(b => b <= budget).Append(budget).Distinct())
        {
            var values = runs.Select(r => r.Take(b).MaxBy(t => sign * t.Objective)!.Report).ToArray();
            best[b] = (values.Average(), Stats.SampleStd(values));
        }
        var hits = runs.Select(r => r.FirstOrDefault(t => optimum.Contains(t.Arch))?.Query).ToArray();
        var queries = hits.Select(h => (double)(h ?? budget)).ToArray();
        return new StrategySummary(strategy, runs.Count, best, queries.Average(), hits.Count(h => h is not null), Stats.SampleStd(queries));
    }

    /// <summary>String forms of the table's architectures with the best <paramref name="objective"/> value (ties all count).</summary>
    public static HashSet<string> OptimumArchs(BenchmarkData data, string objective, bool minimize = false)
    {
        double sign = minimize ? -1 : 1;
        double top = sign * data.ColumnEntries(objective).Max(e => sign * e.Value);
        return data.ColumnEntries(objective).Where(e => e.Value == top).Select(e => e.Arch.ToString()).ToHashSet(StringComparer.Ordinal);
    }
}
