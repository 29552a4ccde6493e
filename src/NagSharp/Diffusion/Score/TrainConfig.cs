namespace NagSharp.Diffusion.Score;

/// <summary>Optimisation settings of a diffusion model (nanoGPT-style: one record, defaults that work on 2 CPU cores).</summary>
/// <param name="Steps">Optimiser steps; the reference trains 250k on a GPU, a small CPU model converges in a few thousand.</param>
/// <param name="Batch">Graphs per step; 256 as in the reference.</param>
/// <param name="LearningRate">Adam peak rate; higher than the reference's 2e-5 because the run is ~100x shorter.</param>
/// <param name="Warmup">Linear warm-up steps, which keep early Adam updates from blowing up the attention.</param>
/// <param name="GradClip">Global gradient-norm clip, as in the reference.</param>
/// <param name="EmaDecay">EMA of weights used for sampling; 0.999 suits short runs (the reference's 0.9999 suits 250k steps).</param>
/// <param name="Seed">Seeds initialisation, training-set split and batches.</param>
public sealed record TrainConfig(int Steps = 3000, int Batch = 256, double LearningRate = 1e-3, int Warmup = 200,
    double GradClip = 1.0, double EmaDecay = 0.999, int Seed = 0) : ICheckedSettings
{
    /// <summary>Throws a user error, naming the setting, for values that cannot train.</summary>
    public void Validate()
    {
        Guard.Positive(Steps, "TrainConfig.Steps");
        Guard.InRange(Batch, 1, 1 << 20, "TrainConfig.Batch");
        if (Warmup < 0) throw new NagUserException($"TrainConfig.Warmup must be zero or positive, got {Warmup}");
        Guard.Positive(LearningRate, "TrainConfig.LearningRate");
        Guard.NonNegative(GradClip, "TrainConfig.GradClip");
        if (!(EmaDecay is >= 0 and < 1)) throw new NagUserException($"TrainConfig.EmaDecay must be in [0, 1), got {EmaDecay}");
    }

    /// <summary>Learning rate after linear warm-up.</summary>
    public double RateAt(int step) => Warmup == 0 ? LearningRate : LearningRate * Math.Min(1.0, (step + 1) / (double)Warmup);
}
