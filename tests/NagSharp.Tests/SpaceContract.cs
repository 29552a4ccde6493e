using NagSharp.Graphs;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>
/// The contract run over every registered space, built-in or not (a space registered in the test assembly included), so
/// a new space is covered without a test of its own: the invariants of <see cref="SpaceContract.Check"/> on sampled
/// architectures and their neighbours, enumeration that matches <see cref="ISearchSpace.Size"/>, and finite costs.
/// </summary>
public sealed class SpaceContractTests
{
    /// <summary>Names of every registered space.</summary>
    public static TheoryData<string> Registered => new(SpaceRegistry.Spaces.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(Registered))]
    public void EveryRegisteredSpaceKeepsTheContract(string name)
    {
        var space = SpaceRegistry.Get(name);
        var archs = SpaceContract.Samples(space, 12, seed: 3);
        archs.AddRange(archs.Take(3).SelectMany(a => space.Neighbours(a).Take(4)).ToList());
        SpaceContract.Check(space, archs);
        foreach (var a in archs)
            foreach (var (cost, value) in space.ComputeCosts(a, new CostOptions()))
                Assert.True(double.IsFinite(value) && value >= 0, $"{name}: {cost} of {a} is {value}");
    }

    [Theory]
    [MemberData(nameof(Registered))]
    public void EnumerationMatchesTheSizeOrIsRefused(string name)
    {
        var space = SpaceRegistry.Get(name);
        if (space.Size is not long size)
        {
            Assert.Throws<NagUserException>(() => space.Enumerate().First());
            return;
        }
        if (size > 100_000) return;   // enumerable, but too large to walk in a unit test
        var all = space.Enumerate().Select(a => a.ToString()).ToList();
        Assert.Equal(size, all.Count);
        Assert.Equal(size, all.Distinct(StringComparer.Ordinal).Count());
        Assert.All(all.Take(50), s => Assert.Equal(s, space.Parse(s).ToString()));
    }
}

/// <summary>
/// Invariants every <see cref="ISearchSpace"/> must keep, checked on a set of its architectures: the string form
/// round-trips, the graph encoding has the declared shape and decodes back to the same architecture, neighbours are
/// distinct valid members, and sampling is deterministic per seed. <see cref="SpaceContractTests"/> runs it over every
/// registered space; each space's own tests call it on architectures chosen for that space.
/// </summary>
public static class SpaceContract
{
    /// <summary>Checks every invariant on <paramref name="archs"/> (and on their neighbours' string forms).</summary>
    public static void Check(ISearchSpace space, IEnumerable<Arch> archs)
    {
        int k = space.NodeVocabulary.Count, n = space.MaxNodes;
        var fixedAdj = space.FixedAdjacency;
        Assert.Equal(space.Name, SpaceRegistry.Get(space.Name).Name);
        Assert.Equal(k, space.NodeVocabulary.Distinct().Count());
        foreach (var a in archs)
        {
            string s = a.ToString();
            var parsed = space.Parse(s);
            Assert.Equal(a, parsed);
            Assert.Equal(s, parsed.ToString());
            Assert.Equal(space.CanonicalForm(a), space.CanonicalForm(parsed));

            var g = space.Encode(a);
            Assert.Equal(n, g.NodeCount);
            Assert.Equal(n, g.Adjacency.GetLength(0));
            Assert.Equal(n, g.Adjacency.GetLength(1));
            for (int i = 0; i < n; i++)
            {
                Assert.InRange(g.NodeTypes[i], -1, k - 1);
                for (int j = 0; j <= i; j++) Assert.False(g.Adjacency[i, j], $"{s}: edge {i}->{j} goes backwards");
                if (g.NodeTypes[i] < 0)
                    for (int j = 0; j < n; j++) Assert.False(g.Adjacency[i, j] || g.Adjacency[j, i], $"{s}: absent node {i} has an edge");
            }
            if (fixedAdj is not null)
            {
                Assert.DoesNotContain(-1, g.NodeTypes);
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++) Assert.Equal(fixedAdj[i, j], g.Adjacency[i, j]);
            }
            var back = space.TryDecode(g, out var reason);
            Assert.True(back is not null, $"{s}: {reason}");
            Assert.Null(reason);
            Assert.Equal(a, back);
            Assert.True(space.Encode(back!).SameAs(g));

            var neighbours = space.Neighbours(a);
            Assert.Equal(neighbours.Count, neighbours.Select(b => b.ToString()).Distinct().Count());
            Assert.DoesNotContain(a, neighbours);
            foreach (var b in neighbours) Assert.Equal(b, space.Parse(b.ToString()));
        }
        var r1 = new Random(7); var r2 = new Random(7);
        for (int i = 0; i < 20; i++) Assert.Equal(space.Sample(r1), space.Sample(r2));
    }

    /// <summary>Samples <paramref name="count"/> architectures with a fixed seed.</summary>
    public static List<Arch> Samples(ISearchSpace space, int count, int seed = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => space.Sample(rng)).ToList();
    }

    /// <summary>A copy of the encoding of <paramref name="arch"/> changed by <paramref name="change"/>.</summary>
    public static ArchGraph Mutate(ISearchSpace space, Arch arch, Action<int[], bool[,]> change)
    {
        var g = space.Encode(arch);
        var types = (int[])g.NodeTypes.Clone();
        var adj = (bool[,])g.Adjacency.Clone();
        change(types, adj);
        return new ArchGraph(types, adj);
    }

    /// <summary>Asserts that the graph does not decode and that the reason contains <paramref name="expected"/>.</summary>
    public static void AssertInvalid(ISearchSpace space, ArchGraph graph, string expected)
    {
        var a = space.TryDecode(graph, out var reason);
        Assert.True(a is null, $"decoded to {a}, expected failure '{expected}'");
        Assert.NotNull(reason);
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }
}
