using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using NagSharp.Networks;
using NagSharp.Networks.Onnx;
using NagSharp.Spaces;
using TorchSharp;

namespace NagSharp.Experiments;

/// <summary>Settings of <see cref="ExportBench"/>.</summary>
/// <param name="Space">Search space name.</param>
/// <param name="N">Random architectures: 100 covers every operation of the small spaces many times.</param>
/// <param name="Width">C (null: the space's standard network).</param>
/// <param name="Cells">N (null: the space's standard network).</param>
/// <param name="InputSize">Input side (null: each architecture's own resolution where it has one, as in ofa_mbv3, else 32).</param>
/// <param name="Batch">Random inputs per architecture.</param>
/// <param name="Seed">Architectures, weights and inputs.</param>
public sealed record ExportBenchSettings(string Space = "nb201", int N = 100, int? Width = null, int? Cells = null, int? InputSize = null, int Batch = 4, int Seed = 0);

/// <summary>One exported architecture.</summary>
/// <param name="Arch">The architecture string.</param>
/// <param name="MaxAbsDiff">Largest |ONNX Runtime - TorchSharp| output difference.</param>
/// <param name="MaxAbsOutput">Largest |output|, the scale the difference compares with.</param>
public sealed record ExportBenchRow(string Arch, double MaxAbsDiff, double MaxAbsOutput);

/// <summary>What <see cref="ExportBench.Run"/> measured (the shape of its JSON file).</summary>
/// <param name="N">Architectures exported.</param>
/// <param name="Width">C of the networks.</param>
/// <param name="CellsPerStage">N of the networks.</param>
/// <param name="InputSize">The input side, when one side was used for all.</param>
/// <param name="InputSizeFromArch">True when each network ran at its architecture's own resolution.</param>
/// <param name="MaxAbsDiff">Largest difference over all architectures.</param>
/// <param name="OverTolerance">Architectures whose difference exceeds <see cref="ExportBench.OnnxTolerance"/>.</param>
/// <param name="Archs">One row per architecture.</param>
public sealed record ExportBenchResult(int N,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Width,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? CellsPerStage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? InputSize,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? InputSizeFromArch,
    double MaxAbsDiff, int OverTolerance, IReadOnlyList<ExportBenchRow> Archs)
{
    /// <summary>The network shape, for the summary line.</summary>
    [JsonIgnore] public NetworkOptions Options { get; init; } = new();

    /// <summary>Wall time.</summary>
    [JsonIgnore] public double Seconds { get; init; }
}

/// <summary>
/// <c>nag bench export</c>'s protocol: random architectures exported to ONNX with random weights and batch-norm
/// statistics, run in ONNX Runtime and compared with TorchSharp.
/// </summary>
public static class ExportBench
{
    /// <summary>Largest ONNX-vs-TorchSharp output difference an export accepts.</summary>
    public const double OnnxTolerance = 1e-4;

    /// <summary>Exports and compares <see cref="ExportBenchSettings.N"/> random architectures.</summary>
    public static ExportBenchResult Run(ExportBenchSettings settings, IProgress<ExperimentEvent>? progress = null)
    {
        var s = SpaceRegistry.Get(settings.Space);
        var builder = NetworkRegistry.Get(s);
        int count = Guard.Positive(settings.N, "n");
        Guard.Positive(settings.Batch, "batch");
        var options = builder.Resolve(new NetworkOptions(Classes: builder.StandardClasses, InputSize: settings.InputSize ?? 32, Width: settings.Width, CellsPerStage: settings.Cells));
        bool sizeGiven = settings.InputSize is not null;
        bool perArch = !sizeGiven && builder.FixesInputSize;
        var rng = new Random(settings.Seed);
        torch.manual_seed(settings.Seed);
        var rows = new List<ExportBenchRow>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            var arch = s.Sample(rng);
            using var net = builder.Build(arch, builder.OptionsFor(arch, options, sizeGiven));
            NetworkInit.RandomizeBatchNorm(net);
            var (diff, scale) = OnnxExport.Compare(net, OnnxExport.ToBytes(net), settings.Batch);
            rows.Add(new ExportBenchRow(arch.ToString(), diff, scale));
            progress.Step("export", i + 1, count, diff.ToString("E2", CultureInfo.InvariantCulture));
        }
        return new ExportBenchResult(count, options.Width, options.CellsPerStage, perArch ? null : options.InputSize, perArch ? true : null,
            rows.Max(r => r.MaxAbsDiff), rows.Count(r => !(r.MaxAbsDiff <= OnnxTolerance)), rows) { Options = options, Seconds = clock.Elapsed.TotalSeconds };
    }
}
