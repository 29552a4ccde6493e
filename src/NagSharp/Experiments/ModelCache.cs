using NagSharp.Benchmarks;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>
/// The models a job uses when the user names none, trained once and cached in a directory: a generator trained on the
/// whole space and a predictor trained on 1,000 random rows of a column. File names say what determines the model
/// (space, engine, preset, column, non-default settings), so a cache file is reused only for the same request; names
/// built from data (space and column names) go through <see cref="SafePath"/>.
/// </summary>
/// <param name="dir">The cache directory.</param>
/// <param name="dataDir">The benchmark data directory (null: the default lookup), for the tables and unlabelled lists
/// a space too large to enumerate trains on.</param>
/// <param name="extraTables">Extra metric tables loaded beside the space's own.</param>
/// <param name="progress">Where training progress and notes go.</param>
public sealed class ModelCache(string dir, string? dataDir = null, IReadOnlyList<string>? extraTables = null, IProgress<ExperimentEvent>? progress = null)
{
    /// <summary>Where commands keep their default models unless told otherwise (relative to the working directory).</summary>
    public static readonly string DefaultDir = Path.Combine("runs", "models");

    /// <summary>Default guidance scale with a predictor.</summary>
    public const double GuidanceScale = 100;

    /// <summary>Training steps of the default predictors.</summary>
    public const int PredictorSteps = 2000;

    /// <summary>Labelled rows the default predictors train on.</summary>
    public const int PredictorRows = 1000;

    /// <summary>The cache directory.</summary>
    public string Directory { get; } = dir;

    /// <summary>
    /// Path of the default generator of a space, trained first when missing: the small preset for <c>nag generate</c>;
    /// the search strategies ask for the tiny generator (2,000 steps; score engine, or discrete where the topology varies),
    /// because BO re-scores every decoded candidate on clean inputs and drops invalid ones, so sampling speed matters more
    /// there than the last point of sample quality.
    /// </summary>
    public string Generator(string spaceName, string preset = "small", int? steps = null)
    {
        var space = SpaceRegistry.Get(spaceName);
        // The score engine diffuses node types over a fixed graph; a space whose topology varies gets the discrete engine.
        bool discrete = space.FixedAdjacency is null;
        string path = SafePath.Under(Directory, $"{space.Name}-{(discrete ? "discrete" : "score")}-{preset}.ckpt");
        if (File.Exists(path)) return path;
        progress.Note($"no generator given: training the default {space.Name} generator ({(discrete ? "discrete" : "score")} engine) into {path} (once)");
        TrainGenerator(space, path, preset, steps is int n ? new TrainConfig(Steps: n) : new TrainConfig());
        return path;
    }

    /// <summary>Unguided samples the search's default generator is checked on.</summary>
    public const int ValidityProbe = 64;

    /// <summary>
    /// The default generator of the generator-based search strategies: the tiny generator (2,000 steps) of
    /// <see cref="Generator"/>, unless it is a score-engine generator whose unguided samples are mostly invalid (fewer
    /// than half of <see cref="ValidityProbe"/>, seed 0; the score engine decodes each node slot from a rounded
    /// continuous vector, which on spaces whose slots combine several choices, such as MobileNetV3 subnets, yields
    /// nothing valid). Then the discrete engine's tiny generator, trained once beside it, which samples each slot's symbol
    /// directly. A search whose generator gives nothing valid falls back to uniform candidates: random search in disguise.
    /// </summary>
    public string SearchGenerator(string spaceName)
    {
        var space = SpaceRegistry.Get(spaceName);
        string path = Generator(spaceName, preset: "tiny", steps: SearchGeneratorSteps);
        if (space.FixedAdjacency is null) return path;   // already the discrete engine
        string discretePath = SafePath.Under(Directory, $"{space.Name}-discrete-tiny.ckpt");
        if (File.Exists(discretePath)) return discretePath;
        double valid;
        using (var gen = Diffusion.ArchGenerators.Load(path))
        using (TorchThreads.One())
        {
            var probe = gen.Generate(new Diffusion.GenerateSettings { Count = ValidityProbe, Batch = ValidityProbe, Seed = 0 });
            valid = probe.Rates.Valid;
        }
        if (valid >= 0.5) return path;
        progress.Note($"the default {space.Name} score generator gives {valid:P0} valid samples: training the discrete engine's tiny generator into {discretePath} (once)");
        TrainGenerator(space, discretePath, "tiny", new TrainConfig(Steps: SearchGeneratorSteps), discrete: true);
        return discretePath;
    }

    /// <summary>Training steps of the search strategies' default generators: about a minute of training on a fixed
    /// topology, since BO re-scores every candidate and drops invalid ones (sampling speed matters more than the last
    /// point of sample quality).</summary>
    public const int SearchGeneratorSteps = 2000;

    /// <summary>
    /// Trains a generator of the space on its architectures alone (no labels) and saves it to <paramref name="path"/>: the
    /// score engine where the topology is fixed, the discrete engine elsewhere. A space too large to enumerate trains on
    /// its tables, its unlabelled lists and 20,000 uniform samples (seed 0, as the default models always have).
    /// </summary>
    /// <param name="space">The space.</param>
    /// <param name="path">Checkpoint to write.</param>
    /// <param name="preset">Network preset.</param>
    /// <param name="train">Optimisation settings.</param>
    /// <param name="discrete">Force the discrete engine (null: by topology, as above).</param>
    public void TrainGenerator(ISearchSpace space, string path, string preset, TrainConfig train, bool? discrete = null)
    {
        bool useDiscrete = discrete ?? space.FixedAdjacency is null;
        var data = space.Size is null && space.Tables is not null && DataLocator.TryResolve(dataDir) is string root
            ? BenchmarkData.Load(space, root, extraTables ?? []) : null;
        var trainingSet = space.Size is not null ? TrainingSets.Select(space, 1.0, 0)
            : TrainingSets.Build(space, data, TrainingSets.Lists(space, dataDir), 1.0, 20000, 0);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (useDiscrete)
        {
            var labelled = trainingSet.Select(a => new Diffusion.Discrete.LabelledArch(a, [])).ToList();
            using var dgen = new Diffusion.Discrete.DiscreteGenerator(space, new Diffusion.Discrete.DiscreteConfig(), DenoiserConfig.Preset(preset), train, [], labelled);
            dgen.TrainToEnd(progress.Training("train generator"));
            dgen.Save(path);
            return;
        }
        using var gen = new ScoreGenerator(space, new SdeConfig(), NetworkConfig.Preset(preset), train, trainingSet);
        gen.TrainToEnd(progress.Training("train generator"));
        gen.Save(path);
    }

    /// <summary>
    /// Path of the default predictor of a column for a generator's space and noise process, trained first when missing
    /// on <see cref="PredictorRows"/> random rows (seed 0).
    /// </summary>
    public string Predictor(ScoreGenerator gen, BenchmarkData data, string column, string preset = "small", string transform = "rank", int steps = PredictorSteps)
    {
        data.RequireColumn(column);
        Guard.Positive(steps, "predictor steps");
        string variant = (preset == "small" && transform == "rank" ? "" : $"-{preset}-{transform}") + (steps == PredictorSteps ? "" : $"-{steps}steps");
        string path = SafePath.Under(Directory, $"{gen.Space.Name}-predictor-{column}-{PredictorRows}{variant}.ckpt");
        if (File.Exists(path)) return path;
        progress.Note($"training the default predictor of {column} (1,000 random architectures) into {path} (once)");
        var (pred, quality) = PredictorTraining.Train(gen.Space, data, column, PredictorRows, gen.SdeConfig, NetworkConfig.Preset(preset),
            new TrainConfig(Steps: steps, Warmup: Math.Min(100, steps / 2)), transform, progress);
        using (pred)
        {
            if (quality is not null) progress.Note($"predictor held-out Spearman {quality.Spearman:F3}, Kendall tau {quality.KendallTau:F3}");
            System.IO.Directory.CreateDirectory(Directory);
            pred.Save(path);
        }
        return path;
    }
}
