using NagSharp.Spaces;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NagSharp.Models;

/// <summary>
/// The official Once-for-All accuracy predictor: an MLP 128-400-400-400-1 with ReLU over the subnet's features (60 kernel
/// one-hots, 60 expansion one-hots, 8 resolution one-hots), predicting ImageNet top-1 as a fraction. Loaded from the
/// released weights (safetensors); used as the accuracy oracle of <see cref="OfaSpace"/>.
/// </summary>
public sealed class OfaAccuracyPredictor : Module<Tensor, Tensor>
{
    private readonly Linear l0, l2, l4, l6;

    /// <summary>Input features.</summary>
    public const int Features = 2 * OfaSpace.Slots * 3 + ResolutionBins;

    /// <summary>Resolution one-hots: index (r - 112) / 16 for r in 112..224.</summary>
    public const int ResolutionBins = 8;

    private OfaAccuracyPredictor() : base("ofa_acc_predictor")
    {
        l0 = Linear(Features, 400); l2 = Linear(400, 400); l4 = Linear(400, 400); l6 = Linear(400, 1);
        RegisterComponents();
    }

    /// <summary>x [B, 128] -&gt; predicted top-1 fraction [B].</summary>
    public override Tensor forward(Tensor x) =>
        l6.forward(functional.relu(l4.forward(functional.relu(l2.forward(functional.relu(l0.forward(x))))))).squeeze(-1);

    /// <summary>Loads the weights (tensors <c>0.weight</c> .. <c>6.bias</c>), checking every shape.</summary>
    public static OfaAccuracyPredictor Load(string path)
    {
        var tensors = SafeTensors.Read(path);
        var model = new OfaAccuracyPredictor();
        try
        {
            using var _ = no_grad();
            foreach (var (name, layer, rows, cols) in new[] { ("0", model.l0, 400L, (long)Features), ("2", model.l2, 400L, 400L), ("4", model.l4, 400L, 400L), ("6", model.l6, 1L, 400L) })
            {
                if (!tensors.TryGetValue(name + ".weight", out var w) || !w.Shape.SequenceEqual([rows, cols]))
                    throw new NagDataException($"{path}: tensor '{name}.weight' missing or not [{rows}, {cols}]");
                if (!tensors.TryGetValue(name + ".bias", out var b) || !b.Shape.SequenceEqual([rows]))
                    throw new NagDataException($"{path}: tensor '{name}.bias' missing or not [{rows}]");
                layer.weight!.copy_(tensor(w.Data).view(rows, cols));
                layer.bias!.copy_(tensor(b.Data));
            }
        }
        catch { model.Dispose(); throw; }
        model.eval();
        return model;
    }

    /// <summary>The 128 features of a subnet given as raw OFA lists (kernels and expansions per slot, 0 where the stage is
    /// shallower; depths; resolution, binned as (r - 112) / 16 and clamped to the 8 bins, so nets outside 112..239 land in
    /// the end bins).</summary>
    public static float[] Encode(IReadOnlyList<int> kernels, IReadOnlyList<int> expands, IReadOnlyList<int> depths, int resolution)
    {
        var x = new float[Features];
        for (int i = 0; i < OfaSpace.Slots; i++)
        {
            if (i % OfaSpace.MaxDepth >= depths[i / OfaSpace.MaxDepth]) continue;
            int k = OfaSpace.KernelChoices.ToList().IndexOf(kernels[i]), e = OfaSpace.ExpandChoices.ToList().IndexOf(expands[i]);
            if (k < 0 || e < 0) throw new ArgumentException($"layer {i}: kernel {kernels[i]} / expansion {expands[i]} outside the space");
            x[3 * i + k] = 1;
            x[3 * OfaSpace.Slots + 3 * i + e] = 1;
        }
        x[6 * OfaSpace.Slots + Math.Clamp((resolution - 112) / 16, 0, ResolutionBins - 1)] = 1;
        return x;
    }

    /// <summary>Predicted top-1 (%) of raw feature rows, batched in one forward pass.</summary>
    public double[] PredictFeatures(IReadOnlyList<float[]> rows)
    {
        if (rows.Count == 0) return [];
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = tensor(rows.SelectMany(r => r).ToArray()).view(rows.Count, Features);
        return forward(x).mul(100).data<float>().Select(v => (double)v).ToArray();
    }

    /// <summary>Predicted ImageNet top-1 (%) of subnets, one batched forward pass.</summary>
    public double[] Predict(IReadOnlyList<OfaArch> archs) =>
        PredictFeatures(archs.Select(a => Encode(a.Kernels, a.Expands, a.Depths, a.Resolution)).ToArray());
}
