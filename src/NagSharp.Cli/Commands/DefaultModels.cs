using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary>The library's <see cref="ModelCache"/> with its progress rendered on the command line.</summary>
public static class DefaultModels
{
    /// <summary>Default guidance scale with a predictor.</summary>
    public const double GuidanceScale = ModelCache.GuidanceScale;

    /// <summary>The cache of <paramref name="dir"/> reporting to the terminal through <paramref name="progress"/>.</summary>
    public static ModelCache Cache(string dir, string? dataDir, IProgress<ExperimentEvent>? progress) => new(dir, dataDir, CliHelpers.ExtraTables, progress);

    /// <summary>See <see cref="ModelCache.Generator"/>.</summary>
    public static string Generator(CliContext ctx, string spaceName, string dir, string? dataDir = null, string preset = "small", int? steps = null) =>
        ProgressRunner.Observe(ctx, progress => Cache(dir, dataDir, progress).Generator(spaceName, preset, steps));

    /// <summary>See <see cref="ModelCache.TrainGenerator"/>.</summary>
    public static void TrainGenerator(CliContext ctx, ISearchSpace space, string path, string? dataDir, string preset, TrainConfig train) =>
        ProgressRunner.Observe(ctx, progress => { Cache(Path.GetDirectoryName(Path.GetFullPath(path))!, dataDir, progress).TrainGenerator(space, path, preset, train); return 0; });

    /// <summary>See <see cref="ModelCache.Predictor"/>.</summary>
    public static string Predictor(CliContext ctx, ScoreGenerator gen, BenchmarkData data, string column, string dir,
        string preset = "small", string transform = "rank", int steps = ModelCache.PredictorSteps) =>
        ProgressRunner.Observe(ctx, progress => Cache(dir, null, progress).Predictor(gen, data, column, preset, transform, steps));
}
