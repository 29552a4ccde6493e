using NagSharp.Spaces;

namespace NagSharp.Search.MultiObjective;

/// <summary>
/// Pareto dominance, fronts and the two-objective hypervolume. Points are metric vectors in the metrics' own units and
/// directions: each objective's <see cref="MetricDirection"/> says which way is better, so a latency is minimised and
/// an accuracy maximised without the caller negating anything.
/// </summary>
public static class Pareto
{
    /// <summary>True when <paramref name="a"/> is at least as good as <paramref name="b"/> in every objective and
    /// strictly better in one.</summary>
    public static bool Dominates(IReadOnlyList<double> a, IReadOnlyList<double> b, IReadOnlyList<MetricDirection> directions)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(directions);
        if (a.Count != directions.Count || b.Count != directions.Count)
            throw new ArgumentException($"points of {a.Count} and {b.Count} values for {directions.Count} objectives");
        bool strictly = false;
        for (int i = 0; i < directions.Count; i++)
        {
            double ga = Gain(a[i], directions[i]), gb = Gain(b[i], directions[i]);
            if (ga < gb) return false;
            if (ga > gb) strictly = true;
        }
        return strictly;
    }

    /// <summary>
    /// Indices of the non-dominated points, sorted by the first objective from best to worst (ties by index). Equal
    /// points are all kept (none dominates the other); points with a NaN value are never on the front.
    /// </summary>
    public static List<int> FrontIndices(IReadOnlyList<IReadOnlyList<double>> points, IReadOnlyList<MetricDirection> directions)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(directions);
        var valid = Enumerable.Range(0, points.Count).Where(i => points[i].All(v => !double.IsNaN(v))).ToList();
        var front = valid.Where(i => !valid.Any(j => j != i && Dominates(points[j], points[i], directions))).ToList();
        return front.OrderByDescending(i => Gain(points[i][0], directions[0])).ThenBy(i => i).ToList();
    }

    /// <summary>
    /// The nadir of <paramref name="points"/>: the worst value of each objective among them (NaN values ignored), the
    /// default reference point of the hypervolume.
    /// </summary>
    public static double[] Nadir(IReadOnlyList<IReadOnlyList<double>> points, IReadOnlyList<MetricDirection> directions)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(directions);
        return Enumerable.Range(0, directions.Count).Select(i =>
        {
            var vs = points.Select(p => p[i]).Where(v => !double.IsNaN(v)).ToArray();
            if (vs.Length == 0) return double.NaN;
            return directions[i] == MetricDirection.LowerIsBetter ? vs.Max() : vs.Min();
        }).ToArray();
    }

    /// <summary>
    /// Exact hypervolume of two objectives: the area dominated by <paramref name="points"/> and bounded by
    /// <paramref name="reference"/> (in the objectives' units, e.g. accuracy points times milliseconds). Points not
    /// strictly better than the reference in both objectives add nothing; a point on the reference's edge adds zero area.
    /// </summary>
    public static double Hypervolume2D(IReadOnlyList<IReadOnlyList<double>> points, IReadOnlyList<double> reference, IReadOnlyList<MetricDirection> directions)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(directions);
        if (directions.Count != 2 || reference.Count != 2) throw new ArgumentException("the exact hypervolume here is for two objectives");
        if (double.IsNaN(reference[0]) || double.IsNaN(reference[1])) return double.NaN;
        // In gain space (higher is better in both), keep the points beyond the reference, sweep by the first gain from
        // best to worst, and add the slab each point adds above the best second gain seen so far.
        double r0 = Gain(reference[0], directions[0]), r1 = Gain(reference[1], directions[1]);
        var gains = points.Where(p => !double.IsNaN(p[0]) && !double.IsNaN(p[1]))
            .Select(p => (X: Gain(p[0], directions[0]), Y: Gain(p[1], directions[1])))
            .Where(g => g.X > r0 && g.Y > r1)
            .OrderByDescending(g => g.X).ThenByDescending(g => g.Y).ToList();
        double area = 0, top = r1;
        foreach (var (x, y) in gains)
            if (y > top)
            {
                area += (x - r0) * (y - top);
                top = y;
            }
        return area;
    }

    /// <summary>
    /// ParEGO's augmented Chebyshev scalarisation (Knowles 2006) of each point, as a value to maximise: every objective
    /// is normalised to [0, 1] over <paramref name="points"/> (1 = the best seen), then
    /// <c>-(max_i w_i (1 - n_i) + rho * sum_i w_i (1 - n_i))</c>. Each weight vector favours another part of the front;
    /// the small linear term (rho = 0.05) breaks ties between weakly dominated points.
    /// </summary>
    public static double[] Chebyshev(IReadOnlyList<IReadOnlyList<double>> points, IReadOnlyList<double> weights, double rho = 0.05)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(weights);
        int m = weights.Count;
        var lo = new double[m];
        var hi = new double[m];
        for (int i = 0; i < m; i++)
        {
            lo[i] = points.Min(p => p[i]);
            hi[i] = points.Max(p => p[i]);
        }
        return points.Select(p =>
        {
            double worst = 0, sum = 0;
            for (int i = 0; i < m; i++)
            {
                double n = hi[i] > lo[i] ? (p[i] - lo[i]) / (hi[i] - lo[i]) : 1;
                double c = weights[i] * (1 - n);
                worst = Math.Max(worst, c);
                sum += c;
            }
            return -(worst + rho * sum);
        }).ToArray();
    }

    /// <summary>A value's gain: itself for a higher-is-better objective, its negation for a lower-is-better one.</summary>
    public static double Gain(double value, MetricDirection direction) => direction == MetricDirection.LowerIsBetter ? -value : value;
}
