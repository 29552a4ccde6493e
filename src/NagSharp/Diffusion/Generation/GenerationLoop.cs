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
        var train = new HashSet<string>(trainingArchs, StringComparer.Ordinal);
        if (settings.Until == GenerateUntil.Samples)
        {
            for (int start = 0, k = 0; start < settings.Count; start += settings.Batch, k++)
            {
                (guidance as IBatchGuidance)?.StartBatch(k);
                int size = Math.Min(settings.Batch, settings.Count - start);
                decoded.AddRange(sampleBatch(size, settings.Seed + k));
                progress?.Invoke(start + size, settings.Count);
            }
            return new GenerationResult(GenerationMetrics.Flag(decoded, train), clock.Elapsed.TotalSeconds, warmupSeconds);
        }
        // Distinct valid: whole batches (so batch k is the same whatever n), until n are found or the cap is reached;
        // the samples after the n-th distinct one are dropped, so the result holds exactly n when it can.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int cap = settings.SampleCap;
        for (int k = 0; seen.Count < settings.Count && decoded.Count < cap; k++)
        {
            (guidance as IBatchGuidance)?.StartBatch(k);
            foreach (var d in sampleBatch(Math.Min(settings.Batch, cap - decoded.Count), settings.Seed + k))
            {
                if (seen.Count == settings.Count) break;
                decoded.Add(d);
                if (d.Arch is not null) seen.Add(d.Arch.ToString());
            }
            progress?.Invoke(seen.Count, settings.Count);
        }
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
