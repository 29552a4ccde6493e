using NagSharp.Spaces;

namespace NagSharp.Diffusion.Score;

/// <summary>Result of generating a number of architectures (either engine).</summary>
/// <param name="Records">Per-sample architecture and flags (valid, unique, novel), in generation order.</param>
/// <param name="Seconds">Wall-clock time of sampling and decoding.</param>
/// <param name="WarmupSeconds">Time of the untimed warm-up batch (<see cref="GenerateSettings.WarmUp"/>), 0 without one.</param>
public sealed record GenerationResult(SampleRecord[] Records, double Seconds, double WarmupSeconds = 0)
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

    /// <summary>The valid architectures, in generation order (repeats included).</summary>
    public IReadOnlyList<Arch> ValidArchs => Records.Where(r => r.Valid).Select(r => r.Arch!).ToArray();

    /// <summary>Validity, uniqueness and novelty fractions (see <see cref="GenerationMetrics.Rates"/>).</summary>
    public (double Valid, double Unique, double Novel) Rates => GenerationMetrics.Rates(Records);
}

/// <summary>Batched generation with the score engine.</summary>
public static class ScoreSampling
{
    /// <summary>
    /// <see cref="ScoreGenerator.Generate"/> with <paramref name="n"/> samples in batches of <paramref name="batch"/>
    /// (batch b uses seed + b).
    /// </summary>
    public static GenerationResult Generate(ScoreGenerator generator, int n, int batch, SamplerConfig sampler, int seed,
        IGuidance? guidance = null, Action<int, int>? progress = null) =>
        generator.Generate(new GenerateSettings { Count = n, Batch = batch, Sampler = sampler, Seed = seed, Guidance = guidance }, progress);
}
