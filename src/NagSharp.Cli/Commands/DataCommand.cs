using System.CommandLine;
using NagSharp.Benchmarks;
using NagSharp.Spaces;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag data check</c>: validates every table it finds and cross-checks analytic cost columns;
/// <c>nag data import</c>: converts public plain-JSON sources into tables.</summary>
public static class DataCommand
{
    /// <summary>Relative error above which a cost column disagrees with the cost model.</summary>
    public const double CostTolerance = 1e-4;

    /// <summary>Builds the command group.</summary>
    public static Command Create(CliContext ctx)
    {
        var json = CliHelpers.JsonOption();
        var check = new Command("check", "Validate the benchmark tables of every space and print a summary") { json };
        check.SetAction(p => ctx.Guard(() =>
        {
            string dir = DataLocator.Resolve(p.GetValue(ctx.DataDir));
            if (!p.GetValue(json)) ctx.Console.MarkupLine($"data directory: [bold]{Markup.Escape(dir)}[/]");
            var tables = new Table().AddColumns("space", "table", "rows", "metric columns");
            var costs = new Table().AddColumns("column", "cost", "inferred classes", "rows", "max rel. error", "ok");
            var tableRows = new List<object>();
            var costRows = new List<object>();
            bool allOk = true;
            int checkedSpaces = 0;
            foreach (var space in SpaceRegistry.Spaces.Where(s => s.Tables is not null))
            {
                string folder = Path.Combine(dir, space.Tables!.Folder);
                if (!Directory.Exists(folder))
                {
                    if (!p.GetValue(json)) ctx.Console.MarkupLine($"[yellow]{space.Name}: no folder {Markup.Escape(folder)}; skipped[/]");
                    continue;
                }
                var data = BenchmarkData.Load(space, dir);
                checkedSpaces++;
                foreach (var t in data.Tables)
                    tableRows.Add(new { Space = space.Name, Table = Path.GetFileName(t.Path), Rows = t.Keys.Count, Columns = t.Columns });
                foreach (var t in data.Tables)
                    tables.AddRow(space.Name, Markup.Escape(Path.GetFileName(t.Path)), t.Keys.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        Markup.Escape(string.Join(" ", t.Columns)));
                foreach (var r in CostCheck.Run(data, new CostOptions()))
                {
                    bool ok = r.MaxRelativeError < CostTolerance;
                    allOk &= ok;
                    costRows.Add(new { r.Column, r.Cost, r.Classes, r.Rows, r.MaxRelativeError, Ok = ok });
                    costs.AddRow(Markup.Escape(r.Column), r.Cost, r.Classes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                        r.Rows.ToString(System.Globalization.CultureInfo.InvariantCulture), r.MaxRelativeError.ToString("E2", System.Globalization.CultureInfo.InvariantCulture), ok ? "yes" : "[red]NO[/]");
                    if (!ok) ctx.Err.WriteLine($"nag: data error: {data.TableOf(r.Column).Path}: column '{r.Column}' disagrees with the computed {r.Cost} (max relative error {r.MaxRelativeError:E2} at {r.WorstArch})");
                }
            }
            if (checkedSpaces == 0) throw new NagDataException($"{dir}: no table folder of any known space");
            if (p.GetValue(json)) ctx.Out.WriteLine(ExperimentHost.Json(new { Directory = dir, Tables = tableRows, Costs = costRows, Ok = allOk }));
            else
            {
                ctx.Console.Write(tables);
                ctx.Console.Write(costs);
            }
            return allOk ? ExitCodes.Ok : ExitCodes.DataError;
        }));
        return new Command("data", "Benchmark data") { check, Import(ctx) };
    }

    private static readonly IReadOnlyDictionary<string, string> ImportFlags = new Dictionary<string, string>
    {
        ["ImportSettings.Space"] = "--space",
        ["ImportSettings.Sources"] = "sources",
        ["ImportSettings.OutDir"] = "--out",
    };

    private static Command Import(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = $"Space whose table the sources become: {string.Join(", ", DataImport.Formats.Keys)}", Required = true };
        var sources = new Argument<string[]>("sources") { Description = "Source files (NASLib zc_*.json; NAS-Bench-NLP log files or a folder of them)", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string>("--out") { Description = "Data directory to write into; the table goes to its space's folder there (use it as --data-dir, or the file as --extra-table)", Required = true };
        var json = CliHelpers.JsonOption();
        var cmd = new Command("import", "Convert public benchmark files that come as plain JSON into the tables the loaders read (see docs/how-to/get-the-data.md)")
            { sources, space, outDir, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var r = CliHelpers.WithFlags(ImportFlags, () => DataImport.Run(new ImportSettings(p.GetValue(space)!, p.GetValue(sources)!, p.GetValue(outDir)!)));
            if (p.GetValue(json)) ctx.Out.WriteLine(ExperimentHost.Json(r));
            else
            {
                var inv = System.Globalization.CultureInfo.InvariantCulture;
                ctx.Out.WriteLine(string.Create(inv, $"wrote {r.Path} from {r.Source}: {r.Rows:N0} rows, {r.Architectures:N0} architectures, columns {string.Join(" ", r.Columns)}"));
                if (!r.CoversSpace) ctx.Err.WriteLine("note: the table does not cover the whole space; use it with --extra-table (a space's folder table must list every architecture)");
            }
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
