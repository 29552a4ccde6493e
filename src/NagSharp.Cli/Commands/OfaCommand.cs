using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using NagSharp.Benchmarks;
using NagSharp.Models;
using NagSharp.Spaces;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary>
/// <c>nag ofa check|predict|sample|label</c>: the Once-for-All MobileNetV3 space's oracle. It has no accuracy table; the
/// official OFA accuracy predictor (loaded in TorchSharp) and the latency lookup tables play that part.
/// </summary>
public static class OfaCommand
{
    private static readonly OfaSpace Space = new();

    private static string PredictorPath(string? given, string? dataDir) =>
        given ?? Path.Combine(DataLocator.Resolve(dataDir), "ofa_mbv3", "acc_predictor.safetensors");

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

    private static Command Check(CliContext ctx, Option<string?> predictor, Option<bool> json)
    {
        var cmd = new Command("check", "Rank correlation of the accuracy predictor with the real ImageNet top-1 of the published specialised MobileNetV3 nets; FLOPs of the nets named by FLOPs") { predictor, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            string dir = DataLocator.Resolve(p.GetValue(ctx.DataDir));
            var nets = OfaData.SpecialisedNets(dir);
            if (nets.Count < 3) throw new NagDataException($"{dir}: {nets.Count} specialised MobileNetV3 nets, too few for a rank correlation");
            using var model = OfaAccuracyPredictor.Load(PredictorPath(p.GetValue(predictor), p.GetValue(ctx.DataDir)));
            var pred = model.PredictFeatures(nets.Select(n => OfaAccuracyPredictor.Encode(n.Kernels, n.Expands, n.Depths, n.Resolution)).ToArray());
            var real = nets.Select(n => n.Top1).ToArray();
            var groups = new List<(string Name, int[] Idx)> { ("all", Enumerable.Range(0, nets.Count).ToArray()) };
            foreach (var g in nets.Select((n, i) => (n.Stem, i)).GroupBy(x => x.Stem).OrderBy(g => g.Key))
                groups.Add(($"width {(g.Key == 16 ? "1.0" : g.Key == 24 ? "1.2" : g.Key.ToString(CultureInfo.InvariantCulture))}", g.Select(x => x.i).ToArray()));
            var stats = groups.Select(g => (g.Name, g.Idx.Length,
                Spearman: Stats.Spearman(g.Idx.Select(i => pred[i]).ToArray(), g.Idx.Select(i => real[i]).ToArray()),
                Kendall: Stats.KendallTau(g.Idx.Select(i => pred[i]).ToArray(), g.Idx.Select(i => real[i]).ToArray()),
                Offset: g.Idx.Average(i => pred[i] - real[i]))).ToList();
            var flops = new List<(string Id, double Named, double Computed)>();
            foreach (var n in nets)
            {
                var m = System.Text.RegularExpressions.Regex.Match(n.Id, @"^flops-(\d+)M");
                if (!m.Success) continue;
                var arch = OfaSpace.Create(n.Kernels, n.Expands, n.Depths, 224);
                double computed = Space.ComputeCosts(arch, new CostOptions(InputSize: n.Resolution, Width: n.Stem))["flops_M"];
                flops.Add((n.Id, double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), computed));
            }
            if (p.GetValue(json))
            {
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("nets", nets.Count);
                    w.WriteStartObject("rank_correlation");
                    foreach (var s in stats)
                    {
                        w.WriteStartObject(s.Name);
                        w.WriteNumber("nets", s.Length); w.WriteNumber("spearman", s.Spearman); w.WriteNumber("kendall_tau", s.Kendall); w.WriteNumber("mean_offset", s.Offset);
                        w.WriteEndObject();
                    }
                    w.WriteEndObject();
                    w.WriteStartArray("predictions");
                    for (int i = 0; i < nets.Count; i++)
                    {
                        w.WriteStartObject();
                        w.WriteString("net", nets[i].Id); w.WriteNumber("resolution", nets[i].Resolution); w.WriteNumber("stem", nets[i].Stem);
                        w.WriteNumber("top1", real[i]); w.WriteNumber("predicted_top1", pred[i]);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteStartArray("flops_check");
                    foreach (var f in flops) { w.WriteStartObject(); w.WriteString("net", f.Id); w.WriteNumber("named_M", f.Named); w.WriteNumber("computed_M", f.Computed); w.WriteEndObject(); }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("net", "width", "resolution", "real top-1", "predicted top-1");
            for (int i = 0; i < nets.Count; i++)
                table.AddRow(Markup.Escape(nets[i].Id), nets[i].Stem == 24 ? "1.2" : "1.0", nets[i].Resolution.ToString(CultureInfo.InvariantCulture),
                    real[i].ToString("F1", CultureInfo.InvariantCulture), pred[i].ToString("F2", CultureInfo.InvariantCulture));
            ctx.Console.Write(table);
            foreach (var s in stats)
                ctx.Out.WriteLine($"{s.Name}: {s.Length} nets, Spearman {s.Spearman:F3}, Kendall tau {s.Kendall:F3}, mean predicted - real {s.Offset:+0.00;-0.00} points");
            foreach (var f in flops) ctx.Out.WriteLine($"{f.Id}: named {f.Named:F0} M FLOPs, computed {f.Computed:F2} M");
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
            var list = new List<OfaArch>();
            int invalid = 0;
            if (p.GetValue(file) is string path)
            {
                var (read, nulls) = CliHelpers.ReadSamples(Space, path);
                list.AddRange(read.Cast<OfaArch>());
                invalid = nulls;
            }
            list.AddRange((p.GetValue(archs) ?? []).Select(s => (OfaArch)Space.Parse(s)));
            if (list.Count == 0) throw new NagUserException("give subnets as arguments or --samples FILE");
            var unique = list.DistinctBy(a => a.ToString()).ToList();
            string? dataDir = DataLocator.TryResolve(p.GetValue(ctx.DataDir));
            using var model = OfaAccuracyPredictor.Load(PredictorPath(p.GetValue(predictor), p.GetValue(ctx.DataDir)));
            var acc = model.Predict(unique);
            var latency = dataDir is null ? null : OfaLatency.Load(dataDir);
            var rows = unique.Select((a, i) => (Arch: a, Top1: acc[i], Costs: Space.ComputeCosts(a, new CostOptions()),
                Latency: latency?.Estimate(a) ?? new Dictionary<string, double>())).ToList();
            int k = Math.Min(Math.Max(1, p.GetValue(top)), rows.Count);
            var sorted = rows.OrderByDescending(r => r.Top1).ToList();
            double mean = rows.Average(r => r.Top1), topMean = sorted.Take(k).Average(r => r.Top1);
            if (p.GetValue(json))
            {
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("subnets", list.Count); w.WriteNumber("unique", rows.Count); w.WriteNumber("invalid_lines", invalid);
                    w.WriteNumber("predictor_calls", rows.Count);
                    w.WriteNumber("mean_predicted_top1", mean); w.WriteNumber($"top{k}_mean_predicted_top1", topMean); w.WriteNumber("best_predicted_top1", sorted[0].Top1);
                    w.WriteStartArray("results");
                    foreach (var r in sorted)
                    {
                        w.WriteStartObject();
                        w.WriteString("arch", r.Arch.ToString()); w.WriteNumber("predicted_top1", r.Top1);
                        foreach (var (c, v) in r.Costs) w.WriteNumber(c, v);
                        foreach (var (c, v) in r.Latency) w.WriteNumber(c, v);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
                return ExitCodes.Ok;
            }
            var devices = latency?.Devices ?? [];
            var table = new Table().AddColumns(["subnet", "predicted top-1", "params_M", "flops_M", .. devices]);
            foreach (var r in sorted.Take(Math.Max(k, p.GetValue(file) is null ? rows.Count : k)))
                table.AddRow([Markup.Escape(r.Arch.ToString()), r.Top1.ToString("F2", CultureInfo.InvariantCulture), r.Costs["params_M"].ToString("F3", CultureInfo.InvariantCulture),
                    r.Costs["flops_M"].ToString("F1", CultureInfo.InvariantCulture), .. devices.Select(d => r.Latency.TryGetValue(d, out double v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "-")]);
            ctx.Console.Write(table);
            ctx.Out.WriteLine($"{rows.Count} unique subnets ({invalid} invalid lines): predicted top-1 mean {mean:F3}, top-{k} mean {topMean:F3}, best {sorted[0].Top1:F3}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static Command Sample(CliContext ctx, Option<string?> predictor, Option<bool> json)
    {
        var n = new Option<int>("-n") { Description = "Random subnets to score", DefaultValueFactory = _ => 10000 };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var top = new Option<int>("--top") { Description = "Best subnets to show", DefaultValueFactory = _ => 10 };
        var cmd = new Command("sample", "Sample-and-filter baseline: score n uniform random subnets with the predictor and keep the best") { n, seed, top, predictor, json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            int count = p.GetValue(n), k = p.GetValue(top);
            if (count < 1 || k < 1) throw new NagUserException("-n and --top must be at least 1");
            var rng = new Random(p.GetValue(seed));
            var archs = Enumerable.Range(0, count).Select(_ => (OfaArch)Space.Sample(rng)).ToArray();
            using var model = OfaAccuracyPredictor.Load(PredictorPath(p.GetValue(predictor), p.GetValue(ctx.DataDir)));
            var acc = new double[count];
            for (int start = 0; start < count; start += 4096)
            {
                var part = model.Predict(archs[start..Math.Min(count, start + 4096)]);
                part.CopyTo(acc, start);
            }
            var order = Enumerable.Range(0, count).OrderByDescending(i => acc[i]).Take(k).ToArray();
            if (p.GetValue(json))
            {
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("predictor_calls", count); w.WriteNumber("seed", p.GetValue(seed));
                    w.WriteNumber("mean_predicted_top1", acc.Average()); w.WriteNumber("best_predicted_top1", acc[order[0]]);
                    w.WriteNumber($"top{order.Length}_mean_predicted_top1", order.Average(i => acc[i]));
                    w.WriteStartArray("best");
                    foreach (int i in order) { w.WriteStartObject(); w.WriteString("arch", archs[i].ToString()); w.WriteNumber("predicted_top1", acc[i]); w.WriteEndObject(); }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("subnet", "predicted top-1");
            foreach (int i in order) table.AddRow(Markup.Escape(archs[i].ToString()), acc[i].ToString("F3", CultureInfo.InvariantCulture));
            ctx.Console.Write(table);
            ctx.Out.WriteLine($"{count} random subnets (predictor calls): mean {acc.Average():F3}, best {acc[order[0]]:F3}, top-{order.Length} mean {order.Average(i => acc[i]):F3}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static Command Label(CliContext ctx, Option<string?> predictor)
    {
        var n = new Option<int>("-n") { Description = "Random subnets to label", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string>("--out") { Description = "Data directory to write ofa_mbv3/ofa_mbv3_predicted.csv into (use it with --data-dir)", Required = true };
        var cmd = new Command("label", "Write a table of n random subnets with predicted top-1 and lookup-table latencies: labelled data for predictors, conditions and generators (n predictor calls)") { n, seed, outDir, predictor };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            int count = p.GetValue(n);
            if (count < 1) throw new NagUserException("-n must be at least 1");
            var rng = new Random(p.GetValue(seed));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var archs = new List<OfaArch>(count);
            for (int attempts = 0; archs.Count < count && attempts < 100 * count; attempts++)
            {
                var a = (OfaArch)Space.Sample(rng);
                if (seen.Add(a.ToString())) archs.Add(a);
            }
            string dataDir = DataLocator.Resolve(p.GetValue(ctx.DataDir));
            using var model = OfaAccuracyPredictor.Load(PredictorPath(p.GetValue(predictor), p.GetValue(ctx.DataDir)));
            var acc = model.Predict(archs);
            var latency = OfaLatency.Load(dataDir);
            var lat = archs.Select(latency.Estimate).ToArray();
            // A device's cell is empty where its table does not cover the subnet (Note10: 5 resolutions only).
            var devices = latency.Devices.Where(d => lat.Any(l => l.ContainsKey(d))).ToArray();
            string path = Path.Combine(p.GetValue(outDir)!, "ofa_mbv3", "ofa_mbv3_predicted.csv");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.WriteText(path, w =>
            {
                w.WriteLine(string.Join(",", new[] { "index", "ks", "e", "d", "r", "ofa_pred_top1" }.Concat(devices)));
                for (int i = 0; i < archs.Count; i++)
                {
                    var parts = archs[i].ToString().Split('|');
                    w.WriteLine(string.Join(",", new[] { i.ToString(CultureInfo.InvariantCulture), parts[0], parts[1], parts[2], parts[3], CliHelpers.Num(acc[i]) }
                        .Concat(devices.Select(d => lat[i].TryGetValue(d, out double v) ? CliHelpers.Num(v) : ""))));
                }
            });
            ctx.Out.WriteLine($"wrote {path}: {archs.Count} subnets ({archs.Count} predictor calls), columns ofa_pred_top1{string.Concat(devices.Select(d => ", " + d))}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
