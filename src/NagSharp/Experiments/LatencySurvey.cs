using System.Diagnostics;
using System.Globalization;
using NagSharp.Benchmarks;
using NagSharp.Networks;
using NagSharp.Spaces;
using TorchSharp;

namespace NagSharp.Experiments;

/// <summary>Settings of <see cref="LatencySurvey"/>.</summary>
/// <param name="Space">Search space name.</param>
/// <param name="Archs">Architectures to time (with <see cref="All"/> false and no <see cref="SampleFiles"/>).</param>
/// <param name="All">Time every architecture of the space's tables in key order, skipping rows already in <see cref="Table"/>:
/// the survey resumes by rerunning it.</param>
/// <param name="SampleFiles">Samples files whose unique architectures are timed instead, shuffled together into the
/// blocks so every file sees the same machine.</param>
/// <param name="Limit">With <see cref="All"/>: at most this many new architectures in this run (null: all).</param>
/// <param name="Meter">How each block is timed (batch, warm-up, repeats, clock, interleave, passes per turn).</param>
/// <param name="Threads">Torch intra-op threads, fixed for the whole run: one thread times the network, not the scheduler.</param>
/// <param name="Classes">Classifier outputs (null: the space's standard network, e.g. NB201 10, OFA 1000).</param>
/// <param name="Channels">Input channels.</param>
/// <param name="InputSize">Input side in pixels (null: the architecture's own resolution where it has one, as in
/// ofa_mbv3; else 32).</param>
/// <param name="Width">Channels of the first stage (null: the space's standard network).</param>
/// <param name="Cells">Cells per stage (null: the space's standard network).</param>
/// <param name="Spec">A whole network shape (from an exported spec) instead of the five fields above.</param>
/// <param name="Table">Latency table to append to and resume from (index, arch string, column), or null.</param>
/// <param name="Column">Name of the latency column.</param>
/// <param name="Recheck">Rows of <see cref="Table"/> to measure again, for the run-to-run noise.</param>
/// <param name="Seed">Weights, inputs and which rows are rechecked.</param>
/// <param name="Calibrate">Scale every block by the reference's stored time / its time now (null: whenever there is a
/// table), so a machine that is faster or slower as a whole does not move the table; true where it cannot work is an error.</param>
/// <param name="DataDir">Benchmark data directory (null: the default lookup).</param>
/// <param name="ExtraTables">Extra metric tables loaded beside the space's own.</param>
public sealed record LatencySurveySettings(string Space = "nb201", IReadOnlyList<Arch>? Archs = null, bool All = false, IReadOnlyList<string>? SampleFiles = null,
    int? Limit = null, LatencySettings? Meter = null, int Threads = 1, int? Classes = null, int Channels = 3, int? InputSize = null, int? Width = null, int? Cells = null, NetworkOptions? Spec = null,
    string? Table = null,
    string Column = "local_ms", int Recheck = 0, int Seed = 0, bool? Calibrate = null, string? DataDir = null, IReadOnlyList<string>? ExtraTables = null)
{
    /// <summary>Throws a user error naming the first unusable setting.</summary>
    public void Validate()
    {
        Guard.Positive(Threads, "threads");
        (Meter ?? new LatencySettings()).Validate();
        if (Column.Length == 0 || Column.IndexOfAny([',', '"', '\n', '\r']) >= 0) throw new NagUserException($"column '{Column}' is not a usable CSV column name");
        if (Limit is int l && l < 0) throw new NagUserException($"limit must be non-negative, got {l}");
        if (Recheck < 0) throw new NagUserException($"recheck must be non-negative, got {Recheck}");
        int modes = (All ? 1 : 0) + (SampleFiles is { Count: > 0 } ? 1 : 0) + (Archs is { Count: > 0 } ? 1 : 0);
        if (modes != 1) throw new NagUserException("give sample files, all, or architectures, one of them");
        if (All && Table is null) throw new NagUserException("all needs a table (the table it appends to and resumes from)");
        if (SampleFiles is { Count: > 0 } && Recheck > 0) throw new NagUserException("sample files and recheck do not go together: recheck a table with all and limit 0");
    }
}

/// <summary>One timed architecture.</summary>
/// <param name="Key">Its table key, when the tables have it.</param>
/// <param name="Arch">The architecture.</param>
/// <param name="Sample">Median and median absolute deviation of its timed passes (calibrated when the run is).</param>
public sealed record MeasuredArch(int? Key, Arch Arch, LatencySample Sample);

/// <summary>A row of the table measured again.</summary>
/// <param name="Key">Table key.</param>
/// <param name="StoredMs">The table's value.</param>
/// <param name="RemeasuredMs">This run's value.</param>
public sealed record RecheckedRow(int Key, double StoredMs, double RemeasuredMs);

/// <summary>How a calibrated run was scaled.</summary>
/// <param name="Key">The reference's table key (the tables' first architecture).</param>
/// <param name="Arch">The reference architecture.</param>
/// <param name="AnchorMs">The time every block was scaled to.</param>
/// <param name="Scales">Each block's factor, in order: where the machine was slow.</param>
public sealed record CalibrationSummary(int Key, Arch Arch, double? AnchorMs, IReadOnlyList<double> Scales);

/// <summary>The timed architectures of one samples file.</summary>
/// <param name="Path">The file.</param>
/// <param name="Unique">Unique valid architectures.</param>
/// <param name="Invalid">Lines with a null (invalid) sample.</param>
/// <param name="MeanMs">Mean latency.</param>
/// <param name="MedianMs">Median latency.</param>
/// <param name="MinMs">Fastest.</param>
public sealed record SampleFileLatency(string Path, int Unique, int Invalid, double MeanMs, double MedianMs, double MinMs);

/// <summary>What a latency survey measured, with its noise figures.</summary>
/// <param name="Space">Search space name.</param>
/// <param name="Options">The network shape (input side of the shape when <see cref="InputSizeFromArch"/> is false).</param>
/// <param name="InputSizeFromArch">Whether each network ran at its architecture's own input side.</param>
/// <param name="Meter">How blocks were timed.</param>
/// <param name="Threads">Torch threads.</param>
/// <param name="Measured">Newly timed architectures, in order.</param>
/// <param name="Rechecked">Table rows measured again.</param>
/// <param name="Seconds">Wall time of the measuring, including building the networks.</param>
/// <param name="Calibration">The calibration, or null for raw times.</param>
/// <param name="Table">The table's path, or null.</param>
/// <param name="Column">The latency column.</param>
/// <param name="RowsInTable">Rows in the table after the run, or null.</param>
/// <param name="SpaceSize">Architectures in the space, when countable.</param>
/// <param name="Correlations">Spearman correlation of the table's column with each other latency column of the tables
/// (best first), over the rows both have; at least three rows.</param>
/// <param name="Files">Per samples file figures.</param>
/// <param name="SingleInputSide">The input side of the one network timed, when exactly one was and none rechecked.</param>
public sealed record LatencySurveyResult(string Space, NetworkOptions Options, bool InputSizeFromArch, LatencySettings Meter, int Threads,
    IReadOnlyList<MeasuredArch> Measured, IReadOnlyList<RecheckedRow> Rechecked, double Seconds, CalibrationSummary? Calibration, string? Table,
    string Column, int? RowsInTable, long? SpaceSize, IReadOnlyList<(string Column, double Spearman, int N)> Correlations,
    IReadOnlyList<SampleFileLatency> Files, int? SingleInputSide)
{
    /// <summary>Seconds per architecture (NaN when none was timed).</summary>
    public double SecondsPerArch => Measured.Count + Rechecked.Count == 0 ? double.NaN : Seconds / (Measured.Count + Rechecked.Count);

    /// <summary>Median over architectures of MAD / median: the within-run noise.</summary>
    public double? WithinRunNoise => Measured.Count == 0 ? null : LatencyMeter.Median(Measured.Select(m => m.Sample.RelativeMad).ToArray());

    /// <summary>Median |remeasured / stored - 1|: the run-to-run noise.</summary>
    public double? RunToRunNoise => Rechecked.Count == 0 ? null : LatencyMeter.Median(Rechecked.Select(r => Math.Abs(r.RemeasuredMs / r.StoredMs - 1)).ToArray());

    /// <summary>
    /// Median remeasured / stored. A machine that is uniformly slower in this run (another job on the sibling core)
    /// moves every ratio alike; <see cref="RatioSpread"/> around it is what changes the ranking of architectures.
    /// </summary>
    public double? RatioMedian => Rechecked.Count == 0 ? null : LatencyMeter.Median(Rechecked.Select(r => r.RemeasuredMs / r.StoredMs).ToArray());

    /// <summary>Median |ratio / median ratio - 1|.</summary>
    public double? RatioSpread => RatioMedian is double sh ? LatencyMeter.Median(Rechecked.Select(r => Math.Abs(r.RemeasuredMs / r.StoredMs / sh - 1)).ToArray()) : null;

    /// <summary>Architectures of the space not yet in the table.</summary>
    public long? Remaining => RowsInTable is int rows && SpaceSize is long size ? size - rows : null;
}

/// <summary>
/// <c>nag latency</c>'s protocol: inference latency of networks built from architectures on this machine, as a table in
/// the benchmark layout that a rerun resumes. Networks are timed in blocks, interleaved, with a reference network in
/// every block whose stored time calibrates the block, so the machine's drifting speed does not move the table.
/// </summary>
public static class LatencySurvey
{
    /// <summary>Runs the survey: times the architectures, appends new rows to the table, rechecks stored rows.</summary>
    public static LatencySurveyResult Run(LatencySurveySettings settings, IProgress<ExperimentEvent>? progress = null)
    {
        settings.Validate();
        var meter = settings.Meter ?? new LatencySettings();
        var space = SpaceRegistry.Get(settings.Space);
        var targets = new List<Arch>();
        var sampleFiles = new List<(string Path, HashSet<string> Archs, int Invalid)>();
        if (settings.SampleFiles is { Count: > 0 } files)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string file in files)
            {
                var (read, invalid) = SampleFile.Read(space, file);
                sampleFiles.Add((file, read.Select(a => a.ToString()).ToHashSet(StringComparer.Ordinal), invalid));
                targets.AddRange(read.Where(a => seen.Add(a.ToString())));
            }
            if (targets.Count == 0) throw new NagUserException($"no valid architecture in {string.Join(", ", files)}");
            // Files side by side in every block: a VM whose speed swings 1.5x within a minute then slows both alike.
            new Random(settings.Seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(targets));
        }
        else if (!settings.All) targets.AddRange(settings.Archs!);
        var builder = NetworkRegistry.Get(space);
        var options = builder.Resolve(settings.Spec
            ?? new NetworkOptions(settings.Classes ?? builder.StandardClasses, settings.Channels, settings.InputSize ?? 32, settings.Width, settings.Cells));
        bool sizeGiven = settings.Spec is not null || settings.InputSize is not null;
        options.Validate();
        if (builder.CheckInputSize(options.InputSize) is string why) throw new NagUserException(why);
        string? path = settings.Table;
        var data = path is not null || settings.All || settings.Recheck > 0 ? LoadData(space, settings, required: true) : LoadData(space, settings, required: false);
        var table = path is null ? null : LatencyTable.Open(path, settings.Column, data!);
        if (settings.Recheck > 0 && (table is null || table.Values.Count == 0)) throw new NagUserException("recheck needs a table with measured rows");

        torch.set_num_threads(settings.Threads);
        var todo = new List<(int? Key, Arch Arch)>();
        if (settings.All)
        {
            int max = settings.Limit ?? int.MaxValue;
            foreach (int k in data!.Keys)
            {
                if (todo.Count >= max) break;
                if (!table!.Values.ContainsKey(k)) todo.Add((k, data.ArchOf(k)));
            }
        }
        else todo.AddRange(targets.Select(a => (data?.KeyOf(a), a)));

        var rng = new Random(settings.Seed);
        var recheckKeys = table is null ? [] : table.Values.Keys.Order().ToArray();
        rng.Shuffle(recheckKeys);
        recheckKeys = recheckKeys[..Math.Min(settings.Recheck, recheckKeys.Length)];

        // Calibration: the reference is the tables' first architecture; its stored row (or, in a fresh table, its time in
        // the first block) is the anchor every block is scaled to.
        // Calibrated rechecks repeat 3.0-3.4 % on a VM whose speed moves by up to 27 % between runs (plain: 7-28 %), so it
        // is the default for tables; asked for explicitly, it is also an error where it cannot work.
        Calibration? calibration = null;
        bool askedCalibrate = settings.Calibrate == true;
        if (askedCalibrate || (table is not null && settings.Calibrate is null))
        {
            if (data is null || table is null) throw new NagUserException("calibrate needs a table (the table holds the reference's anchor time)");
            int refKey = data.Keys.First();
            calibration = new Calibration(refKey, data.ArchOf(refKey), table.Values.TryGetValue(refKey, out double anchor) ? anchor : null);
            if (calibration.AnchorMs is null && recheckKeys.Length > 0)
            {
                if (askedCalibrate)
                    throw new NagUserException($"calibrate with recheck: {path} has no row for the reference architecture (key {refKey}); measure it first");
                progress.Note($"nag: note: {path} has no row for the reference architecture (key {refKey}); timing without calibration");
                calibration = null;
            }
        }
        var measured = new List<MeasuredArch>();
        var rechecked = new List<RecheckedRow>();
        var clock = Stopwatch.StartNew();
        int totalWork = todo.Count + recheckKeys.Length, done = 0;
        foreach (var chunk in todo.Chunk(meter.Interleave))
        {
            var samples = MeasureBlock(builder, chunk.Select(t => t.Arch).ToArray(), options, sizeGiven, meter, settings.Seed, calibration);
            for (int i = 0; i < chunk.Length; i++)
            {
                var (key, a) = chunk[i];
                measured.Add(new MeasuredArch(key, a, samples[i]));
                // The reference's own row is the anchor itself, so a later run scales to exactly what this one did.
                double value = calibration is { AnchorMs: double anchor } && key == calibration.Key ? anchor : samples[i].MedianMs;
                if (table is not null && key is int k && !table.Values.ContainsKey(k)) table.Append(k, a, value);
            }
            // A table begun with single rows holds the anchor too, so its later runs and rechecks scale to it.
            if (calibration is { AnchorMs: double refMs } && !table!.Values.ContainsKey(calibration.Key))
                table.Append(calibration.Key, calibration.Arch, refMs);
            done += chunk.Length;
            progress.Step("latency", done, totalWork, string.Create(CultureInfo.InvariantCulture, $"{samples[^1].MedianMs:F2} ms"));
        }
        foreach (var chunk in recheckKeys.Chunk(meter.Interleave))
        {
            var samples = MeasureBlock(builder, chunk.Select(k => data!.ArchOf(k)).ToArray(), options, sizeGiven, meter, settings.Seed, calibration);
            for (int i = 0; i < chunk.Length; i++) rechecked.Add(new RecheckedRow(chunk[i], table!.Values[chunk[i]], samples[i].MedianMs));
            done += chunk.Length;
            progress.Step("latency", done, totalWork, "recheck");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        // Whether each network ran at its own architecture's input side (OFA resolutions) rather than one side for all.
        bool sizePerArch = !sizeGiven && builder.FixesInputSize;
        var byArch = measured.GroupBy(m => m.Arch.ToString()).ToDictionary(g => g.Key, g => g.First().Sample.MedianMs, StringComparer.Ordinal);
        var fileStats = sampleFiles.Select(f =>
        {
            var ms = f.Archs.Select(a => byArch[a]).Order().ToArray();
            return new SampleFileLatency(f.Path, ms.Length, f.Invalid, ms.Average(), LatencyMeter.Median(ms), ms[0]);
        }).ToList();
        int? side = measured.Count == 1 && rechecked.Count == 0 ? builder.OptionsFor(measured[0].Arch, options, !sizePerArch).InputSize : null;
        return new LatencySurveyResult(space.Name, options, sizePerArch, meter, settings.Threads, measured, rechecked, seconds,
            calibration is null ? null : new CalibrationSummary(calibration.Key, calibration.Arch, calibration.AnchorMs, calibration.Scales),
            path, settings.Column, table?.Values.Count, space.Size, Correlations(table, data, settings.Column), fileStats, side);
    }

    /// <summary>A stable per-architecture seed (FNV-1a of the string form mixed with the run seed).</summary>
    public static long WeightSeed(int seed, Arch arch)
    {
        ulong h = 14695981039346656037UL ^ (ulong)(uint)seed;
        foreach (char c in arch.ToString()) { h ^= c; h *= 1099511628211UL; }
        return (long)(h & 0x7FFFFFFFFFFFFFFF);
    }

    private static BenchmarkData? LoadData(ISearchSpace space, LatencySurveySettings s, bool required)
    {
        if (required) return BenchmarkData.Load(space, DataLocator.Resolve(s.DataDir), s.ExtraTables ?? []);
        return BenchmarkData.LoadIfFound(space, s.DataDir, s.ExtraTables);
    }

    // Rank agreement with every latency column the tables have (names ending in _ms), over the rows in the table.
    private static List<(string Column, double Spearman, int N)> Correlations(LatencyTable? table, BenchmarkData? data, string column)
    {
        var correlations = new List<(string Column, double Spearman, int N)>();
        if (table is not null && data is not null && table.Values.Count >= 3)
            foreach (var c in data.Columns.Where(c => c.EndsWith("_ms", StringComparison.Ordinal) && c != column))
            {
                var pairs = table.Values.Select(kv => (Local: kv.Value, Other: data.Get(data.ArchOf(kv.Key), c))).Where(t => t.Other is not null).ToArray();
                if (pairs.Length >= 3) correlations.Add((c, Stats.Spearman(pairs.Select(t => t.Local).ToArray(), pairs.Select(t => t.Other!.Value).ToArray()), pairs.Length));
            }
        correlations.Sort((a, b) => b.Spearman.CompareTo(a.Spearman));
        return correlations;
    }

    /// <summary>
    /// The reference of a calibrated run: an architecture timed in every block, and the time every block is scaled to
    /// (null until the first block of a fresh table sets it). Scales records each block's factor, for the summary.
    /// </summary>
    internal sealed class Calibration(int key, Arch arch, double? anchorMs)
    {
        public int Key { get; } = key;
        public Arch Arch { get; } = arch;
        public double? AnchorMs { get; set; } = anchorMs;
        public List<double> Scales { get; } = [];
    }

    /// <summary>
    /// Builds the networks of one block and times them interleaved. Each network's weights come from a seed derived from
    /// (seed, architecture), so a later run or a recheck times exactly the same network, not one with other weights. A
    /// calibrated block also times the reference and scales every sample by anchor / reference-now.
    /// </summary>
    internal static LatencySample[] MeasureBlock(INetworkBuilder builder, Arch[] archs, NetworkOptions options, bool sizeGiven, LatencySettings settings, int seed,
        Calibration? calibration)
    {
        var nets = new List<NetworkModule>(archs.Length + 1);
        try
        {
            foreach (var a in calibration is null ? archs : [calibration.Arch, .. archs])
            {
                torch.manual_seed(WeightSeed(seed, a));
                nets.Add(builder.Build(a, builder.OptionsFor(a, options, sizeGiven)));
            }
            var samples = LatencyMeter.MeasureInterleaved(nets, settings);
            if (calibration is null) return samples;
            double now = samples[0].MedianMs;
            calibration.AnchorMs ??= now;
            double scale = calibration.AnchorMs.Value / now;
            calibration.Scales.Add(scale);
            return samples[1..].Select(x => new LatencySample(x.MedianMs * scale, x.MadMs * scale)).ToArray();
        }
        finally { foreach (var n in nets) n.Dispose(); }
    }
}
