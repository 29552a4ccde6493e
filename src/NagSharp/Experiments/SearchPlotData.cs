using System.Globalization;
using NagSharp.Search;

namespace NagSharp.Experiments;

/// <summary>A tick mark of a plot axis: where it sits (in the plotted coordinate) and what it reads.</summary>
/// <param name="Position">Position on the axis, in plotted units (log10 of the value on a log axis).</param>
/// <param name="Label">Text of the tick.</param>
public sealed record PlotTick(double Position, string Label);

/// <summary>One strategy's curve over queries 1..budget (index q - 1).</summary>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Mean">Mean over runs at each query.</param>
/// <param name="Lower">Lower edge of the band at each query.</param>
/// <param name="Upper">Upper edge of the band at each query.</param>
/// <param name="SameAs">The first strategy (in plot order) whose curve is exactly this one, or null. Identical curves are
/// common (two strategies sharing their first queries, or never leaving the random start), and drawn on top of each other
/// one would hide the other: the legend says so and the markers are staggered.</param>
public sealed record StrategyCurve(string Strategy, double[] Mean, double[] Lower, double[] Upper, string? SameAs);

/// <summary>A bin of the queries-to-optimum histogram: runs that first queried an optimal architecture at query
/// <paramref name="First"/>..<paramref name="Last"/>, or (<see cref="NotFound"/>) never within the budget.</summary>
/// <param name="First">First query of the bin (1-based).</param>
/// <param name="Last">Last query of the bin.</param>
/// <param name="Label">Tick label (<c>1-10</c>, <c>7</c>, <c>not found</c>).</param>
public sealed record HistogramBin(int First, int Last, string Label)
{
    /// <summary>True for the bin of runs that did not find an optimum.</summary>
    public bool NotFound => First > Last;
}

/// <summary>
/// What <c>nag plot</c> draws, computed from a search output without drawing anything: the best-so-far curves (mean
/// +/- one standard deviation), the regret curves (mean +/- one standard error; for a log axis), the histogram of queries
/// to the optimum, and the axis ticks. Kept apart from the rendering so its logic is tested on numbers, not pixels.
/// </summary>
public sealed record SearchPlotData(
    SearchHeader Header,
    double BestReport,
    IReadOnlyList<StrategyCurve> BestSoFar,
    IReadOnlyList<StrategyCurve> Regret,
    IReadOnlyList<HistogramBin> Bins,
    IReadOnlyDictionary<string, int[]> RunsPerBin)
{
    /// <summary>Most histogram bins before the "not found" bin.</summary>
    public const int MaxBins = 10;

    /// <summary>
    /// Computes the plot data. Each run's best-so-far at query q is the report value of the architecture with the best
    /// objective among its first q queries; its regret is how far that report value is from <paramref name="bestReport"/>
    /// (the best report value of the whole table, in the objective's direction), so it is never negative and is 0 once the
    /// run holds a best-reporting architecture.
    /// </summary>
    /// <param name="header">The search's header (budget, direction, columns).</param>
    /// <param name="trials">Every trial of the search.</param>
    /// <param name="optimumArchs">String forms of the architectures with the best objective in the table.</param>
    /// <param name="bestReport">Best report value in the table.</param>
    public static SearchPlotData Compute(SearchHeader header, IReadOnlyList<Trial> trials, IReadOnlySet<string> optimumArchs, double bestReport)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(optimumArchs);
        int budget = header.Budget;
        if (budget < 1) throw new ArgumentException($"budget {budget} must be at least 1", nameof(header));
        double sign = header.Minimize ? -1 : 1;
        var strategies = trials.Select(t => t.Strategy).Distinct().ToArray();
        var bins = BinsFor(budget);
        var bestSoFar = new List<StrategyCurve>();
        var regret = new List<StrategyCurve>();
        var hits = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (string strategy in strategies)
        {
            var runs = trials.Where(t => t.Strategy == strategy).GroupBy(t => t.Seed).Select(g => g.OrderBy(t => t.Query).ToArray()).ToArray();
            // Report value of each run's best-objective architecture after q queries (runs shorter than q drop out).
            var atQuery = new List<double>[budget];
            for (int q = 0; q < budget; q++) atQuery[q] = [];
            foreach (var run in runs)
            {
                Trial? best = null;
                for (int q = 0; q < Math.Min(budget, run.Length); q++)
                {
                    if (best is null || sign * run[q].Objective > sign * best.Objective) best = run[q];
                    atQuery[q].Add(best.Report);
                }
            }
            var (mean, sd, se) = Moments(atQuery);
            bestSoFar.Add(Curve(strategy, mean, mean.Select((m, q) => m - sd[q]).ToArray(), mean.Select((m, q) => m + sd[q]).ToArray(), bestSoFar));
            var gaps = atQuery.Select(v => v.Select(r => Math.Max(0, sign * (bestReport - r))).ToList()).ToArray();
            var (rMean, _, rSe) = Moments(gaps);
            regret.Add(Curve(strategy, rMean, rMean.Select((m, q) => Math.Max(0, m - rSe[q])).ToArray(), rMean.Select((m, q) => m + rSe[q]).ToArray(), regret));
            var counts = new int[bins.Count];
            foreach (var run in runs)
            {
                int found = Array.FindIndex(run, t => t.Query <= budget && optimumArchs.Contains(t.Arch));
                int query = found < 0 ? int.MaxValue : run[found].Query;
                counts[bins.FindIndex(b => b.NotFound ? query > budget : query >= b.First && query <= b.Last)]++;
            }
            hits[strategy] = counts;
        }
        return new SearchPlotData(header, bestReport, bestSoFar, regret, bins, hits);
    }

    /// <summary>
    /// Bins of whole queries covering 1..<paramref name="budget"/> exactly once (at most <see cref="MaxBins"/>, as equal
    /// as whole numbers allow), then the "not found" bin.
    /// </summary>
    public static List<HistogramBin> BinsFor(int budget)
    {
        int count = Math.Min(MaxBins, budget);
        var bins = new List<HistogramBin>();
        for (int b = 0; b < count; b++)
        {
            int first = (int)((long)budget * b / count) + 1, last = (int)((long)budget * (b + 1) / count);
            bins.Add(new HistogramBin(first, last, first == last ? Str(first) : $"{Str(first)}-{Str(last)}"));
        }
        bins.Add(new HistogramBin(budget + 1, budget, "not found"));
        return bins;
    }

    /// <summary>
    /// Ticks for a count axis from 0 to at least <paramref name="max"/>: whole numbers only, none negative, at a step of
    /// 1, 2 or 5 times a power of ten chosen so that there are at most about six.
    /// </summary>
    public static List<PlotTick> CountTicks(int max)
    {
        int top = Math.Max(1, max);
        int step = 1;
        foreach (int scale in Enumerable.Range(0, 9).Select(e => (int)Math.Pow(10, e)))
        {
            step = new[] { 1, 2, 5 }.Select(m => m * scale).FirstOrDefault(s => (top + s - 1) / s <= 6);
            if (step > 0) break;
        }
        int end = (top + step - 1) / step * step;
        return Enumerable.Range(0, end / step + 1).Select(i => new PlotTick(i * step, Str(i * step))).ToList();
    }

    /// <summary>
    /// Major ticks of a log10 axis within <paramref name="min"/>..<paramref name="max"/> (both positive): the powers of
    /// ten, or when fewer than three of them fall in the range, 1-2-5 steps, or failing that every 1..9 multiple (a
    /// range narrower than a factor of 2 still gets its two ends). Positions are log10 of the value.
    /// </summary>
    public static List<PlotTick> LogTicks(double min, double max)
    {
        if (!(min > 0) || !(max >= min) || !double.IsFinite(max)) throw new ArgumentOutOfRangeException(nameof(min), $"a log axis needs 0 < min <= max, got {min}..{max}");
        int lo = (int)Math.Floor(Math.Log10(min)), hi = (int)Math.Ceiling(Math.Log10(max));
        List<PlotTick> ticks = [];
        foreach (int[] mantissas in new[] { new[] { 1 }, [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9] })
        {
            ticks = [];
            for (int e = lo; e <= hi; e++)
                foreach (int m in mantissas)
                {
                    double v = double.Parse(string.Create(CultureInfo.InvariantCulture, $"{m}e{e}"), CultureInfo.InvariantCulture);
                    if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) ticks.Add(new PlotTick(Math.Log10(v), v.ToString("G6", CultureInfo.InvariantCulture)));
                }
            if (ticks.Count >= 3) return ticks;
        }
        return ticks.Count >= 2 ? ticks : [new PlotTick(Math.Log10(min), min.ToString("G3", CultureInfo.InvariantCulture)), new PlotTick(Math.Log10(max), max.ToString("G3", CultureInfo.InvariantCulture))];
    }

    /// <summary>Queries (1-based) at which strategy <paramref name="index"/> of <paramref name="count"/> draws its markers:
    /// about a dozen per curve, each strategy's shifted by a fraction of the spacing, so that curves lying on top of each
    /// other still show every strategy's markers side by side.</summary>
    public static int[] MarkerQueries(int budget, int index, int count)
    {
        // At least one query per strategy between two markers of a curve, so short budgets stagger too.
        int spacing = Math.Max(Math.Max(1, count), budget / 12);
        int offset = count <= 1 ? 0 : index * spacing / count;
        return Enumerable.Range(1, budget).Where(q => q - 1 >= offset && (q - 1 - offset) % spacing == 0).ToArray();
    }

    private static StrategyCurve Curve(string strategy, double[] mean, double[] lower, double[] upper, List<StrategyCurve> earlier)
    {
        var same = earlier.FirstOrDefault(c => c.SameAs is null && c.Mean.AsSpan().SequenceEqual(mean) && c.Lower.AsSpan().SequenceEqual(lower) && c.Upper.AsSpan().SequenceEqual(upper));
        return new StrategyCurve(strategy, mean, lower, upper, same?.Strategy);
    }

    private static (double[] Mean, double[] Sd, double[] Se) Moments(IReadOnlyList<List<double>> values)
    {
        int n = values.Count;
        var mean = new double[n];
        var sd = new double[n];
        var se = new double[n];
        for (int q = 0; q < n; q++)
        {
            var v = values[q];
            mean[q] = v.Count == 0 ? double.NaN : v.Average();
            sd[q] = v.Count < 2 ? 0 : Stats.SampleStd(v.ToArray());
            se[q] = v.Count < 2 ? 0 : sd[q] / Math.Sqrt(v.Count);
        }
        return (mean, sd, se);
    }

    private static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);
}
