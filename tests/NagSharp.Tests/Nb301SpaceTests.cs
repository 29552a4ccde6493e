using NagSharp.Benchmarks;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>The DARTS / NAS-Bench-301 space: both string forms, the two-cell supernet encoding, validity, sampling,
/// neighbours, canonical form and costs; with data, the 1,218-row table (params/FLOPs exact) and the 11,221 genotypes.</summary>
public sealed class Nb301SpaceTests
{
    private static readonly Nb301Space Space = new();

    /// <summary>First row of the NB301 table: its DARTS string (node 3's inputs listed source 2 before 0) and compact form.</summary>
    private const string Row0Genotype = "Genotype(normal=[('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 2), ('sep_conv_3x3', 2), ('sep_conv_3x3', 0), ('dil_conv_5x5', 2), ('dil_conv_3x3', 3)], normal_concat=[2, 3, 4, 5], reduce=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('avg_pool_3x3', 1), ('dil_conv_3x3', 0), ('sep_conv_3x3', 2), ('skip_connect', 0), ('sep_conv_5x5', 4), ('avg_pool_3x3', 3)], reduce_concat=[2, 3, 4, 5])";
    private const string Row0Compact = "[[(0, 4), (1, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)], [(0, 3), (1, 3), (1, 1), (0, 5), (2, 3), (0, 2), (4, 4), (3, 1)]]";

    private static Nb301Arch P(string s) => (Nb301Arch)Space.Parse(s);

    [Fact]
    public void BothStringFormsGiveTheSameGenotypeWithInputsSortedBySource()
    {
        var g = P(Row0Genotype);
        var c = P(Row0Compact);
        Assert.Equal(g, c);
        Assert.Equal(new DartsEdge(0, 3), g.Normal[4]);   // node 4: (sep3, 2), (sep3, 0) sorted to source 0 first
        Assert.Equal(new DartsEdge(2, 3), g.Normal[5]);
        Assert.Equal(g, P(g.CompactForm));
        Assert.Equal(g, P(g.ToString()));
        Assert.Equal(g, P("(((0, 4), (1, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)), ((0, 3), (1, 3), (1, 1), (0, 5), (2, 3), (0, 2), (4, 4), (3, 1)))"));
        Assert.Equal(g, P(Row0Genotype.Replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(2, 6)", StringComparison.Ordinal)));
        Assert.StartsWith("Genotype(normal=[('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 2), ('sep_conv_3x3', 0), ('sep_conv_3x3', 2)", g.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("Genotype(normal=[('sep_conv_5x5', 0)], reduce=[])", "normal cell: 1 inputs, expected 8")]
    [InlineData("[[(0, 4), (1, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)]]", "1 cells, expected 2")]
    [InlineData("[[(0, 4), (0, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)], [(0, 3), (1, 3), (1, 1), (0, 5), (2, 3), (0, 2), (4, 4), (3, 1)]]", "both inputs come from node 0")]
    [InlineData("[[(0, 4), (2, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)], [(0, 3), (1, 3), (1, 1), (0, 5), (2, 3), (0, 2), (4, 4), (3, 1)]]", "node 2: source 2 is outside 0..1")]
    [InlineData("[[(0, 7), (1, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)], [(0, 3), (1, 3), (1, 1), (0, 5), (2, 3), (0, 2), (4, 4), (3, 1)]]", "operation 7 is outside 0..6")]
    [InlineData("[[(0, x), (1, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)], [(0, 3), (1, 3), (1, 1), (0, 5), (2, 3), (0, 2), (4, 4), (3, 1)]]", "is not (source, op)")]
    [InlineData("[[(0, 4), (1, 3)", "is not a bracketed list")]
    [InlineData("[[(0, 4), (1, 3)]", "unbalanced")]
    [InlineData("Genotype(normal=[('conv_7x7', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 2), ('sep_conv_3x3', 2), ('sep_conv_3x3', 0), ('dil_conv_5x5', 2), ('dil_conv_3x3', 3)], reduce=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('avg_pool_3x3', 1), ('dil_conv_3x3', 0), ('sep_conv_3x3', 2), ('skip_connect', 0), ('sep_conv_5x5', 4), ('avg_pool_3x3', 3)])", "unknown operation 'conv_7x7'")]
    [InlineData("Genotype(normal=[('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 2), ('sep_conv_3x3', 2), ('sep_conv_3x3', 0), ('dil_conv_5x5', 2), ('dil_conv_3x3', 3)], normal_concat=[2, 5])", "normal_concat is [2, 5]")]
    [InlineData("Genotype(normal=[('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 2), ('sep_conv_3x3', 2), ('sep_conv_3x3', 0), ('dil_conv_5x5', 2), ('dil_conv_3x3', 3)])", "missing field 'reduce'")]
    [InlineData("Genotype(normal=[], colour=[])", "unknown field 'colour'")]
    [InlineData("sep_conv_3x3", "expected Genotype(")]
    public void MalformedStringsAreRefusedWithTheReason(string text, string expected)
    {
        var e = Assert.ThrowsAny<ArchFormatException>(() => Space.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ContractOnSamples()
    {
        var samples = SpaceContract.Samples(Space, 60);
        SpaceContract.Check(Space, samples.Append(P(Row0Genotype)));
        Assert.Equal(22, Space.MaxNodes);
        Assert.Equal(2 + 5 * 7, Space.NodeVocabulary.Count);
        Assert.True(samples.Select(a => a.ToString()).Distinct().Count() > 55);
    }

    [Fact]
    public void EncodingGivesEachInputASlotAndLinksTheCells()
    {
        var a = P(Row0Genotype);
        var g = Space.Encode(a);
        var v = Space.NodeVocabulary;
        // Normal cell: inputs 0, 1, then node 2's two slots, node 3's, ... then the output (node 10); reduce from node 11.
        Assert.Equal("input", v[g.NodeTypes[0]]);
        Assert.Equal(["sep_conv_5x5~0", "sep_conv_3x3~1", "skip_connect~0", "sep_conv_3x3~2", "sep_conv_3x3~0", "sep_conv_3x3~2", "dil_conv_5x5~2", "dil_conv_3x3~3"],
            g.NodeTypes[2..10].Select(t => v[t]));
        Assert.Equal("output", v[g.NodeTypes[10]]);
        Assert.Equal("sep_conv_5x5~4", v[g.NodeTypes[11 + 2 + 7]]);   // reduce node 5, second input: ('sep_conv_5x5', 4)
        // Possible data flow: both inputs feed every slot; node 2's slots feed node 3's, not the other way; all reach the output.
        Assert.True(g.Adjacency[0, 9] && g.Adjacency[1, 2]);
        Assert.True(g.Adjacency[2, 4] && g.Adjacency[3, 9]);
        Assert.False(g.Adjacency[2, 3]);   // the two slots of one node do not feed each other
        Assert.True(g.Adjacency[2, 10]);
        Assert.True(g.Adjacency[1, 11] && g.Adjacency[10, 12]);   // normal c_{k-1} -> reduce c_{k-2}; normal output -> reduce c_{k-1}
    }

    [Fact]
    public void DecodeNeedsSourcesBelowTheNodeAndDistinct()
    {
        var a = P(Row0Genotype);
        var v = Space.NodeVocabulary.ToList();
        int Sym(string s) => v.IndexOf(s);
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[2] = Sym("sep_conv_3x3~2")), "reads node 2, not below 2");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[3] = Sym("sep_conv_3x3~0")), "normal cell node 2 reads node 0 twice");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[11 + 8] = Sym("max_pool_3x3~4")), "reduce cell node 5 reads node 4 twice");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[11] = Sym("sep_conv_3x3~0")), "reduce input 0");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[21] = Sym("input")), "reduce output");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[5] = Sym("output")), "expected op~source");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (_, adj) => adj[0, 21] = true), "differs from the fixed");
        // Either order of a node's two slots decodes to the same genotype; moving an input to a free source is a neighbour.
        var swapped = Space.TryDecode(SpaceContract.Mutate(Space, a, (t, _) => (t[2], t[3]) = (t[3], t[2])), out var r1);
        Assert.Null(r1);
        Assert.Equal(a, swapped);
        var moved = Space.TryDecode(SpaceContract.Mutate(Space, a, (t, _) => t[4] = Sym("skip_connect~1")), out var r2);
        Assert.Null(r2);
        Assert.Contains(moved, Space.Neighbours(a));
    }

    [Fact]
    public void SamplingDrawsDistinctSourcesUniformly()
    {
        var rng = new Random(5);
        var fromInputs = 0;
        int total = 0;
        for (int i = 0; i < 3000; i++)
        {
            var a = (Nb301Arch)Space.Sample(rng);
            var last = a.Normal.Skip(6).ToArray();   // node 5: two of {0, ..., 4}
            Assert.NotEqual(last[0].Source, last[1].Source);
            fromInputs += last.Count(e => e.Source < 2);
            total += 2;
        }
        Assert.InRange(fromInputs / (double)total, 0.4 - 0.03, 0.4 + 0.03);   // 2 of 5 sources
    }

    [Fact]
    public void NeighboursChangeOneOperationOrOneSource()
    {
        var a = P(Row0Genotype);
        var nb = Space.Neighbours(a).Cast<Nb301Arch>().ToList();
        // 16 inputs x 6 other operations, plus source moves: node 2 has none, node 3 one per input, node 4 two, node 5 three.
        Assert.Equal(2 * (8 * 6 + 0 + 2 * 1 + 2 * 2 + 2 * 3), nb.Count);
        foreach (var b in nb)
        {
            int diff = a.Normal.Zip(b.Normal).Count(p => p.First != p.Second) + a.Reduce.Zip(b.Reduce).Count(p => p.First != p.Second);
            Assert.InRange(diff, 1, 2);   // re-sorting a node can swap its two entries
        }
    }

    [Fact]
    public void CanonicalFormIgnoresInputOrderAndNodeOrder()
    {
        var a = P("[[(0, 3), (1, 3), (0, 4), (1, 4), (2, 0), (3, 1), (0, 2), (1, 2)], [(0, 3), (1, 3), (0, 4), (1, 4), (2, 0), (3, 1), (0, 2), (1, 2)]]");
        // Swap nodes 2 and 3 (both read only the inputs), renumbering their consumers.
        var b = P("[[(0, 4), (1, 4), (0, 3), (1, 3), (3, 0), (2, 1), (0, 2), (1, 2)], [(0, 3), (1, 3), (0, 4), (1, 4), (2, 0), (3, 1), (0, 2), (1, 2)]]");
        Assert.NotEqual(a, b);
        Assert.Equal(Space.CanonicalForm(a), Space.CanonicalForm(b));
        var c = P("[[(0, 4), (1, 4), (0, 3), (1, 3), (2, 0), (3, 1), (0, 2), (1, 2)], [(0, 3), (1, 3), (0, 4), (1, 4), (2, 0), (3, 1), (0, 2), (1, 2)]]");
        Assert.NotEqual(Space.CanonicalForm(a), Space.CanonicalForm(c));
    }

    [Fact]
    public void CostsFollowTheNetworkSettings()
    {
        var a = P(Row0Genotype);
        var c = Space.ComputeCosts(a, new CostOptions());
        Assert.Equal(1.204906, c["params_M"], 9);
        Assert.Equal(202.774016, c["flops_M"], 9);
        Assert.Equal(c["params_M"], Space.ComputeCosts(a, new CostOptions(Classes: 10, InputSize: 32, Width: 32, CellsPerStage: 2))["params_M"], 12);
        Assert.Equal(c["params_M"] + 90 * 513 / 1e6, Space.ComputeCosts(a, new CostOptions(Classes: 100))["params_M"], 9);
        Assert.True(Space.ComputeCosts(a, new CostOptions(Width: 36, CellsPerStage: 6))["params_M"] > 3);
        Assert.Equal(c["params_M"], Space.ComputeCosts(a, new CostOptions(InputSize: 64))["params_M"], 12);
        Assert.True(Space.ComputeCosts(a, new CostOptions(InputSize: 64))["flops_M"] > 3.9 * c["flops_M"]);
        Assert.Throws<NagUserException>(() => Space.ComputeCosts(a, new CostOptions(InputSize: 30)));
        Assert.Throws<NagUserException>(() => Space.ComputeCosts(a, new CostOptions(Width: 1)));
    }

    [SkippableFact]
    public void TableCostsAreExactAndTheCompactColumnAgrees()
    {
        var data = TestData.For("nb301");
        Assert.Equal(["val_accuracy", "flops_M", "params_M"], data.Columns);
        Assert.Equal(1218, data.Count);
        var table = data.Tables.Single();
        foreach (var r in CostCheck.Run(data, new CostOptions()))
        {
            Assert.Equal(1218, r.Rows);
            Assert.True(r.MaxRelativeError < 1e-9, $"{r.Column}: {r.MaxRelativeError} at {r.WorstArch}");
            Assert.Equal(10, r.Classes);
        }
        // The text column holds the same genotype in NASLib's compact form on every row.
        var compact = Csv.Read(table.Path).Skip(1).Select(rec => rec.Fields[0]).ToArray();
        for (int row = 0; row < compact.Length; row++) Assert.Equal(table.Archs[row], Space.Parse(compact[row]));
        Assert.Equal(93.90106806339374, data.Get(P(Row0Compact), "val_accuracy")!.Value, 10);
    }

    [SkippableFact]
    public void TheTrainingGenotypesLoadAsAnUnlabelledList()
    {
        var list = ArchLists.Load(Space, TestData.RequireDir());
        Assert.Equal(11221, list.Count);
        Assert.Equal(11221, list.Select(a => a.ToString()).Distinct().Count());
        var table = TestData.For("nb301");
        Assert.DoesNotContain(list, a => table.KeyOf(a) is not null);   // disjoint from the labelled subset
    }

    [Fact]
    public void BadListFilesAreDataErrorsNamingFileAndEntry()
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "nb301");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "list.json"), "{\"0\": \"" + Row0Compact + "\", \"1\": \"[[(0, 9)]]\"}");
        var e = Assert.Throws<NagDataException>(() => ArchLists.Load(Space, dir.Path));
        Assert.Contains("list.json: entry \"1\"", e.Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "list.json"), "[\"" + Row0Compact + "\", 3]");
        e = Assert.Throws<NagDataException>(() => ArchLists.Load(Space, dir.Path));
        Assert.Contains("entry [1]: expected an architecture string", e.Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "list.json"), "[\"" + Row0Compact + "\"");
        Assert.Contains("not valid JSON", Assert.Throws<NagDataException>(() => ArchLists.Load(Space, dir.Path)).Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "list.json"), "[\"" + Row0Compact + "\"]");
        Assert.Single(ArchLists.Load(Space, dir.Path));
    }
}
