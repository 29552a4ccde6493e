using System.CommandLine;
using System.Globalization;
using System.Text;
using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary>
/// <c>nag bench margin</c>: do conditioned samples beat unconditioned ones on the metric the condition is about? Works on
/// every space the discrete engine handles, including those whose tables hold a small part of the space (NB301, ANB,
/// NB-NLP): generated architectures the table lacks are scored by a <see cref="SurrogateOracle"/> fitted on the table,
/// whose held-out rank correlation is printed beside the figures.
/// </summary>
public static class BenchMarginCommand
{
    /// <summary>One mode on one seed: rates and the metric over its unique valid architectures.</summary>
    public sealed record Row(string Mode, int Seed, double Valid, double Unique, int UniqueValid, int InTable, double Mean, double TopK);

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space", Required = true };
        var conditions = new Option<string[]>("--condition") { Description = "Condition the generator is trained with and sampled under (repeatable)", Required = true };
        var metric = new Option<string?>("--metric") { Description = "Column compared (default: the first condition's column)" };
        var minimize = new Option<bool>("--minimize") { Description = "The metric is lower-is-better (default: read from a condition on the metric: '<' or '<=' means lower is better)" };
        var outDir = new Option<string>("--out") { Description = "Directory for the model and results", DefaultValueFactory = _ => Path.Combine("runs", "bench-margin") };
        var preset = new Option<string>("--preset") { Description = "Denoiser size", DefaultValueFactory = _ => "tiny" };
        var trainSteps = new Option<int>("--train-steps") { Description = "Training steps of the conditional generator", DefaultValueFactory = _ => 8000 };
        var batch = new Option<int>("--batch") { Description = "Training batch size", DefaultValueFactory = _ => new TrainConfig().Batch };
        var unlabelled = new Option<int>("--unlabelled") { Description = "Uniform samples added on non-enumerable spaces", DefaultValueFactory = _ => 20000 };
        var n = new Option<int>("-n") { Description = "Samples per mode and seed", DefaultValueFactory = _ => 256 };
        var steps = new Option<int>("--sample-steps") { Description = "Reverse steps", DefaultValueFactory = _ => new SamplerConfig().Steps };
        var weight = new Option<double>("--guidance-weight") { Description = "Classifier-free guidance weight W of the conditioned mode", DefaultValueFactory = _ => 2.0 };
        var k = new Option<int>("--k") { Description = "Top-k: mean of the k best unique valid architectures", DefaultValueFactory = _ => 10 };
        var seeds = new Option<int>("--seeds") { Description = "Sampling seeds (seed, seed+1, ...): one seed's 256 samples move the mean by tenths", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "Random seed (training, surrogate split, first sampling seed)", DefaultValueFactory = _ => 0 };
        var heldOut = new Option<double>("--held-out") { Description = "Fraction of the table kept out of the surrogate's fit to measure it", DefaultValueFactory = _ => 0.2 };
        var generator = new Option<string?>("--generator") { Description = "A conditional discrete generator trained with these --condition values (e.g. a deeper or longer-trained one from `nag train generator`); the training options are then not used" };
        var surrogateSteps = new Option<int>("--surrogate-steps") { Description = "Adam steps (batches of up to 512 rows) fitting the surrogate", DefaultValueFactory = _ => 1500 };
        var surrogateEncoding = new Option<string>("--surrogate-encoding") { Description = $"Surrogate inputs ({string.Join(", ", EnsembleConfig.Encodings)}); `nag bench surrogate` measures which ranks a table best", DefaultValueFactory = _ => SurrogateOracle.DefaultConfig.Encoding };
        var cmd = new Command("margin", "Conditioned vs unconditioned samples on the condition's metric, scored by the table or, off the table, by a measured surrogate")
            { space, conditions, metric, minimize, outDir, preset, trainSteps, batch, unlabelled, generator, n, steps, weight, k, seeds, seed, heldOut, surrogateSteps, surrogateEncoding };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var s = SpaceRegistry.Get(p.GetValue(space)!);
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            var conds = p.GetValue(conditions)!.Select(Condition.Parse).ToArray();
            foreach (var c in conds) c.Evaluate(data);   // fail early on unknown columns
            string column = p.GetValue(metric) ?? conds[0].Column;
            data.RequireColumn(column);
            var onMetric = conds.FirstOrDefault(c => c.Column == column);
            bool lower = p.GetValue(minimize) || (onMetric?.Operator.StartsWith('<') ?? false);
            int count = p.GetValue(n), sampleSteps = p.GetValue(steps), topK = p.GetValue(k), seedCount = p.GetValue(seeds), seedValue = p.GetValue(seed);
            if (count < 1) throw new NagUserException($"-n must be at least 1, got {count}");
            if (sampleSteps < 1) throw new NagUserException($"--sample-steps must be at least 1, got {sampleSteps}");
            if (topK < 1) throw new NagUserException($"--k must be at least 1, got {topK}");
            if (seedCount < 1) throw new NagUserException($"--seeds must be at least 1, got {seedCount}");
            int fitSteps = p.GetValue(surrogateSteps);
            if (fitSteps < 1) throw new NagUserException($"--surrogate-steps must be at least 1, got {fitSteps}");
            var surrogateConfig = SurrogateOracle.DefaultConfig with { FitSteps = fitSteps, Encoding = p.GetValue(surrogateEncoding)! };
            if (!EnsembleConfig.Encodings.Contains(surrogateConfig.Encoding))
                throw new NagUserException($"--surrogate-encoding: unknown encoding '{surrogateConfig.Encoding}' (expected {string.Join(", ", EnsembleConfig.Encodings)})");
            // Checked here, not when the first off-table sample needs the surrogate: a bad flag fails before any training.
            if (p.GetValue(heldOut) is not (> 0 and < 1)) throw new NagUserException($"--held-out must be in (0, 1), got {p.GetValue(heldOut)}");
            if (p.GetValue(batch) < 1) throw new NagUserException($"--batch must be at least 1, got {p.GetValue(batch)}");
            string dir = p.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            var (gen, trained, path) = p.GetValue(generator) is string given
                ? (DiscreteTraining.LoadFor(given, s), (double?)null, given)
                : DiscreteTraining.CachedConditional(ctx, dir, s, data, conds, p.GetValue(preset)!, p.GetValue(trainSteps),
                    p.GetValue(batch), p.GetValue(unlabelled), seedValue, p.GetValue(ctx.DataDir));
            using var _ = gen;
            var train = new HashSet<string>(gen.TrainingSet.Select(t => t.Arch), StringComparer.Ordinal);
            var all = gen.StatesFor(conds.Select(c => c.Text));
            using var oneThread = CliHelpers.OneTorchThread();

            SurrogateOracle? surrogate = null;
            try
            {
                var rows = new List<Row>();
                foreach (var (mode, states, w) in new[] { ("unconditioned", new byte[all.Length], 0.0), ("conditioned", all, p.GetValue(weight)) })
                    for (int i = 0; i < seedCount; i++)
                    {
                        int sd = seedValue + i;
                        var decoded = gen.SampleMany(count, sampleSteps, sd, states, w);
                        var records = GenerationMetrics.Flag(decoded, train);
                        var (valid, unique, _) = GenerationMetrics.Rates(records);
                        var archs = records.Where(r => r.Unique).Select(r => r.Arch!).ToList();
                        var values = archs.Select(a => data.Get(a, column)).ToArray();
                        int inTable = values.Count(v => v is double x && double.IsFinite(x));
                        if (inTable < archs.Count && surrogate is null)
                        {
                            ctx.Err.WriteLine($"fitting a surrogate of {column} (generated architectures outside the table)...");
                            surrogate = SurrogateOracle.Fit(s, data, column, seedValue, p.GetValue(heldOut), surrogateConfig);
                            ctx.Err.WriteLine(string.Create(CultureInfo.InvariantCulture,
                                $"surrogate: {surrogate.TrainRows} rows fitted, held-out Spearman {surrogate.Spearman:F3}, Kendall {surrogate.Kendall:F3} on {surrogate.HeldOutRows} rows"));
                        }
                        var predicted = inTable < archs.Count ? surrogate!.Score(archs) : null;
                        var scored = values.Select((v, j) => v is double x && double.IsFinite(x) ? x : predicted![j]).ToArray();
                        var best = (lower ? scored.Order() : scored.OrderDescending()).Take(topK).ToArray();
                        var row = new Row(mode, sd, valid, unique, archs.Count, inTable,
                            scored.Length == 0 ? double.NaN : scored.Average(), best.Length == 0 ? double.NaN : best.Average());
                        rows.Add(row);
                        ctx.Err.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{mode} seed {sd}: valid {valid:P1} unique {unique:P1}, {archs.Count} unique valid ({inTable} in the table), mean {row.Mean:F3}, top-{topK} {row.TopK:F3}"));
                    }
                var reference = data.ColumnEntries(column).Select(e => e.Value).Where(double.IsFinite).ToArray();
                double refMean = reference.Average(), refTop = (lower ? reference.Order() : reference.OrderDescending()).Take(topK).Average();
                string md = Markdown(s.Name, conds, column, lower, topK, rows, surrogate, refMean, refTop, reference.Length, trained, path,
                    p.GetValue(generator) is not null,
                    count, sampleSteps, p.GetValue(weight));
                string stem = Path.Combine(dir, $"bench_margin_{Path.GetFileNameWithoutExtension(path)}");
                AtomicFile.WriteText(stem + ".md", wr => wr.Write(md));
                AtomicFile.WriteText(stem + ".json", wr => wr.WriteLine(Json.Write(j =>
                {
                    j.WriteStartObject();
                    j.WriteString("space", s.Name);
                    j.WriteStartArray("conditions"); foreach (var c in conds) j.WriteStringValue(c.Text); j.WriteEndArray();
                    j.WriteString("metric", column);
                    j.WriteBoolean("lower_is_better", lower);
                    j.WriteString("generator", path);
                    if (trained is double sec) j.WriteNumber("train_seconds", sec);
                    j.WriteNumber("samples", count); j.WriteNumber("sample_steps", sampleSteps); j.WriteNumber("guidance_weight", p.GetValue(weight));
                    j.WriteNumber("k", topK);
                    j.WriteStartArray("rows");
                    foreach (var r in rows)
                    {
                        j.WriteStartObject();
                        j.WriteString("mode", r.Mode); j.WriteNumber("seed", r.Seed);
                        j.WriteNumber("valid", r.Valid); j.WriteNumber("unique", r.Unique);
                        j.WriteNumber("unique_valid", r.UniqueValid); j.WriteNumber("in_table", r.InTable);
                        Number(j, "mean", r.Mean); Number(j, "top_k", r.TopK);
                        j.WriteEndObject();
                    }
                    j.WriteEndArray();
                    var (dMean, dTop) = Margin(rows, lower);
                    Number(j, "margin_mean", dMean); Number(j, "margin_top_k", dTop);
                    j.WriteNumber("table_mean", refMean); j.WriteNumber("table_top_k", refTop);
                    if (surrogate is not null)
                    {
                        j.WriteStartObject("surrogate");
                        j.WriteString("encoding", surrogate.Encoding);
                        j.WriteNumber("train_rows", surrogate.TrainRows); j.WriteNumber("held_out_rows", surrogate.HeldOutRows);
                        j.WriteNumber("spearman", surrogate.Spearman); j.WriteNumber("kendall", surrogate.Kendall);
                        j.WriteEndObject();
                    }
                    else j.WriteNull("surrogate");
                    j.WriteEndObject();
                })));
                ctx.Out.Write(md);
            }
            finally { surrogate?.Dispose(); }
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    // A mode with no unique valid sample has no mean: null, not NaN, which JSON cannot hold.
    private static void Number(System.Text.Json.Utf8JsonWriter j, string name, double v)
    {
        if (double.IsFinite(v)) j.WriteNumber(name, v); else j.WriteNull(name);
    }

    /// <summary>Conditioned minus unconditioned, averaged over seeds, signed so that positive means better.</summary>
    public static (double Mean, double TopK) Margin(IReadOnlyList<Row> rows, bool lowerIsBetter)
    {
        double sign = lowerIsBetter ? -1 : 1;
        double Avg(string mode, Func<Row, double> f) => rows.Where(r => r.Mode == mode).Select(f).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
        return (sign * (Avg("conditioned", r => r.Mean) - Avg("unconditioned", r => r.Mean)),
                sign * (Avg("conditioned", r => r.TopK) - Avg("unconditioned", r => r.TopK)));
    }

    private static string Markdown(string space, IReadOnlyList<Condition> conds, string column, bool lower, int k, IReadOnlyList<Row> rows,
        SurrogateOracle? surrogate, double refMean, double refTop, int refCount, double? trainSeconds, string path, bool given, int n, int steps, double w)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"### {space}: `{column}` ({(lower ? "lower" : "higher")} is better), conditioned on {string.Join(" AND ", conds.Select(c => $"`{c.Text}`"))}");
        sb.AppendLine();
        sb.AppendLine($"| mode | seed | valid % | unique % | unique valid | in table | mean | top-{k} |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
            sb.AppendLine(string.Create(inv, $"| {r.Mode} | {r.Seed} | {r.Valid * 100:F1} | {r.Unique * 100:F1} | {r.UniqueValid} | {r.InTable} | {r.Mean:F3} | {r.TopK:F3} |"));
        var (dMean, dTop) = Margin(rows, lower);
        sb.AppendLine();
        sb.AppendLine(string.Create(inv, $"**Margin** (conditioned minus unconditioned, mean over seeds, positive = better): mean {dMean:+0.000;-0.000}, top-{k} {dTop:+0.000;-0.000}. "));
        sb.AppendLine(string.Create(inv, $"The table's {refCount} rows: mean {refMean:F3}, best {k} {refTop:F3}."));
        sb.AppendLine(surrogate is null
            ? "Every generated architecture was in the table: all values are the table's."
            : string.Create(inv, $"Values outside the table come from a surrogate (5-MLP ensemble, `{surrogate.Encoding}` inputs) fitted on {surrogate.TrainRows} rows; on {surrogate.HeldOutRows} held-out rows its Spearman is {surrogate.Spearman:F3} and Kendall tau {surrogate.Kendall:F3}."));
        sb.AppendLine(string.Create(inv, $"Sampling: {n} samples per mode and seed, {steps} reverse steps, W = {w:G}.") +
            (trainSeconds is double t ? string.Create(inv, $" Training took {t:F0} s ({Path.GetFileName(path)}).") : $" Generator: {Path.GetFileName(path)} ({(given ? "given with --generator" : "cached")})."));
        sb.AppendLine();
        return sb.ToString();
    }
}
