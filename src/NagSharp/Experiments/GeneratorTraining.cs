using System.Diagnostics;
using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>
/// How to train a generator of either engine into one checkpoint file (<c>nag train generator</c> reads its option
/// defaults from here).
/// </summary>
public sealed record GeneratorTrainingSettings
{
    /// <summary>Registered name of the space to learn.</summary>
    public string Space { get; init; } = "nb201";

    /// <summary>Score (DiffusionNAG) or discrete (DiNAS).</summary>
    public GeneratorKind Engine { get; init; } = GeneratorKind.Score;

    /// <summary>Discrete engine: conditions to learn, e.g. <c>cifar10_valid_acc200&gt;=top5%@fpga_ms&lt;2</c>.</summary>
    public IReadOnlyList<string> Conditions { get; init; } = [];

    /// <summary>On a space too large to enumerate: uniform samples added to the table rows and unlabelled lists, so the
    /// generator sees more of the space than the tables cover.</summary>
    public int Unlabelled { get; init; } = 20000;

    /// <summary>Fraction of the space to train on (a random subset by <see cref="TrainConfig.Seed"/>); below 1 it measures
    /// how much of the space the generator needs to see.</summary>
    public double TrainFraction { get; init; } = 1.0;

    /// <summary>Score engine: the noise process.</summary>
    public SdeKind Sde { get; init; } = new SdeConfig().Kind;

    /// <summary>Optimisation settings (steps, batch, learning rate, seed).</summary>
    public TrainConfig Train { get; init; } = new();

    /// <summary>Score engine: the network also reads its own previous clean estimate (Analog Bits' self-conditioning).
    /// Null: off for a new run, as recorded for a resumed one.</summary>
    public bool? SelfCondition { get; init; }

    /// <summary>Score engine network (null: the small preset).</summary>
    public NetworkConfig? Network { get; init; }

    /// <summary>Discrete engine: the diffusion process and how conditions are learned.</summary>
    public DiscreteConfig Discrete { get; init; } = new();

    /// <summary>Discrete engine denoiser (null: the small preset).</summary>
    public DenoiserConfig? Denoiser { get; init; }

    /// <summary>Continue the checkpoint already at the output path up to <see cref="TrainConfig.Steps"/> steps; a
    /// resumed run keeps its network, space and training set.</summary>
    public bool Resume { get; init; }

    /// <summary>Save every N steps (0: only at the end), so a killed run loses at most N steps.</summary>
    public int CheckpointEvery { get; init; } = 500;

    /// <summary>Metric tables of one's own loaded beside the space's tables (conditions may name their columns).</summary>
    public IReadOnlyList<string> ExtraTables { get; init; } = [];

    /// <summary>Refuses settings no training can use, naming the setting.</summary>
    public void Validate()
    {
        if (!(TrainFraction is > 0 and <= 1)) throw new NagUserException($"GeneratorTrainingSettings.TrainFraction must be in (0, 1], got {TrainFraction}");
        Guard.NonNegative(Unlabelled, "GeneratorTrainingSettings.Unlabelled");
        Guard.NonNegative(CheckpointEvery, "GeneratorTrainingSettings.CheckpointEvery");
        if (Engine == GeneratorKind.Discrete && SelfCondition == true)
            throw new NagUserException("GeneratorTrainingSettings.SelfCondition applies to the score engine; the discrete engine's denoiser already reads the current graph's symbols");
        if (Engine == GeneratorKind.Score && Conditions.Count > 0)
            throw new NagUserException("GeneratorTrainingSettings.Conditions need the discrete engine (the score engine is steered by a predictor)");
        Network?.Validate();
        Denoiser?.Validate();
    }
}

/// <summary>What a generator training produced.</summary>
/// <param name="Path">The checkpoint written.</param>
/// <param name="Space">Space learnt.</param>
/// <param name="Engine">Engine trained.</param>
/// <param name="Parameters">Trainable parameters of the network.</param>
/// <param name="TrainingArchitectures">Architectures in the training set.</param>
/// <param name="Step">Optimiser steps done in total (a resumed run counts the earlier ones too).</param>
/// <param name="ResumedFrom">The step a resumed run started from; null for a new run.</param>
/// <param name="Seconds">Wall-clock of this run's training.</param>
/// <param name="ConditionCounts">Discrete engine: per condition, training architectures that satisfy / do not / are unknown.</param>
public sealed record GeneratorTrainingResult(string Path, string Space, GeneratorKind Engine, long Parameters, int TrainingArchitectures, int Step,
    int? ResumedFrom, double Seconds, IReadOnlyList<ConditionCount> ConditionCounts);

/// <summary>How many training architectures satisfy a condition, do not, or are unknown to the tables.</summary>
public sealed record ConditionCount(string Condition, int Satisfy, int DoNotSatisfy, int Unknown);

/// <summary>Trains a generator of either engine and saves it (<c>nag train generator</c>).</summary>
public static class GeneratorTraining
{
    /// <summary>
    /// Builds the training set (every architecture of an enumerable space, or table rows plus unlabelled samples; for
    /// the discrete engine labelled with the conditions), trains, checkpoints every
    /// <see cref="GeneratorTrainingSettings.CheckpointEvery"/> steps and saves to <paramref name="outPath"/>.
    /// </summary>
    public static GeneratorTrainingResult Run(GeneratorTrainingSettings settings, string outPath, string? dataDir, IProgress<ExperimentEvent>? progress = null)
    {
        settings.Validate();
        int? resumedFrom = null;
        var counts = new List<ConditionCount>();
        IArchGenerator gen;
        if (settings.Resume && File.Exists(outPath))
        {
            gen = ArchGenerators.KindOf(outPath) switch
            {
                GeneratorKind.Discrete => DiscreteGenerator.Load(outPath, t => t with { Steps = settings.Train.Steps }),
                _ => ScoreGenerator.Load(outPath, t => t with { Steps = settings.Train.Steps }),
            };
            if (gen is ScoreGenerator sg && settings.SelfCondition is bool asked && asked != sg.SelfCondition)
            {
                gen.Dispose();
                throw new NagUserException($"GeneratorTrainingSettings.SelfCondition {(asked ? "asked for" : "off")}, but {outPath} was trained {(asked ? "without" : "with")} it; a resumed run keeps its network");
            }
            resumedFrom = gen.Step;
            progress.Note($"resuming {outPath} at step {gen.Step} of {gen.Train.Steps}");
        }
        else gen = Create(settings, dataDir, counts, progress);
        using (gen)
        {
            progress.Note($"training {gen.Space.Name} {SettingNames.Name(gen.Engine)} generator{(gen is ScoreGenerator { SelfCondition: true } ? " (self-conditioned)" : "")}: " +
                $"{gen.ParameterCount:N0} parameters, {gen.TrainingArchs.Count:N0} training architectures, {gen.Train.Steps} steps, {TorchSharp.torch.get_num_threads()} torch thread(s)");
            var clock = Stopwatch.StartNew();
            gen.TrainToEnd(progress.Training("train"), _ => gen.Save(outPath), settings.CheckpointEvery);
            gen.Save(outPath);
            return new GeneratorTrainingResult(outPath, gen.Space.Name, gen.Engine, gen.ParameterCount, gen.TrainingArchs.Count, gen.Step, resumedFrom,
                clock.Elapsed.TotalSeconds, counts);
        }
    }

    private static IArchGenerator Create(GeneratorTrainingSettings settings, string? dataDir, List<ConditionCount> counts, IProgress<ExperimentEvent>? progress)
    {
        var space = SpaceRegistry.Get(settings.Space);
        int seed = settings.Train.Seed;
        if (settings.Engine == GeneratorKind.Score)
        {
            var trainSet = space.Size is not null ? TrainingSets.Select(space, settings.TrainFraction, seed)
                : TrainingSets.Build(space, BenchmarkData.LoadIfFound(space, dataDir, settings.ExtraTables), TrainingSets.Lists(space, dataDir), settings.TrainFraction, settings.Unlabelled, seed);
            return new ScoreGenerator(space, new SdeConfig(Kind: settings.Sde), settings.Network ?? NetworkConfig.Preset("small"), settings.Train, trainSet, settings.SelfCondition ?? false);
        }
        var conds = settings.Conditions.Select(Condition.Parse).ToArray();
        var data = conds.Length > 0 || space.Size is null ? BenchmarkData.LoadIfFound(space, dataDir, settings.ExtraTables) : null;
        var lists = space.Size is null ? TrainingSets.Lists(space, dataDir) : [];
        var set = DiscreteModels.BuildTrainingSet(space, data, conds, settings.TrainFraction, settings.Unlabelled, seed, lists);
        for (int c = 0; c < conds.Length; c++)
        {
            var count = new ConditionCount(conds[c].Text, set.Count(t => t.States[c] == 2), set.Count(t => t.States[c] == 1), set.Count(t => t.States[c] == 0));
            counts.Add(count);
            progress.Note($"condition {count.Condition}: {count.Satisfy} satisfy, {count.DoNotSatisfy} do not, {count.Unknown} unknown");
        }
        if (ConditionCoverage.JointWarning(conds, set) is string warning) progress.Note($"nag: warning: {warning}");
        return new DiscreteGenerator(space, settings.Discrete, settings.Denoiser ?? DenoiserConfig.Preset("small"), settings.Train, conds.Select(c => c.Text).ToList(), set);
    }
}
