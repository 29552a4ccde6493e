using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using NagSharp.Benchmarks;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>
/// Training sets and the model cache of the discrete (DiNAS) generator as the benchmarks use it: a generator is trained
/// once per setting and kept in the output directory under a name holding every setting it depends on, so a rerun with
/// the same settings reuses it and a changed setting retrains.
/// </summary>
public static class DiscreteModels
{
    /// <summary>
    /// Builds the labelled training set: every architecture of an enumerable space (or a fraction of it), else the
    /// table rows, the unlabelled lists and uniform samples; each with the state of every condition according to the
    /// tables (2 satisfied, 1 not, 0 unknown).
    /// </summary>
    public static List<LabelledArch> BuildTrainingSet(ISearchSpace space, BenchmarkData? data, IReadOnlyList<Condition> conditions,
        double fraction, int unlabelled, int seed, IReadOnlyList<Arch>? lists = null)
    {
        if (conditions.Count > 0 && data is null) throw new NagDataException($"conditions need the benchmark tables of {space.Name}");
        var maps = conditions.Select(c => c.Evaluate(data!)).ToArray();
        var archs = TrainingSets.Build(space, data, lists ?? [], fraction, unlabelled, seed);
        return archs.Select(a => new LabelledArch(a, maps.Select(m => m.TryGetValue(a, out bool v) ? (byte)(v ? 2 : 1) : (byte)0).ToArray())).ToList();
    }

    /// <summary>
    /// The model cache: loads the generator at <paramref name="path"/>, first training it from <paramref name="create"/>
    /// (reported as stage <paramref name="stage"/>) and saving it when the file is missing. Returns the training time,
    /// or null when the model came from the cache.
    /// </summary>
    public static (DiscreteGenerator Generator, double? TrainSeconds) TrainOrLoad(string path, string stage, Func<DiscreteGenerator> create,
        IProgress<ExperimentEvent>? progress = null)
    {
        double? seconds = null;
        if (!File.Exists(path))
        {
            using var g = create();
            var clock = Stopwatch.StartNew();
            g.TrainToEnd(progress.Training(stage));
            seconds = clock.Elapsed.TotalSeconds;
            g.Save(path);
        }
        return (DiscreteGenerator.Load(path), seconds);
    }

    /// <summary>A discrete generator checkpoint given by the user, refused with the file named when it belongs to another
    /// space (the conditions are checked where they are asked for, by <see cref="DiscreteGenerator.StatesFor"/>).</summary>
    public static DiscreteGenerator LoadFor(string path, ISearchSpace space)
    {
        if (!File.Exists(path)) throw new NagUserException($"{path}: generator checkpoint not found");
        var gen = DiscreteGenerator.Load(path);
        if (gen.Space.Name != space.Name)
        {
            gen.Dispose();
            throw new NagUserException($"{path}: a generator of space {gen.Space.Name}, not {space.Name}");
        }
        return gen;
    }

    /// <summary>
    /// File of the cached conditional generator in <paramref name="dir"/>: space, preset, steps and seed in clear, and a
    /// hash of the condition texts, unlabelled count and batch (so a changed condition retrains).
    /// </summary>
    public static string ConditionalPath(string dir, ISearchSpace space, IReadOnlyList<Condition> conditions, string preset, int steps, int batch,
        int unlabelled, int seed)
    {
        string tag = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join("\n", conditions.Select(c => c.Text)) + $"\nunlabelled={unlabelled}\nbatch={batch}")))[..8];
        // Space and preset names may come from data: each is one harmless file-name part (ordinary names stay as they are).
        return Path.Combine(dir, $"{SafePath.Part(space.Name)}-discrete-{SafePath.Part(preset)}-{steps}-s{seed}-{tag}.ckpt");
    }

    /// <summary>
    /// The benchmarks' conditional generator: trained once per (space, conditions, preset, steps, batch, unlabelled count,
    /// seed) on the whole enumerable space, or on the tables, unlabelled lists (from <paramref name="dataDir"/>) and
    /// uniform samples, and cached in <paramref name="dir"/> (<see cref="ConditionalPath"/>). Returns the generator, the
    /// training time (null when it came from the cache) and the file.
    /// </summary>
    public static (DiscreteGenerator Generator, double? TrainSeconds, string Path) CachedConditional(string dir, ISearchSpace space,
        BenchmarkData data, IReadOnlyList<Condition> conditions, string preset, int steps, int batch, int unlabelled, int seed, string? dataDir,
        IProgress<ExperimentEvent>? progress = null)
    {
        string path = ConditionalPath(dir, space, conditions, preset, steps, batch, unlabelled, seed);
        var (gen, trained) = TrainOrLoad(path, "train", () => new DiscreteGenerator(space, new DiscreteConfig(), DenoiserConfig.Preset(preset),
            new TrainConfig(Steps: steps, Batch: batch, Seed: seed), conditions.Select(c => c.Text).ToList(),
            BuildTrainingSet(space, data, conditions, 1.0, unlabelled, seed, space.Size is null ? TrainingSets.Lists(space, dataDir) : null)), progress);
        return (gen, trained, path);
    }
}
