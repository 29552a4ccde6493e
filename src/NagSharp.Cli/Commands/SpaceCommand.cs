using System.CommandLine;
using System.Text.Json;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary>
/// <c>nag space dump SPACE</c>: every table row (every architecture of a complete space) with its key, canonical id,
/// costs and metrics, streamed. Each row shows its own metrics, so repeated architectures of a keyless table keep their
/// separate measurements. A computed cost whose name a table column also has is written as <c>computed_&lt;name&gt;</c>
/// in CSV (NB101's tables have <c>params_M</c> themselves); JSON keeps them apart in "computed" and "metrics".
/// </summary>
public static class SpaceCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CliContext ctx)
    {
        var spaceArg = new Argument<string>("space") { Description = "Search space (see `nag spaces`)" };
        var format = new Option<string>("--format") { Description = "csv or jsonl", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        var outPath = new Option<string?>("--out") { Description = "Write to this file (atomically) instead of stdout" };
        var classes = new Option<int?>("--classes") { Description = "Classes assumed by the computed costs (default: the space's standard network)" };
        var inputSize = new Option<int?>("--input-size") { Description = "Input side assumed by the computed costs (default: the space's standard network)" };
        var dump = new Command("dump", "Stream every architecture of a space with its metrics") { spaceArg, format, outPath, classes, inputSize };
        dump.SetAction(p => ctx.Guard(() =>
        {
            var space = SpaceRegistry.Get(p.GetValue(spaceArg)!);
            if (p.GetValue(classes) < 1 || p.GetValue(inputSize) < 1) throw new NagUserException("--classes and --input-size must be at least 1");
            var data = CliHelpers.LoadData(space, p.GetValue(ctx.DataDir));
            var options = new CostOptions(Classes: p.GetValue(classes), InputSize: p.GetValue(inputSize));
            bool csv = p.GetValue(format) == "csv";
            void Write(TextWriter w)
            {
                string keyName = space.Tables!.KeyName;
                var costNames = space.ComputeCosts(data.ArchOf(data.Keys.First()), options).Keys.ToArray();
                var costHeaders = costNames.Select(c => data.HasColumn(c) ? "computed_" + c : c);
                if (csv)
                    w.WriteLine(string.Join(",", new[] { keyName, "arch", "canonical_id" }.Concat(costHeaders).Concat(data.Columns).Select(CliHelpers.CsvField)));
                foreach (int key in data.Keys)
                {
                    var arch = data.ArchOf(key);
                    var costs = space.ComputeCosts(arch, options);
                    var metrics = data.MetricsOfKey(key);
                    string canonical = CliHelpers.CanonicalId(space, arch);
                    if (csv)
                    {
                        var fields = new List<string> { key.ToString(System.Globalization.CultureInfo.InvariantCulture), CliHelpers.CsvField(arch.ToString()), canonical };
                        fields.AddRange(costNames.Select(c => CliHelpers.Num(costs[c])));
                        fields.AddRange(data.Columns.Select(c => metrics.TryGetValue(c, out double v) ? CliHelpers.Num(v) : ""));
                        w.WriteLine(string.Join(",", fields));
                    }
                    else
                    {
                        w.WriteLine(Json.Write(j =>
                        {
                            j.WriteStartObject();
                            j.WriteNumber(keyName, key);
                            j.WriteString("arch", arch.ToString());
                            j.WriteString("canonical_id", canonical);
                            j.WriteStartObject("computed");
                            foreach (var c in costNames) j.WriteNumber(c, costs[c]);
                            j.WriteEndObject();
                            j.WriteStartObject("metrics");
                            foreach (var (c, v) in metrics) j.WriteNumber(c, v);
                            j.WriteEndObject();
                            j.WriteEndObject();
                        }));
                    }
                }
            }
            if (p.GetValue(outPath) is string path) AtomicFile.WriteText(path, Write);
            else { Write(ctx.Out); ctx.Out.Flush(); }
            return ExitCodes.Ok;
        }));
        return new Command("space", "Work with a whole search space") { dump };
    }
}
