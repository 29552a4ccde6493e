using System.CommandLine;
using System.Globalization;
using NagSharp.Benchmarks;
using NagSharp.Experiments;
using NagSharp.Spaces;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary>
/// <c>nag ofa check|predict|sample|label</c>: <see cref="OfaOracleExperiment"/>, the Once-for-All MobileNetV3 space's
/// oracle (the official OFA accuracy predictor and the latency lookup tables).
/// </summary>
public static class OfaCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Builds the command group.</summary>
    public static Command Create(CliContext ctx)
    {
        var predictorOpt = () => new Option<string?>("--predictor") { Description = "OFA accuracy predictor (default: <data>/ofa_mbv3/acc_predictor.safetensors)" };
        var jsonOpt = () => new Option<bool>("--json") { Description = "Print JSON" };
        return new Command("ofa", "Once-for-All MobileNetV3: accuracy predictor and latency tables as the oracle")
        {
            Check(ctx, predictorOpt(), jsonOpt()),
            Predict(ctx, predictorOpt(), jsonOpt()),
            Sample(ctx, predictorOpt(), jsonOpt()),
            Label(ctx, predictorOpt()),
        };
    }

    private static string Predictor(CliContext ctx, ParseResult p, Option<string?> predictor) =>
        OfaOracleExperiment.PredictorPath(p.GetValue(predictor), p.GetValue(ctx.DataDir));

    private static Command Check(CliContext ctx, Option<string?> predictor, Option<bool> json)
    {
        var cmd = new Command("check", "Rank correlation of the accuracy predictor with the real ImageNet top-1 of the published specialised MobileNetV3 nets; FLOPs of the nets named by FLOPs") { predictor, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var r = OfaOracleExperiment.Check(DataLocator.Resolve(p.GetValue(ctx.DataDir)), Predictor(ctx, p, predictor));
            if (p.GetValue(json)) { ctx.Out.WriteLine(ExperimentHost.Json(r)); return ExitCodes.Ok; }
            var table = new Table().AddColumns("net", "width", "resolution", "real top-1", "predicted top-1");
            foreach (var n in r.Predictions)
                table.AddRow(Markup.Escape(n.Net), n.Stem == 24 ? "1.2" : "1.0", n.Resolution.ToString(Inv), n.Top1.ToString("F1", Inv), n.PredictedTop1.ToString("F2", Inv));
            ctx.Console.Write(table);
            foreach (var (name, s) in r.RankCorrelation)
                ctx.Out.WriteLine($"{name}: {s.Nets} nets, Spearman {s.Spearman:F3}, Kendall tau {s.KendallTau:F3}, mean predicted - real {s.MeanOffset:+0.00;-0.00} points");
            foreach (var f in r.FlopsCheck) ctx.Out.WriteLine($"{f.Net}: named {f.Named:F0} M FLOPs, computed {f.Computed:F2} M");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static Command Predict(CliContext ctx, Option<string?> predictor, Option<bool> json)
    {
        var archs = new Argument<string[]>("arch") { Description = "Subnets (ks|e|d|r or {\"ks\": ..., \"e\": ..., \"d\": ..., \"r\": ...})", Arity = ArgumentArity.ZeroOrMore };
        var file = new Option<string?>("--samples") { Description = "Score the \"arch\" of every line of a JSONL file (e.g. nag generate --out) instead" };
        var top = new Option<int>("--top") { Description = "With --samples: the k of the top-k mean", DefaultValueFactory = _ => 10 };
        var cmd = new Command("predict", "Predicted ImageNet top-1, lookup-table latencies, params and FLOPs of subnets") { archs, file, top, predictor, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var space = new OfaSpace();
            var list = new List<OfaArch>();
            int invalid = 0;
            if (p.GetValue(file) is string path)
            {
                var (read, nulls) = CliHelpers.ReadSamples(space, path);
                list.AddRange(read.Cast<OfaArch>());
                invalid = nulls;
            }
            list.AddRange((p.GetValue(archs) ?? []).Select(s => (OfaArch)space.Parse(s)));
            if (list.Count == 0) throw new NagUserException("give subnets as arguments or --samples FILE");
            var r = OfaOracleExperiment.Predict(list, invalid, p.GetValue(top), Predictor(ctx, p, predictor), DataLocator.TryResolve(p.GetValue(ctx.DataDir)));
            if (p.GetValue(json)) { ctx.Out.WriteLine(ExperimentHost.Json(r)); return ExitCodes.Ok; }
            var table = new Table().AddColumns(["subnet", "predicted top-1", "params_M", "flops_M", .. r.Devices]);
            foreach (var row in r.Results.Take(Math.Max(r.TopK, p.GetValue(file) is null ? r.Results.Count : r.TopK)))
                table.AddRow([Markup.Escape(row.Arch), row.PredictedTop1.ToString("F2", Inv), Metric(row, "params_M", "F3"), Metric(row, "flops_M", "F1"),
                    .. r.Devices.Select(d => Metric(row, d, "F2"))]);
            ctx.Console.Write(table);
            ctx.Out.WriteLine($"{r.Unique} unique subnets ({r.InvalidLines} invalid lines): predicted top-1 mean {r.MeanPredictedTop1:F3}, top-{r.TopK} mean {r.TopKMean:F3}, best {r.BestPredictedTop1:F3}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static string Metric(OfaScoredSubnet row, string name, string format) =>
        row.Metrics is not null && row.Metrics.TryGetValue(name, out var v) && v is double x ? x.ToString(format, Inv) : "-";

    private static Command Sample(CliContext ctx, Option<string?> predictor, Option<bool> json)
    {
        var n = new Option<int>("-n") { Description = "Random subnets to score", DefaultValueFactory = _ => 10000 };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var top = new Option<int>("--top") { Description = "Best subnets to show", DefaultValueFactory = _ => 10 };
        var cmd = new Command("sample", "Sample-and-filter baseline: score n uniform random subnets with the predictor and keep the best") { n, seed, top, predictor, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            if (p.GetValue(n) < 1 || p.GetValue(top) < 1) throw new NagUserException("-n and --top must be at least 1");
            var r = OfaOracleExperiment.Sample(p.GetValue(n), p.GetValue(seed), p.GetValue(top), Predictor(ctx, p, predictor));
            if (p.GetValue(json)) { ctx.Out.WriteLine(ExperimentHost.Json(r)); return ExitCodes.Ok; }
            var table = new Table().AddColumns("subnet", "predicted top-1");
            foreach (var b in r.Best) table.AddRow(Markup.Escape(b.Arch), b.PredictedTop1.ToString("F3", Inv));
            ctx.Console.Write(table);
            ctx.Out.WriteLine($"{r.PredictorCalls} random subnets (predictor calls): mean {r.MeanPredictedTop1:F3}, best {r.BestPredictedTop1:F3}, top-{r.Best.Count} mean {r.Best.Average(b => b.PredictedTop1):F3}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static Command Label(CliContext ctx, Option<string?> predictor)
    {
        var n = new Option<int>("-n") { Description = "Random subnets to label", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string>("--out") { Description = "Data directory to write ofa_mbv3/ofa_mbv3_predicted.csv into (use it with --data-dir)", Required = true };
        var json = CliHelpers.JsonOption();
        var cmd = new Command("label", "Write a table of n random subnets with predicted top-1 and lookup-table latencies: labelled data for predictors, conditions and generators (n predictor calls)") { n, seed, outDir, predictor, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            if (p.GetValue(n) < 1) throw new NagUserException("-n must be at least 1");
            AtomicFile.RequireWritableDirectory(p.GetValue(outDir)!, "--out");   // before any work
            var r = OfaOracleExperiment.Label(p.GetValue(n), p.GetValue(seed), p.GetValue(outDir)!, Predictor(ctx, p, predictor), DataLocator.Resolve(p.GetValue(ctx.DataDir)));
            if (p.GetValue(json)) { ctx.Out.WriteLine(ExperimentHost.Json(r)); return ExitCodes.Ok; }
            ctx.Out.WriteLine($"wrote {r.Path}: {r.Subnets} subnets ({r.Subnets} predictor calls), columns ofa_pred_top1{string.Concat(r.Devices.Select(d => ", " + d))}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
