using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NagSharp.Benchmarks;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary>
/// <c>nag bench task-transfer</c>: for each task column held out in turn, a conditional discrete generator trained only on
/// the other tasks' columns (one <c>C&gt;=topQ%</c> condition per other task) generates K architectures asked to be good on
/// every source task; the held-out column is read only to score them, against K uniform draws and the K architectures
/// with the best mean rank over the sources. The probes design is the one exception, as the issue asks: the held-out task
/// is queried on P probe architectures (chosen without it), and those P values alone weight the source tasks. Every
/// column is assumed higher-is-better (true of TransNAS-Bench-101's tables, whose room_layout is a negated loss).
/// </summary>
public static partial class BenchTransferCommand
{
    /// <summary>Best-of-K result of one method on the held-out task.</summary>
    /// <param name="Archs">The K architectures (string form), in the order the method produced them.</param>
    /// <param name="BestArch">The best of them on the held-out task.</param>
    /// <param name="Best">Its standing in the held-out task.</param>
    public sealed record MethodResult(IReadOnlyList<string> Archs, string BestArch, Standing Best);

    /// <summary>Everything measured for one held-out task.</summary>
    /// <param name="Task">Held-out column.</param>
    /// <param name="Sources">Columns the generator was conditioned on.</param>
    /// <param name="Conditions">Condition texts, one per source.</param>
    /// <param name="ConditionPercent">Q of the source conditions.</param>
    /// <param name="Support">Table architectures satisfying every source condition.</param>
    /// <param name="Generator">Checkpoint path.</param>
    /// <param name="TrainSeconds">Training time, or null when the checkpoint was reused.</param>
    /// <param name="Drawn">Samples drawn to collect the K architectures.</param>
    /// <param name="Valid">Valid samples among them.</param>
    /// <param name="UniqueValid">Distinct valid architectures among the samples drawn.</param>
    /// <param name="UnknownToTable">Distinct valid architectures the tables do not list (cannot be scored, never kept).</param>
    /// <param name="Kept">Architectures kept and scored: the first K distinct valid ones the tables list.</param>
    /// <param name="Complete">Whether K were collected within the sample budget.</param>
    /// <param name="SatisfyingSources">Share of the kept architectures satisfying every source condition (sources only).</param>
    /// <param name="Generated">Best of the generated architectures, or null when none was collected.</param>
    /// <param name="RandomExpected">Probability that the best of K uniform draws is in the top P %.</param>
    /// <param name="Random">K uniform draws with the run's seed.</param>
    /// <param name="MeanRank">The K best architectures by mean source rank.</param>
    /// <param name="Queries">Held-out values read before scoring: the probes (0 in the designs without task information).</param>
    /// <param name="Probe">The task embedding and what it gave (probes and score designs, else null).</param>
    /// <param name="NoTask">Score design: the same generator guided by a task-free predictor of the mean source rank (else null).</param>
    public sealed record TaskResult(string Task, IReadOnlyList<string> Sources, IReadOnlyList<string> Conditions, double ConditionPercent, int Support,
        string Generator, double? TrainSeconds, int Drawn, int Valid, int UniqueValid, int UnknownToTable, int Kept, bool Complete, double SatisfyingSources,
        MethodResult? Generated, double RandomExpected, MethodResult Random, MethodResult MeanRank, int Queries, ProbeResult? Probe,
        MethodResult? NoTask = null);

    /// <summary>The probes design's task embedding of one held-out task.</summary>
    /// <param name="Probes">Probe architectures (string form), chosen from the sources only.</param>
    /// <param name="Values">The held-out task's value on each probe: the only held-out values read before scoring.</param>
    /// <param name="Embedding">The task embedding: <see cref="TaskTransfer.RankNormalise"/> of <paramref name="Values"/>.</param>
    /// <param name="Weights">Weight per source (same order as the sources), from <see cref="TaskTransfer.ProbeWeights"/>.</param>
    /// <param name="WeightedRank">The K best architectures by weighted mean source rank (no generator).</param>
    public sealed record ProbeResult(IReadOnlyList<string> Probes, IReadOnlyList<double> Values, IReadOnlyList<double> Embedding, IReadOnlyList<double> Weights,
        MethodResult WeightedRank);

    /// <summary><c>--design</c>: one condition per source task, all asked for together.</summary>
    public const string PerTask = "per-task";

    /// <summary><c>--design</c>: one condition, the best Q % by mean rank over the source tasks.</summary>
    public const string MeanRank = "mean-rank";

    /// <summary>Name of the mean-rank design's condition (not a table column; no task may be called so).</summary>
    public const string MeanRankLabel = "sources_mean_rank";

    /// <summary><c>--design</c>: one condition, the best Q % by mean rank over the source tasks weighted by their agreement
    /// with the held-out task on P probe architectures (the task embedding).</summary>
    public const string Probes = "probes";

    /// <summary>Name of the probes design's condition (not a table column; no task may be called so).</summary>
    public const string WeightedRankLabel = "sources_weighted_rank";

    /// <summary>Most probe queries of the held-out task the probes design may make (the issue's "few (&lt;= 5) queries").</summary>
    public const int MaxProbes = 5;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var space = new Option<string>("--space") { Description = "Search space whose tables hold one column per task", DefaultValueFactory = _ => "tnb101_micro" };
        var topPercent = new Option<double>("--top-percent") { Description = "Success: the best of K lies in the held-out task's top P %", DefaultValueFactory = _ => 5 };
        var k = new Option<int>("--k") { Description = "Architectures generated (and drawn by each baseline) per held-out task", DefaultValueFactory = _ => 10 };
        var tasks = new Option<string?>("--tasks") { Description = "Held-out tasks to run (comma-separated; default every task column)" };
        var conditionTop = new Option<string>("--condition-top") { Description = "Q of the source conditions C>=topQ%: a number, or 'auto' (the smallest multiple of P with at least --min-support table architectures satisfying every source condition)", DefaultValueFactory = _ => "auto" };
        var minSupport = new Option<int?>("--min-support") { Description = "For --condition-top auto: architectures that must satisfy every source condition (default 2 K)" };
        var design = new Option<string>("--design") { Description = "Source conditions: 'per-task' (C>=topQ% for every other task C, all asked at once), 'mean-rank' (one condition: in the best Q % by mean rank over the other tasks; the default) or 'probes' (the same with each other task weighted by its rank correlation with the held-out task on --probes queried architectures) or 'score' (the score engine guided by a noise-aware predictor that takes the --probes scores as a task embedding, trained on the other tasks; see docs/spaces-issue7.md)", DefaultValueFactory = _ => MeanRank };
        var probes = new Option<int>("--probes") { Description = "Probes design: architectures queried on the held-out task (1..5), spread over the mean-source-rank order", DefaultValueFactory = _ => MaxProbes };
        var probeSpan = new Option<double>("--probe-span") { Description = "Probes design: the probes are spread over the best S % of the mean-source-rank order", DefaultValueFactory = _ => 100 };
        var preset = new Option<string>("--preset") { Description = "Denoiser size (score design: generator and predictor size)", DefaultValueFactory = _ => "tiny" };
        var scale = new Option<double>("--guidance-scale") { Description = "Score design: guidance scale s of the predictor gradient", DefaultValueFactory = _ => DefaultModels.GuidanceScale };
        var trainSteps = new Option<int>("--train-steps") { Description = "Training steps per held-out task (2,000 tiny steps take about 30 s on TransNAS micro)", DefaultValueFactory = _ => 2000 };
        var batch = new Option<int>("--batch") { Description = "Training batch size", DefaultValueFactory = _ => new TrainConfig().Batch };
        var unlabelled = new Option<int>("--unlabelled") { Description = "Uniform samples added on non-enumerable spaces", DefaultValueFactory = _ => 20000 };
        var sampleSteps = new Option<int>("--sample-steps") { Description = "Reverse steps", DefaultValueFactory = _ => 50 };
        var weight = new Option<double>("--guidance-weight") { Description = "Classifier-free guidance weight W", DefaultValueFactory = _ => 2.0 };
        var sampleBatch = new Option<int>("--sample-batch") { Description = "Samples drawn per round until K unique valid architectures are collected", DefaultValueFactory = _ => 32 };
        var maxSamples = new Option<int>("--max-samples") { Description = "Give up collecting K after this many samples (the shortfall is reported)", DefaultValueFactory = _ => 1024 };
        var seed = new Option<int>("--seed") { Description = "Seed of training, sampling and the random baseline", DefaultValueFactory = _ => 0 };
        var outDir = new Option<string>("--out") { Description = "Directory for the generators, markdown and JSON", DefaultValueFactory = _ => Path.Combine("runs", "bench-task-transfer") };
        var cmd = new Command("task-transfer", "Hold out each task column, generate for it from the other tasks' conditions, score best-of-K against random and mean-rank baselines")
            { space, topPercent, k, tasks, design, probes, probeSpan, conditionTop, minSupport, preset, trainSteps, batch, unlabelled, sampleSteps, weight, scale, sampleBatch, maxSamples, seed, outDir };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            double top = p.GetValue(topPercent);
            int kk = p.GetValue(k), steps = p.GetValue(trainSteps), batchSize = p.GetValue(batch), sSteps = p.GetValue(sampleSteps);
            int perRound = p.GetValue(sampleBatch), budget = p.GetValue(maxSamples), seedValue = p.GetValue(seed), extra = p.GetValue(unlabelled);
            double w = p.GetValue(weight);
            if (!(top > 0 && top <= 100)) throw new NagUserException($"--top-percent must be in (0, 100], got {top.ToString(CultureInfo.InvariantCulture)}");
            if (kk < 1) throw new NagUserException($"--k must be at least 1, got {kk}");
            if (steps < 1) throw new NagUserException($"--train-steps must be at least 1, got {steps}");
            if (batchSize < 1) throw new NagUserException($"--batch must be at least 1, got {batchSize}");
            int diffusionSteps = new DiscreteConfig().DiffusionSteps;
            if (sSteps < 1 || sSteps > diffusionSteps) throw new NagUserException($"--sample-steps must be in 1..{diffusionSteps}, got {sSteps}");
            if (!(w >= 0 && double.IsFinite(w))) throw new NagUserException($"--guidance-weight must be a non-negative number, got {w.ToString(CultureInfo.InvariantCulture)}");
            if (perRound < 1) throw new NagUserException($"--sample-batch must be at least 1, got {perRound}");
            if (budget < kk) throw new NagUserException($"--max-samples must be at least --k ({kk}), got {budget}");
            if (extra < 0) throw new NagUserException($"--unlabelled must be non-negative, got {extra}");
            int support = p.GetValue(minSupport) ?? 2 * kk;
            if (support < 1) throw new NagUserException($"--min-support must be at least 1, got {support}");
            double? fixedQ = ParseConditionTop(p.GetValue(conditionTop)!);
            string presetName = p.GetValue(preset)!, designName = p.GetValue(design)!;
            if (designName is not (PerTask or MeanRank or Probes or ScoreDesign))
                throw new NagUserException($"--design must be '{PerTask}', '{MeanRank}', '{Probes}' or '{ScoreDesign}', got '{designName}'");
            double guidanceScale = p.GetValue(scale);
            if (!(guidanceScale >= 0 && double.IsFinite(guidanceScale))) throw new NagUserException($"--guidance-scale must be a non-negative number, got {guidanceScale.ToString(CultureInfo.InvariantCulture)}");
            int probeCount = p.GetValue(probes);
            if (probeCount < 1 || probeCount > MaxProbes) throw new NagUserException($"--probes must be in 1..{MaxProbes}, got {probeCount}");
            double span = p.GetValue(probeSpan);
            if (!(span > 0 && span <= 100)) throw new NagUserException($"--probe-span must be a percentage in (0, 100], got {span.ToString(CultureInfo.InvariantCulture)}");
            DenoiserConfig network;
            try { network = DenoiserConfig.Preset(presetName); if (designName == ScoreDesign) NetworkConfig.Preset(presetName); }   // refuses an unknown preset before any work
            catch (NagUserException e) { throw new NagUserException($"--preset: {e.Message}"); }

            var s = SpaceRegistry.Get(p.GetValue(space)!);
            if (designName == ScoreDesign && s.FixedAdjacency is null)
                throw new NagUserException($"--design {ScoreDesign}: the score engine needs a fixed-topology space; {s.Name} is not (use --design {Probes})");
            var data = CliHelpers.LoadData(s, p.GetValue(ctx.DataDir));
            var taskColumns = TaskTransfer.TaskColumns(data);
            if (taskColumns.Contains(MeanRankLabel)) throw new NagUserException($"a table column is called {MeanRankLabel}, the name of the mean-rank condition");
            if (taskColumns.Contains(WeightedRankLabel)) throw new NagUserException($"a table column is called {WeightedRankLabel}, the name of the probes condition");
            if (taskColumns.Count < 2) throw new NagUserException($"space {s.Name} has {taskColumns.Count} metric column(s); task transfer needs at least two tasks");
            var heldOut = SelectTasks(p.GetValue(tasks), taskColumns);
            string dir = p.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            using var oneThread = CliHelpers.OneTorchThread();   // training and sampling alike: the machine is shared, and tiny tensors gain nothing from a second thread

            var results = new List<TaskResult>();
            foreach (var task in heldOut)
            {
                var sources = taskColumns.Where(c => c != task).ToArray();
                var result = designName == ScoreDesign
                    ? RunScoreTask(ctx, p, s, data, task, sources, top, kk, new ScoreSettings(presetName, steps, batchSize, guidanceScale, sSteps, 0.5), perRound, budget, seedValue, dir, probeCount, span)
                    : RunTask(ctx, p, s, data, task, sources, top, kk, designName, fixedQ, support, presetName, network, steps, batchSize, extra,
                        sSteps, w, perRound, budget, seedValue, dir, probeCount, span);
                results.Add(result);
            }

            var inv = CultureInfo.InvariantCulture;
            string designStem = designName switch
            {
                Probes => string.Create(inv, $"{designName}{probeCount}-span{span:G}"),
                ScoreDesign => string.Create(inv, $"{designName}{probeCount}-span{span:G}-s{guidanceScale:G}"),
                _ => designName,
            };
            string stem = string.Create(inv, $"task_transfer_{s.Name}_{designStem}_top{top:G}_k{kk}_{presetName}_{steps}_s{seedValue}");
            string md = Markdown(s.Name, designName, top, kk, seedValue, results, sSteps, designName == ScoreDesign ? guidanceScale : w);
            AtomicFile.WriteText(Path.Combine(dir, stem + ".md"), x => x.Write(md));
            AtomicFile.WriteText(Path.Combine(dir, stem + ".json"), x => x.WriteLine(Json.Write(j => WriteJson(j, s.Name, designName, top, kk, seedValue, presetName, steps,
                sSteps, designName == ScoreDesign ? guidanceScale : w, p.GetValue(conditionTop)!, support, designName is Probes or ScoreDesign ? probeCount : 0, span, results))));
            ctx.Out.Write(md);
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static double? ParseConditionTop(string text)
    {
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase)) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double q) && q > 0 && q <= 100) return q;
        throw new NagUserException($"--condition-top must be 'auto' or a percentage in (0, 100], got '{text}'");
    }

    private static IReadOnlyList<string> SelectTasks(string? text, IReadOnlyList<string> columns)
    {
        if (string.IsNullOrWhiteSpace(text)) return columns;
        var chosen = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();
        foreach (var t in chosen)
            if (!columns.Contains(t)) throw new NagUserException($"--tasks: unknown task column '{t}' (available: {string.Join(", ", columns)})");
        return chosen.Length > 0 ? chosen : throw new NagUserException("--tasks names no task");
    }

    /// <summary>The probes design's task embedding of a held-out task and what it gives.</summary>
    /// <param name="Probes">Probe architectures (string form), chosen from the sources' mean-rank order alone.</param>
    /// <param name="Values">The held-out task's value on each probe (the only held-out values read before scoring).</param>
    /// <param name="Embedding">Rank-normalised <paramref name="Values"/>.</param>
    /// <param name="SourceEmbeddings">Each source's embedding, computed the same way from its own column.</param>
    /// <param name="Weights">Source weights from <see cref="TaskTransfer.ProbeWeights"/>.</param>
    /// <param name="Queries">Held-out queries made (counted by the oracle).</param>
    private sealed record TaskEmbedding(IReadOnlyList<string> Probes, double[] Values, double[] Embedding, IReadOnlyList<double>[] SourceEmbeddings,
        double[] Weights, int Queries);

    /// <summary>
    /// The task embedding: the held-out task's rank-normalised scores on P probes chosen from the sources' order alone,
    /// queried through an <see cref="Oracle"/> that counts them.
    /// </summary>
    private static TaskEmbedding EmbedTask(BenchmarkData data, string task, IReadOnlyList<ColumnRanking> sourceRankings, int probeCount, double probeSpan, int seed)
    {
        var order = TaskTransfer.MeanRankOrder(sourceRankings);
        var chosen = TaskTransfer.ChooseProbes(order, probeCount, probeSpan, seed);
        var archOf = ArchsByString(data, sourceRankings[0].Column);
        var oracle = new Oracle(data);
        var values = chosen.Select(a => oracle.Query(archOf[a], task)).ToArray();
        var embedding = TaskTransfer.RankNormalise(values);
        var sourceEmbeddings = sourceRankings.Select(r => (IReadOnlyList<double>)TaskTransfer.RankNormalise(chosen.Select(a => r.ValueOf(a)!.Value).ToArray())).ToArray();
        return new TaskEmbedding(chosen, values, embedding, sourceEmbeddings, TaskTransfer.ProbeWeights(sourceEmbeddings, embedding), oracle.QueriesOf(task));
    }

    /// <summary>The architectures a column scores, by string form (the first row of a repeated architecture).</summary>
    private static Dictionary<string, Arch> ArchsByString(BenchmarkData data, string column) =>
        data.ColumnEntries(column).GroupBy(e => e.Arch.ToString(), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Arch, StringComparer.Ordinal);

    private static TaskResult RunTask(CliContext ctx, ParseResult p, ISearchSpace s, BenchmarkData data, string task, string[] sources, double top, int k,
        string design, double? fixedQ, int minSupport, string presetName, DenoiserConfig network, int steps, int batchSize, int unlabelled, int sampleSteps, double w,
        int perRound, int budget, int seed, string dir, int probeCount, double probeSpan)
    {
        var inv = CultureInfo.InvariantCulture;
        // 1. Conditions from the sources only: the held-out column is not read until scoring below, except for the probes
        //    design's P probe queries (through an Oracle, which counts them).
        var sourceRankings = sources.Select(c => new ColumnRanking(data, c)).ToArray();
        double q;
        int support;
        string[] texts;
        int queries = 0;
        double[]? weights = null;
        (IReadOnlyList<string> Probes, double[] Values, double[] Embedding)? probeInfo = null;
        IReadOnlyDictionary<string, double>? weightedScores = null;
        Func<string, bool> satisfies;
        Func<List<LabelledArch>> trainingSet;
        var lists = s.Size is null ? TrainingSets.Lists(s, p.GetValue(ctx.DataDir)) : null;
        if (design == PerTask)
        {
            (q, support) = fixedQ is double fq
                ? (fq, TaskTransfer.Support(data, sources.Select(c => Condition.Parse(TaskTransfer.SourceCondition(c, fq))).ToArray()))
                : TaskTransfer.ChooseConditionPercent(data, sources, top, minSupport);
            var conds = sources.Select(c => Condition.Parse(TaskTransfer.SourceCondition(c, q))).ToArray();
            if (conds.Any(c => c.Column == task || c.Subset is not null))
                throw new InvalidOperationException($"a condition reads the held-out column {task}");
            texts = conds.Select(c => c.Text).ToArray();
            var maps = conds.Select(c => c.Evaluate(data)).ToArray();
            satisfies = a => maps.All(m => m.GetValueOrDefault(a));
            trainingSet = () => DiscreteTraining.BuildTrainingSet(s, data, conds, 1.0, unlabelled, seed, lists);
        }
        else
        {
            // One indicator: "in the best Q % by (weighted) mean rank over the sources". Not a table column, so the states are
            // set here instead of by Condition.Evaluate; the text still parses as a condition and names no task column.
            IReadOnlyDictionary<string, double> scores;
            if (design == Probes)
            {
                var embedded = EmbedTask(data, task, sourceRankings, probeCount, probeSpan, seed);
                queries = embedded.Queries;
                var sw = embedded.Weights;
                weights = sw;
                probeInfo = (embedded.Probes, embedded.Values, embedded.Embedding);
                scores = TaskTransfer.WeightedRankScores(sourceRankings, sw);
                ctx.Err.WriteLine(string.Create(inv, $"{task}: {queries} probe queries, source weights {string.Join(", ", sources.Select((c, i) => string.Create(inv, $"{c} {sw[i]:F2}")))}"));
            }
            else scores = TaskTransfer.MeanRankScores(sourceRankings);
            weightedScores = scores;
            HashSet<string> best;
            (q, best) = fixedQ is double fq ? (fq, TaskTransfer.MeanRankTop(scores, fq)) : TaskTransfer.ChooseMeanRankPercent(scores, top, minSupport);
            support = best.Count;
            var condition = Condition.Parse(TaskTransfer.SourceCondition(design == Probes ? WeightedRankLabel : MeanRankLabel, q));
            texts = [condition.Text];
            satisfies = best.Contains;
            trainingSet = () => TrainingSets.Build(s, data, lists ?? [], 1.0, unlabelled, seed)
                .Select(a => new LabelledArch(a.ToString(), [scores.ContainsKey(a.ToString()) ? (byte)(best.Contains(a.ToString()) ? 2 : 1) : (byte)0])).ToList();
        }
        ctx.Err.WriteLine(string.Create(inv, $"{task}: conditions {string.Join(" AND ", texts)} ({support} table architectures satisfy all)"));

        // The name encodes every setting the model depends on; the tag covers the condition list, so a changed Q retrains.
        // The probes design's training states depend on the weights too, so they join the tag (round-trip format: any
        // change of a weight retrains; the other designs keep their old names).
        string weightText = weights is null ? "" : "\nweights " + string.Join(",", weights.Select(x => x.ToString("R", inv)));
        string tag = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", texts) + $"\n{batchSize}\n{unlabelled}" + weightText)))[..8];
        string path = Path.Combine(dir, $"{s.Name}-transfer-{design}-{task}-{presetName}-{steps}-s{seed}-{tag}.ckpt");
        var (gen, trainSeconds) = DiscreteTraining.TrainOrLoad(ctx, path, $"train without {task}",
            () => new DiscreteGenerator(s, new DiscreteConfig(), network, new TrainConfig(Steps: steps, Batch: batchSize, Seed: seed), texts, trainingSet()));
        using var _ = gen;
        if (gen.Conditions.Any(c => Condition.Parse(c).Column == task))
            throw new NagDataException($"{path}: the cached generator was trained with a condition on the held-out column {task}");

        // 2. K unique valid architectures the tables know (others cannot be scored), drawing rounds until K or the budget.
        var states = gen.StatesFor(texts);
        var kept = new List<string>(k);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unknown = new HashSet<string>(StringComparer.Ordinal);
        int drawn = 0, valid = 0;
        for (int round = 0; kept.Count < k && drawn < budget; round++)
        {
            int n = Math.Min(perRound, budget - drawn);
            foreach (var sample in gen.Sample(n, sampleSteps, seed + 7919 * round, states, w))
            {
                drawn++;
                if (sample.Arch is not Arch a) continue;
                valid++;
                string key = a.ToString();
                if (!seen.Add(key)) continue;
                if (data.KeyOf(a) is null) { unknown.Add(key); continue; }
                if (kept.Count < k) kept.Add(key);
            }
        }
        double satisfying = kept.Count == 0 ? 0 : kept.Count(satisfies) / (double)kept.Count;
        if (kept.Count < k)
            ctx.Err.WriteLine($"{task}: only {kept.Count} unique valid scored architectures after {drawn} samples (budget --max-samples {budget})");

        // 3. Baselines from the sources only, then the held-out column, read for scoring.
        var meanRank = TaskTransfer.MeanRankOrder(sourceRankings).Take(k).ToArray();
        var target = new ColumnRanking(data, task);
        var pool = target.Architectures.Where(a => sourceRankings.All(r => r.ValueOf(a) is not null)).Order(StringComparer.Ordinal).ToArray();
        var randomArchs = TaskTransfer.RandomDraw(pool, k, seed);
        MethodResult? Score(IReadOnlyList<string> archs) =>
            TaskTransfer.BestOf(target, archs, top) is var (arch, standing) ? new MethodResult(archs, arch, standing) : null;
        var generated = Score(kept);
        ProbeResult? probe = null;
        if (probeInfo is { } info && weights is not null)
        {
            var weightedOrder = weightedScores!.OrderBy(x => x.Value).ThenBy(x => x.Key, StringComparer.Ordinal).Select(x => x.Key).Take(k).ToArray();
            probe = new ProbeResult(info.Probes, info.Values, info.Embedding, weights, Score(weightedOrder)!);
        }
        var result = new TaskResult(task, sources, texts, q, support, path, trainSeconds, drawn, valid, seen.Count, unknown.Count,
            kept.Count, kept.Count >= k, satisfying, generated, TaskTransfer.RandomHitProbability(target.Count, target.CountInTop(top), k),
            Score(randomArchs)!, Score(meanRank)!, queries, probe);
        ctx.Err.WriteLine(string.Create(inv,
            $"{task}: generated best rank {generated?.Best.Rank.ToString(inv) ?? "-"} of {target.Count} ({(generated is null ? "-" : generated.Best.TopPercent.ToString("F2", inv))} %) from {drawn} samples; random {result.Random.Best.Rank}; mean rank {result.MeanRank.Best.Rank}"));
        return result;
    }

    private static string Markdown(string space, string design, double top, int k, int seed, IReadOnlyList<TaskResult> results, int sampleSteps, double w)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(inv, $"### {space}: task transfer, best of K = {k} in the held-out task's top {top:G} %? (design {design}, seed {seed})"));
        sb.AppendLine();
        sb.AppendLine("| held-out task | source conditions | queries | drawn | kept satisfying all sources | generated best: rank (top %) | in top? | random: P(hit) | random best: rank (top %) | in top? | mean-rank best: rank (top %) | in top? |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            string gen = r.Generated is null ? "none generated" : Cell(r.Generated.Best);
            string count = r.Complete ? r.Drawn.ToString(inv) : string.Create(inv, $"{r.Drawn} (only {r.Kept} of {k})");
            sb.AppendLine(string.Create(inv,
                $"| {r.Task} | {Conditions(r)} ({r.Support} in table) | {r.Queries} | {count} | {r.SatisfyingSources * 100:F0} % | {gen} | {Yes(r.Generated?.Best.InTop)} | {r.RandomExpected:F2} | {Cell(r.Random.Best)} | {Yes(r.Random.Best.InTop)} | {Cell(r.MeanRank.Best)} | {Yes(r.MeanRank.Best.InTop)} |"));
        }
        sb.AppendLine();
        int met = results.Count(r => r.Generated?.Best.InTop == true);
        sb.AppendLine(string.Create(inv, $"Generated: best of {k} in the top {top:G} % on **{met} of {results.Count}** held-out tasks. " +
            $"Random: {results.Count(r => r.Random.Best.InTop)} measured, {results.Sum(r => r.RandomExpected):F2} expected. " +
            $"Mean-rank baseline: {results.Count(r => r.MeanRank.Best.InTop)}."));
        string sampling = design == ScoreDesign ? $"predictor-corrector, guidance scale s = {w:G}" : $"W = {w:G}";
        sb.AppendLine(string.Create(inv, $"Sampling: {sampling}, {sampleSteps} reverse steps, first {k} unique valid architectures the tables score; every column read as higher-is-better; rank = 1 + architectures strictly better."));
        if (design == ScoreDesign)
        {
            sb.AppendLine();
            sb.AppendLine("Score engine: the same generator and guidance with a task-free predictor of the mean source rank (no task information, no queries):");
            sb.AppendLine();
            sb.AppendLine("| held-out task | with task input: rank (top %) | in top? | without task input: rank (top %) | in top? |");
            sb.AppendLine("|---|---|---|---|---|");
            foreach (var r in results)
                sb.AppendLine(string.Create(inv, $"| {r.Task} | {(r.Generated is null ? "-" : Cell(r.Generated.Best))} | {Yes(r.Generated?.Best.InTop)} | {(r.NoTask is null ? "-" : Cell(r.NoTask.Best))} | {Yes(r.NoTask?.Best.InTop)} |"));
            sb.AppendLine();
            sb.AppendLine(string.Create(inv, $"Without task input: best of {k} in the top {top:G} % on **{results.Count(r => r.NoTask?.Best.InTop == true)} of {results.Count}** held-out tasks."));
        }
        if (results.Any(r => r.Probe is not null))
        {
            sb.AppendLine();
            sb.AppendLine("Task embeddings (held-out task's rank-normalised scores on the probes) and the source weights they give (Spearman on the probes, clipped at 0; all equal when none is positive), with the K best by weighted mean rank (no generator):");
            sb.AppendLine();
            sb.AppendLine("| held-out task | probes | embedding | source weights | weighted-rank best: rank (top %) | in top? |");
            sb.AppendLine("|---|---|---|---|---|---|");
            foreach (var r in results)
            {
                if (r.Probe is not { } pr) continue;
                string weights = string.Join(", ", r.Sources.Select((c, i) => string.Create(inv, $"{c} {pr.Weights[i]:F2}")));
                sb.AppendLine(string.Create(inv,
                    $"| {r.Task} | {string.Join(" ", pr.Probes.Select(a => $"`{a}`"))} | {string.Join(" ", pr.Embedding.Select(e => e.ToString("F2", inv)))} | {weights} | {Cell(pr.WeightedRank.Best)} | {Yes(pr.WeightedRank.Best.InTop)} |"));
            }
            sb.AppendLine();
            sb.AppendLine(string.Create(inv, $"Queries of the held-out tasks: {results.Sum(r => r.Queries)} in all. Weighted-rank baseline: {results.Count(r => r.Probe?.WeightedRank.Best.InTop == true)} met."));
        }
        return sb.ToString();

        string Conditions(TaskResult r) => r.Conditions.Count == 1 ? $"`{r.Conditions[0]}`" : string.Create(inv, $"{r.Conditions.Count} x top {r.ConditionPercent:G} %");
        string Cell(Standing st) => string.Create(inv, $"{st.Rank} ({st.TopPercent:F2})");
        static string Yes(bool? b) => b switch { true => "yes", false => "no", null => "-" };
    }

    private static void WriteJson(Utf8JsonWriter j, string space, string design, double top, int k, int seed, string preset, int trainSteps, int sampleSteps,
        double w, string conditionTop, int minSupport, int probeCount, double probeSpan, IReadOnlyList<TaskResult> results)
    {
        j.WriteStartObject();
        j.WriteString("space", space);
        j.WriteString("design", design);
        j.WriteNumber("top_percent", top);
        j.WriteNumber("k", k);
        j.WriteNumber("seed", seed);
        j.WriteString("preset", preset);
        j.WriteNumber("train_steps", trainSteps);
        j.WriteNumber("sample_steps", sampleSteps);
        j.WriteNumber(design == ScoreDesign ? "guidance_scale" : "guidance_weight", w);
        j.WriteString("condition_top", conditionTop);
        j.WriteNumber("min_support", minSupport);
        j.WriteNumber("probes", probeCount);
        j.WriteNumber("probe_span", probeSpan);
        j.WriteNumber("queries_total", results.Sum(r => r.Queries));
        j.WriteString("direction", "higher-is-better (every task column)");
        j.WriteNumber("tasks_count", results.Count);
        j.WriteNumber("generated_met", results.Count(r => r.Generated?.Best.InTop == true));
        j.WriteNumber("random_met", results.Count(r => r.Random.Best.InTop));
        j.WriteNumber("random_expected_met", results.Sum(r => r.RandomExpected));
        j.WriteNumber("mean_rank_met", results.Count(r => r.MeanRank.Best.InTop));
        if (results.Any(r => r.Probe is not null)) j.WriteNumber("weighted_rank_met", results.Count(r => r.Probe?.WeightedRank.Best.InTop == true));
        else j.WriteNull("weighted_rank_met");
        if (design == ScoreDesign) j.WriteNumber("no_task_met", results.Count(r => r.NoTask?.Best.InTop == true));
        else j.WriteNull("no_task_met");
        j.WriteStartArray("tasks");
        foreach (var r in results)
        {
            j.WriteStartObject();
            j.WriteString("task", r.Task);
            j.WriteStartArray("sources"); foreach (var c in r.Sources) j.WriteStringValue(c); j.WriteEndArray();
            j.WriteStartArray("conditions"); foreach (var c in r.Conditions) j.WriteStringValue(c); j.WriteEndArray();
            j.WriteNumber("condition_percent", r.ConditionPercent);
            j.WriteNumber("support", r.Support);
            j.WriteString("generator", r.Generator);
            if (r.TrainSeconds is double ts) j.WriteNumber("train_seconds", ts); else j.WriteNull("train_seconds");
            j.WriteNumber("drawn", r.Drawn);
            j.WriteNumber("valid", r.Valid);
            j.WriteNumber("unique_valid", r.UniqueValid);
            j.WriteNumber("unknown_to_table", r.UnknownToTable);
            j.WriteNumber("kept", r.Kept);
            j.WriteBoolean("complete", r.Complete);
            j.WriteNumber("satisfying_sources", r.SatisfyingSources);
            Method("generated", r.Generated);
            j.WriteNumber("random_expected_probability", r.RandomExpected);
            Method("random", r.Random);
            Method("mean_rank", r.MeanRank);
            j.WriteNumber("queries", r.Queries);
            Method("no_task", r.NoTask);
            if (r.Probe is { } pr)
            {
                j.WriteStartArray("probes"); foreach (var a in pr.Probes) j.WriteStringValue(a); j.WriteEndArray();
                j.WriteStartArray("probe_values"); foreach (var v in pr.Values) j.WriteNumberValue(v); j.WriteEndArray();
                j.WriteStartArray("task_embedding"); foreach (var v in pr.Embedding) j.WriteNumberValue(v); j.WriteEndArray();
                j.WriteStartObject("source_weights");
                for (int i = 0; i < r.Sources.Count; i++) j.WriteNumber(r.Sources[i], pr.Weights[i]);
                j.WriteEndObject();
                Method("weighted_rank", pr.WeightedRank);
            }
            else
            {
                foreach (var name in new[] { "probes", "probe_values", "task_embedding", "source_weights", "weighted_rank" }) j.WriteNull(name);
            }
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteEndObject();

        void Method(string name, MethodResult? m)
        {
            if (m is null) { j.WriteNull(name); return; }
            j.WriteStartObject(name);
            j.WriteStartArray("archs"); foreach (var a in m.Archs) j.WriteStringValue(a); j.WriteEndArray();
            j.WriteString("best_arch", m.BestArch);
            j.WriteNumber("best_value", m.Best.Value);
            j.WriteNumber("best_rank", m.Best.Rank);
            j.WriteNumber("of", m.Best.Of);
            j.WriteNumber("best_top_percent", m.Best.TopPercent);
            j.WriteBoolean("in_top", m.Best.InTop);
            j.WriteEndObject();
        }
    }
}
