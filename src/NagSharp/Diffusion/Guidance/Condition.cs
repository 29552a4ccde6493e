using System.Globalization;
using System.Text.RegularExpressions;
using NagSharp.Benchmarks;
using NagSharp.Spaces;

namespace NagSharp.Diffusion.Guidance;

/// <summary>
/// A binary condition on a table column, written the way a user thinks of it:
/// <c>column&gt;=93.5</c>, <c>column&lt;=2</c>, <c>column&gt;=top5%</c>, <c>column&lt;=bottom10%</c>, optionally with a
/// subset for the quantile: <c>cifar10_valid_acc200&gt;=top5%@fpga_ms&lt;2</c> is "in the top 5 % of the architectures
/// with fpga_ms &lt; 2" (and therefore also in that subset). Column names are never special-cased.
/// </summary>
public sealed partial class Condition
{
    /// <summary>The text it was parsed from.</summary>
    public string Text { get; }
    /// <summary>Table column.</summary>
    public string Column { get; }
    /// <summary>One of &gt;=, &lt;=, &gt;, &lt;.</summary>
    public string Operator { get; }
    /// <summary>Fixed threshold, or null for a quantile condition.</summary>
    public double? Value { get; }
    /// <summary>Percentage of a quantile condition (top for &gt;, bottom for &lt;), or null.</summary>
    public double? Percent { get; }
    /// <summary>Subset within which the quantile is taken (and which the architecture must belong to), or null.</summary>
    public Condition? Subset { get; }

    private Condition(string text, string column, string op, double? value, double? percent, Condition? subset)
    {
        Text = text; Column = column; Operator = op; Value = value; Percent = percent; Subset = subset;
    }

    [GeneratedRegex(@"^\s*(?<col>[^<>=@\s]+)\s*(?<op>>=|<=|>|<)\s*(?<rhs>[^@\s]+)\s*(@(?<sub>.+))?$")]
    private static partial Regex Pattern();

    [GeneratedRegex(@"^(?<dir>top|bottom)(?<pct>[0-9]*\.?[0-9]+)%$", RegexOptions.IgnoreCase)]
    private static partial Regex QuantilePattern();

    /// <summary>Parses a condition; throws a user error naming the problem.</summary>
    public static Condition Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var m = Pattern().Match(text);
        if (!m.Success) throw new NagUserException($"condition '{text}' is not of the form column>=value, column<=value, column>=top5% or column>=top5%@subset-condition");
        string col = m.Groups["col"].Value, op = m.Groups["op"].Value, rhs = m.Groups["rhs"].Value;
        Condition? subset = m.Groups["sub"].Success ? Parse(m.Groups["sub"].Value) : null;
        if (subset?.Subset is not null) throw new NagUserException($"condition '{text}': a subset cannot have a subset of its own");
        var q = QuantilePattern().Match(rhs);
        if (q.Success)
        {
            double pct = double.Parse(q.Groups["pct"].Value, CultureInfo.InvariantCulture);
            bool top = q.Groups["dir"].Value.Equals("top", StringComparison.OrdinalIgnoreCase);
            if (pct is <= 0 or > 100) throw new NagUserException($"condition '{text}': percentage {pct} is outside (0, 100]");
            if (top != op.StartsWith('>')) throw new NagUserException($"condition '{text}': use >= with top P% and <= with bottom P%");
            return new Condition(text.Trim(), col, op, null, pct, subset);
        }
        if (!double.TryParse(rhs, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new NagUserException($"condition '{text}': '{rhs}' is neither a number nor topP% / bottomP%");
        return new Condition(text.Trim(), col, op, v, null, subset);
    }

    private bool Compare(double x, double threshold) => Operator switch
    {
        ">=" => x >= threshold,
        "<=" => x <= threshold,
        ">" => x > threshold,
        _ => x < threshold,
    };

    /// <summary>
    /// Evaluates the condition on every architecture of the tables (keyed by string form). A quantile threshold is
    /// the value of the k-th best architecture (k = ceil(P% of the candidates)); ties with it satisfy the condition.
    /// </summary>
    public Dictionary<string, bool> Evaluate(BenchmarkData data)
    {
        data.RequireColumn(Column);
        var entries = data.ColumnEntries(Column).ToArray();
        Dictionary<string, bool>? inSubset = Subset?.Evaluate(data);
        bool Member(Arch a) => inSubset is null || inSubset.GetValueOrDefault(a.ToString());
        double threshold;
        if (Value is double v) threshold = v;
        else
        {
            var candidates = entries.Where(e => Member(e.Arch)).Select(e => e.Value).ToArray();
            if (candidates.Length == 0) throw new NagUserException($"condition '{Text}': no architecture is in the subset");
            Array.Sort(candidates);
            if (Operator.StartsWith('>')) Array.Reverse(candidates);
            int k = Math.Max(1, (int)Math.Ceiling(Percent!.Value / 100 * candidates.Length));
            threshold = candidates[k - 1];
        }
        var result = new Dictionary<string, bool>(entries.Length, StringComparer.Ordinal);
        foreach (var (arch, value) in entries)
            result[arch.ToString()] = Member(arch) && (Value is null ? (Operator.StartsWith('>') ? value >= threshold : value <= threshold) : Compare(value, threshold));
        return result;
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}
