using NagSharp.Graphs;

namespace NagSharp.Spaces;

/// <summary>
/// Base of a search space whose members are all one architecture type. Engines and strategies hand the space plain
/// <see cref="Arch"/>es; this class checks the type once and passes the typed architecture to the space's own members,
/// so a space writes <c>Encode(MyArch a)</c> instead of casting in every method. Implementing <see cref="ISearchSpace"/>
/// directly stays possible; this base only removes the repetition.
/// </summary>
/// <typeparam name="TArch">The space's architecture type.</typeparam>
/// <example>
/// A space of 4-node chains with one of three operations per inner node (registered with
/// <see cref="SpaceRegistry.Register"/> it can be trained, saved and loaded like the built-in spaces):
/// <code>
/// public sealed class ChainArch(int[] ops) : Arch
/// {
///     public int[] Ops { get; } = ops;
///     public override string ToString() => string.Join("-", Ops);
/// }
///
/// public sealed class ChainSpace : SearchSpace&lt;ChainArch&gt;
/// {
///     public override string Name => "chain4";
///     public override ArchGraph Encode(ChainArch a) => ...;   // typed: no cast needed
///     ...
/// }
/// </code>
/// </example>
public abstract class SearchSpace<TArch> : ISearchSpace where TArch : Arch
{
    /// <inheritdoc />
    public abstract string Name { get; }
    /// <inheritdoc />
    public abstract string Description { get; }
    /// <inheritdoc />
    public abstract long? Size { get; }
    /// <inheritdoc />
    public abstract IReadOnlyList<string> NodeVocabulary { get; }
    /// <inheritdoc />
    public abstract int MaxNodes { get; }
    /// <inheritdoc />
    public abstract bool[,]? FixedAdjacency { get; }
    /// <summary>Where the space's tables live and how they are keyed; null (no tables) unless the space says otherwise.</summary>
    public virtual TableLayout? Tables => null;

    /// <inheritdoc />
    public abstract Arch Parse(string text);
    /// <inheritdoc />
    public abstract Arch? TryDecode(ArchGraph graph, out string? reason);
    /// <inheritdoc />
    public abstract Arch Sample(Random rng);
    /// <inheritdoc />
    public abstract IEnumerable<Arch> Enumerate();

    /// <summary>Graph encoding of one of the space's architectures.</summary>
    public abstract ArchGraph Encode(TArch arch);
    /// <summary>A key shared by exactly the architectures that compute the same function.</summary>
    public abstract string CanonicalForm(TArch arch);
    /// <summary>Every architecture that differs from <paramref name="arch"/> by one elementary change.</summary>
    public abstract IReadOnlyList<Arch> Neighbours(TArch arch);
    /// <summary>Analytic costs of the network built from the architecture (e.g. <c>params_M</c>, <c>flops_M</c>).</summary>
    public abstract IReadOnlyDictionary<string, double> ComputeCosts(TArch arch, CostOptions options);

    /// <inheritdoc />
    public ArchGraph Encode(Arch arch) => Encode(Cast(arch));
    /// <inheritdoc />
    public string CanonicalForm(Arch arch) => CanonicalForm(Cast(arch));
    /// <inheritdoc />
    public IReadOnlyList<Arch> Neighbours(Arch arch) => Neighbours(Cast(arch));
    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> ComputeCosts(Arch arch, CostOptions options) => ComputeCosts(Cast(arch), options);

    /// <summary>The architecture as the space's own type; an architecture of another space is a programming error
    /// (engines only pass a space its own members), so it is an <see cref="ArgumentException"/>.</summary>
    protected TArch Cast(Arch arch)
    {
        ArgumentNullException.ThrowIfNull(arch);
        return arch as TArch ?? throw new ArgumentException($"not an architecture of the {Name} space: {arch.GetType().Name} (expected {typeof(TArch).Name})", nameof(arch));
    }
}
