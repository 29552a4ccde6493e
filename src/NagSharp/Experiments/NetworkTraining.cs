using System.Diagnostics;
using System.Globalization;
using NagSharp.Networks;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>What a training run produced.</summary>
/// <param name="Space">The architecture's space.</param>
/// <param name="Arch">The trained architecture.</param>
/// <param name="Options">The network's shape.</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="Curve">One row per epoch, including epochs of earlier runs of a resumed checkpoint.</param>
/// <param name="Checkpoint">Where the network was saved.</param>
/// <param name="Seconds">Wall time of this run (not of resumed earlier runs).</param>
public sealed record NetworkTrainingResult(ISearchSpace Space, Arch Arch, NetworkOptions Options, long Parameters, IReadOnlyList<EpochStats> Curve,
    string Checkpoint, double Seconds)
{
    /// <summary>Test accuracy after the last epoch.</summary>
    public double TestAccuracy => Curve[^1].TestAccuracy;

    /// <summary>One line for a log.</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"test accuracy {TestAccuracy * 100:F2}% after {Curve.Count} epochs ({Space.Name} {Arch}, {Options.ShapeText()}, {Parameters:N0} parameters, {Seconds:F0} s this run); checkpoint {Checkpoint}");
}

/// <summary>Training one network built from an architecture to the end, with a checkpoint after every epoch.</summary>
public static class NetworkTraining
{
    /// <summary>
    /// Trains (or, with <paramref name="resume"/> and an existing <paramref name="checkpoint"/>, continues) one network
    /// to <see cref="TrainSettings.Epochs"/>, saving after every epoch so an interrupted run loses at most one epoch.
    /// With <paramref name="store"/> (an experiment store location) the finished training is recorded there.
    /// </summary>
    public static NetworkTrainingResult Run(ISearchSpace space, Arch arch, int? width, int? cells, ImageDataset data, TrainSettings settings,
        string checkpoint, bool resume, IProgress<ExperimentEvent>? progress = null, string? store = null)
    {
        if (store is not null)
        {
            using var s = new Store.ExperimentStore(store);   // opened first: a bad store fails before any work
            var trained = Run(space, arch, width, cells, data, settings, checkpoint, resume, progress);
            progress.Note($"recorded as experiment {Store.RunRecords.Training(s, trained, settings).Id} in {s.Path}");
            return trained;
        }
        settings.Validate();
        var clock = Stopwatch.StartNew();
        NetTrainer trainer;
        if (resume && File.Exists(checkpoint))
        {
            trainer = NetTrainer.Resume(checkpoint, space, arch, width, cells, data, settings);
            progress.Note($"resuming {checkpoint} after epoch {trainer.EpochsDone} of {settings.Epochs}");
        }
        else
        {
            if (resume) progress.Note($"nag: note: {checkpoint} does not exist; starting a new run");
            trainer = NetTrainer.Start(space, arch, width, cells, data, settings);
        }
        using (trainer)
        {
            var o = trainer.Network.Options;
            progress.Note($"training {space.Name} {arch} ({o.ShapeText()}, {trainer.Network.ParameterCount:N0} parameters) for {settings.Epochs} epochs, batch {settings.Batch}, lr {settings.LearningRate}");
            int startEpoch = trainer.EpochsDone;
            if (startEpoch < settings.Epochs)
            {
                int steps = (data.Train.Count + Math.Min(settings.Batch, data.Train.Count) - 1) / Math.Min(settings.Batch, data.Train.Count);
                int total = (settings.Epochs - startEpoch) * steps;
                while (trainer.EpochsDone < settings.Epochs)
                {
                    var row = trainer.RunEpoch(data, sp => progress.Step("train", (sp.Epoch - 1 - startEpoch) * steps + sp.Step, total,
                        string.Create(CultureInfo.InvariantCulture, $"epoch {sp.Epoch}/{sp.Epochs} loss {sp.Loss:F4} acc {sp.Accuracy * 100:F1}%")));
                    trainer.Save(checkpoint);
                    progress.Note(string.Create(CultureInfo.InvariantCulture,
                        $"epoch {row.Epoch}/{settings.Epochs}: train loss {row.TrainLoss:F4} acc {row.TrainAccuracy * 100:F2}%, test loss {row.TestLoss:F4} acc {row.TestAccuracy * 100:F2}%, {row.Seconds:F0} s; saved {checkpoint}"));
                }
            }
            return new NetworkTrainingResult(space, arch, o, trainer.Network.ParameterCount, trainer.Curve.ToArray(), checkpoint, clock.Elapsed.TotalSeconds);
        }
    }
}
