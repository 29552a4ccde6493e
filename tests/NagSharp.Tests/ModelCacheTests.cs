using NagSharp.Benchmarks;
using NagSharp.Diffusion.Score;
using NagSharp.Experiments;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>The default-model cache: file names stay what earlier versions wrote, and names from data stay inside the cache.</summary>
[Collection(TorchCollection.Name)]
public sealed class ModelCacheTests
{
    [Fact]
    public void CachedModelsAreFoundUnderTheirUsualNamesWithoutTraining()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("nb201-score-small.ckpt"), "cached");
        File.WriteAllText(dir.File("nb201-score-tiny.ckpt"), "cached");
        var notes = new List<string>();
        var cache = new ModelCache(dir.Path, progress: ExperimentProgress.Of(e => notes.Add(e.ToString())));
        Assert.Equal(dir.File("nb201-score-small.ckpt"), cache.Generator("nb201"));
        Assert.Equal(dir.File("nb201-score-tiny.ckpt"), cache.Generator("nb201", preset: "tiny", steps: 2000));
        Assert.Empty(notes);
    }

    [SkippableFact]
    public void PredictorFileNamesKeepTheirUsualForm()
    {
        var data = TestData.Nb201;
        using var dir = new TempDir();
        var space = new Nb201Space();
        using var gen = new ScoreGenerator(space, new SdeConfig(), NetworkConfig.Preset("tiny"), new TrainConfig(Steps: 1), TrainingSets.Select(space, 0.01, 0));
        string plain = dir.File("nb201-predictor-cifar10_valid_acc200-1000.ckpt");
        string variant = dir.File("nb201-predictor-cifar10_valid_acc200-1000-tiny-normal-50steps.ckpt");
        File.WriteAllText(plain, "cached");
        File.WriteAllText(variant, "cached");
        var cache = new ModelCache(dir.Path);
        Assert.Equal(plain, cache.Predictor(gen, data, "cifar10_valid_acc200"));
        Assert.Equal(variant, cache.Predictor(gen, data, "cifar10_valid_acc200", "tiny", "normal", 50));
        Assert.Throws<NagUserException>(() => cache.Predictor(gen, data, "cifar10_valid_acc200", steps: 0));
    }
}
