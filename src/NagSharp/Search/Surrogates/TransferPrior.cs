using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>
/// What the transfer strategy knows before any target query: the source columns (e.g. the other datasets' validation
/// accuracies of the same cells) as an exact score per labelled architecture, and an ensemble pre-trained on that score
/// which extends it to unlabelled architectures and guides the generator on noisy inputs.
/// </summary>
public sealed class TransferPrior : IDisposable
{
    private readonly Dictionary<string, double> _score;
    private readonly Arch[] _ranked;

    /// <summary>Source columns.</summary>
    public IReadOnlyList<string> Sources { get; }
    /// <summary>The pre-trained, noise-aware ensemble (read-only after construction; strategies only evaluate it).</summary>
    public EnsembleSurrogate Pretrained { get; }
    /// <summary>Labelled architectures, best source score first (ties by string form).</summary>
    public IReadOnlyList<Arch> Ranked => _ranked;

    private TransferPrior(IReadOnlyList<string> sources, EnsembleSurrogate pretrained, Dictionary<string, (Arch Arch, double Score)> scores)
    {
        Sources = sources; Pretrained = pretrained;
        _score = scores.ToDictionary(kv => kv.Key, kv => kv.Value.Score, StringComparer.Ordinal);
        _ranked = scores.Values.OrderByDescending(e => e.Score).ThenBy(e => e.Arch.ToString(), StringComparer.Ordinal).Select(e => e.Arch).ToArray();
    }

    /// <summary>
    /// Scores the sources (<see cref="SourceScores"/>) and pre-trains the ensemble on every labelled architecture with
    /// minibatches (a few hundred steps; the tables are large). <paramref name="sde"/> is the generator's noise process,
    /// so the prior can guide generation before any target query.
    /// </summary>
    public static TransferPrior Pretrain(ISearchSpace space, IReadOnlyList<(string Column, IReadOnlyList<(Arch Arch, double Value)> Rows)> sources,
        EnsembleConfig config, Sde? sde, int seed = 0, int steps = 400, int batch = 1024)
    {
        if (sources.Count == 0) throw new NagUserException("the transfer prior needs at least one source column");
        var scores = SourceScores(space, sources);
        var ensemble = new EnsembleSurrogate(space, config, seed, sde);
        ensemble.Fit(scores.Values.Select(e => e.Arch).ToList(), scores.Values.Select(e => e.Score).ToList(), seed, steps: steps, batch: batch);
        return new TransferPrior(sources.Select(s => s.Column).ToList(), ensemble, scores);
    }

    /// <summary>
    /// The prior score [B] of architectures: the exact source score where the sources label them, else the pre-trained
    /// ensemble's mean (one batched call for all unlabelled ones).
    /// </summary>
    public double[] Score(IReadOnlyList<Arch> archs)
    {
        var result = new double[archs.Count];
        var missing = new List<int>();
        for (int i = 0; i < archs.Count; i++)
            if (_score.TryGetValue(archs[i].ToString(), out double v)) result[i] = v;
            else missing.Add(i);
        if (missing.Count > 0)
        {
            using var scope = NewDisposeScope();
            var mean = Pretrained.Predict(missing.Select(i => archs[i]).ToList()).mean([0]).data<float>().ToArray();
            for (int k = 0; k < missing.Count; k++) result[missing[k]] = mean[k];
        }
        return result;
    }

    /// <summary>
    /// Per labelled architecture, the mean over the sources that label it of the average of two rank scores within the
    /// source: its own, and the mean of its labelled neighbours' (its own when none is labelled). A single training run's
    /// accuracy is noisy; the neighbourhood, which shares most of the cell, is an independent second estimate of the same
    /// quality, and equal weights need no tuning against the target. Rank scores keep sources on different scales equal.
    /// </summary>
    public static Dictionary<string, (Arch Arch, double Score)> SourceScores(ISearchSpace space,
        IReadOnlyList<(string Column, IReadOnlyList<(Arch Arch, double Value)> Rows)> sources)
    {
        var sum = new Dictionary<string, (Arch Arch, double Sum, int Count)>(StringComparer.Ordinal);
        foreach (var (column, rows) in sources)
        {
            if (rows.Count < 2) throw new NagDataException($"transfer source '{column}' has fewer than 2 labelled architectures");
            var raw = Stats.RankScores(rows.Select(r => r.Value).ToArray());
            var own = new Dictionary<string, (double Sum, int Count)>(StringComparer.Ordinal);   // repeated runs average
            for (int i = 0; i < rows.Count; i++)
            {
                string key = rows[i].Arch.ToString();
                own[key] = own.TryGetValue(key, out var e) ? (e.Sum + raw[i], e.Count + 1) : (raw[i], 1);
            }
            var archs = new Dictionary<string, Arch>(StringComparer.Ordinal);
            foreach (var r in rows) archs.TryAdd(r.Arch.ToString(), r.Arch);
            foreach (var (key, arch) in archs)
            {
                double z = own[key].Sum / own[key].Count, near = 0;
                int labelled = 0;
                foreach (var n in space.Neighbours(arch))
                    if (own.TryGetValue(n.ToString(), out var o)) { near += o.Sum / o.Count; labelled++; }
                double score = labelled == 0 ? z : (z + near / labelled) / 2;
                sum[key] = sum.TryGetValue(key, out var e) ? (arch, e.Sum + score, e.Count + 1) : (arch, score, 1);
            }
        }
        return sum.ToDictionary(kv => kv.Key, kv => (kv.Value.Arch, kv.Value.Sum / kv.Value.Count), StringComparer.Ordinal);
    }

    /// <summary>
    /// The labelled rows of each source column, oriented so that higher is better. Sources measure the objective's
    /// quantity on other tasks or devices, so they share its direction: with a lower-is-better objective
    /// (<paramref name="lowerIsBetter"/>) their values are negated before they are ranked.
    /// </summary>
    public static List<(string Column, IReadOnlyList<(Arch Arch, double Value)> Rows)> SourceRows(
        BenchmarkData data, IEnumerable<string> columns, bool lowerIsBetter) =>
        columns.Select(c => (c, (IReadOnlyList<(Arch, double)>)data.ColumnEntries(c)
            .Select(e => (e.Arch, lowerIsBetter ? -e.Value : e.Value)).ToList())).ToList();

    /// <summary>
    /// Per architecture: the mean over the sources that label it of its rank score within each source, and how many
    /// sources label it (the transfer prior's training target, and the order of the source-order baseline).
    /// </summary>
    public static Dictionary<string, (Arch Arch, double Score, int Count)> MeanRankScores(
        IReadOnlyList<(string Column, IReadOnlyList<(Arch Arch, double Value)> Rows)> sources)
    {
        var sum = new Dictionary<string, (Arch Arch, double Sum, int Count)>(StringComparer.Ordinal);
        foreach (var (column, rows) in sources)
        {
            if (rows.Count < 2) throw new NagDataException($"transfer source '{column}' has fewer than 2 labelled architectures");
            var scores = Stats.RankScores(rows.Select(r => r.Value).ToArray());
            for (int i = 0; i < rows.Count; i++)
            {
                string key = rows[i].Arch.ToString();
                sum[key] = sum.TryGetValue(key, out var e) ? (e.Arch, e.Sum + scores[i], e.Count + 1) : (rows[i].Arch, scores[i], 1);
            }
        }
        return sum.ToDictionary(kv => kv.Key, kv => (kv.Value.Arch, kv.Value.Sum / kv.Value.Count, kv.Value.Count), StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public void Dispose() => Pretrained.Dispose();
}
