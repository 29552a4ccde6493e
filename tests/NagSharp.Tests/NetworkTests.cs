using NagSharp.Networks;
using NagSharp.Networks.Onnx;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Tests;

[Collection(TorchCollection.Name)]
public sealed class NetworkTests
{
    [Fact]
    public void BuiltParamsEqualAnalyticParamsOnRandomCellsOfEverySupportedSpace()
    {
        var rng = new Random(3);
        foreach (var builder in NetworkRegistry.Builders)
        {
            var space = SpaceRegistry.Get(builder.SpaceName);
            // OFA's stage depths come from the subnet and its width is one of two; NB201's network takes any C and N.
            var shapes = builder is OfaNetworkBuilder
                ? new NetworkOptions?[] { new(Classes: 1000), new(Classes: 7, InputSize: 8, Width: 16), new(Width: 24) }
                : [new(), new(Classes: 100, Width: 8, CellsPerStage: 2), new(Classes: 7, InputSize: 8, Width: 4, CellsPerStage: 1), new(Width: 3, CellsPerStage: 0)];
            for (int i = 0; i < 12; i++)
            {
                var arch = space.Sample(rng);
                var options = shapes[i % shapes.Length]!;
                using var net = builder.Build(arch, options);
                double analytic = space.ComputeCosts(arch, options.ToCostOptions())["params_M"];
                Assert.Equal((long)Math.Round(analytic * 1e6), net.ParameterCount);
            }
        }
    }

    [Fact]
    public void InterleavedTimingReturnsOneSamplePerNetworkInOrder()
    {
        var space = new Nb201Space();
        var builder = NetworkRegistry.Get(space);
        var conv = space.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|");
        var skip = space.Parse("|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|");
        // Six 3x3 convolutions per cell at width 24 against a cell with no arithmetic at width 4: far apart in cost.
        using var heavy = builder.Build(conv, new NetworkOptions(InputSize: 16, Width: 24, CellsPerStage: 2));
        using var light = builder.Build(skip, new NetworkOptions(InputSize: 16, Width: 4, CellsPerStage: 1));
        var samples = LatencyMeter.MeasureInterleaved([light, heavy, light], new LatencySettings(Warmup: 1, Repeats: 5, Interleave: 3));
        Assert.Equal(3, samples.Length);
        Assert.All(samples, s => Assert.True(s.MedianMs > 0 && s.MadMs >= 0));
        Assert.True(samples[1].MedianMs > 3 * Math.Max(samples[0].MedianMs, samples[2].MedianMs), string.Join(", ", samples.Select(s => s.MedianMs)));
        Assert.Empty(LatencyMeter.MeasureInterleaved([], new LatencySettings()));
        Assert.Throws<NagUserException>(() => new LatencySettings(Interleave: 0).Validate());
        Assert.Throws<NagUserException>(() => new LatencySettings(TurnPasses: 0).Validate());
        // One timed pass per turn (no cache-refill pass) still orders the networks the same way.
        var single = LatencyMeter.MeasureInterleaved([light, heavy], new LatencySettings(Warmup: 1, Repeats: 3, Interleave: 2, TurnPasses: 1));
        Assert.True(single[1].MedianMs > 3 * single[0].MedianMs, string.Join(", ", single.Select(s => s.MedianMs)));
    }

    [SkippableFact]
    public void StandardNetworkMatchesTheBenchmarkParamsColumn()
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        var builder = NetworkRegistry.Get(space);
        string? column = data.Columns.FirstOrDefault(c => c.StartsWith("cifar10_", StringComparison.Ordinal) && c.EndsWith("_params_M", StringComparison.Ordinal));
        Skip.If(column is null, "no cifar10_*_params_M column in the tables");
        foreach (int key in new[] { 0, 1, 777, 15624 })
        {
            var arch = data.ArchOf(key);
            using var net = builder.Build(arch, new NetworkOptions());
            Assert.Equal(data.Get(arch, column!)!.Value, net.ParameterCount / 1e6, 4);
        }
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(8, 1)]
    [InlineData(28, 1)]
    [InlineData(32, 3)]
    public void ForwardHasTheRightShapeForSupportedInputSizes(int size, int channels)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(0);
        var space = new Nb201Space();
        var builder = NetworkRegistry.Get(space);
        var arch = space.Parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|");
        using var net = builder.Build(arch, new NetworkOptions(Classes: 5, InputChannels: channels, InputSize: size, Width: 4, CellsPerStage: 1));
        net.eval();
        var y = net.forward(randn(3, channels, size, size));
        Assert.Equal(new long[] { 3, 5 }, y.shape);
        Assert.True(y.isfinite().all().item<bool>());
    }

    [Theory]
    [InlineData(30)]
    [InlineData(6)]
    [InlineData(2)]
    public void UnsupportedInputSizesAreRefused(int size)
    {
        var space = new Nb201Space();
        var e = Assert.Throws<NagUserException>(() => NetworkRegistry.Get(space).Build(space.Sample(new Random(0)), new NetworkOptions(InputSize: size)));
        Assert.Contains("multiple of 4", e.Message);
    }

    [Fact]
    public void AllNoneCellGivesAConstantNetwork()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var space = new Nb201Space();
        var arch = space.Parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
        using var net = NetworkRegistry.Get(space).Build(arch, new NetworkOptions(Width: 4, CellsPerStage: 1, InputSize: 8));
        net.eval();
        var y = net.forward(randn(2, 3, 8, 8));
        Assert.True((y[0] - y[1]).abs().max().item<float>() < 1e-6f);
    }

    [Fact]
    public void OnnxModelsMatchTorchSharpInOnnxRuntime()
    {
        var space = new Nb201Space();
        var builder = NetworkRegistry.Get(space);
        var rng = new Random(11);
        var archs = new List<Arch> { space.Parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|") };
        for (int i = 0; i < 4; i++) archs.Add(space.Sample(rng));
        torch.manual_seed(5);
        foreach (var arch in archs)
        {
            using var net = builder.Build(arch, new NetworkOptions(Classes: 10, InputChannels: 3, InputSize: 16, Width: 4, CellsPerStage: 1));
            NetworkInit.RandomizeBatchNorm(net);
            var model = OnnxExport.ToBytes(net);
            double diff = OnnxExport.MaxAbsDiff(net, model, 3);
            Assert.True(diff < 1e-4, $"{arch}: max abs diff {diff}");
        }
    }

    [Fact]
    public void OfaSubnetsExportToOnnxAndRunAtTheirOwnResolution()
    {
        var space = new OfaSpace();
        var builder = NetworkRegistry.Get(space);
        var rng = new Random(4);
        torch.manual_seed(6);
        for (int i = 0; i < 3; i++)
        {
            var arch = (OfaArch)space.Sample(rng);
            // Small inputs keep the test quick; the layer structure (depthwise, SE, h-swish, residuals) is the same at any side.
            using var net = builder.Build(arch, new NetworkOptions(Classes: 10, InputSize: 24 + 8 * i, Width: i == 1 ? 16 : 24));
            NetworkInit.RandomizeBatchNorm(net);
            double diff = OnnxExport.MaxAbsDiff(net, OnnxExport.ToBytes(net), 2);
            Assert.True(diff < 1e-4, $"{arch}: max abs diff {diff}");
            var native = builder.OptionsFor(arch, new NetworkOptions(), inputSizeGiven: false);
            Assert.Equal(arch.Resolution, native.InputSize);
            Assert.Equal(32, builder.OptionsFor(arch, new NetworkOptions(), inputSizeGiven: true).InputSize);
        }
        Assert.Equal(1000, builder.StandardClasses);
        Assert.Null(NetworkRegistry.Get(new Nb201Space()).NativeInputSize(new Nb201Space().Sample(rng)));
        Assert.True(builder.FixesInputSize);
        Assert.False(NetworkRegistry.Get(new Nb201Space()).FixesInputSize);
    }

    [Fact]
    public void OfaBuilderRefusesOptionsThatDoNotApply()
    {
        var space = new OfaSpace();
        var builder = NetworkRegistry.Get(space);
        var arch = space.Sample(new Random(0));
        Assert.Contains("NetworkOptions.CellsPerStage does not apply", Assert.Throws<NagUserException>(() => builder.Build(arch, new NetworkOptions(CellsPerStage: 2))).Message);
        Assert.Contains("widths 1.0", Assert.Throws<NagUserException>(() => builder.Build(arch, new NetworkOptions(Width: 20))).Message);
        Assert.Throws<NagUserException>(() => builder.Build(new Nb201Space().Sample(new Random(0)), new NetworkOptions()));
        Assert.Contains("class OfaNetwork", builder.PyTorchSource(arch, new NetworkOptions()));
    }
}
