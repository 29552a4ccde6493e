using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using NagSharp.Benchmarks;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary>
/// <c>nag bench search</c>: every strategy on every objective/report pair of a space's tables, many seeds, one markdown
/// table with plots. Transfer uses the other pairs' objectives as its sources, and is compared with querying in the
/// order of those sources.
/// </summary>
public static class BenchSearchCommand
{
    /// <summary>
    /// Objective/report pairs found in the tables: a column whose name contains the token <c>valid</c> pairs with the
    /// column named the same with <c>test</c> instead. Discovered, so any dataset of a table joins the benchmark.
    /// </summary>
    public static List<(string Objective, string Report)> DiscoverPairs(BenchmarkData data) =>
        data.Columns.Where(c => c.Split('_').Contains("valid"))
            .Select(c => (c, string.Join("_", c.Split('_').Select(t => t == "valid" ? "test" : t))))
            .Where(p => data.HasColumn(p.Item2)).ToList();

    /// <summary>
    /// Queries needed to reach an architecture with the objective's best value when querying in the order of the
    /// sources' mean rank score (best first), or null when none of the optimum's architectures is labelled by every source.
    /// </summary>
    public static int? SourceOrderQueries(BenchmarkData data, IReadOnlyList<string> sources, string objective)
    {
        var score = TransferPrior.MeanRankScores(TransferPrior.SourceRows(data, sources, lowerIsBetter: false));   // bench search maximises
        double top = data.ColumnEntries(objective).Max(e => e.Value);
        var order = score.Values.Where(e => e.Count == sources.Count && data.Get(e.Arch, objective) is not null)
            .OrderByDescending(e => e.Score).ThenBy(e => e.Arch.ToString(), StringComparer.Ordinal).ToList();
        int index = order.FindIndex(e => data.Get(e.Arch, objective) == top);
        return index < 0 ? null : index + 1;
    }

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
        var pairsOpt = new Option<string?>("--pairs") { Description = "objective:report pairs (comma-separated; default: every <x>valid<y> column with a <x>test<y> twin)" };
        var strategies = new Option<string?>("--strategies") { Description = $"Strategies (comma-separated; default: {string.Join(",", StrategyRegistry.Names)})" };
        var budget = new Option<int>("--budget") { Description = "Queries per run", DefaultValueFactory = _ => 200 };
        var seeds = new Option<int>("--seeds") { Description = "Runs per strategy and pair", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "First seed", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string>("--out") { Description = "Output directory", DefaultValueFactory = _ => Path.Combine("runs", "bench-search") };
        var acquisition = new Option<string>("--acquisition") { Description = "BO acquisition: its, ucb or ei", DefaultValueFactory = _ => "its" };
        var generator = new Option<string?>("--generator") { Description = "Score generator checkpoint (default: train or reuse the tiny one under --models-dir)" };
        var costInputs = new Option<bool>("--cost-inputs") { Description = "gp-bo and generator-bo --ranker gp: the space's analytic costs (params, FLOPs) join the GP's inputs" };
        var ranker = new Option<string>("--ranker") { Description = $"generator-bo: what ranks the generated candidates ({string.Join(", ", BoConfig.Rankers)})", DefaultValueFactory = _ => new SearchSettings().Ranker };
        var modelsDir = new Option<string>("--models-dir") { Description = "Where default models are cached", DefaultValueFactory = _ => Path.Combine("runs", "models") };
        var cmd = new Command("search", "Benchmark all search strategies on every objective/report pair: markdown table, JSON and plots")
            { space, pairsOpt, strategies, budget, seeds, seed, outDir, acquisition, generator, modelsDir, costInputs, ranker };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var clock = Stopwatch.StartNew();
            var s = SpaceRegistry.Get(p.GetValue(space)!);
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            var pairs = p.GetValue(pairsOpt) is string text
                ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x =>
                {
                    var parts = x.Split(':');
                    if (parts.Length != 2) throw new NagUserException($"--pairs: '{x}' is not objective:report");
                    return (Objective: parts[0], Report: parts[1]);
                }).ToList()
                : DiscoverPairs(data);
            if (pairs.Count == 0) throw new NagUserException($"no objective/report pairs found in the {s.Name} tables; give --pairs");
            foreach (var (o, r) in pairs) { data.RequireColumn(o); data.RequireColumn(r); }
            var names = (p.GetValue(strategies)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? StrategyRegistry.Names.ToArray()).ToList();
            foreach (var n in names) StrategyRegistry.Validate(n);
            if (p.GetValue(strategies) is null && !SearchCommand.DefaultsIncludeGenerator(s, p.GetValue(generator))) names.RemoveAll(StrategyRegistry.NeedsGenerator);
            if (pairs.Count < 2 && names.Remove("transfer")) ctx.Err.WriteLine("only one objective: transfer has no source and is skipped");
            int b = p.GetValue(budget), runs = p.GetValue(seeds), first = p.GetValue(seed);
            if (b < 1 || runs < 1) throw new NagUserException("--budget and --seeds must be at least 1");
            string? genPath = p.GetValue(generator);
            var common = new SearchSettings(p.GetValue(acquisition)!, Generator: genPath is null ? null : Path.GetFullPath(genPath),
                CostInputs: p.GetValue(costInputs), Ranker: p.GetValue(ranker)!);
            SearchRunner.Bo(common);   // bad settings fail before the output directory exists
            string dir = p.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            var results = new List<(string Objective, string Report, StrategySummary[] Summaries, Dictionary<string, double> Seconds, int? SourceOrder, string[] Sources)>();
            int total = pairs.Count * names.Count * runs, done = 0;
            ProgressRunner.Run(ctx, "bench search", report =>
            {
                foreach (var (obj, rep) in pairs)
                {
                    var sources = pairs.Select(x => x.Objective).Where(c => c != obj).ToArray();
                    var settings = common with { TransferFrom = sources };
                    var searchSpace = TableSpace.Needed(s, data) ? new TableSpace(s, data, obj) : s;
                    var (options, dispose) = SearchRunner.Options(ctx, searchSpace, data, obj, rep, settings, p.GetValue(modelsDir)!);
                    try
                    {
                        var trials = new List<Trial>();
                        var seconds = new Dictionary<string, double>();
                        foreach (var n in names)
                        {
                            var sw = Stopwatch.StartNew();
                            trials.AddRange(SearchRunner.Run([n], searchSpace, data, obj, rep, b, runs, first, options, [], null,
                                (_, _, status) => report(++done, total, $"{obj} {status}")));
                            seconds[n] = sw.Elapsed.TotalSeconds;
                        }
                        var summaries = names.Select(n => SearchHarness.Summarise(n, trials, data, obj, b)).ToArray();
                        string sub = Path.Combine(dir, obj);
                        SearchRunner.Write(sub, s.Name, obj, rep, b, runs, trials, summaries, seconds, settings: settings);
                        PlotCommand.Render(sub, p.GetValue(ctx.DataDir));
                        results.Add((obj, rep, summaries, seconds, SourceOrderQueries(data, sources, obj), sources));
                    }
                    finally { dispose(); }
                }
            });
            double elapsed = clock.Elapsed.TotalSeconds;
            var md = Markdown(s.Name, b, runs, common, results, elapsed);
            AtomicFile.WriteText(Path.Combine(dir, "bench_search.md"), w => w.Write(md));
            AtomicFile.WriteText(Path.Combine(dir, "bench_search.json"), w => w.WriteLine(Json.Write(j =>
            {
                j.WriteStartObject();
                j.WriteString("space", s.Name); j.WriteNumber("budget", b); j.WriteNumber("seeds", runs); j.WriteNumber("seconds", elapsed);
                j.WriteString("acquisition", common.Acquisition); j.WriteBoolean("cost_inputs", common.CostInputs); j.WriteString("ranker", common.Ranker);
                j.WriteStartArray("pairs");
                foreach (var r in results)
                {
                    j.WriteStartObject();
                    j.WriteString("objective", r.Objective); j.WriteString("report", r.Report);
                    j.WriteStartArray("transfer_sources"); foreach (var c in r.Sources) j.WriteStringValue(c); j.WriteEndArray();
                    if (r.SourceOrder is int so) j.WriteNumber("source_order_queries_to_optimum", so);
                    j.WriteStartArray("strategies");
                    foreach (var sm in r.Summaries)
                    {
                        j.WriteStartObject();
                        j.WriteString("strategy", sm.Strategy);
                        foreach (var (k, v) in sm.BestReport.OrderBy(x => x.Key)) { j.WriteNumber($"mean_at_{k}", v.Mean); j.WriteNumber($"std_at_{k}", v.Std); }
                        j.WriteNumber("queries_to_optimum", sm.QueriesToOptimum); j.WriteNumber("found_optimum", sm.FoundOptimum);
                        j.WriteNumber("seconds", r.Seconds[sm.Strategy]);
                        j.WriteEndObject();
                    }
                    j.WriteEndArray();
                    j.WriteEndObject();
                }
                j.WriteEndArray();
                j.WriteEndObject();
            })));
            ctx.Out.Write(md);
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static string Markdown(string space, int budget, int seeds, SearchSettings settings,
        IReadOnlyList<(string Objective, string Report, StrategySummary[] Summaries, Dictionary<string, double> Seconds, int? SourceOrder, string[] Sources)> results,
        double elapsed)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"# nag bench search: {space}, budget {budget}, {seeds} seeds");
        sb.AppendLine();
        sb.AppendLine(inv, $"Settings: acquisition {settings.Acquisition}, cost inputs {(settings.CostInputs ? "on" : "off")}, generator-bo ranker {settings.Ranker}.");
        sb.AppendLine();
        sb.AppendLine(inv, $"Total wall time {elapsed:F0} s. Best-so-far = report value of the architecture with the best objective among the queries so far (mean ± std over seeds). Queries to optimum: until an architecture with the table's best objective value is queried, censored at the budget.");
        foreach (var r in results)
        {
            sb.AppendLine();
            sb.AppendLine(inv, $"## objective {r.Objective}, report {r.Report}");
            sb.AppendLine();
            var budgets = r.Summaries[0].BestReport.Keys.Order().ToArray();
            sb.AppendLine("| strategy | " + string.Join(" | ", budgets.Select(x => $"@{x}")) + " | queries to optimum | found | seconds |");
            sb.AppendLine("|---|" + string.Concat(budgets.Select(_ => "---|")) + "---|---|---|");
            foreach (var sm in r.Summaries)
                sb.AppendLine($"| {sm.Strategy} | " + string.Join(" | ", budgets.Select(x => string.Create(inv, $"{sm.BestReport[x].Mean:F2} ± {sm.BestReport[x].Std:F2}")))
                    + string.Create(inv, $" | {sm.QueriesToOptimum:F1} | {sm.FoundOptimum}/{sm.Seeds} | {r.Seconds[sm.Strategy]:F0} |"));
            if (r.Sources.Length > 0)
                sb.AppendLine().AppendLine(string.Create(inv, $"Querying in the order of the transfer sources ({string.Join(", ", r.Sources)}) reaches the optimum after {(r.SourceOrder is int q ? q.ToString(inv) : "never")} queries."));
            sb.AppendLine().AppendLine(string.Create(inv, $"Plots: `{r.Objective}/best_so_far.png`, `{r.Objective}/queries_to_optimum.png`."));
        }
        return sb.ToString();
    }
}
