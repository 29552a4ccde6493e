using System.CommandLine;
using System.Globalization;
using NagSharp.Search;
using NagSharp.Spaces;
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
        var cmd = new Command("pool", "Pool several `nag search` outputs of the same search into one, with standard errors") { dirs, outDir };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var inputs = p.GetValue(dirs)!.Select(d => (Dir: d, Output: SearchOutput.Read(d))).ToList();
            var first = inputs[0].Output.Header;
            foreach (var (dir, (h, _)) in inputs.Skip(1))
            {
                string? field = h.Space != first.Space ? "space" : h.Objective != first.Objective ? "objective" : h.Report != first.Report ? "report"
                    : h.Budget != first.Budget ? "budget" : h.Minimize != first.Minimize ? "minimize" : null;
                if (field is not null) throw new NagUserException($"{dir}: {field} differs from {inputs[0].Dir}; only runs of the same search can be pooled");
            }
            // Strategies in order of first appearance; each strategy's runs in (directory, seed) order, as `nag search` writes them.
            var runs = new Dictionary<string, List<IEnumerable<Trial>>>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var (_, (_, trials)) in inputs)
                foreach (var run in trials.GroupBy(t => (t.Strategy, t.Seed)).OrderBy(g => g.Key.Seed))
                {
                    if (!runs.TryGetValue(run.Key.Strategy, out var list)) { runs[run.Key.Strategy] = list = []; order.Add(run.Key.Strategy); }
                    list.Add(run.OrderBy(t => t.Query));
                }
            var pooled = order.SelectMany(n => runs[n].SelectMany((run, id) => run.Select(t => t with { Seed = id }))).ToList();
            var space = SpaceRegistry.Get(first.Space);
            var data = CliHelpers.LoadData(space, p.GetValue(ctx.DataDir));
            data.RequireColumn(first.Objective); data.RequireColumn(first.Report);
            var names = pooled.Select(t => t.Strategy).Distinct().ToArray();
            var summaries = names.Select(n => SearchHarness.Summarise(n, pooled, data, first.Objective, first.Budget, first.Minimize)).ToArray();
            string target = p.GetValue(outDir)!;
            SearchRunner.Write(target, first.Space, first.Objective, first.Report, first.Budget, summaries.Max(s => s.Seeds), pooled, summaries, minimize: first.Minimize);
            PlotCommand.Render(target, p.GetValue(ctx.DataDir));
            ctx.Console.Write(Table(first.Report, summaries));
            ctx.Out.WriteLine($"pooled {inputs.Count} outputs into {target}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static double StandardError(double std, int n) => std / Math.Sqrt(Math.Max(1, n));

    private static Table Table(string report, IReadOnlyList<StrategySummary> summaries)
    {
        var inv = CultureInfo.InvariantCulture;
        var budgets = summaries[0].BestReport.Keys.Order().ToArray();
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
