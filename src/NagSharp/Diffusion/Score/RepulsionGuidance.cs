using static TorchSharp.torch;

namespace NagSharp.Diffusion.Score;

/// <summary>
/// Particle guidance (Corso et al., ICLR 2024) for a sampler batch: adds the gradient of
/// -strength * sum_j k(x_i, x_j) with an RBF kernel, so samples that drift towards the same mode push each other
/// apart. Property guidance alone pulls a whole batch onto the predictor's few favourite cells, and duplicates cost
/// sampling time without adding architectures; repulsion spends that time on neighbouring high-scoring cells instead.
/// The kernel bandwidth follows the median heuristic of SVGD (median squared distance / log B), so the force keeps
/// the same size relative to the score as the noise level falls.
/// </summary>
/// <param name="inner">Guidance the repulsion is added to (null: repulsion only).</param>
/// <param name="strength">Weight of the repulsive potential; 0 turns it off.</param>
public sealed class RepulsionGuidance(IGuidance? inner, double strength) : IGuidance, IBatchGuidance
{
    /// <summary>Weight of the repulsive potential.</summary>
    public double Strength { get; } = strength >= 0 && double.IsFinite(strength)
        ? strength
        : throw new NagUserException($"PredictorGuidanceSettings.Repulsion must be a finite number >= 0, got {strength}");

    /// <inheritdoc />
    public void StartBatch(int batch) => (inner as IBatchGuidance)?.StartBatch(batch);

    /// <summary>Below this diffusion time no repulsion is added, so the score alone settles samples onto one-hot graphs.</summary>
    public double StopTime { get => _stopTime; init => _stopTime = Guard.InRange(value, 0, 1, "PredictorGuidanceSettings.StopTime"); }

    private readonly double _stopTime;

    /// <inheritdoc />
    public Tensor Gradient(Tensor x, double t, Tensor score)
    {
        var g = inner?.Gradient(x, t, score);
        long b = x.shape[0];
        if (Strength == 0 || b < 2 || t < StopTime) return g ?? zeros_like(x);
        using var scope = NewDisposeScope();
        var flat = x.detach().reshape(b, -1);                                                  // [B, D]
        var sq = flat.square().sum(1, keepdim: true);                                          // [B, 1]
        var d2 = (sq + sq.t() - flat.matmul(flat.t()) * 2).clamp_min(0);                       // [B, B]
        double h = Math.Max(d2.median().to_type(ScalarType.Float64).item<double>() / Math.Log(b), 1e-6);
        var k = (d2 * (-1.0 / h)).exp();                                                        // [B, B]
        // grad_i of -sum_j k_ij = (2 / h) * sum_j k_ij (x_i - x_j)
        var push = (flat * k.sum(1, keepdim: true) - k.matmul(flat)) * (2.0 * Strength / h);   // [B, D]
        var total = push.reshape(x.shape);
        if (g is not null) { total = total + g; }
        return total.MoveToOuterDisposeScope();
    }
}
