using System.CommandLine;
using System.Globalization;
using NagSharp.Search;
using NagSharp.Spaces;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag search</c>: classic NAS strategies on a benchmark table, many seeds, comparable outputs.</summary>
public static class SearchCommand
{
    private sealed class StoreRecorder(Store.ExperimentStore store, long id) : ITrialRecorder
    {
        private string _started = "";
        public void Start(string strategy, int seed, int query, string arch)
        {
            _started = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            store.Start(id, strategy, seed, query, arch);
        }
        public void Finish(Trial trial) => store.Finish(id, trial, _started);
    }

    /// <summary><c>nag runs list|show ID --db FILE</c>.</summary>
    public static Command Runs(CliContext ctx)
    {
        var db = new Option<string>("--db") { Description = "SQLite experiment store", Required = true };
        var list = new Command("list", "List experiments") { db };
        list.SetAction(p => ctx.Guard(() =>
        {
            using var store = OpenExisting(p.GetValue(db)!);
            var table = new Table().AddColumns("id", "created", "space", "objective", "strategies", "budget", "seeds", "trials", "status");
            foreach (var e in store.List())
                table.AddRow(e.Id.ToString(CultureInfo.InvariantCulture), e.Created, e.Space, Markup.Escape(e.Objective), Markup.Escape(string.Join(",", e.Strategies)),
                    e.Budget.ToString(CultureInfo.InvariantCulture), e.Seeds.ToString(CultureInfo.InvariantCulture),
                    store.Trials(e.Id).Count.ToString(CultureInfo.InvariantCulture), e.Status);
            ctx.Console.Write(table);
            return ExitCodes.Ok;
        }));
        var idArg = new Argument<long>("id") { Description = "Experiment id" };
        var show = new Command("show", "Show one experiment") { idArg, db };
        show.SetAction(p => ctx.Guard(() =>
        {
            using var store = OpenExisting(p.GetValue(db)!);
            var e = store.Get(p.GetValue(idArg));
            var trials = store.Trials(e.Id);
            var settings = SearchSettings.FromJson(e.Settings, $"{store.Path}: experiment {e.Id}");
            ctx.Out.WriteLine(Json.Write(j =>
            {
                j.WriteStartObject();
                j.WriteNumber("id", e.Id); j.WriteString("created", e.Created); j.WriteString("space", e.Space);
                j.WriteString("objective", e.Objective); j.WriteString("report", e.Report);
                j.WriteStartArray("strategies"); foreach (var st in e.Strategies) j.WriteStringValue(st); j.WriteEndArray();
                j.WriteNumber("budget", e.Budget); j.WriteNumber("seeds", e.Seeds); j.WriteNumber("first_seed", e.FirstSeed);
                j.WriteString("status", e.Status); j.WriteNumber("trials", trials.Count); j.WriteNumber("in_flight", store.InFlight(e.Id));
                j.WritePropertyName("settings"); j.WriteRawValue(settings.ToJson());
                // Best in the objective's own direction: a --minimize experiment's best is its lowest value.
                j.WriteStartObject("best_objective");
                foreach (var g in trials.GroupBy(t => t.Strategy)) j.WriteNumber(g.Key, settings.Minimize ? g.Min(t => t.Objective) : g.Max(t => t.Objective));
                j.WriteEndObject();
                j.WriteEndObject();
            }));
            return ExitCodes.Ok;
        }));
        return new Command("runs", "Experiments recorded with `nag search --db`") { list, show };
    }

    private static Store.ExperimentStore OpenExisting(string path) =>
        File.Exists(path) ? new Store.ExperimentStore(path) : throw new NagDataException($"{path}: experiment store not found");

    /// <summary>
    /// Whether the default strategy list includes the generator strategies: always on a fixed topology (the tiny score
    /// generator trains in about a minute), on a free one only with <c>--generator</c> (a usable discrete generator of a
    /// free topology takes far longer to train than the search itself; name the strategy to have a default one trained).
    /// </summary>
    public static bool DefaultsIncludeGenerator(ISearchSpace space, string? generator) => space.FixedAdjacency is not null || generator is not null;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
        var objective = new Option<string?>("--objective") { Description = "Column the strategies may query (counted)" };
        var report = new Option<string?>("--report") { Description = "Column used only for the final numbers" };
        var db = new Option<string?>("--db") { Description = "SQLite experiment store: record trials as they happen (resumable)" };
        var resume = new Option<long?>("--resume") { Description = "Continue experiment ID of --db after a crash (no trial is queried twice)" };
        var strategies = new Option<string[]>("--strategy") { Description = $"Strategy (repeatable: {string.Join(", ", StrategyRegistry.Names)}; default: all, transfer only with --transfer-from)" };
        var budget = new Option<int>("--budget") { Description = "Queries per run", DefaultValueFactory = _ => 100 };
        var seeds = new Option<int>("--seeds") { Description = "Runs per strategy (seeds 0..N-1 plus --seed)", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "First seed", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string>("--out") { Description = "Output directory (trials.csv, summary.json, summary.csv)", Required = true };
        var transferFrom = new Option<string?>("--transfer-from") { Description = "Source columns (comma-separated) the transfer strategy is pre-trained on" };
        var acquisition = new Option<string>("--acquisition") { Description = "BO acquisition: its, ucb or ei", DefaultValueFactory = _ => "its" };
        var generator = new Option<string?>("--generator") { Description = "Generator checkpoint (score or discrete engine) for generator-bo/transfer (default: train or reuse a tiny one under --models-dir)" };
        var guidance = new Option<double>("--guidance") { Description = "Guidance scale of the acquisition in generator-bo/transfer", DefaultValueFactory = _ => new SearchSettings().Guidance };
        var samples = new Option<int>("--samples") { Description = "Architectures generated per BO round", DefaultValueFactory = _ => new SearchSettings().Samples };
        var sampleSteps = new Option<int>("--sample-steps") { Description = "Sampler steps per generation", DefaultValueFactory = _ => new SearchSettings().SampleSteps };
        var randomCandidates = new Option<int>("--random-candidates") { Description = "Uniform candidates per round of bananas and gp-bo beside the mutations", DefaultValueFactory = _ => new SearchSettings().RandomCandidates };
        var costInputs = new Option<bool>("--cost-inputs") { Description = "gp-bo and generator-bo --ranker gp: the space's analytic costs (params, FLOPs) join the GP's inputs" };
        var ranker = new Option<string>("--ranker") { Description = $"generator-bo: what ranks the generated candidates ({string.Join(", ", BoConfig.Rankers)}; gp adds the mutation candidates)", DefaultValueFactory = _ => new SearchSettings().Ranker };
        var surrogateEncoding = new Option<string>("--surrogate-encoding") { Description = $"Inputs of the MLP ensemble of bananas, generator-bo and transfer ({string.Join(", ", EnsembleConfig.Encodings)})", DefaultValueFactory = _ => new SearchSettings().SurrogateEncoding };
        var minimize = new Option<bool>("--minimize") { Description = "The objective is lower-is-better (perplexity, latency): strategies minimise it" };
        var modelsDir = new Option<string>("--models-dir") { Description = "Where default models are cached", DefaultValueFactory = _ => Path.Combine("runs", "models") };
        var cmd = new Command("search", "Run NAS strategies on a benchmark table and aggregate over seeds")
            { space, objective, report, strategies, budget, seeds, seed, outDir, db, resume, transferFrom, acquisition, generator, guidance, samples, sampleSteps, modelsDir, minimize, randomCandidates, costInputs, surrogateEncoding, ranker };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            string? dbPath = p.GetValue(db);
            using var store = dbPath is null ? null : new Store.ExperimentStore(dbPath);
            Store.Experiment? experiment = null;
            string[] names;
            string obj, rep;
            int b, runs, first;
            ISearchSpace s;
            SearchSettings settings;
            if (p.GetValue(resume) is long id)
            {
                if (store is null) throw new NagUserException("--resume needs --db");
                experiment = store.Get(id);
                s = SpaceRegistry.Get(experiment.Space);
                (obj, rep, names, b, runs, first) = (experiment.Objective, experiment.Report, experiment.Strategies.ToArray(), experiment.Budget, experiment.Seeds, experiment.FirstSeed);
                settings = SearchSettings.FromJson(experiment.Settings, $"{store.Path}: experiment {id}");
                ctx.Err.WriteLine($"resuming experiment {id}: {store.Trials(id).Count} trials recorded, {store.InFlight(id)} in flight (asked again)");
            }
            else
            {
                s = SpaceRegistry.Get(p.GetValue(space)!);
                obj = p.GetValue(objective) ?? throw new NagUserException("--objective is required");
                rep = p.GetValue(report) ?? throw new NagUserException("--report is required");
                var sources = p.GetValue(transferFrom)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
                names = p.GetValue(strategies) is { Length: > 0 } given ? given
                    : StrategyRegistry.Names.Where(n => (n != "transfer" || sources.Length > 0) && (!StrategyRegistry.NeedsGenerator(n) || DefaultsIncludeGenerator(s, p.GetValue(generator)))).ToArray();
                (b, runs, first) = (p.GetValue(budget), p.GetValue(seeds), p.GetValue(seed));
                string? genPath = p.GetValue(generator);
                settings = new SearchSettings(p.GetValue(acquisition)!, p.GetValue(guidance), p.GetValue(samples), p.GetValue(sampleSteps),
                    genPath is null ? null : Path.GetFullPath(genPath), sources, p.GetValue(minimize), p.GetValue(randomCandidates), p.GetValue(costInputs), p.GetValue(surrogateEncoding)!, p.GetValue(ranker)!);
            }
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            data.RequireColumn(obj); data.RequireColumn(rep);
            foreach (var n in names) StrategyRegistry.Validate(n);   // before any work
            if (b < 1 || runs < 1) throw new NagUserException("--budget and --seeds must be at least 1");
            // A table that covers only part of the space: strategies propose only what it scores.
            var searchSpace = TableSpace.Needed(s, data) ? new TableSpace(s, data, obj) : s;
            var (options, dispose) = SearchRunner.Options(ctx, searchSpace, data, obj, rep, settings, p.GetValue(modelsDir)!);
            try
            {
                if (names.Contains("transfer")) options.Transfer!();
                if (names.Any(StrategyRegistry.NeedsGenerator)) options.Generator!();
                if (store is not null && experiment is null)
                {
                    experiment = store.Create(s.Name, obj, rep, names, b, runs, first, settings.ToJson());
                    ctx.Err.WriteLine($"recording as experiment {experiment.Id} in {store.Path}");
                }
                var recordedAll = experiment is null ? [] : store!.Trials(experiment.Id);
                var recorder = experiment is null ? null : new StoreRecorder(store!, experiment.Id);
                var trials = new List<Trial>();
                ProgressRunner.Run(ctx, "search", report2 =>
                    trials = SearchRunner.Run(names, searchSpace, data, obj, rep, b, runs, first, options, recordedAll, recorder, report2, settings.Minimize));
                if (experiment is not null) store!.Complete(experiment.Id);
                var summaries = names.Select(n => SearchHarness.Summarise(n, trials, data, obj, b, settings.Minimize)).ToArray();
                SearchRunner.Write(p.GetValue(outDir)!, s.Name, obj, rep, b, runs, trials, summaries, minimize: settings.Minimize, settings: settings);
                ctx.Console.Write(SearchRunner.Table(rep, summaries));
            }
            finally { dispose(); }
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
