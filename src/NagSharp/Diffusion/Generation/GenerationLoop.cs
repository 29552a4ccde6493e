using System.Diagnostics;
using NagSharp.Diffusion.Score;

namespace NagSharp.Diffusion;

/// <summary>Guidance whose strength depends on the sampler batch (a batch is one round of the reference).</summary>
public interface IBatchGuidance
{
    /// <summary>Called before batch <paramref name="batch"/> (0-based) is sampled.</summary>
    void StartBatch(int batch);
}

/// <summary>
/// The one batched sampling loop of both engines: batch k of at most <see cref="GenerateSettings.Batch"/> samples is
/// drawn with seed <see cref="GenerateSettings.Seed"/> + k, so a seed gives the same architectures whichever command
/// (generate, a bench, generator BO) asks for them.
/// </summary>
public static class GenerationLoop
{
    /// <summary>
    /// Draws <see cref="GenerateSettings.Count"/> samples with <paramref name="sampleBatch"/> (size, seed) and flags them
    /// against <paramref name="trainingArchs"/>; <paramref name="guidance"/>, when batch-aware, hears of each batch first.
    /// </summary>
    public static GenerationResult Run(GenerateSettings settings, Func<int, int, IReadOnlyList<DecodedSample>> sampleBatch,
        IEnumerable<string> trainingArchs, object? guidance = null, Action<int, int>? progress = null, double warmupSeconds = 0)
    {
        settings.Validate();
        var clock = Stopwatch.StartNew();
        var decoded = new List<DecodedSample>(settings.Count);
        for (int start = 0, k = 0; start < settings.Count; start += settings.Batch, k++)
        {
            (guidance as IBatchGuidance)?.StartBatch(k);
            int size = Math.Min(settings.Batch, settings.Count - start);
            decoded.AddRange(sampleBatch(size, settings.Seed + k));
            progress?.Invoke(start + size, settings.Count);
        }
        var train = new HashSet<string>(trainingArchs, StringComparer.Ordinal);
        return new GenerationResult(GenerationMetrics.Flag(decoded, train), clock.Elapsed.TotalSeconds, warmupSeconds);
    }

    /// <summary>Runs <paramref name="warmUp"/> when <see cref="GenerateSettings.WarmUp"/> is set and returns its seconds.</summary>
    public static double WarmUp(GenerateSettings settings, Action warmUp)
    {
        if (!settings.WarmUp) return 0;
        var clock = Stopwatch.StartNew();
        warmUp();
        return clock.Elapsed.TotalSeconds;
    }
}
