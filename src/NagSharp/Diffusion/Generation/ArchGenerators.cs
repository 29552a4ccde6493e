using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;
using NagSharp.Store;

namespace NagSharp.Diffusion;

/// <summary>
/// What an <see cref="IArchGenerator"/> is built from: the engine, the network size and the training settings. The
/// defaults are the documented ones (<c>nag train generator</c> reads its option defaults from here).
/// </summary>
/// <param name="Engine">Score (DiffusionNAG) or discrete (DiNAS).</param>
/// <param name="Preset">Network size: <c>tiny</c>, <c>small</c>, <c>medium</c> or <c>reference</c>.</param>
/// <param name="Train">Optimisation settings (steps, batch, learning rate, seed).</param>
/// <param name="Sde">Score engine: the noise process.</param>
/// <param name="SelfCondition">Score engine: the network also reads its own previous clean estimate.</param>
/// <param name="Discrete">Discrete engine: diffusion settings.</param>
public sealed record GeneratorSettings(GeneratorKind Engine = GeneratorKind.Score, string Preset = "small", TrainConfig? Train = null,
    SdeConfig? Sde = null, bool SelfCondition = false, DiscreteConfig? Discrete = null)
{
    /// <summary>The training settings (defaults when none were given).</summary>
    public TrainConfig TrainOrDefault => Train ?? new TrainConfig();
}

/// <summary>Creates, trains and loads generators of either engine behind <see cref="IArchGenerator"/>.</summary>
public static class ArchGenerators
{
    /// <summary>Checkpoint kind (header field <c>kind</c>) of each engine's generator.</summary>
    public static string CheckpointKind(GeneratorKind engine) => engine switch
    {
        GeneratorKind.Score => ScoreGenerator.Kind,
        GeneratorKind.Discrete => DiscreteGenerator.Kind,
        _ => throw new NagUserException($"GeneratorSettings.Engine: unknown engine {(int)engine}"),
    };

    /// <summary>
    /// An untrained generator of <paramref name="space"/>. The training set is <paramref name="trainingSet"/> (string
    /// forms), or every architecture of an enumerable space. A discrete generator learns
    /// <paramref name="conditions"/> from the states in <paramref name="labelled"/> instead (one state per condition:
    /// 0 unknown, 1 false, 2 true).
    /// </summary>
    public static IArchGenerator Create(ISearchSpace space, GeneratorSettings settings, IReadOnlyList<string>? trainingSet = null,
        IReadOnlyList<string>? conditions = null, IReadOnlyList<LabelledArch>? labelled = null)
    {
        var train = settings.TrainOrDefault;
        if (labelled is not null && trainingSet is not null)
            throw new NagUserException("give either a training set or labelled architectures, not both");
        var archs = trainingSet ?? labelled?.Select(l => l.Arch).ToList() ?? AllOf(space);
        switch (settings.Engine)
        {
            case GeneratorKind.Score:
                if ((conditions?.Count ?? 0) > 0) throw new NagUserException("conditions need GeneratorSettings.Engine = discrete; the score engine is steered by a predictor");
                return new ScoreGenerator(space, settings.Sde ?? new SdeConfig(), NetworkConfig.Preset(settings.Preset), train, archs, settings.SelfCondition);
            case GeneratorKind.Discrete:
                if (settings.SelfCondition) throw new NagUserException("GeneratorSettings.SelfCondition applies to the score engine");
                var conds = conditions ?? [];
                var set = labelled ?? archs.Select(a => new LabelledArch(a, new byte[conds.Count])).ToList();
                if (set.Any(l => l.States.Length != conds.Count)) throw new NagUserException($"every labelled architecture needs one state per condition ({conds.Count})");
                return new DiscreteGenerator(space, settings.Discrete ?? new DiscreteConfig(), DenoiserConfig.Preset(settings.Preset), train, conds, set);
            default:
                throw new NagUserException($"GeneratorSettings.Engine: unknown engine {(int)settings.Engine}");
        }
    }

    /// <summary><see cref="Create"/>, then <see cref="IArchGenerator.TrainToEnd"/>.</summary>
    public static IArchGenerator Train(ISearchSpace space, GeneratorSettings settings, IReadOnlyList<string>? trainingSet = null,
        Action<TrainProgress>? progress = null)
    {
        var gen = Create(space, settings, trainingSet);
        try { gen.TrainToEnd(progress); return gen; }
        catch { gen.Dispose(); throw; }
    }

    /// <summary>The engine of a generator checkpoint, read from its header; a data error for any other file.</summary>
    public static GeneratorKind KindOf(string path)
    {
        string kind = Checkpoint.Load(path).Kind;
        if (kind == ScoreGenerator.Kind) return GeneratorKind.Score;
        if (kind == DiscreteGenerator.Kind) return GeneratorKind.Discrete;
        throw new NagDataException($"{path}: a checkpoint of kind '{kind}', not a generator ({ScoreGenerator.Kind} or {DiscreteGenerator.Kind})");
    }

    /// <summary>Loads a generator checkpoint of either engine, told apart by the kind in its header.</summary>
    public static IArchGenerator Load(string path) => KindOf(path) switch
    {
        GeneratorKind.Discrete => DiscreteGenerator.Load(path),
        _ => ScoreGenerator.Load(path),
    };

    private static List<string> AllOf(ISearchSpace space) => space.Size is null
        ? throw new NagUserException($"{space.Name} cannot be enumerated; give a training set")
        : space.Enumerate().Select(a => a.ToString()).ToList();
}
