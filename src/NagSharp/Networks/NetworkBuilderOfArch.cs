using NagSharp.Spaces;

namespace NagSharp.Networks;

/// <summary>
/// Base of a network builder for a space whose members are one architecture type (the network-side twin of
/// <see cref="SearchSpace{TArch}"/>): checks the type once and hands the builder its own type.
/// </summary>
/// <typeparam name="TArch">The space's architecture type.</typeparam>
public abstract class NetworkBuilder<TArch> : INetworkBuilder where TArch : Arch
{
    /// <inheritdoc />
    public abstract string SpaceName { get; }
    /// <inheritdoc />
    public virtual int StandardClasses => 10;
    /// <inheritdoc />
    public virtual bool FixesInputSize => false;
    /// <inheritdoc />
    public abstract NetworkOptions Resolve(NetworkOptions options);
    /// <inheritdoc />
    public abstract string? CheckInputSize(int inputSize);

    /// <summary>A freshly initialised network (from the global torch RNG, so <c>torch.manual_seed</c> fixes it).</summary>
    public abstract NetworkModule Build(TArch arch, NetworkOptions options);
    /// <summary>A standalone PyTorch source file defining the same network, with the same parameter names.</summary>
    public abstract string PyTorchSource(TArch arch, NetworkOptions options);
    /// <summary>The input side the architecture itself fixes, or null (the default) when any side is the user's choice.</summary>
    public virtual int? NativeInputSize(TArch arch) => null;

    /// <inheritdoc />
    public NetworkModule Build(Arch arch, NetworkOptions options) => Build(Cast(arch), options);
    /// <inheritdoc />
    public string PyTorchSource(Arch arch, NetworkOptions options) => PyTorchSource(Cast(arch), options);
    /// <inheritdoc />
    public int? NativeInputSize(Arch arch) => NativeInputSize(Cast(arch));

    /// <summary>The architecture as the builder's own type; another space's architecture is a user error naming it.</summary>
    protected TArch Cast(Arch arch)
    {
        ArgumentNullException.ThrowIfNull(arch);
        return arch as TArch ?? throw new NagUserException($"not an architecture of the {SpaceName} space: {arch}");
    }
}
