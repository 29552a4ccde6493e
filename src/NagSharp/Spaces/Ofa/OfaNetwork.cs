using NagSharp.Networks.Onnx;
using NagSharp.Spaces;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NagSharp.Networks;

/// <summary>Activation after a convolution of the MobileNetV3 network.</summary>
internal enum OfaActivation { None, Relu, HSwish }

/// <summary>A bias-free convolution, optionally followed by batch norm and an activation: every convolution of the OFA
/// network except the squeeze-and-excitation pair. Depthwise when <c>depthwise</c> (groups = channels).</summary>
internal sealed class OfaConv : nn.Module<Tensor, Tensor>
{
    private readonly Sequential op;
    private readonly int _kernel, _stride, _groups;
    private readonly bool _bn;
    private readonly OfaActivation _act;

    public OfaConv(long cin, long cout, int kernel, int stride, OfaActivation act, bool depthwise = false, bool bn = true) : base(nameof(OfaConv))
    {
        _kernel = kernel; _stride = stride; _bn = bn; _act = act;
        _groups = depthwise ? (int)cin : 1;
        var layers = new List<nn.Module<Tensor, Tensor>> { nn.Conv2d(cin, cout, kernel, stride: stride, padding: kernel / 2, groups: _groups, bias: false) };
        if (bn) layers.Add(nn.BatchNorm2d(cout));
        if (act == OfaActivation.Relu) layers.Add(nn.ReLU());
        else if (act == OfaActivation.HSwish) layers.Add(nn.Hardswish());
        op = nn.Sequential(layers.ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => op.forward(x);

    public string Emit(OnnxGraphBuilder g, string x, string prefix)
    {
        string h = g.Conv(x, prefix + "op.0.weight", null, _kernel, _stride, _kernel / 2, _groups);
        if (_bn) h = g.BatchNorm(h, prefix + "op.1.");
        return _act switch { OfaActivation.Relu => g.Relu(h), OfaActivation.HSwish => g.HardSwish(h), _ => h };
    }
}

/// <summary>Squeeze-and-excitation as OFA has it: global mean, 1x1 conv to a quarter of the channels (rounded to 8, with
/// bias), ReLU, 1x1 conv back (with bias), h-sigmoid, channel-wise product with the input.</summary>
internal sealed class OfaSqueezeExcite : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d reduce, expand;

    public OfaSqueezeExcite(long channels) : base(nameof(OfaSqueezeExcite))
    {
        long mid = OfaSpace.MakeDivisible(channels / 4);
        reduce = nn.Conv2d(channels, mid, 1, bias: true);
        expand = nn.Conv2d(mid, channels, 1, bias: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var s = x.mean([2L, 3L], keepdim: true);                          // [B, C, 1, 1]
        var y = nn.functional.hardsigmoid(expand.forward(nn.functional.relu(reduce.forward(s))));
        return (x * y).MoveToOuterDisposeScope();
    }

    public string Emit(OnnxGraphBuilder g, string x, string prefix)
    {
        string s = g.GlobalAveragePool(x);
        string r = g.Relu(g.Conv(s, prefix + "reduce.weight", prefix + "reduce.bias", 1, 1, 0));
        string y = g.HardSigmoid(g.Conv(r, prefix + "expand.weight", prefix + "expand.bias", 1, 1, 0));
        return g.Mul(x, y);
    }
}

/// <summary>One MBConv layer of a subnet: 1x1 expansion (absent at expansion 1), kxk depthwise with the stride, optional
/// squeeze-and-excitation, 1x1 linear projection; an identity shortcut when stride 1 keeps the channels.</summary>
internal sealed class OfaMbConv : nn.Module<Tensor, Tensor>
{
    private readonly Sequential layers;
    private readonly bool _residual;

    public OfaMbConv(long cin, long cout, int kernel, int expand, int stride, bool se, OfaActivation act) : base(nameof(OfaMbConv))
    {
        long mid = expand == 1 ? cin : OfaSpace.MakeDivisible(cin * expand);
        var list = new List<nn.Module<Tensor, Tensor>>();
        if (expand != 1) list.Add(new OfaConv(cin, mid, 1, 1, act));
        list.Add(new OfaConv(mid, mid, kernel, stride, act, depthwise: true));
        if (se) list.Add(new OfaSqueezeExcite(mid));
        list.Add(new OfaConv(mid, cout, 1, 1, OfaActivation.None));
        layers = nn.Sequential(list.ToArray());
        _residual = stride == 1 && cin == cout;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (!_residual) return layers.forward(x);
        using var h = layers.forward(x);
        return h + x;
    }

    public string Emit(OnnxGraphBuilder g, string x, string prefix)
    {
        string h = x;
        int i = 0;
        foreach (var layer in layers.children())
        {
            string p = $"{prefix}layers.{i++}.";
            h = layer switch
            {
                OfaConv c => c.Emit(g, h, p),
                OfaSqueezeExcite se => se.Emit(g, h, p),
                _ => throw new InvalidOperationException($"unexpected module {layer.GetName()} in an MBConv"),
            };
        }
        return _residual ? g.Add(h, x) : h;
    }
}

/// <summary>
/// A Once-for-All MobileNetV3 subnet as a standalone network: 3x3 stride-2 conv-BN-h-swish stem; a fixed first MBConv
/// (kernel 3, expansion 1, residual); per stage its layers (kernel, expansion from the subnet; the first with the stage's
/// stride; SE and h-swish where MobileNetV3 puts them); 1x1 conv-BN-h-swish final expansion; global average pooling; 1x1
/// feature-mix conv with h-swish (no BN, no bias); linear classifier. Its parameter count equals
/// <see cref="OfaSpace.ComputeCosts"/> for RGB input.
/// </summary>
public sealed class OfaNetwork : NetworkModule
{
    private readonly OfaConv first_conv, final_expand, feature_mix;
    private readonly ModuleList<OfaMbConv> blocks;
    private readonly Linear classifier;
    /// <summary>Builds the network; <paramref name="options"/> must be resolved (width = first-conv channels, 16 or 24).</summary>
    public OfaNetwork(OfaArch arch, NetworkOptions options) : base(nameof(OfaNetwork), arch, options)
    {
        var (stem, stage, finalExpand, featureMix) = OfaSpace.Widths(options.Width ?? throw new ArgumentException("unresolved width", nameof(options)));
        first_conv = new OfaConv(options.InputChannels, stem, 3, 2, OfaActivation.HSwish);
        blocks = new ModuleList<OfaMbConv>(new OfaMbConv(stem, stem, 3, 1, 1, false, OfaActivation.Relu));
        long c = stem;
        for (int s = 0; s < OfaSpace.Stages; s++)
            for (int l = 0; l < arch.Depths[s]; l++)
            {
                int i = s * OfaSpace.MaxDepth + l;
                blocks.Add(new OfaMbConv(c, stage[s], arch.Kernels[i], arch.Expands[i], l == 0 ? OfaSpace.StageStrides[s] : 1,
                    OfaSpace.StageSe[s], OfaSpace.StageHSwish[s] ? OfaActivation.HSwish : OfaActivation.Relu));
                c = stage[s];
            }
        final_expand = new OfaConv(c, finalExpand, 1, 1, OfaActivation.HSwish);
        feature_mix = new OfaConv(finalExpand, featureMix, 1, 1, OfaActivation.HSwish, bn: false);
        classifier = nn.Linear(featureMix, options.Classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = first_conv.forward(x);
        foreach (var b in blocks) h = b.forward(h);
        h = final_expand.forward(h);
        h = h.mean([2L, 3L], keepdim: true);                               // [B, C, 1, 1]
        h = feature_mix.forward(h).flatten(1);                             // [B, featureMix]
        return classifier.forward(h).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string EmitOnnx(OnnxGraphBuilder g, string input)
    {
        string h = first_conv.Emit(g, input, "first_conv.");
        for (int i = 0; i < blocks.Count; i++) h = blocks[i].Emit(g, h, $"blocks.{i}.");
        h = final_expand.Emit(g, h, "final_expand.");
        h = g.GlobalAveragePool(h);
        h = feature_mix.Emit(g, h, "feature_mix.");
        h = g.Flatten(h);
        return g.Gemm(h, "classifier.weight", "classifier.bias");
    }
}

/// <summary>Builds <see cref="OfaNetwork"/>s and their PyTorch twins. The standard network is OFA's width 1.2 (first conv
/// 24 channels) for ImageNet's 1,000 classes at the subnet's own resolution.</summary>
public sealed class OfaNetworkBuilder : NetworkBuilder<OfaArch>
{
    /// <inheritdoc />
    public override string SpaceName => "ofa_mbv3";

    /// <inheritdoc />
    public override int StandardClasses => 1000;

    /// <summary>The subnet's resolution.</summary>
    public override int? NativeInputSize(OfaArch arch) => arch.Resolution;

    /// <inheritdoc />
    public override bool FixesInputSize => true;

    /// <summary>Width defaults to OFA's 1.2; stage depths are the subnet's, so a cells-per-stage value is refused.</summary>
    public override NetworkOptions Resolve(NetworkOptions options)
    {
        if (options.CellsPerStage is not null) throw new NagUserException("ofa_mbv3: stage depths are part of the subnet; NetworkOptions.CellsPerStage does not apply");
        return options with { Width = options.Width ?? OfaSpace.StandardStem };
    }

    /// <summary>Every side works: each stride-2 layer rounds up, so even a tiny input reaches the pooling as 1x1.</summary>
    public override string? CheckInputSize(int inputSize) => inputSize >= 1 ? null : $"input size must be at least 1, got {inputSize}";

    /// <inheritdoc />
    public override NetworkModule Build(OfaArch a, NetworkOptions options)
    {
        var o = Resolve(options);
        o.Validate();
        OfaSpace.Widths(o.Width!.Value); // refuses widths other than 16 and 24 in one line
        return new OfaNetwork(a, o);
    }

    /// <inheritdoc />
    public override string PyTorchSource(OfaArch a, NetworkOptions options)
    {
        var o = Resolve(options);
        o.Validate();
        return PyTorchCommon.Fill(PyTorchTemplate, a, o, nameof(OfaNetwork), ("@KS@", string.Join(", ", a.Kernels)),
            ("@E@", string.Join(", ", a.Expands)), ("@D@", string.Join(", ", a.Depths)), ("@STEM@", o.Width!.Value));
    }

    // Module and attribute names mirror the TorchSharp classes above, so state-dict keys are identical.
    private const string PyTorchTemplate = """
        # Once-for-All MobileNetV3 subnet @ARCH@
        # Generated by NagSharp (`nag export --format pytorch`). Standalone: needs only PyTorch.
        # Input: float tensor [batch, @CHANNELS@, @SIZE@, @SIZE@], normalised as the training data was; output: logits.
        import json
        import struct
        import sys

        import torch
        import torch.nn as nn

        ARCH = "@ARCH@"
        KERNELS = [@KS@]  # 20 layer slots, 0 beyond a stage's depth
        EXPANDS = [@E@]
        DEPTHS = [@D@]
        STEM, CLASSES, IN_CHANNELS, INPUT_SIZE = @STEM@, @CLASSES@, @CHANNELS@, @SIZE@
        BASE_STAGE_CHANNELS = [24, 40, 80, 112, 160]
        STAGE_SE = [False, True, False, True, True]
        STAGE_HSWISH = [False, False, True, True, True]
        STAGE_STRIDES = [2, 2, 2, 1, 2]


        def make_divisible(v, divisor=8):
            n = max(divisor, int(v + divisor / 2) // divisor * divisor)
            return n + divisor if n < 0.9 * v else n


        class OfaConv(nn.Module):
            def __init__(self, cin, cout, kernel, stride, act, depthwise=False, bn=True):
                super().__init__()
                layers = [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=cin if depthwise else 1, bias=False)]
                if bn:
                    layers.append(nn.BatchNorm2d(cout))
                if act == "relu":
                    layers.append(nn.ReLU())
                elif act == "hswish":
                    layers.append(nn.Hardswish())
                self.op = nn.Sequential(*layers)

            def forward(self, x):
                return self.op(x)


        class OfaSqueezeExcite(nn.Module):
            def __init__(self, channels):
                super().__init__()
                mid = make_divisible(channels // 4)
                self.reduce = nn.Conv2d(channels, mid, 1, bias=True)
                self.expand = nn.Conv2d(mid, channels, 1, bias=True)

            def forward(self, x):
                y = x.mean(dim=(2, 3), keepdim=True)
                return x * nn.functional.hardsigmoid(self.expand(torch.relu(self.reduce(y))))


        class OfaMbConv(nn.Module):
            def __init__(self, cin, cout, kernel, expand, stride, se, act):
                super().__init__()
                mid = cin if expand == 1 else make_divisible(cin * expand)
                layers = []
                if expand != 1:
                    layers.append(OfaConv(cin, mid, 1, 1, act))
                layers.append(OfaConv(mid, mid, kernel, stride, act, depthwise=True))
                if se:
                    layers.append(OfaSqueezeExcite(mid))
                layers.append(OfaConv(mid, cout, 1, 1, None))
                self.layers = nn.Sequential(*layers)
                self.residual = stride == 1 and cin == cout

            def forward(self, x):
                h = self.layers(x)
                return h + x if self.residual else h


        class OfaNetwork(nn.Module):
            def __init__(self, stem=STEM, classes=CLASSES, in_channels=IN_CHANNELS):
                super().__init__()
                w = {16: 1.0, 24: 1.2}[stem]
                stage = [make_divisible(c * w) for c in BASE_STAGE_CHANNELS]
                final_expand, feature_mix = make_divisible(960 * w), make_divisible(1280 * w)
                self.first_conv = OfaConv(in_channels, stem, 3, 2, "hswish")
                blocks = [OfaMbConv(stem, stem, 3, 1, 1, False, "relu")]
                c = stem
                for s in range(5):
                    for l in range(DEPTHS[s]):
                        i = 4 * s + l
                        blocks.append(OfaMbConv(c, stage[s], KERNELS[i], EXPANDS[i], STAGE_STRIDES[s] if l == 0 else 1,
                                                STAGE_SE[s], "hswish" if STAGE_HSWISH[s] else "relu"))
                        c = stage[s]
                self.blocks = nn.ModuleList(blocks)
                self.final_expand = OfaConv(c, final_expand, 1, 1, "hswish")
                self.feature_mix = OfaConv(final_expand, feature_mix, 1, 1, "hswish", bn=False)
                self.classifier = nn.Linear(feature_mix, classes)

            def forward(self, x):
                h = self.first_conv(x)
                for b in self.blocks:
                    h = b(h)
                h = self.final_expand(h).mean(dim=(2, 3), keepdim=True)
                return self.classifier(self.feature_mix(h).flatten(1))


        @LOADER@
        """;
}
