using System.Globalization;
using NagSharp.Diffusion.Guidance;

namespace NagSharp.Benchmarks;

/// <summary>
/// Where one value of a column stands: 1-based rank (1 + the number of architectures strictly better, so ties share
/// the better rank) and the top percentage rank / N * 100.
/// </summary>
/// <param name="Value">The column value.</param>
/// <param name="Rank">1 + architectures with a strictly higher value.</param>
/// <param name="Of">Architectures the column scores.</param>
/// <param name="TopPercent">Rank / Of * 100: 0.5 means "in the top 0.5 %".</param>
/// <param name="InTop">Whether the value is in the top P % asked for (see <see cref="ColumnRanking.InTop"/>).</param>
public sealed record Standing(double Value, int Rank, int Of, double TopPercent, bool InTop);

/// <summary>
/// One column's values, sorted so that ranks and top-P % membership are answered by binary search. Higher is better:
/// the task-transfer benchmark states that assumption for the tables it runs on (TransNAS-Bench-101's seven task columns
/// are all higher-is-better there; room_layout is a negated loss).
/// </summary>
public sealed class ColumnRanking
{
    private readonly double[] _descending;
    private readonly Dictionary<string, double> _byArch;

    /// <summary>Column name.</summary>
    public string Column { get; }

    /// <summary>Number of architectures with a value.</summary>
    public int Count => _descending.Length;

    /// <summary>Reads every (architecture, value) of <paramref name="column"/>; the first row of a repeated architecture wins,
    /// as in <see cref="BenchmarkData.Get"/>.</summary>
    public ColumnRanking(BenchmarkData data, string column)
    {
        Column = column;
        _byArch = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (arch, value) in data.ColumnEntries(column)) _byArch.TryAdd(arch.ToString(), value);
        if (_byArch.Count == 0) throw new NagDataException($"column '{column}' has no values");
        _descending = _byArch.Values.OrderDescending().ToArray();
    }

    /// <summary>Value of an architecture (string form), or null when the column does not score it.</summary>
    public double? ValueOf(string arch) => _byArch.TryGetValue(arch, out double v) ? v : null;

    /// <summary>Architectures (string form) the column scores.</summary>
    public IEnumerable<string> Architectures => _byArch.Keys;

    /// <summary>1 + the number of architectures with a strictly higher value.</summary>
    public int RankOf(double value)
    {
        int lo = 0, hi = _descending.Length;   // first index whose value is not strictly above `value`
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_descending[mid] > value) lo = mid + 1; else hi = mid;
        }
        return lo + 1;
    }

    /// <summary>
    /// k = ceil(P % of the architectures), at least 1: the rank a value must reach to be in the top P %. The same rule as
    /// a <c>column&gt;=topP%</c> <see cref="Condition"/> (value &gt;= the k-th best value, ties included), since rank &lt;= k
    /// exactly when the value is at least the k-th best.
    /// </summary>
    public int TopCount(double percent) => Math.Max(1, (int)Math.Ceiling(percent / 100 * _descending.Length));

    /// <summary>Whether a value is in the top <paramref name="percent"/> %.</summary>
    public bool InTop(double value, double percent) => RankOf(value) <= TopCount(percent);

    /// <summary>Architectures whose value is in the top <paramref name="percent"/> % (ties with the threshold included).</summary>
    public int CountInTop(double percent) => _descending.Count(v => v >= _descending[TopCount(percent) - 1]);

    /// <summary>Standing of a value against this column and a top percentage.</summary>
    public Standing StandingOf(double value, double percent)
    {
        int rank = RankOf(value);
        return new Standing(value, rank, Count, rank * 100.0 / Count, rank <= TopCount(percent));
    }
}

/// <summary>
/// The pieces of the task-transfer benchmark that need no model: which columns are tasks, how strict the source
/// conditions are, the best-of-K standing of a set of architectures, and the two baselines (K uniform draws, and the K
/// architectures with the best mean rank over the source tasks). Only source columns are read until a result is scored.
/// </summary>
public static class TaskTransfer
{
    /// <summary>
    /// Every metric column of the space's tables: in the task benchmarks each metric column is one task. Columns of
    /// <c>--extra-table</c> files are tasks too (a user's new task is exactly such a table).
    /// </summary>
    public static IReadOnlyList<string> TaskColumns(BenchmarkData data) => data.Columns;

    /// <summary>The source condition for one column at a top percentage, in <see cref="Condition.Parse"/>'s syntax.</summary>
    public static string SourceCondition(string column, double percent) =>
        string.Create(CultureInfo.InvariantCulture, $"{column}>=top{percent:G}%");

    /// <summary>Architectures (string form) satisfying every condition according to the tables.</summary>
    public static int Support(BenchmarkData data, IReadOnlyList<Condition> conditions)
    {
        var maps = conditions.Select(c => c.Evaluate(data)).ToArray();
        return maps[0].Count(kv => kv.Value && maps.Skip(1).All(m => m.TryGetValue(kv.Key, out bool v) && v));
    }

    /// <summary>
    /// The smallest multiple of <paramref name="step"/> (up to 100) at which at least <paramref name="minSupport"/>
    /// architectures are in the top that-% of every source column at once. Reads the source columns only. The
    /// intersection of six top-5 % sets of TransNAS-Bench-101 micro is empty, and a generator cannot learn a condition
    /// combination it never sees; loosening all sources together keeps the request "good on every source task".
    /// </summary>
    public static (double Percent, int Support) ChooseConditionPercent(BenchmarkData data, IReadOnlyList<string> sources, double step, int minSupport)
    {
        if (sources.Count == 0) throw new NagUserException("task transfer needs at least one source column");
        for (int m = 1; ; m++)
        {
            double q = Math.Min(100, Math.Round(step * m, 6));
            int support = Support(data, sources.Select(s => Condition.Parse(SourceCondition(s, q))).ToArray());
            if (support >= minSupport || q >= 100) return (q, support);
        }
    }

    /// <summary>
    /// Probability that the best of <paramref name="k"/> distinct uniform draws from <paramref name="n"/> architectures
    /// is one of the <paramref name="hits"/> good ones: 1 - C(n - hits, k) / C(n, k).
    /// </summary>
    public static double RandomHitProbability(int n, int hits, int k)
    {
        if (k >= n) return hits > 0 ? 1 : 0;
        double miss = 1;
        for (int i = 0; i < k; i++) miss *= Math.Max(0, n - hits - i) / (double)(n - i);
        return 1 - miss;
    }

    /// <summary>
    /// Mean rank fraction (rank / N, so lower is better) of every architecture over the source columns; architectures
    /// some source does not score are left out.
    /// </summary>
    public static IReadOnlyDictionary<string, double> MeanRankScores(IReadOnlyList<ColumnRanking> sources) => WeightedRankScores(sources, null);

    /// <summary>
    /// Weighted mean rank fraction (rank / N, lower is better) of every architecture over the source columns:
    /// sum_s w_s rank_s / sum_s w_s. Null weights mean equal weights (<see cref="MeanRankScores"/>, bit for bit: each term
    /// is multiplied by 1 and the sum divided by the source count). Architectures some source does not score are left out.
    /// </summary>
    public static IReadOnlyDictionary<string, double> WeightedRankScores(IReadOnlyList<ColumnRanking> sources, IReadOnlyList<double>? weights)
    {
        if (sources.Count == 0) throw new NagUserException("task transfer needs at least one source column");
        if (weights is not null && (weights.Count != sources.Count || weights.Any(x => !(x >= 0) || !double.IsFinite(x)) || weights.Sum() <= 0))
            throw new ArgumentException("one finite non-negative weight per source, not all zero", nameof(weights));
        double total = weights?.Sum() ?? sources.Count;
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var arch in sources[0].Architectures)
        {
            double sum = 0;
            bool all = true;
            for (int i = 0; i < sources.Count; i++)
            {
                var s = sources[i];
                if (s.ValueOf(arch) is not double v) { all = false; break; }
                sum += (weights?[i] ?? 1.0) * (s.RankOf(v) / (double)s.Count);
            }
            if (all) scores[arch] = sum / total;
        }
        return scores;
    }

    /// <summary>
    /// The probe architectures of the probes design: <paramref name="count"/> architectures spread over the first
    /// <paramref name="spanPercent"/> % of <paramref name="order"/> (the mean-source-rank order), one drawn uniformly
    /// (seeded) from each of <paramref name="count"/> equal consecutive strata of it. Reads no held-out value: the probes
    /// are what a user would be asked to measure on a new task, so they must be fixed before the task is known.
    /// </summary>
    public static IReadOnlyList<string> ChooseProbes(IReadOnlyList<string> order, int count, double spanPercent, int seed)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count));
        int span = Math.Min(order.Count, Math.Max(count, (int)Math.Ceiling(spanPercent * order.Count / 100 - 1e-9)));
        if (span < count) throw new NagUserException($"{count} probes need at least {count} architectures scored by every source, got {order.Count}");
        var rng = new Random(seed);
        var probes = new string[count];
        for (int i = 0; i < count; i++)
        {
            // Stratum i is [i * span / count, (i + 1) * span / count): consecutive, disjoint and non-empty as span >= count.
            int lo = (int)((long)i * span / count), hi = (int)((long)(i + 1) * span / count);
            probes[i] = order[rng.Next(lo, hi)];
        }
        return probes;
    }

    /// <summary>
    /// Rank-normalised scores: the average rank of each value among <paramref name="values"/> (ties share it), 1 = lowest,
    /// mapped to [0, 1] by (rank - 1) / (n - 1); a single value maps to 0.5. The task embedding of the probes design is this
    /// vector of a task's probe scores: it keeps the order, which is comparable between tasks, and drops the units, which are not.
    /// </summary>
    public static double[] RankNormalise(IReadOnlyList<double> values) =>
        values.Count == 1 ? [0.5] : Stats.Ranks(values).Select(r => r / (values.Count - 1)).ToArray();

    /// <summary>Pearson correlation of two vectors, or null when either is constant (no order to compare).</summary>
    public static double? Pearson(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException("vectors of different lengths");
        return a.Distinct().Count() < 2 || b.Distinct().Count() < 2 ? null : Stats.Pearson(a, b);
    }

    /// <summary>
    /// Weight of each source task from the task embeddings: the rank correlation (Pearson of the rank-normalised probe
    /// scores, i.e. Spearman) between the source's embedding and the target's, clipped at 0; a constant embedding counts
    /// as 0. When no source has a positive weight (one probe, all sources disagree with the target, or a target constant
    /// on the probes) every source gets weight 1: the probes then carry no usable order, and the mean-rank design is the
    /// best guess without task information.
    /// </summary>
    public static double[] ProbeWeights(IReadOnlyList<IReadOnlyList<double>> sourceEmbeddings, IReadOnlyList<double> targetEmbedding)
    {
        var w = sourceEmbeddings.Select(e => Math.Max(0, Pearson(e, targetEmbedding) ?? 0)).ToArray();
        if (w.All(x => x <= 0)) Array.Fill(w, 1.0);
        return w;
    }

    /// <summary>
    /// Architectures ordered by their mean rank fraction over the source columns (best first; ties by string form, so
    /// the order is deterministic): the non-generative transfer baseline, "source order" as in <c>nag bench search</c>.
    /// </summary>
    public static IReadOnlyList<string> MeanRankOrder(IReadOnlyList<ColumnRanking> sources) =>
        MeanRankScores(sources).OrderBy(x => x.Value).ThenBy(x => x.Key, StringComparer.Ordinal).Select(x => x.Key).ToArray();

    /// <summary>
    /// Architectures whose mean source rank is in the best <paramref name="percent"/> % (k = ceil(P % of them), ties with
    /// the k-th included: the rule of a <c>topP%</c> condition, applied to the mean rank instead of a table column).
    /// </summary>
    public static HashSet<string> MeanRankTop(IReadOnlyDictionary<string, double> scores, double percent)
    {
        var sorted = scores.Values.Order().ToArray();
        double threshold = sorted[Math.Max(1, (int)Math.Ceiling(percent / 100 * sorted.Length)) - 1];
        return scores.Where(kv => kv.Value <= threshold).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The smallest multiple of <paramref name="step"/> (up to 100) whose <see cref="MeanRankTop"/> holds at least
    /// <paramref name="minSupport"/> architectures.</summary>
    public static (double Percent, HashSet<string> Top) ChooseMeanRankPercent(IReadOnlyDictionary<string, double> scores, double step, int minSupport)
    {
        for (int m = 1; ; m++)
        {
            double q = Math.Min(100, Math.Round(step * m, 6));
            var top = MeanRankTop(scores, q);
            if (top.Count >= minSupport || q >= 100) return (q, top);
        }
    }

    /// <summary>Best standing among <paramref name="archs"/> on the target column, or null when it scores none of them.</summary>
    public static (string Arch, Standing Standing)? BestOf(ColumnRanking target, IEnumerable<string> archs, double percent)
    {
        (string, Standing)? best = null;
        foreach (var a in archs)
            if (target.ValueOf(a) is double v && (best is null || v > best.Value.Item2.Value))
                best = (a, target.StandingOf(v, percent));
        return best;
    }

    /// <summary><paramref name="k"/> distinct architectures drawn uniformly (seeded) from those the target and every source score.</summary>
    public static IReadOnlyList<string> RandomDraw(IReadOnlyList<string> pool, int k, int seed)
    {
        var rng = new Random(seed);
        var copy = pool.ToArray();
        int take = Math.Min(k, copy.Length);
        for (int i = 0; i < take; i++)
        {
            int j = rng.Next(i, copy.Length);
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }
        return copy[..take];
    }
}
