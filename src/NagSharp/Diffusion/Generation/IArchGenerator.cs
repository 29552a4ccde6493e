using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Diffusion;

/// <summary>
/// A trained (or training) architecture generator of either engine, as every caller sees it: <c>nag generate</c>,
/// the benches, generator BO and a C# user. Build one with <see cref="ArchGenerators.Create"/>, load any checkpoint with
/// <see cref="ArchGenerators.Load"/>; <see cref="Generate"/> returns decoded architectures with their validity,
/// uniqueness and novelty flags.
/// </summary>
public interface IArchGenerator : IDisposable
{
    /// <summary>Which engine this is.</summary>
    GeneratorKind Engine { get; }

    /// <summary>The space samples decode into (the score engine's edge-token view on a free topology).</summary>
    ISearchSpace Space { get; }

    /// <summary>Noise process a guiding model must be trained under (score engine), or null: the discrete engine is
    /// guided on its clean-graph prediction, so a clean model guides it.</summary>
    Sde? Sde { get; }

    /// <summary>String forms of the training architectures (novelty is measured against them).</summary>
    IReadOnlyList<string> TrainingArchs { get; }

    /// <summary>Condition texts the generator learned (discrete engine), in embedding order; empty otherwise.</summary>
    IReadOnlyList<string> Conditions { get; }

    /// <summary>Training settings.</summary>
    TrainConfig Train { get; }

    /// <summary>Optimiser steps done so far.</summary>
    int Step { get; }

    /// <summary>Number of trainable parameters.</summary>
    long ParameterCount { get; }

    /// <summary>Trains from <see cref="Step"/> to <see cref="TrainConfig.Steps"/>, calling <paramref name="checkpoint"/>
    /// every <paramref name="checkpointEvery"/> steps (0: never).</summary>
    void TrainToEnd(Action<TrainProgress>? progress = null, Action<int>? checkpoint = null, int checkpointEvery = 0);

    /// <summary>
    /// Draws <see cref="GenerateSettings.Count"/> architectures for <see cref="GenerateSettings.Seed"/> (batch k seeded
    /// with seed + k, see <see cref="GenerationLoop"/>), decodes and flags them. <paramref name="progress"/> receives
    /// (done, total) after every batch.
    /// </summary>
    GenerationResult Generate(GenerateSettings settings, Action<int, int>? progress = null);

    /// <summary>Writes everything needed to sample or resume training to one checkpoint file (atomically).</summary>
    void Save(string path);
}
