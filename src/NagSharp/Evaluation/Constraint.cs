using System.Globalization;

namespace NagSharp.Evaluation;

/// <summary>
/// A bound on a metric a candidate must meet to count (<c>note10_lut_ms&lt;=25</c>). A candidate that misses any bound is
/// infeasible: it is counted against the budget and its values are told to the strategy as a penalty (see
/// <see cref="Search.SearchHarness"/>), but it never becomes the best found.
/// </summary>
/// <param name="Column">Metric column.</param>
/// <param name="Operator">One of <c>&lt;=</c>, <c>&lt;</c>, <c>&gt;=</c>, <c>&gt;</c>.</param>
/// <param name="Bound">The bound.</param>
public sealed record Constraint(string Column, string Operator, double Bound)
{
    private static readonly string[] Operators = ["<=", ">=", "<", ">"];

    /// <summary>Parses <c>column&lt;=value</c> (also <c>&lt;</c>, <c>&gt;=</c>, <c>&gt;</c>); a one-line user error otherwise.</summary>
    public static Constraint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        foreach (var op in Operators)
        {
            int i = s.IndexOf(op, StringComparison.Ordinal);
            if (i < 0) continue;
            string column = s[..i].Trim(), value = s[(i + op.Length)..].Trim();
            if (column.Length == 0) throw new NagUserException($"constraint '{SafePath.Shorten(s)}': no column before {op}");
            if (value.StartsWith('=') || !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double bound) || !double.IsFinite(bound))
                throw new NagUserException($"constraint '{SafePath.Shorten(s)}': '{SafePath.Shorten(value)}' is not a finite number");
            return new Constraint(column, op, bound);
        }
        throw new NagUserException($"constraint '{SafePath.Shorten(s)}' is not column<=value, column<value, column>=value or column>value");
    }

    /// <summary>
    /// How far <paramref name="value"/> misses the bound, relative to the bound's magnitude (at least 1e-9): 0 when met,
    /// 1 when the value is missing (NaN: the evaluator cannot measure it for this architecture, so the bound cannot be
    /// shown to hold).
    /// </summary>
    public double Violation(double value)
    {
        if (double.IsNaN(value)) return 1;
        double gap = Operator[0] == '<' ? value - Bound : Bound - value;
        bool strict = Operator.Length == 1;
        if (gap < 0 || (gap == 0 && !strict)) return 0;
        return Math.Max(gap, 1e-12) / Math.Max(Math.Abs(Bound), 1e-9);
    }

    /// <summary>Summed violation of every constraint over one evaluation's metrics (0: feasible).</summary>
    public static double Violation(IReadOnlyList<Constraint> constraints, IReadOnlyDictionary<string, double> metrics)
    {
        ArgumentNullException.ThrowIfNull(constraints);
        ArgumentNullException.ThrowIfNull(metrics);
        double total = 0;
        foreach (var c in constraints) total += c.Violation(metrics.TryGetValue(c.Column, out double v) ? v : double.NaN);
        return total;
    }

    /// <summary>The constraint as written on the command line.</summary>
    public override string ToString() => $"{Column}{Operator}{Bound.ToString("R", CultureInfo.InvariantCulture)}";
}
