using NagSharp.Graphs;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>The NB201 space on its own: syntax, graph encoding, sampling, neighbourhoods, canonical form, costs. No data needed.</summary>
public sealed class Nb201SpaceTests
{
    private static readonly Nb201Space Space = new();

    /// <summary>The cell with the best CIFAR-10 test accuracy (official index 6111).</summary>
    public const string Best = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|";
    private const string AllNone = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
    private const string AllConv3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|";

    private static Nb201Arch P(string s) => (Nb201Arch)Space.Parse(s);

    // ---------------------------------------------------------------- parse / format

    [Theory]
    [InlineData(Best)]
    [InlineData(AllNone)]
    [InlineData(AllConv3)]
    [InlineData("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|")]
    [InlineData("|skip_connect~0|+|avg_pool_3x3~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|")]
    public void ParseFormatRoundTrips(string text)
    {
        var a = Space.Parse(text);
        Assert.Equal(text, a.ToString());
        Assert.Equal(a, Space.Parse(a.ToString()));
        Assert.Equal(a.GetHashCode(), Space.Parse(text).GetHashCode());
    }

    [Fact]
    public void ParseReadsOpsInEdgeOrderAndTrimsWhitespace()
    {
        var a = P("  |skip_connect~0|+|avg_pool_3x3~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_3x3~2|\n");
        // none=0, skip=1, conv1x1=2, conv3x3=3, avgpool=4; edges (0->1),(0->2),(1->2),(0->3),(1->3),(2->3)
        Assert.Equal(new[] { 1, 4, 0, 2, 4, 3 }, a.Ops);
        Assert.Equal("|skip_connect~0|+|avg_pool_3x3~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_3x3~2|", a.ToString());
    }

    [Theory]
    // unknown operation: the message names it
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|conv_5x5~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|", "unknown operation 'conv_5x5'")]
    [InlineData("|Nor_Conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown operation 'Nor_Conv_3x3'")]
    // wrong source index: names the bad source and the expected one
    [InlineData("|nor_conv_3x3~1|+|none~0|none~1|+|none~0|none~1|none~2|", "source '1' must be 0")]
    [InlineData("|none~0|+|none~0|none~1|+|none~0|none~2|none~1|", "source '2' must be 1")]
    [InlineData("|none~0|+|none~0|none~1|+|none~0|none~1|none~x|", "source 'x' must be 2")]
    // missing '~source'
    [InlineData("|none|+|none~0|none~1|+|none~0|none~1|none~2|", "lacks '~source'")]
    // wrong number of '+' groups
    [InlineData("|none~0|+|none~0|none~1|", "has 2 node groups")]
    [InlineData("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|+|none~0|", "has 4 node groups")]
    // wrong number of inputs in a group
    [InlineData("|none~0|+|none~0|+|none~0|none~1|none~2|", "has 1 inputs, expected 2")]
    [InlineData("|none~0|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "has 2 inputs, expected 1")]
    // missing '|'
    [InlineData("none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "must start and end with '|'")]
    [InlineData("|none~0|+|none~0|none~1|+|none~0|none~1|none~2", "must start and end with '|'")]
    [InlineData("|none~0+|none~0|none~1|+|none~0|none~1|none~2|", "must be enclosed in '|'")]
    // empty
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    public void MalformedStringsThrowNamingTheProblem(string text, string expected)
    {
        var e = Assert.Throws<ArchFormatException>(() => Space.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.IsAssignableFrom<NagUserException>(e); // the CLI maps it to exit code 1
    }

    [Fact]
    public void ConstructorRejectsBadOps()
    {
        Assert.Throws<ArchFormatException>(() => new Nb201Arch([0, 1, 2, 3, 4]));
        Assert.Throws<ArchFormatException>(() => new Nb201Arch([0, 1, 2, 3, 4, 5]));
        Assert.Throws<ArchFormatException>(() => new Nb201Arch([0, 1, 2, 3, 4, -1]));
    }

    // ---------------------------------------------------------------- graph encoding

    /// <summary>
    /// The true data-flow adjacency (docs/methods.md), written out independently of the implementation.
    /// Nodes: 0 input, 1 (0->1), 2 (0->2), 3 (1->2), 4 (0->3), 5 (1->3), 6 (2->3), 7 output.
    /// </summary>
    private static readonly int[,] ExpectedAdjacency =
    {
        //        in  01  02  12  03  13  23  out
        /* in */ { 0,  1,  1,  0,  1,  0,  0,  0 },
        /* 01 */ { 0,  0,  0,  1,  0,  1,  0,  0 },
        /* 02 */ { 0,  0,  0,  0,  0,  0,  1,  0 },
        /* 12 */ { 0,  0,  0,  0,  0,  0,  1,  0 },
        /* 03 */ { 0,  0,  0,  0,  0,  0,  0,  1 },
        /* 13 */ { 0,  0,  0,  0,  0,  0,  0,  1 },
        /* 23 */ { 0,  0,  0,  0,  0,  0,  0,  1 },
        /* out*/ { 0,  0,  0,  0,  0,  0,  0,  0 },
    };

    private static void AssertExpectedAdjacency(bool[,] adjacency)
    {
        Assert.Equal(8, adjacency.GetLength(0));
        Assert.Equal(8, adjacency.GetLength(1));
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
                Assert.True(adjacency[i, j] == (ExpectedAdjacency[i, j] == 1), $"adjacency[{i},{j}] = {adjacency[i, j]}, expected {ExpectedAdjacency[i, j] == 1}");
    }

    [Fact]
    public void VocabularyAndSize()
    {
        Assert.Equal("nb201", Space.Name);
        Assert.Equal(15625, Space.Size);
        Assert.Equal(8, Space.MaxNodes);
        Assert.Equal(new[] { "input", "output", "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3" }, Space.NodeVocabulary);
        Assert.Same(Space.GetType(), SpaceRegistry.Get("NB201").GetType());
        Assert.Throws<NagUserException>(() => SpaceRegistry.Get("nb999"));
    }

    [Fact]
    public void EncodeGivesEightNodesAndTheTrueDataFlowAdjacency()
    {
        var g = Space.Encode(P(Best));
        Assert.Equal(8, g.NodeCount);
        var vocab = Space.NodeVocabulary;
        Assert.Equal("input", vocab[g.NodeTypes[0]]);
        Assert.Equal("output", vocab[g.NodeTypes[7]]);
        Assert.Equal(new[] { "nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_3x3", "nor_conv_1x1" },
            g.NodeTypes[1..7].Select(t => vocab[t]));
        AssertExpectedAdjacency(g.Adjacency);
        AssertExpectedAdjacency(Space.FixedAdjacency!);
        // Edges only go forward (topological order).
        for (int i = 0; i < 8; i++)
            for (int j = 0; j <= i; j++)
                Assert.False(g.Adjacency[i, j]);
    }

    [Fact]
    public void EncodedAdjacencyIsACopy()
    {
        var g = Space.Encode(P(AllNone));
        g.Adjacency[0, 7] = true;
        g.Adjacency[0, 1] = false;
        var fixedAdj = Space.FixedAdjacency!;
        fixedAdj[2, 3] = true;
        AssertExpectedAdjacency(Space.Encode(P(AllNone)).Adjacency);
        AssertExpectedAdjacency(Space.FixedAdjacency!);
    }

    [Fact]
    public void OneHotAndTransitiveClosure()
    {
        var g = Space.Encode(P(Best));
        float[] x = g.OneHot(7);
        Assert.Equal(8 * 7, x.Length);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(1f, x.Skip(i * 7).Take(7).Sum());
            Assert.Equal(1f, x[i * 7 + g.NodeTypes[i]]);
        }
        var absent = new ArchGraph([0, -1, 1], new bool[3, 3]);
        Assert.Equal(new float[] { 1, 0, 0, 0, 0, 0, 0, 1, 0 }, absent.OneHot(3));

        var r = ArchGraph.TransitiveClosure(g.Adjacency);
        // Input reaches every edge node and the output; (0->1) reaches (2->3) through (1->2).
        for (int j = 1; j < 8; j++) Assert.True(r[0, j]);
        Assert.True(r[1, 6]);
        Assert.True(r[1, 7]);
        Assert.False(r[2, 3]);
        Assert.False(r[7, 0]);
        AssertExpectedAdjacency(g.Adjacency); // closure does not modify its input
    }

    [Fact]
    public void DecodeRoundTripsEveryCell()
    {
        int n = 0;
        foreach (var a in Space.Enumerate())
        {
            var g = Space.Encode(a);
            var back = Space.TryDecode(g, out var reason);
            Assert.Null(reason);
            Assert.NotNull(back);
            Assert.Equal(a, back);
            Assert.True(Space.Encode(back).SameAs(g));
            n++;
        }
        Assert.Equal(15625, n);
    }

    private static ArchGraph Mutate(string arch, Action<int[], bool[,]> change)
    {
        var g = Space.Encode(P(arch));
        var types = (int[])g.NodeTypes.Clone();
        var adj = (bool[,])g.Adjacency.Clone();
        change(types, adj);
        return new ArchGraph(types, adj);
    }

    private static readonly Dictionary<string, Func<ArchGraph>> InvalidGraphCases = new()
    {
        // symbols: 0 input, 1 output, 2 none, 3 skip, 4 conv1x1, 5 conv3x3, 6 avgpool
        ["input inside"] = () => Mutate(Best, (t, _) => t[3] = 0),
        ["output inside"] = () => Mutate(Best, (t, _) => t[5] = 1),
        ["first node not input"] = () => Mutate(Best, (t, _) => t[0] = 5),
        ["first node is output"] = () => Mutate(Best, (t, _) => t[0] = 1),
        ["last node not output"] = () => Mutate(Best, (t, _) => t[7] = 5),
        ["last node is input"] = () => Mutate(Best, (t, _) => t[7] = 0),
        ["absent node inside"] = () => Mutate(Best, (t, _) => t[2] = -1),
        ["symbol out of range"] = () => Mutate(Best, (t, _) => t[2] = 7),
        ["extra edge"] = () => Mutate(Best, (_, a) => a[0, 7] = true),
        ["missing edge"] = () => Mutate(Best, (_, a) => a[2, 6] = false),
        ["reversed edge"] = () => Mutate(Best, (_, a) => { a[1, 3] = false; a[3, 1] = true; }),
        ["7 nodes"] = () => new ArchGraph([0, 5, 5, 5, 3, 5, 1], new bool[7, 7]),
        ["9 nodes"] = () => new ArchGraph([0, 5, 5, 5, 3, 5, 4, 4, 1], new bool[9, 9]),
        ["8 nodes, 7x7 adjacency"] = () => new ArchGraph([0, 5, 5, 5, 3, 5, 4, 1], new bool[7, 7]),
        ["8 nodes, 7x7 adjacency agreeing with the fixed one"] = () => new ArchGraph([0, 5, 5, 5, 3, 5, 4, 1], Pad(Space.FixedAdjacency!, 7, 7)),
        ["8 nodes, 9x9 adjacency"] = () => new ArchGraph([0, 5, 5, 5, 3, 5, 4, 1], Pad(Space.FixedAdjacency!, 9, 9)),
        ["8 nodes, 8x9 adjacency"] = () => new ArchGraph([0, 5, 5, 5, 3, 5, 4, 1], Pad(Space.FixedAdjacency!, 8, 9)),
    };

    public static TheoryData<string> InvalidGraphs() => new(InvalidGraphCases.Keys);

    /// <summary>Copies <paramref name="a"/> into a rows x cols matrix (cropping or zero-padding).</summary>
    private static bool[,] Pad(bool[,] a, int rows, int cols)
    {
        var r = new bool[rows, cols];
        for (int i = 0; i < Math.Min(rows, a.GetLength(0)); i++)
            for (int j = 0; j < Math.Min(cols, a.GetLength(1)); j++) r[i, j] = a[i, j];
        return r;
    }

    [Theory]
    [MemberData(nameof(InvalidGraphs))]
    public void DecodeRejectsInvalidGraphsWithAReason(string why)
    {
        var a = Space.TryDecode(InvalidGraphCases[why](), out var reason);
        Assert.True(a is null, $"{why}: decoded to {a}");
        Assert.False(string.IsNullOrWhiteSpace(reason), why);
    }

    // ---------------------------------------------------------------- neighbours, sampling, enumeration

    [Theory]
    [InlineData(Best)]
    [InlineData(AllNone)]
    [InlineData(AllConv3)]
    public void NeighboursDifferInExactlyOneOp(string text)
    {
        var a = P(text);
        var ns = Space.Neighbours(a);
        Assert.Equal(24, ns.Count);
        Assert.Equal(24, ns.Select(x => x.ToString()).Distinct().Count());
        foreach (var n in ns.Cast<Nb201Arch>())
            Assert.Equal(1, Enumerable.Range(0, 6).Count(e => n.Ops[e] != a.Ops[e]));
        // Each edge is changed to each of its 4 other operations exactly once.
        var changedEdges = ns.Cast<Nb201Arch>().Select(n => Enumerable.Range(0, 6).Single(e => n.Ops[e] != a.Ops[e])).ToList();
        for (int e = 0; e < 6; e++) Assert.Equal(4, changedEdges.Count(x => x == e));
        Assert.DoesNotContain(a, ns);
    }

    [Fact]
    public void SampleIsDeterministicPerSeedAndCoversAllOps()
    {
        var r1 = new Random(42);
        var r2 = new Random(42);
        var a = Enumerable.Range(0, 2000).Select(_ => Space.Sample(r1).ToString()).ToList();
        var b = Enumerable.Range(0, 2000).Select(_ => Space.Sample(r2).ToString()).ToList();
        Assert.Equal(a, b);
        var c = Enumerable.Range(0, 10).Select(_ => Space.Sample(new Random(7)).ToString()).Distinct().Count();
        Assert.Equal(1, c); // a fresh generator with the same seed gives the same first sample
        Assert.NotEqual(a, Enumerable.Range(0, 2000).Select(_ => Space.Sample(new Random(43)).ToString()).ToList());

        var seen = new bool[6, 5];
        foreach (var s in a) { var arch = P(s); for (int e = 0; e < 6; e++) seen[e, arch.Ops[e]] = true; }
        for (int e = 0; e < 6; e++)
            for (int o = 0; o < 5; o++)
                Assert.True(seen[e, o], $"edge {e} never got {Nb201Space.Operations[o]}");
        Assert.True(a.Distinct().Count() > 1500, "2000 uniform draws from 15,625 cells should be mostly distinct");
    }

    [Fact]
    public void EnumerateYieldsEveryCellOnceInOrdinalOrder()
    {
        var all = Space.Enumerate().Cast<Nb201Arch>().ToList();
        Assert.Equal(15625, all.Count);
        Assert.Equal(15625, all.Select(a => a.ToString()).Distinct().Count());
        for (int k = 0; k < all.Count; k++) Assert.Equal(k, all[k].Ordinal);
        Assert.Equal(AllNone, all[0].ToString());
        Assert.Equal("|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|", all[^1].ToString());
        // Each element is a separate object (no shared mutable state between yielded cells).
        Assert.NotSame(all[0].Ops, all[1].Ops);
        Assert.Equal(AllNone, all[0].ToString());
    }

    // ---------------------------------------------------------------- canonical form

    [Theory]
    // (2->3) is none, so node 2 feeds nothing: the edges into node 2 do not matter.
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|none~2|",
                "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_1x1~1|none~2|")]
    [InlineData("|avg_pool_3x3~0|+|none~0|none~1|+|nor_conv_3x3~0|skip_connect~1|none~2|",
                "|avg_pool_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|skip_connect~1|none~2|")]
    // (0->1) is none, so node 1 is zero: whatever leaves it is zero too.
    [InlineData("|none~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|",
                "|none~0|+|nor_conv_1x1~0|skip_connect~1|+|skip_connect~0|none~1|nor_conv_3x3~2|")]
    // The sum at a node is commutative: node 1 = x, so (0->2)=conv,(1->2)=skip equals (0->2)=skip,(1->2)=conv.
    [InlineData("|skip_connect~0|+|nor_conv_3x3~0|skip_connect~1|+|none~0|none~1|skip_connect~2|",
                "|skip_connect~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|none~1|skip_connect~2|")]
    // Everything into node 3 is none: the cell outputs zero whatever the rest.
    [InlineData(AllNone, "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|none~1|none~2|")]
    public void FunctionallyEqualCellsShareACanonicalForm(string a, string b)
    {
        Assert.NotEqual(P(a), P(b));
        Assert.Equal(Space.CanonicalForm(P(a)), Space.CanonicalForm(P(b)));
    }

    [Theory]
    // Same as the first equal pair, but (2->3) is skip: node 2 now reaches the output.
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|",
                "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|")]
    // Different operations on a live edge.
    [InlineData(Best, "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|")]
    // Swapping ops between edges with different sources is not a symmetry when node 1 != input.
    [InlineData("|nor_conv_1x1~0|+|nor_conv_3x3~0|skip_connect~1|+|none~0|none~1|skip_connect~2|",
                "|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|none~1|skip_connect~2|")]
    // Zero output vs identity.
    [InlineData(AllNone, "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")]
    public void DifferentFunctionsHaveDifferentCanonicalForms(string a, string b) =>
        Assert.NotEqual(Space.CanonicalForm(P(a)), Space.CanonicalForm(P(b)));

    [Fact]
    public void CanonicalFormHas6466ClassesOverTheSpace()
    {
        var forms = Space.Enumerate().Select(Space.CanonicalForm).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(6466, forms.Count);
    }

    // ---------------------------------------------------------------- analytic costs

    [Fact]
    public void CostsOfTheAllNoneCellMatchHandArithmetic()
    {
        // C=16, N=5, 32x32 input, 10 classes. Cells with only none contribute nothing.
        // stem: conv3x3 3->16 (9*3*16 = 432) + BN (2*16 = 32)                              = 464 params
        //       FLOPs 432 * 32*32                                                          = 442,368
        // reduction 16->32 (out 16x16): 9*16*32 + 2*32 + 9*32*32 + 2*32 + 16*32
        //       = 4608 + 64 + 9216 + 64 + 512                                              = 14,464 params
        //       FLOPs 4608*256 + 9216*256 + 512*256 (1x1 shortcut after pooling to 16x16)  = 3,670,016
        // reduction 32->64 (out 8x8): 9*32*64 + 2*64 + 9*64*64 + 2*64 + 32*64
        //       = 18432 + 128 + 36864 + 128 + 2048                                         = 57,600 params
        //       FLOPs 18432*64 + 36864*64 + 2048*64                                        = 3,670,016
        // head: BN 2*64 = 128, linear 64*10 + 10 = 650                                     = 778 params
        //       FLOPs 64*10                                                                = 640
        const double pars = 464 + 14_464 + 57_600 + 778;          // 73,306
        const double flops = 442_368 + 3_670_016 * 2 + 640;       // 7,783,040
        var c = Space.ComputeCosts(P(AllNone), new CostOptions(Classes: 10, InputSize: 32, Width: 16, CellsPerStage: 5));
        Assert.Equal(new[] { "flops_M", "params_M" }, c.Keys.Order());
        Assert.Equal(0.073306, pars / 1e6, 12);
        Assert.Equal(pars / 1e6, c["params_M"], 12);
        Assert.Equal(flops / 1e6, c["flops_M"], 9);
    }

    [Fact]
    public void CostsOfTheAllConv3x3CellMatchHandArithmetic()
    {
        // As the all-none cell plus 6 edges x 5 cells = 30 ReLU-conv3x3-BN per stage:
        // stage 1 (C=16, 32x32): 30 * (9*16*16 + 2*16) = 30 * 2,336   = 70,080 params; FLOPs 30 * 2304*1024  = 70,778,880
        // stage 2 (C=32, 16x16): 30 * (9*32*32 + 2*32) = 30 * 9,280   = 278,400 params; FLOPs 30 * 9216*256  = 70,778,880
        // stage 3 (C=64,  8x8):  30 * (9*64*64 + 2*64) = 30 * 36,992  = 1,109,760 params; FLOPs 30 * 36864*64 = 70,778,880
        const double pars = 73_306 + 70_080 + 278_400 + 1_109_760;  // 1,531,546
        const double flops = 7_783_040 + 3 * 70_778_880;             // 220,119,680
        var c = Space.ComputeCosts(P(AllConv3), new CostOptions(Classes: 10, InputSize: 32, Width: 16, CellsPerStage: 5));
        Assert.Equal(1.531546, pars / 1e6, 12);
        Assert.Equal(pars / 1e6, c["params_M"], 12);
        Assert.Equal(flops / 1e6, c["flops_M"], 9);
    }

    [Fact]
    public void CostsScaleWithClassesAndRejectBadOptions()
    {
        var a = P(Best);
        var c10 = Space.ComputeCosts(a, new CostOptions(Classes: 10));
        var c100 = Space.ComputeCosts(a, new CostOptions(Classes: 100));
        // 90 more classes: 90 * (64 weights + 1 bias) params, 90 * 64 multiply-adds.
        Assert.Equal(90 * 65 / 1e6, c100["params_M"] - c10["params_M"], 12);
        Assert.Equal(90 * 64 / 1e6, c100["flops_M"] - c10["flops_M"], 9);
        // Skip and pooling are free: replacing them changes nothing.
        var withPool = P("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_1x1~2|");
        Assert.Equal(c10["params_M"], Space.ComputeCosts(withPool, new CostOptions())["params_M"], 12);
        Assert.Throws<NagUserException>(() => Space.ComputeCosts(a, new CostOptions(Classes: 0)));
        Assert.Throws<NagUserException>(() => Space.ComputeCosts(a, new CostOptions(Width: 0)));
        Assert.Throws<NagUserException>(() => Space.ComputeCosts(a, new CostOptions(InputSize: 0)));
    }
}
