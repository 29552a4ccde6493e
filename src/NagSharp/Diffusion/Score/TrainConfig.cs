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
    double GradClip = 1.0, double EmaDecay = 0.999, int Seed = 0)
{
    /// <summary>Throws a user error for values that cannot train.</summary>
    public void Validate()
    {
        if (Steps < 1 || Batch < 1 || Warmup < 0) throw new NagUserException($"--steps and --batch must be positive: {this}");
        if (LearningRate <= 0 || !double.IsFinite(LearningRate)) throw new NagUserException($"--lr must be a positive number, got {LearningRate}");
        if (EmaDecay is < 0 or >= 1) throw new NagUserException($"EMA decay {EmaDecay} is outside [0, 1)");
    }

    /// <summary>Learning rate after linear warm-up.</summary>
    public double RateAt(int step) => Warmup == 0 ? LearningRate : LearningRate * Math.Min(1.0, (step + 1) / (double)Warmup);
}
