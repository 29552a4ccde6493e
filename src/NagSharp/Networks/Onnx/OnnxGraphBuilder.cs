using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Networks.Onnx;

/// <summary>
/// Collects an inference graph as ONNX nodes and initializers and writes the <c>ModelProto</c> bytes. Weights are
/// read from a module's state dict by name, so initializers carry the same names as the TorchSharp parameters.
/// Batch normalisation is written in inference form (running statistics), matching <c>eval()</c>.
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>ONNX operator set the graph uses (every operator here is unchanged since well before it).</summary>
    public const int OpsetVersion = 17;

    /// <summary>IR version matching <see cref="OpsetVersion"/>.</summary>
    public const int IrVersion = 8;

    /// <summary>Batch-norm epsilon of the TorchSharp networks (the PyTorch default).</summary>
    public const float BatchNormEpsilon = 1e-5f;

    private readonly Dictionary<string, Tensor> _state;
    private readonly List<Action<ProtoWriter>> _nodes = [];
    private readonly List<Action<ProtoWriter>> _initializers = [];
    private readonly HashSet<string> _initialized = new(StringComparer.Ordinal);
    private int _counter;

    /// <summary>A builder reading weights from <paramref name="module"/>'s state dict.</summary>
    public OnnxGraphBuilder(nn.Module module)
    {
        _state = new Dictionary<string, Tensor>(module.state_dict(), StringComparer.Ordinal);
    }

    /// <summary>Number of nodes so far.</summary>
    public int NodeCount => _nodes.Count;

    private string Fresh(string op) => $"{op.ToLowerInvariant()}_{_counter++}";

    /// <summary>Adds the state-dict entry <paramref name="name"/> as a float initializer (once) and returns its name.</summary>
    public string Param(string name)
    {
        if (_initialized.Contains(name)) return name;
        if (!_state.TryGetValue(name, out var t)) throw new InvalidOperationException($"state dict has no entry '{name}'");
        using var cpu = t.detach().to(ScalarType.Float32).cpu().contiguous();
        AddFloatInitializer(name, cpu.shape, cpu.data<float>().ToArray());
        return name;
    }

    private void AddFloatInitializer(string name, long[] dims, float[] values)
    {
        _initialized.Add(name);
        byte[] raw = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian");
        _initializers.Add(w =>
        {
            foreach (long d in dims) w.Int(1, d);  // dims
            w.Int(2, 1);                           // data_type FLOAT
            w.String(8, name);                     // name
            w.Bytes(9, raw);                       // raw_data
        });
    }

    /// <summary>Adds a node with one output; attributes are int, float, long[] (ints) values.</summary>
    public string Node(string op, string[] inputs, params (string Name, object Value)[] attributes)
    {
        string output = Fresh(op);
        string name = output;
        _nodes.Add(w =>
        {
            foreach (var i in inputs) w.String(1, i);
            w.String(2, output);
            w.String(3, name);
            w.String(4, op);
            foreach (var (an, av) in attributes)
                w.Message(5, a =>
                {
                    a.String(1, an);
                    switch (av)
                    {
                        case float f: a.Float(2, f); a.Int(20, 1); break;           // FLOAT
                        case int i: a.Int(3, i); a.Int(20, 2); break;               // INT
                        case long l: a.Int(3, l); a.Int(20, 2); break;              // INT
                        case long[] ls: foreach (var l in ls) a.Int(8, l); a.Int(20, 7); break; // INTS
                        default: throw new ArgumentException($"unsupported attribute type {av.GetType().Name}");
                    }
                });
        });
        return output;
    }

    /// <summary>Bias-free or biased square convolution; <paramref name="groups"/> equal to the channels makes it depthwise.</summary>
    public string Conv(string x, string weight, string? bias, int kernel, int stride, int padding, int groups = 1)
    {
        var inputs = bias is null ? new[] { x, Param(weight) } : [x, Param(weight), Param(bias)];
        return Node("Conv", inputs,
            ("kernel_shape", new long[] { kernel, kernel }), ("strides", new long[] { stride, stride }),
            ("pads", new long[] { padding, padding, padding, padding }), ("dilations", new long[] { 1, 1 }), ("group", (long)groups));
    }

    /// <summary>x * relu6(x + 3) / 6 (MobileNetV3's h-swish; ONNX HardSwish, opset 14).</summary>
    public string HardSwish(string x) => Node("HardSwish", [x]);

    /// <summary>relu6(x + 3) / 6 (MobileNetV3's h-sigmoid): ONNX HardSigmoid with alpha 1/6 and beta 1/2, not its defaults.</summary>
    public string HardSigmoid(string x) => Node("HardSigmoid", [x], ("alpha", 1f / 6f), ("beta", 0.5f));

    /// <summary>Element-wise (broadcasting) product.</summary>
    public string Mul(string a, string b) => Node("Mul", [a, b]);

    /// <summary>Inference batch norm from the state-dict entries <c>{prefix}weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>.</summary>
    public string BatchNorm(string x, string prefix) =>
        Node("BatchNormalization", [x, Param(prefix + "weight"), Param(prefix + "bias"), Param(prefix + "running_mean"), Param(prefix + "running_var")],
            ("epsilon", BatchNormEpsilon));

    /// <summary>ReLU.</summary>
    public string Relu(string x) => Node("Relu", [x]);

    /// <summary>Element-wise sum.</summary>
    public string Add(string a, string b) => Node("Add", [a, b]);

    /// <summary>Square average pooling.</summary>
    public string AveragePool(string x, int kernel, int stride, int padding, bool countIncludePad) =>
        Node("AveragePool", [x], ("kernel_shape", new long[] { kernel, kernel }), ("strides", new long[] { stride, stride }),
            ("pads", new long[] { padding, padding, padding, padding }), ("count_include_pad", countIncludePad ? 1L : 0L));

    /// <summary>Zeros shaped like <paramref name="x"/> (x times a zero scalar).</summary>
    public string Zeros(string x)
    {
        const string zero = "zero_scalar";
        if (!_initialized.Contains(zero)) AddFloatInitializer(zero, [], [0f]);
        return Node("Mul", [x, zero]);
    }

    /// <summary>Mean over the spatial axes, keeping them as 1x1.</summary>
    public string GlobalAveragePool(string x) => Node("GlobalAveragePool", [x]);

    /// <summary>[B, C, 1, 1] to [B, C].</summary>
    public string Flatten(string x) => Node("Flatten", [x], ("axis", 1L));

    /// <summary>x W^T + b with W stored [out, in] as nn.Linear does.</summary>
    public string Gemm(string x, string weight, string bias) =>
        Node("Gemm", [x, Param(weight), Param(bias)], ("transB", 1L));

    /// <summary>
    /// The model file: one float input <c>input</c> [batch, channels, size, size] and one output <c>logits</c>
    /// [batch, classes] (batch is symbolic), plus metadata key/values (architecture, preprocessing).
    /// </summary>
    public byte[] ToModel(string inputName, string outputNode, int channels, int size, int classes, IReadOnlyDictionary<string, string> metadata, string graphName)
    {
        const string outputName = "logits";
        var model = new ProtoWriter();
        model.Int(1, IrVersion);                                     // ir_version
        model.String(2, "NagSharp");                                 // producer_name
        model.String(3, typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0");
        model.Message(7, g =>                                        // graph
        {
            foreach (var node in _nodes) g.Message(1, node);
            // An Identity gives the graph output a stable public name whatever the last node was.
            g.Message(1, n => { n.String(1, outputNode); n.String(2, outputName); n.String(3, "output_identity"); n.String(4, "Identity"); });
            g.String(2, graphName);
            foreach (var init in _initializers) g.Message(5, init);
            g.Message(11, v => ValueInfo(v, inputName, [null, channels, size, size]));
            g.Message(12, v => ValueInfo(v, outputName, [null, classes]));
        });
        model.Message(8, o => { o.String(1, ""); o.Int(2, OpsetVersion); }); // opset_import (default domain)
        foreach (var (k, v) in metadata) model.Message(14, e => { e.String(1, k); e.String(2, v); });
        return model.ToArray();
    }

    private static void ValueInfo(ProtoWriter v, string name, long?[] dims)
    {
        v.String(1, name);
        v.Message(2, t => t.Message(1, tt =>                        // type.tensor_type
        {
            tt.Int(1, 1);                                            // elem_type FLOAT
            tt.Message(2, shape =>
            {
                foreach (var d in dims)
                    shape.Message(1, dim => { if (d is long l) dim.Int(1, l); else dim.String(2, "batch"); });
            });
        }));
    }
}
