using System.CommandLine;
using System.Globalization;
using NagSharp.Search;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag search</c>: classic NAS strategies on a benchmark table, many seeds, comparable outputs.</summary>
public static class SearchCommand
{
    /// <summary>Library setting names and the flags that set them, for error messages.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>
    {
        ["objective"] = "--objective", ["report"] = "--report", ["budget and seeds"] = "--budget and --seeds",
        ["random candidates"] = "--random-candidates", ["samples"] = "--generated-candidates", ["sample steps"] = "--sample-steps", ["guidance"] = "--guidance-scale",
        ["transfer source"] = "--transfer-from", ["resuming needs an experiment store"] = "--resume needs --store",
        ["strategy transfer needs transfer sources (columns)"] = "strategy transfer needs --transfer-from <column>[,<column>...]",
    };

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
        var objective = new Option<string[]>("--objective") { Description = "Column the strategies may query (counted; default: the evaluator's own, val_acc for train and ofa_pred_top1 for model on ofa_mbv3); give it twice for a two-objective search that returns the Pareto front and its hypervolume (strategies random, bananas, gp-bo, generator-bo)" };
        var referencePoint = new Option<string?>("--reference-point") { Description = "Two objectives: the hypervolume's reference point, one value per objective in its units, e.g. 70,40 (default: the worst value of each objective among the search's feasible trials)" };
        var report = new Option<string?>("--report") { Description = "Column used only for the final numbers" };
        var db = StoreOption.Create(description: StoreOption.Description + ": record trials as they happen (resumable)");
        var resume = new Option<long?>("--resume") { Description = "Continue experiment ID of --store after a crash (no trial is queried twice)" };
        var strategies = new Option<string[]>("--strategy") { Description = $"Strategy (repeatable or comma-separated: {string.Join(", ", StrategyRegistry.Names)}; default: all, transfer only with --transfer-from)" };
        var budget = new Option<int>("--budget") { Description = "Queries per run", DefaultValueFactory = _ => new SearchRunSettings().Budget };
        var seeds = new Option<int>("--seeds") { Description = "Runs per strategy (seeds 0..N-1 plus --seed)", DefaultValueFactory = _ => new SearchRunSettings().Seeds };
        var seed = new Option<int>("--seed") { Description = "First seed", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string>("--out") { Description = "Output directory (trials.csv, summary.json, summary.csv)", Required = true };
        var transferFrom = new Option<string?>("--transfer-from") { Description = "Source columns (comma-separated) the transfer strategy is pre-trained on" };
        var acquisition = new Option<string>("--acquisition") { Description = "BO acquisition: its, ucb or ei", DefaultValueFactory = _ => new SearchSettings().Acquisition };
        var generator = new Option<string?>("--generator") { Description = "Generator checkpoint (score or discrete engine) for generator-bo/transfer (default: train or reuse a tiny one under --models-dir)" };
        var guidance = new Option<double>("--guidance-scale") { Description = "Guidance scale of the acquisition in generator-bo/transfer", DefaultValueFactory = _ => new SearchSettings().Guidance };
        var samples = new Option<int>("--generated-candidates") { Description = "Architectures generated per BO round", DefaultValueFactory = _ => new SearchSettings().Samples };
        var sampleSteps = new Option<int>("--sample-steps") { Description = "Sampler steps per generation", DefaultValueFactory = _ => new SearchSettings().SampleSteps };
        var randomCandidates = new Option<int>("--random-candidates") { Description = "Uniform candidates per round of bananas and gp-bo beside the mutations", DefaultValueFactory = _ => new SearchSettings().RandomCandidates };
        var costInputs = new Option<bool>("--cost-inputs") { Description = "gp-bo and generator-bo --ranker gp: the space's analytic costs (params, FLOPs) join the GP's inputs" };
        var ranker = new Option<string>("--ranker") { Description = $"generator-bo: what ranks the generated candidates ({string.Join(", ", BoConfig.Rankers)}; gp adds the mutation candidates)", DefaultValueFactory = _ => new SearchSettings().Ranker };
        var surrogateEncoding = new Option<string>("--surrogate-encoding") { Description = $"Inputs of the MLP ensemble of bananas, generator-bo and transfer ({string.Join(", ", EnsembleConfig.Encodings)})", DefaultValueFactory = _ => new SearchSettings().SurrogateEncoding };
        var minimize = new Option<bool>("--minimize") { Description = "Minimise the objective even where its table layout or evaluator declares it higher-is-better (lower-is-better columns are minimised without it)" };
        var evaluator = new Option<string?>("--evaluator") { Description = $"What answers the queries: {string.Join(", ", NagSharp.Evaluation.Evaluators.Names)}, or several joined by + (default: table)" };
        var constraints = new Option<string[]>("--constraint") { Description = "Bound a candidate must meet to count, e.g. note10_lut_ms<=25 (repeatable; <=, <, >=, >)" };
        var modelsDir = new Option<string>("--models-dir") { Description = "Where default models are cached", DefaultValueFactory = _ => ModelCache.DefaultDir };
        var parallel = new Option<int>("--parallel") { Description = "Evaluations pending at once, run by `nag worker` processes through the store (default store: store.db in --out); 0: one at a time in this process", DefaultValueFactory = _ => 0 };
        var workers = new Option<int?>("--workers") { Description = "Local worker processes for --parallel (default: --parallel; 0: none, workers started elsewhere serve the store)" };
        var json = CliHelpers.JsonOption();
        var training = new SearchTrainOptions();
        var cmd = new Command("search", "Run NAS strategies against an evaluator (a benchmark table, a model oracle, a measurement) and aggregate over seeds")
            { json, space, objective, referencePoint, report, strategies, budget, seeds, seed, outDir, db, resume, transferFrom, acquisition, generator, guidance, samples, sampleSteps, modelsDir, minimize, randomCandidates, costInputs, surrogateEncoding, ranker, evaluator, constraints, parallel, workers };
        training.AddTo(cmd);
        cmd.SetAction(p => ctx.Guard(() =>
        {
            AtomicFile.RequireWritableDirectory(p.GetValue(outDir)!, "--out");   // before any work
            if (p.GetValue(resume) is long resumeId && p.GetValue(db) is string dbPath)
            {
                using var stored = new Store.ExperimentStore(dbPath);
                var e = stored.Get(resumeId);
                RefuseContradictions(p, stored.Path, e, SearchSettings.FromJson(e.Settings, $"{stored.Path}: experiment {resumeId}"), space, objective, report,
                    strategies, budget, seeds, seed, transferFrom, acquisition, generator, guidance, samples, sampleSteps, minimize, randomCandidates,
                    costInputs, surrogateEncoding, ranker, evaluator, constraints);
            }
            if (p.GetValue(parallel) > 0 && p.GetValue(db) is null) Directory.CreateDirectory(p.GetValue(outDir)!);   // its store.db goes there
            string? genPath = p.GetValue(generator);
            var objectives = CliHelpers.Items(p.GetValue(objective));
            if (objectives is { Length: > 1 } && p.GetValue(parallel) > 0) throw new NagUserException("--parallel: a two-objective search evaluates in this process only");
            if (objectives is { Length: > 1 })
                return TwoObjectives(ctx, p, objectives, p.GetValue(referencePoint), genPath is null ? null : Path.GetFullPath(genPath), space, report, db, resume,
                    strategies, budget, seeds, seed, acquisition, guidance, samples, sampleSteps, minimize, randomCandidates, costInputs, surrogateEncoding,
                    ranker, evaluator, constraints, training, modelsDir, outDir, json);
            if (p.GetValue(referencePoint) is not null) throw new NagUserException("--reference-point needs two objectives (--objective twice)");
            var sources = p.GetValue(transferFrom)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
            var settings = new SearchRunSettings(p.GetValue(space)!, objectives?.FirstOrDefault(), p.GetValue(report), CliHelpers.Items(p.GetValue(strategies)),
                p.GetValue(budget), p.GetValue(seeds), p.GetValue(seed),
                new SearchSettings(p.GetValue(acquisition)!, p.GetValue(guidance), p.GetValue(samples), p.GetValue(sampleSteps),
                    genPath is null ? null : Path.GetFullPath(genPath), sources, p.GetValue(minimize), p.GetValue(randomCandidates), p.GetValue(costInputs),
                    p.GetValue(surrogateEncoding)!, p.GetValue(ranker)!, p.GetValue(evaluator), p.GetValue(constraints) is { Length: > 0 } cs ? cs : null,
                    training.Read(p, p.GetValue(seed))),
                p.GetValue(db) ?? (p.GetValue(parallel) > 0 ? Path.Combine(p.GetValue(outDir)!, "store.db") : null), p.GetValue(resume), p.GetValue(modelsDir)!,
                p.GetValue(ctx.DataDir), CliHelpers.ExtraTables, p.GetValue(parallel), p.GetValue(workers));
            var result = CliHelpers.WithFlags(Flags, () => ProgressRunner.Observe(ctx, progress => SearchRun.Run(settings, progress)));
            SearchOutput.Write(p.GetValue(outDir)!, result);
            if (p.GetValue(json)) { ctx.Out.WriteLine(SearchOutput.SummaryText(result)); return ExitCodes.Ok; }
            ctx.Out.WriteLine($"objective {result.Objective} ({(result.Minimize ? "lower" : "higher")} is better), evaluator {result.Evaluator}" +
                (result.Constraints is { Count: > 0 } c ? $", constraints {string.Join(" and ", c)}" : ""));
            foreach (var note in result.Notes ?? []) ctx.Out.WriteLine(note);
            ctx.Console.Write(Table(result.Report, result.Summaries, result.Constraints is { Count: > 0 }));
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    // Two objectives: the Pareto search (in-process; nothing to resume) with its hypervolume table and the front.
    private static int TwoObjectives(CliContext ctx, ParseResult p, IReadOnlyList<string> objectives, string? referencePoint, string? generator,
        Option<string> space, Option<string?> report, Option<string?> db, Option<long?> resume, Option<string[]> strategies, Option<int> budget,
        Option<int> seeds, Option<int> seed, Option<string> acquisition, Option<double> guidance, Option<int> samples, Option<int> sampleSteps,
        Option<bool> minimize, Option<int> randomCandidates, Option<bool> costInputs, Option<string> surrogateEncoding, Option<string> ranker,
        Option<string?> evaluator, Option<string[]> constraints, SearchTrainOptions training, Option<string> modelsDir, Option<string> outDir, Option<bool> json)
    {
        if (p.GetValue(db) is not null || p.GetValue(resume) is not null)
            throw new NagUserException("a two-objective search runs in this process and records no experiment: drop --store and --resume");
        if (p.GetValue(report) is not null) throw new NagUserException("--report names one objective's report column; a two-objective search reports its objectives");
        if (p.GetValue(minimize)) throw new NagUserException("--minimize applies to one objective; each of two objectives is optimised in its column's declared direction");
        var inv = CultureInfo.InvariantCulture;
        double[]? reference = referencePoint?.Split(',', StringSplitOptions.TrimEntries).Select(x =>
            double.TryParse(x, NumberStyles.Float, inv, out double v) && double.IsFinite(v) ? v
                : throw new NagUserException($"--reference-point: '{SafePath.Shorten(x)}' is not a number")).ToArray();
        var st = new SearchSettings(p.GetValue(acquisition)!, p.GetValue(guidance), p.GetValue(samples), p.GetValue(sampleSteps), generator, null, false,
            p.GetValue(randomCandidates), p.GetValue(costInputs), p.GetValue(surrogateEncoding)!, p.GetValue(ranker)!, p.GetValue(evaluator),
            p.GetValue(constraints) is { Length: > 0 } cs ? cs : null, training.Read(p, p.GetValue(seed)));
        var settings = new NagSharp.Search.MultiObjective.ParetoRunSettings(p.GetValue(space)!, objectives, CliHelpers.Items(p.GetValue(strategies)),
            p.GetValue(budget), p.GetValue(seeds), p.GetValue(seed), st, reference, p.GetValue(modelsDir)!, p.GetValue(ctx.DataDir), CliHelpers.ExtraTables);
        var result = CliHelpers.WithFlags(Flags, () => ProgressRunner.Observe(ctx, progress => NagSharp.Search.MultiObjective.ParetoRun.Run(settings, progress)));
        NagSharp.Search.MultiObjective.ParetoRun.Write(p.GetValue(outDir)!, result);
        if (p.GetValue(json)) { ctx.Out.WriteLine(NagSharp.Search.MultiObjective.ParetoRun.SummaryJson(result)); return ExitCodes.Ok; }
        foreach (var note in result.Notes) ctx.Out.WriteLine(note);
        ctx.Out.Write(NagSharp.Search.MultiObjective.ParetoRun.Markdown(result));
        return ExitCodes.Ok;
    }

    /// <summary>The console table of a summary: best-so-far report value at each budget (mean ± std over seeds).</summary>
    public static Table Table(string report, IReadOnlyList<StrategySummary> summaries, bool constrained = false)
    {
        var budgets = SearchOutput.Budgets(summaries);
        var table = new Table().AddColumn("strategy");
        foreach (var x in budgets) table.AddColumn($"{Markup.Escape(report)} @{x}");
        table.AddColumn("queries to optimum").AddColumn("found");
        if (constrained) table.AddColumn("infeasible / run");
        foreach (var sm in summaries)
            table.AddRow(new[] { sm.Strategy }.Concat(budgets.Select(x => string.Create(CultureInfo.InvariantCulture, $"{sm.BestReport[x].Mean:F3} ± {sm.BestReport[x].Std:F3}")
                    + (sm.FeasibleRuns is { } f ? $" ({f[x]}/{sm.Seeds} runs)" : "")))
                .Append(double.IsNaN(sm.QueriesToOptimum) ? "-" : sm.QueriesToOptimum.ToString("F1", CultureInfo.InvariantCulture))
                .Append(double.IsNaN(sm.QueriesToOptimum) ? "-" : $"{sm.FoundOptimum}/{sm.Seeds}")
                .Concat(constrained ? [sm.Infeasible.ToString("F1", CultureInfo.InvariantCulture)] : []).ToArray());
        return table;
    }

    /// <summary>
    /// <c>--resume</c> continues the experiment exactly as recorded: a flag given with a different value than the stored
    /// one is refused (naming the flag and both values), since silently ignoring it would report another search than asked.
    /// </summary>
    private static void RefuseContradictions(ParseResult p, string storePath, Store.Experiment e, SearchSettings st, Option<string> space,
        Option<string[]> objective, Option<string?> report, Option<string[]> strategies, Option<int> budget, Option<int> seeds, Option<int> seed,
        Option<string?> transferFrom, Option<string> acquisition, Option<string?> generator, Option<double> guidance, Option<int> samples,
        Option<int> sampleSteps, Option<bool> minimize, Option<int> randomCandidates, Option<bool> costInputs, Option<string> surrogateEncoding,
        Option<string> ranker, Option<string?> evaluator, Option<string[]> constraints)
    {
        var inv = CultureInfo.InvariantCulture;
        void Check<T>(Option<T> option, Func<T, string> given, string stored)
        {
            if (p.GetResult(option) is not { Implicit: false }) return;
            string value = given(p.GetValue(option)!);
            if (value != stored)
                throw new NagUserException($"{option.Name} {SafePath.Shorten(value)} contradicts experiment {e.Id} of {storePath}, which has " +
                    $"{option.Name} {SafePath.Shorten(stored)}; --resume continues the experiment as recorded: drop the flag, or start a new experiment");
        }
        static string List(IEnumerable<string>? xs) => string.Join(",", xs ?? []);
        Check(space, v => NagSharp.Spaces.SpaceRegistry.Get(v).Name, e.Space);
        Check(objective, v => List(CliHelpers.Items(v)), e.Objective);
        Check(report, v => v!, e.Report);
        Check(strategies, v => List(CliHelpers.Items(v)), List(e.Strategies));
        Check(budget, v => v.ToString(inv), e.Budget.ToString(inv));
        Check(seeds, v => v.ToString(inv), e.Seeds.ToString(inv));
        Check(seed, v => v.ToString(inv), e.FirstSeed.ToString(inv));
        Check(transferFrom, v => List(v?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), List(st.TransferFrom));
        Check(acquisition, v => v, st.Acquisition);
        Check(generator, v => v is null ? "" : Path.GetFullPath(v), st.Generator ?? "(the default generator)");
        Check(guidance, v => v.ToString("R", inv), st.Guidance.ToString("R", inv));
        Check(samples, v => v.ToString(inv), st.Samples.ToString(inv));
        Check(sampleSteps, v => v.ToString(inv), st.SampleSteps.ToString(inv));
        Check(minimize, v => v ? "on" : "off", st.Minimize ? "on" : "off");
        Check(randomCandidates, v => v.ToString(inv), st.RandomCandidates.ToString(inv));
        Check(costInputs, v => v ? "on" : "off", st.CostInputs ? "on" : "off");
        Check(surrogateEncoding, v => v, st.SurrogateEncoding);
        Check(ranker, v => v, st.Ranker);
        Check(evaluator, v => v ?? "table", st.EvaluatorName);
        Check(constraints, v => List(v), List(st.Constraints));
    }
}
