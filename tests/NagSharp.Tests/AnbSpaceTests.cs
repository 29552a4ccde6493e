using NagSharp.Benchmarks;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>Accel-NASBench: both string forms, the block-chain encoding, rules, neighbours, costs; with data, the table
/// (keyed with repeated architectures and missing device figures) and exact params/MACs.</summary>
public sealed class AnbSpaceTests
{
    private static readonly AnbSpace Space = new();

    /// <summary>Row 0 of the table (id 0; trained again as id 443).</summary>
    private const string Row0 = "e6k3l1-e4k5l2-e6k3l3-e6k5l3-e6k5l2-e1k3l2-e1k3l2";
    private const string Row0Table = "6,3,1,0,4,5,2,0,6,3,3,0,6,5,3,0,6,5,2,0,1,3,2,0,1,3,2,0";

    [Fact]
    public void BothFormsParseToTheSameNetwork()
    {
        var a = (AnbArch)Space.Parse(Row0);
        Assert.Equal(a, Space.Parse(Row0Table));
        Assert.Equal(Row0Table, a.TableForm);
        Assert.Equal(Row0, a.ToString());
        var se = (AnbArch)Space.Parse("e1k5l3se-e4k3l1-e6k5l2se-e1k3l1-e4k5l3-e6k3l4se-e1k5l1");
        Assert.True(se.Blocks[0].Se);
        Assert.Equal(4, se.Blocks[5].Layers);
        Assert.Equal(Space.Parse("6,3,1,true,4,5,2,false,6,3,3,0,6,5,3,0,6,5,2,0,1,3,2,0,1,3,2,0"), Space.Parse("e6k3l1se-e4k5l2-e6k3l3-e6k5l3-e6k5l2-e1k3l2-e1k3l2"));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("e6k3l1-e4k5l2", "2 blocks, expected 7")]
    [InlineData("e6k3l1-e4k5l2-e6k3l3-e6k5l3-e6k5l2-e1k3l2-e1k7l2", "block 6: kernel 7")]
    [InlineData("e6k3l1-e4k5l2-e6k3l3-e6k5l3-e6k5l2-e1k3l2-e2k3l2", "block 6: expansion 2")]
    [InlineData("e6k3l4-e4k5l2-e6k3l3-e6k5l3-e6k5l2-e1k3l2-e1k3l2", "block 0: 4 layers, expected 1..3")]
    [InlineData("e6k3l1-e4k5l2-e6k3l3-e6k5l3-e6k5l2-e1k3l5-e1k3l2", "block 5: 5 layers, expected 1..4")]
    [InlineData("e6k3l1-e4k5l2-e6k3l3-e6k5l3-e6k5l2-e1k3l2-x", "block 6 'x' is not of the form")]
    [InlineData("6,3,1,0,4,5,2,0", "8 values, expected 28")]
    [InlineData("6,3,1,2,4,5,2,0,6,3,3,0,6,5,3,0,6,5,2,0,1,3,2,0,1,3,2,0", "block0_se '2'")]
    [InlineData("6,3,x,0,4,5,2,0,6,3,3,0,6,5,3,0,6,5,2,0,1,3,2,0,1,3,2,0", "block0_l 'x' is not an integer")]
    public void MalformedStringsAreRefused(string text, string expected)
    {
        var e = Assert.ThrowsAny<ArchFormatException>(() => Space.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ContractAndRules()
    {
        var samples = SpaceContract.Samples(Space, 100);
        SpaceContract.Check(Space, samples);
        Assert.Equal(2 + 48, Space.NodeVocabulary.Count);
        Assert.Equal(43, Space.Neighbours(samples[0]).Count);
        Assert.Contains(samples, a => ((AnbArch)a).Blocks[5].Layers == 4);
        var a = Space.Parse(Row0);
        int deep = Space.NodeVocabulary.ToList().IndexOf("e6k3l4se");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[1] = deep), "block 0) is e6k3l4se: 4 layers, expected 1..3");
        Assert.NotNull(Space.TryDecode(SpaceContract.Mutate(Space, a, (t, _) => t[6] = deep), out _));
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[3] = 0), "expected a block");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[8] = deep), "not the output");
    }

    [Fact]
    public void CostsOfTheStandardNetworkAndOptions()
    {
        var a = Space.Parse(Row0);
        var c = Space.ComputeCosts(a, new CostOptions());
        Assert.Equal(2.50116, c["params_M"], 9);
        Assert.Equal(415.361072, c["macs_M"], 9);
        Assert.Equal(c["params_M"] - 990 * 1281 / 1e6, Space.ComputeCosts(a, new CostOptions(Classes: 10))["params_M"], 9);
        Assert.True(Space.ComputeCosts(a, new CostOptions(InputSize: 160))["macs_M"] < 0.6 * c["macs_M"]);
        Assert.Throws<NagUserException>(() => Space.ComputeCosts(a, new CostOptions(Width: 16)));
        var withSe = Space.Parse("e6k3l1se-e4k5l2-e6k3l3-e6k5l3-e6k5l2-e1k3l2-e1k3l2");
        Assert.True(Space.ComputeCosts(withSe, new CostOptions())["params_M"] > c["params_M"]);
    }

    [SkippableFact]
    public void TableLoadsWithRepeatsAndMissingFiguresAndExactCosts()
    {
        var data = TestData.For("anb");
        Assert.Equal(5138, data.Keys.Count());
        Assert.Equal(5138 - 13, data.Count);
        var a = Space.Parse(Row0);
        Assert.Equal([0, 443], data.KeysOf(a));
        Assert.Equal(59.368, data.MetricsOfKey(0)["val_top1"], 9);
        Assert.NotEqual(data.MetricsOfKey(0)["val_top1"], data.MetricsOfKey(443)["val_top1"]);
        // Row id 9 (line 11) has no zcu102 latency: the column skips it, the other columns keep it.
        Assert.False(data.MetricsOfKey(9).ContainsKey("latency_zcu102"));
        Assert.True(data.MetricsOfKey(9).ContainsKey("val_top1"));
        Assert.Equal(5138 - 2, data.ColumnEntries("latency_zcu102").Count());
        Assert.Equal(5138 - 44, data.ColumnEntries("throughput_tpuv3").Count());
        foreach (var r in CostCheck.Run(data, new CostOptions()))
        {
            Assert.True(r.MaxRelativeError < 1e-9, $"{r.Column}: {r.MaxRelativeError} at {r.WorstArch}");
            Assert.Equal(1000, r.Classes);
            Assert.Equal(5138, r.Rows);
        }
    }

    [Fact]
    public void MissingCellsAreStillErrorsWhereTheLayoutDoesNotAllowThem()
    {
        using var dir = new TempDir();
        string path = dir.File("nb201", "t.csv");
        File.WriteAllText(path, "index,arch_str,acc\n0,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,\n");
        var e = Assert.Throws<NagDataException>(() => MetricTable.Load(path, new Nb201Space(), new TableLayout("nb201", "index", "arch_str", false)));
        Assert.Contains("t.csv:2: column 'acc': empty cell", e.Message, StringComparison.Ordinal);
        var t = MetricTable.Load(path, new Nb201Space(), new TableLayout("nb201", "index", "arch_str", false) { MissingValues = true });
        Assert.True(double.IsNaN(t.Value(0, 0)));
    }
}
