using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using NagSharp.Benchmarks;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>Settings of <see cref="SearchBench"/>.</summary>
/// <param name="Space">Search space name.</param>
/// <param name="Pairs">Objective/report column pairs; null: every pair <see cref="SearchBench.DiscoverPairs"/> finds.</param>
/// <param name="Strategies">Strategy names; null: all (the generator strategies where the space's defaults include them).</param>
/// <param name="Budget">Queries per run: 200 lets the slower strategies reach the optimum on NAS-Bench-201.</param>
/// <param name="Seeds">Runs per strategy and pair: 20 gives standard errors small enough to rank the strategies.</param>
/// <param name="FirstSeed">First seed.</param>
/// <param name="Strategy">Settings of the model-based strategies (the transfer sources are set per pair).</param>
/// <param name="OutDir">Output directory: one sub-directory per pair (a search output) plus bench_search.md/.json.</param>
/// <param name="ModelsDir">Where default generators are cached.</param>
/// <param name="DataDir">Benchmark data directory (null: the default lookup).</param>
/// <param name="ExtraTables">Extra metric tables loaded beside the space's own.</param>
public sealed record SearchBenchSettings(string Space = "nb201", IReadOnlyList<(string Objective, string Report)>? Pairs = null,
    IReadOnlyList<string>? Strategies = null, int Budget = 200, int Seeds = 20, int FirstSeed = 0, SearchSettings? Strategy = null,
    string? OutDir = null, string? ModelsDir = null, string? DataDir = null, IReadOnlyList<string>? ExtraTables = null)
{
    /// <summary>Default <see cref="OutDir"/>.</summary>
    public static readonly string DefaultOutDir = Path.Combine("runs", "bench-search");
}

/// <summary>The figures of one objective/report pair.</summary>
/// <param name="Run">The pair's search (trials, summaries, seconds per strategy).</param>
/// <param name="Dir">The pair's output directory.</param>
/// <param name="Sources">The transfer strategy's source columns (the other pairs' objectives).</param>
/// <param name="SourceOrder">Queries to the optimum when querying in the sources' order, or null when never.</param>
public sealed record SearchBenchPair(SearchRunResult Run, string Dir, IReadOnlyList<string> Sources, int? SourceOrder);

/// <summary>What <see cref="SearchBench.Run"/> measured.</summary>
/// <param name="Space">Search space name.</param>
/// <param name="Budget">Queries per run.</param>
/// <param name="Seeds">Runs per strategy and pair.</param>
/// <param name="Settings">The strategies' common settings.</param>
/// <param name="Pairs">One entry per pair, in order.</param>
/// <param name="Seconds">Total wall time.</param>
public sealed record SearchBenchResult(string Space, int Budget, int Seeds, SearchSettings Settings, IReadOnlyList<SearchBenchPair> Pairs, double Seconds);

/// <summary>
/// <c>nag bench search</c>'s protocol: every strategy on every objective/report pair of a space's tables, many seeds.
/// Transfer uses the other pairs' objectives as its sources, and is compared with querying in the order of those sources.
/// </summary>
public static class SearchBench
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

    /// <summary>
    /// Runs the benchmark, writing each pair's search output into a sub-directory named after its objective, and
    /// bench_search.md and bench_search.json into <see cref="SearchBenchSettings.OutDir"/>.
    /// </summary>
    public static SearchBenchResult Run(SearchBenchSettings settings, IProgress<ExperimentEvent>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        if (settings.Strategy is { } st && (st.EvaluatorName != "table" || st.Constraints is { Count: > 0 })) return RunWithEvaluator(settings, st, clock, progress);
        var s = SpaceRegistry.Get(settings.Space);
        var data = BenchmarkData.Load(s, DataLocator.Resolve(settings.DataDir), settings.ExtraTables ?? []);
        var pairs = settings.Pairs?.ToList() ?? DiscoverPairs(data);
        if (pairs.Count == 0) throw new NagUserException($"no objective/report pairs found in the {s.Name} tables; give the pairs");
        foreach (var (o, r) in pairs) { data.RequireColumn(o); data.RequireColumn(r); }
        var common = settings.Strategy ?? new SearchSettings();
        var names = (settings.Strategies ?? StrategyRegistry.Names).ToList();
        foreach (var n in names) StrategyRegistry.Validate(n);
        if (settings.Strategies is null && !SearchRun.DefaultsIncludeGenerator(s, common.Generator)) names.RemoveAll(StrategyRegistry.NeedsGenerator);
        if (pairs.Count < 2 && names.Remove("transfer")) progress.Note("only one objective: transfer has no source and is skipped");
        int b = settings.Budget, runs = settings.Seeds, first = settings.FirstSeed;
        if (b < 1 || runs < 1) throw new NagUserException("budget and seeds must be at least 1");
        foreach (var (o, _) in pairs) SearchHarness.CheckBudget(data, o, b);   // a budget no search can spend is refused before any work
        common.Bo();   // bad settings fail before the output directory exists
        string dir = settings.OutDir ?? SearchBenchSettings.DefaultOutDir;
        Directory.CreateDirectory(dir);
        var cache = new ModelCache(settings.ModelsDir ?? ModelCache.DefaultDir, settings.DataDir, settings.ExtraTables, progress);
        var results = new List<SearchBenchPair>();
        int total = pairs.Count * names.Count * runs, done = 0;
        foreach (var (obj, rep) in pairs)
        {
            var sources = pairs.Select(x => x.Objective).Where(c => c != obj).ToArray();
            // A lower-is-better objective (a latency or perplexity pair) is minimised, as its table layout declares.
            bool minimize = common.Minimize || data.DirectionOf(obj) == MetricDirection.LowerIsBetter;
            var strategy = common with { TransferFrom = sources, Minimize = minimize };
            var searchSpace = TableSpace.Needed(s, data) ? new TableSpace(s, data, obj) : s;
            using var models = new StrategyModels(searchSpace, data, obj, rep, strategy, cache);
            var trials = new List<Trial>();
            var seconds = new Dictionary<string, double>();
            foreach (var n in names)
            {
                var sw = Stopwatch.StartNew();
                trials.AddRange(SearchRun.RunStrategies([n], searchSpace, data, obj, rep, b, runs, first, models.Options, [], null,
                    (_, _, status) => progress.Step("bench search", ++done, total, $"{obj} {status}"), minimize));
                seconds[n] = sw.Elapsed.TotalSeconds;
            }
            var summaries = names.Select(n => SearchHarness.Summarise(n, trials, data, obj, b, minimize)).ToArray();
            var run = new SearchRunResult(s.Name, obj, rep, b, runs, minimize, strategy, trials, summaries, seconds);
            string sub = SafePath.Under(dir, obj);
            SearchOutput.Write(sub, run);
            results.Add(new SearchBenchPair(run, sub, sources, SourceOrderQueries(data, sources, obj)));
        }
        var result = new SearchBenchResult(s.Name, b, runs, common, results, clock.Elapsed.TotalSeconds);
        AtomicFile.WriteText(Path.Combine(dir, "bench_search.md"), w => w.Write(Markdown(result)));
        AtomicFile.WriteText(Path.Combine(dir, "bench_search.json"), w => w.WriteLine(JsonSerializer.Serialize(BenchJson.Of(result), Json.SerializerOptions)));
        return result;
    }

    /// <summary>
    /// The two-objective benchmark: every strategy of <paramref name="settings"/> (default: those that search several
    /// objectives) runs <see cref="Search.MultiObjective.ParetoRun"/> on <paramref name="objectives"/>; the output directory gets
    /// the search output plus bench_search.md with the wall time. <paramref name="reference"/>: the hypervolume's
    /// reference point (null: the nadir of the feasible trials).
    /// </summary>
    public static (NagSharp.Search.MultiObjective.ParetoRunResult Result, double Seconds) RunPareto(SearchBenchSettings settings, IReadOnlyList<string> objectives,
        IReadOnlyList<double>? reference, IProgress<ExperimentEvent>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Pairs is { Count: > 0 }) throw new NagUserException("a two-objective benchmark takes its objectives, not objective/report pairs");
        var clock = Stopwatch.StartNew();
        string dir = settings.OutDir ?? SearchBenchSettings.DefaultOutDir;
        var run = NagSharp.Search.MultiObjective.ParetoRun.Run(new NagSharp.Search.MultiObjective.ParetoRunSettings(settings.Space, objectives,
            settings.Strategies ?? NagSharp.Search.MultiObjective.ParetoRun.DefaultStrategies, settings.Budget, settings.Seeds, settings.FirstSeed,
            settings.Strategy, reference, settings.ModelsDir, settings.DataDir, settings.ExtraTables), progress);
        NagSharp.Search.MultiObjective.ParetoRun.Write(dir, run);
        double seconds = clock.Elapsed.TotalSeconds;
        AtomicFile.WriteText(Path.Combine(dir, "bench_search.md"), w =>
        {
            w.Write(NagSharp.Search.MultiObjective.ParetoRun.Markdown(run));
            w.WriteLine();
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{run.Seeds} seeds, budget {run.Budget}, {seconds:F0} s wall time ({string.Join(", ", run.Seconds.Select(kv => $"{kv.Key} {kv.Value:F0} s"))})."));
        });
        return (run, seconds);
    }

    /// <summary>
    /// The benchmark against another evaluator than the plain tables, or under constraints: each strategy of each given
    /// pair is one <see cref="SearchRun"/> (timed on its own). Transfer and the source-order baseline need the tables'
    /// other columns as sources and are left out; a pair's report may be empty (the evaluator's own report).
    /// </summary>
    private static SearchBenchResult RunWithEvaluator(SearchBenchSettings settings, SearchSettings common, Stopwatch clock, IProgress<ExperimentEvent>? progress)
    {
        var s = SpaceRegistry.Get(settings.Space);
        var pairs = settings.Pairs?.ToList() is { Count: > 0 } given ? given
            : throw new NagUserException($"evaluator {common.EvaluatorName}: give the objective (and report) pairs; they are discovered in tables only");
        var names = (settings.Strategies ?? StrategyRegistry.Names.Where(n => !StrategyRegistry.NeedsGenerator(n) || SearchRun.DefaultsIncludeGenerator(s, common.Generator))).ToList();
        foreach (var n in names) StrategyRegistry.Validate(n);
        if (names.Remove("transfer")) progress.Note("transfer draws on the tables' other columns: skipped with another evaluator or constraints");
        if (settings.Budget < 1 || settings.Seeds < 1) throw new NagUserException("budget and seeds must be at least 1");
        common.Bo();   // bad settings fail before the output directory exists
        string dir = settings.OutDir ?? SearchBenchSettings.DefaultOutDir;
        Directory.CreateDirectory(dir);
        var results = new List<SearchBenchPair>();
        foreach (var (obj, rep) in pairs)
        {
            var trials = new List<Trial>();
            var summaries = new List<StrategySummary>();
            var seconds = new Dictionary<string, double>();
            SearchRunResult? last = null;
            foreach (var n in names)
            {
                var sw = Stopwatch.StartNew();
                last = SearchRun.Run(new SearchRunSettings(s.Name, obj, rep.Length == 0 ? null : rep, [n], settings.Budget, settings.Seeds, settings.FirstSeed, common,
                    ModelsDir: settings.ModelsDir, DataDir: settings.DataDir, ExtraTables: settings.ExtraTables), progress);
                trials.AddRange(last.Trials);
                summaries.AddRange(last.Summaries);
                seconds[n] = sw.Elapsed.TotalSeconds;
            }
            var run = last! with { Trials = trials, Summaries = summaries, Seconds = seconds };
            string sub = SafePath.Under(dir, obj);
            SearchOutput.Write(sub, run);
            results.Add(new SearchBenchPair(run, sub, [], null));
        }
        var result = new SearchBenchResult(s.Name, settings.Budget, settings.Seeds, common, results, clock.Elapsed.TotalSeconds);
        AtomicFile.WriteText(Path.Combine(dir, "bench_search.md"), w => w.Write(Markdown(result)));
        AtomicFile.WriteText(Path.Combine(dir, "bench_search.json"), w => w.WriteLine(JsonSerializer.Serialize(BenchJson.Of(result), Json.SerializerOptions)));
        return result;
    }

    /// <summary>The markdown report: settings, then one table per pair with the source-order baseline and the plots' names.</summary>
    public static string Markdown(SearchBenchResult result)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var settings = result.Settings;
        sb.AppendLine(inv, $"# nag bench search: {result.Space}, budget {result.Budget}, {result.Seeds} seeds");
        sb.AppendLine();
        sb.AppendLine(inv, $"Settings: acquisition {settings.Acquisition}, cost inputs {(settings.CostInputs ? "on" : "off")}, generator-bo ranker {settings.Ranker}.");
        sb.AppendLine();
        sb.AppendLine(inv, $"Total wall time {result.Seconds:F0} s. Best-so-far = report value of the architecture with the best objective among the queries so far (mean ± std over seeds). Queries to optimum: until an architecture with the table's best objective value is queried, censored at the budget.");
        foreach (var p in result.Pairs)
        {
            var r = p.Run;
            sb.AppendLine();
            sb.AppendLine(inv, $"## objective {r.Objective}, report {r.Report}");
            sb.AppendLine();
            if (r.Minimize) sb.AppendLine(inv, $"`{r.Objective}` is lower-is-better: the strategies minimise it.").AppendLine();
            bool constrained = r.Constraints is { Count: > 0 };
            if (r.Evaluator != "table" || constrained)
            {
                sb.AppendLine(inv, $"Evaluator {r.Evaluator}{(constrained ? $", constraints {string.Join(" and ", r.Constraints!.Select(c => $"`{c}`"))}" : "")}; best-so-far over feasible candidates (runs with one in parentheses).");
                foreach (var note in r.Notes ?? []) sb.AppendLine(inv, $"{note}.");
                sb.AppendLine();
            }
            var budgets = SearchOutput.Budgets(r.Summaries);
            sb.AppendLine("| strategy | " + string.Join(" | ", budgets.Select(x => $"@{x}")) + " | queries to optimum | found | seconds |" + (constrained ? " infeasible / run |" : ""));
            sb.AppendLine("|---|" + string.Concat(budgets.Select(_ => "---|")) + "---|---|---|" + (constrained ? "---|" : ""));
            foreach (var sm in r.Summaries)
                sb.AppendLine($"| {sm.Strategy} | " + string.Join(" | ", budgets.Select(x => string.Create(inv, $"{sm.BestReport[x].Mean:F2} ± {sm.BestReport[x].Std:F2}")
                        + (sm.FeasibleRuns is { } f ? string.Create(inv, $" ({f[x]}/{sm.Seeds})") : "")))
                    + (double.IsNaN(sm.QueriesToOptimum) ? " | - | -" : string.Create(inv, $" | {sm.QueriesToOptimum:F1} | {sm.FoundOptimum}/{sm.Seeds}"))
                    + string.Create(inv, $" | {r.Seconds![sm.Strategy]:F0} |") + (constrained ? string.Create(inv, $" {sm.Infeasible:F1} |") : ""));
            if (p.Sources.Count > 0)
                sb.AppendLine().AppendLine(string.Create(inv, $"Querying in the order of the transfer sources ({string.Join(", ", p.Sources)}) reaches the optimum after {(p.SourceOrder is int q ? q.ToString(inv) : "never")} queries."));
            if (!r.HasTrialDetails)   // the plots read the table's optimum, which a constrained or non-table search does not have
                sb.AppendLine().AppendLine(string.Create(inv, $"Plots: `{SafePath.Part(r.Objective)}/best_so_far.png`, `{SafePath.Part(r.Objective)}/regret.png`, `{SafePath.Part(r.Objective)}/queries_to_optimum.png`."));
        }
        return sb.ToString();
    }

    // The JSON shape of bench_search.json (snake case through Json.SerializerOptions).
    private sealed record BenchJson(string Space, int Budget, int Seeds, double Seconds, string Acquisition, bool CostInputs, string Ranker, IReadOnlyList<PairJson> Pairs)
    {
        public static BenchJson Of(SearchBenchResult r) => new(r.Space, r.Budget, r.Seeds, r.Seconds, r.Settings.Acquisition, r.Settings.CostInputs, r.Settings.Ranker,
            r.Pairs.Select(p => new PairJson(p.Run.Objective, p.Run.Report, p.Sources, p.SourceOrder,
                p.Run.Summaries.Select(sm => StrategyJson(sm, p.Run.Seconds![sm.Strategy])).ToArray())).ToArray());
    }

    private sealed record PairJson(string Objective, string Report, IReadOnlyList<string> TransferSources,
        [property: JsonPropertyName("source_order_queries_to_optimum"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? SourceOrder,
        IReadOnlyList<Dictionary<string, object>> Strategies);

    // One strategy's object: its name, mean_at_<budget> and std_at_<budget> for each budget, then the optimum figures.
    private static Dictionary<string, object> StrategyJson(StrategySummary sm, double seconds)
    {
        var fields = new Dictionary<string, object> { ["strategy"] = sm.Strategy };
        // JSON has no NaN: a figure that does not exist (no feasible candidate, no known optimum) is null.
        static object? Finite(double v) => double.IsFinite(v) ? v : null;
        foreach (var (k, v) in sm.BestReport.OrderBy(x => x.Key)) { fields[$"mean_at_{k}"] = Finite(v.Mean)!; fields[$"std_at_{k}"] = Finite(v.Std)!; }
        fields["queries_to_optimum"] = Finite(sm.QueriesToOptimum)!;
        fields["found_optimum"] = sm.FoundOptimum;
        fields["seconds"] = seconds;
        return fields;
    }
}
