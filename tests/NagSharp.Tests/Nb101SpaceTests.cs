using System.Globalization;
using System.Text.Json;
using NagSharp.Benchmarks;
using NagSharp.Cli;
using NagSharp.Graphs;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>
/// The NB101 space: syntax and pruning, graph encoding, sampling, neighbourhoods, the NB101 graph hash and the
/// network costs; with data, the published hashes and parameter counts and the 500-row table.
/// </summary>
public sealed class Nb101SpaceTests
{
    private static readonly Nb101Space Space = new();

    private const string C3 = "conv3x3-bn-relu", C1 = "conv1x1-bn-relu", MP = "maxpool3x3";

    /// <summary>The smallest cell: the input feeds the output directly.</summary>
    private const string TwoNode = "0100:input|output";

    /// <summary>A 7-node, 9-edge cell; NB101 publishes it as ff92c322c5d9d3d587d9c146a63d0807 with 6,315,018
    /// trainable parameters.</summary>
    internal const string Seven = "0101000" + "0011100" + "0001000" + "0000001" + "0000010" + "0000001" + "0000000"
        + ":input|" + C3 + "|" + C1 + "|" + C1 + "|" + C3 + "|" + C1 + "|output";
    private const string SevenHash = "ff92c322c5d9d3d587d9c146a63d0807";
    private const long SevenParams = 6_315_018;

    /// <summary>The example spec of the brief (first table row): 12 edges; node 5 has no successor, so it is pruned
    /// and 9 edges remain.</summary>
    private const string Spec49 = "0111101000001100000010000110000001100000000000000:input|maxpool3x3|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|output";
    private const string Spec49Pruned = "011111" + "000001" + "000001" + "000010" + "000001" + "000000"
        + ":input|maxpool3x3|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|output";

    private static Nb101Arch P(string s) => (Nb101Arch)Space.Parse(s);

    // ---------------------------------------------------------------- parse / format / prune

    [Theory]
    [InlineData(TwoNode)]
    [InlineData(Seven)]
    [InlineData(Spec49Pruned)]
    [InlineData("011001000:input|conv3x3-bn-relu|output")]
    [InlineData("0110000100010000:input|maxpool3x3|conv1x1-bn-relu|output")]
    public void ParseFormatRoundTripsPrunedCells(string text)
    {
        var a = Space.Parse(text);
        Assert.Equal(text, a.ToString());
        Assert.Equal(a, Space.Parse(a.ToString()));
        Assert.Equal(a.GetHashCode(), Space.Parse("  " + text + "\n").GetHashCode());
    }

    [Fact]
    public void ParsePrunesNodesOffEveryInputOutputPath()
    {
        var a = P(Spec49);
        Assert.Equal(Spec49Pruned, a.ToString());
        Assert.Equal(6, a.NodeCount);
        Assert.Equal(9, a.EdgeCount);
        Assert.Equal(new[] { "input", MP, MP, C3, C3, "output" }, a.Ops);
        Assert.True(a.HasEdge(3, 4));
        Assert.False(a.HasEdge(4, 3));

        // Node 1 has no predecessor (unreachable from the input): pruned, with its edge to the output.
        Assert.Equal("011001000:input|conv1x1-bn-relu|output", P("0011" + "0001" + "0001" + "0000" + ":input|maxpool3x3|conv1x1-bn-relu|output").ToString());
        // Node 1 has no successor: pruned too. Both specs are the same architecture.
        var dead = P("0110" + "0000" + "0001" + "0000" + ":input|conv3x3-bn-relu|maxpool3x3|output");
        Assert.Equal("010001000:input|maxpool3x3|output", dead.ToString());
        Assert.Equal(dead, P("0010" + "0000" + "0001" + "0000" + ":input|conv1x1-bn-relu|maxpool3x3|output"));
        // Everything but the direct edge is dead: the two-node cell.
        Assert.Equal(TwoNode, P("0101" + "0000" + "0000" + "0000" + ":input|maxpool3x3|maxpool3x3|output").ToString());
        // 11 edges before pruning are fine when 9 or fewer remain.
        Assert.Equal(TwoNode, P("0000001" + "0011110" + "0001110" + "0000110" + "0000010" + "0000000" + "0000000"
            + ":input|" + C3 + "|" + C3 + "|" + C3 + "|" + C3 + "|" + C3 + "|output").ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("0100", "missing ':'")]
    [InlineData("0100:input|output:x", "more than one ':'")]
    [InlineData("010:input|output", "3 bits, which is not the square")]
    [InlineData(":input|output", "0 bits")]
    [InlineData("1:input", "1x1")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000:input|output", "8x8: a cell has at most 7 nodes")]
    [InlineData("0120:input|output", "bit 2 is '2', expected 0 or 1")]
    [InlineData("01x0:input|output", "bit 2 is 'x'")]
    [InlineData("0110:input|output", "bit 2 (row 1, column 0) is set on or below the diagonal")]
    [InlineData("1100:input|output", "bit 0 (row 0, column 0) is set on or below the diagonal")]
    [InlineData("0100:input|conv3x3-bn-relu|output", "3 ops for a 2x2 adjacency, expected 2")]
    [InlineData("011001000:input|output", "2 ops for a 3x3 adjacency")]
    [InlineData("011001000:input|conv5x5-bn-relu|output", "op 1: unknown operation 'conv5x5-bn-relu'")]
    [InlineData("011001000:input||output", "op 1: unknown operation ''")]
    [InlineData("0100:Input|output", "op 0: unknown operation 'Input'")]
    [InlineData("0100:output|input", "node 0 is 'output', expected 'input'")]
    [InlineData("011001000:input|conv3x3-bn-relu|maxpool3x3", "node 2 (the last) is 'maxpool3x3', expected 'output'")]
    [InlineData("011001000:input|output|output", "node 1 is 'output'; only node 0 may be the input and only the last node the output")]
    [InlineData("011001000:input|input|output", "node 1 is 'input'")]
    [InlineData("0000:input|output", "the output is not reachable from the input")]
    [InlineData("010000000:input|conv3x3-bn-relu|output", "the output is not reachable from the input")]
    [InlineData("0111111001111100011110000111000001100000010000000:input|conv3x3-bn-relu|conv3x3-bn-relu|maxpool3x3|conv1x1-bn-relu|maxpool3x3|output", "21 edges, at most 9")]
    public void MalformedStringsThrowNamingTheProblem(string text, string expected)
    {
        var e = Assert.Throws<ArchFormatException>(() => Space.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.IsAssignableFrom<NagUserException>(e);
    }

    [Fact]
    public void TenEdgesAfterPruningAreRejectedAndSaySo()
    {
        // A 7-node spec with 11 edges whose node 5 has no successor: 10 remain after pruning.
        const string spec = "0111100" + "0011010" + "0001001" + "0000001" + "0000001" + "0000000" + "0000000"
            + ":input|" + C3 + "|" + C3 + "|" + C3 + "|" + C3 + "|" + C3 + "|output";
        var e = Assert.Throws<ArchFormatException>(() => Space.Parse(spec));
        Assert.Contains("10 edges after pruning, at most 9", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromSpecBuildsPrunedCellsAndRejectsBadSpecs()
    {
        var m = new bool[3, 3];
        m[0, 1] = m[1, 2] = true;
        Assert.Equal("010001000:input|maxpool3x3|output", Nb101Space.FromSpec(m, ["input", MP, "output"]).ToString());
        Assert.Throws<ArchFormatException>(() => Nb101Space.FromSpec(m, ["input", "output"]));
        Assert.Throws<ArchFormatException>(() => Nb101Space.FromSpec(m, ["input", "conv7x7", "output"]));
        m[1, 2] = false;
        Assert.Contains("not reachable", Assert.Throws<ArchFormatException>(() => Nb101Space.FromSpec(m, ["input", MP, "output"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SpaceShape()
    {
        Assert.Equal("nb101", Space.Name);
        Assert.Null(Space.Size);
        Assert.Equal(7, Space.MaxNodes);
        Assert.Null(Space.FixedAdjacency);
        Assert.Equal(new[] { "input", "output", C3, C1, MP }, Space.NodeVocabulary);
        Assert.IsType<Nb101Space>(SpaceRegistry.Get("NB101"));
        var e = Assert.Throws<NagUserException>(() => Space.Enumerate());
        Assert.Contains("cannot be enumerated", e.Message, StringComparison.Ordinal);
        var layout = Space.Tables!;
        Assert.Null(layout.KeyColumn);
        Assert.Equal("row", layout.KeyName);
        Assert.Equal(new[] { "adjacency_7x7_rowmajor", "ops" }, layout.ArchColumns);
        Assert.Equal("adjacency_7x7_rowmajor:ops", layout.ArchColumn);
        Assert.False(layout.CompleteTables);
    }

    // ---------------------------------------------------------------- graph encoding

    [Fact]
    public void EncodeFillsSlotsFromZeroWithTheOutputLast()
    {
        var g = Space.Encode(P("0110000100010000:input|maxpool3x3|conv1x1-bn-relu|output"));
        Assert.Equal(7, g.NodeCount);
        Assert.Equal(new[] { 0, 4, 3, 1, -1, -1, -1 }, g.NodeTypes);
        var expected = new[] { (0, 1), (0, 2), (1, 3), (2, 3) };
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 7; j++)
                Assert.True(g.Adjacency[i, j] == expected.Contains((i, j)), $"adjacency[{i},{j}]");
        // Absent slots are all-zero one-hot rows.
        Assert.Equal(0f, g.OneHot(5).Skip(4 * 5).Sum());

        var full = Space.Encode(P(Seven));
        Assert.Equal(new[] { 0, 2, 3, 3, 2, 3, 1 }, full.NodeTypes);
    }

    [Fact]
    public void EncodeDecodeRoundTripsSampledCells()
    {
        var rng = new Random(2024);
        for (int n = 0; n < 1000; n++)
        {
            var a = Space.Sample(rng);
            var g = Space.Encode(a);
            var back = Space.TryDecode(g, out var reason);
            Assert.True(back is not null, $"{a}: {reason}");
            Assert.Null(reason);
            Assert.Equal(a, back);
            Assert.True(Space.Encode(back).SameAs(g));
        }
    }

    [Fact]
    public void DecodePrunesBeforeValidating()
    {
        // The 7-node spec with a dead node (12 edges) decodes to its 6-node, 9-edge cell.
        var spec = Space.Encode(P(Seven));
        var types = (int[])spec.NodeTypes.Clone();
        var adj = new bool[7, 7];
        string bits = Spec49[..49];
        for (int k = 0; k < 49; k++) adj[k / 7, k % 7] = bits[k] == '1';
        types[1] = 4; types[2] = 4; types[3] = 2; types[4] = 2; types[5] = 2;
        var a = Space.TryDecode(new ArchGraph(types, adj), out var reason);
        Assert.Null(reason);
        Assert.Equal(Spec49Pruned, a!.ToString());
        Assert.False(Space.Encode(a).SameAs(new ArchGraph(types, adj)));
    }

    private static ArchGraph Mutate(string arch, Action<int[], bool[,]> change)
    {
        var g = Space.Encode(P(arch));
        var types = (int[])g.NodeTypes.Clone();
        var adj = (bool[,])g.Adjacency.Clone();
        change(types, adj);
        return new ArchGraph(types, adj);
    }

    private const string Four = "0110000100010000:input|maxpool3x3|conv1x1-bn-relu|output"; // slots 0..3, 4..6 absent

    private static readonly Dictionary<string, Func<ArchGraph>> InvalidGraphCases = new()
    {
        // symbols: 0 input, 1 output, 2 conv3x3, 3 conv1x1, 4 maxpool, -1 absent
        ["6 slots"] = () => new ArchGraph([0, 2, 2, 2, 2, 1], new bool[6, 6]),
        ["8 slots"] = () => new ArchGraph([0, 2, 2, 2, 2, 2, 2, 1], new bool[8, 8]),
        ["7 slots, 6x6 adjacency"] = () => new ArchGraph([0, 2, 2, 2, 2, 2, 1], new bool[6, 6]),
        ["7 slots, 7x8 adjacency"] = () => new ArchGraph([0, 2, 2, 2, 2, 2, 1], new bool[7, 8]),
        ["symbol 5"] = () => Mutate(Seven, (t, _) => t[2] = 5),
        ["symbol -2"] = () => Mutate(Seven, (t, _) => t[2] = -2),
        ["absent node in the middle"] = () => Mutate(Seven, (t, _) => t[3] = -1),
        ["present node after the absent ones"] = () => Mutate(Four, (t, _) => t[5] = 2),
        ["first slot not the input"] = () => Mutate(Seven, (t, _) => t[0] = 2),
        ["first slot absent"] = () => Mutate(Four, (t, _) => t[0] = -1),
        ["input inside"] = () => Mutate(Seven, (t, _) => t[2] = 0),
        ["output inside"] = () => Mutate(Seven, (t, _) => t[2] = 1),
        ["last present node not the output"] = () => Mutate(Four, (t, _) => t[3] = 3),
        ["output followed by an op"] = () => Mutate(Four, (t, _) => t[4] = 2),
        ["only the input"] = () => new ArchGraph([0, -1, -1, -1, -1, -1, -1], new bool[7, 7]),
        ["every slot absent"] = () => new ArchGraph([-1, -1, -1, -1, -1, -1, -1], new bool[7, 7]),
        ["edge into an absent node"] = () => Mutate(Four, (_, a) => a[1, 5] = true),
        ["edge between absent nodes"] = () => Mutate(Four, (_, a) => a[5, 6] = true),
        ["lower-triangular edge"] = () => Mutate(Seven, (_, a) => a[3, 1] = true),
        ["reversed edge"] = () => Mutate(Four, (_, a) => { a[1, 3] = false; a[3, 1] = true; }),
        ["diagonal edge"] = () => Mutate(Seven, (_, a) => a[2, 2] = true),
        ["10 edges"] = () => Mutate(Seven, (_, a) => a[0, 6] = true),
        ["output unreachable"] = () => Mutate(Four, (_, a) => { a[1, 3] = false; a[2, 3] = false; }),
        ["no edges"] = () => new ArchGraph([0, 2, 3, 4, 2, 3, 1], new bool[7, 7]),
    };

    /// <summary>Names of the invalid-graph cases.</summary>
    public static TheoryData<string> InvalidGraphs() => new(InvalidGraphCases.Keys);

    [Theory]
    [MemberData(nameof(InvalidGraphs))]
    public void DecodeRejectsInvalidGraphsWithAReason(string why)
    {
        var a = Space.TryDecode(InvalidGraphCases[why](), out var reason);
        Assert.True(a is null, $"{why}: decoded to {a}");
        Assert.False(string.IsNullOrWhiteSpace(reason), why);
        Assert.DoesNotContain('\n', reason);
    }

    // ---------------------------------------------------------------- sampling, neighbours, hash

    [Fact]
    public void SamplesAreValidSmallAndDeterministicPerSeed()
    {
        var a = Enumerable.Range(0, 1000).Select(_ => (Nb101Arch)Space.Sample(new Random(5))).Select(x => x.ToString()).Distinct().ToList();
        Assert.Single(a); // a fresh generator with the same seed gives the same first cell
        var r1 = new Random(42);
        var r2 = new Random(42);
        var s1 = Enumerable.Range(0, 1000).Select(_ => (Nb101Arch)Space.Sample(r1)).ToList();
        var s2 = Enumerable.Range(0, 1000).Select(_ => Space.Sample(r2).ToString()).ToList();
        Assert.Equal(s1.Select(x => x.ToString()), s2);
        Assert.NotEqual(s2, Enumerable.Range(0, 1000).Select(_ => Space.Sample(new Random(43)).ToString()).ToList());
        foreach (var x in s1)
        {
            Assert.InRange(x.EdgeCount, 1, 9);
            Assert.InRange(x.NodeCount, 2, 7);
            Assert.Equal(x, Space.Parse(x.ToString())); // valid and already pruned
        }
        Assert.Contains(s1, x => x.NodeCount == 7);
        Assert.True(s1.Select(x => x.NodeCount).Distinct().Count() >= 4);
        foreach (var op in new[] { C3, C1, MP }) Assert.Contains(s1, x => x.Ops.Contains(op));
        Assert.True(s1.Select(x => x.ToString()).Distinct().Count() > 500);
    }

    [Fact]
    public void NeighboursOfASmallCellAreExactlyTheSingleChanges()
    {
        // 0->1, 0->2, 1->2 with conv3x3: two op changes; removing 0->1 or 1->2 prunes node 1 (the same
        // two-node cell, counted once); removing 0->2 keeps a chain; no edge can be added.
        var ns = Space.Neighbours(P("011001000:input|conv3x3-bn-relu|output")).Select(a => a.ToString()).Order(StringComparer.Ordinal);
        Assert.Equal(new[]
        {
            TwoNode,
            "010001000:input|conv3x3-bn-relu|output",
            "011001000:input|conv1x1-bn-relu|output",
            "011001000:input|maxpool3x3|output",
        }.Order(StringComparer.Ordinal), ns);
        Assert.Empty(Space.Neighbours(P(TwoNode)));
    }

    [Theory]
    [InlineData(Seven)]
    [InlineData(Spec49Pruned)]
    [InlineData(Four)]
    public void NeighboursAreValidDistinctAndOneChangeAway(string text)
    {
        var a = P(text);
        var ns = Space.Neighbours(a).Cast<Nb101Arch>().ToList();
        Assert.Equal(ns.Count, ns.Select(n => n.ToString()).Distinct().Count());
        Assert.DoesNotContain(a, ns);
        foreach (var n in ns)
        {
            Assert.Equal(n, Space.Parse(n.ToString()));
            Assert.True(n.EdgeCount <= 9 && n.NodeCount <= a.NodeCount);
        }
        // Every op change is there (2 per intermediate node); edge moves make up the rest.
        var sameShape = ns.Where(n => n.NodeCount == a.NodeCount && n.EdgeCount == a.EdgeCount
            && Enumerable.Range(0, a.NodeCount).All(i => Enumerable.Range(0, a.NodeCount).All(j => n.HasEdge(i, j) == a.HasEdge(i, j)))).ToList();
        Assert.Equal(2 * (a.NodeCount - 2), sameShape.Count);
        Assert.All(sameShape, n => Assert.Equal(1, Enumerable.Range(0, a.NodeCount).Count(v => n.Ops[v] != a.Ops[v])));
        Assert.True(ns.Count > sameShape.Count);
    }

    [Fact]
    public void HashIsTheNb101HashAndIgnoresNodeOrder()
    {
        Assert.Equal(SevenHash, Space.CanonicalForm(P(Seven)));
        var x = P("0110000100010000:input|conv3x3-bn-relu|maxpool3x3|output");
        var y = P("0110000100010000:input|maxpool3x3|conv3x3-bn-relu|output");
        var z = P("0110000100010000:input|maxpool3x3|conv1x1-bn-relu|output");
        Assert.NotEqual(x, y);
        Assert.Equal(Space.CanonicalForm(x), Space.CanonicalForm(y));
        Assert.NotEqual(Space.CanonicalForm(x), Space.CanonicalForm(z));
        Assert.Matches("^[0-9a-f]{32}$", Space.CanonicalForm(x));
        Assert.Equal(Space.CanonicalForm(P(Spec49Pruned)), Space.CanonicalForm(P(Spec49)));
    }

    // ---------------------------------------------------------------- costs

    [Fact]
    public void CostsOfTheTwoNodeCellMatchHandArithmetic()
    {
        // Stem conv3x3 3->128 + BN; each cell is one 1x1 projection conv-BN-ReLU from its input to its output.
        // params: stem 27*128 + 256 = 3,712; stack 1: 3 * (128*128 + 256) = 49,920;
        //   stack 2: (128*256 + 512) + 2 * (256*256 + 512) = 33,280 + 132,096; stack 3: (256*512 + 1,024) + 2 * (512*512 + 1,024)
        //   = 132,096 + 526,336; dense 512*10 + 10 = 5,130. Total 882,570 (the table's 0.88257).
        const double pars = 3_712 + 49_920 + 33_280 + 132_096 + 132_096 + 526_336 + 5_130;
        // FLOPs (the tables' convention): multiply-adds + 3 per conv-BN-ReLU output element + window size per max-pool
        // output element. stem (27 + 3) * 128 * 1024 = 3,932,160; stack 1: 3 * (128 + 3) * 128 * 1024 = 51,511,296;
        // pool 4 * 128 * 256 = 131,072; stack 2: (128 + 3) * 256 * 256 + 2 * (256 + 3) * 256 * 256 = 8,585,216 + 33,947,648;
        // pool 4 * 256 * 64 = 65,536; stack 3: (256 + 3) * 512 * 64 + 2 * (512 + 3) * 512 * 64 = 8,486,912 + 33,751,040;
        // dense 5,120. Total 140,416,000 (the table's 140.416).
        const double flops = 3_932_160 + 51_511_296 + 131_072 + 8_585_216 + 33_947_648 + 65_536 + 8_486_912 + 33_751_040 + 5_120;
        Assert.Equal(882_570, pars);
        Assert.Equal(140_416_000, flops);
        var c = Space.ComputeCosts(P(TwoNode), new CostOptions());
        Assert.Equal(new[] { "flops_M", "params_M" }, c.Keys.Order());
        Assert.Equal(pars / 1e6, c["params_M"], 12);
        Assert.Equal(flops / 1e6, c["flops_M"], 9);
    }

    [Fact]
    public void CostOptionsDefaultToTheBenchmarkNetwork()
    {
        var a = P(Seven);
        var c = Space.ComputeCosts(a, new CostOptions());
        Assert.Equal(SevenParams / 1e6, c["params_M"], 12);
        Assert.Equal(c["params_M"], Space.ComputeCosts(a, new CostOptions(Width: 128, CellsPerStage: 3))["params_M"], 12);
        Assert.NotEqual(c["params_M"], Space.ComputeCosts(a, new CostOptions(Width: 64))["params_M"]);
        Assert.True(Space.ComputeCosts(a, new CostOptions(CellsPerStage: 5))["params_M"] > c["params_M"]);
        // 90 more classes: 90 * (512 weights + 1 bias) params, 90 * 512 multiply-adds.
        var c100 = Space.ComputeCosts(a, new CostOptions(Classes: 100));
        Assert.Equal(90 * 513 / 1e6, c100["params_M"] - c["params_M"], 12);
        Assert.Equal(90 * 512 / 1e6, c100["flops_M"] - c["flops_M"], 9);
        // A 64x64 input quadruples every spatial term but not the classifier; params do not change.
        var big = Space.ComputeCosts(a, new CostOptions(InputSize: 64));
        Assert.Equal(c["params_M"], big["params_M"], 12);
        Assert.Equal(4 * (c["flops_M"] - 5120 / 1e6) + 5120 / 1e6, big["flops_M"], 6);
        // The NB201 default (C = 16) is not applied to NB101 and vice versa.
        Assert.Equal(1.531546, new Nb201Space().ComputeCosts(new Nb201Space().Parse(
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"), new CostOptions())["params_M"], 12);

        Assert.Throws<NagUserException>(() => Space.ComputeCosts(a, new CostOptions(Classes: 0)));
        Assert.Throws<NagUserException>(() => Space.ComputeCosts(a, new CostOptions(Width: 0)));
        Assert.Throws<NagUserException>(() => Space.ComputeCosts(a, new CostOptions(InputSize: 0)));
        Assert.Throws<NagUserException>(() => Space.ComputeCosts(a, new CostOptions(CellsPerStage: -1)));
        // Two nodes feed the output: one stem channel cannot be split between them.
        var e = Assert.Throws<NagUserException>(() => Space.ComputeCosts(a, new CostOptions(Width: 1)));
        Assert.Contains("larger width", e.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- published records and the 500-row table

    private static List<(string Hash, bool[,] Matrix, string[] Ops, long Params)> FullFormatRecords()
    {
        string path = Path.Combine(TestData.RequireDir(), "nb101", "nb101_30archs_fullformat.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var list = new List<(string, bool[,], string[], long)>();
        foreach (var rec in doc.RootElement.EnumerateObject())
        {
            var rows = rec.Value.GetProperty("module_adjacency").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
            var m = new bool[rows.Length, rows.Length];
            for (int i = 0; i < rows.Length; i++)
                for (int j = 0; j < rows.Length; j++) m[i, j] = rows[i][j] == 1;
            var ops = rec.Value.GetProperty("module_operations").EnumerateArray().Select(o => o.GetString()!).ToArray();
            list.Add((rec.Name, m, ops, rec.Value.GetProperty("trainable_parameters").GetInt64()));
        }
        return list;
    }

    [SkippableFact]
    public void HashEqualsThePublishedKeyOfEveryFullFormatRecord()
    {
        var records = FullFormatRecords();
        Assert.Equal(30, records.Count);
        foreach (var (hash, m, ops, _) in records)
            Assert.Equal(hash, Space.CanonicalForm(Nb101Space.FromSpec(m, ops)));
    }

    [SkippableFact]
    public void ParamsEqualThePublishedTrainableParametersExactly()
    {
        foreach (var (hash, m, ops, pars) in FullFormatRecords())
        {
            double computed = Space.ComputeCosts(Nb101Space.FromSpec(m, ops), new CostOptions())["params_M"] * 1e6;
            Assert.True(Math.Round(computed) == pars && Math.Abs(computed - pars) < 1e-6, $"{hash}: computed {computed}, published {pars}");
        }
    }

    [SkippableFact]
    public void TableLoadsWithRowKeysAndRepeatedCells()
    {
        var data = TestData.Nb101;
        var t = Assert.Single(data.Tables);
        Assert.EndsWith("nb101_subset_500.csv", t.Path, StringComparison.Ordinal); // the JSON beside it is not a table
        Assert.Equal(new[] { "val_accuracy", "flops_M", "params_M" }, data.Columns);
        Assert.Equal(Enumerable.Range(0, 500), t.Keys);
        Assert.Equal(Enumerable.Range(0, 500), data.Keys);
        Assert.Equal(Spec49Pruned, data.ArchOf(0).ToString());
        Assert.Equal(92.578125, data.Get(P(Spec49), "val_accuracy"));
        Assert.Throws<NagUserException>(() => data.ArchOf(500));

        // The rows are random specs: many prune to the same cell, each row its own training run.
        int distinct = t.Archs.Select(a => a.ToString()).Distinct().Count();
        Assert.Equal(distinct, data.Count);
        Assert.True(distinct < 500);
        var two = P(TwoNode);
        var keys = data.KeysOf(two);
        Assert.True(keys.Count > 1);
        Assert.Equal(keys.Order().ToList(), keys.ToList());
        Assert.Equal(keys[0], data.KeyOf(two));
        Assert.Equal(data.MetricsOfKey(keys[0]).ToList(), data.MetricsOf(two).ToList());
        Assert.Equal(keys.Count, t.Archs.Count(a => a.Equals(two)));
        Assert.True(keys.Select(k => data.MetricsOfKey(k)["val_accuracy"]).Distinct().Count() > 1);
        Assert.Empty(data.KeysOf(P(Seven)));
        Assert.Null(data.Get(P(Seven), "val_accuracy"));
    }

    [SkippableFact]
    public void EncodeDecodeRoundTripsEveryTableCell()
    {
        foreach (var a in TestData.Nb101.Tables[0].Archs)
        {
            var g = Space.Encode(a);
            Assert.Equal(a, Space.TryDecode(g, out var reason));
            Assert.Null(reason);
        }
    }

    [SkippableFact]
    public void CostsMatchEveryTableRow()
    {
        var data = TestData.Nb101;
        foreach (var column in new[] { "params_M", "flops_M" })
            foreach (var (arch, value) in data.ColumnEntries(column))
            {
                double computed = Space.ComputeCosts(arch, new CostOptions())[column];
                Assert.True(Math.Abs(computed - value) <= 1e-4 * value, $"{column} of {arch}: computed {computed}, table {value}");
            }
        var results = CostCheck.Run(data, new CostOptions());
        Assert.Equal(new[] { "flops_M", "params_M" }, results.Select(r => r.Column).Order(StringComparer.Ordinal));
        Assert.All(results, r =>
        {
            Assert.Equal(r.Column, r.Cost);
            Assert.Equal(10, r.Classes);
            Assert.Equal(500, r.Rows);
            Assert.True(r.MaxRelativeError < 1e-6, $"{r.Column}: {r.MaxRelativeError} at {r.WorstArch}");
        });
    }
}

/// <summary>A modified copy of the NB101 table, alone in <c>&lt;tmp&gt;/nb101/</c>, fails naming file, line and column.</summary>
public sealed class Nb101CorruptTableTests
{
    private const string FileName = "nb101_subset_500.csv";
    private const string ArchColumn = "adjacency_7x7_rowmajor:ops";

    private static readonly Lazy<string[]> SourceLines = new(() => File.ReadAllLines(Path.Combine(TestData.RequireDir(), "nb101", FileName)));

    private static string[] Lines() { TestData.RequireDir(); return (string[])SourceLines.Value.Clone(); }

    private static int Col(string name) => Array.IndexOf(SourceLines.Value[0].Split(','), name) is var i and >= 0 ? i : throw new InvalidOperationException(name);

    private static void SetField(string[] lines, int line, string column, string value)
    {
        var f = lines[line - 1].Split(',');
        f[Col(column)] = value;
        lines[line - 1] = string.Join(',', f);
    }

    private static string Field(string[] lines, int line, string column) => lines[line - 1].Split(',')[Col(column)];

    private static NagDataException LoadFails(TempDir tmp, IEnumerable<string> lines, out string path)
    {
        path = tmp.File("nb101", FileName);
        File.WriteAllLines(path, lines);
        return Assert.Throws<NagDataException>(() => BenchmarkData.Load(new Nb101Space(), tmp.Path));
    }

    private static void AssertNames(NagDataException e, string path, int line, string? column, params string[] more)
    {
        Assert.Contains($"{path}:{line}:", e.Message, StringComparison.Ordinal);
        if (column is not null) Assert.Contains($"column '{column}'", e.Message, StringComparison.Ordinal);
        foreach (var m in more) Assert.Contains(m, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [SkippableFact]
    public void TheUnmodifiedCopyLoadsAndOtherFilesAreIgnored()
    {
        using var tmp = new TempDir();
        File.WriteAllLines(tmp.File("nb101", FileName), Lines());
        File.WriteAllText(tmp.File("nb101", "notes.json"), "{ not a table");
        var data = BenchmarkData.Load(new Nb101Space(), tmp.Path);
        Assert.Equal(500, Assert.Single(data.Tables).Keys.Count);
    }

    [SkippableFact]
    public void UnknownOperation()
    {
        using var tmp = new TempDir();
        var lines = Lines();
        var ops = Field(lines, 10, "ops").Split('|');
        ops[2] = "conv5x5-bn-relu";
        SetField(lines, 10, "ops", string.Join('|', ops));
        AssertNames(LoadFails(tmp, lines, out string path), path, 10, ArchColumn, "op 2: unknown operation 'conv5x5-bn-relu'");
    }

    [SkippableFact]
    public void BitBelowTheDiagonal()
    {
        using var tmp = new TempDir();
        var lines = Lines();
        var bits = Field(lines, 20, "adjacency_7x7_rowmajor").ToCharArray();
        bits[7] = '1'; // row 1, column 0
        SetField(lines, 20, "adjacency_7x7_rowmajor", new string(bits));
        AssertNames(LoadFails(tmp, lines, out string path), path, 20, ArchColumn, "row 1, column 0");
    }

    [SkippableFact]
    public void ShortBitString()
    {
        using var tmp = new TempDir();
        var lines = Lines();
        SetField(lines, 300, "adjacency_7x7_rowmajor", Field(lines, 300, "adjacency_7x7_rowmajor")[1..]);
        AssertNames(LoadFails(tmp, lines, out string path), path, 300, ArchColumn, "48 bits");
    }

    [SkippableFact]
    public void BadNumber()
    {
        using var tmp = new TempDir();
        var lines = Lines();
        SetField(lines, 42, "val_accuracy", "abc");
        AssertNames(LoadFails(tmp, lines, out string path), path, 42, "val_accuracy", "'abc' is not a finite number");
    }

    [SkippableFact]
    public void MissingOpsColumnAndTruncatedRow()
    {
        using var tmp = new TempDir();
        int ops = Col("ops");
        var lines = Lines().Select(l => string.Join(',', l.Split(',').Where((_, i) => i != ops))).ToArray();
        AssertNames(LoadFails(tmp, lines, out string path), path, 1, null, "missing architecture column 'ops'");

        lines = Lines();
        lines[76] = string.Join(',', lines[76].Split(',')[..^1]);
        AssertNames(LoadFails(tmp, lines, out path), path, 77, null, "truncated row", "params_M");
    }
}

/// <summary><c>nag</c> on the NB101 space, in-process.</summary>
public sealed class Nb101CliTests
{
    private const string Spec49 = "0111101000001100000010000110000001100000000000000:input|maxpool3x3|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|output";

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [SkippableFact]
    public void ArchByStringAndByRowNumber()
    {
        string dir = TestData.RequireDir();
        var (code, stdout, stderr) = Run("arch", "nb101", Spec49, "--json", "--data-dir", dir);
        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal("nb101", root.GetProperty("space").GetString());
        Assert.Equal(0, root.GetProperty("row").GetInt32());
        Assert.StartsWith("011111000001000001000010000001000000:", root.GetProperty("arch").GetString(), StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{32}$", root.GetProperty("canonical_form").GetString());
        var metrics = root.GetProperty("metrics");
        Assert.Equal(92.578125, metrics.GetProperty("val_accuracy").GetDouble());
        Assert.Equal(624.55808, metrics.GetProperty("flops_M").GetDouble());
        var computed = root.GetProperty("computed");
        Assert.Equal(metrics.GetProperty("params_M").GetDouble(), computed.GetProperty("params_M").GetDouble(), 9);
        Assert.Equal(metrics.GetProperty("flops_M").GetDouble(), computed.GetProperty("flops_M").GetDouble(), 6);
        Assert.Equal(stdout, Run("arch", "nb101", "0", "--json", "--data-dir", dir).Out);

        // Row 6 is the two-node cell, which other rows list too: the row asked for is shown, with its siblings.
        var six = Run("arch", "nb101", "6", "--json", "--data-dir", dir);
        Assert.True(six.Code == 0, six.Err);
        using var sixDoc = JsonDocument.Parse(six.Out);
        Assert.Equal(6, sixDoc.RootElement.GetProperty("row").GetInt32());
        Assert.Equal("0100:input|output", sixDoc.RootElement.GetProperty("arch").GetString());
        var siblings = sixDoc.RootElement.GetProperty("same_arch_keys").EnumerateArray().Select(e => e.GetInt32()).ToList();
        Assert.Contains(6, siblings);
        Assert.True(siblings.Count > 1);
        Assert.Equal(TestData.Nb101.MetricsOfKey(6)["val_accuracy"], sixDoc.RootElement.GetProperty("metrics").GetProperty("val_accuracy").GetDouble());

        // A cell outside the subset: computed values only.
        var outside = Run("arch", "nb101", Nb101SpaceTests.Seven, "--json", "--data-dir", dir);
        Assert.True(outside.Code == 0, outside.Err);
        using var outDoc = JsonDocument.Parse(outside.Out);
        Assert.Equal(JsonValueKind.Null, outDoc.RootElement.GetProperty("row").ValueKind);
        Assert.Empty(outDoc.RootElement.GetProperty("metrics").EnumerateObject());
        Assert.True(outDoc.RootElement.GetProperty("computed").GetProperty("params_M").GetDouble() > 0);
    }

    [SkippableFact]
    public void ArchErrors()
    {
        string dir = TestData.RequireDir();
        var bad = Run("arch", "nb101", "0100:input|conv9x9|output", "--data-dir", dir);
        Assert.Equal(1, bad.Code);
        Assert.Contains("conv9x9", bad.Err, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', bad.Err.TrimEnd('\r', '\n'));
        var row = Run("arch", "nb101", "500", "--data-dir", dir);
        Assert.Equal(1, row.Code);
        Assert.Contains("row 500", row.Err, StringComparison.Ordinal);
        // An adjacency without its ops is a malformed string, not row 100.
        var bitsOnly = Run("arch", "nb101", "0100", "--data-dir", dir);
        Assert.Equal(1, bitsOnly.Code);
        Assert.Contains("missing ':'", bitsOnly.Err, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void SpaceDumpListsEveryRow()
    {
        string dir = TestData.RequireDir();
        var (code, stdout, stderr) = Run("space", "dump", "nb101", "--data-dir", dir);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(501, lines.Length);
        var header = lines[0].Split(',');
        Assert.Equal(new[] { "row", "arch", "canonical_id", "computed_params_M", "computed_flops_M", "val_accuracy", "flops_M", "params_M" }, header);
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            Assert.Equal(i - 1, int.Parse(f[0], CultureInfo.InvariantCulture));
            Assert.Equal(double.Parse(f[7], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture), 6);
        }
        var jsonl = Run("space", "dump", "nb101", "--format", "jsonl", "--data-dir", dir);
        Assert.Equal(0, jsonl.Code);
        using var last = JsonDocument.Parse(jsonl.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Equal(499, last.RootElement.GetProperty("row").GetInt32());
    }

    [SkippableFact]
    public void DataCheckCoversNb101()
    {
        string dir = TestData.RequireDir();
        var (code, stdout, stderr) = Run("data", "check", "--data-dir", dir);
        Assert.True(code == 0, stderr);
        Assert.Contains("nb101_subset_500.csv", stdout, StringComparison.Ordinal);
        Assert.Matches(@"params_M\W+params_M\W+10\W+500\W", stdout); // the cost check row: column, cost, classes, rows
    }

    [Fact]
    public void SpacesListsNb101AsFreeTopology()
    {
        var (code, stdout, stderr) = Run("spaces");
        Assert.True(code == 0, stderr);
        // The name column, not any mention: tnb101_micro contains "nb101" too.
        var line = stdout.Split('\n').Single(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\W*nb101\s"));
        Assert.Contains("free", line, StringComparison.Ordinal);
    }
}
