using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace NagSharp.Networks.Onnx;

/// <summary>Writes networks as ONNX models and checks them against the TorchSharp module in ONNX Runtime.</summary>
public static class OnnxExport
{
    /// <summary>Name of the model's input.</summary>
    public const string InputName = "input";

    /// <summary>The ONNX model bytes of <paramref name="net"/> with its current weights (inference mode).</summary>
    public static byte[] ToBytes(NetworkModule net, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var g = new OnnxGraphBuilder(net);
        string output = net.EmitOnnx(g, InputName);
        var meta = new Dictionary<string, string>(StringComparer.Ordinal) { ["arch"] = net.Arch.ToString() };
        if (metadata is not null) foreach (var (k, v) in metadata) meta[k] = v;
        var o = net.Options;
        return g.ToModel(InputName, output, o.InputChannels, o.InputSize, o.Classes, meta, $"nagsharp_{o.Width}x{o.CellsPerStage}");
    }

    /// <summary>Runs a model in ONNX Runtime (one intra-op thread) on a float input of the given shape.</summary>
    public static float[] Run(byte[] model, float[] input, long[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC };
        using var session = new InferenceSession(model, options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [InputName], [value], session.OutputNames);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>
    /// Largest absolute difference between ONNX Runtime's and TorchSharp's outputs (eval mode) on <paramref name="batch"/>
    /// standard-normal inputs drawn from the torch RNG.
    /// </summary>
    public static double MaxAbsDiff(NetworkModule net, byte[] model, int batch) => Compare(net, model, batch).MaxAbsDiff;

    /// <summary>As <see cref="MaxAbsDiff"/>, also returning the largest absolute TorchSharp output (the scale the
    /// difference is to be read against).</summary>
    public static (double MaxAbsDiff, double MaxAbsOutput) Compare(NetworkModule net, byte[] model, int batch)
    {
        var o = net.Options;
        long[] shape = [batch, o.InputChannels, o.InputSize, o.InputSize];
        float[] input, expected;
        bool wasTraining = net.training;
        net.eval();
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var x = randn(shape);
            input = x.data<float>().ToArray();
            expected = net.forward(x).data<float>().ToArray();
        }
        if (wasTraining) net.train();
        var actual = Run(model, input, shape);
        if (actual.Length != expected.Length) throw new InvalidOperationException($"ONNX output has {actual.Length} values, TorchSharp {expected.Length}");
        double max = 0, scale = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        return (max, scale);
    }
}
