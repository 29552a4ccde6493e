using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>Settings of <see cref="ConditionalBenchExperiment"/>.</summary>
public sealed record ConditionalBenchSettings
{
    private const string Name = nameof(ConditionalBenchSettings);

    /// <summary>Conditions asked for together (no default: they are the question).</summary>
    public required IReadOnlyList<string> Conditions { get; init; }

    /// <summary>Denoiser size: small, the discrete engine's default, which the DiNAS figures were measured with.</summary>
    public string Preset { get; init; } = "small";

    /// <summary>Training steps: 8,000 (about 13 min on 2 cores), where validity and satisfaction have levelled off.</summary>
    public int TrainSteps { get; init; } = 8000;

    /// <summary>Uniform samples added on spaces too large to enumerate: 20,000, as the other benches.</summary>
    public int Unlabelled { get; init; } = 20000;

    /// <summary>Samples per mode: 64, since more than the ~36 cells a tight condition set admits only adds non-satisfying
    /// unique cells.</summary>
    public int Samples { get; init; } = 64;

    /// <summary>Reverse steps: 20, the fewest that kept every seed of the HW-NAS experiment above 90 % satisfaction.</summary>
    public int SampleSteps { get; init; } = 20;

    /// <summary>W of the guided mode: 2, DiNAS's classifier-free guidance weight.</summary>
    public double GuidanceWeight { get; init; } = 2.0;

    /// <summary>Seed of training and the first sampling seed; 0 as every NagSharp default seed.</summary>
    public int Seed { get; init; }

    /// <summary>Guided mode: classifier-free guidance only at diffusion times t/T at most this (earlier steps run the
    /// conditional model alone); 0.5 kept validity while reaching the satisfaction of guidance throughout.</summary>
    public double GuidanceStart { get; init; } = 0.5;

    /// <summary>Timings per mode (same seed, same samples), of which the median is reported: 3, because one run on a shared
    /// VM varies by about 25 %.</summary>
    public int TimingRepeats { get; init; } = 3;

    /// <summary>Seeds of the guided mode (seed, seed+1, ...), each reported with their mean and worst: 5, because
    /// satisfaction over ~30 unique cells moves by several points from seed to seed.</summary>
    public int Seeds { get; init; } = 5;

    /// <summary>Throws a <see cref="NagUserException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Conditions.Count == 0) throw new NagUserException($"{Name}.{nameof(Conditions)} names no condition");
        Guard.Positive(Samples, $"{Name}.{nameof(Samples)}");
        Guard.Positive(SampleSteps, $"{Name}.{nameof(SampleSteps)}");
        Guard.Positive(TimingRepeats, $"{Name}.{nameof(TimingRepeats)}");
        Guard.Positive(Seeds, $"{Name}.{nameof(Seeds)}");
        Guard.Positive(TrainSteps, $"{Name}.{nameof(TrainSteps)}");
        Guard.NonNegative(GuidanceWeight, $"{Name}.{nameof(GuidanceWeight)}");
        Guard.InRange(GuidanceStart, 0, 1, $"{Name}.{nameof(GuidanceStart)}");
        if (Unlabelled < 0) throw new NagUserException($"{Name}.{nameof(Unlabelled)} must be zero or positive, got {Unlabelled}");
    }
}

/// <summary>One measured mode.</summary>
/// <param name="Mode">"unconditional", "conditional" (W = 0) or "guided".</param>
/// <param name="Weight">Guidance weight W.</param>
/// <param name="N">Samples drawn.</param>
/// <param name="Valid">Share of valid samples.</param>
/// <param name="Unique">Share of unique valid samples.</param>
/// <param name="Novel">Share of unique valid samples outside the training set.</param>
/// <param name="Seconds">Median sampling time.</param>
/// <param name="MsPerUniqueValid">Milliseconds per unique valid architecture.</param>
/// <param name="Satisfaction">Per condition (and <c>all</c>, jointly): share of the unique valid architectures the tables
/// know that satisfy it; null when the tables know none.</param>
/// <param name="Satisfying">Unique valid architectures satisfying every condition.</param>
public sealed record ConditionalRow(string Mode, double Weight, int N, double Valid, double Unique, double Novel, double Seconds, double MsPerUniqueValid,
    IReadOnlyDictionary<string, double?> Satisfaction, int Satisfying)
{
    /// <summary>Joint satisfaction (the <c>all</c> entry).</summary>
    [JsonIgnore] public double? All => Satisfaction.Values.Last();
}

/// <summary>The guided mode on one seed.</summary>
/// <param name="Seed">Sampling seed.</param>
/// <param name="Valid">Share of valid samples.</param>
/// <param name="Unique">Share of unique valid samples.</param>
/// <param name="MsPerUniqueValid">Milliseconds per unique valid architecture.</param>
/// <param name="AllConditions">Joint satisfaction, or null.</param>
/// <param name="Satisfying">Unique valid architectures satisfying every condition.</param>
public sealed record GuidedSeedRow(int Seed, double Valid, double Unique, double MsPerUniqueValid, double? AllConditions, int Satisfying);

/// <summary>What <see cref="ConditionalBenchExperiment"/> measured.</summary>
/// <param name="Space">Space name.</param>
/// <param name="Conditions">Condition texts.</param>
/// <param name="Generator">Checkpoint file.</param>
/// <param name="Samples">Samples per mode.</param>
/// <param name="SampleSteps">Reverse steps.</param>
/// <param name="GuidanceStart">Guidance applies at t/T at most this.</param>
/// <param name="TimingRepeats">Timings per mode (median reported).</param>
/// <param name="TrainSeconds">Training time; null when the generator came from the cache.</param>
/// <param name="Rows">Unconditional, conditional and guided modes.</param>
/// <param name="GuidedBySeed">The guided mode once per seed (the first is the guided row).</param>
/// <param name="TableBaseRate">Share of the table's architectures satisfying every condition.</param>
/// <param name="DataRejectionSamples">Samples rejection from the data distribution would need for the guided mode's
/// satisfying count; null when no table architecture satisfies them all.</param>
/// <param name="RejectionSamples">Samples rejection from the unconditional mode would need; null when it produced none.</param>
/// <param name="RejectionSeconds">Their time at the unconditional mode's speed; null likewise.</param>
/// <param name="GuidanceWeight">W of the guided mode.</param>
/// <param name="TorchThreads">Torch threads while sampling.</param>
public sealed record ConditionalBenchResult(string Space, IReadOnlyList<string> Conditions, string Generator, int Samples, int SampleSteps,
    double GuidanceStart, int TimingRepeats, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? TrainSeconds,
    IReadOnlyList<ConditionalRow> Rows, IReadOnlyList<GuidedSeedRow> GuidedBySeed, double TableBaseRate,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? DataRejectionSamples, double? RejectionSamples, double? RejectionSeconds,
    [property: JsonIgnore] double GuidanceWeight, [property: JsonIgnore] int TorchThreads)
{
    /// <summary>The result as the markdown the bench saves and prints.</summary>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"### {Space}: {string.Join(" AND ", Conditions.Select(c => $"`{c}`"))}");
        sb.AppendLine();
        sb.AppendLine("| mode | W | valid % | unique % | novel % | ms / unique valid | " + string.Join(" | ", Conditions.Select(c => $"`{c}` %")) + " | all % | unique satisfying |");
        sb.AppendLine("|---|---|---|---|---|---|" + string.Concat(Conditions.Select(_ => "---|")) + "---|---|");
        foreach (var r in Rows)
            sb.AppendLine(string.Create(inv, $"| {r.Mode} | {r.Weight:G} | {r.Valid * 100:F2} | {r.Unique * 100:F2} | {r.Novel * 100:F2} | {r.MsPerUniqueValid:F2} | ") +
                string.Join(" | ", r.Satisfaction.Select(kv => kv.Value is double v ? (v * 100).ToString("F1", inv) : "-")) +
                string.Create(inv, $" | {r.Satisfying} |"));
        sb.AppendLine();
        sb.AppendLine(RejectionSamples is double rs
            ? string.Create(inv, $"Rejection sampling from the generator's own null-conditioned model would need about {rs:F0} samples ({RejectionSeconds:F1} s) for the {Rows[2].Satisfying} unique satisfying architectures guided sampling produced in {Rows[2].Seconds:F1} s.")
            : "Rejection sampling: the unconditional samples contained no satisfying architecture, so its cost cannot be estimated from this run (it is at least the sample count shown).");
        if (TrainSeconds is double t) sb.AppendLine(string.Create(inv, $"Training took {t:F0} s ({Path.GetFileName(Generator)})."));
        if (GuidedBySeed.Count >= 2)
        {
            sb.AppendLine();
            sb.AppendLine(string.Create(inv, $"Guided mode (W = {GuidanceWeight:G}) over {GuidedBySeed.Count} seeds:"));
            sb.AppendLine();
            sb.AppendLine("| seed | valid % | unique % | ms / unique valid | all % | unique satisfying |");
            sb.AppendLine("|---|---|---|---|---|---|");
            static double All(GuidedSeedRow r) => r.AllConditions ?? double.NaN;
            foreach (var r in GuidedBySeed)
                sb.AppendLine(string.Create(inv, $"| {r.Seed} | {r.Valid * 100:F1} | {r.Unique * 100:F1} | {r.MsPerUniqueValid:F2} | {All(r) * 100:F1} | {r.Satisfying} |"));
            var rows = GuidedBySeed;
            sb.AppendLine(string.Create(inv, $"| mean | {rows.Average(r => r.Valid) * 100:F1} | {rows.Average(r => r.Unique) * 100:F1} | {rows.Average(r => r.MsPerUniqueValid):F2} | {rows.Average(All) * 100:F1} | {rows.Average(r => r.Satisfying):F1} |"));
            sb.AppendLine(string.Create(inv, $"| worst | {rows.Min(r => r.Valid) * 100:F1} | {rows.Min(r => r.Unique) * 100:F1} | {rows.Max(r => r.MsPerUniqueValid):F2} | {rows.Min(All) * 100:F1} | {rows.Min(r => r.Satisfying)} |"));
            sb.AppendLine();
        }
        sb.Append(string.Create(inv, $"Sampling: {Samples} samples per mode, {SampleSteps} reverse steps, guidance at t/T <= {GuidanceStart:G}, {TorchThreads} torch thread(s); times are the median of {TimingRepeats} identical runs after a warm-up call.\n"));
        sb.Append(string.Create(inv, $"In the tables {TableBaseRate * 100:F3} % of the architectures satisfy every condition; rejection from the data distribution would need about {DataRejectionSamples ?? double.PositiveInfinity:F0} samples for the same {Rows[2].Satisfying}.\n"));
        return sb.ToString();
    }
}

/// <summary>
/// The DiNAS experiment for any set of conditions: trains (or reuses) a conditional discrete generator, then compares
/// unconditional sampling, the conditional model (W = 0), guided sampling (W) and rejection sampling from the
/// unconditional model and from the data distribution.
/// </summary>
public static class ConditionalBenchExperiment
{
    /// <summary>Runs the bench; the generator is cached in <paramref name="modelDir"/> (unlabelled lists from <paramref name="dataDir"/>).</summary>
    public static ConditionalBenchResult Run(ISearchSpace space, BenchmarkData data, ConditionalBenchSettings settings, string modelDir, string? dataDir,
        IProgress<ExperimentEvent>? progress = null)
    {
        var conds = settings.Conditions.Select(Condition.Parse).ToArray();
        foreach (var c in conds) c.Evaluate(data);   // fail early on unknown columns
        settings.Validate();
        Directory.CreateDirectory(modelDir);
        int seed = settings.Seed, count = settings.Samples, timings = settings.TimingRepeats;
        double weight = settings.GuidanceWeight, cfgStart = settings.GuidanceStart;
        var (gen, trained, path) = DiscreteModels.CachedConditional(modelDir, space, data, conds, settings.Preset, settings.TrainSteps,
            new TrainConfig().Batch, settings.Unlabelled, seed, dataDir, progress);
        using var _ = gen;
        var train = new HashSet<string>(gen.TrainingSet.Select(t => t.Arch), StringComparer.Ordinal);
        var texts = conds.Select(c => c.Text).ToArray();
        var all = gen.StatesFor(texts);
        using var oneThread = TorchThreads.One();   // after training, as always: sampling and its timings on one thread
        ConditionalRow Measure(string mode, byte[] states, double w, int sampleSeed)
        {
            // Every repeat draws the same samples (same seeds); only the time differs, and the median is kept.
            var times = new double[timings];
            List<DecodedSample> decoded = null!;
            for (int r = 0; r < timings; r++)
            {
                var clock = Stopwatch.StartNew();
                decoded = gen.SampleMany(count, settings.SampleSteps, sampleSeed, states, w, cfgStart);
                times[r] = clock.Elapsed.TotalSeconds;
            }
            Array.Sort(times);
            var result = new GenerationResult(GenerationMetrics.Flag(decoded, train), times[timings / 2]);
            var (valid, unique, novel) = GenerationMetrics.Rates(result.Records);
            var sat = Satisfaction(result, texts, data, out int satisfying);
            var row = new ConditionalRow(mode, w, count, valid, unique, novel, result.Seconds, result.SecondsPerUniqueValid * 1000,
                sat.ToDictionary(x => x.Condition, x => x.Fraction), satisfying);
            progress.Note($"{mode} W={w} seed {sampleSeed}: valid {valid:P1} unique {unique:P1} novel {novel:P1} {row.MsPerUniqueValid:F1} ms/uv, all conditions {sat.Last().Fraction:P1} ({satisfying} unique satisfying)");
            return row;
        }
        gen.Sample(Math.Min(count, 256), 3, seed, all, weight);   // warm-up at full batch size: JIT and allocator, not part of any timing
        var rows = new List<ConditionalRow>
        {
            Measure("unconditional", new byte[texts.Length], 0, seed),
            Measure("conditional", all, 0, seed),
            Measure("guided", all, weight, seed),
        };
        var guidedBySeed = new List<(int Seed, ConditionalRow Row)> { (seed, rows[2]) };
        for (int i = 1; i < settings.Seeds; i++) guidedBySeed.Add((seed + i, Measure("guided", all, weight, seed + i)));
        // Rejection sampling from the unconditional model: expected samples (and time) to collect as many unique
        // satisfying architectures as guided sampling produced, at the unconditional model's rate.
        var uncond = rows[0];
        var guided = rows[2];
        double rate = uncond.Satisfying / (double)uncond.N;
        double? rejectionSamples = rate == 0 ? null : guided.Satisfying / rate;
        double? rejectionSeconds = rejectionSamples * uncond.Seconds / uncond.N;
        // The null-conditioned model of a balanced generator over-represents satisfying cells, so also give the cost
        // of rejection from the data distribution itself (what a perfect unconditional generator would sample).
        var maps = conds.Select(c => c.Evaluate(data)).ToArray();
        var tableArchs = maps[0].Keys.ToArray();
        double baseRate = tableArchs.Count(a => maps.All(m => m.TryGetValue(a, out bool v) && v)) / (double)tableArchs.Length;
        double? dataRejection = baseRate == 0 ? null : guided.Satisfying / baseRate;
        return new ConditionalBenchResult(space.Name, texts, path, count, settings.SampleSteps, cfgStart, timings, trained, rows,
            guidedBySeed.Select(x => new GuidedSeedRow(x.Seed, x.Row.Valid, x.Row.Unique, x.Row.MsPerUniqueValid, x.Row.All, x.Row.Satisfying)).ToArray(),
            baseRate, dataRejection, rejectionSamples, rejectionSeconds, weight, TorchSharp.torch.get_num_threads());
    }

    /// <summary>
    /// Share of the unique valid architectures that satisfy each condition according to the tables (over those the tables
    /// know), and of all conditions jointly (key <c>all</c>); null when no generated architecture is in the tables. Also
    /// counts the unique valid architectures that satisfy every condition.
    /// </summary>
    public static List<(string Condition, double? Fraction)> Satisfaction(GenerationResult result, IReadOnlyList<string> conditions, BenchmarkData? data,
        out int satisfyingAll)
    {
        var list = new List<(string, double?)>();
        satisfyingAll = 0;
        if (conditions.Count == 0 || data is null) return list;
        var maps = conditions.Select(c => Condition.Parse(c).Evaluate(data)).ToArray();
        var uniques = result.Records.Where(r => r.Unique).Select(r => r.Arch!.ToString()).ToArray();
        double? Fraction(Func<string, bool?> test)
        {
            var known = uniques.Select(test).Where(v => v is not null).ToArray();
            return known.Length == 0 ? null : known.Count(v => v == true) / (double)known.Length;
        }
        for (int i = 0; i < conditions.Count; i++)
        {
            var m = maps[i];
            list.Add((conditions[i], Fraction(a => m.TryGetValue(a, out bool v) ? v : null)));
        }
        list.Add(("all", Fraction(a => maps.All(m => m.ContainsKey(a)) ? maps.All(m => m[a]) : null)));
        satisfyingAll = uniques.Count(a => maps.All(m => m.TryGetValue(a, out bool v) && v));
        return list;
    }
}
