using System.Text.RegularExpressions;

namespace NagSharp.Cli;

/// <summary>
/// The library's errors name settings (<c>GenerateSettings.GuidanceStart</c>); a command-line user knows flags. This
/// map rewrites the settings a flag sets into that flag when an error is printed (docs/decisions: settings in library
/// errors). A setting without a flag stays as it is, which still names what to change.
/// </summary>
public static partial class SettingFlags
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
        ["GenerateSettings.Guidance"] = "--predictor/--target/--guidance",
        ["SamplerConfig.Kind"] = "--sampler",
        ["SamplerConfig.Steps"] = "--sample-steps",
        ["SamplerConfig.Snr"] = "--snr",
        ["SamplerConfig.CorrectorSteps"] = "--corrector-steps",
        ["PredictorGuidanceSettings.Scale"] = "--guidance",
        ["PredictorGuidanceSettings.TargetValue"] = "--target-value",
        ["PredictorGuidanceSettings.TopPercent"] = "--guide-top",
        ["PredictorGuidanceSettings.StartTime"] = "--guidance-start",
        ["PredictorGuidanceSettings.StopTime"] = "--guidance-stop",
        ["PredictorGuidanceSettings.DecayPerBatch"] = "--guidance-decay",
        ["PredictorGuidanceSettings.Repulsion"] = "--repulsion",
        ["TrainConfig.Steps"] = "--steps",
        ["TrainConfig.Batch"] = "--batch",
        ["TrainConfig.LearningRate"] = "--lr",
        ["SdeConfig.Kind"] = "--sde",
        ["GeneratorSettings.Engine"] = "--engine",
        ["GeneratorSettings.SelfCondition"] = "--self-condition",
        ["NoiseAwarePredictor target transform"] = "--target-transform",
    };

    /// <summary>Replaces every mapped setting name in <paramref name="message"/> by its flag.</summary>
    public static string Rewrite(string message) =>
        SettingName().Replace(message, m => Map.TryGetValue(m.Value, out var flag) ? flag : m.Value);

    [GeneratedRegex(@"\b[A-Z][A-Za-z]+\.[A-Z][A-Za-z]+\b|NoiseAwarePredictor target transform")]
    private static partial Regex SettingName();
}
