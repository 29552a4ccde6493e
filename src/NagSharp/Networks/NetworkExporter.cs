using System.Globalization;
using System.Text;
using System.Text.Json;
using NagSharp.Networks.Onnx;
using NagSharp.Spaces;
using static TorchSharp.torch;

namespace NagSharp.Networks;

/// <summary>File formats of <see cref="NetworkExporter"/>, named in files and on the command line as json, onnx, pytorch.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(KebabEnumConverter<ExportFormat>))]
public enum ExportFormat
{
    /// <summary>The JSON spec (<see cref="NetworkSpec"/>).</summary>
    Json,
    /// <summary>An ONNX model, checked in ONNX Runtime against TorchSharp unless told otherwise.</summary>
    Onnx,
    /// <summary>Standalone PyTorch source, plus safetensors weights for a trained network.</summary>
    Pytorch,
}

/// <summary>What an export wrote.</summary>
/// <param name="Path">The file written (the <c>.py</c> for PyTorch).</param>
/// <param name="Format">Its format.</param>
/// <param name="Weights">The safetensors file beside a PyTorch export of a trained network, else null.</param>
/// <param name="Bytes">Size of an ONNX model, else null.</param>
/// <param name="MaxAbsDiff">Largest ONNX Runtime vs TorchSharp output difference, when checked.</param>
/// <param name="Metadata">The facts a user needs to feed the network, as written into the file(s).</param>
public sealed record ExportResult(string Path, ExportFormat Format, string? Weights, long? Bytes, double? MaxAbsDiff,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Writes a network as a JSON spec, an ONNX model or PyTorch source (+ safetensors weights). ONNX metadata, safetensors
/// metadata and the <c>.py</c> docstring carry the same facts (<see cref="Metadata"/>): input size and channels, and for a
/// trained network the pixel scaling, the normalisation mean/std and the class names, so the files are usable without
/// NagSharp.
/// </summary>
public static class NetworkExporter
{
    /// <summary>ONNX inputs the ONNX Runtime check runs.</summary>
    public const int CheckBatch = 4;

    // Class names are read by people in the docstring and metadata: keep non-ASCII letters as they are.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Parses a format name (json, onnx, pytorch).</summary>
    public static ExportFormat ParseFormat(string text) => text switch
    {
        "json" => ExportFormat.Json,
        "onnx" => ExportFormat.Onnx,
        "pytorch" => ExportFormat.Pytorch,
        _ => throw new NagUserException($"export format '{text}' is not one of json, onnx, pytorch"),
    };

    /// <summary>The default file name: space and a hash of the architecture string (not the canonical form, so
    /// equivalent cells are still different files).</summary>
    public static string DefaultPath(ISearchSpace space, NetworkModule net, ExportFormat format)
    {
        string id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(net.Arch.ToString())))[..12];
        return $"{space.Name}-{id}{format switch { ExportFormat.Json => ".json", ExportFormat.Onnx => ".onnx", _ => ".py" }}";
    }

    /// <summary>
    /// Writes <paramref name="net"/> (eval mode) to <paramref name="path"/> (null: <see cref="DefaultPath"/>).
    /// <paramref name="dataset"/> describes the data a trained network saw (null for fresh weights);
    /// <paramref name="weightsPath"/> is the checkpoint it came from (PyTorch exports write weights only then).
    /// With <paramref name="check"/>, an ONNX model is run in ONNX Runtime on <see cref="CheckBatch"/> random inputs
    /// drawn after seeding the torch RNG with <paramref name="seed"/>.
    /// </summary>
    public static ExportResult Write(ExportFormat format, ISearchSpace space, NetworkModule net, DatasetInfo? dataset, string? weightsPath,
        string? path, bool check = true, int seed = 0)
    {
        net.eval();
        path ??= DefaultPath(space, net, format);
        var meta = Metadata(space, net, dataset);
        switch (format)
        {
            case ExportFormat.Json:
                string spec = NetworkSpec.Write(space, net, dataset, weightsPath);
                AtomicFile.WriteText(path, w => w.WriteLine(spec));
                return new ExportResult(path, format, null, null, null, meta);
            case ExportFormat.Onnx:
                byte[] model = OnnxExport.ToBytes(net, meta);
                AtomicFile.WriteStream(path, s => s.Write(model));
                double? diff = null;
                if (check)
                {
                    manual_seed(seed);
                    diff = OnnxExport.MaxAbsDiff(net, model, CheckBatch);
                }
                return new ExportResult(path, format, null, model.Length, diff, meta);
            default:
                var (source, weightsOut) = SafeTensors.PyTorchPaths(path);
                string code = Docstring(space, net, dataset, meta) + NetworkRegistry.Get(space).PyTorchSource(net.Arch, net.Options);
                AtomicFile.WriteText(source, w => w.Write(code));
                if (weightsPath is null) return new ExportResult(source, format, null, null, null, meta);
                SafeTensors.Write(weightsOut, net, meta);
                return new ExportResult(source, format, weightsOut, null, null, meta);
        }
    }

    /// <summary>
    /// The facts a user needs to feed the network, as string key/values (ONNX <c>metadata_props</c>, safetensors
    /// <c>__metadata__</c>): <c>space</c>, <c>arch</c>, <c>input_size</c>, <c>input_channels</c>, <c>num_classes</c>; for a
    /// trained network also <c>pixel_scale</c>, <c>source_size</c>, <c>input_mean</c>, <c>input_std</c> (comma-separated, per
    /// channel), <c>class_names</c> (a JSON array, index = output), <c>preprocessing</c> (a sentence) and <c>dataset</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Metadata(ISearchSpace space, NetworkModule net, DatasetInfo? dataset)
    {
        var inv = CultureInfo.InvariantCulture;
        var o = net.Options;
        var meta = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["space"] = space.Name,
            ["arch"] = net.Arch.ToString(),
            ["input_size"] = o.InputSize.ToString(inv),
            ["input_channels"] = o.InputChannels.ToString(inv),
            ["input_layout"] = "NCHW float32",
            ["num_classes"] = o.Classes.ToString(inv),
        };
        if (dataset is null) return meta;
        meta["source_size"] = dataset.NativeSize.ToString(inv);
        if (dataset.PixelScale is float scale) meta["pixel_scale"] = scale.ToString("R", inv);
        meta["input_mean"] = string.Join(",", dataset.Mean.Select(v => v.ToString("R", inv)));
        meta["input_std"] = string.Join(",", dataset.Std.Select(v => v.ToString("R", inv)));
        meta["class_names"] = JsonSerializer.Serialize(dataset.ClassNames, Readable);
        meta["preprocessing"] = Preprocessing(dataset, o.InputSize);
        meta["dataset"] = Path.GetFileName(dataset.Source.TrimEnd('/', '\\'));
        return meta;
    }

    private static string Preprocessing(DatasetInfo d, int size)
    {
        var inv = CultureInfo.InvariantCulture;
        string scale = d.PixelScale is float s ? $"divide raw pixel values by {s.ToString("R", inv)} (to [0, 1])" : "scale pixels to [0, 1]";
        string shape = d.Format == "folder"
            ? $"resize to {size}x{size} RGB"
            : d.NativeSize == size ? $"keep the {size}x{size} images as they are" : $"zero-pad the {d.NativeSize}x{d.NativeSize} images (centred) to {size}x{size}";
        return $"{scale}; {shape}; then per channel (x - input_mean) / input_std";
    }

    private static string Docstring(ISearchSpace space, NetworkModule net, DatasetInfo? dataset, IReadOnlyDictionary<string, string> meta)
    {
        var o = net.Options;
        var sb = new StringBuilder();
        sb.Append(space.Name).Append(" network for ").Append(net.Arch.ToString()).Append('\n');
        sb.Append('\n');
        sb.Append(CultureInfo.InvariantCulture, $"Input: float32 tensor [batch, {o.InputChannels}, {o.InputSize}, {o.InputSize}] (NCHW). Output: {o.Classes} logits.\n");
        if (dataset is null)
            sb.Append("Weights: freshly initialised (not trained), so no input normalisation is recorded.\n");
        else
        {
            sb.Append("Trained on ").Append(meta["dataset"]).Append(". Preprocessing, as in training:\n    ").Append(meta["preprocessing"]).Append('\n');
            sb.Append("    input_mean = [").Append(meta["input_mean"].Replace(",", ", ", StringComparison.Ordinal)).Append("]\n");
            sb.Append("    input_std = [").Append(meta["input_std"].Replace(",", ", ", StringComparison.Ordinal)).Append("]\n");
            sb.Append("Classes (output index: name): ")
                .Append(string.Join(", ", dataset.ClassNames.Select((c, i) => $"{i}: {JsonSerializer.Serialize(c, Readable)}"))).Append('\n');
            sb.Append("The weights file's safetensors metadata (__metadata__) holds the same facts as strings:\n    ")
                .Append(string.Join(", ", meta.Keys)).Append('\n');
        }
        // A raw docstring keeps backslashes in names literal; names the user chose must not close it early.
        return "r\"\"\"" + sb.ToString().Replace("\"\"\"", "'''", StringComparison.Ordinal) + "\"\"\"\n";
    }
}
