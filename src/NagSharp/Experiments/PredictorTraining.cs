using NagSharp.Benchmarks;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>Quality of a predictor on held-out architectures.</summary>
/// <param name="Spearman">Spearman rank correlation.</param>
/// <param name="KendallTau">Kendall tau-b.</param>
/// <param name="HeldOut">Held-out architectures evaluated.</param>
public sealed record PredictorQuality(double Spearman, double KendallTau, int HeldOut);

/// <summary>
/// Training a noise-aware predictor of one table column on a random labelled subset, and measuring it on the rest of
/// the column (the protocol of <c>nag train predictor</c> and of the default predictors).
/// </summary>
public static class PredictorTraining
{
    /// <summary>Labelled training subset: <paramref name="count"/> random rows of the column, by seed; the rest is held out.</summary>
    public static (Arch[] Train, double[] TrainY, Arch[] HeldOut, double[] HeldOutY) Split(BenchmarkData data, string column, int count, int seed)
    {
        var entries = data.ColumnEntries(column).ToArray();
        if (count < 2 || count > entries.Length) throw new NagUserException($"PredictorTraining.TrainArchs must be between 2 and {entries.Length} (the labelled rows), got {count}");
        new Random(seed).Shuffle(entries);
        var train = entries[..count];
        var rest = entries[count..];
        return (train.Select(e => e.Arch).ToArray(), train.Select(e => e.Value).ToArray(), rest.Select(e => e.Arch).ToArray(), rest.Select(e => e.Value).ToArray());
    }

    /// <summary>Trains a predictor of <paramref name="target"/> on <paramref name="trainArchs"/> random rows (seed
    /// <see cref="TrainConfig.Seed"/>); returns it with its held-out quality (null when fewer than two rows are left).</summary>
    public static (NoiseAwarePredictor Predictor, PredictorQuality? Quality) Train(ISearchSpace space, BenchmarkData data, string target, int trainArchs,
        SdeConfig sde, NetworkConfig network, TrainConfig train, string transform = "rank", IProgress<ExperimentEvent>? progress = null)
    {
        data.RequireColumn(target);
        var (xs, ys, hx, hy) = Split(data, target, trainArchs, train.Seed);
        var predictor = new NoiseAwarePredictor(space, sde, network, train, target, SettingNames.Parse<TargetTransform>(transform, "target transform"));
        progress.Note($"training predictor of {target} on {xs.Length} architectures ({train.Steps} steps)");
        predictor.Fit(xs, ys, progress.Training("predictor"));
        if (hx.Length < 2) return (predictor, null);
        var pred = predictor.Predict(hx);
        return (predictor, new PredictorQuality(Stats.Spearman(pred, hy), Stats.KendallTau(pred, hy), hx.Length));
    }
}
