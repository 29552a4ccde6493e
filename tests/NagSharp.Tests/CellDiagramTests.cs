using System.Text.RegularExpressions;
using System.Xml.Linq;
using NagSharp.Diagrams;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>Cell diagrams of every registered space: well-formed SVG and DOT with one node per operation of the
/// architecture, counted from the architecture itself rather than from the diagram code.</summary>
public sealed partial class CellDiagramTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>Names of every registered space.</summary>
    public static TheoryData<string> Registered => new(SpaceRegistry.Spaces.Select(s => s.Name));

    /// <summary>(operations, all nodes, edges) a drawing of <paramref name="arch"/> must have, read off the architecture.</summary>
    private static (int Ops, int Nodes, int Edges) Expected(Arch arch) => arch switch
    {
        // Operation-on-node cell: input, one node per edge of the 4-node cell, output; the cell's data flow gives 10 links.
        Nb201Arch or TnbMicroArch => (6, 8, 10),
        Nb101Arch a => (a.NodeCount - 2, a.NodeCount,
            Enumerable.Range(0, a.NodeCount).Sum(i => Enumerable.Range(0, a.NodeCount).Count(j => a.HasEdge(i, j)))),
        TnbMacroArch a => (a.Modules.Count, a.Modules.Count + 2, a.Modules.Count + 1),
        AnbArch a => (a.Blocks.Sum(b => b.Layers), a.Blocks.Sum(b => b.Layers) + 2, a.Blocks.Sum(b => b.Layers) + 1),
        OfaArch a => (a.Depths.Sum(), a.Depths.Sum() + 2, a.Depths.Sum() + 1),
        // Per cell: 2 inputs, 8 operations, 4 sums, 1 output; 8 + 8 + 4 edges.
        Nb301Arch => (16, 30, 40),
        NlpArch a => (a.Nodes.Count, 1 + 2 * a.Hidden + a.Nodes.Count, a.Nodes.Sum(n => n.Inputs.Count) + a.Hidden),
        ChainArch a => (a.Ops.Count, a.Ops.Count, a.Ops.Count - 1),
        _ => throw new InvalidOperationException($"no expected diagram for {arch.GetType().Name}: add one here"),
    };

    private static IEnumerable<XElement> WithClass(XDocument doc, string cls) =>
        doc.Descendants().Where(e => ((string?)e.Attribute("class"))?.Split(' ').Contains(cls) == true);

    [Theory]
    [MemberData(nameof(Registered))]
    public void EverySpaceDrawsWellFormedSvgWithOneElementPerOperation(string name)
    {
        var space = SpaceRegistry.Get(name);
        foreach (var arch in SpaceContract.Samples(space, 4, seed: 11))
        {
            var (ops, nodes, edges) = Expected(arch);
            string svg = CellDiagrams.Svg(space, arch);
            var doc = XDocument.Parse(svg);
            Assert.Equal(Svg + "svg", doc.Root!.Name);
            var opNodes = WithClass(doc, SvgDiagram.OperationClass).ToList();
            Assert.Equal(ops, opNodes.Count);
            Assert.All(opNodes, n => Assert.False(string.IsNullOrWhiteSpace((string?)n.Attribute("data-label"))));
            Assert.Equal(nodes, WithClass(doc, "node").Count());
            Assert.Equal(edges, WithClass(doc, "edge").Count());
            Assert.Equal(CellDiagrams.Title(space, arch), doc.Root.Element(Svg + "title")!.Value);
        }
    }

    [Theory]
    [MemberData(nameof(Registered))]
    public void EverySpaceDrawsDotWithItsNodesAndEdges(string name)
    {
        var space = SpaceRegistry.Get(name);
        foreach (var arch in SpaceContract.Samples(space, 4, seed: 12))
        {
            var (ops, nodes, edges) = Expected(arch);
            string dot = CellDiagrams.Dot(space, arch);
            var lines = dot.Split('\n');
            Assert.StartsWith("digraph cell {", lines[0]);
            var declared = lines.Select(l => DotNode().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
            var links = lines.Select(l => DotEdge().Match(l)).Where(m => m.Success).ToList();
            Assert.Equal(nodes, declared.Count);
            Assert.Equal(nodes, declared.Distinct().Count());
            Assert.Equal(ops, lines.Count(l => l.Contains("class=\"op-node\"", StringComparison.Ordinal)));
            Assert.Equal(edges, links.Count);
            Assert.All(links, m => Assert.True(declared.Contains(m.Groups[1].Value) && declared.Contains(m.Groups[2].Value), m.Value));
            Assert.Equal("}", lines.Last(l => l.Length > 0));
            Assert.Equal(lines.Count(l => l.StartsWith("  subgraph cluster_", StringComparison.Ordinal)), lines.Count(l => l == "  }"));
        }
    }

    [Theory]
    [MemberData(nameof(Registered))]
    public void LayoutRunsLeftToRightWithoutOverlaps(string name)
    {
        var space = SpaceRegistry.Get(name);
        foreach (var arch in SpaceContract.Samples(space, 3, seed: 13))
        {
            var diagram = CellDiagrams.Of(space, arch);
            var layout = new DiagramLayout(diagram);
            foreach (var e in diagram.Edges)
                Assert.True(layout.Boxes[e.From].X + layout.Boxes[e.From].Width < layout.Boxes[e.To].X, $"{name}: edge {e.From} -> {e.To} does not run forward");
            for (int i = 0; i < layout.Boxes.Count; i++)
            {
                var a = layout.Boxes[i];
                Assert.True(a.X >= 0 && a.Y >= 0 && a.X + a.Width <= layout.Width && a.Y + a.Height <= layout.Height, $"{name}: node {i} outside the drawing");
                for (int j = i + 1; j < layout.Boxes.Count; j++)
                {
                    var b = layout.Boxes[j];
                    bool apart = a.X + a.Width <= b.X || b.X + b.Width <= a.X || a.Y + a.Height <= b.Y || b.Y + b.Height <= a.Y;
                    Assert.True(apart, $"{name}: nodes {i} and {j} overlap");
                }
            }
        }
    }

    [Fact]
    public void LabelsAreEscapedInSvgAndDot()
    {
        string evil = "<script>alert(\"x\")</script> & \\n \u0001";
        var diagram = new CellDiagram(evil, [new DiagramNode("in", DiagramNodeKind.Input), new DiagramNode(evil, DiagramNodeKind.Operation, Detail: evil)],
            [new DiagramEdge(0, 1, evil)]);
        var doc = XDocument.Parse(SvgDiagram.Write(diagram));
        Assert.Empty(doc.Descendants(Svg + "script"));
        var op = Assert.Single(WithClass(doc, SvgDiagram.OperationClass));
        Assert.StartsWith("<script>alert(\"x\")</script> & \\n ", (string)op.Attribute("data-label")!);
        string dot = DotDiagram.Write(diagram);
        Assert.Contains("label=\"<script>alert(\\\"x\\\")</script> & \\\\n  \\n<script>", dot);
        Assert.DoesNotContain('\u0001', dot);
    }

    [Fact]
    public void BrokenDiagramsAreRefused()
    {
        DiagramNode Op(string l) => new(l, DiagramNodeKind.Operation);
        var cycle = new CellDiagram("c", [Op("a"), Op("b")], [new DiagramEdge(0, 1), new DiagramEdge(1, 0)]);
        Assert.Contains("cycle", Assert.Throws<ArgumentException>(() => SvgDiagram.Write(cycle)).Message);
        var dangling = new CellDiagram("d", [Op("a")], [new DiagramEdge(0, 3)]);
        Assert.Throws<ArgumentException>(() => DotDiagram.Write(dangling));
    }

    [Fact]
    public void SpacesWithoutTheirOwnDiagramAreDrawnFromTheirEncoding()
    {
        // NB201 has no diagram of its own: the encoding is the operation-on-node cell, read off as it is.
        var space = SpaceRegistry.Get("nb201");
        var arch = space.Parse("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|");
        var d = CellDiagrams.Of(space, arch);
        Assert.Equal(["input", "nor_conv_3x3", "none", "skip_connect", "avg_pool_3x3", "nor_conv_1x1", "nor_conv_3x3", "output"], d.Nodes.Select(n => n.Label));
        // The op on cell edge 0 -> 1 feeds the ops on 1 -> 2 and 1 -> 3, not the one on 0 -> 3.
        Assert.Contains(new DiagramEdge(1, 3), d.Edges);
        Assert.Contains(new DiagramEdge(1, 5), d.Edges);
        Assert.DoesNotContain(new DiagramEdge(1, 4), d.Edges);
        // Through the score engine's edge-token view the same drawing comes out.
        var nb101 = SpaceRegistry.Get("nb101");
        var cell = nb101.Sample(new Random(5));
        Assert.Equal(DotDiagram.Write(CellDiagrams.Of(nb101, cell)), DotDiagram.Write(CellDiagrams.Of(EdgeTokenSpace.ForScoreEngine(nb101), cell)));
    }

    [Fact]
    public void OfaDrawsOnlyTheLayersThatExist()
    {
        var space = SpaceRegistry.Get("ofa_mbv3");
        var arch = (OfaArch)space.Sample(new Random(2));
        var d = CellDiagrams.Of(space, arch);
        Assert.DoesNotContain(d.Nodes, n => n.Label == "skip");
        Assert.Equal($"{arch.Resolution}x{arch.Resolution}", d.Nodes[0].Detail);
        Assert.Equal(arch.Depths.Sum(), d.OperationCount);
    }

    [Fact]
    public void ArchCommandWritesSvgAndDot()
    {
        using var tmp = new TempDir();
        string svg = tmp.File("figs", "cell.svg"), dot = tmp.File("cell.dot");
        // A string needs no table; the data directory is not given, so the command notes it and goes on.
        var (code, stdout, err) = CliRunner.Run("arch", "anb", "e6k3l1-e4k5l2-e6k3l3-e6k5l3-e6k5l2-e1k3l2-e1k3l2", "--svg", svg, "--dot", dot, "--json");
        Assert.True(code == 0, err);
        using var json = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.Equal(svg, json.RootElement.GetProperty("svg").GetString());
        Assert.Contains($"wrote {svg}", err);
        var doc = XDocument.Load(svg);
        Assert.Equal(1 + 2 + 3 + 3 + 2 + 2 + 2, WithClass(doc, SvgDiagram.OperationClass).Count());
        Assert.Equal(CellDiagrams.Dot(SpaceRegistry.Get("anb"), SpaceRegistry.Get("anb").Parse("e6k3l1-e4k5l2-e6k3l3-e6k5l3-e6k5l2-e1k3l2-e1k3l2")), File.ReadAllText(dot));
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void ArchCommandRefusesAnUnwritableDiagramPathBeforeWriting()
    {
        using var tmp = new TempDir();
        string blocker = tmp.File("blocker");
        File.WriteAllText(blocker, "a file, not a directory");
        string dot = tmp.File("cell.dot");
        var (code, _, err) = CliRunner.Run("arch", "nb201", "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", "--dot", dot, "--svg", Path.Combine(blocker, "cell.svg"));
        Assert.Equal(1, code);
        Assert.StartsWith("nag: error: --svg", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(dot), "the other diagram was written although the command failed");
        var same = CliRunner.Run("arch", "nb201", "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", "--dot", dot, "--svg", dot);
        Assert.Equal(1, same.Code);
        Assert.Contains("same file", same.Err);
    }

    [GeneratedRegex(@"^\s*(n\d+) \[")]
    private static partial Regex DotNode();

    [GeneratedRegex(@"^\s*(n\d+) -> (n\d+)")]
    private static partial Regex DotEdge();
}
