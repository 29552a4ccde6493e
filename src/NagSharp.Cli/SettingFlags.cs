using System.Text.RegularExpressions;

namespace NagSharp.Cli;

/// <summary>
/// The library's errors name settings (<c>GenerateSettings.GuidanceStart</c>); a command-line user knows flags. This
/// map rewrites the settings a flag sets into that flag when an error is printed (see
/// docs/decisions/0002-settings-in-library-errors.md). A setting without a flag stays as it is, which still names what to
/// change.
/// </summary>
public static class SettingFlags
{
    /// <summary>Setting name -&gt; the flag that sets it.</summary>
    public static readonly IReadOnlyDictionary<string, string> Map = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["GenerateSettings.Count"] = "-n",
        ["GenerateSettings.Batch"] = "--batch",
        ["GenerateSettings.GuidanceWeight"] = "--guidance-weight",
        ["GenerateSettings.GuidanceStart"] = "--guidance-start",
        ["GenerateSettings.EdgeDecoding"] = "--edge-decoding",
        ["GenerateSettings.SlotDecoding"] = "--slot-decoding",
        ["GenerateSettings.Conditions"] = "--condition",
        ["GenerateSettings.Guidance"] = "--predictor/--objective/--guidance-scale",
        ["GenerationRunSettings.Reports"] = "--report",
        ["GenerationRunSettings.PoolFactor"] = "--pool",
        ["TaskTransferSettings.K"] = "-n",
        ["GuidedMarginSettings.K"] = "--top",
        ["GuidedMarginSettings.Metric"] = "--objective",
        ["SurrogateBenchSettings.Column"] = "--objective",
        ["SurrogateBenchSettings.Encodings"] = "--surrogate-encoding",
        ["GenerationRunSettings.GuidanceStop"] = "--guidance-stop",
        ["SamplerConfig.Kind"] = "--sampler",
        ["SamplerConfig.Steps"] = "--sample-steps",
        ["SamplerConfig.Snr"] = "--snr",
        ["SamplerConfig.CorrectorSteps"] = "--corrector-steps",
        ["PredictorGuidanceSettings.Scale"] = "--guidance-scale",
        ["PredictorGuidanceSettings.TargetValue"] = "--objective-value",
        ["PredictorGuidanceSettings.TopPercent"] = "--guide-top",
        ["PredictorGuidanceSettings.StartTime"] = "--guidance-start",
        ["PredictorGuidanceSettings.StopTime"] = "--guidance-stop",
        ["PredictorGuidanceSettings.DecayPerBatch"] = "--guidance-decay",
        ["PredictorGuidanceSettings.Repulsion"] = "--repulsion",
        ["TrainConfig.Steps"] = "--train-steps",
        ["PredictorTraining.TrainArchs"] = "--train-archs",
        ["TrainConfig.Batch"] = "--batch",
        ["TrainConfig.LearningRate"] = "--lr",
        ["SdeConfig.Kind"] = "--sde",
        ["GeneratorSettings.Engine"] = "--engine",
        ["GeneratorSettings.SelfCondition"] = "--self-condition",
        ["NoiseAwarePredictor target transform"] = "--target-transform",
        ["NetworkConfig.Dim"] = "--dim",
        ["NetworkConfig.Heads"] = "--heads",
        ["NetworkOptions.InputSize"] = "--input-size",
        ["NetworkOptions.Width"] = "--width",
        ["NetworkOptions.CellsPerStage"] = "--cells",
        ["TrainSettings.Epochs"] = "--epochs",
        ["TrainSettings.Batch"] = "--batch",
        ["TrainSettings.LearningRate"] = "--lr",
        ["TrainSettings.Momentum"] = "--momentum",
        ["TrainSettings.WeightDecay"] = "--weight-decay",
        ["TrainSettings.Augment"] = "--augment",
        ["LatencySettings.Batch"] = "--batch",
        ["LatencySettings.Warmup"] = "--warmup",
        ["LatencySettings.Repeats"] = "--repeats",
        ["LatencySettings.Interleave"] = "--interleave",
        ["LatencySettings.TurnPasses"] = "--turn-passes",
        ["StrategyOptions.Generator"] = "--generator",
        ["StrategyOptions.Transfer"] = "--transfer-from",
        ["the explicit data directory"] = "--data-dir",
        ["cross-validation folds"] = "--folds",
        ["search budget"] = "--budget",
        ["the transfer prior needs at least one source column"] = "--transfer-from needs at least one source column",
    };

    // Longest names first, and never inside a longer name (GenerateSettings.Guidance vs GenerateSettings.GuidanceStart).
    private static readonly Regex Names = new(
        string.Join("|", Map.Keys.OrderByDescending(k => k.Length).Select(k => Regex.Escape(k) + "(?![A-Za-z])")), RegexOptions.CultureInvariant);

    /// <summary>Replaces every mapped setting name in <paramref name="message"/> by its flag.</summary>
    public static string Rewrite(string message) => Names.Replace(message, m => Map[m.Value]);
}
