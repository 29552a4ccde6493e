using System.CommandLine;
using System.Text.Json;
using NagSharp.Benchmarks;
using NagSharp.Diagrams;
using NagSharp.Spaces;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag arch SPACE ARCH</c>: everything known about one architecture, and its cell diagram as SVG or DOT.</summary>
public static class ArchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var spaceArg = new Argument<string>("space") { Description = "Search space (see `nag spaces`)" };
        var archArg = new Argument<string>("arch") { Description = "Architecture string, or its key in the benchmark tables (NB201 index, NB101 row number)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var classes = new Option<int?>("--classes") { Description = "Classes assumed by the computed costs (default: the space's standard network)" };
        var inputSize = new Option<int?>("--input-size") { Description = "Input side in pixels assumed by the computed costs (default: the space's standard network)" };
        var svg = new Option<string?>("--svg") { Description = "Also write the architecture's cell diagram as SVG to this file", HelpName = "file" };
        var dot = new Option<string?>("--dot") { Description = "Also write the architecture's cell diagram as Graphviz DOT to this file", HelpName = "file" };
        var cmd = new Command("arch", "Show an architecture: benchmark metrics, computed params/FLOPs, and optionally its cell diagram") { spaceArg, archArg, json, classes, inputSize, svg, dot };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var space = SpaceRegistry.Get(p.GetValue(spaceArg)!);
            if (p.GetValue(classes) < 1) throw new NagUserException("--classes must be at least 1");
            if (p.GetValue(inputSize) < 1) throw new NagUserException("--input-size must be at least 1");
            string? svgPath = p.GetValue(svg), dotPath = p.GetValue(dot);
            if (svgPath is not null) AtomicFile.RequireWritableFile(svgPath, "--svg");   // before any work
            if (dotPath is not null) AtomicFile.RequireWritableFile(dotPath, "--dot");
            if (svgPath is not null && dotPath is not null && Path.GetFullPath(svgPath) == Path.GetFullPath(dotPath))
                throw new NagUserException("--svg and --dot name the same file");
            BenchmarkData? data = null;
            if (space.Tables is not null)
            {
                try { data = CliHelpers.LoadData(space, p.GetValue(ctx.DataDir)); }
                catch (NagDataException e) when (e.Message.StartsWith("no benchmark data directory", StringComparison.Ordinal))
                {
                    ctx.Err.WriteLine($"nag: note: {e.Message}; showing computed values only");
                }
            }
            var arch = CliHelpers.ResolveArch(space, p.GetValue(archArg)!, data, out int? givenKey);
            var costs = space.ComputeCosts(arch, new CostOptions(Classes: p.GetValue(classes), InputSize: p.GetValue(inputSize)));
            // A key shows its own row; a string shows the architecture's first row. Keyless tables may list an
            // architecture on several rows (repeated measurements): those keys are listed too.
            int? key = givenKey ?? data?.KeyOf(arch);
            var metrics = data is null ? new Dictionary<string, double>() : key is int shown ? data.MetricsOfKey(shown) : data.MetricsOf(arch);
            var sameArchKeys = data?.KeysOf(arch) ?? [];
            string keyName = space.Tables?.KeyName ?? "index";
            string canonical = CliHelpers.CanonicalId(space, arch);
            if (svgPath is not null) WriteDiagram(ctx, svgPath, CellDiagrams.Svg(space, arch));
            if (dotPath is not null) WriteDiagram(ctx, dotPath, CellDiagrams.Dot(space, arch));
            if (p.GetValue(json))
            {
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("space", space.Name);
                    if (key is int k) w.WriteNumber(keyName, k); else w.WriteNull(keyName);
                    if (sameArchKeys.Count > 1)
                    {
                        w.WriteStartArray("same_arch_keys");
                        foreach (int k2 in sameArchKeys) w.WriteNumberValue(k2);
                        w.WriteEndArray();
                    }
                    w.WriteString("arch", arch.ToString());
                    w.WriteString("canonical_id", canonical);
                    w.WriteString("canonical_form", space.CanonicalForm(arch));
                    w.WriteStartObject("metrics");
                    foreach (var (c, v) in metrics) w.WriteNumber(c, v);
                    w.WriteEndObject();
                    w.WriteStartObject("computed");
                    foreach (var (c, v) in costs) w.WriteNumber(c, v);
                    w.WriteEndObject();
                    if (svgPath is not null) w.WriteString("svg", svgPath);
                    if (dotPath is not null) w.WriteString("dot", dotPath);
                    w.WriteEndObject();
                }));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("field", "value");
            table.AddRow("space", space.Name);
            table.AddRow(keyName, key?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-");
            if (sameArchKeys.Count > 1)
                table.AddRow($"every {keyName} of this arch", string.Join(" ", sameArchKeys.Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            table.AddRow("arch", Markup.Escape(arch.ToString()));
            table.AddRow("canonical_id", canonical);
            table.AddRow("canonical_form", Markup.Escape(space.CanonicalForm(arch)));
            foreach (var (c, v) in metrics) table.AddRow(Markup.Escape(c), CliHelpers.Num(v));
            foreach (var (c, v) in costs) table.AddRow($"computed {Markup.Escape(c)}", CliHelpers.Num(Math.Round(v, 6)));
            ctx.Console.Write(table);
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static void WriteDiagram(CliContext ctx, string path, string text)
    {
        AtomicFile.WriteText(path, w => w.Write(text));
        ctx.Err.WriteLine($"wrote {path}");
    }
}
