using System.CommandLine;
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
        var json = new Option<bool>("--json") { Description = "Print JSON" };
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
            var archs = pred.Space.Enumerate().ToArray();
            var scores = pred.Predict(archs);
            var order = Enumerable.Range(0, archs.Length).OrderByDescending(i => scores[i]).Take(k).ToArray();
            var means = reports.ToDictionary(c => c, c => order.Select(i => data!.Get(archs[i], c)).OfType<double>().DefaultIfEmpty(double.NaN).Average());
            if (p.GetValue(json))
            {
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("target", pred.Target);
                    w.WriteNumber("top", order.Length);
                    w.WriteStartObject("report_mean");
                    foreach (var (c, m) in means) w.WriteNumber(c, m);
                    w.WriteEndObject();
                    w.WriteStartArray("architectures");
                    foreach (int i in order)
                    {
                        w.WriteStartObject();
                        w.WriteString("arch", archs[i].ToString());
                        w.WriteNumber("predicted", scores[i]);
                        foreach (var c in reports) if (data!.Get(archs[i], c) is double v) w.WriteNumber(c, v);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("architecture", $"predicted {Markup.Escape(pred.Target)}");
            foreach (var c in reports) table.AddColumn(Markup.Escape(c));
            foreach (int i in order)
                table.AddRow(new[] { Markup.Escape(archs[i].ToString()), scores[i].ToString("F3", System.Globalization.CultureInfo.InvariantCulture) }
                    .Concat(reports.Select(c => data!.Get(archs[i], c) is double v ? CliHelpers.Num(v) : "-")).ToArray());
            ctx.Console.Write(table);
            foreach (var (c, m) in means) ctx.Console.MarkupLine($"mean {Markup.Escape(c)} of the top {order.Length}: {m:F4}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
