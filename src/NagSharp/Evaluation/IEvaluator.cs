using NagSharp.Spaces;

namespace NagSharp.Evaluation;

/// <summary>A metric an evaluator produces.</summary>
/// <param name="Name">Column name (as in tables, constraints and outputs).</param>
/// <param name="Direction">Whether larger or smaller values are better.</param>
public sealed record MetricColumn(string Name, MetricDirection Direction)
{
    /// <summary>"higher" or "lower": how outputs name the direction.</summary>
    public string DirectionWord => Direction == MetricDirection.LowerIsBetter ? "lower" : "higher";
}

/// <summary>What one evaluation produced.</summary>
/// <param name="Metrics">A value for every declared column; NaN where the evaluator cannot give one for this
/// architecture (a sparse table's empty cell, a latency table without the subnet's resolution).</param>
/// <param name="Seconds">Wall-clock seconds the evaluation cost.</param>
public sealed record Evaluation(IReadOnlyDictionary<string, double> Metrics, double Seconds);

/// <summary>
/// Turns an architecture into named metrics: a benchmark table lookup, a model oracle, a measurement on this machine.
/// Evaluators declare their columns up front (with directions), so a search checks its objective, report and constraints
/// before any work and every output can say which way is better. Queries are counted: in NAS, cost is measured in them.
/// </summary>
public interface IEvaluator : IDisposable
{
    /// <summary>Short name used on the command line (<c>table</c>, <c>model</c>, <c>latency</c>, <c>model+latency</c>, ...).</summary>
    string Name { get; }

    /// <summary>The space whose architectures it evaluates.</summary>
    ISearchSpace Space { get; }

    /// <summary>The metrics every evaluation returns, in output order.</summary>
    IReadOnlyList<MetricColumn> Columns { get; }

    /// <summary>Evaluations made so far.</summary>
    int Queries { get; }

    /// <summary>Lines that qualify the figures (e.g. a surrogate's held-out rank correlation); empty when there are none.</summary>
    IReadOnlyList<string> Notes { get; }

    /// <summary>
    /// True when <paramref name="arch"/> has a value of <paramref name="column"/> without evaluating it (a sparse table
    /// scores only its rows); a search skips other proposals without counting them. Default: always.
    /// </summary>
    bool Scores(Arch arch, string column) => true;

    /// <summary>
    /// The space a search on <paramref name="objective"/> should propose from: the evaluator's space, or the part of it
    /// the evaluator scores (a sparse table's rows). Default: the evaluator's space.
    /// </summary>
    ISearchSpace SearchSpace(string objective) => Space;

    /// <summary>
    /// The most distinct architectures a search on <paramref name="objective"/> can evaluate, or null when the space is
    /// too large for it to matter. Default: the size of the evaluator's space.
    /// </summary>
    long? Capacity(string objective) => Space.Size;

    /// <summary>The column reported for a search on <paramref name="objective"/> when none is named: the objective
    /// itself, unless the evaluator holds a separate measurement of the same quality the search never sees (the
    /// train evaluator's test accuracy for its validation accuracy).</summary>
    string ReportFor(string objective) => objective;

    /// <summary>Evaluates one architecture (counts one query). A user error names the problem for an architecture of
    /// another space.</summary>
    Evaluation Evaluate(Arch arch);
}

/// <summary>Helpers every evaluator shares.</summary>
public static class EvaluatorChecks
{
    /// <summary>The declared column named <paramref name="column"/>; a one-line user error listing the available ones.</summary>
    public static MetricColumn Column(this IEvaluator evaluator, string column)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        return evaluator.Columns.FirstOrDefault(c => c.Name == column)
            ?? throw new NagUserException($"unknown metric column '{SafePath.Shorten(column ?? "")}' for evaluator {evaluator.Name} on {evaluator.Space.Name} " +
                $"(available: {string.Join(", ", evaluator.Columns.Select(c => c.Name))})");
    }

    /// <summary>Throws a one-line user error when <paramref name="arch"/> is not an architecture of <paramref name="space"/>
    /// (another space's, or one its syntax does not accept).</summary>
    public static void RequireArch(ISearchSpace space, Arch arch, string evaluator)
    {
        ArgumentNullException.ThrowIfNull(arch);
        string text = arch.ToString();
        Arch parsed;
        try { parsed = space.Parse(text); }
        catch (ArchFormatException e) { throw new NagUserException($"evaluator {evaluator} on {space.Name}: '{SafePath.Shorten(text)}' is not a {space.Name} architecture ({e.Message})"); }
        if (parsed.GetType() != arch.GetType() || parsed.ToString() != text)
            throw new NagUserException($"evaluator {evaluator} on {space.Name}: '{SafePath.Shorten(text)}' is not a {space.Name} architecture");
    }
}
