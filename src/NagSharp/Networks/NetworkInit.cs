using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NagSharp.Networks;

/// <summary>Weight tweaks for checks that compare implementations.</summary>
public static class NetworkInit
{
    /// <summary>
    /// Makes every batch norm non-trivial, as in a trained network: random affine weights (from the torch RNG), then
    /// running statistics measured on one batch of <paramref name="calibration"/> standard-normal inputs. A fresh
    /// network has mean 0 / variance 1 / weight 1 / bias 0, which hides a wrongly exported normalisation; and without
    /// measured statistics the sums of skip and pooling paths grow to ~1e6 over 15 cells, where float32 rounding
    /// alone exceeds any absolute tolerance on the logits.
    /// </summary>
    public static void RandomizeBatchNorm(NetworkModule net, int calibration = 8)
    {
        var norms = net.named_modules().Select(m => m.module).OfType<BatchNorm2d>().ToList();
        bool wasTraining = net.training;
        using (var _ = no_grad())
        {
            foreach (var bn in norms)
            {
                bn.weight!.copy_(rand_like(bn.weight) + 0.5);
                bn.bias!.copy_(randn_like(bn.bias) * 0.2);
                bn.reset_running_stats();
                bn.momentum = null; // cumulative average: after one batch the statistics are that batch's
            }
            net.train();
            var o = net.Options;
            using var scope = NewDisposeScope();
            net.forward(randn(calibration, o.InputChannels, o.InputSize, o.InputSize));
        }
        foreach (var bn in norms) bn.momentum = 0.1;
        if (!wasTraining) net.eval();
    }
}
