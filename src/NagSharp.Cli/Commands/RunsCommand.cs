using System.CommandLine;
using System.Globalization;
using NagSharp.Store;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag runs list|show ID --db FILE</c>: experiments recorded with <c>nag search --db</c>.</summary>
public static class RunsCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CliContext ctx)
    {
        var db = new Option<string>("--db") { Description = "SQLite experiment store", Required = true };
        var json = CliHelpers.JsonOption();
        var list = new Command("list", "List experiments") { db, json };
        list.SetAction(p => ctx.Guard(() =>
        {
            using var store = OpenExisting(p.GetValue(db)!);
            if (p.GetValue(json))
            {
                ctx.Out.WriteLine(ExperimentHost.Json(store.List().Select(e => new
                {
                    e.Id, e.Created, e.Space, e.Objective, e.Strategies, e.Budget, e.Seeds, Trials = store.Trials(e.Id).Count, e.Status,
                }).ToList()));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("id", "created", "space", "objective", "strategies", "budget", "seeds", "trials", "status");
            foreach (var e in store.List())
                table.AddRow(e.Id.ToString(CultureInfo.InvariantCulture), e.Created, e.Space, Markup.Escape(e.Objective), Markup.Escape(string.Join(",", e.Strategies)),
                    e.Budget.ToString(CultureInfo.InvariantCulture), e.Seeds.ToString(CultureInfo.InvariantCulture),
                    store.Trials(e.Id).Count.ToString(CultureInfo.InvariantCulture), e.Status);
            ctx.Console.Write(table);
            return ExitCodes.Ok;
        }));
        var idArg = new Argument<long>("id") { Description = "Experiment id" };
        var showJson = new Option<bool>("--json") { Description = "Print the experiment as one JSON object (what it prints either way)" };
        var show = new Command("show", "Show one experiment as JSON") { idArg, db, showJson };
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

    private static ExperimentStore OpenExisting(string path) =>
        File.Exists(path) ? new ExperimentStore(path) : throw new NagDataException($"{path}: experiment store not found");
}
