using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;
using NagSharp.Store;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NagSharp.Diffusion;

/// <summary>
/// What both diffusion engines hold and checkpoint the same way: the space, the training settings, the network and
/// its EMA copy (used for sampling), Adam and the step count. Engines add their noise process and loss; nanoGPT-style,
/// one checkpoint carries all of it so training resumes exactly.
/// </summary>
/// <typeparam name="TNet">The engine's denoising network.</typeparam>
public abstract class TrainedGenerator<TNet> : IDisposable where TNet : nn.Module
{
    private readonly Adam _optimizer;
    private int _step;

    /// <summary>The space the generator produces.</summary>
    public ISearchSpace Space { get; }
    /// <summary>Optimisation settings.</summary>
    public TrainConfig Train { get; }
    /// <summary>Steps trained so far.</summary>
    public int Step => _step;
    /// <summary>Trained weights.</summary>
    public TNet Model { get; }
    /// <summary>EMA weights, used for sampling.</summary>
    public TNet Ema { get; }
    /// <summary>Number of trainable parameters.</summary>
    public long ParameterCount => Model.parameters().Sum(p => p.numel());

    /// <summary>Seeds torch with <see cref="TrainConfig.Seed"/>, then builds the network and its EMA copy (same weights).</summary>
    protected TrainedGenerator(ISearchSpace space, TrainConfig train, Func<TNet> build)
    {
        train.Validate();
        Space = space; Train = train;
        torch.manual_seed(train.Seed);
        Model = build();
        Ema = build();
        TorchState.CopyWeights(Model, Ema);
        Ema.eval();
        _optimizer = optim.Adam(Model.parameters(), lr: train.LearningRate);
    }

    /// <summary>Runs the shared loop (<see cref="TrainLoop"/>) from <see cref="Step"/> to <see cref="TrainConfig.Steps"/> with the engine's loss.</summary>
    protected void RunTraining(Func<Tensor> loss, Action<TrainProgress>? progress, Action<int>? checkpoint, int checkpointEvery, CancellationToken cancel = default) =>
        TrainLoop.Run(ref _step, Model, Ema, _optimizer, Train, loss, progress, checkpoint, checkpointEvery, cancel);

    /// <summary>A checkpoint of <paramref name="kind"/> whose header already names the space and the step.</summary>
    protected Checkpoint NewCheckpoint(string kind)
    {
        var ck = new Checkpoint(kind);
        ck.Header["space"] = Space.Name;
        ck.Header["step"] = Step;
        return ck;
    }

    /// <summary>Adds model, EMA, optimiser and RNG state to <paramref name="ck"/> and writes it (atomically) to <paramref name="path"/>.</summary>
    protected void SaveCheckpoint(Checkpoint ck, string path)
    {
        TorchState.SaveTraining(ck, Model, Ema, _optimizer);
        ck.Save(path);
    }

    /// <summary>Restores weights, optimiser, RNG state and step of a freshly built <paramref name="generator"/>; disposes it on failure.</summary>
    protected static TGen Restore<TGen>(TGen generator, Checkpoint ck, string path) where TGen : TrainedGenerator<TNet>
    {
        try
        {
            TorchState.RestoreTraining(ck, path, generator.Model, generator.Ema, generator._optimizer);
            generator._step = ck.Get<int>("step", path);
            return generator;
        }
        catch { generator.Dispose(); throw; }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        Ema.Dispose();
        _optimizer.Dispose();
        DisposeEngine();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the engine adds to the shared state.</summary>
    protected virtual void DisposeEngine() { }
}
