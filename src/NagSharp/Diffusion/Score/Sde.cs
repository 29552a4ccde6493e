using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace NagSharp.Diffusion.Score;

/// <summary>The stochastic differential equations the score engine can noise data with.</summary>
[JsonConverter(typeof(KebabEnumConverter<SdeKind>))]
public enum SdeKind
{
    /// <summary>Variance exploding (<c>ve</c>), DiffusionNAG's choice.</summary>
    Ve,
    /// <summary>Variance preserving (<c>vp</c>).</summary>
    Vp,
}

/// <summary>Which stochastic differential equation noises the data, with its schedule parameters.</summary>
/// <param name="Kind">Variance exploding (DiffusionNAG's choice) or variance preserving.</param>
/// <param name="SigmaMin">VE: noise level at t = 0; small enough that x_0 is the data.</param>
/// <param name="SigmaMax">VE: noise level at t = 1; must swamp the data scale (data lives in [-1, 1]).</param>
/// <param name="BetaMin">VP: beta(0).</param>
/// <param name="BetaMax">VP: beta(1); large enough that x_1 is nearly N(0, I).</param>
/// <param name="Epsilon">Smallest t sampled in training and reached by samplers, avoiding the singular std at 0.</param>
public sealed record SdeConfig(SdeKind Kind = SdeKind.Ve, double SigmaMin = 0.1, double SigmaMax = 5.0,
    double BetaMin = 0.1, double BetaMax = 20.0, double Epsilon = 1e-5) : ICheckedSettings
{
    /// <summary>Throws a user error, naming the setting, for an unknown kind or a non-finite or non-positive parameter.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind)) throw new NagUserException($"SdeConfig.Kind: unknown SDE {(int)Kind}");
        Guard.Positive(SigmaMin, "SdeConfig.SigmaMin");
        Guard.Positive(SigmaMax, "SdeConfig.SigmaMax");
        Guard.Positive(BetaMin, "SdeConfig.BetaMin");
        Guard.Positive(BetaMax, "SdeConfig.BetaMax");
        Guard.InRange(Epsilon, double.Epsilon, 0.5, "SdeConfig.Epsilon");
    }

    /// <summary>Builds the SDE.</summary>
    public Sde Create() => Kind switch
    {
        SdeKind.Ve => new VeSde(SigmaMin, SigmaMax, Epsilon),
        SdeKind.Vp => new VpSde(BetaMin, BetaMax, Epsilon),
        _ => throw new NagUserException($"SdeConfig.Kind: unknown SDE {(int)Kind}"),
    };
}

/// <summary>
/// A forward noising process dx = f(x, t) dt + g(t) dw on t in [0, 1] with a Gaussian marginal
/// x_t ~ N(mean(t) x_0, std(t)^2 I). Tensors: x [B, ...], t [B].
/// </summary>
public abstract class Sde(double epsilon)
{
    /// <summary>Smallest time used in training and sampling.</summary>
    public double Epsilon { get; } = epsilon;

    /// <summary>Coefficient of x_0 in the marginal mean at time t.</summary>
    public abstract double MeanCoefficient(double t);

    /// <summary>Marginal standard deviation at time t.</summary>
    public abstract double Std(double t);

    /// <summary>Drift f(x, t).</summary>
    public abstract Tensor Drift(Tensor x, double t);

    /// <summary>Diffusion coefficient g(t).</summary>
    public abstract double Diffusion(double t);

    /// <summary>Standard deviation of the prior p_1 (the sampler's starting distribution).</summary>
    public abstract double PriorStd { get; }

    /// <summary>Langevin step-size factor alpha at time t for a step of size dt (1 for VE; exp(-beta dt), about 1 - beta dt, for VP).</summary>
    public abstract double CorrectorAlpha(double t, double dt);

    /// <summary>Marginal mean coefficients for a batch of times: [B] -&gt; [B].</summary>
    public Tensor MeanCoefficient(Tensor t) => MapScalar(t, MeanCoefficient);

    /// <summary>Marginal std for a batch of times: [B] -&gt; [B].</summary>
    public Tensor Std(Tensor t) => MapScalar(t, Std);

    /// <summary>Adds noise: x_t = mean(t) x_0 + std(t) z. Returns (x_t, z). x0 [B, ...], t [B].</summary>
    public (Tensor Xt, Tensor Noise) ApplyNoise(Tensor x0, Tensor t)
    {
        var z = randn_like(x0);                                    // [B, ...]
        var shape = BroadcastShape(x0, t);
        var xt = MeanCoefficient(t).view(shape) * x0 + Std(t).view(shape) * z;
        return (xt, z);
    }

    /// <summary>Shape that broadcasts a per-sample [B] tensor over x.</summary>
    public static long[] BroadcastShape(Tensor x, Tensor t)
    {
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[0] = t.shape[0];
        return shape;
    }

    private static Tensor MapScalar(Tensor t, Func<double, double> f)
    {
        var values = t.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        for (int i = 0; i < values.Length; i++) values[i] = f(values[i]);
        return tensor(values, dtype: ScalarType.Float32).to(t.device);
    }
}

/// <summary>Variance-exploding SDE: sigma(t) = sigma_min (sigma_max / sigma_min)^t, no drift.</summary>
public sealed class VeSde(double sigmaMin, double sigmaMax, double epsilon) : Sde(epsilon)
{
    private readonly double _logRatio = Math.Log(sigmaMax / sigmaMin);

    /// <summary>Noise level at time t.</summary>
    public double Sigma(double t) => sigmaMin * Math.Exp(t * _logRatio);

    /// <inheritdoc />
    public override double MeanCoefficient(double t) => 1.0;
    /// <inheritdoc />
    public override double Std(double t) => Sigma(t);
    /// <inheritdoc />
    public override Tensor Drift(Tensor x, double t) => zeros_like(x);
    /// <inheritdoc />
    public override double Diffusion(double t) => Sigma(t) * Math.Sqrt(2 * _logRatio);
    /// <inheritdoc />
    public override double PriorStd => sigmaMax;
    /// <inheritdoc />
    public override double CorrectorAlpha(double t, double dt) => 1.0;
}

/// <summary>Variance-preserving SDE: beta(t) = beta_min + t (beta_max - beta_min), dx = -beta x / 2 dt + sqrt(beta) dw.</summary>
public sealed class VpSde(double betaMin, double betaMax, double epsilon) : Sde(epsilon)
{
    private double Beta(double t) => betaMin + t * (betaMax - betaMin);
    private double LogMean(double t) => -0.25 * t * t * (betaMax - betaMin) - 0.5 * t * betaMin;

    /// <inheritdoc />
    public override double MeanCoefficient(double t) => Math.Exp(LogMean(t));
    /// <inheritdoc />
    public override double Std(double t) => Math.Sqrt(1 - Math.Exp(2 * LogMean(t)));
    /// <inheritdoc />
    public override Tensor Drift(Tensor x, double t) => x * (-0.5 * Beta(t));
    /// <inheritdoc />
    public override double Diffusion(double t) => Math.Sqrt(Beta(t));
    /// <inheritdoc />
    public override double PriorStd => 1.0;
    /// <summary>exp(-beta(t) dt): the reference's 1 - beta dt to first order, which it uses with 1,000 steps; with fewer
    /// than beta_max steps 1 - beta dt turns negative, the Langevin step's noise scale sqrt(2 step) becomes NaN and
    /// every sample with it.</summary>
    public override double CorrectorAlpha(double t, double dt) => Math.Exp(-Beta(t) * dt);
}
