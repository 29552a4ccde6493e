using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using static NagSharp.Tests.CliRunner;

namespace NagSharp.Tests;

/// <summary>Both engines behind <see cref="IArchGenerator"/>: train, save, load by kind, generate reproducibly.</summary>
[Collection(TorchCollection.Name)]
public sealed class GeneratorApiTests
{
    private static readonly TrainConfig Short = new(Steps: 30, Batch: 32, Warmup: 5, Seed: 1);

    private static List<string> Cells(int count) => new Nb201Space().Enumerate().Take(count).Select(a => a.ToString()).ToList();

    private static string[] Archs(GenerationResult r) => r.Records.Select(x => x.Arch?.ToString() ?? "invalid:" + x.Reason).ToArray();

    [Theory]
    [InlineData(GeneratorKind.Score)]
    [InlineData(GeneratorKind.Discrete)]
    public void BothEnginesTrainSaveLoadByKindAndGenerateTheSameSamplesForASeed(GeneratorKind engine)
    {
        using var dir = new TempDir();
        string path = dir.File("g.ckpt");
        var settings = new GenerateSettings { Count = 10, Batch = 4, Seed = 7, Sampler = new SamplerConfig(Steps: 5) };
        string[] first;
        using (var gen = ArchGenerators.Train(new Nb201Space(), new GeneratorSettings(engine, "tiny", Short), Cells(300)))
        {
            Assert.Equal(engine, gen.Engine);
            Assert.Equal(Short.Steps, gen.Step);
            Assert.Equal(engine == GeneratorKind.Score, gen.Sde is not null);
            var result = gen.Generate(settings);
            Assert.Equal(10, result.Records.Length);
            first = Archs(result);
            Assert.Equal(first, Archs(gen.Generate(settings)));                          // same seed, same samples
            Assert.NotEqual(first, Archs(gen.Generate(settings with { Seed = 8 })));    // another seed, other samples
            gen.Save(path);
        }
        Assert.Equal(engine, ArchGenerators.KindOf(path));
        using var loaded = ArchGenerators.Load(path);
        Assert.Equal(engine, loaded.Engine);
        Assert.Equal(Short.Steps, loaded.Step);
        Assert.Equal(300, loaded.TrainingArchs.Count);
        Assert.Equal(first, Archs(loaded.Generate(settings)));
    }

    [Fact]
    public void TheFactoryRefusesACheckpointThatIsNoGenerator()
    {
        using var dir = new TempDir();
        string path = dir.File("p.ckpt");
        using (var p = new NoiseAwarePredictor(new Nb201Space(), new SdeConfig(), Models.NetworkConfig.Preset("tiny"), new TrainConfig(Steps: 1, Batch: 4), "t"))
            p.Save(path);
        var e = Assert.Throws<NagDataException>(() => ArchGenerators.Load(path));
        Assert.Contains("not a generator", e.Message);
    }

    [Fact]
    public void AnEngineRefusesTheOtherEnginesGuidance()
    {
        using var score = ArchGenerators.Create(new Nb201Space(), new GeneratorSettings(GeneratorKind.Score, "tiny", Short), Cells(50));
        using var discrete = ArchGenerators.Create(new Nb201Space(), new GeneratorSettings(GeneratorKind.Discrete, "tiny", Short), Cells(50));
        var e = Assert.Throws<NagUserException>(() => score.Generate(new GenerateSettings { Count = 2, Conditions = ["x>=1"] }));
        Assert.Contains("GenerateSettings.Conditions", e.Message);
        var bad = Assert.Throws<NagUserException>(() => discrete.Generate(new GenerateSettings { Count = 0 }));
        Assert.Contains("GenerateSettings.Count", bad.Message);
    }

    /// <summary>
    /// The discrete engine's sampling for benches (<see cref="DiscreteGenerator.SampleMany"/>, used by the conditional
    /// and margin benches) and for <c>nag generate</c> (<see cref="IArchGenerator.Generate"/>) is one loop: batch k uses
    /// seed + k in both, so a seed gives the same architectures across batches.
    /// </summary>
    [Fact]
    public void BenchSamplingAndGenerateDrawTheSameArchitecturesForASeed()
    {
        using var gen = (DiscreteGenerator)ArchGenerators.Train(new Nb201Space(), new GeneratorSettings(GeneratorKind.Discrete, "tiny", Short), Cells(300));
        var generated = Archs(gen.Generate(new GenerateSettings { Count = 9, Batch = 4, Seed = 3, Sampler = new SamplerConfig(Steps: 4), GuidanceWeight = 0 }));
        var bench = gen.SampleMany(9, 4, 3, batch: 4).Select(d => d.Arch?.ToString() ?? "invalid:" + d.Reason).ToArray();
        Assert.Equal(generated, bench);
        // Batch k is seeded with seed + k: the second batch equals a one-batch draw at seed + 1.
        var second = gen.Sample(4, 4, 4).Select(d => d.Arch?.ToString() ?? "invalid:" + d.Reason).ToArray();
        Assert.Equal(second, bench[4..8]);
    }

    [Fact]
    public void LibraryDefaultsAreTheDocumentedOnes()
    {
        // The library's predictor and guidance defaults, and the generate job's own (the README's main command), as documented.
        Assert.Equal(TargetTransform.Rank, NoiseAwarePredictor.DefaultTransform);
        using (var p = new NoiseAwarePredictor(new Nb201Space(), new SdeConfig(), Models.NetworkConfig.Preset("tiny"), new TrainConfig(Steps: 1, Batch: 4), "t"))
            Assert.Equal(TargetTransform.Rank, p.Transform);
        Assert.Equal(100, new PredictorGuidanceSettings().Scale);
        Assert.Contains("[default: rank]", Line(Run("train", "predictor", "--help").Out, "--target-transform"));
        Assert.Contains("[default: rank]", Line(Run("bench", "generate", "--help").Out, "--target-transform"));
        var generate = Run("generate", "--help").Out;
        Assert.Contains($"default {NagSharp.Experiments.GenerationRunSettings.DefaultScoreGuidanceScale:G} with a predictor", Line(generate, "--guidance-scale "));
        var defaults = new NagSharp.Experiments.GenerationRunSettings().Generate;
        Assert.Contains($"[default: {defaults.Count}]", Line(generate, "-n "));
        Assert.Contains($"default {NagSharp.Experiments.GenerationRunSettings.DefaultScoreBatch} score", Line(generate, "--batch"));
        Assert.Contains($"default {NagSharp.Experiments.GenerationRunSettings.DefaultScoreSampleSteps} score", Line(generate, "--sample-steps"));
        Assert.Contains($"[default: {SettingNames.Name(defaults.Sampler.Kind)}]", Line(generate, "--sampler"));
        Assert.Contains($"[default: {defaults.GuidanceWeight:G}]", Line(generate, "--guidance-weight"));
        Assert.Contains("[default: in-degree]", Line(generate, "--edge-decoding"));
        Assert.Contains("[default: coupled]", Line(generate, "--slot-decoding"));
        Assert.Contains("[default: ve]", Line(Run("train", "generator", "--help").Out, "--sde"));
        Assert.Contains("[default: 3000]", Line(Run("train", "generator", "--help").Out, "--train-steps"));
    }

    [Fact]
    public void LibraryErrorsNameSettingsAndTheCliPrintsItsFlags()
    {
        var e = Assert.Throws<NagUserException>(() => new SamplerConfig(Steps: 0).Validate());
        Assert.StartsWith("SamplerConfig.Steps", e.Message);
        var t = Assert.Throws<NagUserException>(() => new TrainConfig(LearningRate: double.NaN).Validate());
        Assert.StartsWith("TrainConfig.LearningRate", t.Message);
        Assert.Equal("--sample-steps must be at least 1, got 0", Cli.SettingFlags.Rewrite(e.Message));
        Assert.Equal("-n must be at least 1, got 0", Cli.SettingFlags.Rewrite("GenerateSettings.Count must be at least 1, got 0"));
        Assert.Equal("Unmapped.Setting stays", Cli.SettingFlags.Rewrite("Unmapped.Setting stays"));
    }

    private static string Line(string help, string option) =>
        help.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith(option, StringComparison.Ordinal)) ?? $"(no line for {option})";
}
