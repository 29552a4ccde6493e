using System.CommandLine;
using System.Diagnostics;
using NagSharp.Benchmarks;
using NagSharp.Diffusion.Score;
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

    private static Command GeneratorCommand(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
        var engine = new Option<string>("--engine") { Description = "score (DiffusionNAG) or discrete (DiNAS)", DefaultValueFactory = _ => "score" };
        var conditions = new Option<string[]>("--condition") { Description = "Discrete engine: a condition to learn, e.g. \"cifar10_valid_acc200>=top5%@fpga_ms<2\" (repeatable)" };
        var unlabelled = new Option<int>("--unlabelled") { Description = "On a space too large to enumerate: uniform samples added to the table rows and unlabelled lists", DefaultValueFactory = _ => 20000 };
        var fraction = new Option<double>("--train-fraction") { Description = "Fraction of the space to train on (random subset by --seed)", DefaultValueFactory = _ => 1.0 };
        var net = new NetworkOptions();
        var sde = new Option<string>("--sde") { Description = "ve or vp", DefaultValueFactory = _ => SettingNames.Name(new SdeConfig().Kind) };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps", DefaultValueFactory = _ => new TrainConfig().Steps };
        var batch = new Option<int>("--batch") { Description = "Graphs per step", DefaultValueFactory = _ => new TrainConfig().Batch };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => new TrainConfig().LearningRate };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var outPath = new Option<string>("--out") { Description = "Checkpoint to write", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue training the checkpoint at --out up to --steps" };
        var selfCondition = new Option<bool>("--self-condition") { Description = "Score engine: the network also reads its own previous estimate of the clean graph (Analog Bits' self-conditioning)" };
        var every = new Option<int>("--checkpoint-every") { Description = "Save a checkpoint every N steps (0: only at the end)", DefaultValueFactory = _ => 500 };
        var threads = new Option<int?>("--threads") { Description = "Torch intra-op threads (default: one per core). The same seed gives the same checkpoint only with the same thread count; `nag search` trains its default generators with 1" };
        var cmd = new Command("generator", "Train a generator on architectures of a space") { space, engine, conditions, unlabelled, fraction, sde, steps, batch, lr, seed, outPath, resume, every, selfCondition, threads };
        net.AddTo(cmd);
        cmd.SetAction(p => ctx.Guard(() =>
        {
            if (p.GetValue(threads) is int t)
            {
                if (t < 1) throw new NagUserException($"--threads must be at least 1, got {t}");
                TorchSharp.torch.set_num_threads(t);
            }
            AtomicFile.RequireWritableFile(p.GetValue(outPath)!, "--out");   // before any work
            string e = p.GetValue(engine)!;
            if (e == "discrete" && p.GetValue(selfCondition)) throw new NagUserException("--self-condition applies to the score engine; the discrete engine's denoiser already reads the current graph's symbols");
            if (e == "discrete") return DiscreteTraining.Run(ctx, p, space, conditions, unlabelled, fraction, steps, batch, lr, seed, outPath, resume, every, net);
            if (e != "score") throw new NagUserException($"unknown engine '{e}' (available: score, discrete)");
            if ((p.GetValue(conditions) ?? []).Length > 0) throw new NagUserException("--condition needs --engine discrete (the score engine is steered by a predictor)");
            string path = p.GetValue(outPath)!;
            ScoreGenerator gen;
            if (p.GetValue(resume) && File.Exists(path))
            {
                gen = ScoreGenerator.Load(path, t => t with { Steps = p.GetValue(steps) });
                if (p.GetResult(selfCondition) is { Implicit: false } && p.GetValue(selfCondition) != gen.SelfCondition)
                {
                    gen.Dispose();
                    throw new NagUserException($"--self-condition {(p.GetValue(selfCondition) ? "asked for" : "off")}, but {path} was trained {(gen.SelfCondition ? "with" : "without")} it; a resumed run keeps its network");
                }
                ctx.Err.WriteLine($"resuming {path} at step {gen.Step} of {gen.Train.Steps}");
            }
            else
            {
                var s = SpaceRegistry.Get(p.GetValue(space)!);
                double f = p.GetValue(fraction);
                if (!(f is > 0 and <= 1)) throw new NagUserException($"--train-fraction must be in (0, 1], got {f}");
                if (p.GetValue(unlabelled) < 0) throw new NagUserException("--unlabelled must be non-negative");
                var trainSet = s.Size is not null ? TrainingSets.Select(s, f, p.GetValue(seed))
                    : TrainingSets.Build(s, CliHelpers.LoadDataOrNull(s, p.GetValue(ctx.DataDir)), TrainingSets.Lists(s, p.GetValue(ctx.DataDir)), f, p.GetValue(unlabelled), p.GetValue(seed));
                var train = new TrainConfig(Steps: p.GetValue(steps), Batch: p.GetValue(batch), LearningRate: p.GetValue(lr), Seed: p.GetValue(seed));
                gen = new ScoreGenerator(s, new SdeConfig(Kind: SettingNames.Parse<SdeKind>(p.GetValue(sde), sde.Name)), net.Read(p), train, trainSet, p.GetValue(selfCondition));
            }
            using (gen)
            {
                ctx.Err.WriteLine($"training {gen.Space.Name} score generator{(gen.SelfCondition ? " (self-conditioned)" : "")}: {gen.ParameterCount:N0} parameters, {gen.TrainingSet.Count:N0} training architectures, {gen.Train.Steps} steps, {TorchSharp.torch.get_num_threads()} torch thread(s)");
                var clock = Stopwatch.StartNew();
                ProgressRunner.Run(ctx, "train", report =>
                    gen.TrainToEnd(pr => report(pr.Step, pr.Total, $"loss {pr.Loss:F4}"), checkpoint: _ => gen.Save(path), checkpointEvery: p.GetValue(every)));
                gen.Save(path);
                ctx.Out.WriteLine($"saved {path} (step {gen.Step}, {clock.Elapsed.TotalSeconds:F1} s)");
            }
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
