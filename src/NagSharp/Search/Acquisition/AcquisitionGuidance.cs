using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>
/// Guidance by an acquisition function: the gradient of a(ensemble(x_t, t)) with respect to the generator's noisy
/// graph, so sampling itself optimises the acquisition instead of mutating and filtering. With a prior the model is
/// the prior's weighted mean plus the ensemble (transfer: the source term plus the learned residual), see
/// <see cref="AcquisitionModel"/>.
/// </summary>
public sealed class AcquisitionGuidance(AcquisitionModel model) : IGuidance
{
    /// <inheritdoc />
    public Tensor Gradient(Tensor x, double t, Tensor score)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        long b = x.shape[0];
        var xg = x.detach().requires_grad_(true);                                              // [B, N, F]
        var a = model.Acquire(xg.reshape(b, -1), full(b, t, dtype: ScalarType.Float32));       // [B]
        var g = autograd.grad([a.sum()], [xg])[0];                                             // [B, N, F]
        return (g * model.Scale).detach().MoveToOuterDisposeScope();
    }
}
