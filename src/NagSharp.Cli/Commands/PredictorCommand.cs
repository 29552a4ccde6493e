using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag train predictor</c>: a noise-aware predictor of one table column, trained on a random subset.</summary>
public static class PredictorCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
        var target = new Option<string>("--objective") { Description = "Table column to predict", Required = true };
        var trainArchs = new Option<int>("--train-archs") { Description = "Labelled architectures to train on (random, by --seed)", DefaultValueFactory = _ => 1000 };
        var generator = new Option<string?>("--generator") { Description = "Take the SDE from this generator checkpoint (guidance needs the same noise process)" };
        var steps = new Option<int>("--train-steps") { Description = "Optimiser steps", DefaultValueFactory = _ => 2000 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<int>("--seed") { Description = "Random seed (subset and initialisation)", DefaultValueFactory = _ => 0 };
        var outPath = new Option<string>("--out") { Description = "Checkpoint to write", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the held-out quality as JSON" };
        var transform = new Option<string>("--target-transform") { Description = "rank (empirical CDF), normal (normal scores of the ranks: more room at the top and bottom) or zscore", DefaultValueFactory = _ => "rank" };
        var net = new TrainCommand.NetworkOptions();
        var cmd = new Command("predictor", "Train a noise-aware property predictor on a random subset of a table column")
            { space, target, trainArchs, generator, steps, lr, seed, outPath, json, transform };
        net.AddTo(cmd);
        cmd.SetAction(p => ctx.Guard(() =>
        {
            AtomicFile.RequireWritableFile(p.GetValue(outPath)!, "--out");   // before any work
            var s = SpaceRegistry.Get(p.GetValue(space)!);
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            var sde = new SdeConfig();
            if (p.GetValue(generator) is string g)
            {
                using var gen = ScoreGenerator.Load(g);
                sde = gen.SdeConfig;
            }
            var train = new TrainConfig(Steps: p.GetValue(steps), LearningRate: p.GetValue(lr), Seed: p.GetValue(seed), Warmup: 100);
            var (predictor, quality) = ProgressRunner.Observe(ctx, progress =>
                PredictorTraining.Train(s, data, p.GetValue(target)!, p.GetValue(trainArchs), sde, net.Read(p), train, p.GetValue(transform)!, progress));
            using (predictor)
            {
                predictor.Save(p.GetValue(outPath)!);
                if (p.GetValue(json))
                    ctx.Out.WriteLine(JsonSerializer.Serialize(new PredictorReport(predictor.Target, predictor.TrainingSet.Count, quality?.HeldOut, quality?.Spearman, quality?.KendallTau), Json.SerializerOptions));
                else
                    ctx.Out.WriteLine(quality is null ? $"saved {p.GetValue(outPath)}"
                        : $"saved {p.GetValue(outPath)}; held-out ({quality.HeldOut}) Spearman {quality.Spearman:F4}, Kendall tau {quality.KendallTau:F4}");
            }
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>The JSON form of a trained predictor: its target, training size and held-out quality (absent without a held-out set).</summary>
    private sealed record PredictorReport(string Target, int TrainArchs,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? HeldOut,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Spearman,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? KendallTau);
}
