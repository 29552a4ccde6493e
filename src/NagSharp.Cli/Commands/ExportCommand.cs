using System.CommandLine;
using System.Globalization;
using NagSharp.Networks;
using NagSharp.Networks.Onnx;
using NagSharp.Spaces;
using TorchSharp;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag export</c>: a network as a JSON spec, an ONNX model or a standalone PyTorch file.</summary>
public static class ExportCommand
{
    /// <summary>Largest ONNX-vs-TorchSharp output difference an export accepts.</summary>
    public const double OnnxTolerance = ExportBench.OnnxTolerance;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var arch = new ArchOptions();
        var format = new Option<string>("--format") { Description = "json, onnx or pytorch", Required = true };
        var weights = new Option<string?>("--weights") { Description = "Trained checkpoint from `nag net train` (its architecture, shape and weights); without it the weights are freshly initialised" };
        var outPath = new Option<string?>("--out") { Description = "Output file (default: <space>-<hash of the architecture string>.json|.onnx|.py)" };
        var classes = new Option<int?>("--classes") { Description = "Classifier outputs (without --weights; default: the space's standard network, e.g. NB201 10, OFA 1000)" };
        var channels = new Option<int>("--channels") { Description = "Input channels (without --weights)", DefaultValueFactory = _ => 3 };
        var inputSize = new Option<int?>("--input-size") { Description = "Input side (without --weights; default: the architecture's own resolution where it has one, as in ofa_mbv3, else 32)" };
        var seed = new Option<int>("--seed") { Description = "Random seed of the initial weights (without --weights) and of the ONNX check's inputs", DefaultValueFactory = _ => 0 };
        var json = CliHelpers.JsonOption();
        var noCheck = new Option<bool>("--no-check") { Description = "ONNX: skip running the model in ONNX Runtime against TorchSharp" };
        var cmd = new Command("export", "Export a network: JSON spec, ONNX model (checked in ONNX Runtime) or standalone PyTorch .py (+ .safetensors weights)")
            { format, weights, outPath, classes, channels, inputSize, seed, noCheck, json };
        arch.AddTo(cmd);
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var fmt = NetworkExporter.ParseFormat(p.GetValue(format)!);
            int seedValue = p.GetValue(seed);
            NetworkModule net;
            ISearchSpace space;
            DatasetInfo? dataset = null;
            string? weightsPath = p.GetValue(weights);
            if (weightsPath is not null)
            {
                var (loaded, ck) = NetworkCheckpoint.Load(weightsPath);
                net = loaded;
                space = SpaceRegistry.Get(ck.Get<string>("space", weightsPath));
                if (ck.Header["dataset"] is not null) dataset = ck.Get<DatasetInfo>("dataset", weightsPath);
                if (p.GetValue(arch.Arch) is not null || p.GetValue(arch.Spec) is not null)
                {
                    var (s2, a2, _, _, _) = arch.Read(ctx, p);
                    if (s2.Name != space.Name || !a2.Equals(net.Arch))
                    {
                        net.Dispose();
                        throw new NagUserException($"{weightsPath} holds {space.Name} {net.Arch}, not the architecture given");
                    }
                }
            }
            else
            {
                var (s, a, specOptions, width, cells) = arch.Read(ctx, p);
                space = s;
                var builder = NetworkRegistry.Get(space);
                var options = specOptions ?? new NetworkOptions(p.GetValue(classes) ?? builder.StandardClasses, p.GetValue(channels), p.GetValue(inputSize) ?? 32, width, cells);
                torch.manual_seed(seedValue);
                net = builder.Build(a, builder.OptionsFor(a, options, specOptions is not null || p.GetValue(inputSize) is not null));
            }
            ExportResult r;
            using (net) r = NetworkExporter.Write(fmt, space, net, dataset, weightsPath, p.GetValue(outPath), !p.GetValue(noCheck), seedValue);
            if (p.GetValue(json)) ctx.Out.WriteLine(ExperimentHost.Json(r));
            else ctx.Out.WriteLine(r switch
            {
                { Format: ExportFormat.Onnx, MaxAbsDiff: double d } => string.Create(CultureInfo.InvariantCulture,
                    $"wrote {r.Path} ({r.Bytes:N0} bytes); ONNX Runtime vs TorchSharp on {NetworkExporter.CheckBatch} random inputs: max abs diff {d:E2}"),
                { Format: ExportFormat.Onnx } => string.Create(CultureInfo.InvariantCulture, $"wrote {r.Path} ({r.Bytes:N0} bytes; not checked)"),
                { Weights: string w } => $"wrote {r.Path} and {w} (load with: python3 {Path.GetFileName(r.Path)} {Path.GetFileName(w)})",
                _ => $"wrote {r.Path}",
            });
            if (r.MaxAbsDiff is double diff && !(diff <= OnnxTolerance))
            {
                ctx.Err.WriteLine($"nag: error: {r.Path}: ONNX Runtime's outputs differ from TorchSharp's by {diff:E2} (> {OnnxTolerance:E0}); the export is wrong");
                return ExitCodes.DataError;
            }
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary><c>nag bench export</c>: ONNX-vs-TorchSharp agreement over many random cells.</summary>
    public static Command Bench(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
        var n = new Option<int>("-n") { Description = "Random architectures", DefaultValueFactory = _ => new ExportBenchSettings().N };
        var width = new Option<int?>("--width") { Description = "C (default: the standard network)" };
        var cells = new Option<int?>("--cells") { Description = "N (default: the standard network)" };
        var inputSize = new Option<int?>("--input-size") { Description = "Input side (default: each architecture's own resolution where it has one, as in ofa_mbv3, else 32)" };
        var batch = new Option<int>("--batch") { Description = "Random inputs per architecture", DefaultValueFactory = _ => new ExportBenchSettings().Batch };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var outPath = new Option<string?>("--out") { Description = "Write the per-architecture differences as JSON" };
        var json = CliHelpers.JsonOption();
        var cmd = new Command("export", "Export random architectures to ONNX (random weights and batch-norm statistics) and compare ONNX Runtime with TorchSharp")
            { space, n, width, cells, inputSize, batch, seed, outPath, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var settings = new ExportBenchSettings(p.GetValue(space)!, p.GetValue(n), p.GetValue(width), p.GetValue(cells), p.GetValue(inputSize), p.GetValue(batch), p.GetValue(seed));
            var r = CliHelpers.WithFlags(BenchFlags, () => ProgressRunner.Observe(ctx, progress => ExportBench.Run(settings, progress)));
            if (p.GetValue(outPath) is string path)
                AtomicFile.WriteText(path, w => w.WriteLine(System.Text.Json.JsonSerializer.Serialize(r, Json.SerializerOptions)));
            if (p.GetValue(json)) ctx.Out.WriteLine(ExperimentHost.Json(r));
            else ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.N} random {settings.Space} architectures ({r.Options.ShapeText()}, {(r.InputSize is int side ? $"{side}x{side}" : "own resolution")}, random BN weights, statistics measured on a random batch): max abs diff ONNX Runtime vs TorchSharp {r.MaxAbsDiff:E2}, median {LatencyMeter.Median(r.Archs.Select(a => a.MaxAbsDiff).ToArray()):E2} (logits up to {r.Archs.Max(a => a.MaxAbsOutput):F2} in magnitude, median max {LatencyMeter.Median(r.Archs.Select(a => a.MaxAbsOutput).ToArray()):F2}); {r.OverTolerance} over {OnnxTolerance:E0}; {r.Seconds:F0} s"));
            return r.OverTolerance == 0 ? ExitCodes.Ok : ExitCodes.DataError;
        }));
        return cmd;
    }

    private static readonly IReadOnlyDictionary<string, string> BenchFlags = new Dictionary<string, string> { ["n"] = "-n", ["batch"] = "--batch" };
}
