using System.CommandLine;
using NagSharp.Experiments;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag bench surrogate</c>: <see cref="SurrogateBenchExperiment"/> (cross-validated surrogate fidelity per encoding).</summary>
public static class BenchSurrogateCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var defaults = new SurrogateBenchSettings { Column = "" };
        var space = new Option<string>("--space") { Description = "Search space", Required = true };
        var column = new Option<string>("--objective") { Description = "Table column to predict", Required = true };
        var encodings = new Option<string[]>("--surrogate-encoding") { Description = $"Surrogate input encoding to measure (repeatable; {string.Join(", ", EnsembleConfig.Encodings)}; default: all)" };
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds: every row is predicted once by a surrogate fitted on the others", DefaultValueFactory = _ => defaults.Folds };
        var steps = new Option<int>("--surrogate-steps") { Description = "Adam steps (batches of up to 512 rows) per fit", DefaultValueFactory = _ => defaults.SurrogateSteps };
        var seed = new Option<int>("--seed") { Description = "Random seed (fold split, initialisation)", DefaultValueFactory = _ => defaults.Seed };
        var outDir = new Option<string?>("--out") { Description = "Directory for bench_surrogate_<space>_<column>.md and .json" };
        var json = CliHelpers.JsonOption();
        var cmd = new Command("surrogate", "Cross-validated rank correlation of the table surrogate, per input encoding")
            { space, column, encodings, folds, steps, seed, outDir, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            if (p.GetValue(outDir) is string target) AtomicFile.RequireWritableDirectory(target, "--out");   // before any work
            var s = SpaceRegistry.Get(p.GetValue(space)!);
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            var settings = new SurrogateBenchSettings
            {
                Column = p.GetValue(column)!, Encodings = p.GetValue(encodings), Folds = p.GetValue(folds),
                SurrogateSteps = p.GetValue(steps), Seed = p.GetValue(seed),
            };
            string? dir = p.GetValue(outDir);
            if (dir is not null) Directory.CreateDirectory(dir);   // an unwritable --out fails before the fits
            var result = ExperimentHost.Run(ctx, progress => SurrogateBenchExperiment.Run(s, data, settings, progress),
                new Dictionary<string, string> { ["Column"] = "--objective", ["Encodings"] = "--surrogate-encoding" });
            string md = result.ToMarkdown(), jsonText = ExperimentHost.Json(result);
            // The column comes from a table header: one harmless file-name part (ordinary names stay as they are).
            if (dir is not null) ExperimentHost.WriteReport(Path.Combine(dir, $"bench_surrogate_{SafePath.Part(s.Name)}_{SafePath.Part(result.Column)}"), md, jsonText);
            ctx.Out.Write(p.GetValue(json) ? jsonText + Environment.NewLine : md);
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
