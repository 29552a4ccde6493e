using NagSharp.Benchmarks;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary>
/// The models the main job uses when the user names none: a small generator trained on the whole space and a
/// predictor trained on 1,000 random rows of the target column, cached under a models directory.
/// </summary>
public static class DefaultModels
{
    /// <summary>Default guidance scale with a predictor (the library's).</summary>
    public const double GuidanceScale = Diffusion.PredictorGuidanceSettings.DefaultScale;

    /// <summary>
    /// Path of the default generator of a space, trained first when missing: the small preset for <c>nag generate</c>;
    /// the search strategies ask for the tiny generator (2,000 steps; score engine, or discrete where the topology varies),
    /// because BO re-scores every decoded candidate on clean inputs and drops invalid ones, so sampling speed matters more
    /// there than the last point of sample quality.
    /// </summary>
    public static string Generator(CliContext ctx, string spaceName, string dir, string? dataDir = null, string preset = "small", int? steps = null)
    {
        var space = SpaceRegistry.Get(spaceName);
        // The score engine diffuses node types over a fixed graph; a space whose topology varies gets the discrete engine.
        bool discrete = space.FixedAdjacency is null;
        string path = Path.Combine(dir, $"{space.Name}-{(discrete ? "discrete" : "score")}-{preset}.ckpt");
        if (File.Exists(path)) return path;
        ctx.Err.WriteLine($"no generator given: training the default {space.Name} generator ({(discrete ? "discrete" : "score")} engine) into {path} (once)");
        TrainGenerator(ctx, space, path, dataDir, preset, steps is int n ? new TrainConfig(Steps: n) : new TrainConfig());
        return path;
    }

    /// <summary>
    /// Trains a generator of the space on its architectures alone (no labels) and saves it to <paramref name="path"/>: the
    /// score engine where the topology is fixed, the discrete engine elsewhere. A space too large to enumerate trains on
    /// its tables, its unlabelled lists and 20,000 uniform samples (seed 0, as the default models always have).
    /// </summary>
    public static void TrainGenerator(CliContext ctx, ISearchSpace space, string path, string? dataDir, string preset, TrainConfig train)
    {
        bool discrete = space.FixedAdjacency is null;
        var data = space.Size is null ? CliHelpers.LoadDataOrNull(space, dataDir) : null;
        var trainingSet = space.Size is not null ? TrainingSets.Select(space, 1.0, 0)
            : TrainingSets.Build(space, data, TrainingSets.Lists(space, dataDir), 1.0, 20000, 0);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (discrete)
        {
            var labelled = trainingSet.Select(a => new Diffusion.Discrete.LabelledArch(a, [])).ToList();
            using var dgen = new Diffusion.Discrete.DiscreteGenerator(space, new Diffusion.Discrete.DiscreteConfig(), DenoiserConfig.Preset(preset), train, [], labelled);
            ProgressRunner.Run(ctx, "train generator", report => dgen.TrainToEnd(pr => report(pr.Step, pr.Total, $"loss {pr.Loss:F4}")));
            dgen.Save(path);
            return;
        }
        using var gen = new ScoreGenerator(space, new SdeConfig(), NetworkConfig.Preset(preset), train, trainingSet);
        ProgressRunner.Run(ctx, "train generator", report => gen.TrainToEnd(pr => report(pr.Step, pr.Total, $"loss {pr.Loss:F4}")));
        gen.Save(path);
    }

    /// <summary>Path of the default predictor of a column, trained first when missing.</summary>
    public static string Predictor(CliContext ctx, ScoreGenerator gen, BenchmarkData data, string column, string dir,
        string preset = "small", string? transform = null, int steps = 2000)
    {
        transform ??= SettingNames.Name(NoiseAwarePredictor.DefaultTransform);
        data.RequireColumn(column);
        string variant = (preset == "small" && transform == "rank" ? "" : $"-{preset}-{transform}") + (steps == 2000 ? "" : $"-{steps}steps");
        string path = Path.Combine(dir, $"{gen.Space.Name}-predictor-{column}-1000{variant}.ckpt");
        if (File.Exists(path)) return path;
        ctx.Err.WriteLine($"training the default predictor of {column} (1,000 random architectures) into {path} (once)");
        var (pred, quality) = PredictorCommand.Train(ctx, gen.Space, data, column, 1000, gen.SdeConfig, NetworkConfig.Preset(preset),
            new TrainConfig(Steps: steps, Warmup: Math.Min(100, steps / 2)), transform);
        using (pred)
        {
            if (quality is not null) ctx.Err.WriteLine($"predictor held-out Spearman {quality.Spearman:F3}, Kendall tau {quality.KendallTau:F3}");
            pred.Save(path);
        }
        return path;
    }
}
