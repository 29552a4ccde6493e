using System.CommandLine;
using System.Globalization;
using NagSharp.Search;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary>
/// <c>nag pool DIR... --out DIR</c>: pools several <c>nag search</c> outputs of the same search (space, objective, report,
/// budget, direction) into one, e.g. blocks of seeds run separately or one block per generator checkpoint. Each
/// (directory, seed) is one run; the runs of a strategy are renumbered 0..n-1 in the order given. Prints mean ± standard
/// error, the figure to compare strategies by, and writes the usual trials, summaries and plots.
/// </summary>
public static class PoolCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var dirs = new Argument<string[]>("dirs") { Description = "Output directories of `nag search` (or one pair's directory of `nag bench search`)", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string>("--out") { Description = "Output directory of the pooled trials, summaries and plots", Required = true };
        var json = CliHelpers.JsonOption();
        var cmd = new Command("pool", "Pool several `nag search` outputs of the same search into one, with standard errors") { dirs, outDir, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            AtomicFile.RequireWritableDirectory(p.GetValue(outDir)!, "--out");   // before any work
            var dirList = p.GetValue(dirs)!;
            var result = SearchPool.Pool(dirList, p.GetValue(ctx.DataDir), CliHelpers.ExtraTables);
            string target = p.GetValue(outDir)!;
            SearchOutput.Write(target, result);
            PlotCommand.Render(target, p.GetValue(ctx.DataDir));
            if (p.GetValue(json)) { ctx.Out.WriteLine(ExperimentHost.Json(result.Summaries)); return ExitCodes.Ok; }
            ctx.Console.Write(Table(result.Report, result.Summaries));
            ctx.Out.WriteLine($"pooled {dirList.Length} outputs into {target}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static double StandardError(double std, int n) => std / Math.Sqrt(Math.Max(1, n));

    private static Table Table(string report, IReadOnlyList<StrategySummary> summaries)
    {
        var inv = CultureInfo.InvariantCulture;
        var budgets = SearchOutput.Budgets(summaries);
        var table = new Table().AddColumn("strategy").AddColumn("runs")
            .Caption($"best-so-far {Markup.Escape(report)} and queries to the optimum: mean ± standard error over runs");
        foreach (var x in budgets) table.AddColumn($"@{x}");
        table.AddColumn("queries").AddColumn("found");
        foreach (var sm in summaries)
            table.AddRow(new[] { sm.Strategy, sm.Seeds.ToString(inv) }
                .Concat(budgets.Select(x => string.Create(inv, $"{sm.BestReport[x].Mean:F2} ± {StandardError(sm.BestReport[x].Std, sm.Seeds):F2}")))
                .Append(string.Create(inv, $"{sm.QueriesToOptimum:F1} ± {StandardError(sm.QueriesStd, sm.Seeds):F1}")).Append($"{sm.FoundOptimum}/{sm.Seeds}").ToArray());
        return table;
    }
}
