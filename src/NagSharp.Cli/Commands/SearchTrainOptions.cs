using System.CommandLine;
using NagSharp.Evaluation;

namespace NagSharp.Cli.Commands;

/// <summary>
/// The <c>train</c> evaluator's options on <c>nag search</c>: <c>nag net train</c>'s training options under the same
/// names, plus the network shape and the validation split.
/// </summary>
internal sealed class SearchTrainOptions
{
    private readonly NetCommand.TrainOptions _train = new();
    private readonly Option<int?> _width = new("--width") { Description = "train evaluator: channels of the first stage (default: the space's standard network)" };
    private readonly Option<int?> _cells = new("--cells") { Description = "train evaluator: cells per stage (default: the space's standard network)" };
    private readonly Option<double> _validation = new("--validation-fraction")
    {
        Description = "train evaluator: share of the training images held out as the validation split the search optimises",
        DefaultValueFactory = _ => new TrainEvaluatorSettings("", new Networks.TrainSettings(1)).ValidationFraction,
    };

    private readonly Option<string> _pruner = new("--pruner")
    {
        Description = "train evaluator: early stopping, none, median (a candidate below the median of earlier ones at the same epoch stops there) or asha (successive halving: at epochs 1, 3, 9, ... only the top third continues)",
        DefaultValueFactory = _ => SettingNames.Name(PrunerKind.None),
    };

    /// <summary>Adds the options to <paramref name="cmd"/>.</summary>
    public void AddTo(Command cmd)
    {
        _train.AddTo(cmd);
        cmd.Options.Add(_width);
        cmd.Options.Add(_cells);
        cmd.Options.Add(_validation);
        cmd.Options.Add(_pruner);
    }

    /// <summary>The train evaluator's settings, or null when no dataset was given (training seeded by <paramref name="seed"/>).</summary>
    public TrainEvaluatorSettings? Read(ParseResult p, int seed) =>
        p.GetValue(_train.Dataset) is string dataset
            ? new TrainEvaluatorSettings(Path.GetFullPath(dataset), _train.Read(p, seed), p.GetValue(_width), p.GetValue(_cells), p.GetValue(_train.InputSize), p.GetValue(_validation),
                SettingNames.Parse<PrunerKind>(p.GetValue(_pruner), _pruner.Name))
            : null;
}
