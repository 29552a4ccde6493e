using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>
/// Acquisition guidance for the discrete engine: the gradient of a(ensemble(G)) with respect to the denoiser's
/// clean-graph probabilities, times the scale, added to the clean-graph logits. Symbols and edges that raise the
/// acquisition gain weight at every reverse step, so sampling itself climbs the acquisition.
/// </summary>
public sealed class DiscreteAcquisitionGuidance(AcquisitionModel model) : IDiscreteGuidance
{
    /// <inheritdoc />
    public (Tensor Nodes, Tensor Edges) Shift(Tensor nodes, Tensor edges, Tensor mask, double t)
    {
        using var scope = NewDisposeScope();
        if (!model.UseEnsemble && model.Prior is null) return (zeros_like(nodes).MoveToOuterDisposeScope(), zeros_like(edges).MoveToOuterDisposeScope());
        using var grad = enable_grad();
        bool free = model.Ensemble.HasEdgeFeatures;
        var pn = (nodes * mask.unsqueeze(-1)).detach().requires_grad_(true);                 // [B, N, K]
        var pe = edges[.., .., .., 1].detach().requires_grad_(true);                          // [B, N, N]
        var a = model.Acquire(model.Ensemble.SoftFeatures(pn, free ? pe : null));              // [B]
        var g = autograd.grad([a.sum()], free ? [pn, pe] : [pn]);
        var gx = g[0] * model.Scale;                                                          // [B, N, K]
        var ge = free ? stack([zeros_like(g[1]), g[1]], -1) * model.Scale : zeros_like(edges); // [B, N, N, 2]
        return (gx.detach().MoveToOuterDisposeScope(), ge.detach().MoveToOuterDisposeScope());
    }
}
