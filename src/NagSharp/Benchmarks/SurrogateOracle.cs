using NagSharp.Search;
using NagSharp.Spaces;
using static TorchSharp.torch;

namespace NagSharp.Benchmarks;

/// <summary>
/// Scores architectures that a sparse table (NB301's 1,218 genotypes, Accel-NASBench's rows, NAS-Bench-NLP's recipes)
/// does not hold, so that generated samples, which are almost always new there, can still be compared on the metric.
/// An ensemble of MLPs over the space's graph encoding is fitted to a random part of the table's rows; the rest is held
/// out and its rank correlation is reported, so every figure scored by the surrogate comes with its fidelity.
/// </summary>
public sealed class SurrogateOracle : IDisposable
{
    private readonly EnsembleSurrogate _ensemble;
    private readonly double _mean, _std;

    /// <summary>Larger and longer-trained than the search's ensemble: it is fitted once, offline, on up to thousands of
    /// rows; the stronger weight decay keeps it from memorising the few hundred rows of the sparsest tables.</summary>
    public static readonly EnsembleConfig DefaultConfig = new(Hidden: 128, FitSteps: 1500, WeightDecay: 1e-3);

    /// <summary>The table column it predicts.</summary>
    public string Column { get; }
    /// <summary>Rows it was fitted on.</summary>
    public int TrainRows { get; }
    /// <summary>Held-out rows its fidelity was measured on.</summary>
    public int HeldOutRows { get; }
    /// <summary>Spearman rank correlation between prediction and table value on the held-out rows.</summary>
    public double Spearman { get; }
    /// <summary>Kendall tau-b on the held-out rows.</summary>
    public double Kendall { get; }

    private SurrogateOracle(EnsembleSurrogate ensemble, string column, double mean, double std, int train, int heldOut, double spearman, double kendall)
    {
        _ensemble = ensemble; Column = column; _mean = mean; _std = std;
        TrainRows = train; HeldOutRows = heldOut; Spearman = spearman; Kendall = kendall;
    }

    /// <summary>
    /// Fits the surrogate on all but a random <paramref name="heldOutFraction"/> of the rows that have a finite value
    /// in <paramref name="column"/> (one row per architecture), then measures it on the held-out rows.
    /// </summary>
    public static SurrogateOracle Fit(ISearchSpace space, BenchmarkData data, string column, int seed, double heldOutFraction = 0.2,
        EnsembleConfig? config = null)
    {
        data.RequireColumn(column);
        if (heldOutFraction is <= 0 or >= 1) throw new NagUserException($"the surrogate's held-out fraction must be in (0, 1), got {heldOutFraction}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rows = data.ColumnEntries(column).Where(e => double.IsFinite(e.Value) && seen.Add(e.Arch.ToString())).ToList();
        if (rows.Count < 20) throw new NagDataException($"column {column} has {rows.Count} labelled architectures; a surrogate needs at least 20");
        var rng = new Random(seed);
        var order = Enumerable.Range(0, rows.Count).OrderBy(_ => rng.Next()).ToArray();
        int heldOut = Math.Max(5, (int)Math.Round(rows.Count * heldOutFraction));
        var test = order.Take(heldOut).Select(i => rows[i]).ToList();
        var train = order.Skip(heldOut).Select(i => rows[i]).ToList();
        double mean = train.Average(r => r.Value);
        double std = Math.Sqrt(train.Average(r => (r.Value - mean) * (r.Value - mean)));
        if (std == 0) std = 1;
        var ensemble = new EnsembleSurrogate(space, config ?? DefaultConfig, seed);
        ensemble.Fit(train.Select(r => r.Arch).ToList(), train.Select(r => (r.Value - mean) / std).ToList(), seed,
            batch: Math.Min(train.Count, 512));
        var oracle = new SurrogateOracle(ensemble, column, mean, std, train.Count, test.Count, 0, 0);
        var predicted = oracle.Score(test.Select(r => r.Arch).ToList());
        var actual = test.Select(r => r.Value).ToArray();
        return new SurrogateOracle(ensemble, column, mean, std, train.Count, test.Count,
            Stats.Spearman(predicted, actual), Stats.KendallTau(predicted, actual));
    }

    /// <summary>Predicted values (column units; the ensemble's mean) of <paramref name="archs"/>.</summary>
    public double[] Score(IReadOnlyList<Arch> archs)
    {
        if (archs.Count == 0) return [];
        using var scope = NewDisposeScope();
        var mean = _ensemble.Predict(archs).mean([0]);                                                   // [B]
        return mean.data<float>().ToArray().Select(v => v * _std + _mean).ToArray();
    }

    /// <inheritdoc />
    public void Dispose() => _ensemble.Dispose();
}
