using System.Text.Json.Serialization;

namespace NagSharp.Diffusion.Score;

/// <summary>Samplers of the score engine.</summary>
[JsonConverter(typeof(KebabEnumConverter<SamplerKind>))]
public enum SamplerKind
{
    /// <summary>Predictor-corrector (<c>pc</c>): reverse Euler-Maruyama plus Langevin correction.</summary>
    Pc,
    /// <summary>Probability-flow ODE (<c>ode</c>), Euler steps: deterministic given the initial noise.</summary>
    Ode,
}

/// <summary>Sampler settings.</summary>
/// <param name="Kind">Predictor-corrector or probability-flow ODE.</param>
/// <param name="Steps">Discretisation steps of [epsilon, 1]; the reference uses 1,000. The discrete engine takes it as
/// its number of reverse steps.</param>
/// <param name="Snr">Langevin corrector signal-to-noise ratio (reference 0.16).</param>
/// <param name="CorrectorSteps">Langevin steps per predictor step (0 disables the corrector).</param>
public sealed record SamplerConfig(SamplerKind Kind = SamplerKind.Pc, int Steps = 50, double Snr = 0.16, int CorrectorSteps = 1) : ICheckedSettings
{
    /// <summary>Throws a user error, naming the setting, for an unusable sampler.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind)) throw new NagUserException($"SamplerConfig.Kind: unknown sampler {(int)Kind}");
        Guard.Positive(Steps, "SamplerConfig.Steps");
        Guard.Positive(Snr, "SamplerConfig.Snr");
        if (CorrectorSteps < 0) throw new NagUserException($"SamplerConfig.CorrectorSteps must be zero or positive, got {CorrectorSteps}");
    }
}
