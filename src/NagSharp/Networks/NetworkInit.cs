using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NagSharp.Networks;

/// <summary>Weight tweaks for checks that compare implementations.</summary>
public static class NetworkInit
{
    /// <summary>
    /// Gives every batch norm random affine weights and running statistics (from the torch RNG). A fresh network has
    /// mean 0 / variance 1 / weight 1 / bias 0, which hides a wrongly exported or skipped normalisation.
    /// </summary>
    public static void RandomizeBatchNorm(nn.Module net)
    {
        using var _ = no_grad();
        foreach (var (_, m) in net.named_modules())
        {
            if (m is not BatchNorm2d bn) continue;
            bn.weight!.copy_(rand_like(bn.weight) + 0.5);
            bn.bias!.copy_(randn_like(bn.bias) * 0.2);
            bn.running_mean!.copy_(randn_like(bn.running_mean) * 0.2);
            bn.running_var!.copy_(rand_like(bn.running_var) + 0.5);
        }
    }
}
