using System.CommandLine;
using System.Text.Json;
using NagSharp.Benchmarks;
using NagSharp.Spaces;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag arch SPACE ARCH</c>: everything known about one architecture.</summary>
public static class ArchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var spaceArg = new Argument<string>("space") { Description = "Search space (see `nag spaces`)" };
        var archArg = new Argument<string>("arch") { Description = "Architecture string, or its index in the benchmark tables" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var classes = new Option<int>("--classes") { Description = "Classes assumed by the computed costs", DefaultValueFactory = _ => 10 };
        var inputSize = new Option<int>("--input-size") { Description = "Input side in pixels assumed by the computed costs", DefaultValueFactory = _ => 32 };
        var cmd = new Command("arch", "Show an architecture: benchmark metrics and computed params/FLOPs") { spaceArg, archArg, json, classes, inputSize };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var space = SpaceRegistry.Get(p.GetValue(spaceArg)!);
            if (p.GetValue(classes) < 1) throw new NagUserException("--classes must be at least 1");
            if (p.GetValue(inputSize) < 1) throw new NagUserException("--input-size must be at least 1");
            BenchmarkData? data = null;
            if (space.Tables is not null)
            {
                try { data = CliHelpers.LoadData(space, p.GetValue(ctx.DataDir)); }
                catch (NagDataException e) when (e.Message.StartsWith("no benchmark data directory", StringComparison.Ordinal))
                {
                    ctx.Err.WriteLine($"nag: note: {e.Message}; showing computed values only");
                }
            }
            var arch = CliHelpers.ResolveArch(space, p.GetValue(archArg)!, data);
            var costs = space.ComputeCosts(arch, new CostOptions(Classes: p.GetValue(classes), InputSize: p.GetValue(inputSize)));
            int? key = data?.KeyOf(arch);
            var metrics = data?.MetricsOf(arch) ?? new Dictionary<string, double>();
            string canonical = CliHelpers.CanonicalId(space, arch);
            if (p.GetValue(json))
            {
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("space", space.Name);
                    if (key is int k) w.WriteNumber(space.Tables!.KeyColumn, k); else w.WriteNull(space.Tables?.KeyColumn ?? "index");
                    w.WriteString("arch", arch.ToString());
                    w.WriteString("canonical_id", canonical);
                    w.WriteStartObject("metrics");
                    foreach (var (c, v) in metrics) w.WriteNumber(c, v);
                    w.WriteEndObject();
                    w.WriteStartObject("computed");
                    foreach (var (c, v) in costs) w.WriteNumber(c, v);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("field", "value");
            table.AddRow("space", space.Name);
            table.AddRow(space.Tables?.KeyColumn ?? "index", key?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-");
            table.AddRow("arch", Markup.Escape(arch.ToString()));
            table.AddRow("canonical_id", canonical);
            foreach (var (c, v) in metrics) table.AddRow(Markup.Escape(c), CliHelpers.Num(v));
            foreach (var (c, v) in costs) table.AddRow($"computed {Markup.Escape(c)}", CliHelpers.Num(Math.Round(v, 6)));
            ctx.Console.Write(table);
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
