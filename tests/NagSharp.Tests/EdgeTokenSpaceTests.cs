using NagSharp.Diffusion;
using NagSharp.Diffusion.Score;
using NagSharp.Graphs;
using NagSharp.Models;
using NagSharp.Spaces;
using TorchSharp;

namespace NagSharp.Tests;

/// <summary>The score engine's edge-token view of spaces whose topology varies.</summary>
[Collection(TorchCollection.Name)]
public sealed class EdgeTokenSpaceTests
{
    public static TheoryData<string> FreeSpaces => new(SpaceRegistry.Spaces.Where(s => s.FixedAdjacency is null).Select(s => s.Name));

    [Theory]
    [MemberData(nameof(FreeSpaces))]
    public void KeepsTheSpaceContractWithAFixedTopologicalWiring(string name)
    {
        var inner = SpaceRegistry.Get(name);
        var space = new EdgeTokenSpace(inner);
        int n = inner.MaxNodes;
        Assert.Equal(n + n * (n - 1) / 2, space.MaxNodes);
        Assert.Equal(inner.NodeVocabulary.Count + 3, space.NodeVocabulary.Count);
        var adj = space.FixedAdjacency!;
        // Every token has one input (its source node) and one output (its target node); every node also links to every
        // later node directly.
        int edges = 0;
        var isToken = new bool[space.MaxNodes];
        for (int i = 0; i < space.MaxNodes; i++) for (int j = 0; j < space.MaxNodes; j++) if (adj[i, j]) { Assert.True(i < j); edges++; }
        Assert.Equal(n * (n - 1) + n * (n - 1) / 2, edges);
        for (int t = 0; t < space.MaxNodes; t++)
        {
            int ins = Enumerable.Range(0, space.MaxNodes).Count(i => adj[i, t]), outs = Enumerable.Range(0, space.MaxNodes).Count(j => adj[t, j]);
            isToken[t] = ins == 1 && outs == 1 && Enumerable.Range(0, space.MaxNodes).Any(i => adj[i, t] && Enumerable.Range(0, space.MaxNodes).Any(j => adj[t, j] && adj[i, j]));
        }
        Assert.Equal(n * (n - 1) / 2, isToken.Count(v => v));
        // The score loss weighs node slots and edge tokens equally as groups, at a mean weight of 1.
        var w = space.LossRowWeights();
        Assert.Equal(1.0, w.Average(), 5);
        Assert.Equal(Enumerable.Range(0, w.Length).Where(t => isToken[t]).Sum(t => (double)w[t]),
            Enumerable.Range(0, w.Length).Where(t => !isToken[t]).Sum(t => (double)w[t]), 3);
        SpaceContract.Check(space, SpaceContract.Samples(inner, 30));
        // Absent slots are a symbol, not an all-zero row: the score engine's decoding needs one symbol per row.
        Assert.DoesNotContain(-1, space.Encode(inner.Sample(new Random(2))).NodeTypes);
        // Encodings only use the symbols their slot can hold, and each slot can hold more than one.
        var allowed = space.AllowedSymbols();
        foreach (var a in SpaceContract.Samples(inner, 30))
        {
            var types = space.Encode(a).NodeTypes;
            for (int slot = 0; slot < types.Length; slot++) Assert.True(allowed[slot, types[slot]], $"slot {slot} holds disallowed symbol {types[slot]}");
        }
        // A token holds either edge symbol; a node slot whatever the inner space's slot roles allow (any node symbol or
        // absence when it declares none).
        var roles = (inner as ISlotRoles)?.SlotSymbols();
        for (int slot = 0, node = 0; slot < space.MaxNodes; slot++)
        {
            int count = Enumerable.Range(0, space.NodeVocabulary.Count).Count(k => allowed[slot, k]);
            if (isToken[slot]) Assert.Equal(2, count);
            else Assert.Equal(roles is null ? inner.NodeVocabulary.Count + 1 : Enumerable.Range(0, inner.NodeVocabulary.Count + 1).Count(k => roles[node, k]), count);
            if (!isToken[slot]) node++;
        }
        Assert.Same(space, EdgeTokenSpace.ForScoreEngine(space));
        Assert.Same(SpaceRegistry.Get("nb201"), EdgeTokenSpace.ForScoreEngine(SpaceRegistry.Get("nb201")));
    }

    [Theory]
    [MemberData(nameof(FreeSpaces))]
    public void RandomTokenGraphsDecodeOrGiveAReason(string name)
    {
        var space = new EdgeTokenSpace(SpaceRegistry.Get(name));
        var rng = new Random(5);
        int f = space.NodeVocabulary.Count, valid = 0;
        var a = space.Inner.Sample(rng);
        for (int trial = 0; trial < 300; trial++)
        {
            // Half the trials flip a few slots of a valid encoding, half draw every slot at random.
            var types = trial % 2 == 0 ? (int[])space.Encode(a).NodeTypes.Clone() : Enumerable.Range(0, space.MaxNodes).Select(_ => rng.Next(f)).ToArray();
            for (int k = 0; k < 3; k++) types[rng.Next(types.Length)] = rng.Next(f);
            var arch = space.TryDecode(new ArchGraph(types, space.FixedAdjacency!), out var reason);
            if (arch is null) Assert.False(string.IsNullOrEmpty(reason));
            else { valid++; Assert.Equal(arch, space.Parse(arch.ToString())); }
        }
        var bad = (int[])space.Encode(a).NodeTypes.Clone();
        bad[0] = f - 2;   // an edge symbol where a node belongs
        SpaceContract.AssertInvalid(space, new ArchGraph(bad, space.FixedAdjacency!), "holds an edge symbol");
    }

    [Fact]
    public void ScoreEngineTrainsAndSamplesAFreeTopologySpaceThroughTokens()
    {
        var inner = new Nb101Space();
        var rng = new Random(0);
        var set = Enumerable.Range(0, 64).Select(_ => inner.Sample(rng).ToString()).Distinct().ToList();
        using var gen = new ScoreGenerator(inner, new SdeConfig(), NetworkConfig.Preset("tiny") with { Layers = 1 }, new TrainConfig(Steps: 3, Batch: 8, Seed: 0), set);
        Assert.IsType<EdgeTokenSpace>(gen.Space);
        gen.TrainToEnd();
        using var x = gen.Sample(6, new SamplerConfig(Steps: 3, CorrectorSteps: 0), seed: 1);
        Assert.Equal(new long[] { 6, gen.Space.MaxNodes, gen.Space.NodeVocabulary.Count }, x.shape);
        // Entries a slot can never hold are pinned: exactly -1 in every sample, free entries are not.
        Assert.NotNull(gen.Pins);
        using (var pinned = x.masked_select(gen.Pins!.Allowed.expand_as(x).eq(0)))
            Assert.True(pinned.eq(-1).all().item<bool>());
        using (var free = x.masked_select(gen.Pins.Allowed.expand_as(x).eq(1)))
            Assert.False(free.eq(-1).all().item<bool>());
        var decoded = GraphCodec.Decode(gen.Space, x);
        Assert.Equal(6, decoded.Length);
        Assert.All(decoded, d => Assert.True(d.Arch is not null || !string.IsNullOrEmpty(d.Reason)));
        // A checkpoint of a token-view generator loads back into the same view and samples the same.
        string path = Path.Combine(Path.GetTempPath(), "nagsharp-edge-" + Guid.NewGuid().ToString("N") + ".ckpt");
        try
        {
            gen.Save(path);
            using var again = ScoreGenerator.Load(path);
            Assert.IsType<EdgeTokenSpace>(again.Space);
            using var y = again.Sample(6, new SamplerConfig(Steps: 3, CorrectorSteps: 0), seed: 1);
            Assert.True(x.equal(y).all().item<bool>());
            Assert.NotNull(again.Pins);
            // A checkpoint written before pins existed (no "symbol_pins" field) samples as it was trained: unpinned.
            using var old = OldCheckpoints.LoadWithout(path, "symbol_pins");
            Assert.Null(old.Pins);
        }
        finally { File.Delete(path); }
        // A noise-aware predictor of the same space reads the same token graph.
        using var pred = new NoiseAwarePredictor(inner, new SdeConfig(), NetworkConfig.Preset("tiny") with { Layers = 1 }, new TrainConfig(Steps: 2, Batch: 4), "x");
        Assert.IsType<EdgeTokenSpace>(pred.Space);
    }

    [Fact]
    public void InDegreeDecodingGivesAnOperationTheInputCountTheDataShows()
    {
        var (inner, set) = NlpTrainingSet(1, 300);
        using var gen = Untrained(inner, set);
        var tokens = Assert.IsType<EdgeTokenSpace>(gen.Space);
        // A training cell with a blend (always 3 inputs in the data), encoded cleanly.
        var arch = set.Select(inner.Parse).First(a => ((NlpArch)a).Nodes.Any(nd => nd.Op == 1));
        var g = inner.Encode(arch);
        int blend = Enumerable.Range(0, g.NodeCount).First(j => g.NodeTypes[j] >= 0 && inner.NodeVocabulary[g.NodeTypes[j]].StartsWith("blend", StringComparison.Ordinal));
        int input = Enumerable.Range(0, blend).First(i => g.Adjacency[i, blend]);
        using var clean = GraphCodec.Encode(tokens, [arch]);   // [1, slots, F] in {-1, +1}
        Assert.Equal(inner.CanonicalForm(arch), inner.CanonicalForm(gen.Decode(clean)[0].Arch!));

        // One of its three edges comes out just below the threshold: thresholding gives the blend two inputs, the joint
        // choice its three.
        using var weak = clean.clone();
        int row = tokens.TokenSlot(input, blend);
        weak[0, row, tokens.EdgeSymbol] = -0.1f;
        weak[0, row, tokens.NoEdgeSymbol] = 0.1f;
        RepairedOnlyWith(on => gen.InDegreeDecoding = on, gen, weak, inner, arch, "expected 3");

        // A pair the data never links (an unused slot, or x, into an h_new marker) is no candidate, however strong.
        int hNew = Enumerable.Range(0, g.NodeCount).First(j => inner.NodeVocabulary[g.NodeTypes[j]] == "h_new_0");
        using var stray = clean.clone();
        int fromX = tokens.TokenSlot(0, hNew);
        stray[0, fromX, tokens.EdgeSymbol] = 1f;
        stray[0, fromX, tokens.NoEdgeSymbol] = -1f;
        Assert.Equal(inner.CanonicalForm(arch), inner.CanonicalForm(gen.Decode(stray)[0].Arch!));
    }

    [Fact]
    public void CoupledSlotsAreTheSlotsThatDetermineEachOther()
    {
        static ArchGraph G(params int[] types) => new(types, new bool[types.Length, types.Length]);
        // Slot 0 is constant, slots 1 and 3 always go together (5 <-> 7, -1 <-> -1), slot 2 varies on its own, slot 4
        // follows slot 1 one way only (-1 in slot 4 comes with both 5 and -1 in slot 1).
        var coupled = new CoupledSlots([G(0, 5, 1, 7, 2), G(0, -1, 1, -1, -1), G(0, 5, 2, 7, -1), G(0, -1, 2, -1, -1)], 5);
        var group = Assert.Single(coupled.Groups);
        Assert.Equal(new[] { 1, 3 }, group);
        Assert.Equal(new[] { new[] { 5, 7 }, new[] { -1, -1 } }, coupled.Tuples(0));
        // Slot 1 says 5 weakly, slot 3 says absent strongly (its 7 entry well below zero): absent wins for both.
        Assert.Equal(new[] { -1, -1 }, coupled.Nearest(0, (slot, symbol) => slot == 1 ? 0.2 : -0.9));
        Assert.Equal(new[] { 5, 7 }, coupled.Nearest(0, (slot, symbol) => slot == 1 ? 0.9 : -0.2));
        Assert.Empty(new CoupledSlots([G(0, 1), G(0, 2)], 2).Groups);
    }

    [Fact]
    public void CoupledSlotDecodingPairsAStatesInputAndOutput()
    {
        var (inner, set) = NlpTrainingSet(3, 400);
        using var gen = Untrained(inner, set);
        var tokens = Assert.IsType<EdgeTokenSpace>(gen.Space);
        var arch = set.Select(inner.Parse).First(a => inner.Encode(a).NodeTypes.Any(t => t >= 0 && inner.NodeVocabulary[t] == "h_new_1"));
        var g = inner.Encode(arch);
        int marker = Enumerable.Range(0, g.NodeCount).First(j => g.NodeTypes[j] >= 0 && inner.NodeVocabulary[g.NodeTypes[j]] == "h_new_1");
        int unused = Enumerable.Range(0, inner.NodeVocabulary.Count).First(k => inner.NodeVocabulary[k] == "unused");
        using var clean = GraphCodec.Encode(tokens, [arch]);   // [1, slots, F] in {-1, +1}
        // The h_new_1 marker comes out weakly `unused` while h_prev_1 stays strongly present and read.
        using var weak = clean.clone();
        weak[0, tokens.NodeSlot(marker), g.NodeTypes[marker]] = -0.1f;
        weak[0, tokens.NodeSlot(marker), unused] = 0.1f;
        RepairedOnlyWith(on => gen.CoupledSlotDecoding = on, gen, weak, inner, arch, "there is no h_new_1");

        // An operation slot with no entry above the threshold: every training graph fills it (`unused` included), so
        // its largest entry is read instead of failing the sample.
        int op = Enumerable.Range(0, g.NodeCount).First(j => inner.NodeVocabulary[g.NodeTypes[j]].StartsWith("linear", StringComparison.Ordinal)
            || inner.NodeVocabulary[g.NodeTypes[j]].StartsWith("activation", StringComparison.Ordinal));
        using var faint = clean.clone();
        faint[0, tokens.NodeSlot(op), g.NodeTypes[op]] = -0.2f;
        RepairedOnlyWith(on => gen.CoupledSlotDecoding = on, gen, faint, inner, arch, "0 entries above");
    }

    [Fact]
    public void ASymbolNoDataInDegreeFitsGivesWayToTheNextThatFits()
    {
        var (inner, set) = NlpTrainingSet(4, 400);
        using var gen = Untrained(inner, set);
        var tokens = Assert.IsType<EdgeTokenSpace>(gen.Space);
        string Name(ArchGraph g, int j) => inner.NodeVocabulary[g.NodeTypes[j]];
        // A one-state cell whose first operation is an activation: before it come only x and h_prev_0, too few for a blend.
        var arch = set.Select(inner.Parse).First(a =>
        {
            var g = inner.Encode(a);
            return !g.NodeTypes.Where(t => t >= 0).Select(t => inner.NodeVocabulary[t]).Contains("h_new_1") && Name(g, 4).StartsWith("activation", StringComparison.Ordinal);
        });
        var graph = inner.Encode(arch);
        int blend = inner.NodeVocabulary.ToList().IndexOf("blend_g0_ab");
        using var clean = GraphCodec.Encode(tokens, [arch]);   // [1, slots, F] in {-1, +1}
        using var odd = clean.clone();
        odd[0, tokens.NodeSlot(4), blend] = 1f;                    // the blend is the largest entry ...
        odd[0, tokens.NodeSlot(4), graph.NodeTypes[4]] = 0.5f;     // ... the activation the next
        RepairedOnlyWith(on => gen.InDegreeDecoding = on, gen, odd, inner, arch, "expected 3");
    }

    // Distinct uniform NAS-Bench-NLP cells, and a score generator on them whose decoding (not its network) is under test.
    private static (NlpSpace Inner, List<string> Set) NlpTrainingSet(int seed, int cells)
    {
        var inner = new NlpSpace();
        var rng = new Random(seed);
        return (inner, Enumerable.Range(0, cells).Select(_ => inner.Sample(rng).ToString()).Distinct().ToList());
    }

    private static ScoreGenerator Untrained(ISearchSpace inner, List<string> set) =>
        new(inner, new SdeConfig(), NetworkConfig.Preset("tiny") with { Layers = 1 }, new TrainConfig(Steps: 1, Batch: 4), set);

    // With the decoding switched off the sample fails as `failure` says; switched on, it decodes to `expected`.
    private static void RepairedOnlyWith(Action<bool> decoding, ScoreGenerator gen, torch.Tensor sample, ISearchSpace inner, Arch expected, string failure)
    {
        decoding(false);
        var off = gen.Decode(sample)[0];
        Assert.Null(off.Arch);
        Assert.Contains(failure, off.Reason);
        decoding(true);
        Assert.Equal(inner.CanonicalForm(expected), inner.CanonicalForm(gen.Decode(sample)[0].Arch!));
    }

    private static ArchGraph Graph(int[] types, params (int From, int To)[] edges)
    {
        var adjacency = new bool[types.Length, types.Length];
        foreach (var (a, b) in edges) adjacency[a, b] = true;
        return new ArchGraph(types, adjacency);
    }

    [Fact]
    public void ProjectNeverFeedsFromOneNodeWhatTheDataNeverFeedsTogether()
    {
        // Symbols: 0 input, 1 operation, 2 and 3 two outputs that no training node feeds both of.
        var projection = new InDegreeProjection([Graph([0, 1, 1, 2, 3], (0, 1), (0, 2), (1, 3), (2, 4))], 4, 5);
        double[,] logit = new double[5, 5];
        logit[0, 1] = logit[0, 2] = 5;
        logit[1, 3] = 3;
        logit[1, 4] = 2;   // output 3 prefers node 1, which already feeds output 2 ...
        logit[2, 4] = 1;   // ... so it takes node 2
        var edges = projection.Project([0, 1, 1, 2, 3], (i, j) => logit[i, j]);
        Assert.True(edges[1, 3]);
        Assert.True(edges[2, 4]);
        Assert.False(edges[1, 4]);
    }

    [Fact]
    public void ProjectGivesANodeThatAlwaysHasAConsumerOne()
    {
        // Symbols: 0 input (always read), 1 operation with 1 or 2 inputs, 2 output.
        var projection = new InDegreeProjection([Graph([0, 0, 1, 1, 2], (0, 2), (1, 3), (2, 3), (3, 4))], 3, 5);
        double[,] logit = new double[5, 5];
        for (int i = 0; i < 5; i++) for (int j = i + 1; j < 5; j++) logit[i, j] = -6;
        logit[0, 2] = 2;
        logit[1, 2] = -3;   // node 2 takes input 0 ...
        logit[2, 3] = 3;
        logit[1, 3] = -2;   // ... and node 3 only node 2, so input 1 would be read by nobody
        logit[3, 4] = 4;
        var edges = projection.Project([0, 0, 1, 1, 2], (i, j) => logit[i, j]);
        // The cheapest fix: node 3 reads input 1 as a second input (-2), rather than node 2 doing so (-3); input 1
        // replacing input 0 at node 2 would leave input 0 unread, and replacing node 2 at node 3 would leave node 2 so.
        Assert.True(edges[1, 3]);
        Assert.True(edges[0, 2]);
        Assert.True(edges[2, 3]);
        Assert.False(edges[1, 2]);

        // Input 1 is read only by node 2, which nothing reads (dead): node 2 is given a consumer that reaches the output,
        // the cheapest being node 3 (-4; node 4 allows one input and node 3 has no other consumer to spare).
        for (int i = 0; i < 5; i++) for (int j = i + 1; j < 5; j++) logit[i, j] = -6;
        logit[1, 2] = 2;
        logit[0, 3] = 3;
        logit[2, 3] = -4;
        logit[3, 4] = 4;
        edges = projection.Project([0, 0, 1, 1, 2], (i, j) => logit[i, j]);
        Assert.True(edges[1, 2] && edges[2, 3] && edges[0, 3] && edges[3, 4]);
        Assert.Equal(4, Enumerable.Range(0, 25).Count(k => edges[k / 5, k % 5]));
    }

    [Fact]
    public void ProjectKeepsNoMoreEdgesThanTheDataHas()
    {
        // Symbols: 0 input, 1 operation, 2 output; every training graph has 4 edges.
        int[] types = [0, 1, 1, 2];
        var projection = new InDegreeProjection([
            Graph(types, (0, 1), (1, 2), (0, 2), (2, 3)),
            Graph(types, (0, 1), (0, 2), (1, 3), (2, 3)),
            Graph(types, (0, 1), (1, 2), (1, 3), (2, 3))], 3, 4);
        double[,] logit = new double[4, 4];
        (logit[0, 1], logit[0, 2], logit[1, 2], logit[1, 3], logit[2, 3]) = (3, 3, 1, 2, 3);
        // Node by node every one of the five edges is taken; the weakest, 1 -> 2, goes (node 1 still reaches the output).
        var edges = projection.Project(types, (i, j) => logit[i, j]);
        Assert.False(edges[1, 2]);
        Assert.True(edges[0, 1] && edges[0, 2] && edges[1, 3] && edges[2, 3]);
    }

    [Fact]
    public void ChoosePicksTheBestAllowedCountAndFallsBackToPositiveOdds()
    {
        double[] logit = [2, -3, 1, -1];
        int[] c = [0, 1, 2, 3];
        Assert.Equal(3, InDegreeProjection.Choose(c, 4, i => logit[i], [false, false, false, true, false]));
        Assert.Equal(new[] { 0, 2, 3 }, c[..3]);   // sorted by descending log-odds
        c = [0, 1, 2, 3];
        Assert.Equal(2, InDegreeProjection.Choose(c, 4, i => logit[i], [true, true, true, true, true]));
        c = [0, 1, 2, 3];
        Assert.Equal(1, InDegreeProjection.Choose(c, 4, i => logit[i], [false, true, false, true, false]));   // 1 and 3 parents both sum to 2: the smaller count wins the tie
        c = [0, 1, 2, 3];
        Assert.Equal(2, InDegreeProjection.Choose(c, 4, i => logit[i], [false, false, false, false, false, true]));   // none fits: positive odds
        // Linked candidates only, while an allowed count fits among them: the one linked node, despite its odds.
        c = [0, 1, 2, 3];
        Assert.Equal(1, InDegreeProjection.Choose(c, 4, i => logit[i], [false, true], i => i == 3));
        Assert.Equal(3, c[0]);
        // Three parents but one linked candidate: all candidates are considered.
        c = [0, 1, 2, 3];
        Assert.Equal(3, InDegreeProjection.Choose(c, 4, i => logit[i], [false, false, false, true], i => i == 1));
        Assert.Equal(new[] { 0, 2, 3 }, c[..3].Order());
    }
}
