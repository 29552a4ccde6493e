using System.Diagnostics;
using NagSharp.Benchmarks;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Evaluation;

/// <summary>
/// The Once-for-All MobileNetV3 space's model oracle (what <c>nag ofa predict</c> computes): the official OFA accuracy
/// predictor's ImageNet top-1 (<c>ofa_pred_top1</c>, the column <c>nag ofa label</c> writes), the analytic params and
/// FLOPs, and the latency lookup tables' estimate per device (<c>note10_lut_ms</c>, <c>i7_8700k_lut_ms</c>; NaN where a
/// device's table lacks the subnet's resolution: the Note10 tables hold 160, 176, 192, 208 and 224 only).
/// </summary>
public sealed class OfaModelEvaluator : IEvaluator
{
    /// <summary>The predictor's column.</summary>
    public const string AccuracyColumn = "ofa_pred_top1";

    private readonly OfaAccuracyPredictor _predictor;
    private readonly OfaLatency _latency;
    private readonly ISearchSpace _space;

    /// <summary>Loads the predictor from <paramref name="predictorPath"/> and the latency tables from
    /// <paramref name="dataDir"/>'s <c>ofa_mbv3</c> folder.</summary>
    public OfaModelEvaluator(ISearchSpace space, string predictorPath, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (space.Sample(new Random(0)) is not OfaArch)
            throw new NagUserException($"evaluator model: the OFA accuracy predictor scores ofa_mbv3 subnets, not {space.Name}");
        _space = space;
        if (!File.Exists(predictorPath)) throw new NagDataException($"{predictorPath}: OFA accuracy predictor not found");
        _predictor = OfaAccuracyPredictor.Load(predictorPath);
        _latency = OfaLatency.Load(dataDir);
        var layout = space.Tables;
        MetricColumn Col(string name) => new(name, layout?.DirectionOf(name) ?? MetricDirection.HigherIsBetter);
        var costs = space.ComputeCosts(space.Sample(new Random(0)), new CostOptions()).Keys;
        Columns = new[] { new MetricColumn(AccuracyColumn, MetricDirection.HigherIsBetter) }
            .Concat(costs.Select(Col)).Concat(_latency.Devices.Select(Col)).ToArray();
    }

    /// <inheritdoc />
    public string Name => "model";
    /// <inheritdoc />
    public ISearchSpace Space => _space;
    /// <inheritdoc />
    public IReadOnlyList<MetricColumn> Columns { get; }
    /// <inheritdoc />
    public int Queries { get; private set; }
    /// <inheritdoc />
    public IReadOnlyList<string> Notes => ["ofa_pred_top1: the official OFA accuracy predictor (about 3-4 points above real ImageNet top-1; `nag ofa check` gives its rank correlation with published nets)"];

    /// <inheritdoc />
    public Evaluation Evaluate(Arch arch)
    {
        var clock = Stopwatch.StartNew();
        EvaluatorChecks.RequireArch(_space, arch, Name);
        var subnet = (OfaArch)_space.Parse(arch.ToString());
        Queries++;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal) { [AccuracyColumn] = _predictor.Predict([subnet])[0] };
        foreach (var (c, v) in _space.ComputeCosts(subnet, new CostOptions())) metrics[c] = v;
        var ms = _latency.Estimate(subnet);
        foreach (var d in _latency.Devices) metrics[d] = ms.TryGetValue(d, out double v) ? v : double.NaN;
        return new Evaluation(metrics, clock.Elapsed.TotalSeconds);
    }

    /// <inheritdoc />
    public void Dispose() => _predictor.Dispose();
}
