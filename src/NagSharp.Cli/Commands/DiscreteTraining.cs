using System.CommandLine;
using System.Diagnostics;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Experiments;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag train generator --engine discrete</c>: the DiNAS generator with its conditions.</summary>
public static class DiscreteTraining
{
    /// <summary>Runs the command body.</summary>
    public static int Run(CliContext ctx, ParseResult p, Option<string> space, Option<string[]> conditions, Option<int> unlabelled,
        Option<double> fraction, Option<int> steps, Option<int> batch, Option<double> lr, Option<int> seed, Option<string> outPath,
        Option<bool> resume, Option<int> every, TrainCommand.NetworkOptions network)
    {
        string path = p.GetValue(outPath)!;
        DiscreteGenerator gen;
        if (p.GetValue(resume) && File.Exists(path))
        {
            gen = DiscreteGenerator.Load(path, t => t with { Steps = p.GetValue(steps) });
            ctx.Err.WriteLine($"resuming {path} at step {gen.Step} of {gen.Train.Steps}");
        }
        else
        {
            var s = SpaceRegistry.Get(p.GetValue(space)!);
            double f = p.GetValue(fraction);
            if (!(f is > 0 and <= 1)) throw new NagUserException($"--train-fraction must be in (0, 1], got {f}");
            if (p.GetValue(unlabelled) < 0) throw new NagUserException("--unlabelled must be non-negative");
            var conds = (p.GetValue(conditions) ?? []).Select(Condition.Parse).ToArray();
            var data = conds.Length > 0 || s.Size is null ? CliHelpers.LoadDataOrNull(s, p.GetValue(ctx.DataDir)) : null;
            var lists = s.Size is null ? NagSharp.Benchmarks.TrainingSets.Lists(s, p.GetValue(ctx.DataDir)) : [];
            var set = DiscreteModels.BuildTrainingSet(s, data, conds, f, p.GetValue(unlabelled), p.GetValue(seed), lists);
            for (int c = 0; c < conds.Length; c++)
                ctx.Err.WriteLine($"condition {conds[c]}: {set.Count(t => t.States[c] == 2)} satisfy, {set.Count(t => t.States[c] == 1)} do not, {set.Count(t => t.States[c] == 0)} unknown");
            if (ConditionCoverage.JointWarning(conds, set) is string warning) ctx.Err.WriteLine($"nag: warning: {warning}");
            var train = new TrainConfig(Steps: p.GetValue(steps), Batch: p.GetValue(batch), LearningRate: p.GetValue(lr), Seed: p.GetValue(seed));
            gen = new DiscreteGenerator(s, new DiscreteConfig(), network.ReadDenoiser(p), train, conds.Select(c => c.Text).ToList(), set);
        }
        using (gen)
        {
            ctx.Err.WriteLine($"training {gen.Space.Name} discrete generator: {gen.ParameterCount:N0} parameters, {gen.TrainingSet.Count:N0} training architectures, {gen.Train.Steps} steps, {TorchSharp.torch.get_num_threads()} torch thread(s)");
            var clock = Stopwatch.StartNew();
            ProgressRunner.Run(ctx, "train", report =>
                gen.TrainToEnd(pr => report(pr.Step, pr.Total, $"loss {pr.Loss:F4}"), _ => gen.Save(path), p.GetValue(every)));
            gen.Save(path);
            ctx.Out.WriteLine($"saved {path} (step {gen.Step}, {clock.Elapsed.TotalSeconds:F1} s)");
        }
        return ExitCodes.Ok;
    }
}
