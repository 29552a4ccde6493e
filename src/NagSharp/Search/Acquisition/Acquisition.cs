using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>Acquisition functions over an ensemble's predictions [K, B] (model units, higher is better).</summary>
public static class Acquisition
{
    /// <summary>Known acquisition functions.</summary>
    public static readonly IReadOnlyList<string> Names = ["its", "ucb", "ei"];

    /// <summary>Throws a user error for an unknown name.</summary>
    public static string Validate(string name) => Names.Contains(name)
        ? name
        : throw new NagUserException($"unknown acquisition '{name}' (expected {string.Join(", ", Names)})");

    /// <summary>
    /// Scores candidates for ranking, [K, B] -&gt; [B]. ITS (independent Thompson sampling, the BANANAS default) draws one
    /// value per candidate from N(mean, std) with the torch RNG; UCB is mean + kappa std; EI is the expected improvement
    /// over <paramref name="best"/> under N(mean, std).
    /// </summary>
    public static Tensor Rank(string kind, Tensor predictions, double best, double kappa) =>
        Rank(kind, predictions.mean([0]), predictions.std(0), best, kappa);

    /// <summary>
    /// <see cref="Rank(string, Tensor, double, double)"/> from a predictive mean [B] and standard deviation [B] (a GP's
    /// posterior marginals, or an ensemble's moments).
    /// </summary>
    public static Tensor Rank(string kind, Tensor mean, Tensor std, double best, double kappa)
    {
        std = std.clamp_min(1e-6);                                              // [B]
        return kind switch
        {
            "its" => mean + std * randn_like(mean),
            _ => Smooth(kind, mean, std, best, kappa),
        };
    }

    /// <summary>
    /// Differentiable acquisition for guidance, [K, B] -&gt; [B]. ITS follows one ensemble member per sample
    /// (<paramref name="member"/> [B]): each generated architecture is steered by one draw of the surrogate function,
    /// which is Thompson sampling through the ensemble.
    /// </summary>
    public static Tensor Guide(string kind, Tensor predictions, double best, double kappa, Tensor member)
    {
        if (kind == "its") return predictions.gather(0, member.unsqueeze(0)).squeeze(0);
        return Smooth(kind, predictions.mean([0]), predictions.std(0).clamp_min(1e-6), best, kappa);
    }

    private static Tensor Smooth(string kind, Tensor mean, Tensor std, double best, double kappa)
    {
        if (kind == "ucb") return mean + std * kappa;
        var z = (mean - best) / std;
        var cdf = (special.erf(z / Math.Sqrt(2)) + 1) * 0.5;
        var pdf = exp(z.square() * -0.5) / Math.Sqrt(2 * Math.PI);
        return std * (z * cdf + pdf);
    }
}
