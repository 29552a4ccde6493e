using System.Diagnostics;
using System.Globalization;
using NagSharp.Experiments;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary>
/// Progress reporting for long loops: a Spectre progress bar (step, loss, ETA) on a terminal, and a line every
/// 10 % on stderr otherwise, so logs of batch runs stay readable.
/// </summary>
public static class ProgressRunner
{
    /// <summary>Runs <paramref name="body"/>, which reports (done, total, status text) through the callback.</summary>
    public static void Run(CliContext ctx, string title, Action<Action<int, int, string>> body) =>
        Observe(ctx, progress => { body((done, total, status) => progress.Step(title, done, total, status)); return 0; });

    /// <summary>
    /// Runs a library entry point and renders what it reports: one bar (or one line per 10 %) per stage, in the order
    /// the stages first report, and notes as log lines (above the bars on a terminal, else on stderr).
    /// </summary>
    public static T Observe<T>(CliContext ctx, Func<IProgress<ExperimentEvent>, T> body)
    {
        if (ctx.Interactive)
        {
            T result = default!;
            ctx.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(p =>
                {
                    var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                    result = body(ExperimentProgress.Of(e =>
                    {
                        switch (e)
                        {
                            case ExperimentNote note: ctx.Console.MarkupLine(Markup.Escape(note.Text)); break;
                            case ExperimentStep step:
                                if (!tasks.TryGetValue(step.Stage, out var task)) tasks[step.Stage] = task = p.AddTask(Markup.Escape(step.Stage));
                                task.MaxValue = step.Total;
                                task.Value = step.Done;
                                task.Description = Markup.Escape($"{step.Stage} {step.Status}");
                                break;
                        }
                    }));
                });
            return result;
        }
        var stages = new Dictionary<string, (Stopwatch Clock, int LastDecile)>(StringComparer.Ordinal);
        return body(ExperimentProgress.Of(e =>
        {
            switch (e)
            {
                case ExperimentNote note: ctx.Err.WriteLine(note.Text); break;
                case ExperimentStep (var title, var done, var total, var status):
                    var (clock, lastDecile) = stages.TryGetValue(title, out var st) ? st : (Stopwatch.StartNew(), -1);
                    int decile = total == 0 ? 10 : done * 10 / total;
                    stages[title] = (clock, decile);
                    if (decile == lastDecile) return;
                    double eta = done == 0 ? double.NaN : clock.Elapsed.TotalSeconds * (total - done) / done;
                    ctx.Err.WriteLine($"{title}: {done}/{total} {status} elapsed {clock.Elapsed.TotalSeconds:F0}s eta {(double.IsNaN(eta) ? "?" : eta.ToString("F0", CultureInfo.InvariantCulture) + "s")}");
                    break;
            }
        }));
    }
}
