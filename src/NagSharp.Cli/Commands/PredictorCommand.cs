using System.CommandLine;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag train predictor</c>: a noise-aware predictor of one table column, trained on a random subset.</summary>
public static class PredictorCommand
{
    /// <summary>Quality of a predictor on held-out architectures.</summary>
    /// <param name="Spearman">Spearman rank correlation.</param>
    /// <param name="KendallTau">Kendall tau-b.</param>
    /// <param name="HeldOut">Held-out architectures evaluated.</param>
    public sealed record PredictorQuality(double Spearman, double KendallTau, int HeldOut);

    /// <summary>Labelled training subset: <paramref name="count"/> random rows of the column, by seed.</summary>
    public static (Arch[] Train, double[] TrainY, Arch[] HeldOut, double[] HeldOutY) Split(Benchmarks.BenchmarkData data, string column, int count, int seed)
    {
        var entries = data.ColumnEntries(column).ToArray();
        if (count < 2 || count > entries.Length) throw new NagUserException($"--train-archs must be between 2 and {entries.Length}, got {count}");
        new Random(seed).Shuffle(entries);
        var train = entries[..count];
        var rest = entries[count..];
        return (train.Select(e => e.Arch).ToArray(), train.Select(e => e.Value).ToArray(), rest.Select(e => e.Arch).ToArray(), rest.Select(e => e.Value).ToArray());
    }

    /// <summary>Trains a predictor; returns it with its held-out quality.</summary>
    public static (NoiseAwarePredictor Predictor, PredictorQuality? Quality) Train(CliContext ctx, ISearchSpace space, Benchmarks.BenchmarkData data,
        string target, int trainArchs, SdeConfig sde, Models.NetworkConfig network, TrainConfig train, string? transform = null)
    {
        data.RequireColumn(target);
        var (xs, ys, hx, hy) = Split(data, target, trainArchs, train.Seed);
        var predictor = new NoiseAwarePredictor(space, sde, network, train, target,
            transform is null ? NoiseAwarePredictor.DefaultTransform : SettingNames.Parse<TargetTransform>(transform, "--target-transform"));
        ctx.Err.WriteLine($"training predictor of {target} on {xs.Length} architectures ({train.Steps} steps)");
        ProgressRunner.Run(ctx, "predictor", report => predictor.Fit(xs, ys, pr => report(pr.Step, pr.Total, $"loss {pr.Loss:F4}")));
        if (hx.Length < 2) return (predictor, null);
        var pred = predictor.Predict(hx);
        return (predictor, new PredictorQuality(Stats.Spearman(pred, hy), Stats.KendallTau(pred, hy), hx.Length));
    }

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
        var target = new Option<string>("--target") { Description = "Table column to predict", Required = true };
        var trainArchs = new Option<int>("--train-archs") { Description = "Labelled architectures to train on (random, by --seed)", DefaultValueFactory = _ => 1000 };
        var generator = new Option<string?>("--generator") { Description = "Take the SDE from this generator checkpoint (guidance needs the same noise process)" };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps", DefaultValueFactory = _ => 2000 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<int>("--seed") { Description = "Random seed (subset and initialisation)", DefaultValueFactory = _ => 0 };
        var outPath = new Option<string>("--out") { Description = "Checkpoint to write", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the held-out quality as JSON" };
        var transform = new Option<string>("--target-transform") { Description = "rank (empirical CDF), normal (normal scores of the ranks: more room at the top and bottom) or zscore", DefaultValueFactory = _ => SettingNames.Name(NoiseAwarePredictor.DefaultTransform) };
        var net = new TrainCommand.NetworkOptions();
        var cmd = new Command("predictor", "Train a noise-aware property predictor on a random subset of a table column")
            { space, target, trainArchs, generator, steps, lr, seed, outPath, json, transform };
        net.AddTo(cmd);
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var s = SpaceRegistry.Get(p.GetValue(space)!);
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            var sde = new SdeConfig();
            if (p.GetValue(generator) is string g)
            {
                using var gen = ScoreGenerator.Load(g);
                sde = gen.SdeConfig;
            }
            var train = new TrainConfig(Steps: p.GetValue(steps), LearningRate: p.GetValue(lr), Seed: p.GetValue(seed), Warmup: 100);
            var (predictor, quality) = Train(ctx, s, data, p.GetValue(target)!, p.GetValue(trainArchs), sde, net.Read(p), train, p.GetValue(transform)!);
            using (predictor)
            {
                predictor.Save(p.GetValue(outPath)!);
                if (p.GetValue(json))
                    ctx.Out.WriteLine(Json.Write(w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("target", predictor.Target);
                        w.WriteNumber("train_archs", predictor.TrainingSet.Count);
                        if (quality is not null)
                        {
                            w.WriteNumber("held_out", quality.HeldOut);
                            w.WriteNumber("spearman", quality.Spearman);
                            w.WriteNumber("kendall_tau", quality.KendallTau);
                        }
                        w.WriteEndObject();
                    }));
                else
                    ctx.Out.WriteLine(quality is null ? $"saved {p.GetValue(outPath)}"
                        : $"saved {p.GetValue(outPath)}; held-out ({quality.HeldOut}) Spearman {quality.Spearman:F4}, Kendall tau {quality.KendallTau:F4}");
            }
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
