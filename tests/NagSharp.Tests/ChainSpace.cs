using System.Runtime.CompilerServices;
using NagSharp.Graphs;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>A chain of four operations, each one of <see cref="ChainSpace.Operations"/>, written <c>conv-pool-skip-conv</c>.</summary>
public sealed class ChainArch : Arch
{
    /// <summary>Operation index per node.</summary>
    public IReadOnlyList<int> Ops { get; }

    /// <summary>Creates a chain from four operation indices.</summary>
    public ChainArch(IReadOnlyList<int> ops)
    {
        if (ops.Count != ChainSpace.Length || ops.Any(o => o < 0 || o >= ChainSpace.Operations.Count))
            throw new ArchFormatException($"a chain has {ChainSpace.Length} operations in 0..{ChainSpace.Operations.Count - 1}");
        Ops = ops.ToArray();
    }

    /// <inheritdoc />
    public override string ToString() => string.Join("-", Ops.Select(o => ChainSpace.Operations[o]));
}

/// <summary>
/// A search space defined outside the library, as a user would write one: 3^4 = 81 chains, encoded as a fixed 4-node
/// chain whose node symbols are the operations. Registered for the whole test assembly (see <see cref="TestSpaces"/>),
/// so the contract test and the generator round trip run on it like on the built-in spaces.
/// </summary>
public sealed class ChainSpace : SearchSpace<ChainArch>
{
    /// <summary>Operations, in one-hot order.</summary>
    public static readonly IReadOnlyList<string> Operations = ["conv", "pool", "skip"];

    /// <summary>Nodes of a chain.</summary>
    public const int Length = 4;

    private static readonly bool[,] Adjacency = BuildChain();

    private static bool[,] BuildChain()
    {
        var a = new bool[Length, Length];
        for (int i = 0; i + 1 < Length; i++) a[i, i + 1] = true;
        return a;
    }

    /// <inheritdoc />
    public override string Name => "test_chain4";
    /// <inheritdoc />
    public override string Description => "test space: 4-node chain x 3 operations (81 chains)";
    /// <inheritdoc />
    public override long? Size => 81;
    /// <inheritdoc />
    public override IReadOnlyList<string> NodeVocabulary => Operations;
    /// <inheritdoc />
    public override int MaxNodes => Length;
    /// <inheritdoc />
    public override bool[,]? FixedAdjacency => (bool[,])Adjacency.Clone();

    /// <inheritdoc />
    public override Arch Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] items = text.Trim().Split('-');
        if (items.Length != Length) throw new ArchFormatException($"chain '{text}' has {items.Length} operations, expected {Length}");
        var ops = new int[Length];
        for (int i = 0; i < Length; i++)
            if ((ops[i] = Operations.ToList().IndexOf(items[i])) < 0)
                throw new ArchFormatException($"chain '{text}': operation {i} '{items[i]}' is not one of {string.Join(", ", Operations)}");
        return new ChainArch(ops);
    }

    /// <inheritdoc />
    public override ArchGraph Encode(ChainArch arch) => new(arch.Ops.ToArray(), (bool[,])Adjacency.Clone());

    /// <inheritdoc />
    public override Arch? TryDecode(ArchGraph graph, out string? reason)
    {
        reason = null;
        if (graph.NodeCount != Length || graph.Adjacency.GetLength(0) != Length || graph.Adjacency.GetLength(1) != Length)
        {
            reason = $"expected {Length} nodes";
            return null;
        }
        for (int i = 0; i < Length; i++)
            for (int j = 0; j < Length; j++)
                if (graph.Adjacency[i, j] != Adjacency[i, j]) { reason = $"edge {i}->{j} differs from the chain"; return null; }
        for (int i = 0; i < Length; i++)
            if (graph.NodeTypes[i] < 0 || graph.NodeTypes[i] >= Operations.Count) { reason = $"node {i} has symbol {graph.NodeTypes[i]}, expected an operation"; return null; }
        return new ChainArch(graph.NodeTypes.ToArray());
    }

    /// <summary>Chains compute different functions whenever their operations differ.</summary>
    public override string CanonicalForm(ChainArch arch) => arch.ToString();

    /// <inheritdoc />
    public override Arch Sample(Random rng) => new ChainArch(Enumerable.Range(0, Length).Select(_ => rng.Next(Operations.Count)).ToArray());

    /// <summary>The 8 chains that differ in one node's operation.</summary>
    public override IReadOnlyList<Arch> Neighbours(ChainArch arch)
    {
        var list = new List<Arch>();
        for (int i = 0; i < Length; i++)
            for (int o = 0; o < Operations.Count; o++)
                if (o != arch.Ops[i])
                {
                    var ops = arch.Ops.ToArray();
                    ops[i] = o;
                    list.Add(new ChainArch(ops));
                }
        return list;
    }

    /// <inheritdoc />
    public override IEnumerable<Arch> Enumerate()
    {
        for (int k = 0; k < Size; k++)
        {
            var ops = new int[Length];
            for (int i = Length - 1, r = k; i >= 0; i--, r /= Operations.Count) ops[i] = r % Operations.Count;
            yield return new ChainArch(ops);
        }
    }

    /// <summary>One "conv" unit per convolution: enough to check that costs flow through.</summary>
    public override IReadOnlyDictionary<string, double> ComputeCosts(ChainArch arch, CostOptions options) =>
        new Dictionary<string, double> { ["convs"] = arch.Ops.Count(o => o == 0) };
}

/// <summary>Registers the test-defined spaces once, when the test assembly loads, so that every test (and the theory
/// data of <see cref="SpaceContractTests"/>) sees the same registry whatever order the tests run in.</summary>
internal static class TestSpaces
{
    /// <summary>The registered chain space.</summary>
    public static readonly ChainSpace Chain = new();

    // A module initializer is what makes registration independent of test order; CA2255 warns about it in libraries,
    // and this is a test assembly.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => SpaceRegistry.Register(Chain);
}
