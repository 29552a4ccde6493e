using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>
/// A generator as generator BO sees it: draws decoded samples, guided by an <see cref="AcquisitionModel"/> or not. The
/// score engine is guided on its noisy graph and needs an ensemble trained under its <see cref="Sde"/>; the discrete
/// engine is guided on its clean-graph prediction and takes a clean ensemble (<see cref="Sde"/> null), which is what
/// lets generator BO run on spaces whose topology varies.
/// </summary>
public interface IBoGenerator : IDisposable
{
    /// <summary>The space samples decode into.</summary>
    ISearchSpace Space { get; }
    /// <summary>Noise process the guiding ensemble must be trained under, or null for a clean ensemble.</summary>
    Sde? Sde { get; }
    /// <summary>Draws <paramref name="count"/> samples (count equals the member tensor's length when guided).</summary>
    IReadOnlyList<DecodedSample> Sample(int count, int seed, AcquisitionModel? model);
}

/// <summary>The score engine behind generator BO: predictor-corrector sampling with <see cref="AcquisitionGuidance"/>.</summary>
public sealed class ScoreBoGenerator : IBoGenerator
{
    private readonly ScoreGenerator _generator;
    private readonly SamplerConfig _sampler;

    /// <summary>Wraps a fixed-topology score generator (the noise-aware ensemble needs one).</summary>
    public ScoreBoGenerator(ScoreGenerator generator, SamplerConfig sampler)
    {
        if (generator.Space.FixedAdjacency is null || generator.Space is EdgeTokenSpace)
            throw new NagUserException($"generator BO with the score engine needs a fixed-topology space; {generator.Space.Name} varies its topology (give a discrete generator)");
        sampler.Validate();
        _generator = generator; _sampler = sampler;
    }

    /// <inheritdoc />
    public ISearchSpace Space => _generator.Space;
    /// <inheritdoc />
    public Sde? Sde => _generator.Sde;

    /// <inheritdoc />
    public IReadOnlyList<DecodedSample> Sample(int count, int seed, AcquisitionModel? model)
    {
        var guidance = model is null ? null : new AcquisitionGuidance(model);
        using var x = _generator.Sample(count, _sampler, seed, guidance);
        return GraphCodec.Decode(Space, x);
    }

    /// <inheritdoc />
    public void Dispose() => _generator.Dispose();
}

/// <summary>Opens a generator checkpoint of either engine for generator BO.</summary>
public static class BoGenerators
{
    /// <summary>
    /// Loads <paramref name="path"/> (a score or discrete generator, told apart by the checkpoint's kind) with the
    /// sampler of <paramref name="gen"/>: the score engine takes it whole, the discrete engine its step count.
    /// </summary>
    public static IBoGenerator Open(string path, GeneratorBoConfig gen)
    {
        string kind = Store.Checkpoint.Load(path).Kind;
        if (kind == DiscreteGenerator.Kind) return new DiscreteBoGenerator(DiscreteGenerator.Load(path), gen.SamplerOrDefault.Steps);
        var score = ScoreGenerator.Load(path);
        try { return new ScoreBoGenerator(score, gen.SamplerOrDefault); }
        catch (NagUserException e) { score.Dispose(); throw new NagUserException($"{path}: {e.Message}"); }
        catch { score.Dispose(); throw; }
    }
}

/// <summary>The discrete engine behind generator BO: reverse sampling steered by <see cref="DiscreteAcquisitionGuidance"/>.</summary>
public sealed class DiscreteBoGenerator(DiscreteGenerator generator, int steps) : IBoGenerator
{
    /// <inheritdoc />
    public ISearchSpace Space => generator.Space;
    /// <inheritdoc />
    public Sde? Sde => null;

    /// <inheritdoc />
    public IReadOnlyList<DecodedSample> Sample(int count, int seed, AcquisitionModel? model) =>
        generator.Sample(count, steps, seed, steer: model is null ? null : new DiscreteAcquisitionGuidance(model));

    /// <inheritdoc />
    public void Dispose() => generator.Dispose();
}
