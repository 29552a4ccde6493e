using System.Security.Cryptography;
using System.Text;
using NagSharp.Benchmarks;
using NagSharp.Networks;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>Settings of <see cref="TrainBest"/>.</summary>
/// <param name="Count">How many of the best generated architectures to train: training is the expensive part, so a few.</param>
/// <param name="Train">How each network is trained (epochs, batch, learning rate, augmentation, seed).</param>
/// <param name="Width">C of the trained networks; null keeps the space's standard network, so results compare with the tables.</param>
/// <param name="Cells">N of the trained networks; null keeps the space's standard network.</param>
/// <param name="Dir">Checkpoints of the trained networks: a rerun resumes an interrupted one and reuses finished ones.</param>
public sealed record TrainBestSettings(int Count, TrainSettings Train, int? Width = null, int? Cells = null, string? Dir = null)
{
    /// <summary>Default <see cref="Dir"/>.</summary>
    public static readonly string DefaultDir = Path.Combine("runs", "train-best");

    /// <summary>Throws a user error naming the first unusable setting.</summary>
    public void Validate()
    {
        Guard.InRange(Count, 0, int.MaxValue, "train-best count");
        if (Width is int w) Guard.Positive(w, "train width");
        if (Cells is int c) Guard.Positive(c, "train cells");
        Train.Validate();
    }
}

/// <summary>A <see cref="TrainedArch"/> as it appears in JSON results.</summary>
/// <param name="Arch">String form.</param>
/// <param name="Benchmark">Its table values of the report columns.</param>
/// <param name="Predicted">The predictor's value, when one guided.</param>
/// <param name="TestAccuracy">Measured test accuracy (0..1).</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="Checkpoint">The trained network's checkpoint.</param>
public sealed record TrainedArchSummary(string Arch, IReadOnlyDictionary<string, double?> Benchmark,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] double? Predicted,
    double TestAccuracy, long Parameters, int Epochs, string Checkpoint)
{
    /// <summary>The summary of <paramref name="t"/>.</summary>
    public static TrainedArchSummary Of(TrainedArch t) =>
        new(t.Arch.ToString(), t.Benchmark, t.Predicted, t.Result.TestAccuracy, t.Result.Parameters, t.Result.Curve.Count, t.Result.Checkpoint);
}

/// <summary>One trained architecture.</summary>
/// <param name="Arch">The architecture.</param>
/// <param name="Benchmark">Its table value of each report column (null where the tables do not have it).</param>
/// <param name="Predicted">The predictor's value, when a predictor ranked the candidates.</param>
/// <param name="Result">The training run.</param>
public sealed record TrainedArch(Arch Arch, IReadOnlyDictionary<string, double?> Benchmark, double? Predicted, NetworkTrainingResult Result);

/// <summary>
/// Training the best generated architectures for real: the check that a generator's best cells are good networks, not
/// only good table rows. Candidates are ranked by a report column's table value, else by a predictor, else kept in
/// generation order; functionally identical cells are trained once.
/// </summary>
public static class TrainBest
{
    /// <summary>
    /// Trains the <see cref="TrainBestSettings.Count"/> best of <paramref name="uniques"/> (the unique valid generated
    /// architectures, in generation order) on <paramref name="dataset"/>.
    /// </summary>
    /// <param name="space">The architectures' space.</param>
    /// <param name="uniques">Candidates in generation order.</param>
    /// <param name="reports">Table columns shown beside the trained accuracy; the first ranks the candidates.</param>
    /// <param name="data">The space's tables, or null.</param>
    /// <param name="predict">A predictor ranking the candidates when no report column does, or null.</param>
    /// <param name="dataset">The images to train on.</param>
    /// <param name="settings">What to train and how.</param>
    /// <param name="progress">Training progress and a line per trained network.</param>
    public static IReadOnlyList<TrainedArch> Run(ISearchSpace space, IReadOnlyList<Arch> uniques, IReadOnlyList<string> reports, BenchmarkData? data,
        Func<IReadOnlyList<Arch>, double[]>? predict, ImageDataset dataset, TrainBestSettings settings, IProgress<ExperimentEvent>? progress = null)
    {
        settings.Validate();
        var predicted = predict is null || uniques.Count == 0 ? null : predict(uniques);
        var chosen = Select(space, uniques, reports.FirstOrDefault(), data, predicted, settings.Count);
        progress.Note($"training the {chosen.Count} best generated architectures ({(reports.Count > 0 ? $"by {reports[0]}" : predicted is not null ? "by the predictor" : "in generation order")}) on {dataset.Source}");
        return TrainAll(space, chosen, reports, data, dataset, settings, progress);
    }

    /// <summary>
    /// The K best architectures, one per canonical form (functionally identical cells are trained once): ranked by the
    /// table value of <paramref name="sortBy"/> when given and known, else by the prediction, else in generation order.
    /// </summary>
    public static List<(Arch Arch, double? Predicted)> Select(ISearchSpace space, IReadOnlyList<Arch> uniques, string? sortBy, BenchmarkData? data,
        double[]? predicted, int k) =>
        uniques.Select((a, i) => (Arch: a, Pred: predicted?[i], Order: i, Key: sortBy is not null && data?.Get(a, sortBy) is double v ? v : predicted?[i]))
            .OrderByDescending(r => r.Key.HasValue).ThenByDescending(r => r.Key ?? 0).ThenBy(r => r.Order)
            .DistinctBy(r => space.CanonicalForm(r.Arch)).Take(k)
            .Select(r => (r.Arch, r.Pred)).ToList();

    /// <summary>Trains each architecture (resuming or reusing its checkpoint under <see cref="TrainBestSettings.Dir"/>).</summary>
    public static IReadOnlyList<TrainedArch> TrainAll(ISearchSpace space, IReadOnlyList<(Arch Arch, double? Predicted)> archs, IReadOnlyList<string> reports,
        BenchmarkData? data, ImageDataset dataset, TrainBestSettings settings, IProgress<ExperimentEvent>? progress = null)
    {
        var trained = new List<TrainedArch>();
        string tag = SettingsTag(dataset, settings.Train, settings.Width, settings.Cells);
        string dir = settings.Dir ?? TrainBestSettings.DefaultDir;
        foreach (var (arch, pred) in archs)
        {
            string path = SafePath.Under(dir, $"{space.Name}-{CanonicalId(space, arch)}-{tag}.ckpt");
            var res = NetworkTraining.Run(space, arch, settings.Width, settings.Cells, dataset, settings.Train, path, resume: true, progress);
            progress.Note(res.Summary());
            trained.Add(new TrainedArch(arch, reports.ToDictionary(c => c, c => data?.Get(arch, c)), pred, res));
        }
        return trained;
    }

    /// <summary>Spearman correlation of the trained test accuracy with each report column, over the architectures the
    /// tables know (at least three of them; columns with fewer are left out).</summary>
    public static IReadOnlyList<(string Column, double Spearman, int N)> Agreement(IReadOnlyList<TrainedArch> trained, IReadOnlyList<string> reports) =>
        trained.Count < 3 ? [] : reports.Select(c => (Column: c, Pairs: trained.Where(t => t.Benchmark[c] is not null).ToArray()))
            .Where(x => x.Pairs.Length >= 3)
            .Select(x => (x.Column, Stats.Spearman(x.Pairs.Select(t => t.Result.TestAccuracy).ToArray(), x.Pairs.Select(t => t.Benchmark[x.Column]!.Value).ToArray()), x.Pairs.Length))
            .ToList();

    /// <summary>A short stable id of a canonical form (first 16 hex digits of its SHA-256).</summary>
    public static string CanonicalId(ISearchSpace space, Arch arch) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(space.CanonicalForm(arch))))[..16];

    // Checkpoints are named by what determines the run, so a rerun with other settings never resumes a stranger's run.
    private static string SettingsTag(ImageDataset data, TrainSettings s, int? width, int? cells) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{data.Fingerprint}|{s}|{width}|{cells}")))[..10];
}
