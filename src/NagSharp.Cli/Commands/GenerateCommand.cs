using System.CommandLine;
using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag generate</c>: sample architectures from a generator, optionally guided by a predictor.</summary>
public static class GenerateCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var generator = new Option<string?>("--generator") { Description = "Generator checkpoint (default: train or reuse a small one under --models-dir)" };
        var predictor = new Option<string?>("--predictor") { Description = "Noise-aware predictor checkpoint that guides sampling" };
        var target = new Option<string?>("--target") { Description = "Guide towards the best values of this column (trains/reuses a default predictor under --models-dir)" };
        var guidance = new Option<double?>("--guidance") { Description = $"Guidance scale s (default {PredictorGuidanceSettings.DefaultScale:G} with a predictor; 0 disables)" };
        var aboveTop = new Option<double?>("--guide-top") { Description = "Guide towards the top P percent of the predictor's training targets (e.g. 1) instead of the maximum" };
        var start = new Option<double>("--guidance-start") { Description = "No guidance above this diffusion time (0..1); with the discrete engine, classifier-free guidance only below it", DefaultValueFactory = _ => new GenerateSettings().GuidanceStart };
        var stop = new Option<double>("--guidance-stop") { Description = "No guidance below this diffusion time (0..1)", DefaultValueFactory = _ => 0 };
        var decay = new Option<double>("--guidance-decay") { Description = "Lower the scale by this much per batch (the reference's per-round decay)", DefaultValueFactory = _ => 0 };
        var repulsion = new Option<double>("--repulsion") { Description = "Score engine: particle-guidance strength that pushes the samples of a batch apart (0 = off)", DefaultValueFactory = _ => 0 };
        var targetValue = new Option<double?>("--target-value") { Description = "Steer towards this value of the property instead of maximising it" };
        var count = new Option<int>("-n") { Description = "Samples to draw", DefaultValueFactory = _ => new GenerateSettings().Count };
        var batch = new Option<int>("--batch") { Description = "Samples per sampler batch", DefaultValueFactory = _ => new GenerateSettings().Batch };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var outPath = new Option<string?>("--out") { Description = "Write one JSON object per sample (JSONL)" };
        var report = new Option<string[]>("--report") { Description = "Table column(s) to report for the generated architectures", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        var sampler = new Option<string>("--sampler") { Description = "pc (predictor-corrector) or ode (probability flow)", DefaultValueFactory = _ => SettingNames.Name(new SamplerConfig().Kind) };
        var steps = new Option<int>("--sample-steps") { Description = "Sampler steps", DefaultValueFactory = _ => new SamplerConfig().Steps };
        var snr = new Option<double>("--snr") { Description = "Langevin corrector signal-to-noise ratio", DefaultValueFactory = _ => new SamplerConfig().Snr };
        var corrector = new Option<int>("--corrector-steps") { Description = "Langevin corrector steps per predictor step (pc sampler; 0 = reverse diffusion only)", DefaultValueFactory = _ => new SamplerConfig().CorrectorSteps };
        var conditions = new Option<string[]>("--condition") { Description = "Discrete engine: ask for a condition the generator was trained with (repeatable)" };
        var weight = new Option<double>("--guidance-weight") { Description = "Discrete engine: classifier-free guidance weight W", DefaultValueFactory = _ => new GenerateSettings().GuidanceWeight };
        var edgeDecoding = new Option<string>("--edge-decoding") { Description = "Free topologies: 'in-degree' (the last step picks each node's inputs jointly, with an in-degree the training data shows for its symbol) or 'independent' (every pair sampled, or thresholded by the score engine, on its own)", DefaultValueFactory = _ => SettingNames.Name(new GenerateSettings().EdgeDecoding) };
        var slotDecoding = new Option<string>("--slot-decoding") { Description = "Score engine, free topologies: 'coupled' (node slots the training graphs always fill together, such as a state's input and output, are read as one choice among the combinations the data shows) or 'independent' (every slot read on its own)", DefaultValueFactory = _ => SettingNames.Name(new GenerateSettings().SlotDecoding) };
        var top = new Option<int>("--top") { Description = "Show this many best generated architectures", DefaultValueFactory = _ => 10 };
        var space = new Option<string>("--space") { Description = "Space of the default generator", DefaultValueFactory = _ => "nb201" };
        var modelsDir = new Option<string>("--models-dir") { Description = "Where default models are cached", DefaultValueFactory = _ => Path.Combine("runs", "models") };
        var cmd = new Command("generate", "Generate architectures with a trained generator")
            { generator, predictor, target, guidance, aboveTop, start, stop, decay, repulsion, targetValue, count, batch, seed, outPath, report, json, sampler, steps, snr, corrector, conditions, weight, edgeDecoding, slotDecoding, top, space, modelsDir };
        var trainBest = new TrainBest();
        trainBest.AddTo(cmd);
        cmd.SetAction(p => ctx.Guard(() =>
        {
            if (p.GetValue(outPath) is string samplesOut) AtomicFile.RequireWritableFile(samplesOut, "--out");   // before any work
            // Settings first: a bad number or spelling fails before any default model is trained.
            var settings = new GenerateSettings
            {
                Count = p.GetValue(count),
                Batch = p.GetValue(batch),
                Seed = p.GetValue(seed),
                Sampler = new SamplerConfig(SettingNames.Parse<SamplerKind>(p.GetValue(sampler), sampler.Name), p.GetValue(steps), p.GetValue(snr), p.GetValue(corrector)),
                Conditions = p.GetValue(conditions) ?? [],
                GuidanceWeight = p.GetValue(weight),
                GuidanceStart = p.GetValue(start),
                EdgeDecoding = SettingNames.Parse<EdgeDecoding>(p.GetValue(edgeDecoding), edgeDecoding.Name),
                SlotDecoding = SettingNames.Parse<SlotDecoding>(p.GetValue(slotDecoding), slotDecoding.Name),
                WarmUp = true,   // first calls JIT-compile the sampling path and size the allocator: timed apart from "seconds"
            };
            settings.Validate();
            // Guidance numbers too, before a default generator or predictor is trained for minutes.
            new PredictorGuidanceSettings(p.GetValue(guidance) ?? PredictorGuidanceSettings.DefaultScale, p.GetValue(targetValue), p.GetValue(aboveTop),
                p.GetValue(start), p.GetValue(stop), p.GetValue(decay), p.GetValue(repulsion)).Validate();
            if (p.GetValue(top) < 0) throw new NagUserException($"--top must be zero or positive, got {p.GetValue(top)}");
            string? dataDir = p.GetValue(ctx.DataDir);
            string genPath = p.GetValue(generator) ?? DefaultModels.Generator(ctx, p.GetValue(space)!, p.GetValue(modelsDir)!, dataDir);
            var reports = p.GetValue(report) ?? [];
            var condTexts = settings.Conditions;
            using var gen = ArchGenerators.Load(genPath);
            var genSpace = gen.Space;
            BenchmarkData? data = null;
            string? predPath = p.GetValue(predictor);
            double scale = 0;
            NoiseAwarePredictor? pred = null;
            if (gen.Engine == GeneratorKind.Discrete)
            {
                if (predPath is not null || p.GetValue(target) is not null || p.GetValue(guidance) is not null)
                    throw new NagUserException("--predictor/--target/--guidance steer the score engine; the discrete engine takes --condition and --guidance-weight");
                foreach (var scoreOnly in new Option[] { sampler, snr, corrector, aboveTop, stop, decay, repulsion, targetValue, slotDecoding })
                    if (p.GetResult(scoreOnly) is { Implicit: false })
                        throw new NagUserException($"{scoreOnly.Name} only applies to the score engine; {genPath} is a discrete-engine generator");
            }
            else
            {
                var score = (ScoreGenerator)gen;
                if (condTexts.Count > 0) throw new NagUserException("--condition needs a discrete-engine generator");
                foreach (var freeOnly in new Option[] { edgeDecoding, slotDecoding })
                    if (p.GetResult(freeOnly) is { Implicit: false } && gen.Space is not EdgeTokenSpace)
                        throw new NagUserException($"{freeOnly.Name} only applies to free topologies; {gen.Space.Name} has a fixed graph");
                if (p.GetValue(target) is string col)
                {
                    if (predPath is not null) throw new NagUserException("give either --predictor or --target, not both");
                    data = CliHelpers.LoadData(gen.Space, dataDir);
                    predPath = DefaultModels.Predictor(ctx, score, data, col, p.GetValue(modelsDir)!);
                }
                pred = predPath is null ? null : NoiseAwarePredictor.Load(predPath);
                if (pred is not null && (pred.Space.Name != gen.Space.Name || pred.SdeConfig != score.SdeConfig))
                {
                    pred.Dispose();
                    throw new NagUserException($"predictor {predPath} was trained for another space or noise process than generator {genPath}");
                }
                scale = p.GetValue(guidance) ?? (pred is null ? 0 : PredictorGuidanceSettings.DefaultScale);
                if (scale != 0 && pred is null) throw new NagUserException("--guidance needs --predictor or --target");
                settings = settings with
                {
                    Guidance = new PredictorGuidanceSettings(scale, p.GetValue(targetValue), p.GetValue(aboveTop), p.GetValue(start), p.GetValue(stop),
                        p.GetValue(decay), p.GetValue(repulsion)).Build(pred),
                };
            }
            GenerationResult result = null!;
            using (CliHelpers.OneTorchThread())
                ProgressRunner.Run(ctx, "generate", rep => result = gen.Generate(settings, (done, total) => rep(done, total, "")));
            double warmupSeconds = result.WarmupSeconds;
            int n = settings.Count;
            try
            {
                // Tables are optional for unguided generation without --report; they only add metrics to the printout.
                if (reports.Length > 0 || condTexts.Count > 0) data ??= CliHelpers.LoadData(genSpace, dataDir);
                data ??= CliHelpers.LoadDataOrNull(genSpace, dataDir);
                foreach (var c in reports) data!.RequireColumn(c);
                var oracle = data is null ? null : new Oracle(data);
                var satisfaction = ConditionSatisfaction(result, condTexts, data);
                var summaries = reports.ToDictionary(c => c, c => GenerationMetrics.Summarise(result.Records, oracle!, c, p.GetValue(top)));
                if (p.GetValue(outPath) is string path) WriteSamples(path, result, reports, data);
                var (valid, unique, novel) = GenerationMetrics.Rates(result.Records);
                var trained = trainBest.Run(ctx, p, genSpace, result, reports, data, pred is null ? null : archs => pred.Predict(archs), p.GetValue(seed));
                if (p.GetValue(json))
                {
                    ctx.Out.WriteLine(Json.Write(w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("generator", genPath);
                        if (predPath is not null) { w.WriteString("predictor", predPath); w.WriteNumber("guidance", scale); }
                        if (p.GetValue(repulsion) != 0) w.WriteNumber("repulsion", p.GetValue(repulsion));
                        w.WriteNumber("n", n);
                        w.WriteNumber("valid", valid);
                        w.WriteNumber("unique", unique);
                        // What a perfect uniform sampler would reach on an enumerable space with as many valid draws.
                        if (genSpace.Size is long size) w.WriteNumber("unique_if_uniform", GenerationMetrics.UniformUniqueness(size, result.Records.Count(r => r.Valid)));
                        w.WriteNumber("novel", novel);
                        w.WriteNumber("unique_valid_count", result.Records.Count(r => r.Unique));
                        w.WriteNumber("seconds", result.Seconds);
                        w.WriteNumber("warmup_seconds", warmupSeconds);
                        if (double.IsFinite(result.SecondsPerUniqueValid)) w.WriteNumber("seconds_per_unique_valid", result.SecondsPerUniqueValid);
                        else w.WriteNull("seconds_per_unique_valid");
                        w.WriteNumber("oracle_queries", oracle?.Queries ?? 0);
                        if (condTexts.Count > 0)
                        {
                            w.WriteNumber("guidance_weight", p.GetValue(weight));
                            w.WriteStartObject("conditions");
                            foreach (var (c, f) in satisfaction) { if (f is double v) w.WriteNumber(c, v); else w.WriteNull(c); }
                            w.WriteEndObject();
                        }
                        w.WriteStartObject("report");
                        foreach (var (c, s) in summaries)
                        {
                            if (s is null) { w.WriteNull(c); continue; }
                            w.WriteStartObject(c);
                            w.WriteNumber("count", s.Count);
                            w.WriteNumber("mean", s.Mean);
                            w.WriteNumber("max", s.Max);
                            w.WriteNumber("min", s.Min);
                            w.WriteNumber($"top{s.K}_mean", s.TopK);
                            w.WriteEndObject();
                        }
                        w.WriteEndObject();
                        if (trained is not null) TrainBest.WriteJson(w, trained);
                        w.WriteEndObject();
                    }));
                }
                else
                {
                    PrintSummary(ctx, result, warmupSeconds, summaries, data, reports, p.GetValue(top), pred);
                    if (trained is not null) TrainBest.Print(ctx, trained, reports);
                    foreach (var (c, f) in satisfaction)
                        ctx.Console.MarkupLine($"{Spectre.Console.Markup.Escape(c)}: {(f is double v ? v.ToString("P1", System.Globalization.CultureInfo.InvariantCulture) : "unknown")} of unique valid architectures satisfy it");
                }
                return ExitCodes.Ok;
            }
            finally { pred?.Dispose(); }
        }));
        return cmd;
    }

    /// <summary>
    /// Fraction of the unique valid architectures that satisfy each condition according to the tables (over those the
    /// tables know), and of all conditions jointly (key <c>all</c>); null when no generated architecture is in the tables.
    /// </summary>
    public static List<(string Condition, double? Fraction)> ConditionSatisfaction(GenerationResult result, IReadOnlyList<string> conditions, BenchmarkData? data) =>
        ConditionSatisfaction(result, conditions, data, out _);

    /// <summary>As above; also counts the unique valid architectures that satisfy every condition.</summary>
    public static List<(string Condition, double? Fraction)> ConditionSatisfaction(GenerationResult result, IReadOnlyList<string> conditions, BenchmarkData? data,
        out int satisfyingAll) => NagSharp.Experiments.ConditionalBenchExperiment.Satisfaction(result, conditions, data, out satisfyingAll);

    private static void WriteSamples(string path, GenerationResult result, string[] reports, BenchmarkData? data)
    {
        AtomicFile.WriteText(path, w =>
        {
            foreach (var r in result.Records)
                w.WriteLine(Json.Write(j =>
                {
                    j.WriteStartObject();
                    if (r.Arch is null) j.WriteNull("arch"); else j.WriteString("arch", r.Arch.ToString());
                    j.WriteBoolean("valid", r.Valid);
                    j.WriteBoolean("unique", r.Unique);
                    j.WriteBoolean("novel", r.Novel);
                    if (r.Reason is not null) j.WriteString("reason", r.Reason);
                    if (r.Arch is not null && data is not null)
                        foreach (var c in reports)
                            if (data.Get(r.Arch, c) is double v) j.WriteNumber(c, v);
                    j.WriteEndObject();
                }));
        });
    }

    private static void PrintSummary(CliContext ctx, GenerationResult result, double warmupSeconds, Dictionary<string, ColumnSummary?> summaries, BenchmarkData? data,
        string[] reports, int top, NoiseAwarePredictor? pred)
    {
        var (valid, unique, novel) = GenerationMetrics.Rates(result.Records);
        ctx.Console.MarkupLine($"[bold]{result.Records.Length}[/] samples: valid {valid:P2}, unique {unique:P2}, novel {novel:P2}; " +
            $"{result.Seconds:F2} s ({result.SecondsPerUniqueValid * 1000:F1} ms per unique valid architecture; warm-up {warmupSeconds:F2} s before that)");
        var uniques = result.Records.Where(r => r.Unique).Select(r => r.Arch!).ToList();
        string? sortBy = reports.FirstOrDefault();
        var predicted = pred is null ? null : pred.Predict(uniques);
        var rows = uniques.Select((a, i) => (Arch: a, Pred: predicted?[i], Sort: sortBy is not null && data?.Get(a, sortBy) is double v ? v : predicted?[i] ?? 0)).OrderByDescending(r => r.Sort).Take(top);
        var table = new Table().AddColumn("architecture");
        if (pred is not null) table.AddColumn($"predicted {Markup.Escape(pred.Target)}");
        foreach (var c in reports) table.AddColumn(Markup.Escape(c));
        foreach (var r in rows)
        {
            var cells = new List<string> { Markup.Escape(r.Arch.ToString()) };
            if (pred is not null) cells.Add(r.Pred!.Value.ToString("F2", System.Globalization.CultureInfo.InvariantCulture));
            foreach (var c in reports) cells.Add(data?.Get(r.Arch, c) is double v ? CliHelpers.Num(v) : "-");
            table.AddRow(cells.ToArray());
        }
        ctx.Console.Write(table);
        foreach (var (c, s) in summaries)
            if (s is not null) ctx.Console.MarkupLine($"{Markup.Escape(c)} over {s.Count} unique valid: mean {s.Mean:F4}, max {s.Max:F4}, top-{s.K} mean {s.TopK:F4}");
    }
}
