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
    public static Tensor Rank(string kind, Tensor predictions, double best, double kappa)
    {
        if (kind != "ei") return Rank(kind, predictions.mean([0]), predictions.std(0), best, kappa);
        // An ensemble's moments in float64 with its standard deviation floored at EnsembleStdFloor (see LogExpectedImprovement).
        var p = predictions.to_type(ScalarType.Float64);
        return LogExpectedImprovement(p.mean([0]), p.std(0).clamp_min(EnsembleStdFloor), best);
    }

    /// <summary>
    /// Floor of an ensemble's standard deviation in EI (model units: rank scores of unit variance). Members that agree
    /// to 1e-6 would make z = (mean - best) / std explode and EI vanish for every candidate below the incumbent; a
    /// thousandth of the targets' spread still ranks near-certain candidates by their mean.
    /// </summary>
    public const double EnsembleStdFloor = 1e-3;

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
            "ei" => LogExpectedImprovement(mean.to_type(ScalarType.Float64), std.to_type(ScalarType.Float64), best),
            _ => Smooth(kind, mean, std, best, kappa),
        };
    }

    /// <summary>
    /// log EI over <paramref name="best"/> under N(mean, std), float64, [B]: the same order as EI without its underflow.
    /// EI = std h(z) with h(z) = z Phi(z) + phi(z); computed directly (Phi through erfc, which keeps its relative accuracy
    /// in the lower tail, where 1 + erf cancels) down to z = -30, and below through the asymptotic series
    /// log h(z) = log phi(z) - 2 log|z| + log(1 - 3/z^2 + 15/z^4 - 105/z^6) (relative error below 1e-9 there). With
    /// rank-scored targets most candidates sit at z &lt; -4.5, where float32 EI rounded to 0 and ties fell back to
    /// candidate order.
    /// </summary>
    public static Tensor LogExpectedImprovement(Tensor mean, Tensor std, double best)
    {
        var z = (mean - best) / std;
        var pdf = exp(z.square() * -0.5) / Math.Sqrt(2 * Math.PI);
        var h = z * special.erfc(z.neg() / Math.Sqrt(2)) * 0.5 + pdf;
        var direct = h.clamp_min(double.Epsilon).log();
        var zz = z.clamp_max(-30);                                              // the series' domain (the other branch is unused there)
        var z2 = zz.square().reciprocal();
        var series = zz.square() * -0.5 - 0.5 * Math.Log(2 * Math.PI) - zz.abs().log() * 2 + (1 - z2 * 3 + z2.square() * 15 - z2.pow(3) * 105).log();
        return std.log() + where(z.lt(-30), series, direct);
    }

    /// <summary>
    /// Differentiable acquisition for guidance, [K, B] -&gt; [B]. ITS follows one ensemble member per sample
    /// (<paramref name="member"/> [B]): each generated architecture is steered by one draw of the surrogate function,
    /// which is Thompson sampling through the ensemble.
    /// </summary>
    public static Tensor Guide(string kind, Tensor predictions, double best, double kappa, Tensor member)
    {
        if (kind == "its") return predictions.gather(0, member.unsqueeze(0)).squeeze(0);
        return Smooth(kind, predictions.mean([0]), predictions.std(0).clamp_min(kind == "ei" ? EnsembleStdFloor : 1e-6), best, kappa);
    }

    private static Tensor Smooth(string kind, Tensor mean, Tensor std, double best, double kappa)
    {
        if (kind == "ucb") return mean + std * kappa;
        // Guidance needs EI itself (its gradient), in float64 with Phi through erfc: float32 (erf + 1) / 2 rounded to 0
        // below z of about -5.4 and switched guidance off; the result returns in the inputs' type for the sampler.
        var m = mean.to_type(ScalarType.Float64);
        var sd = std.to_type(ScalarType.Float64);
        var z = (m - best) / sd;
        var cdf = special.erfc(z.neg() / Math.Sqrt(2)) * 0.5;
        var pdf = exp(z.square() * -0.5) / Math.Sqrt(2 * Math.PI);
        return (sd * (z * cdf + pdf)).to_type(mean.dtype);
    }
}
