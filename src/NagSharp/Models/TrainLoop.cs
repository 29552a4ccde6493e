using NagSharp.Diffusion.Score;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NagSharp.Models;

/// <summary>
/// The optimisation loop both diffusion engines share: learning-rate warm-up, one loss per step inside a dispose
/// scope, gradient clipping, Adam, EMA, divergence check, progress and periodic checkpoints. Only the loss differs.
/// </summary>
public static class TrainLoop
{
    /// <summary>
    /// Runs steps from <paramref name="step"/> up to <see cref="TrainConfig.Steps"/>, updating <paramref name="step"/> as
    /// it goes (so a checkpoint callback sees the current step). <paramref name="loss"/> draws a batch and returns
    /// its scalar loss. <paramref name="ema"/> is null for models kept without an average (property predictors).
    /// </summary>
    public static void Run(ref int step, nn.Module model, nn.Module? ema, OptimizerHelper optimizer, TrainConfig train, Func<Tensor> loss,
        Action<TrainProgress>? progress = null, Action<int>? checkpoint = null, int checkpointEvery = 0, CancellationToken cancel = default)
    {
        var emaParams = ema?.parameters().ToArray();
        var modelParams = model.parameters().ToArray();
        model.train();
        double running = double.NaN;
        while (step < train.Steps && !cancel.IsCancellationRequested)
        {
            using (var scope = NewDisposeScope())
            {
                foreach (var g in optimizer.ParamGroups) g.LearningRate = train.RateAt(step);
                var l = loss();
                optimizer.zero_grad();
                l.backward();
                nn.utils.clip_grad_norm_(model.parameters(), train.GradClip);
                TorchGc.Step(optimizer);
                if (emaParams is not null) TorchState.EmaUpdate(emaParams, modelParams, train.EmaDecay, step);
                double value = l.item<float>();
                if (!double.IsFinite(value)) throw new NagUserException($"training diverged at step {step} (loss {value}); lower TrainConfig.LearningRate");
                running = double.IsNaN(running) ? value : 0.98 * running + 0.02 * value;
            }
            step++;
            progress?.Invoke(new TrainProgress(step, train.Steps, running));
            if (checkpointEvery > 0 && step % checkpointEvery == 0 && step < train.Steps) checkpoint?.Invoke(step);
        }
        model.eval();
    }
}
