using System.CommandLine;
using NagSharp.Search;

namespace NagSharp.Cli.Commands;

/// <summary>
/// <c>nag bench search</c>: every strategy on every objective/report pair of a space's tables, many seeds, one markdown
/// table with plots. Transfer uses the other pairs' objectives as its sources, and is compared with querying in the
/// order of those sources.
/// </summary>
public static class BenchSearchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
        var pairsOpt = new Option<string?>("--pairs") { Description = "objective:report pairs (comma-separated; default: every <x>valid<y> column with a <x>test<y> twin; with --evaluator other than table an objective alone reports the evaluator's own report)" };
        var evaluator = new Option<string?>("--evaluator") { Description = $"What answers the queries: {string.Join(", ", NagSharp.Evaluation.Evaluators.Names)}, or several joined by + (default: table)" };
        var constraints = new Option<string[]>("--constraint") { Description = "Bound a candidate must meet to count, e.g. note10_lut_ms<=25 (repeatable; <=, <, >=, >)" };
        var strategies = new Option<string[]>("--strategy") { Description = $"Strategy (repeatable or comma-separated; default: {string.Join(",", StrategyRegistry.Names)})" };
        var budget = new Option<int>("--budget") { Description = "Queries per run", DefaultValueFactory = _ => new SearchBenchSettings().Budget };
        var seeds = new Option<int>("--seeds") { Description = "Runs per strategy and pair", DefaultValueFactory = _ => new SearchBenchSettings().Seeds };
        var seed = new Option<int>("--seed") { Description = "First seed", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string>("--out") { Description = "Output directory", DefaultValueFactory = _ => SearchBenchSettings.DefaultOutDir };
        var acquisition = new Option<string>("--acquisition") { Description = "BO acquisition: its, ucb or ei", DefaultValueFactory = _ => new SearchSettings().Acquisition };
        var generator = new Option<string?>("--generator") { Description = "Score generator checkpoint (default: train or reuse the tiny one under --models-dir)" };
        var costInputs = new Option<bool>("--cost-inputs") { Description = "gp-bo and generator-bo --ranker gp: the space's analytic costs (params, FLOPs) join the GP's inputs" };
        var ranker = new Option<string>("--ranker") { Description = $"generator-bo: what ranks the generated candidates ({string.Join(", ", BoConfig.Rankers)})", DefaultValueFactory = _ => new SearchSettings().Ranker };
        var modelsDir = new Option<string>("--models-dir") { Description = "Where default models are cached", DefaultValueFactory = _ => ModelCache.DefaultDir };
        var objectives = new Option<string[]>("--objective") { Description = "Two objectives (the flag twice) instead of --pairs: the two-objective benchmark (hypervolume of each strategy's Pareto front)" };
        var referencePoint = new Option<string?>("--reference-point") { Description = "Two objectives: the hypervolume's reference point, one value per objective, e.g. 70,40 (default: the worst value of each objective among the feasible trials)" };
        var json = CliHelpers.JsonOption();
        var cmd = new Command("search", "Benchmark all search strategies on every objective/report pair: markdown table, JSON and plots")
            { json, space, pairsOpt, objectives, referencePoint, strategies, budget, seeds, seed, outDir, acquisition, generator, modelsDir, costInputs, ranker, evaluator, constraints };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            AtomicFile.RequireWritableDirectory(p.GetValue(outDir)!, "--out");   // before any work
            var pairs = p.GetValue(pairsOpt)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x =>
            {
                var parts = x.Split(':');
                if (parts.Length == 1 && p.GetValue(evaluator) is not null) return (Objective: parts[0], Report: "");
                if (parts.Length != 2) throw new NagUserException($"--pairs: '{x}' is not objective:report");
                return (Objective: parts[0], Report: parts[1]);
            }).ToList();
            string? genPath = p.GetValue(generator);
            var settings = new SearchBenchSettings(p.GetValue(space)!, pairs, CliHelpers.Items(p.GetValue(strategies)),
                p.GetValue(budget), p.GetValue(seeds), p.GetValue(seed),
                new SearchSettings(p.GetValue(acquisition)!, Generator: genPath is null ? null : Path.GetFullPath(genPath), CostInputs: p.GetValue(costInputs), Ranker: p.GetValue(ranker)!,
                    Evaluator: p.GetValue(evaluator), Constraints: p.GetValue(constraints) is { Length: > 0 } cs ? cs : null),
                p.GetValue(outDir)!, p.GetValue(modelsDir)!, p.GetValue(ctx.DataDir), CliHelpers.ExtraTables);
            if (CliHelpers.Items(p.GetValue(objectives)) is { Length: > 0 } objs)
            {
                if (objs.Length != 2) throw new NagUserException($"--objective: the two-objective benchmark takes the flag twice, got {objs.Length} (one objective: --pairs)");
                var inv = System.Globalization.CultureInfo.InvariantCulture;
                double[]? reference = p.GetValue(referencePoint)?.Split(',', StringSplitOptions.TrimEntries).Select(x =>
                    double.TryParse(x, System.Globalization.NumberStyles.Float, inv, out double v) && double.IsFinite(v) ? v
                        : throw new NagUserException($"--reference-point: '{SafePath.Shorten(x)}' is not a number")).ToArray();
                var (mo, seconds) = CliHelpers.WithFlags(SearchCommand.Flags, () => ProgressRunner.Observe(ctx, progress => SearchBench.RunPareto(settings, objs, reference, progress)));
                ctx.Out.Write(p.GetValue(json) ? NagSharp.Search.MultiObjective.ParetoRun.SummaryJson(mo) + Environment.NewLine
                    : NagSharp.Search.MultiObjective.ParetoRun.Markdown(mo) + string.Create(inv, $"{Environment.NewLine}{seconds:F0} s wall time{Environment.NewLine}"));
                return ExitCodes.Ok;
            }
            if (p.GetValue(referencePoint) is not null) throw new NagUserException("--reference-point needs two objectives (--objective twice)");
            var result = CliHelpers.WithFlags(SearchCommand.Flags, () => ProgressRunner.Observe(ctx, progress => SearchBench.Run(settings, progress)));
            foreach (var pair in result.Pairs.Where(x => !x.Run.HasTrialDetails)) PlotCommand.Render(pair.Dir, p.GetValue(ctx.DataDir));
            ctx.Out.Write(p.GetValue(json) ? ExperimentHost.Json(result) + Environment.NewLine : SearchBench.Markdown(result));
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
