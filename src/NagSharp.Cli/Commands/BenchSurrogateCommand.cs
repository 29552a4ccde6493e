using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using NagSharp.Benchmarks;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary>
/// <c>nag bench surrogate</c>: how well can a surrogate fitted on a table column rank architectures it was not fitted on?
/// K-fold cross-validation per input encoding, so the surrogate that scores generated samples off the table
/// (<c>nag bench margin</c>) is chosen and reported on measured fidelity, not assumed.
/// </summary>
public static class BenchSurrogateCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", Required = true };
        var column = new Option<string>("--column") { Description = "Table column to predict", Required = true };
        var encodings = new Option<string[]>("--encoding") { Description = $"Surrogate input encoding to measure (repeatable; {string.Join(", ", EnsembleConfig.Encodings)}; default: all)" };
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds: every row is predicted once by a surrogate fitted on the others", DefaultValueFactory = _ => 5 };
        var steps = new Option<int>("--surrogate-steps") { Description = "Adam steps (batches of up to 512 rows) per fit", DefaultValueFactory = _ => SurrogateOracle.DefaultConfig.FitSteps };
        var seed = new Option<int>("--seed") { Description = "Random seed (fold split, initialisation)", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string?>("--out") { Description = "Directory for bench_surrogate_<space>_<column>.md and .json" };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON instead of a table" };
        var cmd = new Command("surrogate", "Cross-validated rank correlation of the table surrogate, per input encoding")
            { space, column, encodings, folds, steps, seed, outDir, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var s = SpaceRegistry.Get(p.GetValue(space)!);
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            string col = p.GetValue(column)!;
            data.RequireColumn(col);
            int k = p.GetValue(folds), fitSteps = p.GetValue(steps), seedValue = p.GetValue(seed);
            if (fitSteps < 1) throw new NagUserException($"--surrogate-steps must be at least 1, got {fitSteps}");
            var asked = p.GetValue(encodings) is { Length: > 0 } e ? e : EnsembleConfig.Encodings.ToArray();
            var configs = asked.Select(name => SurrogateOracle.DefaultConfig with { Encoding = name, FitSteps = fitSteps }).ToArray();
            foreach (var c in configs) c.Validate();   // a bad encoding fails before any fitting
            using var oneThread = CliHelpers.OneTorchThread();
            var results = new List<(string Encoding, double Spearman, double Kendall, int Rows, double Seconds)>();
            ProgressRunner.Run(ctx, "cross-validation", report =>
            {
                for (int i = 0; i < configs.Length; i++)
                {
                    var clock = Stopwatch.StartNew();
                    var (rho, tau, rows) = SurrogateOracle.CrossValidate(s, data, col, k, seedValue, configs[i],
                        f => report(i * k + f, configs.Length * k, configs[i].Encoding));
                    results.Add((configs[i].Encoding, rho, tau, rows, clock.Elapsed.TotalSeconds));
                }
            });
            var inv = CultureInfo.InvariantCulture;
            var md = new StringBuilder();
            md.AppendLine(inv, $"### {s.Name}: surrogate of `{col}`, {k}-fold cross-validation on {results[0].Rows} rows");
            md.AppendLine();
            md.AppendLine("| encoding | Spearman | Kendall tau | seconds |");
            md.AppendLine("|---|---|---|---|");
            foreach (var r in results) md.AppendLine(inv, $"| {r.Encoding} | {r.Spearman:F3} | {r.Kendall:F3} | {r.Seconds:F0} |");
            md.AppendLine();
            string jsonText = Json.Write(j =>
            {
                j.WriteStartObject();
                j.WriteString("space", s.Name);
                j.WriteString("column", col);
                j.WriteNumber("folds", k);
                j.WriteNumber("rows", results[0].Rows);
                j.WriteNumber("surrogate_steps", fitSteps);
                j.WriteNumber("seed", seedValue);
                j.WriteStartArray("encodings");
                foreach (var r in results)
                {
                    j.WriteStartObject();
                    j.WriteString("encoding", r.Encoding);
                    j.WriteNumber("spearman", r.Spearman);
                    j.WriteNumber("kendall", r.Kendall);
                    j.WriteNumber("seconds", r.Seconds);
                    j.WriteEndObject();
                }
                j.WriteEndArray();
                j.WriteEndObject();
            });
            if (p.GetValue(outDir) is string dir)
            {
                Directory.CreateDirectory(dir);
                string stem = Path.Combine(dir, $"bench_surrogate_{s.Name}_{col}");
                AtomicFile.WriteText(stem + ".md", w => w.Write(md.ToString()));
                AtomicFile.WriteText(stem + ".json", w => w.WriteLine(jsonText));
            }
            ctx.Out.Write(p.GetValue(json) ? jsonText + Environment.NewLine : md.ToString());
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
