using System.Text.Json.Serialization;

namespace NagSharp.Diffusion;

/// <summary>The two diffusion engines.</summary>
[JsonConverter(typeof(KebabEnumConverter<GeneratorKind>))]
public enum GeneratorKind
{
    /// <summary>DiffusionNAG: continuous score-based diffusion, guided by a predictor's gradient.</summary>
    Score,
    /// <summary>DiNAS: discrete diffusion with multi-conditioned classifier-free guidance.</summary>
    Discrete,
}
