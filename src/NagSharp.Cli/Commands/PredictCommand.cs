using System.CommandLine;
using NagSharp.Experiments;
using NagSharp.Benchmarks;
using NagSharp.Diffusion.Score;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary>
/// <c>nag predict</c>: scores every architecture of an enumerable space with a predictor and shows the top ones.
/// This is the exhaustive "rank everything" baseline guided generation is compared with, and a check of where a
/// predictor's optimum lies.
/// </summary>
public static class PredictCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var predictor = new Option<string>("--predictor") { Description = "Predictor checkpoint", Required = true };
        var top = new Option<int>("--top") { Description = "Architectures to show", DefaultValueFactory = _ => 10 };
        var report = new Option<string[]>("--report") { Description = "Table column(s) to show beside the prediction", AllowMultipleArgumentsPerToken = true };
        var json = CliHelpers.JsonOption();
        var cmd = new Command("predict", "Rank every architecture of the space by a predictor") { predictor, top, report, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            using var pred = NoiseAwarePredictor.Load(p.GetValue(predictor)!);
            if (pred.Space.Size is null) throw new NagUserException($"{pred.Space.Name} cannot be enumerated");
            int k = p.GetValue(top);
            if (k < 1) throw new NagUserException("--top must be at least 1");
            var reports = p.GetValue(report) ?? [];
            var data = reports.Length > 0 ? CliHelpers.LoadData(pred.Space, p.GetValue(ctx.DataDir)) : null;
            foreach (var c in reports) data!.RequireColumn(c);
            var ranked = ExhaustiveRanking.Top(pred, k, reports, data);
            if (p.GetValue(json))
            {
                ctx.Out.WriteLine(ExperimentHost.Json(new
                {
                    Target = pred.Target, Top = ranked.Top, ranked.ReportMean,
                    Architectures = ranked.Architectures.Select(b => new Dictionary<string, object?> { ["arch"] = b.Arch.ToString(), ["predicted"] = pred.FromModel(b.Predicted!.Value) }
                        .Concat(b.Values.Where(v => v.Value is not null).Select(v => KeyValuePair.Create(v.Key, (object?)v.Value))).ToDictionary()),
                }));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("architecture", $"predicted {Markup.Escape(pred.Target)}", "score");
            foreach (var c in reports) table.AddColumn(Markup.Escape(c));
            foreach (var b in ranked.Architectures)
                table.AddRow(new[] { Markup.Escape(b.Arch.ToString()), pred.FromModel(b.Predicted!.Value).ToString("F3", System.Globalization.CultureInfo.InvariantCulture),
                        b.Predicted!.Value.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) }
                    .Concat(reports.Select(c => b.Values[c] is double v ? CliHelpers.Num(v) : "-")).ToArray());
            ctx.Console.Write(table);
            foreach (var (c, m) in ranked.ReportMean) ctx.Console.MarkupLine($"mean {Markup.Escape(c)} of the top {ranked.Top}: {m:F4}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
