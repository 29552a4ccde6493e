namespace NagSharp.Cli;

/// <summary>
/// Library errors name settings ("guidance scale must be a finite number, got NaN"); a CLI user typed a flag. This
/// table tells them which one: the message of a command gets its flag appended when it starts with a setting that
/// command exposes.
/// </summary>
public static class SettingFlags
{
    private static readonly (string Setting, string Flag)[] Sampling =
    [
        ("guidance scale", "--guidance"),
        ("guidance target value", "--target-value"),
        ("guidance start time", "--guidance-start"),
        ("guidance stop time", "--guidance-stop"),
        ("guidance decay per round", "--guidance-decay"),
        ("guidance quantile", "--guide-top"),
        ("repulsion strength", "--repulsion"),
        ("classifier-free guidance weight", "--guidance-weight"),
        ("sample count", "-n"),
        ("sample batch", "--batch"),
        ("sampling steps", "--sample-steps"),
        ("SamplerConfig.Steps", "--sample-steps"),
        ("SamplerConfig.Snr", "--snr"),
        ("SamplerConfig.CorrectorSteps", "--corrector-steps"),
    ];

    private static readonly (string Setting, string Flag)[] Training =
    [
        ("TrainConfig.Steps", "--steps"),
        ("TrainConfig.Batch", "--batch"),
        ("TrainConfig.LearningRate", "--lr"),
    ];

    // nag net train (and the networks other commands train with the same options).
    private static readonly (string Setting, string Flag)[] NetTraining =
    [
        ("TrainSettings.Epochs", "--epochs"),
        ("TrainSettings.Batch", "--batch"),
        ("TrainSettings.LearningRate", "--lr"),
        ("TrainSettings.Momentum", "--momentum"),
        ("TrainSettings.WeightDecay", "--weight-decay"),
        ("TrainSettings.Augment", "--augment"),
    ];

    // Settings every command that has them spells the same way.
    private static readonly (string Setting, string Flag)[] Common =
    [
        ("NetworkOptions.Classes", "--classes"),
        ("NetworkOptions.InputChannels", "--channels"),
        ("NetworkOptions.InputSize", "--input-size"),
        ("NetworkOptions.Width", "--width"),
        ("NetworkOptions.CellsPerStage", "--cells"),
        ("NetworkConfig.Layers", "--layers"),
        ("NetworkConfig.Dim", "--dim"),
        ("DenoiserConfig.Layers", "--layers"),
        ("DenoiserConfig.NodeDim", "--dim"),
    ];

    private static readonly Dictionary<string, (string Setting, string Flag)[]> ByCommand = new(StringComparer.Ordinal)
    {
        ["generate"] = Sampling,
        ["generator"] = Training,
        ["train"] = NetTraining,
        ["latency"] =
        [
            ("LatencySettings.Batch", "--batch"), ("LatencySettings.Warmup", "--warmup"), ("LatencySettings.Repeats", "--repeats"),
            ("LatencySettings.Interleave", "--interleave"), ("LatencySettings.TurnPasses", "--turn-passes"),
        ],
        ["predictor"] = Training,
    };

    /// <summary><paramref name="message"/> with " (flag)" appended when it starts with a setting of <paramref name="command"/>.</summary>
    public static string Annotate(string? command, string message)
    {
        var table = command is not null && ByCommand.TryGetValue(command, out var own) ? [.. own, .. Common] : Common;
        foreach (var (setting, flag) in table)
            if (message.StartsWith(setting + " ", StringComparison.Ordinal)) return $"{message} ({flag})";
        return message;
    }
}
