using NagSharp.Networks.Onnx;
using NagSharp.Spaces;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NagSharp.Networks;

/// <summary>ReLU, then a bias-free convolution, then batch norm: NAS-Bench-201's <c>nor_conv</c> operation.</summary>
internal sealed class ReluConvBn : nn.Module<Tensor, Tensor>
{
    private readonly Sequential op;
    private readonly int _kernel, _stride, _padding;

    public ReluConvBn(long cin, long cout, int kernel, int stride, int padding) : base(nameof(ReluConvBn))
    {
        _kernel = kernel; _stride = stride; _padding = padding;
        op = nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, kernel, stride: stride, padding: padding, bias: false), nn.BatchNorm2d(cout));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => op.forward(x);

    public string Emit(OnnxGraphBuilder g, string x, string prefix)
    {
        string r = g.Relu(x);
        string c = g.Conv(r, prefix + "op.1.weight", null, _kernel, _stride, _padding);
        return g.BatchNorm(c, prefix + "op.2.");
    }
}

/// <summary>3x3 average pooling, stride 1, padding excluded from the mean (the benchmark's <c>avg_pool_3x3</c>).</summary>
internal sealed class CellPool : nn.Module<Tensor, Tensor>
{
    private readonly AvgPool2d pool;

    public CellPool() : base(nameof(CellPool))
    {
        pool = nn.AvgPool2d(3, stride: 1, padding: 1, count_include_pad: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => pool.forward(x);
}

/// <summary>An operation without state (<c>skip_connect</c>, <c>none</c>): the cell handles both itself.</summary>
internal sealed class Stateless(string kind) : nn.Module<Tensor, Tensor>(kind)
{
    private readonly bool _zero = kind == "none";

    public override Tensor forward(Tensor x) => _zero ? zeros_like(x) : x.alias();
}

/// <summary>
/// One NAS-Bench-201 cell: nodes 1..3, each the sum of the edge operations applied to every earlier node; the
/// output is node 3. <c>none</c> edges contribute nothing and are skipped (the benchmark multiplies by zero, which
/// gives the same sum); a node whose every input is <c>none</c> is all zeros.
/// </summary>
internal sealed class Nb201Cell : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> edges;
    private readonly int[] _ops;

    public Nb201Cell(IReadOnlyList<int> ops, long channels) : base(nameof(Nb201Cell))
    {
        _ops = ops.ToArray();
        edges = new ModuleList<nn.Module<Tensor, Tensor>>();
        foreach (int o in _ops)
            edges.Add(Nb201Space.Operations[o] switch
            {
                "nor_conv_3x3" => new ReluConvBn(channels, channels, 3, 1, 1),
                "nor_conv_1x1" => new ReluConvBn(channels, channels, 1, 1, 0),
                "avg_pool_3x3" => new CellPool(),
                "skip_connect" => new Stateless("skip_connect"),
                "none" => new Stateless("none"),
                var other => throw new InvalidOperationException($"unhandled NB201 operation {other}"),
            });
        RegisterComponents();
    }

    private bool IsNone(int e) => Nb201Space.Operations[_ops[e]] == "none";

    public override Tensor forward(Tensor x)
    {
        var nodes = new Tensor[4];
        nodes[0] = x;
        int e = 0;
        for (int node = 1; node <= 3; node++)
        {
            Tensor? sum = null;
            for (int src = 0; src < node; src++, e++)
            {
                if (IsNone(e)) continue;
                var term = edges[e].forward(nodes[src]);
                sum = sum is null ? term : sum + term;
            }
            nodes[node] = sum ?? zeros_like(x);
        }
        return nodes[3];
    }

    public string Emit(OnnxGraphBuilder g, string x, string prefix)
    {
        var nodes = new string[4];
        nodes[0] = x;
        int e = 0;
        for (int node = 1; node <= 3; node++)
        {
            string? sum = null;
            for (int src = 0; src < node; src++, e++)
            {
                string op = Nb201Space.Operations[_ops[e]];
                if (op == "none") continue;
                string term = op switch
                {
                    "nor_conv_3x3" or "nor_conv_1x1" => ((ReluConvBn)edges[e]).Emit(g, nodes[src], $"{prefix}edges.{e}."),
                    "avg_pool_3x3" => g.AveragePool(nodes[src], 3, 1, 1, countIncludePad: false),
                    _ => nodes[src],
                };
                sum = sum is null ? term : g.Add(sum, term);
            }
            nodes[node] = sum ?? g.Zeros(x);
        }
        return nodes[3];
    }
}

/// <summary>The residual reduction block between stages: two ReLU-conv3x3-BN (the first with stride 2) plus a
/// shortcut of 2x2 average pooling and a bias-free 1x1 convolution.</summary>
internal sealed class ResidualReduction : nn.Module<Tensor, Tensor>
{
    private readonly ReluConvBn conv_a, conv_b;
    private readonly Sequential downsample;

    public ResidualReduction(long cin, long cout) : base(nameof(ResidualReduction))
    {
        conv_a = new ReluConvBn(cin, cout, 3, 2, 1);
        conv_b = new ReluConvBn(cout, cout, 3, 1, 1);
        downsample = nn.Sequential(nn.AvgPool2d(2, stride: 2, padding: 0), nn.Conv2d(cin, cout, 1, bias: false));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var a = conv_a.forward(x);
        using var b = conv_b.forward(a);
        using var s = downsample.forward(x);
        return s + b;
    }

    public string Emit(OnnxGraphBuilder g, string x, string prefix)
    {
        string a = conv_a.Emit(g, x, prefix + "conv_a.");
        string b = conv_b.Emit(g, a, prefix + "conv_b.");
        string p = g.AveragePool(x, 2, 2, 0, countIncludePad: true);
        string s = g.Conv(p, prefix + "downsample.1.weight", null, 1, 1, 0);
        return g.Add(s, b);
    }
}

/// <summary>
/// The NAS-Bench-201 macro network around a cell: 3x3 stem convolution + BN; three stages of N cells at C, 2C and
/// 4C channels with a residual reduction block between stages; BN + ReLU; global average pooling; linear classifier.
/// Its parameter count equals <see cref="Nb201Space.ComputeCosts"/> for RGB input.
/// </summary>
public sealed class Nb201Network : NetworkModule
{
    private readonly Sequential stem;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> cells;
    private readonly Sequential lastact;
    private readonly Linear classifier;
    /// <summary>Builds the network; <paramref name="options"/> must be resolved (width and cells set).</summary>
    public Nb201Network(Nb201Arch arch, NetworkOptions options) : base(nameof(Nb201Network), arch, options)
    {
        long c = options.Width ?? throw new ArgumentException("unresolved width", nameof(options));
        int n = options.CellsPerStage ?? throw new ArgumentException("unresolved cells per stage", nameof(options));
        stem = nn.Sequential(nn.Conv2d(options.InputChannels, c, 3, padding: 1, bias: false), nn.BatchNorm2d(c));
        cells = new ModuleList<nn.Module<Tensor, Tensor>>();
        long channels = c;
        for (int stage = 0; stage < 3; stage++)
        {
            if (stage > 0)
            {
                cells.Add(new ResidualReduction(channels, channels * 2));
                channels *= 2;
            }
            for (int i = 0; i < n; i++) cells.Add(new Nb201Cell(arch.Ops, channels));
        }
        lastact = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU());
        classifier = nn.Linear(channels, options.Classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = stem.forward(x);
        foreach (var cell in cells) h = cell.forward(h);
        h = lastact.forward(h);
        h = h.mean([2L, 3L]);
        return classifier.forward(h).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string EmitOnnx(OnnxGraphBuilder g, string input)
    {
        string h = g.Conv(input, "stem.0.weight", null, 3, 1, 1);
        h = g.BatchNorm(h, "stem.1.");
        for (int i = 0; i < cells.Count; i++)
            h = cells[i] switch
            {
                Nb201Cell cell => cell.Emit(g, h, $"cells.{i}."),
                ResidualReduction red => red.Emit(g, h, $"cells.{i}."),
                _ => throw new InvalidOperationException("unexpected module in cells"),
            };
        h = g.BatchNorm(h, "lastact.0.");
        h = g.Relu(h);
        h = g.GlobalAveragePool(h);
        h = g.Flatten(h);
        return g.Gemm(h, "classifier.weight", "classifier.bias");
    }
}

/// <summary>Builds <see cref="Nb201Network"/>s and their PyTorch twins.</summary>
public sealed class Nb201NetworkBuilder : NetworkBuilder<Nb201Arch>
{
    /// <inheritdoc />
    public override string SpaceName => "nb201";

    /// <inheritdoc />
    public override NetworkOptions Resolve(NetworkOptions options) => options with
    {
        Width = options.Width ?? Nb201Space.StandardWidth,
        CellsPerStage = options.CellsPerStage ?? Nb201Space.StandardCellsPerStage,
    };

    /// <summary>
    /// Each reduction block adds a stride-2 3x3 convolution (output ceil(h/2)) to a 2x2 pooling (output floor(h/2));
    /// they agree only for even h, so the side must be even before both reductions: a multiple of 4.
    /// </summary>
    public override string? CheckInputSize(int inputSize) =>
        inputSize >= 4 && inputSize % 4 == 0 ? null
            : $"input size {inputSize} does not fit the NB201 network: it halves the side twice with a residual shortcut, so the side must be a positive multiple of 4";

    /// <inheritdoc />
    public override NetworkModule Build(Nb201Arch a, NetworkOptions options)
    {
        var o = Resolve(options);
        o.Validate();
        if (CheckInputSize(o.InputSize) is string why) throw new NagUserException(why);
        return new Nb201Network(a, o);
    }

    /// <inheritdoc />
    public override string PyTorchSource(Nb201Arch a, NetworkOptions options)
    {
        var o = Resolve(options);
        o.Validate();
        string ops = string.Join(", ", a.Ops.Select(i => "\"" + Nb201Space.Operations[i] + "\""));
        return PyTorchCommon.Fill(PyTorchTemplate, a, o, nameof(Nb201Network), ("@OPS@", ops), ("@C@", o.Width!.Value), ("@N@", o.CellsPerStage!.Value));
    }

    // Module and attribute names mirror the TorchSharp classes above, so state-dict keys are identical.
    private const string PyTorchTemplate = """
        # NAS-Bench-201 network for cell @ARCH@
        # Generated by NagSharp (`nag export --format pytorch`). Standalone: needs only PyTorch.
        # Input: float tensor [batch, @CHANNELS@, @SIZE@, @SIZE@], normalised as the training data was; output: logits.
        import json
        import struct
        import sys

        import torch
        import torch.nn as nn

        ARCH = "@ARCH@"
        OPS = [@OPS@]  # edges (0->1), (0->2), (1->2), (0->3), (1->3), (2->3)
        WIDTH, CELLS_PER_STAGE, CLASSES, IN_CHANNELS, INPUT_SIZE = @C@, @N@, @CLASSES@, @CHANNELS@, @SIZE@


        class ReluConvBn(nn.Module):
            def __init__(self, cin, cout, kernel, stride, padding):
                super().__init__()
                self.op = nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, kernel, stride, padding, bias=False), nn.BatchNorm2d(cout))

            def forward(self, x):
                return self.op(x)


        class CellPool(nn.Module):
            def __init__(self):
                super().__init__()
                self.pool = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)

            def forward(self, x):
                return self.pool(x)


        class Stateless(nn.Module):
            def __init__(self, kind):
                super().__init__()
                self.kind = kind

            def forward(self, x):
                return torch.zeros_like(x) if self.kind == "none" else x


        def make_op(name, channels):
            if name == "nor_conv_3x3":
                return ReluConvBn(channels, channels, 3, 1, 1)
            if name == "nor_conv_1x1":
                return ReluConvBn(channels, channels, 1, 1, 0)
            if name == "avg_pool_3x3":
                return CellPool()
            return Stateless(name)


        class Nb201Cell(nn.Module):
            def __init__(self, ops, channels):
                super().__init__()
                self.ops = list(ops)
                self.edges = nn.ModuleList([make_op(o, channels) for o in ops])

            def forward(self, x):
                nodes = [x]
                e = 0
                for node in range(1, 4):
                    total = None
                    for src in range(node):
                        if self.ops[e] != "none":
                            term = self.edges[e](nodes[src])
                            total = term if total is None else total + term
                        e += 1
                    nodes.append(torch.zeros_like(x) if total is None else total)
                return nodes[3]


        class ResidualReduction(nn.Module):
            def __init__(self, cin, cout):
                super().__init__()
                self.conv_a = ReluConvBn(cin, cout, 3, 2, 1)
                self.conv_b = ReluConvBn(cout, cout, 3, 1, 1)
                self.downsample = nn.Sequential(nn.AvgPool2d(2, stride=2, padding=0), nn.Conv2d(cin, cout, 1, bias=False))

            def forward(self, x):
                return self.downsample(x) + self.conv_b(self.conv_a(x))


        class Nb201Network(nn.Module):
            def __init__(self, ops=OPS, width=WIDTH, cells_per_stage=CELLS_PER_STAGE, classes=CLASSES, in_channels=IN_CHANNELS):
                super().__init__()
                self.stem = nn.Sequential(nn.Conv2d(in_channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width))
                cells = []
                channels = width
                for stage in range(3):
                    if stage > 0:
                        cells.append(ResidualReduction(channels, channels * 2))
                        channels *= 2
                    cells.extend(Nb201Cell(ops, channels) for _ in range(cells_per_stage))
                self.cells = nn.ModuleList(cells)
                self.lastact = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU())
                self.classifier = nn.Linear(channels, classes)

            def forward(self, x):
                h = self.stem(x)
                for cell in self.cells:
                    h = cell(h)
                h = self.lastact(h)
                return self.classifier(h.mean(dim=(2, 3)))


        @LOADER@
        """;
}
