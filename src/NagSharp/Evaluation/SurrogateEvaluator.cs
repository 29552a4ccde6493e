using System.Diagnostics;
using System.Globalization;
using NagSharp.Benchmarks;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Evaluation;

/// <summary>
/// A model oracle for a space whose tables hold only part of it (NAS-Bench-301's 1,218 genotypes, NAS-Bench-NLP's
/// recipes, Accel-NASBench's rows): one <see cref="SurrogateOracle"/> per requested column, fitted on 80 % of the
/// table's rows with a fixed seed (every strategy and seed of a search asks the same oracle) and checked on the rest.
/// Any architecture of the space can be scored; <see cref="Notes"/> gives each column's held-out rank correlation, the
/// fidelity every figure it produces comes with.
/// </summary>
public sealed class SurrogateEvaluator : IEvaluator
{
    private readonly List<SurrogateOracle> _oracles = [];

    /// <summary>Fits a surrogate of each of <paramref name="columns"/> (distinct, in order) on <paramref name="data"/>
    /// (<paramref name="config"/> null: <see cref="SurrogateOracle.DefaultConfig"/>); <paramref name="fitted"/> hears each fit's note.</summary>
    public SurrogateEvaluator(BenchmarkData data, IReadOnlyList<string> columns, int seed = 0, Action<string>? fitted = null, EnsembleConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(columns);
        Space = data.Space;
        var notes = new List<string>();
        try
        {
            foreach (var c in columns.Distinct(StringComparer.Ordinal))
            {
                data.RequireColumn(c);
                var o = SurrogateOracle.Fit(data.Space, data, c, seed, config: config);
                _oracles.Add(o);
                notes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{c}: surrogate fitted on {o.TrainRows} table rows, held-out Spearman {o.Spearman:F3} (Kendall {o.Kendall:F3}, {o.HeldOutRows} rows)"));
                fitted?.Invoke(notes[^1]);
            }
        }
        catch { Dispose(); throw; }
        if (_oracles.Count == 0) throw new NagUserException("evaluator model: no column to fit a surrogate of");
        Columns = _oracles.Select(o => new MetricColumn(o.Column, data.DirectionOf(o.Column))).ToArray();
        Notes = notes;
    }

    /// <inheritdoc />
    public string Name => "model";
    /// <inheritdoc />
    public ISearchSpace Space { get; }
    /// <inheritdoc />
    public IReadOnlyList<MetricColumn> Columns { get; }
    /// <inheritdoc />
    public int Queries { get; private set; }
    /// <inheritdoc />
    public IReadOnlyList<string> Notes { get; }

    /// <inheritdoc />
    public Evaluation Evaluate(Arch arch)
    {
        var clock = Stopwatch.StartNew();
        EvaluatorChecks.RequireArch(Space, arch, Name);
        Queries++;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var o in _oracles) metrics[o.Column] = o.Score([arch])[0];
        return new Evaluation(metrics, clock.Elapsed.TotalSeconds);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var o in _oracles) o.Dispose();
        _oracles.Clear();
    }
}
