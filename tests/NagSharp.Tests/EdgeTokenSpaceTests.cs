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
            var ck = NagSharp.Store.Checkpoint.Load(path);
            ck.Header.Remove("symbol_pins");
            ck.Save(path);
            using var old = ScoreGenerator.Load(path);
            Assert.Null(old.Pins);
        }
        finally { File.Delete(path); }
        // A noise-aware predictor of the same space reads the same token graph.
        using var pred = new NoiseAwarePredictor(inner, new SdeConfig(), NetworkConfig.Preset("tiny") with { Layers = 1 }, new TrainConfig(Steps: 2, Batch: 4), "x");
        Assert.IsType<EdgeTokenSpace>(pred.Space);
    }
}
