using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>
/// What guides one round of generation: the ensemble (and, for transfer, the prior) under an acquisition function.
/// <see cref="Member"/> [samples] picks the ensemble member each sample follows (Thompson sampling); with a
/// <see cref="Prior"/> the model is <see cref="PriorWeight"/> * mean prior + ensemble, and <see cref="UseEnsemble"/>
/// false guides by the prior alone (an unfitted ensemble is noise).
/// </summary>
public sealed record AcquisitionModel(EnsembleSurrogate Ensemble, string Kind, double Best, double Kappa, double Scale, Tensor Member,
    EnsembleSurrogate? Prior = null, double PriorWeight = 0, bool UseEnsemble = true)
{
    /// <summary>The acquisition [B] of surrogate inputs [B, D] at noise times [B] (null: clean), differentiable in the inputs.</summary>
    public Tensor Acquire(Tensor features, Tensor? time = null)
    {
        long b = features.shape[0];
        var preds = UseEnsemble ? Ensemble.Forward(features, time) : zeros(Ensemble.Config.Members, b);   // [K, B]
        if (Prior is not null) preds = preds + Prior.Forward(features, time).mean([0]).unsqueeze(0) * PriorWeight;
        return Acquisition.Guide(Kind, preds, Best, Kappa, Member);                                       // [B]
    }
}
