using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;

namespace NagSharp.Diffusion;

/// <summary>
/// One generation run of <see cref="IArchGenerator.Generate"/>. The defaults are the documented ones (the CLI reads its
/// option defaults from here). Each engine uses the guidance it understands: the score engine
/// <see cref="Guidance"/> (a gradient on the noisy graph, e.g. <see cref="PredictorGuidanceSettings.Build"/>), the
/// discrete engine <see cref="Conditions"/> with <see cref="GuidanceWeight"/> and <see cref="Steer"/> (logit shifts on
/// its clean-graph prediction). Giving an engine only the other engine's guidance is an error.
/// </summary>
public sealed record GenerateSettings
{
    /// <summary>Architectures to draw (<see cref="GenerateUntil.Samples"/>), or distinct valid ones to collect
    /// (<see cref="GenerateUntil.DistinctValid"/>).</summary>
    public int Count { get; init; } = 256;

    /// <summary>What <see cref="Count"/> counts. Protocols that measure validity and uniqueness draw a fixed number of
    /// samples; a user asking for n architectures wants n distinct valid ones (<c>nag generate</c>).</summary>
    public GenerateUntil Until { get; init; } = GenerateUntil.Samples;

    /// <summary>With <see cref="GenerateUntil.DistinctValid"/>: stop after this many samples even when fewer than
    /// <see cref="Count"/> distinct valid ones were found (null: <see cref="DefaultCapFactor"/> x Count), so a generator
    /// that keeps repeating itself ends with what it has instead of sampling for ever.</summary>
    public int? MaxSamples { get; init; }

    /// <summary>Default sample cap, as a multiple of <see cref="Count"/>: guided sampling at its defaults is 15-40 %
    /// unique, so 20 x leaves room for a generator several times more repetitive before it stops short.</summary>
    public const int DefaultCapFactor = 20;

    /// <summary>The sample cap in force (see <see cref="MaxSamples"/>).</summary>
    public int SampleCap => MaxSamples ?? (int)Math.Min(SampleCount.Max, (long)DefaultCapFactor * Count);

    /// <summary>Architectures per sampler batch; batch k is seeded with <see cref="Seed"/> + k.</summary>
    public int Batch { get; init; } = 256;

    /// <summary>Seed of the first batch.</summary>
    public int Seed { get; init; }

    /// <summary>Sampler; the discrete engine takes only its <see cref="SamplerConfig.Steps"/> as reverse steps.</summary>
    public SamplerConfig Sampler { get; init; } = new();

    /// <summary>Score engine: gradient guidance added to the score (null: unguided).</summary>
    public IGuidance? Guidance { get; init; }

    /// <summary>Discrete engine: conditions the generator was trained with to ask for (matched by text).</summary>
    public IReadOnlyList<string> Conditions { get; init; } = [];

    /// <summary>Discrete engine: classifier-free guidance weight W of <see cref="Conditions"/>.</summary>
    public double GuidanceWeight { get; init; } = 2.0;

    /// <summary>Discrete engine: classifier-free guidance only at diffusion times t/T at or below this (0..1).</summary>
    public double GuidanceStart { get; init; } = 1;

    /// <summary>Discrete engine: gradient steering of the clean-graph prediction (null: none).</summary>
    public IDiscreteGuidance? Steer { get; init; }

    /// <summary>Free topologies: how edges are read at the end.</summary>
    public EdgeDecoding EdgeDecoding { get; init; } = EdgeDecoding.InDegree;

    /// <summary>Score engine, free topologies: how node slots are read.</summary>
    public SlotDecoding SlotDecoding { get; init; } = SlotDecoding.Coupled;

    /// <summary>Run one short untimed batch first (JIT, allocator), so <see cref="GenerationResult.Seconds"/> measures
    /// sampling alone; its time is <see cref="GenerationResult.WarmupSeconds"/>. Changes no sample.</summary>
    public bool WarmUp { get; init; }

    /// <summary>Throws a user error naming the setting for unusable values.</summary>
    public void Validate()
    {
        SampleCount.Check(Count, "GenerateSettings.Count");
        if (!Enum.IsDefined(Until)) throw new NagUserException($"GenerateSettings.Until: unknown value {(int)Until}");
        if (MaxSamples is int cap) SampleCount.Check(cap, "GenerateSettings.MaxSamples");
        Guard.InRange(Batch, 1, SampleCount.Max, "GenerateSettings.Batch");
        Guard.Finite(GuidanceWeight, "GenerateSettings.GuidanceWeight");
        Guard.InRange(GuidanceStart, 0, 1, "GenerateSettings.GuidanceStart");
        if (!Enum.IsDefined(EdgeDecoding)) throw new NagUserException($"GenerateSettings.EdgeDecoding: unknown value {(int)EdgeDecoding}");
        if (!Enum.IsDefined(SlotDecoding)) throw new NagUserException($"GenerateSettings.SlotDecoding: unknown value {(int)SlotDecoding}");
        Sampler.Validate();
    }
}

/// <summary>What <see cref="GenerateSettings.Count"/> counts.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(KebabEnumConverter<GenerateUntil>))]
public enum GenerateUntil
{
    /// <summary>Samples drawn, valid or not, repeated or not.</summary>
    Samples,
    /// <summary>Distinct valid architectures collected (up to <see cref="GenerateSettings.SampleCap"/> samples).</summary>
    DistinctValid,
}
