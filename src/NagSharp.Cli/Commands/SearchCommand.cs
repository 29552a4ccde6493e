using System.CommandLine;
using System.Globalization;
using NagSharp.Search;
using NagSharp.Spaces;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag search</c>: classic NAS strategies on a benchmark table, many seeds, comparable outputs.</summary>
public static class SearchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
        var objective = new Option<string>("--objective") { Description = "Column the strategies may query (counted)", Required = true };
        var report = new Option<string>("--report") { Description = "Column used only for the final numbers", Required = true };
        var strategies = new Option<string[]>("--strategy") { Description = $"Strategy (repeatable; default all: {string.Join(", ", StrategyRegistry.Names)})" };
        var budget = new Option<int>("--budget") { Description = "Queries per run", DefaultValueFactory = _ => 100 };
        var seeds = new Option<int>("--seeds") { Description = "Runs per strategy (seeds 0..N-1 plus --seed)", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "First seed", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string>("--out") { Description = "Output directory (trials.csv, summary.json, summary.csv)", Required = true };
        var cmd = new Command("search", "Run NAS strategies on a benchmark table and aggregate over seeds")
            { space, objective, report, strategies, budget, seeds, seed, outDir };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var s = SpaceRegistry.Get(p.GetValue(space)!);
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            string obj = p.GetValue(objective)!, rep = p.GetValue(report)!;
            data.RequireColumn(obj); data.RequireColumn(rep);
            var names = p.GetValue(strategies) is { Length: > 0 } given ? given : StrategyRegistry.Names.ToArray();
            foreach (var n in names) StrategyRegistry.Create(n, s, 0);   // validate names before any work
            int b = p.GetValue(budget), runs = p.GetValue(seeds), first = p.GetValue(seed);
            if (b < 1 || runs < 1) throw new NagUserException("--budget and --seeds must be at least 1");
            var trials = new List<Trial>();
            ProgressRunner.Run(ctx, "search", rep2 =>
            {
                int done = 0;
                foreach (var n in names)
                    for (int k = 0; k < runs; k++)
                    {
                        trials.AddRange(SearchHarness.Run(StrategyRegistry.Create(n, s, first + k), data, obj, rep, b, first + k));
                        rep2(++done, names.Length * runs, n);
                    }
            });
            var summaries = names.Select(n => SearchHarness.Summarise(n, trials, data, obj, b)).ToArray();
            string dir = p.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            AtomicFile.WriteText(Path.Combine(dir, "trials.csv"), w =>
            {
                w.WriteLine("strategy,seed,query,arch,objective,report");
                foreach (var t in trials)
                    w.WriteLine(string.Join(",", t.Strategy, t.Seed.ToString(CultureInfo.InvariantCulture), t.Query.ToString(CultureInfo.InvariantCulture),
                        CliHelpers.CsvField(t.Arch), CliHelpers.Num(t.Objective), CliHelpers.Num(t.Report)));
            });
            var budgets = summaries[0].BestReport.Keys.Order().ToArray();
            AtomicFile.WriteText(Path.Combine(dir, "summary.csv"), w =>
            {
                w.WriteLine("strategy,seeds," + string.Join(",", budgets.Select(x => $"mean_at_{x},std_at_{x}")) + ",queries_to_optimum,found_optimum");
                foreach (var sm in summaries)
                    w.WriteLine(string.Join(",", new[] { sm.Strategy, sm.Seeds.ToString(CultureInfo.InvariantCulture) }
                        .Concat(budgets.SelectMany(x => new[] { CliHelpers.Num(sm.BestReport[x].Mean), CliHelpers.Num(sm.BestReport[x].Std) }))
                        .Append(CliHelpers.Num(sm.QueriesToOptimum)).Append(sm.FoundOptimum.ToString(CultureInfo.InvariantCulture))));
            });
            AtomicFile.WriteText(Path.Combine(dir, "summary.json"), w => w.WriteLine(Json.Write(j =>
            {
                j.WriteStartObject();
                j.WriteString("space", s.Name); j.WriteString("objective", obj); j.WriteString("report", rep);
                j.WriteNumber("budget", b); j.WriteNumber("seeds", runs);
                j.WriteStartArray("strategies");
                foreach (var sm in summaries)
                {
                    j.WriteStartObject();
                    j.WriteString("strategy", sm.Strategy);
                    j.WriteStartObject("best_report");
                    foreach (var x in budgets) { j.WriteStartObject(x.ToString(CultureInfo.InvariantCulture)); j.WriteNumber("mean", sm.BestReport[x].Mean); j.WriteNumber("std", sm.BestReport[x].Std); j.WriteEndObject(); }
                    j.WriteEndObject();
                    j.WriteNumber("queries_to_optimum", sm.QueriesToOptimum);
                    j.WriteNumber("found_optimum", sm.FoundOptimum);
                    j.WriteEndObject();
                }
                j.WriteEndArray();
                j.WriteEndObject();
            })));
            var table = new Table().AddColumn("strategy");
            foreach (var x in budgets) table.AddColumn($"{Markup.Escape(rep)} @{x}");
            table.AddColumn("queries to optimum").AddColumn("found");
            foreach (var sm in summaries)
                table.AddRow(new[] { sm.Strategy }.Concat(budgets.Select(x => string.Create(CultureInfo.InvariantCulture, $"{sm.BestReport[x].Mean:F3} ± {sm.BestReport[x].Std:F3}")))
                    .Append(sm.QueriesToOptimum.ToString("F1", CultureInfo.InvariantCulture)).Append($"{sm.FoundOptimum}/{sm.Seeds}").ToArray());
            ctx.Console.Write(table);
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
