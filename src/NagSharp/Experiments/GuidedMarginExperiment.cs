using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>Settings of <see cref="GuidedMarginExperiment"/>.</summary>
public sealed record GuidedMarginSettings
{
    private const string Name = nameof(GuidedMarginSettings);

    /// <summary>Conditions the generator is trained with and sampled under (no default: they are the question).</summary>
    public required IReadOnlyList<string> Conditions { get; init; }

    /// <summary>Column compared; null takes the first condition's column, the metric a condition is usually about.</summary>
    public string? Metric { get; init; }

    /// <summary>Whether the metric is lower-is-better; false reads the direction from a condition on the metric ('&lt;' or
    /// '&lt;=' means lower is better), so a latency condition needs no extra setting.</summary>
    public bool Minimize { get; init; }

    /// <summary>Denoiser size: tiny, because the margin is measured on a few thousand steps and a larger net would not train
    /// further in that budget.</summary>
    public string Preset { get; init; } = "tiny";

    /// <summary>Training steps of the conditional generator: 8,000, where the discrete generator's validity has levelled off
    /// on the spaces measured.</summary>
    public int TrainSteps { get; init; } = 8000;

    /// <summary>Training batch: the engines' default (<see cref="TrainConfig.Batch"/>).</summary>
    public int Batch { get; init; } = new TrainConfig().Batch;

    /// <summary>Uniform samples added to the tables on spaces too large to enumerate: 20,000, so unconditioned samples are not
    /// limited to the few thousand table rows.</summary>
    public int Unlabelled { get; init; } = 20000;

    /// <summary>A conditional discrete generator to benchmark as given (trained with these conditions elsewhere); null trains
    /// or reuses the cached one, and the training settings are then used.</summary>
    public string? Generator { get; init; }

    /// <summary>Samples per mode and seed: 256, enough unique valid architectures for a top-10 mean.</summary>
    public int Samples { get; init; } = 256;

    /// <summary>Reverse steps: the sampler's default (<see cref="SamplerConfig.Steps"/>).</summary>
    public int SampleSteps { get; init; } = new SamplerConfig().Steps;

    /// <summary>Classifier-free guidance weight W of the conditioned mode: 2, the weight the conditional bench uses.</summary>
    public double GuidanceWeight { get; init; } = 2.0;

    /// <summary>Top-k: the mean of the k best unique valid architectures; 10, the usual best-of-K of the NAS papers.</summary>
    public int K { get; init; } = 10;

    /// <summary>Sampling seeds (seed, seed+1, ...): 3, because one seed's 256 samples move the mean by tenths.</summary>
    public int Seeds { get; init; } = 3;

    /// <summary>Seed of training, the surrogate split and the first sampling seed; 0 as every NagSharp default seed.</summary>
    public int Seed { get; init; }

    /// <summary>Fraction of the table kept out of the surrogate's fit to measure it: 0.2, a fifth, as usual for hold-outs.</summary>
    public double HeldOut { get; init; } = 0.2;

    /// <summary>Adam steps fitting the surrogate: <see cref="SurrogateOracle.DefaultConfig"/>'s, the setting <c>nag bench
    /// surrogate</c> measures.</summary>
    public int SurrogateSteps { get; init; } = SurrogateOracle.DefaultConfig.FitSteps;

    /// <summary>Surrogate inputs: <see cref="SurrogateOracle.DefaultConfig"/>'s encoding, the one that ranked tables best.</summary>
    public string SurrogateEncoding { get; init; } = SurrogateOracle.DefaultConfig.Encoding;

    /// <summary>Throws a <see cref="NagUserException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Conditions.Count == 0) throw new NagUserException($"{Name}.{nameof(Conditions)} names no condition");
        Guard.Positive(Samples, $"{Name}.{nameof(Samples)}");
        Guard.Positive(SampleSteps, $"{Name}.{nameof(SampleSteps)}");
        Guard.Positive(K, $"{Name}.{nameof(K)}");
        Guard.Positive(Seeds, $"{Name}.{nameof(Seeds)}");
        Guard.Positive(SurrogateSteps, $"{Name}.{nameof(SurrogateSteps)}");
        Guard.NonNegative(GuidanceWeight, $"{Name}.{nameof(GuidanceWeight)}");
        if (!EnsembleConfig.Encodings.Contains(SurrogateEncoding))
            throw new NagUserException($"{Name}.{nameof(SurrogateEncoding)}: unknown encoding '{SurrogateEncoding}' (expected {string.Join(", ", EnsembleConfig.Encodings)})");
        // Checked here, not when the first off-table sample needs the surrogate: a bad setting fails before any training.
        if (HeldOut is not (> 0 and < 1)) throw new NagUserException($"{Name}.{nameof(HeldOut)} must be in (0, 1), got {HeldOut}");
        Guard.Positive(Batch, $"{Name}.{nameof(Batch)}");
        Guard.Positive(TrainSteps, $"{Name}.{nameof(TrainSteps)}");
        if (Unlabelled < 0) throw new NagUserException($"{Name}.{nameof(Unlabelled)} must be zero or positive, got {Unlabelled}");
    }
}

/// <summary>One mode on one seed: rates and the metric over its unique valid architectures.</summary>
/// <param name="Mode">"unconditioned" or "conditioned".</param>
/// <param name="Seed">Sampling seed.</param>
/// <param name="Valid">Share of valid samples.</param>
/// <param name="Unique">Share of unique valid samples.</param>
/// <param name="UniqueValid">Unique valid architectures.</param>
/// <param name="InTable">Of them, those the table scores (the others are scored by the surrogate).</param>
/// <param name="Mean">Mean metric over them; null when there is none.</param>
/// <param name="TopK">Mean of the k best; null when there is none.</param>
public sealed record MarginRow(string Mode, int Seed, double Valid, double Unique, int UniqueValid, int InTable, double? Mean, double? TopK);

/// <summary>The measured fidelity of the surrogate that scored architectures outside the table.</summary>
/// <param name="Encoding">Input encoding.</param>
/// <param name="TrainRows">Rows fitted.</param>
/// <param name="HeldOutRows">Rows held out to measure it.</param>
/// <param name="Spearman">Held-out Spearman.</param>
/// <param name="Kendall">Held-out Kendall tau.</param>
public sealed record SurrogateFidelity(string Encoding, int TrainRows, int HeldOutRows, double Spearman, double Kendall);

/// <summary>What <see cref="GuidedMarginExperiment"/> measured.</summary>
/// <param name="Space">Space name.</param>
/// <param name="Conditions">Condition texts.</param>
/// <param name="Metric">Column compared.</param>
/// <param name="LowerIsBetter">Direction of the metric.</param>
/// <param name="Generator">Checkpoint file.</param>
/// <param name="TrainSeconds">Training time; null when the generator was cached or given.</param>
/// <param name="Samples">Samples per mode and seed.</param>
/// <param name="SampleSteps">Reverse steps.</param>
/// <param name="GuidanceWeight">W of the conditioned mode.</param>
/// <param name="K">Top-k.</param>
/// <param name="Rows">One row per mode and seed.</param>
/// <param name="MarginMean">Conditioned minus unconditioned mean, positive = better; null when a mode had no value.</param>
/// <param name="MarginTopK">The same for the top-k mean.</param>
/// <param name="TableMean">Mean of the table's column.</param>
/// <param name="TableTopK">Mean of the table's k best.</param>
/// <param name="Surrogate">The surrogate's fidelity, or null when every architecture was in the table.</param>
/// <param name="TableRows">Table rows with a finite value.</param>
/// <param name="GeneratorGiven">Whether the generator was given rather than trained or cached.</param>
public sealed record GuidedMarginResult(string Space, IReadOnlyList<string> Conditions, string Metric, bool LowerIsBetter, string Generator,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? TrainSeconds, int Samples, int SampleSteps, double GuidanceWeight, int K,
    IReadOnlyList<MarginRow> Rows, double? MarginMean, double? MarginTopK, double TableMean, double TableTopK, SurrogateFidelity? Surrogate,
    [property: JsonIgnore] int TableRows, [property: JsonIgnore] bool GeneratorGiven)
{
    /// <summary>The result as the markdown the bench saves and prints.</summary>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"### {Space}: `{Metric}` ({(LowerIsBetter ? "lower" : "higher")} is better), conditioned on {string.Join(" AND ", Conditions.Select(c => $"`{c}`"))}");
        sb.AppendLine();
        sb.AppendLine($"| mode | seed | valid % | unique % | unique valid | in table | mean | top-{K} |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in Rows)
            sb.AppendLine(string.Create(inv, $"| {r.Mode} | {r.Seed} | {r.Valid * 100:F1} | {r.Unique * 100:F1} | {r.UniqueValid} | {r.InTable} | {r.Mean ?? double.NaN:F3} | {r.TopK ?? double.NaN:F3} |"));
        sb.AppendLine();
        sb.AppendLine(string.Create(inv, $"**Margin** (conditioned minus unconditioned, mean over seeds, positive = better): mean {MarginMean ?? double.NaN:+0.000;-0.000}, top-{K} {MarginTopK ?? double.NaN:+0.000;-0.000}. "));
        sb.AppendLine(string.Create(inv, $"The table's {TableRows} rows: mean {TableMean:F3}, best {K} {TableTopK:F3}."));
        sb.AppendLine(Surrogate is null
            ? "Every generated architecture was in the table: all values are the table's."
            : string.Create(inv, $"Values outside the table come from a surrogate (5-MLP ensemble, `{Surrogate.Encoding}` inputs) fitted on {Surrogate.TrainRows} rows; on {Surrogate.HeldOutRows} held-out rows its Spearman is {Surrogate.Spearman:F3} and Kendall tau {Surrogate.Kendall:F3}."));
        sb.AppendLine(string.Create(inv, $"Sampling: {Samples} samples per mode and seed, {SampleSteps} reverse steps, W = {GuidanceWeight:G}.") +
            (TrainSeconds is double t ? string.Create(inv, $" Training took {t:F0} s ({Path.GetFileName(Generator)}).") : $" Generator: {Path.GetFileName(Generator)} ({(GeneratorGiven ? "given with --generator" : "cached")})."));
        sb.AppendLine();
        return sb.ToString();
    }
}

/// <summary>
/// Do conditioned samples beat unconditioned ones on the metric the condition is about? Works on every space the discrete
/// engine handles, including those whose tables hold a small part of the space (NB301, ANB, NB-NLP): generated
/// architectures the table lacks are scored by a <see cref="SurrogateOracle"/> fitted on the table, whose held-out rank
/// correlation is reported beside the figures.
/// </summary>
public static class GuidedMarginExperiment
{
    /// <summary>
    /// Runs both modes on every seed. The generator is <see cref="GuidedMarginSettings.Generator"/>, else the conditional
    /// generator cached in <paramref name="modelDir"/> (trained first when missing; unlabelled lists from
    /// <paramref name="dataDir"/>).
    /// </summary>
    public static GuidedMarginResult Run(ISearchSpace space, BenchmarkData data, GuidedMarginSettings settings, string modelDir, string? dataDir,
        IProgress<ExperimentEvent>? progress = null)
    {
        var conds = settings.Conditions.Select(Condition.Parse).ToArray();
        foreach (var c in conds) c.Evaluate(data);   // fail early on unknown columns
        string column = settings.Metric ?? conds[0].Column;
        data.RequireColumn(column);
        settings.Validate();
        var onMetric = conds.FirstOrDefault(c => c.Column == column);
        bool lower = settings.Minimize || (onMetric?.Operator.StartsWith('<') ?? false);
        var surrogateConfig = SurrogateOracle.DefaultConfig with { FitSteps = settings.SurrogateSteps, Encoding = settings.SurrogateEncoding };
        Directory.CreateDirectory(modelDir);
        var (gen, trained, path) = settings.Generator is string given
            ? (DiscreteModels.LoadFor(given, space), (double?)null, given)
            : DiscreteModels.CachedConditional(modelDir, space, data, conds, settings.Preset, settings.TrainSteps, settings.Batch, settings.Unlabelled,
                settings.Seed, dataDir, progress);
        using var _ = gen;
        var train = new HashSet<string>(gen.TrainingSet.Select(t => t.Arch), StringComparer.Ordinal);
        var all = gen.StatesFor(conds.Select(c => c.Text));
        using var oneThread = TorchThreads.One();   // after training, as always: sampling on one thread
        var inv = CultureInfo.InvariantCulture;
        SurrogateOracle? surrogate = null;
        try
        {
            var rows = new List<MarginRow>();
            foreach (var (mode, states, w) in new[] { ("unconditioned", new byte[all.Length], 0.0), ("conditioned", all, settings.GuidanceWeight) })
                for (int i = 0; i < settings.Seeds; i++)
                {
                    int sd = settings.Seed + i;
                    var decoded = gen.SampleMany(settings.Samples, settings.SampleSteps, sd, states, w);
                    var records = GenerationMetrics.Flag(decoded, train);
                    var (valid, unique, _) = GenerationMetrics.Rates(records);
                    var archs = records.Where(r => r.Unique).Select(r => r.Arch!).ToList();
                    var values = archs.Select(a => data.Get(a, column)).ToArray();
                    int inTable = values.Count(v => v is double x && double.IsFinite(x));
                    if (inTable < archs.Count && surrogate is null)
                    {
                        progress.Note($"fitting a surrogate of {column} (generated architectures outside the table)...");
                        surrogate = SurrogateOracle.Fit(space, data, column, settings.Seed, settings.HeldOut, surrogateConfig);
                        progress.Note(string.Create(inv,
                            $"surrogate: {surrogate.TrainRows} rows fitted, held-out Spearman {surrogate.Spearman:F3}, Kendall {surrogate.Kendall:F3} on {surrogate.HeldOutRows} rows"));
                    }
                    var predicted = inTable < archs.Count ? surrogate!.Score(archs) : null;
                    var scored = values.Select((v, j) => v is double x && double.IsFinite(x) ? x : predicted![j]).ToArray();
                    var best = (lower ? scored.Order() : scored.OrderDescending()).Take(settings.K).ToArray();
                    var row = new MarginRow(mode, sd, valid, unique, archs.Count, inTable,
                        scored.Length == 0 ? null : scored.Average(), best.Length == 0 ? null : best.Average());
                    rows.Add(row);
                    progress.Note(string.Create(inv,
                        $"{mode} seed {sd}: valid {valid:P1} unique {unique:P1}, {archs.Count} unique valid ({inTable} in the table), mean {row.Mean ?? double.NaN:F3}, top-{settings.K} {row.TopK ?? double.NaN:F3}"));
                }
            var reference = data.ColumnEntries(column).Select(e => e.Value).Where(double.IsFinite).ToArray();
            double refMean = reference.Average(), refTop = (lower ? reference.Order() : reference.OrderDescending()).Take(settings.K).Average();
            var (dMean, dTop) = Margin(rows, lower);
            var fidelity = surrogate is null ? null
                : new SurrogateFidelity(surrogate.Encoding, surrogate.TrainRows, surrogate.HeldOutRows, surrogate.Spearman, surrogate.Kendall);
            return new GuidedMarginResult(space.Name, conds.Select(c => c.Text).ToArray(), column, lower, path, trained, settings.Samples,
                settings.SampleSteps, settings.GuidanceWeight, settings.K, rows, Finite(dMean), Finite(dTop), refMean, refTop, fidelity,
                reference.Length, settings.Generator is not null);
        }
        finally { surrogate?.Dispose(); }
    }

    // A mode with no unique valid sample has no mean: null, not NaN, which JSON cannot hold.
    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    /// <summary>Conditioned minus unconditioned, averaged over seeds, signed so that positive means better (NaN when a mode
    /// has no value).</summary>
    public static (double Mean, double TopK) Margin(IReadOnlyList<MarginRow> rows, bool lowerIsBetter)
    {
        double sign = lowerIsBetter ? -1 : 1;
        double Avg(string mode, Func<MarginRow, double?> f) =>
            rows.Where(r => r.Mode == mode).Select(f).OfType<double>().Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
        return (sign * (Avg("conditioned", r => r.Mean) - Avg("unconditioned", r => r.Mean)),
                sign * (Avg("conditioned", r => r.TopK) - Avg("unconditioned", r => r.TopK)));
    }
}
