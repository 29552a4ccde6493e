using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NagSharp.Models;

/// <summary>Weight copying, EMA and (de)serialisation of modules, optimisers and the RNG, shared by all engines.</summary>
public static class TorchState
{
    /// <summary>Copies parameters from one module to another of the same shape.</summary>
    public static void CopyWeights(nn.Module from, nn.Module to)
    {
        using var _ = no_grad();
        foreach (var (p, q) in from.parameters().Zip(to.parameters())) q.copy_(p);
    }

    /// <summary>
    /// ema = d * ema + (1 - d) * model with d = min(decay, (1 + step) / (10 + step)): the warm-up keeps the EMA from
    /// dragging the initial random weights into short runs.
    /// </summary>
    public static void EmaUpdate(IReadOnlyList<Parameter> ema, IReadOnlyList<Parameter> model, double decay, int step)
    {
        decay = Math.Min(decay, (1.0 + step) / (10.0 + step));
        using var _ = no_grad();
        for (int i = 0; i < ema.Count; i++) ema[i].mul_(decay).add_(model[i], alpha: 1 - decay);
    }

    /// <summary>Serialized weights of a module.</summary>
    public static byte[] ModuleBytes(nn.Module module)
    {
        using var ms = new MemoryStream();
        module.save(ms);
        return ms.ToArray();
    }

    /// <summary>Restores weights written by <see cref="ModuleBytes"/>.</summary>
    public static void LoadModule(nn.Module module, byte[] bytes)
    {
        using var ms = new MemoryStream(bytes);
        module.load(ms);
    }

    /// <summary>Serialized optimiser state (moments, step counts).</summary>
    public static byte[] OptimizerBytes(OptimizerHelper optimizer)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(w);
        return ms.ToArray();
    }

    /// <summary>Restores optimiser state written by <see cref="OptimizerBytes"/>.</summary>
    public static void LoadOptimizer(OptimizerHelper optimizer, byte[] bytes)
    {
        using var ms = new MemoryStream(bytes);
        using var r = new BinaryReader(ms);
        optimizer.load_state_dict(r);
    }

    /// <summary>Stores model, EMA, optimiser and RNG state in a checkpoint: everything a resumed run needs.</summary>
    public static void SaveTraining(Store.Checkpoint ck, nn.Module model, nn.Module ema, OptimizerHelper optimizer)
    {
        ck.Sections["model"] = ModuleBytes(model);
        ck.Sections["ema"] = ModuleBytes(ema);
        ck.Sections["optimizer"] = OptimizerBytes(optimizer);
        ck.Sections["rng"] = RngBytes();
    }

    /// <summary>Restores what <see cref="SaveTraining"/> stored; a mismatch is a data error naming the file.</summary>
    public static void RestoreTraining(Store.Checkpoint ck, string path, nn.Module model, nn.Module ema, OptimizerHelper optimizer)
    {
        try
        {
            LoadModule(model, ck.Section("model", path));
            LoadModule(ema, ck.Section("ema", path));
            LoadOptimizer(optimizer, ck.Section("optimizer", path));
            RestoreRng(ck.Section("rng", path));
        }
        catch (Exception e) when (e is not NagDataException)
        {
            throw new NagDataException($"{path}: cannot restore weights ({e.Message})");
        }
        model.eval();
        ema.eval();
    }

    /// <summary>The global torch RNG state, so a resumed run draws the same numbers as an uninterrupted one.</summary>
    public static byte[] RngBytes()
    {
        using var rng = get_rng_state();
        return rng.data<byte>().ToArray();
    }

    /// <summary>Restores the global torch RNG state.</summary>
    public static void RestoreRng(byte[] bytes)
    {
        using var rng = tensor(bytes, dtype: ScalarType.Byte);
        set_rng_state(rng);
    }
}
