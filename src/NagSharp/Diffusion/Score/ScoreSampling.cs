using System.Diagnostics;

namespace NagSharp.Diffusion.Score;

/// <summary>Result of generating a number of architectures.</summary>
/// <param name="Records">Per-sample flags, in generation order.</param>
/// <param name="Seconds">Wall-clock time of sampling and decoding.</param>
public sealed record GenerationResult(SampleRecord[] Records, double Seconds)
{
    /// <summary>Seconds per unique valid architecture (infinity when there is none).</summary>
    public double SecondsPerUniqueValid
    {
        get
        {
            int u = Records.Count(r => r.Unique);
            return u == 0 ? double.PositiveInfinity : Seconds / u;
        }
    }
}

/// <summary>Batched generation with the score engine.</summary>
public static class ScoreSampling
{
    /// <summary>
    /// Generates <paramref name="n"/> samples in batches of <paramref name="batch"/> (batch b uses seed + b, so
    /// results do not depend on anything but the arguments), decodes them and flags validity, uniqueness, novelty.
    /// </summary>
    public static GenerationResult Generate(ScoreGenerator generator, int n, int batch, SamplerConfig sampler, int seed,
        IGuidance? guidance = null, Action<int, int>? progress = null)
    {
        SampleCount.Check(n);
        Guard.Positive(batch, "sample batch");
        var clock = Stopwatch.StartNew();
        var decoded = new List<DecodedSample>(n);
        for (int start = 0, b = 0; start < n; start += batch, b++)
        {
            int size = Math.Min(batch, n - start);
            using var x = generator.Sample(size, sampler, seed + b, guidance);
            decoded.AddRange(generator.Decode(x));
            progress?.Invoke(start + size, n);
        }
        var train = new HashSet<string>(generator.TrainingSet, StringComparer.Ordinal);
        var records = GenerationMetrics.Flag(decoded, train);
        return new GenerationResult(records, clock.Elapsed.TotalSeconds);
    }
}
