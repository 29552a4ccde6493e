using System.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Tests;

/// <summary>Optimiser steps inside a no-GC region (the TorchSharp Scalar race).</summary>
[Collection(TorchCollection.Name)]
public sealed class TorchGcTests
{
    private static (nn.Module<Tensor, Tensor> Model, TorchSharp.Modules.Adam Adam) Twin()
    {
        manual_seed(3);
        var model = nn.Linear(4, 1);
        return (model, optim.Adam(model.parameters(), lr: 0.1, weight_decay: 1e-4));
    }

    private static void Backward(nn.Module<Tensor, Tensor> model)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        model.forward(randn(8, 4)).square().mean().backward();
    }

    [Fact]
    public void AStepMatchesThePlainStepAndLeavesNoRegionBehind()
    {
        var (a, adamA) = Twin();
        var (b, adamB) = Twin();
        for (int i = 0; i < 3; i++)
        {
            Backward(a); adamA.step(); adamA.zero_grad();
            Backward(b); TorchGc.Step(adamB); adamB.zero_grad();
            Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        }
        foreach (var (p, q) in a.parameters().Zip(b.parameters())) Assert.True(p.eq(q).all().item<bool>(), "parameters differ after the same steps");
    }

    [Fact]
    public void AStepInsideARegionSomeoneElseHoldsStillSteps()
    {
        // The runtime refuses a second region; the step must run anyway (unprotected) instead of throwing.
        var (model, adam) = Twin();
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        Backward(model);
        bool held = GC.TryStartNoGCRegion(16 << 20);
        try { TorchGc.Step(adam); }
        finally { if (held && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion(); }
        Assert.Contains(model.parameters().Zip(before), t => !t.First.eq(t.Second).all().item<bool>());
    }
}
