using NagSharp.Benchmarks;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>TransNAS-Bench-101 micro and macro spaces: string forms, encodings, rules, sampling; with data, the tables.</summary>
public sealed class TransNasSpaceTests
{
    private static readonly TnbMicroSpace Micro = new();
    private static readonly TnbMacroSpace Macro = new();

    [Theory]
    [InlineData("64-41414-3_33_333", new[] { 3, 3, 3, 3, 3, 3 })]
    [InlineData("(0, 0, 0, 3, 0, 0)", new[] { 0, 0, 0, 3, 0, 0 })]
    [InlineData("[1,2,0,3,1,2]", new[] { 1, 2, 0, 3, 1, 2 })]
    [InlineData("|skip_connect~0|+|nor_conv_1x1~0|none~1|+|nor_conv_3x3~0|skip_connect~1|nor_conv_1x1~2|", new[] { 1, 2, 0, 3, 1, 2 })]
    [InlineData("  64-41414-1_20_312\n", new[] { 1, 2, 0, 3, 1, 2 })]
    public void MicroParsesEveryFormIntoNb201EdgeOrder(string text, int[] ops)
    {
        var a = (TnbMicroArch)Micro.Parse(text);
        Assert.Equal(ops, a.Ops);
        Assert.Equal(a, Micro.Parse(a.ToString()));
        Assert.Equal(a, Micro.Parse(a.NaslibForm));
        Assert.StartsWith("64-41414-", a.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("(0, 0, 0, 3, 0)", "5 operations, expected 6")]
    [InlineData("(0, 0, 0, 4, 0, 0)", "edge 3: operation 4 is outside 0..3")]
    [InlineData("(0, 0, x, 3, 0, 0)", "item 2 'x' is not an integer")]
    [InlineData("64-41414-3_33_33", "node 3 group '33' has 2 digits")]
    [InlineData("64-41414-3_33", "2 '_'-separated node groups")]
    [InlineData("64-41414-3_43_333", "'4' is not an operation digit")]
    [InlineData("64-1234-3_33_333", "skeleton '64-1234' is not 64-41414")]
    [InlineData("|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", "operation 'avg_pool_3x3' is not in the micro space")]
    [InlineData("conv", "expected 64-41414-a_bc_def")]
    public void MicroRejectsMalformedStrings(string text, string expected)
    {
        var e = Assert.ThrowsAny<ArchFormatException>(() => Micro.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MicroContractOnTheWholeSpace()
    {
        var all = Micro.Enumerate().ToList();
        Assert.Equal(4096, all.Count);
        Assert.Equal(4096, all.Select(a => a.ToString()).Distinct().Count());
        SpaceContract.Check(Micro, all.Where((_, i) => i % 7 == 0));
        foreach (var a in all)
            Assert.Equal(a, Micro.TryDecode(Micro.Encode(a), out _));
        Assert.Equal(18, Micro.Neighbours(all[100]).Count);
        Assert.Equal(["input", "output", "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3"], Micro.NodeVocabulary);
    }

    [Fact]
    public void MicroCanonicalFormIsNb201sRule()
    {
        // An edge into a node whose inputs are all zero is dead: only the live conv on 0->3 matters.
        Assert.Equal(Micro.CanonicalForm(Micro.Parse("(0, 0, 0, 3, 0, 0)")), Micro.CanonicalForm(Micro.Parse("(0, 0, 3, 3, 0, 0)")));
        Assert.NotEqual(Micro.CanonicalForm(Micro.Parse("(0, 0, 0, 3, 0, 0)")), Micro.CanonicalForm(Micro.Parse("(0, 0, 0, 2, 0, 0)")));
        Assert.Equal(new Nb201Space().CanonicalForm(new Nb201Space().Parse("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|none~1|skip_connect~2|")),
            Micro.CanonicalForm(Micro.Parse("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|none~1|skip_connect~2|")));
    }

    [Fact]
    public void MicroDecodeRejectsBadGraphs()
    {
        var a = Micro.Parse("64-41414-3_33_333");
        SpaceContract.AssertInvalid(Micro, SpaceContract.Mutate(Micro, a, (t, _) => t[3] = 1), "expected an operation");
        SpaceContract.AssertInvalid(Micro, SpaceContract.Mutate(Micro, a, (t, _) => t[0] = 3), "node 0 is not the input");
        SpaceContract.AssertInvalid(Micro, SpaceContract.Mutate(Micro, a, (t, _) => t[7] = 0), "not the output");
        SpaceContract.AssertInvalid(Micro, SpaceContract.Mutate(Micro, a, (_, adj) => adj[0, 7] = true), "differs from the fixed");
        SpaceContract.AssertInvalid(Micro, SpaceContract.Mutate(Micro, a, (t, _) => t[2] = 9), "expected an operation");
    }

    [Fact]
    public void MacroEnumeratesExactlyTheBenchmarksSkeletons()
    {
        var all = Macro.Enumerate().Cast<TnbMacroArch>().ToList();
        Assert.Equal(3256, all.Count);
        Assert.Equal(3256, all.Select(a => a.ToString()).Distinct().Count());
        Assert.All(all, a => Assert.Null(TnbMacroSpace.Violation(a.Modules)));
        Assert.Equal(210, all.Count(a => a.Modules.Count == 4));
        Assert.Equal(750, all.Count(a => a.Modules.Count == 5));
        SpaceContract.Check(Macro, all.Where((_, i) => i % 5 == 0));
        foreach (var a in all) Assert.Equal(a, Macro.TryDecode(Macro.Encode(a), out _));
    }

    [Theory]
    [InlineData("64-1412-basic", new[] { 1, 4, 1, 2 })]
    [InlineData("(1, 4, 1, 2)", new[] { 1, 4, 1, 2 })]
    [InlineData("(4, 4, 4, 3, 1, 1)", new[] { 4, 4, 4, 3, 1, 1 })]
    public void MacroParsesBothForms(string text, int[] modules)
    {
        var a = (TnbMacroArch)Macro.Parse(text);
        Assert.Equal(modules, a.Modules);
        Assert.Equal(a, Macro.Parse(a.NaslibForm));
    }

    [Theory]
    [InlineData("64-1111-basic", "0 resolution halvings")]
    [InlineData("64-3333-basic", "0 channel doublings")]
    [InlineData("64-44441-basic", "4 channel doublings")]
    [InlineData("64-123-basic", "3 modules, expected 4..6")]
    [InlineData("64-1234123-basic", "7 modules")]
    [InlineData("64-1254-basic", "module 2 is 5")]
    [InlineData("32-1234-basic", "stem width '32'")]
    [InlineData("64-1234-bottleneck", "block type 'bottleneck'")]
    [InlineData("(1, 2, 3)", "3 modules")]
    public void MacroRejectsSkeletonsOutsideTheRules(string text, string expected)
    {
        var e = Assert.ThrowsAny<ArchFormatException>(() => Macro.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MacroEncodingMarksMissingModulesAbsentAndDecodeChecksTheRules()
    {
        var a = Macro.Parse("64-1412-basic");
        var g = Macro.Encode(a);
        var v = Macro.NodeVocabulary;
        Assert.Equal(["input", "plain", "downsample_double_channels", "plain", "double_channels", "absent", "absent", "output"], g.NodeTypes.Select(t => v[t]));
        int absent = Sym(v, "absent"), plain = Sym(v, "plain"), down = Sym(v, "downsample");
        SpaceContract.AssertInvalid(Macro, SpaceContract.Mutate(Macro, a, (t, _) => { t[2] = absent; }), "after an absent slot");
        SpaceContract.AssertInvalid(Macro, SpaceContract.Mutate(Macro, a, (t, _) => { t[2] = plain; }), "0 resolution halvings");
        SpaceContract.AssertInvalid(Macro, SpaceContract.Mutate(Macro, a, (t, _) => { t[4] = absent; }), "3 modules");
        Assert.NotNull(Macro.TryDecode(SpaceContract.Mutate(Macro, a, (t, _) => { t[5] = down; }), out _));
        SpaceContract.AssertInvalid(Macro, SpaceContract.Mutate(Macro, a, (t, _) => { t[0] = plain; }), "not the input");
    }

    private static int Sym(IReadOnlyList<string> vocabulary, string name) => vocabulary.ToList().IndexOf(name);

    [Fact]
    public void MacroNeighboursChangeInsertOrDeleteOneModule()
    {
        var a = (TnbMacroArch)Macro.Parse("64-1412-basic");
        var nb = Macro.Neighbours(a).Cast<TnbMacroArch>().ToList();
        Assert.Contains(nb, b => b.ToString() == "64-1432-basic");   // change
        Assert.Contains(nb, b => b.ToString() == "64-14312-basic");  // insert
        Assert.DoesNotContain(nb, b => b.Modules.Count == 3);        // cannot drop below 4
        Assert.All(nb, b => Assert.InRange(b.Modules.Count, 4, 5));
    }

    [Fact]
    public void MacroSamplingCoversTheSpaceUniformly()
    {
        var rng = new Random(3);
        var counts = new Dictionary<int, int>();
        for (int i = 0; i < 6000; i++)
        {
            int len = ((TnbMacroArch)Macro.Sample(rng)).Modules.Count;
            counts[len] = counts.GetValueOrDefault(len) + 1;
        }
        // Uniform over skeletons: lengths 4/5/6 in proportion 210/750/2296 of 3,256.
        Assert.InRange(counts[4] / 6000.0, 210 / 3256.0 - 0.02, 210 / 3256.0 + 0.02);
        Assert.InRange(counts[6] / 6000.0, 2296 / 3256.0 - 0.03, 2296 / 3256.0 + 0.03);
    }

    [SkippableFact]
    public void TablesLoadCompleteWithSevenTasks()
    {
        var micro = TestData.For("tnb101_micro");
        var macro = TestData.For("tnb101_macro");
        string[] tasks = ["autoencoder", "class_object", "class_scene", "jigsaw", "normal", "room_layout", "segmentsemantic"];
        Assert.Equal(tasks, micro.Columns);
        Assert.Equal(tasks, macro.Columns);
        Assert.Equal(4096, micro.Count);
        Assert.Equal(3256, macro.Count);
        Assert.Single(micro.Tables);
        Assert.Single(macro.Tables);
        // The micro table lists cells in base-4 digit order, which is the space's own enumeration order.
        Assert.Equal(Micro.Enumerate().Select(a => a.ToString()), micro.Keys.Select(k => micro.ArchOf(k).ToString()));
        // A cell whose only live edge is conv3x3 on 0->3 learns; the all-none cell does not.
        var live = Micro.Parse("(0, 0, 0, 3, 0, 0)");
        Assert.Equal(52.12480163574219, micro.Get(live, "class_scene")!.Value, 10);
        Assert.Equal(7.484076499938965, micro.Get(Micro.Parse("64-41414-0_00_000"), "class_scene")!.Value, 10);
        Assert.All(macro.ColumnEntries("room_layout"), e => Assert.True(e.Value < 0, "room_layout is a negated loss"));
        Assert.Equal(0.6171683669090271, macro.Get(Macro.Parse("64-111114-basic"), "autoencoder")!.Value, 10);
    }
}
