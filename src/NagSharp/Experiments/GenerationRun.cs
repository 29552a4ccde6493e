using System.Text.Json.Serialization;
using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>
/// One generation job as a user runs it (<c>nag generate</c>): a generator (given, or the default one of a space,
/// trained once into the model cache), optionally steered by a noise-aware predictor (given, or the default one of an
/// objective column) or by the conditions a discrete generator learnt, and the table columns to report.
/// </summary>
public sealed record GenerationRunSettings
{
    /// <summary>Default generator: the tiny preset trained 2,000 steps on one thread, the model `nag search` trains too
    /// (one cache file). It trains in about 30 s, so a fresh clone's first result comes in minutes; a longer-trained
    /// or larger generator buys little once a predictor guides (docs/results/generate-nb201.md).</summary>
    public const string DefaultGeneratorPreset = "tiny";
    /// <summary>Training steps of the default generator.</summary>
    public const int DefaultGeneratorSteps = 2000;
    /// <summary>Default predictor: tiny with normal-score targets. Its own top 100 average higher than the small rank
    /// predictor's, and its gradient costs a fifth (docs/results/generate-nb201.md).</summary>
    public const string DefaultPredictorPreset = "tiny";
    /// <summary>Target transform of the default predictor.</summary>
    public const string DefaultPredictorTransform = "normal";
    /// <summary>Score engine: sampler steps. With the pool and mild guidance, 16 steps gave the same quality as 20
    /// (CIFAR-10 93.82-93.85 against 93.82-93.83 over five seeds) for a fifth less time.</summary>
    public const int DefaultScoreSampleSteps = 16;
    /// <summary>Score engine: no Langevin corrector (it doubled the time per step for no measured gain with guidance).</summary>
    public const int DefaultScoreCorrectorSteps = 0;
    /// <summary>Score engine: guidance scale s with a predictor. Mild on purpose: at 90-120 the samples collapse onto a
    /// few cells (8.6 % unique over 2,000 samples); at 10-15 the pool stays diverse and near the top, and the predictor's
    /// ranking of it (<see cref="DefaultPoolFactor"/>) does the rest (docs/results/generate-job.md).</summary>
    public const double DefaultScoreGuidanceScale = 12;
    /// <summary>Score engine: guidance only below this diffusion time, which keeps the early, diverse part unguided.</summary>
    public const double DefaultScoreGuidanceStart = 0.8;
    /// <summary>Discrete engine: reverse steps (the conditional bench's all-seed configuration).</summary>
    public const int DefaultDiscreteSampleSteps = 20;
    /// <summary>Discrete engine: classifier-free guidance only below this time.</summary>
    public const double DefaultDiscreteGuidanceStart = 0.5;

    /// <summary>Generator checkpoint of either engine; null: the default generator of <see cref="Space"/>.</summary>
    public string? Generator { get; init; }

    /// <summary>Experiment store the finished run is recorded in (<c>sqlite:PATH</c>, a path, or a PostgreSQL URL); null: none.</summary>
    public string? Store { get; init; }

    /// <summary>Space of the default generator.</summary>
    public string Space { get; init; } = "nb201";

    /// <summary>Where default generators and predictors are cached (trained once, reused after).</summary>
    public string ModelsDir { get; init; } = ModelCache.DefaultDir;

    /// <summary>Score engine: noise-aware predictor checkpoint that guides sampling.</summary>
    public string? Predictor { get; init; }

    /// <summary>Score engine: guide towards the best values of this column with its default predictor.</summary>
    public string? Objective { get; init; }

    /// <summary>Score engine: guidance scale s; null: <see cref="DefaultScoreGuidanceScale"/> with a predictor, 0 without.</summary>
    public double? GuidanceScale { get; init; }

    /// <summary>Score engine: steer towards this value of the objective instead of maximising it.</summary>
    public double? ObjectiveValue { get; init; }

    /// <summary>Score engine: steer towards the top P percent of the predictor's training targets instead of the maximum.</summary>
    public double? GuideTop { get; init; }

    /// <summary>Score engine: no guidance below this diffusion time.</summary>
    public double GuidanceStop { get; init; }

    /// <summary>Score engine: lower the scale by this much per batch.</summary>
    public double GuidanceDecay { get; init; }

    /// <summary>Score engine: particle-guidance strength pushing the samples of a batch apart (0 = off).</summary>
    public double Repulsion { get; init; }

    /// <summary>Sampler steps; null: the engine's default (<see cref="DefaultScoreSampleSteps"/>,
    /// <see cref="DefaultDiscreteSampleSteps"/>). Takes precedence over <see cref="Generate"/>'s sampler.</summary>
    public int? SampleSteps { get; init; }

    /// <summary>Score engine: Langevin corrector steps; null: <see cref="DefaultScoreCorrectorSteps"/>.</summary>
    public int? CorrectorSteps { get; init; }

    /// <summary>No guidance above this diffusion time (predictor guidance, or the discrete engine's classifier-free
    /// guidance); null: the engine's default. Takes precedence over <see cref="GenerateSettings.GuidanceStart"/>.</summary>
    public double? GuidanceStart { get; init; }

    /// <summary>Count (100 distinct valid architectures), batch, seed, sampler kind, conditions and decoding.</summary>
    public GenerateSettings Generate { get; init; } = new() { WarmUp = true, Until = GenerateUntil.DistinctValid, Count = 100 };

    /// <summary>Samples per sampler batch; null: the engine's default (<see cref="DefaultScoreBatch"/>,
    /// <see cref="DefaultDiscreteBatch"/>). Takes precedence over <see cref="Generate"/>'s batch.</summary>
    public int? Batch { get; init; }

    /// <summary>Score engine: samples per batch. Sampling stops only between whole batches (so a seed gives the same
    /// batches whatever n is) and the samples after the n-th distinct architecture are wasted: small batches waste
    /// little, while below about 64 the per-sample cost of the guided sampler rises.</summary>
    public const int DefaultScoreBatch = 64;

    /// <summary>Discrete engine: samples per batch. 32 distinct architectures under two conditions take 60-70 samples,
    /// so batches of 32 draw 64-96 where batches of 64 drew 128.</summary>
    public const int DefaultDiscreteBatch = 32;

    /// <summary>Score engine with a predictor: generate this many times n distinct valid architectures and keep the n
    /// the predictor scores best. Guidance strong enough to reach the top of the space on its own collapses onto a few
    /// cells; milder guidance plus the predictor's ranking of its pool is both more diverse and better (1 = keep all).</summary>
    public double PoolFactor { get; init; } = DefaultPoolFactor;

    /// <summary>Default <see cref="PoolFactor"/>.</summary>
    public const double DefaultPoolFactor = 3;

    /// <summary>Table columns reported for the generated architectures.</summary>
    public IReadOnlyList<string> Reports { get; init; } = [];

    /// <summary>How many of the best generated architectures to list; null: all of them (a user who asked for n
    /// architectures gets n).</summary>
    public int? List { get; init; }

    /// <summary>The k of the top-k means of the report columns.</summary>
    public int Top { get; init; } = 10;

    /// <summary>Metric tables of one's own loaded beside the space's tables.</summary>
    public IReadOnlyList<string> ExtraTables { get; init; } = [];

    /// <summary>The predictor guidance these settings ask for (before a predictor is known).</summary>
    public PredictorGuidanceSettings PredictorGuidance =>
        new(GuidanceScale ?? DefaultScoreGuidanceScale, ObjectiveValue, GuideTop, GuidanceStart ?? DefaultScoreGuidanceStart, GuidanceStop, GuidanceDecay, Repulsion);

    /// <summary>The sampling settings for an engine, with this job's engine defaults filled in.</summary>
    public GenerateSettings For(GeneratorKind engine) => engine == GeneratorKind.Score
        ? Generate with
        {
            Batch = Batch ?? DefaultScoreBatch,
            Sampler = Generate.Sampler with { Steps = SampleSteps ?? DefaultScoreSampleSteps, CorrectorSteps = CorrectorSteps ?? DefaultScoreCorrectorSteps },
            GuidanceStart = GuidanceStart ?? DefaultScoreGuidanceStart,
        }
        : Generate with
        {
            Batch = Batch ?? DefaultDiscreteBatch,
            Sampler = Generate.Sampler with { Steps = SampleSteps ?? DefaultDiscreteSampleSteps },
            GuidanceStart = GuidanceStart ?? DefaultDiscreteGuidanceStart,
        };

    /// <summary>Refuses bad numbers before any model is trained (a default generator takes minutes).</summary>
    public void Validate()
    {
        Generate.Validate();
        For(GeneratorKind.Score).Validate();
        For(GeneratorKind.Discrete).Validate();
        PredictorGuidance.Validate();
        Guard.InRange(Top, 0, int.MaxValue, "GenerationRunSettings.Top");
        if (List is int l) Guard.InRange(l, 0, int.MaxValue, "GenerationRunSettings.List");
        Guard.InRange(PoolFactor, 1, 100, "GenerationRunSettings.PoolFactor");
        if (Predictor is not null && Objective is not null)
            throw new NagUserException("give either GenerationRunSettings.Predictor or GenerationRunSettings.Objective, not both");
    }
}

/// <summary>A column's figures over the unique valid generated architectures.</summary>
/// <param name="Count">Architectures the table knows.</param>
/// <param name="Mean">Mean.</param>
/// <param name="Max">Maximum.</param>
/// <param name="Min">Minimum.</param>
/// <param name="K">The k of the top-k mean.</param>
/// <param name="TopKMean">Mean of the k best.</param>
/// <param name="LowerIsBetter">The column's direction: its best values are its lowest.</param>
public sealed record ReportSummary(int Count, double Mean, double Max, double Min, [property: JsonIgnore] int K, [property: JsonIgnore] double TopKMean,
    [property: JsonIgnore] bool LowerIsBetter = false)
{
    /// <summary>The best value in the column's direction.</summary>
    [JsonIgnore] public double Best => LowerIsBetter ? Min : Max;

    /// <summary>The top-k mean under its k-specific name (<c>top10_mean</c>).</summary>
    [JsonExtensionData] public IDictionary<string, object> TopKEntry => new Dictionary<string, object> { [$"top{K}_mean"] = TopKMean };
}

/// <summary>One listed generated architecture: its predicted value (with a predictor) and its report columns.</summary>
public sealed record GeneratedArch(Arch Arch, double? Predicted, IReadOnlyDictionary<string, double?> Values);

/// <summary>What a <see cref="GenerationRun"/> produced; serialises to the documented JSON of <c>nag generate --json</c>.</summary>
public sealed record GenerationRunResult
{
    /// <summary>Generator checkpoint used.</summary>
    public required string Generator { get; init; }
    /// <summary>Predictor checkpoint used, if any.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Predictor { get; init; }
    /// <summary>Guidance scale used with the predictor.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Guidance { get; init; }
    /// <summary>Particle-guidance strength (absent when off).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public double Repulsion { get; init; }
    /// <summary>Architectures asked for (distinct valid ones, or samples when counting samples).</summary>
    public int N { get; init; }
    /// <summary>What <see cref="N"/> counted.</summary>
    public GenerateUntil Until { get; init; }
    /// <summary>Samples drawn (valid or not, repeated or not).</summary>
    public int Samples { get; init; }
    /// <summary>Distinct valid architectures generated before the predictor kept the best <see cref="N"/> (null without a pool).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Pool { get; init; }
    /// <summary>True when sampling stopped at the sample cap with fewer than <see cref="N"/> distinct valid architectures.</summary>
    public bool SampleCapReached { get; init; }
    /// <summary>Valid / n.</summary>
    public double Valid { get; init; }
    /// <summary>Unique valid / valid.</summary>
    public double Unique { get; init; }
    /// <summary>What a perfect uniform sampler would reach on an enumerable space with as many valid draws.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? UniqueIfUniform { get; init; }
    /// <summary>Unique valid not in the training set / unique valid.</summary>
    public double Novel { get; init; }
    /// <summary>Unique valid architectures.</summary>
    public int UniqueValidCount { get; init; }
    /// <summary>Sampling wall-clock after warm-up.</summary>
    public double Seconds { get; init; }
    /// <summary>Warm-up wall-clock (JIT, allocator) before the timed sampling.</summary>
    public double WarmupSeconds { get; init; }
    /// <summary>Seconds per unique valid architecture; null when none was valid.</summary>
    public double? SecondsPerUniqueValid { get; init; }
    /// <summary>Table look-ups made for the report.</summary>
    public int OracleQueries { get; init; }
    /// <summary>Discrete engine with conditions: the classifier-free guidance weight.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? GuidanceWeight { get; init; }
    /// <summary>Per condition (and <c>all</c>): the fraction of unique valid architectures the tables show satisfying it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyDictionary<string, double?>? Conditions { get; init; }
    /// <summary>Per report column: its figures (null when the table knows none of the architectures).</summary>
    public required IReadOnlyDictionary<string, ReportSummary?> Report { get; init; }
    /// <summary>On an enumerable space with a predictor: the predictor's own top-n over the whole space (n = the distinct
    /// valid architectures generated), what exhaustive ranking gives, so a user sees what generation adds.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ExhaustiveTop? Exhaustive { get; init; }
    /// <summary>The best generated architectures trained for real, when asked for (<see cref="Experiments.TrainBest"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<TrainedArchSummary>? TrainBest { get; init; }

    /// <summary>The samples.</summary>
    [JsonIgnore] public GenerationResult Generation { get; init; } = null!;
    /// <summary>The best unique valid architectures (by the first report column, else the prediction), at most List.</summary>
    [JsonIgnore] public IReadOnlyList<GeneratedArch> Best { get; init; } = null!;
    /// <summary>The predictor's column, when one guided.</summary>
    [JsonIgnore] public string? PredictorTarget { get; init; }
    /// <summary>True when <see cref="GeneratedArch.Predicted"/> is in table units; false when it is the predictor's
    /// score (rank or normal-score targets, whose table values saturate at the best training target).</summary>
    [JsonIgnore] public bool PredictedInTableUnits { get; init; }
    /// <summary>The space generated in.</summary>
    [JsonIgnore] public ISearchSpace Space { get; init; } = null!;
    /// <summary>The tables, when found (reports, conditions).</summary>
    [JsonIgnore] public BenchmarkData? Data { get; init; }
    /// <summary>Predicted values of the unique valid architectures by their string form (empty without a predictor).</summary>
    [JsonIgnore] public IReadOnlyDictionary<string, double> Predictions { get; init; } = null!;
}

/// <summary>Runs a <see cref="GenerationRunSettings"/> job (see there).</summary>
public static class GenerationRun
{
    /// <summary>
    /// Validates, resolves the default models (training them once), samples, and summarises against the tables.
    /// <paramref name="dataDir"/> is the explicit data directory (null: the usual search).
    /// </summary>
    public static GenerationRunResult Run(GenerationRunSettings settings, string? dataDir, IProgress<ExperimentEvent>? progress = null)
    {
        if (settings.Store is string location)
        {
            using var store = new Store.ExperimentStore(location);   // opened first: a bad store fails before any work
            var recorded = Run(settings with { Store = null }, dataDir, progress);
            progress.Note($"recorded as experiment {Store.RunRecords.Generation(store, settings, recorded).Id} in {store.Path}");
            return recorded;
        }
        settings.Validate();
        var cache = new ModelCache(settings.ModelsDir, dataDir, settings.ExtraTables, progress);
        string genPath;
        // One thread, as `nag search` trains the same cache file: the same seed and thread count give the same bytes.
        using (TorchThreads.One())
            genPath = settings.Generator ?? cache.Generator(settings.Space, GenerationRunSettings.DefaultGeneratorPreset, GenerationRunSettings.DefaultGeneratorSteps);
        using var gen = ArchGenerators.Load(genPath);
        var space = gen.Space;
        var gs = settings.For(gen.Engine);
        BenchmarkData? data = null;
        NoiseAwarePredictor? pred = null;
        string? predPath = settings.Predictor;
        double scale = 0;
        double sense = 1;   // -1 when the predictor's column is lower-is-better: its best architectures score lowest
        try
        {
            if (gen.Engine == GeneratorKind.Discrete) RefuseScoreOnly(settings, genPath);
            else
            {
                if (gs.Conditions.Count > 0) throw new NagUserException("GenerateSettings.Conditions need a discrete-engine generator");
                RefuseFreeOnly(gs, space);
                var score = (ScoreGenerator)gen;
                if (settings.Objective is string col)
                {
                    data = Load(space, dataDir, settings.ExtraTables);
                    predPath = cache.Predictor(score, data, col, GenerationRunSettings.DefaultPredictorPreset, GenerationRunSettings.DefaultPredictorTransform);
                }
                pred = predPath is null ? null : NoiseAwarePredictor.Load(predPath);
                if (pred is not null && (pred.Space.Name != space.Name || pred.SdeConfig != score.SdeConfig))
                    throw new NagUserException($"predictor {predPath} was trained for another space or noise process than generator {genPath}");
                if (pred is not null)
                {
                    data ??= BenchmarkData.LoadIfFound(space, dataDir, settings.ExtraTables);
                    if (data is not null && data.HasColumn(pred.Target) && data.DirectionOf(pred.Target) == MetricDirection.LowerIsBetter) sense = -1;
                }
                scale = settings.GuidanceScale ?? (pred is null ? 0 : GenerationRunSettings.DefaultScoreGuidanceScale);
                if (scale != 0 && pred is null)
                    throw new NagUserException("GenerationRunSettings.GuidanceScale needs GenerationRunSettings.Predictor or GenerationRunSettings.Objective");
                var guidance = settings.PredictorGuidance with { Scale = scale };
                // Guidance climbs the predictor; for a lower-is-better column it steers to the best (lowest) training value instead.
                if (sense < 0 && guidance.TopPercent is not null)
                    throw new NagUserException($"GenerationRunSettings.GuideTop steers towards the highest predicted values, but {pred!.Target} is lower-is-better; give GenerationRunSettings.ObjectiveValue instead");
                if (sense < 0 && pred is not null && guidance.TargetValue is null) guidance = guidance with { TargetValue = pred.TargetQuantile(0) };
                gs = gs with { Guidance = guidance.Build(pred) };
                if (pred is not null && settings.PoolFactor > 1)
                    gs = gs with { Count = (int)Math.Min(SampleCount.Max, Math.Ceiling(gs.Count * settings.PoolFactor)) };
            }
            GenerationResult result;
            using (TorchThreads.One())
                result = gen.Generate(gs, (done, total) => progress.Step("generate", done, total, ""));

            // Tables are optional for unguided generation without reports; they only add figures.
            if (settings.Reports.Count > 0 || gs.Conditions.Count > 0) data ??= Load(space, dataDir, settings.ExtraTables);
            data ??= BenchmarkData.LoadIfFound(space, dataDir, settings.ExtraTables);
            foreach (var c in settings.Reports) data!.RequireColumn(c);
            var oracle = data is null ? null : new Oracle(data);
            var satisfaction = ConditionalBenchExperiment.Satisfaction(result, gs.Conditions, data, out _);
            var uniques = result.Records.Where(r => r.Unique).Select(r => r.Arch!).ToList();
            int generated = uniques.Count;   // before the predictor keeps the best n of a pool
            double[]? scores = pred?.PredictScores(uniques);
            var kept = result.Records;
            int n = settings.Generate.Count;
            if (scores is not null && uniques.Count > n && settings.PoolFactor > 1)
            {
                // The pool's n best by the predictor (ties by generation order); the figures are over those n.
                var order = Enumerable.Range(0, uniques.Count).OrderByDescending(i => sense * scores[i]).ThenBy(i => i).Take(n).OrderBy(i => i).ToArray();
                uniques = order.Select(i => uniques[i]).ToList();
                scores = order.Select(i => scores[i]).ToArray();
                var keep = uniques.Select(a => a.ToString()).ToHashSet(StringComparer.Ordinal);
                kept = result.Records.Where(r => r.Unique && keep.Contains(r.Arch!.ToString())).ToArray();
            }
            var report = settings.Reports.Distinct().ToDictionary(c => c, c => GenerationMetrics.Summarise(kept, oracle!, c, settings.Top) is { } s
                ? new ReportSummary(s.Count, s.Mean, s.Max, s.Min, s.K, s.TopK, data!.DirectionOf(c) == MetricDirection.LowerIsBetter) : null);
            bool tableUnits = pred?.Transform == TargetTransform.Zscore;
            double[]? predicted = scores is null ? null : tableUnits ? scores.Select(pred!.FromModel).ToArray() : scores;
            var predictions = scores is null ? new Dictionary<string, double>()
                : uniques.Select((a, i) => (a, i)).ToDictionary(x => x.a.ToString(), x => pred!.FromModel(scores[x.i]), StringComparer.Ordinal);
            var exhaustive = pred is not null && space.Size is long sz && sz <= ExhaustiveRanking.MaxSpace && uniques.Count > 0
                ? ExhaustiveRanking.Top(pred, uniques.Count, settings.Reports, data, lowerIsBetter: sense < 0) : null;
            // Best first in the first report column's own direction (the lowest latencies, not the highest), else by score.
            string? sortBy = settings.Reports.FirstOrDefault();
            double sign = sortBy is not null && data?.DirectionOf(sortBy) == MetricDirection.LowerIsBetter ? -1 : 1;
            var best = uniques.Select((a, i) => (Arch: a, Pred: predicted?[i], Sort: sortBy is not null && data?.Get(a, sortBy) is double v ? sign * v : sense * (predicted?[i] ?? 0)))
                .OrderByDescending(r => r.Sort).Take(settings.List ?? int.MaxValue)
                .Select(r => new GeneratedArch(r.Arch, r.Pred, settings.Reports.Distinct().ToDictionary(c => c, c => data?.Get(r.Arch, c)))).ToList();
            var (valid, unique, novel) = GenerationMetrics.Rates(result.Records);
            return new GenerationRunResult
            {
                Generator = genPath, Predictor = predPath, Guidance = predPath is null ? null : scale, Repulsion = settings.Repulsion,
                N = n, Until = gs.Until, Samples = result.Records.Length, Pool = gs.Count == n ? null : generated,
                SampleCapReached = gs.Until == GenerateUntil.DistinctValid && generated < gs.Count, Valid = valid, Unique = unique, Novel = novel,
                UniqueIfUniform = space.Size is long size ? GenerationMetrics.UniformUniqueness(size, result.Records.Count(r => r.Valid)) : null,
                UniqueValidCount = uniques.Count, Seconds = result.Seconds, WarmupSeconds = result.WarmupSeconds,
                SecondsPerUniqueValid = uniques.Count > 0 ? result.Seconds / uniques.Count : null,
                OracleQueries = oracle?.Queries ?? 0,
                GuidanceWeight = gs.Conditions.Count > 0 ? gs.GuidanceWeight : null,
                Conditions = gs.Conditions.Count > 0 ? satisfaction.ToDictionary(x => x.Condition, x => x.Fraction) : null,
                Report = report, Exhaustive = exhaustive, PredictedInTableUnits = tableUnits, Generation = result, Best = best, PredictorTarget = pred?.Target, Space = space, Data = data, Predictions = predictions,
            };
        }
        finally { pred?.Dispose(); }
    }

    // Settings the discrete engine has no use for are refused, not ignored: a user who set them expects an effect.
    private static void RefuseScoreOnly(GenerationRunSettings s, string genPath)
    {
        if (s.Predictor is not null || s.Objective is not null || s.GuidanceScale is not null)
            throw new NagUserException("GenerationRunSettings.Predictor, GenerationRunSettings.Objective and GenerationRunSettings.GuidanceScale steer the score engine; " +
                "the discrete engine takes GenerateSettings.Conditions and GenerateSettings.GuidanceWeight");
        var d = new SamplerConfig();
        string? scoreOnly =
            s.Generate.Sampler.Kind != d.Kind ? "SamplerConfig.Kind"
            : s.Generate.Sampler.Snr != d.Snr ? "SamplerConfig.Snr"
            : s.CorrectorSteps is not null ? "GenerationRunSettings.CorrectorSteps"
            : s.GuideTop is not null ? "GenerationRunSettings.GuideTop"
            : s.GuidanceStop != 0 ? "GenerationRunSettings.GuidanceStop"
            : s.GuidanceDecay != 0 ? "GenerationRunSettings.GuidanceDecay"
            : s.Repulsion != 0 ? "GenerationRunSettings.Repulsion"
            : s.ObjectiveValue is not null ? "GenerationRunSettings.ObjectiveValue"
            : s.Generate.SlotDecoding != new GenerateSettings().SlotDecoding ? "GenerateSettings.SlotDecoding"
            : null;
        if (scoreOnly is not null) throw new NagUserException($"{scoreOnly} only applies to the score engine; {genPath} is a discrete-engine generator");
    }

    private static void RefuseFreeOnly(GenerateSettings gs, ISearchSpace space)
    {
        if (space is EdgeTokenSpace) return;
        var d = new GenerateSettings();
        if (gs.EdgeDecoding != d.EdgeDecoding) throw new NagUserException($"GenerateSettings.EdgeDecoding only applies to free topologies; {space.Name} has a fixed graph");
        if (gs.SlotDecoding != d.SlotDecoding) throw new NagUserException($"GenerateSettings.SlotDecoding only applies to free topologies; {space.Name} has a fixed graph");
    }

    private static BenchmarkData Load(ISearchSpace space, string? dataDir, IReadOnlyList<string> extraTables) =>
        BenchmarkData.Load(space, DataLocator.Resolve(dataDir), extraTables);
}
