using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Networks;

/// <summary>Shape of the trainable network built around a cell.</summary>
/// <param name="Classes">Classifier outputs.</param>
/// <param name="InputChannels">Image channels the stem takes (3 for the benchmarks' RGB networks).</param>
/// <param name="InputSize">Square input side in pixels.</param>
/// <param name="Width">Channels of the first stage, or null for the space's standard network.</param>
/// <param name="CellsPerStage">Cells per stage, or null for the space's standard network.</param>
public sealed record NetworkOptions(int Classes = 10, int InputChannels = 3, int InputSize = 32, int? Width = null, int? CellsPerStage = null) : ICheckedSettings
{
    /// <summary>The same network as the analytic cost models describe it. They assume RGB input: with another
    /// channel count the built stem differs from the analytic count by (channels - 3) x 9 x width weights.</summary>
    public CostOptions ToCostOptions() => new(Classes, InputSize, Width, CellsPerStage);

    /// <summary>The shape for messages: <c>C=16, N=5</c> for cell-based networks, <c>width 24</c> where the architecture fixes the depth.</summary>
    public string ShapeText() => CellsPerStage is int n ? $"C={Width}, N={n}" : $"width {Width}";

    /// <summary>Throws a user error naming the first out-of-range field.</summary>
    public void Validate()
    {
        if (Classes < 2) throw new NagUserException($"a classifier needs at least 2 classes, got {Classes}");
        Guard.InRange(Classes, 2, 100_000, "NetworkOptions.Classes");
        Guard.InRange(InputChannels, 1, 1024, "NetworkOptions.InputChannels");
        Guard.InRange(InputSize, 1, 4096, "NetworkOptions.InputSize");
        if (Width is int w) Guard.InRange(w, 1, 4096, "NetworkOptions.Width");
        if (CellsPerStage is int c) Guard.InRange(c, 0, 64, "NetworkOptions.CellsPerStage");
    }
}

/// <summary>
/// A network built from an architecture: a TorchSharp module mapping images [B, C, H, W] (normalised) to logits
/// [B, classes], that can also write itself as an ONNX graph.
/// </summary>
public abstract class NetworkModule(string name, Arch arch, NetworkOptions options) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>The architecture the network was built from.</summary>
    public Arch Arch { get; } = arch;

    /// <summary>The network's shape.</summary>
    public NetworkOptions Options { get; } = options;

    /// <summary>Trainable parameters plus BN affine weights (everything <c>parameters()</c> lists), counted element-wise.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Appends the network's computation to an ONNX graph, reading the current weights; returns the output name.</summary>
    public abstract string EmitOnnx(Onnx.OnnxGraphBuilder graph, string input);
}

/// <summary>
/// Builds trainable networks for the architectures of one search space. Spaces without a builder can still be
/// searched and generated; only training, latency and export need one.
/// </summary>
public interface INetworkBuilder
{
    /// <summary>Name of the space (as <see cref="ISearchSpace.Name"/>).</summary>
    string SpaceName { get; }

    /// <summary>Fills unset options with the space's standard network (e.g. NB201: width 16, 5 cells per stage).</summary>
    NetworkOptions Resolve(NetworkOptions options);

    /// <summary>Null when the network can be built for this input side, else why not.</summary>
    string? CheckInputSize(int inputSize);

    /// <summary>A freshly initialised network (from the global torch RNG, so <c>torch.manual_seed</c> fixes it).</summary>
    NetworkModule Build(Arch arch, NetworkOptions options);

    /// <summary>The input side the architecture itself fixes (OFA: its resolution), or null when any side is the user's
    /// choice. Commands use it when no input size is given.</summary>
    int? NativeInputSize(Arch arch) => null;

    /// <summary>True when every architecture of the space fixes its own input side (<see cref="NativeInputSize"/> is
    /// never null), so reports can say networks ran at their own sides without asking about one architecture.</summary>
    bool FixesInputSize => false;

    /// <summary>Classifier outputs of the space's standard network (its benchmark's dataset), used when none are given.</summary>
    int StandardClasses => 10;

    /// <summary>A standalone PyTorch source file defining the same network, with the same parameter names, so a
    /// state dict exported from <see cref="Build"/> loads into it.</summary>
    string PyTorchSource(Arch arch, NetworkOptions options);
}

/// <summary>Helpers over <see cref="INetworkBuilder"/>.</summary>
public static class NetworkBuilderExtensions
{
    /// <summary>The options to build <paramref name="arch"/> with: <paramref name="options"/>, at the architecture's own
    /// input side when it has one and the user gave none.</summary>
    public static NetworkOptions OptionsFor(this INetworkBuilder builder, Arch arch, NetworkOptions options, bool inputSizeGiven) =>
        !inputSizeGiven && builder.NativeInputSize(arch) is int side ? options with { InputSize = side } : options;
}

/// <summary>The network builders NagSharp has, by space name.</summary>
public static class NetworkRegistry
{
    private static readonly INetworkBuilder[] All = [new Nb201NetworkBuilder(), new OfaNetworkBuilder()];

    /// <summary>Every builder.</summary>
    public static IReadOnlyList<INetworkBuilder> Builders => All;

    /// <summary>The builder of a space; a user error naming the spaces that have one otherwise.</summary>
    public static INetworkBuilder Get(ISearchSpace space) =>
        All.FirstOrDefault(b => string.Equals(b.SpaceName, space.Name, StringComparison.OrdinalIgnoreCase))
        ?? throw new NagUserException($"space {space.Name} has no network builder yet (available: {string.Join(", ", All.Select(b => b.SpaceName))})");
}
