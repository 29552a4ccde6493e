using NagSharp.Diffusion.Score;
using static TorchSharp.torch;

namespace NagSharp.Diffusion;

/// <summary>
/// How a noise-aware predictor steers the score engine (classifier guidance); <see cref="Build"/> makes the
/// <see cref="GenerateSettings.Guidance"/>. The defaults are the documented ones.
/// </summary>
/// <param name="Scale">Guidance scale s in score + s * grad log p(y | x_t); 0 disables guidance.</param>
/// <param name="TargetValue">Steer towards this value of the property instead of maximising it.</param>
/// <param name="TopPercent">Raise the probability of being in the predictor's top P % of its training targets instead
/// of maximising (spreads samples over the top set); in (0, 100).</param>
/// <param name="StartTime">No guidance above this diffusion time (0..1): trades mean accuracy for diversity.</param>
/// <param name="StopTime">No guidance (and no repulsion) below this diffusion time (0..1).</param>
/// <param name="DecayPerBatch">Scale lowered by this much per sampler batch (the reference's per-round schedule).</param>
/// <param name="Repulsion">Particle-guidance strength pushing the samples of a batch apart (0: off).</param>
public sealed record PredictorGuidanceSettings(double Scale = PredictorGuidanceSettings.DefaultScale, double? TargetValue = null,
    double? TopPercent = null, double StartTime = 1, double StopTime = 0, double DecayPerBatch = 0, double Repulsion = 0)
{
    /// <summary>Default guidance scale with a predictor (the CLI's <c>--guidance-scale</c> default).</summary>
    public const double DefaultScale = 100;

    /// <summary>Throws a user error naming the setting for unusable values.</summary>
    public void Validate()
    {
        Guard.NonNegative(Scale, "PredictorGuidanceSettings.Scale");
        if (TargetValue is double v) Guard.Finite(v, "PredictorGuidanceSettings.TargetValue");
        if (TopPercent is double p && !(p is > 0 and < 100))
            throw new NagUserException($"PredictorGuidanceSettings.TopPercent must be a percentage in (0, 100), got {p}");
        Guard.InRange(StartTime, 0, 1, "PredictorGuidanceSettings.StartTime");
        Guard.InRange(StopTime, 0, 1, "PredictorGuidanceSettings.StopTime");
        Guard.NonNegative(DecayPerBatch, "PredictorGuidanceSettings.DecayPerBatch");
        Guard.NonNegative(Repulsion, "PredictorGuidanceSettings.Repulsion");
    }

    /// <summary>
    /// The guidance for <paramref name="predictor"/> (null: none, i.e. no predictor and no repulsion, or a zero scale
    /// without repulsion). The scale follows <see cref="DecayPerBatch"/> batch by batch; repulsion is added on top.
    /// </summary>
    public IGuidance? Build(NoiseAwarePredictor? predictor)
    {
        Validate();
        PredictorGuidance? guide = predictor is null || Scale == 0 ? null : new PredictorGuidance(predictor, Scale, TargetValue)
        {
            StopTime = StopTime,
            StartTime = StartTime,
            AboveQuantile = TopPercent is double pct ? 1 - pct / 100 : null,
        };
        var scheduled = guide is null ? null : new ScheduledGuidance(guide, new GuidanceSchedule(Scale, DecayPerBatch));
        return Repulsion != 0 ? new RepulsionGuidance(scheduled, Repulsion) { StopTime = StopTime } : scheduled;
    }

    /// <summary>Lowers the scale once per sampler batch.</summary>
    private sealed class ScheduledGuidance(PredictorGuidance inner, GuidanceSchedule schedule) : IGuidance, IBatchGuidance
    {
        public void StartBatch(int batch) => inner.Scale = schedule.At(batch);
        public Tensor Gradient(Tensor x, double t, Tensor score) => inner.Gradient(x, t, score);
    }
}
