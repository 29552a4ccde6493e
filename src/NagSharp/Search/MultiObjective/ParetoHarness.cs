using NagSharp.Evaluation;
using NagSharp.Spaces;

namespace NagSharp.Search.MultiObjective;

/// <summary>A strategy that learns from every objective of a multi-objective search, not one told value.</summary>
public interface IMultiObjectiveStrategy : ISearchStrategy
{
    /// <summary>Reports the gains of an architecture the strategy asked for: one per objective, higher is better
    /// (lower-is-better objectives negated; an infeasible candidate's gains are penalties below everything seen).</summary>
    void Tell(Arch arch, IReadOnlyList<double> gains);
}

/// <summary>One query of a multi-objective search.</summary>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Seed">Seed of the run.</param>
/// <param name="Query">1-based query number.</param>
/// <param name="Arch">Architecture queried.</param>
/// <param name="Values">The objectives' values, in the search's objective order and the metrics' own units.</param>
/// <param name="Violation">Summed relative violation of the constraints; 0 for a feasible candidate.</param>
/// <param name="Seconds">Wall-clock seconds the evaluation cost.</param>
public sealed record ParetoTrial(string Strategy, int Seed, int Query, string Arch, IReadOnlyList<double> Values, double Violation = 0, double Seconds = 0)
{
    /// <summary>True when the candidate met every constraint.</summary>
    public bool Feasible => Violation == 0;
}

/// <summary>What a multi-objective search optimises.</summary>
/// <param name="Objectives">The columns (at least two), each optimised in its direction.</param>
/// <param name="Directions">Direction of each objective (from the evaluator's declared columns).</param>
/// <param name="Constraints">Bounds a candidate must meet to count (empty: none).</param>
public sealed record ParetoGoal(IReadOnlyList<string> Objectives, IReadOnlyList<MetricDirection> Directions, IReadOnlyList<Constraint>? Constraints = null)
{
    /// <summary>The constraints, never null.</summary>
    public IReadOnlyList<Constraint> Bounds => Constraints ?? [];

    /// <summary>The goal with each objective's direction as <paramref name="evaluator"/> declares it; a user error
    /// names an unknown column, a repeated objective or fewer than two.</summary>
    public static ParetoGoal For(IEvaluator evaluator, IReadOnlyList<string> objectives, IReadOnlyList<Constraint>? constraints = null)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(objectives);
        if (objectives.Count < 2) throw new NagUserException($"a multi-objective search needs at least two objectives, got {objectives.Count}");
        if (objectives.Distinct(StringComparer.Ordinal).Count() != objectives.Count) throw new NagUserException($"objective named twice: {string.Join(", ", objectives)}");
        var directions = objectives.Select(o => evaluator.Column(o).Direction).ToArray();
        foreach (var c in constraints ?? []) evaluator.Column(c.Column);
        return new ParetoGoal(objectives, directions, constraints);
    }
}

/// <summary>
/// Runs one strategy on several objectives. Same protocol as <see cref="SearchHarness"/>: every distinct architecture
/// costs one evaluation, repeats are answered from memory and unscored proposals skipped (neither counted), and an
/// infeasible candidate is told a penalty below everything seen in each objective (<see cref="SearchHarness.Penalty"/>).
/// An <see cref="IMultiObjectiveStrategy"/> is told every objective's gain; any other strategy is told the first one's
/// (the random baseline ignores it). Runs in-process: nothing is recorded for a resume.
/// </summary>
public static class ParetoHarness
{
    /// <summary>Runs <paramref name="strategy"/> for <paramref name="budget"/> evaluations.</summary>
    public static List<ParetoTrial> Run(ISearchStrategy strategy, IEvaluator evaluator, ParetoGoal goal, int budget, int seed)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(goal);
        foreach (var o in goal.Objectives) SearchHarness.CheckBudget(evaluator, o, budget);
        int m = goal.Objectives.Count;
        var told = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var seen = Enumerable.Range(0, m).Select(_ => new List<double>(budget)).ToArray();
        var trials = new List<ParetoTrial>(budget);
        int inARow = 0, wasted = 0;
        while (trials.Count < budget)
        {
            var arch = strategy.Ask();
            string key = arch.ToString();
            if (told.TryGetValue(key, out var known) || !goal.Objectives.All(o => evaluator.Scores(arch, o)))
            {
                if (++wasted > 100 * budget || ++inARow > SearchHarness.MaxWastedInARow)
                    throw new NagUserException($"strategy {strategy.Name} stopped proposing new architectures ({Math.Min(inARow, SearchHarness.MaxWastedInARow + 1)} " +
                        $"repeated or unscored proposals in a row after {trials.Count} of {budget} queries); lower the budget");
                if (known is not null) TellStrategy(strategy, arch, known);
                continue;
            }
            inARow = 0;
            var e = evaluator.Evaluate(arch);
            var values = goal.Objectives.Select(o => e.Metrics.TryGetValue(o, out double v) ? v : double.NaN).ToArray();
            for (int i = 0; i < m; i++)
                if (double.IsNaN(values[i]))
                    throw new NagDataException($"evaluator {evaluator.Name} gave no value of '{SafePath.Shorten(goal.Objectives[i])}' for {SafePath.Shorten(key)}");
            var trial = new ParetoTrial(strategy.Name, seed, trials.Count + 1, key, values, Constraint.Violation(goal.Bounds, e.Metrics), e.Seconds);
            var gains = new double[m];
            for (int i = 0; i < m; i++)
            {
                seen[i].Add(Pareto.Gain(values[i], goal.Directions[i]));
                gains[i] = trial.Feasible ? seen[i][^1] : SearchHarness.Penalty(seen[i], trial.Violation);
            }
            told[key] = gains;
            trials.Add(trial);
            TellStrategy(strategy, arch, gains);
        }
        return trials;
    }

    private static void TellStrategy(ISearchStrategy strategy, Arch arch, double[] gains)
    {
        if (strategy is IMultiObjectiveStrategy mo) mo.Tell(arch, gains);
        else strategy.Tell(arch, gains[0]);
    }
}
