using System.CommandLine;
using NagSharp.Benchmarks;
using NagSharp.Diffusion.Score;
using NagSharp.Diffusion;
using NagSharp.Experiments;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag train generator|predictor</c>.</summary>
public static class TrainCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CliContext ctx) => new("train", "Train generators and property predictors")
    {
        GeneratorCommand(ctx),
        PredictorCommand.Create(ctx),
    };

    /// <summary>Options shared by commands that build a network.</summary>
    public sealed class NetworkOptions
    {
        /// <summary>--preset.</summary>
        public Option<string> Preset { get; } = new("--preset") { Description = "Network size: tiny, small, medium, reference", DefaultValueFactory = _ => "small" };
        /// <summary>--layers.</summary>
        public Option<int?> Layers { get; } = new("--layers") { Description = "Override the preset's transformer layers" };
        /// <summary>--dim.</summary>
        public Option<int?> Dim { get; } = new("--dim") { Description = "Override the preset's hidden width" };
        /// <summary>--mask.</summary>
        public Option<string> Mask { get; } = new("--mask") { Description = "Attention mask: adjacency or closure", DefaultValueFactory = _ => "adjacency" };

        /// <summary>Adds the options to a command.</summary>
        public void AddTo(Command c) { c.Options.Add(Preset); c.Options.Add(Layers); c.Options.Add(Dim); c.Options.Add(Mask); }

        /// <summary>The configured network.</summary>
        public NetworkConfig Read(ParseResult p)
        {
            var n = NetworkConfig.Preset(p.GetValue(Preset)!) with { Mask = p.GetValue(Mask)! };
            if (p.GetValue(Layers) is int l) n = n with { Layers = l };
            if (p.GetValue(Dim) is int d) n = n with { Dim = d };
            n.Validate();
            return n;
        }

        /// <summary>The discrete engine's denoiser: the preset with --layers and --dim (node width) applied. Its
        /// attention is over all node pairs, so an attention mask other than the default is refused, not ignored.</summary>
        public DenoiserConfig ReadDenoiser(ParseResult p)
        {
            if (p.GetValue(Mask) != "adjacency") throw new NagUserException("--mask applies to the score engine; the discrete engine's denoiser attends over all node pairs");
            var d = DenoiserConfig.Preset(p.GetValue(Preset)!);
            if (p.GetValue(Layers) is int l) d = d with { Layers = l };
            if (p.GetValue(Dim) is int w) d = d with { NodeDim = w };
            d.Validate();
            return d;
        }
    }

    private static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>
    {
        ["Train"] = "--train-steps/--batch/--lr", ["Sde"] = "--sde", ["TrainFraction"] = "--train-fraction", ["Conditions"] = "--condition",
    };

    private static Command GeneratorCommand(CliContext ctx)
    {
        var d = new GeneratorTrainingSettings();
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => d.Space };
        var engine = new Option<string>("--engine") { Description = "score (DiffusionNAG) or discrete (DiNAS)", DefaultValueFactory = _ => SettingNames.Name(d.Engine) };
        var conditions = new Option<string[]>("--condition") { Description = "Discrete engine: a condition to learn, e.g. \"cifar10_valid_acc200>=top5%@fpga_ms<2\" (repeatable)" };
        var unlabelled = new Option<int>("--unlabelled") { Description = "On a space too large to enumerate: uniform samples added to the table rows and unlabelled lists", DefaultValueFactory = _ => d.Unlabelled };
        var fraction = new Option<double>("--train-fraction") { Description = "Fraction of the space to train on (random subset by --seed)", DefaultValueFactory = _ => d.TrainFraction };
        var net = new NetworkOptions();
        var sde = new Option<string>("--sde") { Description = "ve or vp", DefaultValueFactory = _ => SettingNames.Name(d.Sde) };
        var steps = new Option<int>("--train-steps") { Description = "Optimiser steps", DefaultValueFactory = _ => d.Train.Steps };
        var batch = new Option<int>("--batch") { Description = "Graphs per step", DefaultValueFactory = _ => d.Train.Batch };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => d.Train.LearningRate };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var outPath = new Option<string>("--out") { Description = "Checkpoint to write", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue training the checkpoint at --out up to --train-steps" };
        var selfCondition = new Option<bool>("--self-condition") { Description = "Score engine: the network also reads its own previous estimate of the clean graph (Analog Bits' self-conditioning)" };
        var every = new Option<int>("--checkpoint-every") { Description = "Save a checkpoint every N steps (0: only at the end)", DefaultValueFactory = _ => d.CheckpointEvery };
        var json = CliHelpers.JsonOption();
        var threads = new Option<int?>("--threads") { Description = "Torch intra-op threads (default: one per core). The same seed gives the same checkpoint only with the same thread count; `nag search` trains its default generators with 1" };
        var cmd = new Command("generator", "Train a generator on architectures of a space") { json, space, engine, conditions, unlabelled, fraction, sde, steps, batch, lr, seed, outPath, resume, every, selfCondition, threads };
        net.AddTo(cmd);
        cmd.SetAction(p => ctx.Guard(() =>
        {
            if (p.GetValue(threads) is int t)
            {
                if (t < 1) throw new NagUserException($"--threads must be at least 1, got {t}");
                TorchSharp.torch.set_num_threads(t);
            }
            string path = p.GetValue(outPath)!;
            AtomicFile.RequireWritableFile(path, "--out");   // before any work
            var kind = SettingNames.Parse<GeneratorKind>(p.GetValue(engine), engine.Name);
            var settings = new GeneratorTrainingSettings
            {
                Space = p.GetValue(space)!, Engine = kind, Conditions = p.GetValue(conditions) ?? [], Unlabelled = p.GetValue(unlabelled),
                TrainFraction = p.GetValue(fraction), Sde = SettingNames.Parse<SdeKind>(p.GetValue(sde), sde.Name),
                Train = new TrainConfig(Steps: p.GetValue(steps), Batch: p.GetValue(batch), LearningRate: p.GetValue(lr), Seed: p.GetValue(seed)),
                SelfCondition = p.GetResult(selfCondition) is { Implicit: false } ? p.GetValue(selfCondition) : null, Resume = p.GetValue(resume), CheckpointEvery = p.GetValue(every), ExtraTables = CliHelpers.ExtraTables,
                Network = kind == GeneratorKind.Score ? net.Read(p) : null, Denoiser = kind == GeneratorKind.Discrete ? net.ReadDenoiser(p) : null,
            };
            var r = ExperimentHost.Run(ctx, progress => GeneratorTraining.Run(settings, path, p.GetValue(ctx.DataDir), progress), Flags);
            ctx.Out.WriteLine(p.GetValue(json) ? ExperimentHost.Json(r) : $"saved {r.Path} (step {r.Step}, {r.Seconds:F1} s)");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
