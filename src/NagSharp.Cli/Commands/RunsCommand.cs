using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using NagSharp.Store;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag runs list|show|export --store URL</c>: experiments recorded in a store (searches, generation runs, trainings).</summary>
public static class RunsCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CliContext ctx)
    {
        var store = StoreOption.Create(required: true);
        var json = CliHelpers.JsonOption();
        var list = new Command("list", "List experiments") { store, json };
        list.SetAction(p => ctx.Guard(() =>
        {
            using var s = Store.ExperimentStore.OpenReadOnly(p.GetValue(store)!);
            var all = s.List();
            if (p.GetValue(json))
            {
                ctx.Out.WriteLine(ExperimentHost.Json(all.Select(e => new
                {
                    e.Id, e.Kind, e.Created, e.Space, e.Objective, e.Strategies, e.Budget, e.Seeds, Trials = s.TrialCount(e.Id), e.Status,
                }).ToList()));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("id", "kind", "created", "space", "objective", "strategies", "budget", "seeds", "trials", "status");
            foreach (var e in all)
                table.AddRow(e.Id.ToString(CultureInfo.InvariantCulture), e.Kind, e.Created, e.Space, Markup.Escape(e.Objective), Markup.Escape(string.Join(",", e.Strategies)),
                    e.Budget.ToString(CultureInfo.InvariantCulture), e.Seeds.ToString(CultureInfo.InvariantCulture),
                    s.TrialCount(e.Id).ToString(CultureInfo.InvariantCulture), e.Status);
            ctx.Console.Write(table);
            return ExitCodes.Ok;
        }));
        var idArg = new Argument<long>("id") { Description = "Experiment id" };
        var showJson = new Option<bool>("--json") { Description = "Print the experiment as one JSON object (what it prints either way)" };
        var show = new Command("show", "Show one experiment as JSON") { idArg, store, showJson };
        show.SetAction(p => ctx.Guard(() =>
        {
            using var s = Store.ExperimentStore.OpenReadOnly(p.GetValue(store)!);
            ctx.Out.WriteLine(Document(s, s.Get(p.GetValue(idArg)), full: false));
            return ExitCodes.Ok;
        }));
        var exportId = new Argument<long>("id") { Description = "Experiment id" };
        var outFile = new Option<string?>("--out") { Description = "Write the JSON here (default: standard output)" };
        var exportJson = new Option<bool>("--json") { Description = "JSON output (what it writes either way)" };
        var export = new Command("export", "Export one experiment with every trial (or a run's metrics and samples) as JSON") { exportId, store, outFile, exportJson };
        export.SetAction(p => ctx.Guard(() =>
        {
            using var s = Store.ExperimentStore.OpenReadOnly(p.GetValue(store)!);
            string doc = Document(s, s.Get(p.GetValue(exportId)), full: true);
            if (p.GetValue(outFile) is string path) AtomicFile.WriteText(path, w => w.WriteLine(doc));
            else ctx.Out.WriteLine(doc);
            return ExitCodes.Ok;
        }));
        return new Command("runs", "Experiments recorded in a store (nag search --store, nag generate --store, nag net train --store)") { list, show, export };
    }

    /// <summary>An experiment as JSON: its settings and figures; <paramref name="full"/> adds every trial, metric and sample.</summary>
    private static string Document(ExperimentStore store, Experiment e, bool full)
    {
        bool search = e.Kind == "search";
        var trials = search ? store.Trials(e.Id) : [];
        var settings = search ? SearchSettings.FromJson(e.Settings, $"{store.Path}: experiment {e.Id}") : null;
        return Json.Write(j =>
        {
            j.WriteStartObject();
            j.WriteNumber("id", e.Id); j.WriteString("kind", e.Kind); j.WriteString("created", e.Created); j.WriteString("space", e.Space);
            j.WriteString("objective", e.Objective);
            if (search)
            {
                j.WriteString("report", e.Report);
                j.WriteStartArray("strategies"); foreach (var st in e.Strategies) j.WriteStringValue(st); j.WriteEndArray();
                j.WriteNumber("budget", e.Budget); j.WriteNumber("seeds", e.Seeds); j.WriteNumber("first_seed", e.FirstSeed);
            }
            j.WriteString("status", e.Status);
            if (search)
            {
                j.WriteNumber("trials", trials.Count); j.WriteNumber("in_flight", store.InFlight(e.Id));
                j.WritePropertyName("queue");
                JsonSerializer.Serialize(j, store.QueueCounts(e.Id));
                j.WritePropertyName("settings"); j.WriteRawValue(settings!.ToJson());
                // Best in the objective's own direction: a --minimize experiment's best is its lowest value.
                j.WriteStartObject("best_objective");
                foreach (var g in trials.GroupBy(t => t.Strategy)) j.WriteNumber(g.Key, settings.Minimize ? g.Min(t => t.Objective) : g.Max(t => t.Objective));
                j.WriteEndObject();
            }
            else
            {
                j.WritePropertyName("settings"); j.WriteRawValue(e.Settings);
                j.WriteStartObject("metrics");
                foreach (var (_, name, value) in store.Metrics(e.Id).Where(m => m.Step < 0)) Number(j, name, value);
                j.WriteEndObject();
            }
            if (full && search)
            {
                j.WriteStartArray("trial_list");
                foreach (var t in trials)
                {
                    j.WriteStartObject();
                    j.WriteString("strategy", t.Strategy); j.WriteNumber("seed", t.Seed); j.WriteNumber("query", t.Query); j.WriteString("arch", t.Arch);
                    Number(j, "objective", t.Objective); Number(j, "report", t.Report); j.WriteNumber("violation", t.Violation); j.WriteNumber("seconds", t.Seconds);
                    j.WriteEndObject();
                }
                j.WriteEndArray();
            }
            else if (full)
            {
                j.WriteStartArray("steps");
                foreach (var g in store.Metrics(e.Id).Where(m => m.Step >= 0).GroupBy(m => m.Step))
                {
                    j.WriteStartObject();
                    j.WriteNumber("step", g.Key);
                    foreach (var (_, name, value) in g) Number(j, name, value);
                    j.WriteEndObject();
                }
                j.WriteEndArray();
                j.WriteStartArray("samples");
                foreach (var (arch, metrics) in store.Samples(e.Id))
                {
                    j.WriteStartObject(); j.WriteString("arch", arch); j.WritePropertyName("values"); j.WriteRawValue(metrics); j.WriteEndObject();
                }
                j.WriteEndArray();
            }
            j.WriteEndObject();
        });
    }

    private static void Number(Utf8JsonWriter j, string name, double value)
    {
        if (double.IsFinite(value)) j.WriteNumber(name, value);
        else j.WriteNull(name);
    }
}
