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
            ctx.Out.WriteLine(Json.Write(j =>
            {
                j.WriteStartObject();
                j.WriteNumber("id", e.Id); j.WriteString("created", e.Created); j.WriteString("space", e.Space);
                j.WriteString("objective", e.Objective); j.WriteString("report", e.Report);
                j.WriteStartArray("strategies"); foreach (var st in e.Strategies) j.WriteStringValue(st); j.WriteEndArray();
                j.WriteNumber("budget", e.Budget); j.WriteNumber("seeds", e.Seeds); j.WriteNumber("first_seed", e.FirstSeed);
                j.WriteString("status", e.Status); j.WriteNumber("trials", trials.Count); j.WriteNumber("in_flight", store.InFlight(e.Id));
                j.WriteStartObject("best_objective");
                foreach (var g in trials.GroupBy(t => t.Strategy)) j.WriteNumber(g.Key, g.Max(t => t.Objective));
                j.WriteEndObject();
                j.WriteEndObject();
            }));
            return ExitCodes.Ok;
        }));
        return new Command("runs", "Experiments recorded with `nag search --db`") { list, show };
    }

    private static Store.ExperimentStore OpenExisting(string path) =>
        File.Exists(path) ? new Store.ExperimentStore(path) : throw new NagDataException($"{path}: experiment store not found");

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
        var objective = new Option<string?>("--objective") { Description = "Column the strategies may query (counted)" };
        var report = new Option<string?>("--report") { Description = "Column used only for the final numbers" };
        var db = new Option<string?>("--db") { Description = "SQLite experiment store: record trials as they happen (resumable)" };
        var resume = new Option<long?>("--resume") { Description = "Continue experiment ID of --db after a crash (no trial is queried twice)" };
        var strategies = new Option<string[]>("--strategy") { Description = $"Strategy (repeatable; default all: {string.Join(", ", StrategyRegistry.Names)})" };
        var budget = new Option<int>("--budget") { Description = "Queries per run", DefaultValueFactory = _ => 100 };
        var seeds = new Option<int>("--seeds") { Description = "Runs per strategy (seeds 0..N-1 plus --seed)", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "First seed", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string>("--out") { Description = "Output directory (trials.csv, summary.json, summary.csv)", Required = true };
        var cmd = new Command("search", "Run NAS strategies on a benchmark table and aggregate over seeds")
            { space, objective, report, strategies, budget, seeds, seed, outDir, db, resume };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            string? dbPath = p.GetValue(db);
            using var store = dbPath is null ? null : new Store.ExperimentStore(dbPath);
            Store.Experiment? experiment = null;
            string[] names;
            string obj, rep;
            int b, runs, first;
            ISearchSpace s;
            if (p.GetValue(resume) is long id)
            {
                if (store is null) throw new NagUserException("--resume needs --db");
                experiment = store.Get(id);
                s = SpaceRegistry.Get(experiment.Space);
                (obj, rep, names, b, runs, first) = (experiment.Objective, experiment.Report, experiment.Strategies.ToArray(), experiment.Budget, experiment.Seeds, experiment.FirstSeed);
                ctx.Err.WriteLine($"resuming experiment {id}: {store.Trials(id).Count} trials recorded, {store.InFlight(id)} in flight (asked again)");
            }
            else
            {
                s = SpaceRegistry.Get(p.GetValue(space)!);
                obj = p.GetValue(objective) ?? throw new NagUserException("--objective is required");
                rep = p.GetValue(report) ?? throw new NagUserException("--report is required");
                names = p.GetValue(strategies) is { Length: > 0 } given ? given : StrategyRegistry.Names.ToArray();
                (b, runs, first) = (p.GetValue(budget), p.GetValue(seeds), p.GetValue(seed));
            }
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            data.RequireColumn(obj); data.RequireColumn(rep);
            // A table that covers only part of the space: strategies propose only what it scores.
            var searchSpace = TableSpace.Needed(s, data) ? new TableSpace(s, data, obj) : s;
            foreach (var n in names) StrategyRegistry.Create(n, searchSpace, 0);   // validate names before any work
            if (b < 1 || runs < 1) throw new NagUserException("--budget and --seeds must be at least 1");
            if (store is not null && experiment is null)
            {
                experiment = store.Create(s.Name, obj, rep, names, b, runs, first);
                ctx.Err.WriteLine($"recording as experiment {experiment.Id} in {store.Path}");
            }
            var recordedAll = experiment is null ? [] : store!.Trials(experiment.Id);
            var recorder = experiment is null ? null : new StoreRecorder(store!, experiment.Id);
            var trials = new List<Trial>();
            ProgressRunner.Run(ctx, "search", rep2 =>
            {
                int done = 0;
                foreach (var n in names)
                    for (int k = 0; k < runs; k++)
                    {
                        var recorded = recordedAll.Where(t => t.Strategy == n && t.Seed == first + k).OrderBy(t => t.Query).ToList();
                        trials.AddRange(SearchHarness.Run(StrategyRegistry.Create(n, searchSpace, first + k), data, obj, rep, b, first + k, recorded, recorder));
                        rep2(++done, names.Length * runs, n);
                    }
            });
            if (experiment is not null) store!.Complete(experiment.Id);
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
