using System.Text.Json.Serialization;

namespace NagSharp.Evaluation;

/// <summary>Early stopping of training evaluations.</summary>
[JsonConverter(typeof(KebabEnumConverter<PrunerKind>))]
public enum PrunerKind
{
    /// <summary>Every candidate trains for all its epochs.</summary>
    None,
    /// <summary>Median stopping (<see cref="MedianPruner"/>).</summary>
    Median,
    /// <summary>Asynchronous successive halving (<see cref="AshaPruner"/>).</summary>
    Asha,
}

/// <summary>
/// Median stopping rule (Golovin et al., Google Vizier; Optuna's <c>MedianPruner</c>): after each epoch, a trial whose
/// validation accuracy is below the median of what earlier trials had at the same epoch stops there. The first
/// <c>WarmupTrials</c> trials always run to the end, so the medians mean something. Higher is better.
/// </summary>
/// <param name="WarmupTrials">Trials that must have reached an epoch before the rule judges it.</param>
/// <param name="MinEpochs">No trial stops before this many epochs (one epoch says little about a network).</param>
public sealed class MedianPruner(int WarmupTrials = MedianPruner.DefaultWarmupTrials, int MinEpochs = 1) : IPruner
{
    /// <summary>Default <c>WarmupTrials</c>.</summary>
    public const int DefaultWarmupTrials = 4;

    private readonly List<double[]> _curves = [];

    /// <summary>Trials reported so far.</summary>
    public int Trials => _curves.Count;

    /// <summary>True when the running trial with validation accuracies <paramref name="curve"/> (one per epoch so far)
    /// should stop after its last epoch.</summary>
    public bool ShouldStop(IReadOnlyList<double> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        int e = curve.Count - 1;
        if (curve.Count < Math.Max(1, MinEpochs)) return false;
        var others = _curves.Where(c => c.Length > e).Select(c => c[e]).ToArray();
        return others.Length >= WarmupTrials && curve[e] < MathNet.Numerics.Statistics.Statistics.Median(others);
    }

    /// <summary>Records a finished (or stopped) trial's curve for later medians.</summary>
    public void Report(IReadOnlyList<double> curve) => _curves.Add(curve.ToArray());
}
