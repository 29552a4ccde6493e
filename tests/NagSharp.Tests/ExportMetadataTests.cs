using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace NagSharp.Tests;

/// <summary>An exported trained network carries what a user needs to feed it, and runs outside NagSharp.</summary>
[Collection(TorchCollection.Name)]
public sealed class ExportMetadataTests
{
    private const string Cell = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|";

    // Reads everything it needs (input size, channels, pixel scale, mean/std, class names) from the weights file's
    // metadata, and the digits test split by the loader's documented rule (every fifth image of each class).
    private const string EvalScript = """
        # Evaluates an exported network on the digits test split using only the export's own metadata.
        import gzip, importlib.util, json, struct, sys
        import torch

        source, weights, data = sys.argv[1:4]
        spec = importlib.util.spec_from_file_location("exported", source)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        model = mod.build(weights)
        with open(weights, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            meta = json.loads(f.read(n))["__metadata__"]
        size, channels = int(meta["input_size"]), int(meta["input_channels"])
        scale, native = float(meta["pixel_scale"]), int(meta["source_size"])
        mean = torch.tensor([float(v) for v in meta["input_mean"].split(",")]).view(1, -1, 1, 1)
        std = torch.tensor([float(v) for v in meta["input_std"].split(",")]).view(1, -1, 1, 1)
        names = json.loads(meta["class_names"])
        rows = [l.split(",") for l in gzip.open(data, "rt").read().splitlines() if l.strip()]
        if not rows[0][0].replace(".", "").isdigit():
            rows = rows[1:]
        # The digits test split: within each class, in file order, every fifth image.
        seen, xs, ys = {}, [], []
        for r in rows:
            label = r[-1]
            k = seen.get(label, 0)
            seen[label] = k + 1
            if k % 5 == 4:
                xs.append([float(v) for v in r[:-1]])
                ys.append(names.index(label))
        x = torch.tensor(xs).view(-1, channels, native, native) / scale
        pad = (size - native) // 2
        x = torch.nn.functional.pad(x, (pad, size - native - pad, pad, size - native - pad))
        with torch.no_grad():
            pred = model((x - mean) / std).argmax(1)
        print(json.dumps({"test_accuracy": (pred == torch.tensor(ys)).float().mean().item(), "n": len(ys)}))
        """;

    [SkippableFact]
    public void TrainedExportsCarryInputFactsAndThePyTorchFileReproducesTheTestAccuracy()
    {
        string digits = DatasetTests.DigitsPath();
        using var tmp = new TempDir();
        string ckpt = tmp.File("d.ckpt");
        var train = CliRunner.Run("net", "train", "--arch", Cell, "--dataset", digits, "--width", "4", "--cells", "1", "--epochs", "2",
            "--batch", "128", "--seed", "3", "--out", ckpt, "--json");
        Assert.True(train.Code == 0, train.Err);
        double reported;
        using (var doc = JsonDocument.Parse(train.Out)) reported = doc.RootElement.GetProperty("test_accuracy").GetDouble();

        var onnx = CliRunner.Run("export", "--weights", ckpt, "--format", "onnx", "--out", tmp.File("d.onnx"));
        Assert.True(onnx.Code == 0, onnx.Err);
        using (var session = new InferenceSession(tmp.File("d.onnx")))
        {
            var meta = session.ModelMetadata.CustomMetadataMap;
            Assert.Equal("8", meta["input_size"]);
            Assert.Equal("1", meta["input_channels"]);
            Assert.Equal("16", meta["pixel_scale"]);
            Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)), JsonSerializer.Deserialize<string[]>(meta["class_names"]));
            float mean = float.Parse(meta["input_mean"], CultureInfo.InvariantCulture), std = float.Parse(meta["input_std"], CultureInfo.InvariantCulture);
            Assert.InRange(mean, 0.05f, 0.95f);
            Assert.InRange(std, 0.05f, 0.95f);
        }

        var py = CliRunner.Run("export", "--weights", ckpt, "--format", "pytorch", "--out", tmp.File("d.py"));
        Assert.True(py.Code == 0, py.Err);
        string source = File.ReadAllText(tmp.File("d.py"));
        Assert.StartsWith("r\"\"\"nb201 network for " + Cell, source);
        Assert.Contains("Input: float32 tensor [batch, 1, 8, 8]", source);
        Assert.Contains("divide raw pixel values by 16", source);
        Assert.Contains("input_mean = [", source);
        Assert.Contains("input_std = [", source);
        Assert.Contains("9: \"9\"", source);

        string? python = FindPythonWithTorch();
        Skip.If(python is null, "no python3 that imports torch (Debian: apt-get install python3-torch); the PyTorch export was not run");
        File.WriteAllText(tmp.File("eval.py"), EvalScript);
        var (code, stdout, stderr) = RunProcess(python!, tmp.File("eval.py"), tmp.File("d.py"), tmp.File("d.safetensors"), digits);
        Assert.True(code == 0, stderr);
        using var result = JsonDocument.Parse(stdout);
        double accuracy = result.RootElement.GetProperty("test_accuracy").GetDouble();
        int n = result.RootElement.GetProperty("n").GetInt32();
        // Same weights, same inputs: only float summation order differs, which may flip at most one test image.
        Assert.True(Math.Abs(accuracy - reported) <= 1.0 / n + 1e-9, $"PyTorch test accuracy {accuracy}, nag net train reported {reported} (n = {n})");
    }

    [Fact]
    public void UntrainedExportsStateTheirInputShapeAndNoNormalisation()
    {
        using var tmp = new TempDir();
        var py = CliRunner.Run("export", "--arch", Cell, "--format", "pytorch", "--channels", "1", "--input-size", "16", "--out", tmp.File("u.py"));
        Assert.True(py.Code == 0, py.Err);
        string source = File.ReadAllText(tmp.File("u.py"));
        Assert.Contains("Input: float32 tensor [batch, 1, 16, 16]", source);
        Assert.Contains("no input normalisation is recorded", source);
        Assert.False(File.Exists(tmp.File("u.safetensors")));
        var onnx = CliRunner.Run("export", "--arch", Cell, "--format", "onnx", "--no-check", "--out", tmp.File("u.onnx"));
        Assert.True(onnx.Code == 0, onnx.Err);
        using var session = new InferenceSession(tmp.File("u.onnx"));
        var meta = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("32", meta["input_size"]);
        Assert.Equal("10", meta["num_classes"]);
        Assert.False(meta.ContainsKey("input_mean"));
    }

    private static string? FindPythonWithTorch()
    {
        // Debian's interpreter first: a pyenv or venv python3 earlier on PATH usually lacks the system's python3-torch.
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                if (RunProcess(candidate, "-c", "import torch").Code == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return null;
    }

    private static (int Code, string Out, string Err) RunProcess(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }
}
