using System.Diagnostics;
using NagSharp.Networks;
using NagSharp.Spaces;

namespace NagSharp.Evaluation;

/// <summary>How the <c>train</c> evaluator trains each candidate (the settings of <c>nag net train</c>).</summary>
/// <param name="Dataset">IDX folder, CSV(.gz) of pixel rows with the label last, or a folder of class sub-folders.</param>
/// <param name="Train">Epochs, batch, learning rate, ...; its seed fixes every candidate's initialisation and data order.</param>
/// <param name="Width">Channels of the first stage (null: the space's standard network).</param>
/// <param name="Cells">Cells per stage (null: the space's standard network).</param>
/// <param name="InputSize">Network input side (null: the dataset's side rounded up to a multiple of 4; 32 for folders).</param>
/// <param name="ValidationFraction">Share of the training images held out as the validation split the search sees: a
/// tenth keeps most images for training while a few hundred validation images rank candidates.</param>
/// <param name="Pruner">Early stopping: off by default, so every candidate is judged on the same number of epochs.</param>
public sealed record TrainEvaluatorSettings(string Dataset, TrainSettings Train, int? Width = null, int? Cells = null, int? InputSize = null,
    double ValidationFraction = 0.1, PrunerKind Pruner = PrunerKind.None);

/// <summary>
/// Builds the network of each candidate and trains it on a user's image dataset with <c>nag net train</c>'s trainer.
/// A fixed validation split is carved from the training images: <c>val_acc</c> (the objective a search should use) is
/// measured on it, <c>test_acc</c> (the report) on the dataset's own test split, which the search never sees. The
/// network's parameters and analytic FLOPs come along (lower is better).
/// </summary>
public sealed class TrainEvaluator : IEvaluator
{
    private readonly ImageDataset _data;     // training images minus the validation split; its test split is the validation split
    private readonly ImageSplit _test;
    private readonly TrainEvaluatorSettings _settings;
    private readonly IPruner? _pruner;

    /// <summary>Loads the dataset and carves the validation split (a user or data error naming the problem).</summary>
    public TrainEvaluator(ISearchSpace space, TrainEvaluatorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Train.Validate();
        NetworkRegistry.Get(space);   // a space without a network builder is refused before the data is read
        if (string.IsNullOrWhiteSpace(settings.Dataset)) throw new NagUserException("evaluator train needs a dataset (TrainEvaluatorSettings.Dataset)");
        if (!File.Exists(settings.Dataset) && !Directory.Exists(settings.Dataset)) throw new NagUserException($"{settings.Dataset}: dataset not found");
        Space = space;
        _settings = settings;
        var full = ImageDataset.Load(settings.Dataset, settings.InputSize);
        _test = full.Test;
        _data = full.WithValidationSplit(settings.ValidationFraction, settings.Train.Seed);
        if (!Enum.IsDefined(settings.Pruner)) throw new NagUserException($"TrainEvaluatorSettings.Pruner: unknown value {(int)settings.Pruner}");
        _pruner = settings.Pruner switch { PrunerKind.Median => new MedianPruner(), PrunerKind.Asha => new AshaPruner(), _ => null };
        Columns = [new(ValidationColumn, MetricDirection.HigherIsBetter), new("test_acc", MetricDirection.HigherIsBetter),
            new("params_M", MetricDirection.LowerIsBetter), new("flops_M", MetricDirection.LowerIsBetter), new("epochs", MetricDirection.LowerIsBetter)];
        Notes = [$"val_acc: {_data.Test.Count} validation images held out of {full.Train.Count} training images of {settings.Dataset}; test_acc: its {_test.Count} test images; {settings.Train.Epochs} epochs per candidate"];
    }

    /// <inheritdoc />
    public string Name => "train";

    /// <summary>The validation accuracy column: what a search with this evaluator optimises by default.</summary>
    public const string ValidationColumn = "val_acc";
    /// <inheritdoc />
    public ISearchSpace Space { get; }
    /// <inheritdoc />
    public IReadOnlyList<MetricColumn> Columns { get; }
    /// <inheritdoc />
    public int Queries { get; private set; }
    /// <inheritdoc />
    public IReadOnlyList<string> Notes { get; }

    /// <inheritdoc />
    public string ReportFor(string objective) => objective == "val_acc" ? "test_acc" : objective;

    /// <summary>Trains the candidate for the configured epochs; accuracies are fractions in [0, 1].</summary>
    public Evaluation Evaluate(Arch arch)
    {
        var clock = Stopwatch.StartNew();
        EvaluatorChecks.RequireArch(Space, arch, Name);
        Queries++;
        using var trainer = NetTrainer.Start(Space, arch, _settings.Width, _settings.Cells, _data, _settings.Train);
        EpochStats? last = null;
        var curve = new List<double>();
        while (trainer.EpochsDone < _settings.Train.Epochs)
        {
            last = trainer.RunEpoch(_data);
            curve.Add(last.TestAccuracy);
            if (trainer.EpochsDone < _settings.Train.Epochs && _pruner?.ShouldStop(curve) == true) break;   // hopeless: stop here
        }
        _pruner?.Report(curve);
        var (_, test) = NetTrainer.Evaluate(trainer.Network, _data, _test);
        var o = trainer.Network.Options;
        double flops = Space.ComputeCosts(arch, new CostOptions(o.Classes, o.InputSize, o.Width, o.CellsPerStage)).TryGetValue("flops_M", out double f) ? f : double.NaN;
        return new Evaluation(new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["val_acc"] = last!.TestAccuracy, ["test_acc"] = test, ["params_M"] = trainer.Network.ParameterCount / 1e6, ["flops_M"] = flops, ["epochs"] = curve.Count,
        }, clock.Elapsed.TotalSeconds);
    }

    /// <inheritdoc />
    public void Dispose() { }
}
