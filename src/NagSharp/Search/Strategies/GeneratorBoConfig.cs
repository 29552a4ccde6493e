using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>Settings of the generator inside BO.</summary>
/// <param name="Samples">Architectures generated per round.</param>
/// <param name="Sampler">Sampler of the score generator (a discrete generator takes only its step count as reverse
/// steps); few steps suffice because the acquisition is re-scored on clean decoded architectures anyway.</param>
/// <param name="Scale">Guidance scale s in score + s * grad acquisition (discrete engine: logits + s * grad).</param>
/// <param name="Attempts">Extra generation rounds when too few new architectures come out.</param>
public sealed record GeneratorBoConfig(int Samples = 64, SamplerConfig? Sampler = null, double Scale = 10, int Attempts = 3)
{
    /// <summary>The sampler (default: PC with 25 steps).</summary>
    public SamplerConfig SamplerOrDefault => Sampler ?? new SamplerConfig(Steps: 25);
}
