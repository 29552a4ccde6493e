using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using NagSharp.Benchmarks;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>How the source tasks are turned into what the generator is asked for.</summary>
public enum TaskTransferDesign
{
    /// <summary>One condition <c>C&gt;=topQ%</c> per source task C, all asked for together.</summary>
    PerTask,
    /// <summary>One condition: in the best Q % by mean rank over the source tasks.</summary>
    MeanRank,
    /// <summary>One condition: in the best Q % by mean source rank weighted by each source's agreement with the held-out
    /// task on P probe architectures (the task embedding).</summary>
    Probes,
    /// <summary>The score engine guided by a noise-aware predictor that takes the probes' task embedding as an input.</summary>
    Score,
}

/// <summary>Settings of <see cref="TaskTransferExperiment"/>.</summary>
public sealed record TaskTransferSettings
{
    private const string Name = nameof(TaskTransferSettings);

    /// <summary>Most probe queries of the held-out task the probes and score designs may make ("a few (&lt;= 5) queries").</summary>
    public const int MaxProbes = 5;

    /// <summary>Held-out tasks to run; null runs every task column, since the question is about transfer to any task.</summary>
    public IReadOnlyList<string>? Tasks { get; init; }

    /// <summary>Success: the best of K lies in the held-out task's top P %; 5 %, the usual "good architecture" bar.</summary>
    public double TopPercent { get; init; } = 5;

    /// <summary>Architectures generated (and drawn by each baseline) per held-out task: 10, the usual best-of-K.</summary>
    public int K { get; init; } = 10;

    /// <summary>Source conditions: mean rank, the design that met most held-out tasks on TransNAS-Bench-101 micro.</summary>
    public TaskTransferDesign Design { get; init; } = TaskTransferDesign.MeanRank;

    /// <summary>Q of the source conditions; null ("auto") takes the smallest multiple of P with at least
    /// <see cref="MinSupport"/> table architectures satisfying every source condition, since six top-5 % sets rarely meet.</summary>
    public double? ConditionTop { get; init; }

    /// <summary>For automatic Q: architectures that must satisfy every source condition; null means 2 K, so the generator
    /// sees at least twice as many examples as it is asked for.</summary>
    public int? MinSupport { get; init; }

    /// <summary>Probes and score designs: architectures queried on the held-out task (1..5): 5, the most allowed.</summary>
    public int Probes { get; init; } = MaxProbes;

    /// <summary>Probes and score designs: the probes are spread over the best S % of the mean-source-rank order; 100, the
    /// whole order, so the probes see good and bad architectures.</summary>
    public double ProbeSpan { get; init; } = 100;

    /// <summary>Denoiser size (score design: generator and predictor size): tiny, enough for 4,096 micro cells.</summary>
    public string Preset { get; init; } = "tiny";

    /// <summary>Score design: guidance scale s of the predictor gradient; 100, the score engine's default scale.</summary>
    public double GuidanceScale { get; init; } = 100;

    /// <summary>Training steps per held-out task: 2,000 tiny steps (about 30 s on TransNAS micro), where the conditional
    /// generator's loss has flattened.</summary>
    public int TrainSteps { get; init; } = 2000;

    /// <summary>Training batch: the engines' default (<see cref="TrainConfig.Batch"/>).</summary>
    public int Batch { get; init; } = new TrainConfig().Batch;

    /// <summary>Uniform samples added on spaces too large to enumerate: 20,000, as the other benches.</summary>
    public int Unlabelled { get; init; } = 20000;

    /// <summary>Reverse steps: 50, the sampler's default.</summary>
    public int SampleSteps { get; init; } = 50;

    /// <summary>Classifier-free guidance weight W of the discrete designs: 2, DiNAS's weight.</summary>
    public double GuidanceWeight { get; init; } = 2.0;

    /// <summary>Samples drawn per round until K unique valid architectures are collected: 32, a batch the tiny model
    /// samples quickly while rarely overshooting K by much.</summary>
    public int SampleBatch { get; init; } = 32;

    /// <summary>Samples after which collecting K gives up (the shortfall is reported): 1,024, a hundred times K.</summary>
    public int MaxSamples { get; init; } = 1024;

    /// <summary>Seed of training, sampling and the random baseline; 0 as every NagSharp default seed.</summary>
    public int Seed { get; init; }

    /// <summary>The design's name on the command line and in the results.</summary>
    public static string DesignName(TaskTransferDesign design) => design switch
    {
        TaskTransferDesign.PerTask => "per-task",
        TaskTransferDesign.MeanRank => "mean-rank",
        TaskTransferDesign.Probes => "probes",
        _ => "score",
    };

    /// <summary>The design of a name (<see cref="DesignName"/>); throws a user error naming the setting otherwise.</summary>
    public static TaskTransferDesign ParseDesign(string name)
    {
        foreach (var d in Enum.GetValues<TaskTransferDesign>())
            if (DesignName(d) == name) return d;
        throw new NagUserException($"{Name}.{nameof(Design)} must be 'per-task', 'mean-rank', 'probes' or 'score', got '{SafePath.Shorten(name)}'");
    }

    /// <summary><see cref="MinSupport"/> or its default.</summary>
    public int EffectiveMinSupport => MinSupport ?? 2 * K;

    /// <summary>Throws a <see cref="NagUserException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        var inv = CultureInfo.InvariantCulture;
        if (!(TopPercent > 0 && TopPercent <= 100)) throw new NagUserException(string.Create(inv, $"{Name}.{nameof(TopPercent)} must be in (0, 100], got {TopPercent}"));
        Guard.Positive(K, $"{Name}.{nameof(K)}");
        Guard.Positive(TrainSteps, $"{Name}.{nameof(TrainSteps)}");
        Guard.Positive(Batch, $"{Name}.{nameof(Batch)}");
        Guard.InRange(SampleSteps, 1, new DiscreteConfig().DiffusionSteps, $"{Name}.{nameof(SampleSteps)}");
        Guard.NonNegative(GuidanceWeight, $"{Name}.{nameof(GuidanceWeight)}");
        Guard.Positive(SampleBatch, $"{Name}.{nameof(SampleBatch)}");
        if (MaxSamples < K) throw new NagUserException($"{Name}.{nameof(MaxSamples)} must be at least {Name}.{nameof(K)} ({K}), got {MaxSamples}");
        if (Unlabelled < 0) throw new NagUserException($"{Name}.{nameof(Unlabelled)} must be zero or positive, got {Unlabelled}");
        Guard.Positive(EffectiveMinSupport, $"{Name}.{nameof(MinSupport)}");
        if (ConditionTop is double q && !(q > 0 && q <= 100))
            throw new NagUserException(string.Create(inv, $"{Name}.{nameof(ConditionTop)} must be 'auto' or a percentage in (0, 100], got {q}"));
        if (!Enum.IsDefined(Design)) throw new NagUserException($"{Name}.{nameof(Design)}: unknown design {Design}");
        Guard.NonNegative(GuidanceScale, $"{Name}.{nameof(GuidanceScale)}");
        Guard.InRange(Probes, 1, MaxProbes, $"{Name}.{nameof(Probes)}");
        if (!(ProbeSpan > 0 && ProbeSpan <= 100)) throw new NagUserException(string.Create(inv, $"{Name}.{nameof(ProbeSpan)} must be a percentage in (0, 100], got {ProbeSpan}"));
        try { DenoiserConfig.Preset(Preset); if (Design == TaskTransferDesign.Score) NetworkConfig.Preset(Preset); }   // refuses an unknown preset before any work
        catch (NagUserException e) { throw new NagUserException($"{Name}.{nameof(Preset)}: {e.Message}"); }
    }
}

/// <summary>Best-of-K result of one method on the held-out task.</summary>
/// <param name="Archs">The K architectures (string form), in the order the method produced them.</param>
/// <param name="BestArch">The best of them on the held-out task.</param>
/// <param name="Best">Its standing in the held-out task.</param>
public sealed record MethodResult(IReadOnlyList<string> Archs, string BestArch, [property: JsonIgnore] Standing Best)
{
    /// <summary>The best architecture's value on the held-out task.</summary>
    public double BestValue => Best.Value;
    /// <summary>Its rank (1 + architectures strictly better).</summary>
    public int BestRank => Best.Rank;
    /// <summary>Architectures the held-out task scores.</summary>
    public int Of => Best.Of;
    /// <summary>Rank / Of * 100.</summary>
    public double BestTopPercent => Best.TopPercent;
    /// <summary>Whether it is in the top P %.</summary>
    public bool InTop => Best.InTop;
}

/// <summary>Everything measured for one held-out task.</summary>
/// <param name="Task">Held-out column.</param>
/// <param name="Sources">Columns the generator was conditioned on.</param>
/// <param name="Conditions">Condition texts, one per source (one in all for the single-condition designs).</param>
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
/// <param name="NoTask">Score design: the same generator guided by a task-free predictor of the mean source rank (else null).</param>
/// <param name="Probes">Probes and score designs: probe architectures, chosen from the sources only (else null).</param>
/// <param name="ProbeValues">The held-out task's value on each probe: the only held-out values read before scoring.</param>
/// <param name="TaskEmbedding">The task embedding: <see cref="TaskTransfer.RankNormalise"/> of <paramref name="ProbeValues"/>.</param>
/// <param name="SourceWeights">Weight per source (from <see cref="TaskTransfer.ProbeWeights"/>), in source order.</param>
/// <param name="WeightedRank">The K best architectures by weighted mean source rank (no generator).</param>
public sealed record TaskResult(string Task, IReadOnlyList<string> Sources, IReadOnlyList<string> Conditions, double ConditionPercent, int Support,
    string Generator, double? TrainSeconds, int Drawn, int Valid, int UniqueValid, int UnknownToTable, int Kept, bool Complete, double SatisfyingSources,
    MethodResult? Generated, [property: JsonPropertyName("random_expected_probability")] double RandomExpected, MethodResult Random, MethodResult MeanRank,
    int Queries, MethodResult? NoTask, IReadOnlyList<string>? Probes, IReadOnlyList<double>? ProbeValues, IReadOnlyList<double>? TaskEmbedding,
    IReadOnlyDictionary<string, double>? SourceWeights, MethodResult? WeightedRank);

/// <summary>What <see cref="TaskTransferExperiment"/> measured, with the settings that shape the figures.</summary>
/// <param name="Space">Space name.</param>
/// <param name="Design">Design name.</param>
/// <param name="TopPercent">P.</param>
/// <param name="K">K.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Preset">Network preset.</param>
/// <param name="TrainSteps">Training steps.</param>
/// <param name="SampleSteps">Reverse steps.</param>
/// <param name="GuidanceWeight">W (discrete designs; null for the score design).</param>
/// <param name="GuidanceScale">s (score design; null otherwise).</param>
/// <param name="ConditionTop">Q as asked: a percentage or "auto".</param>
/// <param name="MinSupport">Support asked of automatic Q.</param>
/// <param name="Probes">Probe queries per task (0 in designs without probes).</param>
/// <param name="ProbeSpan">Span of the probes, %.</param>
/// <param name="Tasks">One entry per held-out task.</param>
public sealed record TaskTransferResult(string Space, string Design, double TopPercent, int K, int Seed, string Preset, int TrainSteps, int SampleSteps,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? GuidanceWeight,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? GuidanceScale,
    string ConditionTop, int MinSupport, int Probes, double ProbeSpan,
    [property: JsonPropertyOrder(1)] IReadOnlyList<TaskResult> Tasks)
{
    /// <summary>Held-out values read before scoring, over every task.</summary>
    public int QueriesTotal => Tasks.Sum(r => r.Queries);
    /// <summary>The direction every task column is read in.</summary>
    public string Direction => "higher-is-better (every task column)";
    /// <summary>Held-out tasks run.</summary>
    public int TasksCount => Tasks.Count;
    /// <summary>Tasks where the generated best of K is in the top P %.</summary>
    public int GeneratedMet => Tasks.Count(r => r.Generated?.InTop == true);
    /// <summary>The same for the random draw.</summary>
    public int RandomMet => Tasks.Count(r => r.Random.InTop);
    /// <summary>Expected count for random draws.</summary>
    public double RandomExpectedMet => Tasks.Sum(r => r.RandomExpected);
    /// <summary>The same for the mean-rank baseline.</summary>
    public int MeanRankMet => Tasks.Count(r => r.MeanRank.InTop);
    /// <summary>The same for the weighted-rank baseline (designs with probes; else null).</summary>
    public int? WeightedRankMet => Tasks.Any(r => r.WeightedRank is not null) ? Tasks.Count(r => r.WeightedRank?.InTop == true) : null;
    /// <summary>The same for the score design's task-free predictor (else null).</summary>
    public int? NoTaskMet => Design == "score" ? Tasks.Count(r => r.NoTask?.InTop == true) : null;

    /// <summary>The file stem the bench saves its markdown and JSON under (every setting the figures depend on).</summary>
    public string Stem()
    {
        var inv = CultureInfo.InvariantCulture;
        string designStem = Design switch
        {
            "probes" => string.Create(inv, $"{Design}{Probes}-span{ProbeSpan:G}"),
            "score" => string.Create(inv, $"{Design}{Probes}-span{ProbeSpan:G}-s{GuidanceScale:G}"),
            _ => Design,
        };
        return string.Create(inv, $"task_transfer_{SafePath.Part(Space)}_{designStem}_top{TopPercent:G}_k{K}_{SafePath.Part(Preset)}_{TrainSteps}_s{Seed}");
    }

    /// <summary>The result as the markdown the bench saves and prints.</summary>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        bool score = Design == "score";
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(inv, $"### {Space}: task transfer, best of K = {K} in the held-out task's top {TopPercent:G} %? (design {Design}, seed {Seed})"));
        sb.AppendLine();
        sb.AppendLine("| held-out task | source conditions | queries | drawn | kept satisfying all sources | generated best: rank (top %) | in top? | random: P(hit) | random best: rank (top %) | in top? | mean-rank best: rank (top %) | in top? |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in Tasks)
        {
            string gen = r.Generated is null ? "none generated" : Cell(r.Generated);
            string count = r.Complete ? r.Drawn.ToString(inv) : string.Create(inv, $"{r.Drawn} (only {r.Kept} of {K})");
            sb.AppendLine(string.Create(inv,
                $"| {r.Task} | {Conditions(r)} ({r.Support} in table) | {r.Queries} | {count} | {r.SatisfyingSources * 100:F0} % | {gen} | {Yes(r.Generated?.InTop)} | {r.RandomExpected:F2} | {Cell(r.Random)} | {Yes(r.Random.InTop)} | {Cell(r.MeanRank)} | {Yes(r.MeanRank.InTop)} |"));
        }
        sb.AppendLine();
        sb.AppendLine(string.Create(inv, $"Generated: best of {K} in the top {TopPercent:G} % on **{GeneratedMet} of {TasksCount}** held-out tasks. " +
            $"Random: {RandomMet} measured, {RandomExpectedMet:F2} expected. " +
            $"Mean-rank baseline: {MeanRankMet}."));
        string sampling = score ? string.Create(inv, $"predictor-corrector, guidance scale s = {GuidanceScale:G}") : string.Create(inv, $"W = {GuidanceWeight:G}");
        sb.AppendLine(string.Create(inv, $"Sampling: {sampling}, {SampleSteps} reverse steps, first {K} unique valid architectures the tables score; every column read as higher-is-better; rank = 1 + architectures strictly better."));
        if (score)
        {
            sb.AppendLine();
            sb.AppendLine("Score engine: the same generator and guidance with a task-free predictor of the mean source rank (no task information, no queries):");
            sb.AppendLine();
            sb.AppendLine("| held-out task | with task input: rank (top %) | in top? | without task input: rank (top %) | in top? |");
            sb.AppendLine("|---|---|---|---|---|");
            foreach (var r in Tasks)
                sb.AppendLine(string.Create(inv, $"| {r.Task} | {(r.Generated is null ? "-" : Cell(r.Generated))} | {Yes(r.Generated?.InTop)} | {(r.NoTask is null ? "-" : Cell(r.NoTask))} | {Yes(r.NoTask?.InTop)} |"));
            sb.AppendLine();
            sb.AppendLine(string.Create(inv, $"Without task input: best of {K} in the top {TopPercent:G} % on **{NoTaskMet} of {TasksCount}** held-out tasks."));
        }
        if (Tasks.Any(r => r.WeightedRank is not null))
        {
            sb.AppendLine();
            sb.AppendLine("Task embeddings (held-out task's rank-normalised scores on the probes) and the source weights they give (Spearman on the probes, clipped at 0; all equal when none is positive), with the K best by weighted mean rank (no generator):");
            sb.AppendLine();
            sb.AppendLine("| held-out task | probes | embedding | source weights | weighted-rank best: rank (top %) | in top? |");
            sb.AppendLine("|---|---|---|---|---|---|");
            foreach (var r in Tasks)
            {
                if (r.WeightedRank is not { } wr) continue;
                string weights = string.Join(", ", r.Sources.Select(c => string.Create(inv, $"{c} {r.SourceWeights![c]:F2}")));
                sb.AppendLine(string.Create(inv,
                    $"| {r.Task} | {string.Join(" ", r.Probes!.Select(a => $"`{a}`"))} | {string.Join(" ", r.TaskEmbedding!.Select(e => e.ToString("F2", inv)))} | {weights} | {Cell(wr)} | {Yes(wr.InTop)} |"));
            }
            sb.AppendLine();
            sb.AppendLine(string.Create(inv, $"Queries of the held-out tasks: {QueriesTotal} in all. Weighted-rank baseline: {WeightedRankMet} met."));
        }
        return sb.ToString();

        string Conditions(TaskResult r) => r.Conditions.Count == 1 ? $"`{r.Conditions[0]}`" : string.Create(inv, $"{r.Conditions.Count} x top {r.ConditionPercent:G} %");
        string Cell(MethodResult m) => string.Create(inv, $"{m.BestRank} ({m.BestTopPercent:F2})");
        static string Yes(bool? b) => b switch { true => "yes", false => "no", null => "-" };
    }
}

/// <summary>
/// Task transfer: for each task column held out in turn, a conditional discrete generator trained only on the other tasks'
/// columns generates K architectures asked to be good on every source task; the held-out column is read only to score
/// them, against K uniform draws and the K architectures with the best mean rank over the sources. The probes and score
/// designs are the exception: the held-out task is queried on P probe architectures (chosen without it), and those P
/// values alone weight the source tasks (probes) or form the task embedding a noise-aware predictor guides the score
/// engine with (score). Every column is assumed higher-is-better (true of TransNAS-Bench-101's tables, whose room_layout
/// is a negated loss).
/// </summary>
public static class TaskTransferExperiment
{
    /// <summary>Name of the mean-rank design's condition (not a table column; no task may be called so).</summary>
    public const string MeanRankLabel = "sources_mean_rank";

    /// <summary>Name of the probes design's condition (not a table column; no task may be called so).</summary>
    public const string WeightedRankLabel = "sources_weighted_rank";

    private const double UniformStd = 0.28867513459481287;   // std of U(0, 1): rank fractions on the z-score scale

    /// <summary>Share of the score design's predictor training rows whose task is a random mixture of the sources.</summary>
    private const double MixShare = 0.5;

    /// <summary>
    /// Runs every held-out task. Generators are cached in <paramref name="modelDir"/> under names holding every setting they
    /// depend on; unlabelled lists come from <paramref name="dataDir"/>. Training and sampling run on one torch thread.
    /// </summary>
    public static TaskTransferResult Run(ISearchSpace space, BenchmarkData data, TaskTransferSettings settings, string modelDir, string? dataDir,
        IProgress<ExperimentEvent>? progress = null)
    {
        settings.Validate();
        const string Name = nameof(TaskTransferSettings);
        var design = settings.Design;
        if (design == TaskTransferDesign.Score && space.FixedAdjacency is null)
            throw new NagUserException($"{Name}.{nameof(TaskTransferSettings.Design)} score: the score engine needs a fixed-topology space; {space.Name} is not (use {Name}.{nameof(TaskTransferSettings.Design)} probes)");
        var taskColumns = TaskTransfer.TaskColumns(data);
        if (taskColumns.Contains(MeanRankLabel)) throw new NagUserException($"a table column is called {MeanRankLabel}, the name of the mean-rank condition");
        if (taskColumns.Contains(WeightedRankLabel)) throw new NagUserException($"a table column is called {WeightedRankLabel}, the name of the probes condition");
        if (taskColumns.Count < 2) throw new NagUserException($"space {space.Name} has {taskColumns.Count} metric column(s); task transfer needs at least two tasks");
        var heldOut = SelectTasks(settings.Tasks, taskColumns);
        Directory.CreateDirectory(modelDir);
        using var oneThread = TorchThreads.One();   // training and sampling alike: the machine is shared, and tiny tensors gain nothing from a second thread

        var results = new List<TaskResult>();
        foreach (var task in heldOut)
        {
            var sources = taskColumns.Where(c => c != task).ToArray();
            results.Add(design == TaskTransferDesign.Score
                ? RunScoreTask(space, data, task, sources, settings, modelDir, dataDir, progress)
                : RunTask(space, data, task, sources, settings, modelDir, dataDir, progress));
        }
        bool score = design == TaskTransferDesign.Score;
        return new TaskTransferResult(space.Name, TaskTransferSettings.DesignName(design), settings.TopPercent, settings.K, settings.Seed, settings.Preset,
            settings.TrainSteps, settings.SampleSteps, score ? null : settings.GuidanceWeight, score ? settings.GuidanceScale : null,
            settings.ConditionTop is double q ? q.ToString("G", CultureInfo.InvariantCulture) : "auto", settings.EffectiveMinSupport,
            design is TaskTransferDesign.Probes or TaskTransferDesign.Score ? settings.Probes : 0, settings.ProbeSpan, results);
    }

    private static IReadOnlyList<string> SelectTasks(IReadOnlyList<string>? asked, IReadOnlyList<string> columns)
    {
        if (asked is null) return columns;
        var chosen = asked.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        foreach (var t in chosen)
            if (!columns.Contains(t))
                throw new NagUserException($"{nameof(TaskTransferSettings)}.{nameof(TaskTransferSettings.Tasks)}: unknown task column '{SafePath.Shorten(t)}' (available: {string.Join(", ", columns)})");
        return chosen.Length > 0 ? chosen : throw new NagUserException($"{nameof(TaskTransferSettings)}.{nameof(TaskTransferSettings.Tasks)} names no task");
    }

    /// <summary>The probes design's task embedding of a held-out task and what it gives.</summary>
    private sealed record Embedding(IReadOnlyList<string> Probes, double[] Values, double[] Vector, IReadOnlyList<double>[] SourceEmbeddings,
        double[] Weights, int Queries);

    /// <summary>
    /// The task embedding: the held-out task's rank-normalised scores on P probes chosen from the sources' order alone,
    /// queried through an <see cref="Oracle"/> that counts them.
    /// </summary>
    private static Embedding EmbedTask(BenchmarkData data, string task, IReadOnlyList<ColumnRanking> sourceRankings, int probeCount, double probeSpan, int seed)
    {
        var order = TaskTransfer.MeanRankOrder(sourceRankings);
        var chosen = TaskTransfer.ChooseProbes(order, probeCount, probeSpan, seed);
        var archOf = ArchsByString(data, sourceRankings[0].Column);
        var oracle = new Oracle(data);
        var values = chosen.Select(a => oracle.Query(archOf[a], task)).ToArray();
        var embedding = TaskTransfer.RankNormalise(values);
        var sourceEmbeddings = sourceRankings.Select(r => (IReadOnlyList<double>)TaskTransfer.RankNormalise(chosen.Select(a => r.ValueOf(a)!.Value).ToArray())).ToArray();
        return new Embedding(chosen, values, embedding, sourceEmbeddings, TaskTransfer.ProbeWeights(sourceEmbeddings, embedding), oracle.QueriesOf(task));
    }

    /// <summary>The architectures a column scores, by string form (the first row of a repeated architecture).</summary>
    private static Dictionary<string, Arch> ArchsByString(BenchmarkData data, string column) =>
        data.ColumnEntries(column).GroupBy(e => e.Arch.ToString(), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Arch, StringComparer.Ordinal);

    private static Dictionary<string, double> WeightsBySource(IReadOnlyList<string> sources, IReadOnlyList<double> weights)
    {
        var map = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < sources.Count; i++) map[sources[i]] = weights[i];
        return map;
    }

    private static TaskResult RunTask(ISearchSpace s, BenchmarkData data, string task, string[] sources, TaskTransferSettings st, string dir, string? dataDir,
        IProgress<ExperimentEvent>? progress)
    {
        var inv = CultureInfo.InvariantCulture;
        var design = st.Design;
        int k = st.K, seed = st.Seed;
        double top = st.TopPercent;
        // 1. Conditions from the sources only: the held-out column is not read until scoring below, except for the probes
        //    design's P probe queries (through an Oracle, which counts them).
        var sourceRankings = sources.Select(c => new ColumnRanking(data, c)).ToArray();
        double q;
        int support;
        string[] texts;
        int queries = 0;
        Embedding? embedded = null;
        IReadOnlyDictionary<string, double>? weightedScores = null;
        Func<string, bool> satisfies;
        Func<List<LabelledArch>> trainingSet;
        var lists = s.Size is null ? TrainingSets.Lists(s, dataDir) : null;
        if (design == TaskTransferDesign.PerTask)
        {
            (q, support) = st.ConditionTop is double fq
                ? (fq, TaskTransfer.Support(data, sources.Select(c => Condition.Parse(TaskTransfer.SourceCondition(c, fq))).ToArray()))
                : TaskTransfer.ChooseConditionPercent(data, sources, top, st.EffectiveMinSupport);
            var conds = sources.Select(c => Condition.Parse(TaskTransfer.SourceCondition(c, q))).ToArray();
            if (conds.Any(c => c.Column == task || c.Subset is not null))
                throw new InvalidOperationException($"a condition reads the held-out column {task}");
            texts = conds.Select(c => c.Text).ToArray();
            var maps = conds.Select(c => c.Evaluate(data)).ToArray();
            satisfies = a => maps.All(m => m.GetValueOrDefault(a));
            trainingSet = () => DiscreteModels.BuildTrainingSet(s, data, conds, 1.0, st.Unlabelled, seed, lists);
        }
        else
        {
            // One indicator: "in the best Q % by (weighted) mean rank over the sources". Not a table column, so the states are
            // set here instead of by Condition.Evaluate; the text still parses as a condition and names no task column.
            IReadOnlyDictionary<string, double> scores;
            if (design == TaskTransferDesign.Probes)
            {
                embedded = EmbedTask(data, task, sourceRankings, st.Probes, st.ProbeSpan, seed);
                queries = embedded.Queries;
                var sw = embedded.Weights;
                scores = TaskTransfer.WeightedRankScores(sourceRankings, sw);
                progress.Note(string.Create(inv, $"{task}: {queries} probe queries, source weights {string.Join(", ", sources.Select((c, i) => string.Create(inv, $"{c} {sw[i]:F2}")))}"));
            }
            else scores = TaskTransfer.MeanRankScores(sourceRankings);
            weightedScores = scores;
            HashSet<string> best;
            (q, best) = st.ConditionTop is double fq ? (fq, TaskTransfer.MeanRankTop(scores, fq)) : TaskTransfer.ChooseMeanRankPercent(scores, top, st.EffectiveMinSupport);
            support = best.Count;
            var condition = Condition.Parse(TaskTransfer.SourceCondition(design == TaskTransferDesign.Probes ? WeightedRankLabel : MeanRankLabel, q));
            texts = [condition.Text];
            satisfies = best.Contains;
            trainingSet = () => TrainingSets.Build(s, data, lists ?? [], 1.0, st.Unlabelled, seed)
                .Select(a => new LabelledArch(a.ToString(), [scores.ContainsKey(a.ToString()) ? (byte)(best.Contains(a.ToString()) ? 2 : 1) : (byte)0])).ToList();
        }
        progress.Note(string.Create(inv, $"{task}: conditions {string.Join(" AND ", texts)} ({support} table architectures satisfy all)"));

        // The name encodes every setting the model depends on; the tag covers the condition list, so a changed Q retrains.
        // The probes design's training states depend on the weights too, so they join the tag (round-trip format: any
        // change of a weight retrains; the other designs keep their old names).
        string designName = TaskTransferSettings.DesignName(design);
        string weightText = embedded is null ? "" : "\nweights " + string.Join(",", embedded.Weights.Select(x => x.ToString("R", inv)));
        string tag = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", texts) + $"\n{st.Batch}\n{st.Unlabelled}" + weightText)))[..8];
        // The task is a column name from a table header: one harmless file-name part (ordinary names stay as they are).
        string path = Path.Combine(dir, $"{SafePath.Part(s.Name)}-transfer-{SafePath.Part(designName)}-{SafePath.Part(task)}-{SafePath.Part(st.Preset)}-{st.TrainSteps}-s{seed}-{tag}.ckpt");
        var (gen, trainSeconds) = DiscreteModels.TrainOrLoad(path, $"train without {task}",
            () => new DiscreteGenerator(s, new DiscreteConfig(), DenoiserConfig.Preset(st.Preset), new TrainConfig(Steps: st.TrainSteps, Batch: st.Batch, Seed: seed),
                texts, trainingSet()), progress);
        using var _ = gen;
        if (gen.Conditions.Any(c => Condition.Parse(c).Column == task))
            throw new NagDataException($"{path}: the cached generator was trained with a condition on the held-out column {task}");

        // 2. K unique valid architectures the tables know (others cannot be scored), drawing rounds until K or the budget.
        var states = gen.StatesFor(texts);
        var kept = new List<string>(k);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unknown = new HashSet<string>(StringComparer.Ordinal);
        int drawn = 0, valid = 0;
        for (int round = 0; kept.Count < k && drawn < st.MaxSamples; round++)
        {
            int n = Math.Min(st.SampleBatch, st.MaxSamples - drawn);
            foreach (var sample in gen.Sample(n, st.SampleSteps, seed + 7919 * round, states, st.GuidanceWeight))
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
            progress.Note($"{task}: only {kept.Count} unique valid scored architectures after {drawn} samples (budget {nameof(TaskTransferSettings)}.{nameof(TaskTransferSettings.MaxSamples)} {st.MaxSamples})");

        // 3. Baselines from the sources only, then the held-out column, read for scoring.
        var meanRank = TaskTransfer.MeanRankOrder(sourceRankings).Take(k).ToArray();
        var target = new ColumnRanking(data, task);
        var pool = target.Architectures.Where(a => sourceRankings.All(r => r.ValueOf(a) is not null)).Order(StringComparer.Ordinal).ToArray();
        var randomArchs = TaskTransfer.RandomDraw(pool, k, seed);
        MethodResult? Score(IReadOnlyList<string> archs) =>
            TaskTransfer.BestOf(target, archs, top) is var (arch, standing) ? new MethodResult(archs, arch, standing) : null;
        var generated = Score(kept);
        MethodResult? weightedRank = null;
        if (embedded is not null)
        {
            var weightedOrder = weightedScores!.OrderBy(x => x.Value).ThenBy(x => x.Key, StringComparer.Ordinal).Select(x => x.Key).Take(k).ToArray();
            weightedRank = Score(weightedOrder)!;
        }
        var result = new TaskResult(task, sources, texts, q, support, path, trainSeconds, drawn, valid, seen.Count, unknown.Count,
            kept.Count, kept.Count >= k, satisfying, generated, TaskTransfer.RandomHitProbability(target.Count, target.CountInTop(top), k),
            Score(randomArchs)!, Score(meanRank)!, queries, null, embedded?.Probes, embedded?.Values, embedded?.Vector,
            embedded is null ? null : WeightsBySource(sources, embedded.Weights), weightedRank);
        progress.Note(string.Create(inv,
            $"{task}: generated best rank {generated?.BestRank.ToString(inv) ?? "-"} of {target.Count} ({(generated is null ? "-" : generated.BestTopPercent.ToString("F2", inv))} %) from {drawn} samples; random {result.Random.BestRank}; mean rank {result.MeanRank.BestRank}"));
        return result;
    }

    /// <summary>
    /// The space's unconditional score generator for this run (trained on the architectures alone, no task value, as the
    /// default generators are: the whole enumerable space, else the tables, lists and 20,000 uniform samples, seed 0),
    /// cached in <paramref name="dir"/> under a name holding preset, steps, batch and seed.
    /// </summary>
    private static (string Path, double? Seconds) ScoreGeneratorFor(ISearchSpace s, BenchmarkData data, string dir, string? dataDir, TaskTransferSettings st,
        IProgress<ExperimentEvent>? progress)
    {
        string path = Path.Combine(dir, $"{SafePath.Part(s.Name)}-score-{SafePath.Part(st.Preset)}-{st.TrainSteps}-b{st.Batch}-s{st.Seed}.ckpt");
        if (File.Exists(path)) return (path, null);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var trainingSet = s.Size is not null ? TrainingSets.Select(s, 1.0, 0) : TrainingSets.Build(s, data, TrainingSets.Lists(s, dataDir), 1.0, 20000, 0);
        using var gen = new ScoreGenerator(s, new SdeConfig(), NetworkConfig.Preset(st.Preset), new TrainConfig(Steps: st.TrainSteps, Batch: st.Batch, Seed: st.Seed), trainingSet);
        gen.TrainToEnd(progress.Training("train generator"));
        gen.Save(path);
        return (path, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The score design: DiffusionNAG's noise-aware predictor takes the probes' task embedding as an extra input, is trained
    /// on every source task's rank scores (each row under that task's embedding, or a random mixture of tasks), and guides an
    /// unconditional score generator with the held-out task's embedding. The same generator guided by a task-free predictor
    /// of the mean source rank is the baseline without task information.
    /// </summary>
    private static TaskResult RunScoreTask(ISearchSpace s, BenchmarkData data, string task, string[] sources, TaskTransferSettings st, string dir,
        string? dataDir, IProgress<ExperimentEvent>? progress)
    {
        var inv = CultureInfo.InvariantCulture;
        int k = st.K, seed = st.Seed, probeCount = st.Probes;
        double top = st.TopPercent;
        var sourceRankings = sources.Select(c => new ColumnRanking(data, c)).ToArray();
        // 1. The task embedding from P probe queries: the only held-out values read before scoring.
        var embedded = EmbedTask(data, task, sourceRankings, probeCount, st.ProbeSpan, seed);
        progress.Note(string.Create(inv, $"{task}: {embedded.Queries} probe queries, embedding {string.Join(" ", embedded.Vector.Select(e => e.ToString("F2", inv)))}"));

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

        var (genPath, trainSeconds) = ScoreGeneratorFor(s, data, dir, dataDir, st, progress);
        using var gen = ScoreGenerator.Load(genPath);
        var train = new TrainConfig(Steps: st.TrainSteps, Batch: st.Batch, Warmup: Math.Min(100, st.TrainSteps / 10), Seed: seed);
        var network = NetworkConfig.Preset(st.Preset);

        // 3. The task-conditioned predictor, asked about the held-out task through its embedding alone. Its targets are rank
        //    scores already, so the z-score transform (not the rank one) keeps them as they are.
        using var withTask = new NoiseAwarePredictor(s, gen.SdeConfig, network, train, $"{task} (task embedding)", TargetTransform.Zscore, taskDim: probeCount);
        withTask.FitTasks(archs, y, e, MixShare, progress.Training($"predictor without {task}, with task input"));
        withTask.TaskEmbedding = embedded.Vector;
        var (kept, drawn, valid, uniqueValid, unknown) = CollectGuided(gen, withTask, data, st);

        // 4. No task information: the same generator guided by a predictor of the mean source rank.
        using var noTask = new NoiseAwarePredictor(s, gen.SdeConfig, network, train, $"{task} (mean source rank)", TargetTransform.Zscore);
        var meanY = Enumerable.Range(0, names.Length).Select(i => Enumerable.Range(0, sources.Length).Average(c => y[i, c])).ToArray();
        noTask.Fit(archs, meanY, progress.Training($"predictor without {task}, no task input"));
        var (keptNoTask, _, _, _, _) = CollectGuided(gen, noTask, data, st);
        if (kept.Count < k)
            progress.Note($"{task}: only {kept.Count} unique valid scored architectures after {drawn} samples (budget {nameof(TaskTransferSettings)}.{nameof(TaskTransferSettings.MaxSamples)} {st.MaxSamples})");

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
        string guidance = string.Create(inv, $"score guidance s = {st.GuidanceScale:G} by a predictor with task input");
        var result = new TaskResult(task, sources, [guidance], top, weightedTop.Count, genPath, trainSeconds, drawn, valid, uniqueValid, unknown,
            kept.Count, kept.Count >= k, kept.Count == 0 ? 0 : kept.Count(weightedTop.Contains) / (double)kept.Count, generated,
            TaskTransfer.RandomHitProbability(target.Count, target.CountInTop(top), k), Score(TaskTransfer.RandomDraw(pool, k, seed))!, Score(meanRank)!,
            embedded.Queries, Score(keptNoTask), embedded.Probes, embedded.Values, embedded.Vector, WeightsBySource(sources, embedded.Weights),
            Score(weightedOrder)!);
        progress.Note(string.Create(inv,
            $"{task}: generated best rank {generated?.BestRank.ToString(inv) ?? "-"} of {target.Count} from {drawn} samples; without task input {result.NoTask?.BestRank.ToString(inv) ?? "-"}; random {result.Random.BestRank}; mean rank {result.MeanRank.BestRank}"));
        return result;
    }

    /// <summary>A value's rank score on a column in model units: (0.5 - rank / N) / std(U(0, 1)), higher is better.</summary>
    private static double RankScore(ColumnRanking column, double value) => (0.5 - column.RankOf(value) / (double)column.Count) / UniformStd;

    /// <summary>Guided rounds of <see cref="TaskTransferSettings.SampleBatch"/> samples (seeds seed + 7919 r) until K distinct
    /// valid architectures the tables list are collected or the budget is drawn.</summary>
    private static (List<string> Kept, int Drawn, int Valid, int UniqueValid, int Unknown) CollectGuided(ScoreGenerator gen, NoiseAwarePredictor predictor,
        BenchmarkData data, TaskTransferSettings st)
    {
        var guidance = new PredictorGuidance(predictor, st.GuidanceScale);
        var sampler = new SamplerConfig(SamplerKind.Pc, st.SampleSteps);
        var kept = new List<string>(st.K);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int drawn = 0, valid = 0, unknown = 0;
        for (int round = 0; kept.Count < st.K && drawn < st.MaxSamples; round++)
        {
            int n = Math.Min(st.SampleBatch, st.MaxSamples - drawn);
            foreach (var record in ScoreSampling.Generate(gen, n, n, sampler, st.Seed + 7919 * round, guidance).Records)
            {
                drawn++;
                if (record.Arch is not Arch a) continue;
                valid++;
                string key = a.ToString();
                if (!seen.Add(key)) continue;
                if (data.KeyOf(a) is null) { unknown++; continue; }
                if (kept.Count < st.K) kept.Add(key);
            }
        }
        return (kept, drawn, valid, seen.Count, unknown);
    }
}
