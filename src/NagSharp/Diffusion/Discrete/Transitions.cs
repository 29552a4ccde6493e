using static TorchSharp.torch;

namespace NagSharp.Diffusion.Discrete;

/// <summary>
/// Cosine noise schedule of discrete diffusion (DiGress / improved DDPM): alpha_bar(t) = f(t) / f(0) with
/// f(t) = cos^2(((t / T + s) / (1 + s)) pi / 2), s = 0.008. alpha_bar(0) = 1, alpha_bar(T) ~ 0.
/// </summary>
public sealed class CosineSchedule
{
    private readonly double[] _alphaBar;

    /// <summary>Number of diffusion steps.</summary>
    public int Steps { get; }

    /// <summary>Builds the schedule for <paramref name="steps"/> steps.</summary>
    public CosineSchedule(int steps, double s = 0.008)
    {
        if (steps < 1) throw new NagUserException($"diffusion steps must be positive, got {steps}");
        Steps = steps;
        _alphaBar = new double[steps + 1];
        double f0 = F(0);
        for (int t = 0; t <= steps; t++) _alphaBar[t] = Math.Clamp(F(t) / f0, 0, 1);
        double F(double t) => Math.Pow(Math.Cos((t / steps + s) / (1 + s) * Math.PI / 2), 2);
    }

    /// <summary>alpha_bar at integer step t (0..T): the probability mass kept on the clean class.</summary>
    public double AlphaBar(int t) => _alphaBar[Math.Clamp(t, 0, Steps)];
}

/// <summary>
/// Marginal transitions (DiGress): Q_t = alpha_t I + (1 - alpha_t) 1 m^T, with m the class marginals of the training
/// data, so noise moves towards the data's own class frequencies rather than uniform. Works on one-hot or
/// probability tensors whose last dimension is the class.
/// </summary>
public sealed class MarginalTransition
{
    private readonly Tensor _m;   // [K]

    /// <summary>Class marginals.</summary>
    public float[] Marginals { get; }

    /// <summary>Creates the transition for the given marginals (normalised here).</summary>
    public MarginalTransition(IReadOnlyList<double> marginals)
    {
        double sum = marginals.Sum();
        if (marginals.Count < 2 || sum <= 0 || marginals.Any(v => v < 0 || !double.IsFinite(v))) throw new ArgumentException("invalid marginals", nameof(marginals));
        Marginals = marginals.Select(v => (float)(v / sum)).ToArray();
        _m = tensor(Marginals, dtype: ScalarType.Float32);
        _m.DetachFromDisposeScope();
    }

    /// <summary>Number of classes.</summary>
    public int Classes => Marginals.Length;

    /// <summary>q(z_t | x) = alpha_bar x + (1 - alpha_bar) m. x [..., K], alphaBar broadcastable to [..., 1].</summary>
    public Tensor ForwardProbs(Tensor x, Tensor alphaBar) => x * alphaBar + _m * (1 - alphaBar);

    /// <summary>Dense Q_bar for a scalar alpha_bar: [K, K], rows = from-class.</summary>
    public Tensor Matrix(double alphaBar) => eye(Classes) * (float)alphaBar + _m.unsqueeze(0).expand(Classes, Classes) * (float)(1 - alphaBar);

    /// <summary>
    /// x0-parameterised reverse step p(z_s | z_t) = sum_c p(x0 = c | z_t) q(z_s | z_t, x0 = c) for s &lt; t, using
    /// Q_{t|s} with alpha_{t|s} = alpha_bar_t / alpha_bar_s (so steps may be skipped).
    /// zt [..., K] one-hot, x0 [..., K] predicted probabilities -&gt; [..., K] probabilities of z_s.
    /// </summary>
    public Tensor Posterior(Tensor zt, Tensor x0, double alphaBarT, double alphaBarS)
    {
        double alphaTS = alphaBarS <= 0 ? 0 : Math.Clamp(alphaBarT / alphaBarS, 0, 1);
        var mZt = (zt * _m).sum(-1, keepdim: true);                                   // [..., 1] m[z_t]
        var left = zt * (float)alphaTS + mZt * (float)(1 - alphaTS);                  // [..., K(zs)] Q_{t|s}[zs, zt]
        var right = Matrix(alphaBarS);                                                // [K(c), K(zs)] Q_bar_s[c, zs]
        var unnorm = left.unsqueeze(-2) * right;                                      // [..., K(c), K(zs)]
        var z = zt * (float)alphaBarT + mZt * (float)(1 - alphaBarT);                  // [..., K(c)] q(z_t | x0 = c)
        var weights = x0 / z.clamp_min(1e-12f);                                       // [..., K(c)]
        var p = (weights.unsqueeze(-1) * unnorm).sum(-2);                             // [..., K(zs)]
        return p / p.sum(-1, keepdim: true).clamp_min(1e-12f);
    }

    /// <summary>Draws one class per row from probabilities [..., K]; returns one-hots of the same shape.</summary>
    public static Tensor SampleOneHot(Tensor probs)
    {
        var shape = probs.shape;
        long k = shape[^1];
        var flat = probs.reshape(-1, k).clamp_min(0);
        var idx = multinomial(flat + 1e-12f, 1).squeeze(-1);                          // [M]
        return nn.functional.one_hot(idx, k).to_type(ScalarType.Float32).reshape(shape);
    }
}
