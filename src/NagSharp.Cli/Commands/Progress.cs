using System.Diagnostics;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary>
/// Progress reporting for long loops: a Spectre progress bar (step, loss, ETA) on a terminal, and a line every
/// 10 % on stderr otherwise, so logs of batch runs stay readable.
/// </summary>
public static class ProgressRunner
{
    /// <summary>Runs <paramref name="body"/>, which reports (done, total, status text) through the callback.</summary>
    public static void Run(CliContext ctx, string title, Action<Action<int, int, string>> body)
    {
        var clock = Stopwatch.StartNew();
        if (ctx.Interactive)
        {
            ctx.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(p =>
                {
                    var task = p.AddTask(Markup.Escape(title));
                    body((done, total, status) =>
                    {
                        task.MaxValue = total;
                        task.Value = done;
                        task.Description = Markup.Escape($"{title} {status}");
                    });
                });
            return;
        }
        int lastDecile = -1;
        body((done, total, status) =>
        {
            int decile = total == 0 ? 10 : done * 10 / total;
            if (decile == lastDecile) return;
            lastDecile = decile;
            double eta = done == 0 ? double.NaN : clock.Elapsed.TotalSeconds * (total - done) / done;
            ctx.Err.WriteLine($"{title}: {done}/{total} {status} elapsed {clock.Elapsed.TotalSeconds:F0}s eta {(double.IsNaN(eta) ? "?" : eta.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + "s")}");
        });
    }
}
