using System.CommandLine;
using System.Diagnostics;
using NagSharp.Benchmarks;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag train generator --engine discrete</c>: the DiNAS generator with its conditions.</summary>
public static class DiscreteTraining
{
    /// <summary>
    /// Builds the labelled training set: every architecture of an enumerable space (or a fraction of it), else the
    /// table rows, the unlabelled lists and uniform samples; each with the state of every condition according to the tables.
    /// </summary>
    public static List<LabelledArch> BuildTrainingSet(ISearchSpace space, BenchmarkData? data, IReadOnlyList<Condition> conditions,
        double fraction, int unlabelled, int seed, IReadOnlyList<Arch>? lists = null)
    {
        var maps = conditions.Select(c => c.Evaluate(data!)).ToArray();
        var archs = TrainingSets.Build(space, data, lists ?? [], fraction, unlabelled, seed);
        return archs.Select(a => new LabelledArch(a, maps.Select(m => m.TryGetValue(a, out bool v) ? (byte)(v ? 2 : 1) : (byte)0).ToArray())).ToList();
    }

    /// <summary>
    /// The benchmarks' model cache: loads the generator at <paramref name="path"/>, first training it from
    /// <paramref name="create"/> (progress bar <paramref name="label"/>) and saving it when the file is missing.
    /// Returns the training time, or null when the model came from the cache.
    /// </summary>
    public static (DiscreteGenerator Generator, double? TrainSeconds) TrainOrLoad(CliContext ctx, string path, string label, Func<DiscreteGenerator> create)
    {
        double? seconds = null;
        if (!File.Exists(path))
        {
            using var g = create();
            var clock = Stopwatch.StartNew();
            ProgressRunner.Run(ctx, label, rep => g.TrainToEnd(pr => rep(pr.Step, pr.Total, $"loss {pr.Loss:F4}")));
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
    /// The benchmarks' conditional generator: trained once per (space, conditions, preset, steps, batch, unlabelled count,
    /// seed) on the whole enumerable space, or on the tables, unlabelled lists and uniform samples, and cached in
    /// <paramref name="dir"/> under a name holding all of these. Returns the generator, the training time (null when it
    /// came from the cache) and the file.
    /// </summary>
    public static (DiscreteGenerator Generator, double? TrainSeconds, string Path) CachedConditional(CliContext ctx, string dir, ISearchSpace space,
        BenchmarkData data, IReadOnlyList<Condition> conditions, string preset, int steps, int batch, int unlabelled, int seed, string? dataDir)
    {
        string tag = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join("\n", conditions.Select(c => c.Text)) + $"\nunlabelled={unlabelled}\nbatch={batch}")))[..8];
        string path = System.IO.Path.Combine(dir, $"{space.Name}-discrete-{preset}-{steps}-s{seed}-{tag}.ckpt");
        var (gen, trained) = TrainOrLoad(ctx, path, "train", () => new DiscreteGenerator(space, new DiscreteConfig(), DenoiserConfig.Preset(preset),
            new TrainConfig(Steps: steps, Batch: batch, Seed: seed), conditions.Select(c => c.Text).ToList(),
            BuildTrainingSet(space, data, conditions, 1.0, unlabelled, seed, space.Size is null ? TrainingSets.Lists(space, dataDir) : null)));
        return (gen, trained, path);
    }

    /// <summary>Runs the command body.</summary>
    public static int Run(CliContext ctx, ParseResult p, Option<string> space, Option<string[]> conditions, Option<int> unlabelled,
        Option<double> fraction, Option<int> steps, Option<int> batch, Option<double> lr, Option<int> seed, Option<string> outPath,
        Option<bool> resume, Option<int> every, TrainCommand.NetworkOptions network)
    {
        string path = p.GetValue(outPath)!;
        DiscreteGenerator gen;
        if (p.GetValue(resume) && File.Exists(path))
        {
            gen = DiscreteGenerator.Load(path, t => t with { Steps = p.GetValue(steps) });
            ctx.Err.WriteLine($"resuming {path} at step {gen.Step} of {gen.Train.Steps}");
        }
        else
        {
            var s = SpaceRegistry.Get(p.GetValue(space)!);
            double f = p.GetValue(fraction);
            if (f is <= 0 or > 1) throw new NagUserException($"--train-fraction must be in (0, 1], got {f}");
            if (p.GetValue(unlabelled) < 0) throw new NagUserException("--unlabelled must be non-negative");
            var conds = (p.GetValue(conditions) ?? []).Select(Condition.Parse).ToArray();
            var data = conds.Length > 0 || s.Size is null ? CliHelpers.LoadDataOrNull(s, p.GetValue(ctx.DataDir)) : null;
            if (conds.Length > 0 && data is null) throw new NagDataException($"conditions need the benchmark tables of {s.Name}");
            var lists = s.Size is null ? TrainingSets.Lists(s, p.GetValue(ctx.DataDir)) : [];
            var set = BuildTrainingSet(s, data, conds, f, p.GetValue(unlabelled), p.GetValue(seed), lists);
            for (int c = 0; c < conds.Length; c++)
                ctx.Err.WriteLine($"condition {conds[c]}: {set.Count(t => t.States[c] == 2)} satisfy, {set.Count(t => t.States[c] == 1)} do not, {set.Count(t => t.States[c] == 0)} unknown");
            var train = new TrainConfig(Steps: p.GetValue(steps), Batch: p.GetValue(batch), LearningRate: p.GetValue(lr), Seed: p.GetValue(seed));
            gen = new DiscreteGenerator(s, new DiscreteConfig(), network.ReadDenoiser(p), train, conds.Select(c => c.Text).ToList(), set);
        }
        using (gen)
        {
            ctx.Err.WriteLine($"training {gen.Space.Name} discrete generator: {gen.ParameterCount:N0} parameters, {gen.TrainingSet.Count:N0} training architectures, {gen.Train.Steps} steps, {TorchSharp.torch.get_num_threads()} torch thread(s)");
            var clock = Stopwatch.StartNew();
            ProgressRunner.Run(ctx, "train", report =>
                gen.TrainToEnd(pr => report(pr.Step, pr.Total, $"loss {pr.Loss:F4}"), _ => gen.Save(path), p.GetValue(every)));
            gen.Save(path);
            ctx.Out.WriteLine($"saved {path} (step {gen.Step}, {clock.Elapsed.TotalSeconds:F1} s)");
        }
        return ExitCodes.Ok;
    }
}
