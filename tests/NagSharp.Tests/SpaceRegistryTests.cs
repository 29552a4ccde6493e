using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Networks;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>A space defined in this assembly and registered from outside the library is a first-class space: it is
/// found by name, and generators of both engines train on it, save, and load back through the registry.</summary>
[Collection(TorchCollection.Name)]
public sealed class SpaceRegistryTests
{
    private static readonly ChainSpace Space = TestSpaces.Chain;
    private static readonly List<string> TrainingSet = Space.Enumerate().Select(a => a.ToString()).ToList();

    [Fact]
    public void RegisteredSpaceIsFoundByNameIgnoringCase()
    {
        Assert.Same(Space, SpaceRegistry.Get("test_chain4"));
        Assert.Same(Space, SpaceRegistry.Get("TEST_CHAIN4"));
        Assert.Contains(Space, SpaceRegistry.Spaces);
        Assert.Equal(new Nb201Space().Name, SpaceRegistry.Spaces[0].Name);   // built-in spaces keep their places
    }

    [Fact]
    public void NullDuplicateAndMalformedNamesAreRefused()
    {
        int before = SpaceRegistry.Spaces.Count;
        Assert.Throws<ArgumentNullException>(() => SpaceRegistry.Register(null!));
        var dup = Assert.Throws<ArgumentException>(() => SpaceRegistry.Register(new ChainSpace()));
        Assert.Contains("'test_chain4' is already taken", dup.Message, StringComparison.Ordinal);
        var builtin = Assert.Throws<ArgumentException>(() => SpaceRegistry.Register(new Renamed("NB201")));
        Assert.Contains("already taken by Nb201Space", builtin.Message, StringComparison.Ordinal);
        foreach (string bad in new[] { "", " ", "a b", "../x", "x/y", new string('a', 65) })
        {
            var e = Assert.Throws<ArgumentException>(() => SpaceRegistry.Register(new Renamed(bad)));
            Assert.Contains("must be 1-64 letters, digits", e.Message, StringComparison.Ordinal);
        }
        Assert.Throws<ArgumentException>(() => SpaceRegistry.Register(new Renamed(null!)));
        foreach (var e in new[] { dup, builtin }) Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(before, SpaceRegistry.Spaces.Count);
    }

    [Fact]
    public void ArchitectureOfAnotherSpaceIsRefusedByTheBases()
    {
        var e = Assert.Throws<ArgumentException>(() => Space.Encode(new Nb201Space().Sample(new Random(0))));
        Assert.Contains("not an architecture of the test_chain4 space: Nb201Arch (expected ChainArch)", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => Space.CanonicalForm((Arch)null!));

        var ofa = new OfaSpace().Sample(new Random(0));
        var b = Assert.Throws<NagUserException>(() => NetworkRegistry.Get(new Nb201Space()).Build(ofa, new NetworkOptions()));
        Assert.Contains("not an architecture of the nb201 space", b.Message, StringComparison.Ordinal);
        Assert.Throws<NagUserException>(() => NetworkRegistry.Get(new OfaSpace()).NativeInputSize(new Nb201Space().Sample(new Random(0))));
    }

    [Fact]
    public void ScoreGeneratorOfARegisteredSpaceTrainsSavesAndLoads()
    {
        using var tmp = new TempDir();
        string path = tmp.File("chain.ckpt");
        var sampler = new SamplerConfig(Steps: 20);
        DecodedSample[] before;
        using (var gen = new ScoreGenerator(Space, new SdeConfig(), new NetworkConfig(Layers: 1, Dim: 16, Heads: 2, Ffn: 32, HeadHidden: 32),
                   new TrainConfig(Steps: 150, Batch: 32, Warmup: 5, LearningRate: 3e-3, Seed: 1), TrainingSet))
        {
            gen.TrainToEnd();
            gen.Save(path);
            using var x = gen.Sample(32, sampler, seed: 5);
            before = gen.Decode(x);
        }
        using var loaded = ScoreGenerator.Load(path);
        Assert.Same(Space, loaded.Space);
        Assert.Equal(150, loaded.Step);
        using var y = loaded.Sample(32, sampler, seed: 5);
        var after = loaded.Decode(y);
        Assert.Equal(before.Select(s => s.Arch?.ToString()), after.Select(s => s.Arch?.ToString()));
        AssertMembers(after, minValid: 16);
    }

    [Fact]
    public void DiscreteGeneratorOfARegisteredSpaceTrainsSavesAndLoads()
    {
        using var tmp = new TempDir();
        string path = tmp.File("chain-discrete.ckpt");
        var set = TrainingSet.Select(a => new LabelledArch(a, [])).ToList();
        DecodedSample[] before;
        using (var gen = new DiscreteGenerator(Space, new DiscreteConfig(DiffusionSteps: 20), DenoiserConfig.Preset("tiny"),
                   new TrainConfig(Steps: 20, Batch: 16, Warmup: 2, Seed: 1), [], set))
        {
            gen.TrainToEnd();
            gen.Save(path);
            before = gen.Sample(16, 10, seed: 3);
        }
        using var loaded = DiscreteGenerator.Load(path);
        Assert.Same(Space, loaded.Space);
        var after = loaded.Sample(16, 10, seed: 3);
        Assert.Equal(before.Select(s => s.Arch?.ToString()), after.Select(s => s.Arch?.ToString()));
        AssertMembers(after, minValid: after.Length);   // every symbol is an operation, so every sample is a chain
    }

    [Fact]
    public void CheckpointOfAnUnregisteredSpaceNamesIt()
    {
        using var tmp = new TempDir();
        string path = tmp.File("unregistered.ckpt");
        var space = new Renamed("test_unregistered");
        var set = TrainingSet.Select(a => new LabelledArch(a, [])).ToList();
        using (var gen = new DiscreteGenerator(space, new DiscreteConfig(DiffusionSteps: 5), DenoiserConfig.Preset("tiny"),
                   new TrainConfig(Steps: 1, Batch: 8, Warmup: 0), [], set))
            gen.Save(path);
        var e = Assert.ThrowsAny<Exception>(() => DiscreteGenerator.Load(path));
        Assert.True(e is NagUserException or NagDataException, e.GetType().Name);
        Assert.Contains("test_unregistered", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static void AssertMembers(IReadOnlyList<DecodedSample> samples, int minValid)
    {
        var members = TrainingSet.ToHashSet(StringComparer.Ordinal);
        var valid = samples.Where(s => s.Valid).ToList();
        Assert.True(valid.Count >= minValid, $"{valid.Count} of {samples.Count} samples valid, expected at least {minValid}");
        foreach (var s in valid)
        {
            Assert.IsType<ChainArch>(s.Arch);
            Assert.Contains(s.Arch!.ToString(), members);
        }
    }

    /// <summary>The chain space under another name, to try names the registry must refuse or does not know.</summary>
    private sealed class Renamed(string name) : SearchSpace<ChainArch>
    {
        private readonly ChainSpace _inner = new();
        public override string Name => name;
        public override string Description => _inner.Description;
        public override long? Size => _inner.Size;
        public override IReadOnlyList<string> NodeVocabulary => _inner.NodeVocabulary;
        public override int MaxNodes => _inner.MaxNodes;
        public override bool[,]? FixedAdjacency => _inner.FixedAdjacency;
        public override Arch Parse(string text) => _inner.Parse(text);
        public override Arch? TryDecode(NagSharp.Graphs.ArchGraph graph, out string? reason) => _inner.TryDecode(graph, out reason);
        public override Arch Sample(Random rng) => _inner.Sample(rng);
        public override IEnumerable<Arch> Enumerate() => _inner.Enumerate();
        public override NagSharp.Graphs.ArchGraph Encode(ChainArch arch) => _inner.Encode(arch);
        public override string CanonicalForm(ChainArch arch) => _inner.CanonicalForm(arch);
        public override IReadOnlyList<Arch> Neighbours(ChainArch arch) => _inner.Neighbours(arch);
        public override IReadOnlyDictionary<string, double> ComputeCosts(ChainArch arch, CostOptions options) => _inner.ComputeCosts(arch, options);
    }
}
