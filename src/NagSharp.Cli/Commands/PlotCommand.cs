using System.CommandLine;
using NagSharp.Experiments;

namespace NagSharp.Cli.Commands;

/// <summary>
/// <c>nag plot DIR</c>: PNG plots of a <c>nag search</c> output directory (see <see cref="SearchPlots"/>): best-so-far
/// report value per strategy, its regret on a log scale, and a histogram of queries to the optimum.
/// </summary>
public static class PlotCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var dirArg = new Argument<string>("dir") { Description = "Output directory of `nag search`" };
        var cmd = new Command("plot", "Plot the results of `nag search`: best_so_far.png, regret.png (log scale), queries_to_optimum.png") { dirArg };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var files = Render(p.GetValue(dirArg)!, p.GetValue(ctx.DataDir));
            ctx.Out.WriteLine($"wrote {string.Join(", ", files.All)}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>Writes the plots of a search output directory, reading the tables from the data directory.</summary>
    public static SearchPlotFiles Render(string dir, string? dataDir) => SearchPlots.Render(dir, space => CliHelpers.LoadData(space, dataDir));
}
