using System.CommandLine;
using System.Globalization;
using NagSharp.Benchmarks;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary>
/// The score engine's task transfer (<c>--design score</c>): DiffusionNAG's noise-aware predictor takes the probes
/// design's task embedding as an extra input, is trained on every source task's rank scores (each row under that
/// task's embedding, or a random mixture of tasks), and guides an unconditional score generator with the held-out task's
/// embedding. The same generator guided by a task-free predictor of the mean source rank is the baseline without task
/// information.
/// </summary>
public static partial class BenchTransferCommand
{
    /// <summary><c>--design</c>: the score engine guided by a predictor that takes the probes' task embedding.</summary>
    public const string ScoreDesign = "score";

    private const double UniformStd = 0.28867513459481287;   // std of U(0, 1): rank fractions on the z-score scale

    /// <summary>Settings of the score design.</summary>
    /// <param name="Preset">Network preset of the generator and both predictors.</param>
    /// <param name="Steps">Training steps of the generator and of each predictor.</param>
    /// <param name="Batch">Training batch of the generator and of each predictor.</param>
    /// <param name="Scale">Guidance scale s.</param>
    /// <param name="SampleSteps">Predictor-corrector steps.</param>
    /// <param name="MixShare">Share of predictor training rows whose task is a random mixture of the sources.</param>
    private sealed record ScoreSettings(string Preset, int Steps, int Batch, double Scale, int SampleSteps, double MixShare);

    /// <summary>
    /// The space's unconditional score generator for this run (trained on the architectures alone, no task value), cached
    /// in <paramref name="dir"/> under a name holding preset, steps and seed.
    /// </summary>
    private static (string Path, double? Seconds) ScoreGeneratorFor(CliContext ctx, ISearchSpace s, string dir, string preset, int steps, int batch, int seed, string? dataDir)
    {
        string path = Path.Combine(dir, $"{s.Name}-score-{preset}-{steps}-b{batch}-s{seed}.ckpt");
        if (File.Exists(path)) return (path, null);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        DefaultModels.TrainGenerator(ctx, s, path, dataDir, preset, new TrainConfig(Steps: steps, Batch: batch, Seed: seed));
        return (path, clock.Elapsed.TotalSeconds);
    }

    private static TaskResult RunScoreTask(CliContext ctx, ParseResult p, ISearchSpace s, BenchmarkData data, string task, string[] sources, double top, int k,
        ScoreSettings settings, int perRound, int budget, int seed, string dir, int probeCount, double probeSpan)
    {
        var inv = CultureInfo.InvariantCulture;
        var sourceRankings = sources.Select(c => new ColumnRanking(data, c)).ToArray();
        // 1. The task embedding from P probe queries: the only held-out values read before scoring.
        var embedded = EmbedTask(data, task, sourceRankings, probeCount, probeSpan, seed);
        ctx.Err.WriteLine(string.Create(inv, $"{task}: {embedded.Queries} probe queries, embedding {string.Join(" ", embedded.Embedding.Select(e => e.ToString("F2", inv)))}"));

        // 2. Training rows from the sources only: every architecture all sources score, its rank score on each source.
        var archOf = ArchsByString(data, sources[0]);
        var meanScores = TaskTransfer.MeanRankScores(sourceRankings);
        var names = meanScores.Keys.Order(StringComparer.Ordinal).ToArray();
        var archs = names.Select(a => archOf[a]).ToArray();
        var y = new double[names.Length, sources.Length];
        for (int i = 0; i < names.Length; i++)
            for (int c = 0; c < sources.Length; c++)
                y[i, c] = RankScore(sourceRankings[c], sourceRankings[c].ValueOf(names[i])!.Value);
        var e = new double[sources.Length, probeCount];
        for (int c = 0; c < sources.Length; c++)
            for (int d = 0; d < probeCount; d++) e[c, d] = embedded.SourceEmbeddings[c][d];

        var (genPath, trainSeconds) = ScoreGeneratorFor(ctx, s, dir, settings.Preset, settings.Steps, settings.Batch, seed, p.GetValue(ctx.DataDir));
        using var gen = ScoreGenerator.Load(genPath);
        var train = new TrainConfig(Steps: settings.Steps, Batch: settings.Batch, Warmup: Math.Min(100, settings.Steps / 10), Seed: seed);
        var network = NetworkConfig.Preset(settings.Preset);

        // 3. The task-conditioned predictor, asked about the held-out task through its embedding alone.
        using var withTask = new NoiseAwarePredictor(s, gen.SdeConfig, network, train, $"{task} (task embedding)", taskDim: probeCount);
        ProgressRunner.Run(ctx, $"predictor without {task}, with task input", report =>
            withTask.FitTasks(archs, y, e, settings.MixShare, pr => report(pr.Step, pr.Total, $"loss {pr.Loss:F4}")));
        withTask.TaskEmbedding = embedded.Embedding;
        var (kept, drawn, valid, uniqueValid, unknown) = CollectGuided(gen, withTask, data, k, settings, perRound, budget, seed);

        // 4. No task information: the same generator guided by a predictor of the mean source rank.
        using var noTask = new NoiseAwarePredictor(s, gen.SdeConfig, network, train, $"{task} (mean source rank)");
        var meanY = Enumerable.Range(0, names.Length).Select(i => Enumerable.Range(0, sources.Length).Average(c => y[i, c])).ToArray();
        ProgressRunner.Run(ctx, $"predictor without {task}, no task input", report =>
            noTask.Fit(archs, meanY, pr => report(pr.Step, pr.Total, $"loss {pr.Loss:F4}")));
        var (keptNoTask, _, _, _, _) = CollectGuided(gen, noTask, data, k, settings, perRound, budget, seed);
        if (kept.Count < k)
            ctx.Err.WriteLine($"{task}: only {kept.Count} unique valid scored architectures after {drawn} samples (budget --max-samples {budget})");

        // 5. Baselines from the sources only, then the held-out column, read for scoring.
        var weightedScores = TaskTransfer.WeightedRankScores(sourceRankings, embedded.Weights);
        var weightedTop = TaskTransfer.MeanRankTop(weightedScores, top);
        var meanRank = TaskTransfer.MeanRankOrder(sourceRankings).Take(k).ToArray();
        var weightedOrder = weightedScores.OrderBy(x => x.Value).ThenBy(x => x.Key, StringComparer.Ordinal).Select(x => x.Key).Take(k).ToArray();
        var target = new ColumnRanking(data, task);
        var pool = target.Architectures.Where(a => sourceRankings.All(r => r.ValueOf(a) is not null)).Order(StringComparer.Ordinal).ToArray();
        MethodResult? Score(IReadOnlyList<string> list) =>
            TaskTransfer.BestOf(target, list, top) is var (arch, standing) ? new MethodResult(list, arch, standing) : null;
        var generated = Score(kept);
        var probe = new ProbeResult(embedded.Probes, embedded.Values, embedded.Embedding, embedded.Weights, Score(weightedOrder)!);
        string guidance = string.Create(inv, $"score guidance s = {settings.Scale:G} by a predictor with task input");
        var result = new TaskResult(task, sources, [guidance], top, weightedTop.Count, genPath, trainSeconds, drawn, valid, uniqueValid, unknown,
            kept.Count, kept.Count >= k, kept.Count == 0 ? 0 : kept.Count(weightedTop.Contains) / (double)kept.Count, generated,
            TaskTransfer.RandomHitProbability(target.Count, target.CountInTop(top), k), Score(TaskTransfer.RandomDraw(pool, k, seed))!, Score(meanRank)!,
            embedded.Queries, probe, Score(keptNoTask));
        ctx.Err.WriteLine(string.Create(inv,
            $"{task}: generated best rank {generated?.Best.Rank.ToString(inv) ?? "-"} of {target.Count} from {drawn} samples; without task input {result.NoTask?.Best.Rank.ToString(inv) ?? "-"}; random {result.Random.Best.Rank}; mean rank {result.MeanRank.Best.Rank}"));
        return result;
    }

    /// <summary>A value's rank score on a column in model units: (0.5 - rank / N) / std(U(0, 1)), higher is better.</summary>
    private static double RankScore(ColumnRanking column, double value) => (0.5 - column.RankOf(value) / (double)column.Count) / UniformStd;

    /// <summary>Guided rounds of <paramref name="perRound"/> samples (seeds seed + 7919 r) until K distinct valid architectures the
    /// tables list are collected or the budget is drawn.</summary>
    private static (List<string> Kept, int Drawn, int Valid, int UniqueValid, int Unknown) CollectGuided(ScoreGenerator gen, NoiseAwarePredictor predictor,
        BenchmarkData data, int k, ScoreSettings settings, int perRound, int budget, int seed)
    {
        var guidance = new PredictorGuidance(predictor, settings.Scale);
        var sampler = new SamplerConfig("pc", settings.SampleSteps);
        var kept = new List<string>(k);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int drawn = 0, valid = 0, unknown = 0;
        for (int round = 0; kept.Count < k && drawn < budget; round++)
        {
            int n = Math.Min(perRound, budget - drawn);
            foreach (var record in ScoreSampling.Generate(gen, n, n, sampler, seed + 7919 * round, guidance).Records)
            {
                drawn++;
                if (record.Arch is not Arch a) continue;
                valid++;
                string key = a.ToString();
                if (!seen.Add(key)) continue;
                if (data.KeyOf(a) is null) { unknown++; continue; }
                if (kept.Count < k) kept.Add(key);
            }
        }
        return (kept, drawn, valid, seen.Count, unknown);
    }
}
