using System.Text.Json.Serialization;
using NagSharp.Networks;

namespace NagSharp.Cli.Commands;

/// <summary>
/// The JSON form of a latency survey (<c>nag latency --json</c>), snake case through <see cref="Json.SerializerOptions"/>;
/// absent fields are those that do not apply to the run (no table, no calibration, no rechecks).
/// </summary>
internal sealed record LatencyJson(
    string Space,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Width,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? CellsPerStage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? InputSizeFromArch,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? InputSize,
    int Classes, int Batch, int Threads, int Warmup, int Repeats, int Interleave, int TurnPasses, string Clock, bool Calibrated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ReferenceKey,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReferenceArch,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ReferenceAnchorMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CalibrationScaleMedian,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CalibrationScaleMin,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CalibrationScaleMax,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<double>? CalibrationScales,
    int Measured, int Rechecked, double Seconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? SecondsPerArch,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? WithinRunRelMadMedian,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? RunToRunRelDiffMedian,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? RunToRunRatioMedian,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? RunToRunRatioSpread,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? RowsInTable,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ExtrapolatedSecondsForRemaining,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ExtrapolatedSecondsForSpace,
    [property: JsonPropertyName("archs")] IReadOnlyList<LatencyJson.ArchJson> ArchList,
    [property: JsonPropertyName("rechecks")] IReadOnlyList<LatencyJson.RecheckJson> RecheckList,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<LatencyJson.FileJson>? Files,
    IReadOnlyDictionary<string, double> Spearman)
{
    /// <summary>One timed architecture.</summary>
    internal sealed record ArchJson([property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Key, string Arch, double MedianMs, double MadMs);

    /// <summary>One rechecked row.</summary>
    internal sealed record RecheckJson(int Key, double StoredMs, double RemeasuredMs);

    /// <summary>One samples file.</summary>
    internal sealed record FileJson(string Path, int Unique, int InvalidLines, double MeanMs, double MedianMs, double MinMs);

    /// <summary>The JSON form of <paramref name="r"/>.</summary>
    public static LatencyJson Of(Experiments.LatencySurveyResult r)
    {
        double perArch = r.SecondsPerArch;
        double? finite = double.IsFinite(perArch) ? perArch : null;
        var cal = r.Calibration is { AnchorMs: not null } c ? c : null;
        var scales = cal is { Scales.Count: > 0 } ? cal.Scales : null;
        return new LatencyJson(r.Space, r.Options.Width, r.Options.CellsPerStage, r.InputSizeFromArch ? true : null, r.InputSizeFromArch ? null : r.Options.InputSize,
            r.Options.Classes, r.Meter.Batch, r.Threads, r.Meter.Warmup, r.Meter.Repeats, r.Meter.Interleave, r.Meter.TurnPasses,
            r.Meter.Clock == LatencyClock.ThreadCpu ? "cpu" : "wall", r.Calibration is not null,
            cal?.Key, cal?.Arch.ToString(), cal?.AnchorMs,
            scales is null ? null : LatencyMeter.Median(scales), scales?.Min(), scales?.Max(), scales,
            r.Measured.Count, r.Rechecked.Count, r.Seconds, finite, r.WithinRunNoise, r.RunToRunNoise, r.RatioMedian, r.RatioSpread, r.RowsInTable,
            r.Remaining is long rem && finite is double pa ? rem * pa : null, r.SpaceSize is long sz && finite is double pb ? sz * pb : null,
            r.Measured.Select(m => new ArchJson(m.Key, m.Arch.ToString(), m.Sample.MedianMs, m.Sample.MadMs)).ToArray(),
            r.Rechecked.Select(x => new RecheckJson(x.Key, x.StoredMs, x.RemeasuredMs)).ToArray(),
            r.Files.Count == 0 ? null : r.Files.Select(f => new FileJson(f.Path, f.Unique, f.Invalid, f.MeanMs, f.MedianMs, f.MinMs)).ToArray(),
            r.Correlations.ToDictionary(x => x.Column, x => x.Spearman));
    }
}
