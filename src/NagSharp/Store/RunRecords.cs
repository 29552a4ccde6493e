using System.Text.Json;
using NagSharp.Experiments;
using NagSharp.Networks;
using NagSharp.Spaces;

namespace NagSharp.Store;

/// <summary>
/// Records runs other than searches in an experiment store, so every kind of experiment is found in one place
/// (<c>nag runs list</c>): a generation run (its settings, figures and listed architectures) and a network training
/// (its settings, one row of metrics per epoch, the final figures).
/// </summary>
public static class RunRecords
{
    /// <summary>Records a finished generation run; returns the experiment.</summary>
    public static Experiment Generation(ExperimentStore store, GenerationRunSettings settings, GenerationRunResult result)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(result);
        var metrics = new List<(int, string, double)>
        {
            (-1, "n", result.N), (-1, "samples", result.Samples), (-1, "valid", result.Valid), (-1, "unique", result.Unique),
            (-1, "novel", result.Novel), (-1, "unique_valid", result.UniqueValidCount), (-1, "seconds", result.Seconds),
        };
        // Share of the distinct architectures that meet each condition the run was conditioned on.
        foreach (var (condition, fraction) in result.Conditions ?? new Dictionary<string, double?>())
            if (fraction is double f && double.IsFinite(f)) metrics.Add((-1, "satisfies " + condition, f));
        foreach (var (column, summary) in result.Report)
            if (summary is not null)
                metrics.AddRange([(-1, column + ".mean", summary.Mean), (-1, column + ".max", summary.Max), (-1, column + ".min", summary.Min)]);
        var samples = result.Best.Select(b => (b.Arch.ToString(), Json.Write(j =>
        {
            j.WriteStartObject();
            if (b.Predicted is double p && double.IsFinite(p)) j.WriteNumber("predicted", p);
            foreach (var (k, v) in b.Values) if (v is double x && double.IsFinite(x)) j.WriteNumber(k, x);
            j.WriteEndObject();
        })));
        string json = JsonSerializer.Serialize(settings with { Store = null }, Json.SerializerOptions);
        return store.Record("generate", result.Space.Name, settings.Objective ?? "", json, metrics, samples);
    }

    /// <summary>Records a finished network training; returns the experiment.</summary>
    public static Experiment Training(ExperimentStore store, NetworkTrainingResult result, TrainSettings settings)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(result);
        var metrics = new List<(int, string, double)>();
        foreach (var e in result.Curve)
            metrics.AddRange([(e.Epoch, "train_loss", e.TrainLoss), (e.Epoch, "train_acc", e.TrainAccuracy), (e.Epoch, "test_loss", e.TestLoss),
                (e.Epoch, "test_acc", e.TestAccuracy), (e.Epoch, "seconds", e.Seconds), (e.Epoch, "lr", e.LearningRate)]);
        metrics.AddRange([(-1, "test_acc", result.TestAccuracy), (-1, "parameters", result.Parameters), (-1, "epochs", result.Curve.Count),
            (-1, "seconds", result.Seconds)]);
        string json = Json.Write(j =>
        {
            j.WriteStartObject();
            j.WriteString("arch", result.Arch.ToString());
            j.WriteString("shape", result.Options.ShapeText());
            j.WriteString("checkpoint", result.Checkpoint);
            j.WritePropertyName("train"); j.WriteRawValue(JsonSerializer.Serialize(settings, Json.SerializerOptions));
            j.WriteEndObject();
        });
        return store.Record("train", result.Space.Name, "test_acc", json, metrics, [(result.Arch.ToString(), "{}")]);
    }
}
