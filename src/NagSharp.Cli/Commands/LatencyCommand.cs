using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using NagSharp.Networks;
using NagSharp.Spaces;
using TorchSharp;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag latency</c>: inference latency of networks on this machine, as a benchmark-layout table.</summary>
public static class LatencyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var arch = new ArchOptions();
        var all = new Option<bool>("--all") { Description = "Every architecture of the tables, in key order; resumes: rows already in --out are skipped" };
        var limit = new Option<int?>("--limit") { Description = "With --all: measure at most this many new architectures in this run" };
        var batch = new Option<int>("--batch") { Description = "Images per forward pass", DefaultValueFactory = _ => 1 };
        var inputSize = new Option<int?>("--input-size") { Description = "Input side in pixels (default: the architecture's own resolution where it has one, as in ofa_mbv3; else 32)" };
        var channels = new Option<int>("--channels") { Description = "Input channels", DefaultValueFactory = _ => 3 };
        var classes = new Option<int?>("--classes") { Description = "Classifier outputs (default: the space's standard network, e.g. NB201 10, OFA 1000)" };
        var warmup = new Option<int>("--warmup") { Description = "Untimed passes before timing", DefaultValueFactory = _ => new LatencySettings().Warmup };
        var repeats = new Option<int>("--repeats") { Description = "Timed passes; the latency is their median", DefaultValueFactory = _ => new LatencySettings().Repeats };
        var threads = new Option<int>("--threads") { Description = "Torch intra-op threads (fixed for the whole run)", DefaultValueFactory = _ => 1 };
        var outPath = new Option<string?>("--out") { Description = "Latency table to append to (index,arch_str,<column>); required with --all" };
        var column = new Option<string>("--column") { Description = "Name of the latency column", DefaultValueFactory = _ => "local_ms" };
        var recheck = new Option<int>("--recheck") { Description = "Measure this many architectures already in --out again and report the run-to-run noise", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Random seed (weights, input, which rows --recheck picks)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        var turnPasses = new Option<int>("--turn-passes") { Description = "Passes per network at its turn of a round, the first untimed (it brings the network back into the caches after its neighbours)", DefaultValueFactory = _ => new LatencySettings().TurnPasses };
        var interleave = new Option<int>("--interleave") { Description = "Build this many networks at a time and time them in rotation (1: one network after another)", DefaultValueFactory = _ => new LatencySettings().Interleave };
        var calibrate = new Option<bool>("--calibrate") { Description = "Time a reference network (the table's first architecture) in every block and scale the block's times by reference-stored / reference-now, so a machine that is faster or slower as a whole, between runs or within one, does not move the table. The default whenever --out is given" };
        var samplesOpt = new Option<string[]>("--samples") { Description = "Time the unique architectures of `nag generate --out` files (repeatable) instead, shuffled together into the blocks so every file sees the same machine; prints each file's mean and median. With --out they are calibrated into that table's units" };
        var noCalibrate = new Option<bool>("--no-calibrate") { Description = "With --out: store the raw times (no reference network, no scaling)" };
        var clockOpt = new Option<string?>("--clock") { Description = "wall or cpu (the measuring thread's CPU time; robust on a shared CPU). Default: cpu with --threads 1 where available, else wall" };
        var cmd = new Command("latency", "Time inference of networks built from architectures on this machine (median of repeats, fixed threads)")
            { all, limit, batch, inputSize, channels, classes, warmup, repeats, threads, outPath, column, recheck, seed, json, clockOpt, interleave, turnPasses, calibrate, noCalibrate, samplesOpt };
        arch.AddTo(cmd);
        cmd.SetAction(p => ctx.Guard(() =>
        {
            int nThreads = p.GetValue(threads);
            if (nThreads < 1) throw new NagUserException($"--threads must be at least 1, got {nThreads}");
            var clockKind = p.GetValue(clockOpt) switch
            {
                null => nThreads == 1 && LatencyMeter.ThreadCpuClockAvailable ? LatencyClock.ThreadCpu : LatencyClock.Wall,
                "wall" => LatencyClock.Wall,
                "cpu" when nThreads != 1 => throw new NagUserException("--clock cpu times the calling thread only, so it needs --threads 1"),
                "cpu" when !LatencyMeter.ThreadCpuClockAvailable => throw new NagUserException("--clock cpu needs a thread CPU clock (Linux)"),
                "cpu" => LatencyClock.ThreadCpu,
                var other => throw new NagUserException($"--clock '{other}' is not wall or cpu"),
            };
            var settings = new LatencySettings(p.GetValue(batch), p.GetValue(warmup), p.GetValue(repeats), clockKind, p.GetValue(interleave), p.GetValue(turnPasses));
            settings.Validate();
            string col = p.GetValue(column)!;
            if (col.Length == 0 || col.IndexOfAny([',', '"', '\n', '\r']) >= 0) throw new NagUserException($"--column '{col}' is not a usable CSV column name");
            ISearchSpace space;
            List<Arch> targets = [];
            NetworkOptions? specOptions = null;
            int? width, cells;
            var sampleFiles = new List<(string Path, HashSet<string> Archs, int Invalid)>();
            string[] samplePaths = p.GetValue(samplesOpt) ?? [];
            if (samplePaths.Length > 0)
            {
                if (p.GetValue(all) || p.GetValue(arch.Arch) is not null || p.GetValue(arch.Spec) is not null) throw new NagUserException("give --samples, --all or --arch/--spec, one of them");
                // With --out the table's reference calibrates the samples into the table's units (so they compare with its
                // rows and with conditions on them); only samples that are table rows get written.
                if (p.GetValue(recheck) > 0) throw new NagUserException("--samples and --recheck do not go together: recheck a table with --all --limit 0");
                space = SpaceRegistry.Get(p.GetValue(arch.Space)!);
                width = p.GetValue(arch.Width);
                cells = p.GetValue(arch.Cells);
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (string file in samplePaths)
                {
                    var (read, invalid) = CliHelpers.ReadSamples(space, file);
                    sampleFiles.Add((file, read.Select(a => a.ToString()).ToHashSet(StringComparer.Ordinal), invalid));
                    targets.AddRange(read.Where(a => seen.Add(a.ToString())));
                }
                if (targets.Count == 0) throw new NagUserException($"no valid architecture in {string.Join(", ", samplePaths)}");
                // Files side by side in every block: a VM whose speed swings 1.5x within a minute then slows both alike.
                new Random(p.GetValue(seed)).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(targets));
            }
            else if (p.GetValue(all))
            {
                if (p.GetValue(arch.Arch) is not null || p.GetValue(arch.Spec) is not null) throw new NagUserException("give either --all or --arch/--spec");
                space = SpaceRegistry.Get(p.GetValue(arch.Space)!);
                width = p.GetValue(arch.Width);
                cells = p.GetValue(arch.Cells);
            }
            else
            {
                (space, var a, specOptions, width, cells) = arch.Read(ctx, p);
                targets.Add(a);
            }
            var builder = NetworkRegistry.Get(space);
            var options = builder.Resolve(specOptions ?? new NetworkOptions(p.GetValue(classes) ?? builder.StandardClasses, p.GetValue(channels), p.GetValue(inputSize) ?? 32, width, cells));
            bool sizeGiven = specOptions is not null || p.GetValue(inputSize) is not null;
            options.Validate();
            if (builder.CheckInputSize(options.InputSize) is string why) throw new NagUserException(why);
            string? path = p.GetValue(outPath);
            if (p.GetValue(all) && path is null) throw new NagUserException("--all needs --out (the table it appends to and resumes from)");
            var data = path is not null || p.GetValue(all) || p.GetValue(recheck) > 0 ? CliHelpers.LoadData(space, p.GetValue(ctx.DataDir)) : CliHelpers.LoadDataOrNull(space, p.GetValue(ctx.DataDir));
            var table = path is null ? null : LatencyTable.Open(path, col, data!);
            if (p.GetValue(recheck) > 0 && (table is null || table.Values.Count == 0)) throw new NagUserException("--recheck needs --out with measured rows");

            torch.set_num_threads(nThreads);
            var todo = new List<(int? Key, Arch Arch)>();
            if (p.GetValue(all))
            {
                int max = p.GetValue(limit) ?? int.MaxValue;
                if (max < 0) throw new NagUserException($"--limit must be non-negative, got {max}");
                foreach (int k in data!.Keys)
                {
                    if (todo.Count >= max) break;
                    if (!table!.Values.ContainsKey(k)) todo.Add((k, data.ArchOf(k)));
                }
            }
            else todo.AddRange(targets.Select(a => (data?.KeyOf(a), a)));

            var rng = new Random(p.GetValue(seed));
            var recheckKeys = table is null ? [] : table.Values.Keys.Order().ToArray();
            rng.Shuffle(recheckKeys);
            recheckKeys = recheckKeys[..Math.Min(p.GetValue(recheck), recheckKeys.Length)];

            // Calibration: the reference is the tables' first architecture; its stored row (or, in a fresh table, its time in
            // the first block) is the anchor every block is scaled to.
            // Calibrated rechecks repeat 3.0-3.4 % on a VM whose speed moves by up to 27 % between runs (plain: 7-28 %), so it
            // is the default for tables; asked for explicitly, it is also an error where it cannot work.
            Calibration? calibration = null;
            bool askedCalibrate = p.GetValue(calibrate);
            if (askedCalibrate && p.GetValue(noCalibrate)) throw new NagUserException("give --calibrate or --no-calibrate, not both");
            if (askedCalibrate || (table is not null && !p.GetValue(noCalibrate)))
            {
                if (data is null || table is null) throw new NagUserException("--calibrate needs --out (the table holds the reference's anchor time)");
                int refKey = data.Keys.First();
                calibration = new Calibration(refKey, data.ArchOf(refKey), table.Values.TryGetValue(refKey, out double anchor) ? anchor : null);
                if (calibration.AnchorMs is null && recheckKeys.Length > 0)
                {
                    if (askedCalibrate)
                        throw new NagUserException($"--calibrate --recheck: {path} has no row for the reference architecture (key {refKey}); measure it first");
                    ctx.Err.WriteLine($"nag: note: {path} has no row for the reference architecture (key {refKey}); timing without calibration");
                    calibration = null;
                }
            }
            var measured = new List<(int? Key, Arch Arch, LatencySample Sample)>();
            var rechecked = new List<(int Key, double Old, double New)>();
            var clock = Stopwatch.StartNew();
            int totalWork = todo.Count + recheckKeys.Length;
            ProgressRunner.Run(ctx, "latency", report =>
            {
                int done = 0;
                foreach (var chunk in todo.Chunk(settings.Interleave))
                {
                    var samples = MeasureBlock(builder, chunk.Select(t => t.Arch).ToArray(), options, sizeGiven, settings, p.GetValue(seed), calibration);
                    for (int i = 0; i < chunk.Length; i++)
                    {
                        var (key, a) = chunk[i];
                        measured.Add((key, a, samples[i]));
                        // The reference's own row is the anchor itself, so a later run scales to exactly what this one did.
                        double value = calibration is { AnchorMs: double anchor } && key == calibration.Key ? anchor : samples[i].MedianMs;
                        if (table is not null && key is int k && !table.Values.ContainsKey(k)) table.Append(k, a, value);
                    }
                    // A table begun with --arch rows holds the anchor too, so its later runs and rechecks scale to it.
                    if (calibration is { AnchorMs: double refMs } && !table!.Values.ContainsKey(calibration.Key))
                        table.Append(calibration.Key, calibration.Arch, refMs);
                    done += chunk.Length;
                    report(done, totalWork, string.Create(CultureInfo.InvariantCulture, $"{samples[^1].MedianMs:F2} ms"));
                }
                foreach (var chunk in recheckKeys.Chunk(settings.Interleave))
                {
                    var samples = MeasureBlock(builder, chunk.Select(k => data!.ArchOf(k)).ToArray(), options, sizeGiven, settings, p.GetValue(seed), calibration);
                    for (int i = 0; i < chunk.Length; i++) rechecked.Add((chunk[i], table!.Values[chunk[i]], samples[i].MedianMs));
                    done += chunk.Length;
                    report(done, totalWork, "recheck");
                }
            });
            double seconds = clock.Elapsed.TotalSeconds;
            // Whether each network ran at its own architecture's input side (OFA resolutions) rather than one side for all.
            Report(ctx, p.GetValue(json), space, options, !sizeGiven && builder.FixesInputSize, settings, nThreads, measured, rechecked, seconds, table, data, col, path, calibration, builder, sampleFiles);
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>
    /// The reference of a calibrated run: an architecture timed in every block, and the time every block is scaled to
    /// (null until the first block of a fresh table sets it). Scales records each block's factor, for the summary.
    /// </summary>
    private sealed class Calibration(int key, Arch arch, double? anchorMs)
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
    private static LatencySample[] MeasureBlock(INetworkBuilder builder, Arch[] archs, NetworkOptions options, bool sizeGiven, LatencySettings settings, int seed,
        Calibration? calibration = null)
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

    /// <summary>A stable per-architecture seed (FNV-1a of the string form mixed with the run seed).</summary>
    internal static long WeightSeed(int seed, Arch arch)
    {
        ulong h = 14695981039346656037UL ^ (ulong)(uint)seed;
        foreach (char c in arch.ToString()) { h ^= c; h *= 1099511628211UL; }
        return (long)(h & 0x7FFFFFFFFFFFFFFF);
    }

    private static void Report(CliContext ctx, bool json, ISearchSpace space, NetworkOptions options, bool sizePerArch, LatencySettings settings, int threads,
        List<(int? Key, Arch Arch, LatencySample Sample)> measured, List<(int Key, double Old, double New)> rechecked, double seconds,
        LatencyTable? table, Benchmarks.BenchmarkData? data, string column, string? path, Calibration? calibration, INetworkBuilder builder,
        List<(string Path, HashSet<string> Archs, int Invalid)> sampleFiles)
    {
        double perArch = measured.Count + rechecked.Count == 0 ? double.NaN : seconds / (measured.Count + rechecked.Count);
        double? withinNoise = measured.Count == 0 ? null : LatencyMeter.Median(measured.Select(m => m.Sample.RelativeMad).ToArray());
        double? runToRun = rechecked.Count == 0 ? null : LatencyMeter.Median(rechecked.Select(r => Math.Abs(r.New / r.Old - 1)).ToArray());
        // A machine that is uniformly slower in this run (another job on the sibling core) moves every ratio alike; the
        // spread of the ratios around their median is what changes the ranking of architectures.
        double? shift = rechecked.Count == 0 ? null : LatencyMeter.Median(rechecked.Select(r => r.New / r.Old).ToArray());
        double? spread = shift is double sh ? LatencyMeter.Median(rechecked.Select(r => Math.Abs(r.New / r.Old / sh - 1)).ToArray()) : null;
        long? remaining = table is not null && space.Size is long size ? size - table.Values.Count : null;
        // Rank agreement with every latency column the tables have (names ending in _ms), over the rows in the table.
        var correlations = new List<(string Column, double Spearman, int N)>();
        if (table is not null && data is not null && table.Values.Count >= 3)
            foreach (var c in data.Columns.Where(c => c.EndsWith("_ms", StringComparison.Ordinal) && c != column))
            {
                var pairs = table.Values.Select(kv => (Local: kv.Value, Other: data.Get(data.ArchOf(kv.Key), c))).Where(t => t.Other is not null).ToArray();
                if (pairs.Length >= 3) correlations.Add((c, Stats.Spearman(pairs.Select(t => t.Local).ToArray(), pairs.Select(t => t.Other!.Value).ToArray()), pairs.Length));
            }
        correlations.Sort((a, b) => b.Spearman.CompareTo(a.Spearman));
        var byArch = measured.GroupBy(m => m.Arch.ToString()).ToDictionary(g => g.Key, g => g.First().Sample.MedianMs, StringComparer.Ordinal);
        var fileStats = sampleFiles.Select(f =>
        {
            var ms = f.Archs.Select(a => byArch[a]).Order().ToArray();
            return (f.Path, Unique: ms.Length, f.Invalid, Mean: ms.Average(), Median: LatencyMeter.Median(ms), Min: ms[0]);
        }).ToList();
        if (json)
        {
            ctx.Out.WriteLine(Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("space", space.Name);
                if (options.Width is int wd) w.WriteNumber("width", wd);
                if (options.CellsPerStage is int cps) w.WriteNumber("cells_per_stage", cps);
                if (sizePerArch) w.WriteBoolean("input_size_from_arch", true);
                else w.WriteNumber("input_size", options.InputSize);
                w.WriteNumber("classes", options.Classes);
                w.WriteNumber("batch", settings.Batch);
                w.WriteNumber("threads", threads);
                w.WriteNumber("warmup", settings.Warmup);
                w.WriteNumber("repeats", settings.Repeats);
                w.WriteNumber("interleave", settings.Interleave);
                w.WriteNumber("turn_passes", settings.TurnPasses);
                w.WriteString("clock", settings.Clock == LatencyClock.ThreadCpu ? "cpu" : "wall");
                w.WriteBoolean("calibrated", calibration is not null);
                if (calibration is { AnchorMs: double anchor })
                {
                    w.WriteNumber("reference_key", calibration.Key);
                    w.WriteString("reference_arch", calibration.Arch.ToString());
                    w.WriteNumber("reference_anchor_ms", anchor);
                    if (calibration.Scales.Count > 0)
                    {
                        w.WriteNumber("calibration_scale_median", LatencyMeter.Median(calibration.Scales));
                        w.WriteNumber("calibration_scale_min", calibration.Scales.Min());
                        w.WriteNumber("calibration_scale_max", calibration.Scales.Max());
                        w.WriteStartArray("calibration_scales");   // per block, in order: where the machine was slow
                        foreach (double sc in calibration.Scales) w.WriteNumberValue(sc);
                        w.WriteEndArray();
                    }
                }
                w.WriteNumber("measured", measured.Count);
                w.WriteNumber("rechecked", rechecked.Count);
                w.WriteNumber("seconds", seconds);
                if (double.IsFinite(perArch)) w.WriteNumber("seconds_per_arch", perArch);
                if (withinNoise is double wn) w.WriteNumber("within_run_rel_mad_median", wn);
                if (runToRun is double rr) w.WriteNumber("run_to_run_rel_diff_median", rr);
                if (shift is double sj) w.WriteNumber("run_to_run_ratio_median", sj);
                if (spread is double sp) w.WriteNumber("run_to_run_ratio_spread", sp);
                if (table is not null) w.WriteNumber("rows_in_table", table.Values.Count);
                if (remaining is long rem && double.IsFinite(perArch)) w.WriteNumber("extrapolated_seconds_for_remaining", rem * perArch);
                if (space.Size is long sz && double.IsFinite(perArch)) w.WriteNumber("extrapolated_seconds_for_space", sz * perArch);
                w.WriteStartArray("archs");
                foreach (var (key, a, s) in measured)
                {
                    w.WriteStartObject();
                    if (key is int k) w.WriteNumber("key", k);
                    w.WriteString("arch", a.ToString());
                    w.WriteNumber("median_ms", s.MedianMs);
                    w.WriteNumber("mad_ms", s.MadMs);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("rechecks");
                foreach (var (k, old, now) in rechecked)
                {
                    w.WriteStartObject();
                    w.WriteNumber("key", k);
                    w.WriteNumber("stored_ms", old);
                    w.WriteNumber("remeasured_ms", now);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                if (fileStats.Count > 0)
                {
                    w.WriteStartArray("files");
                    foreach (var f in fileStats)
                    {
                        w.WriteStartObject();
                        w.WriteString("path", f.Path);
                        w.WriteNumber("unique", f.Unique);
                        w.WriteNumber("invalid_lines", f.Invalid);
                        w.WriteNumber("mean_ms", f.Mean);
                        w.WriteNumber("median_ms", f.Median);
                        w.WriteNumber("min_ms", f.Min);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                w.WriteStartObject("spearman");
                foreach (var (c, rho, n) in correlations) w.WriteNumber(c, rho);
                w.WriteEndObject();
                w.WriteEndObject();
            }));
            return;
        }
        var inv = CultureInfo.InvariantCulture;
        if (measured.Count == 1 && rechecked.Count == 0)
        {
            var (_, a, s) = measured[0];
            int side = builder.OptionsFor(a, options, !sizePerArch).InputSize;
            ctx.Out.WriteLine(string.Create(inv, $"{a}: {s.MedianMs:F3} ms (MAD {s.MadMs:F3} ms, {s.RelativeMad * 100:F1}%) batch {settings.Batch}, {side}x{side}, {options.ShapeText()}, {options.Classes} classes, {threads} thread(s), {(settings.Clock == LatencyClock.ThreadCpu ? "thread CPU" : "wall")} clock"));
        }
        else
        {
            ctx.Out.WriteLine(string.Create(inv, $"measured {measured.Count} architectures{(rechecked.Count > 0 ? $" and rechecked {rechecked.Count}" : "")} in {seconds:F1} s ({perArch * 1000:F0} ms each incl. building), batch {settings.Batch}, {threads} thread(s), {settings.Warmup} warm-up + {settings.Repeats} timed passes in rotation over blocks of {settings.Interleave}, {(settings.Clock == LatencyClock.ThreadCpu ? "thread CPU" : "wall")} clock"));
            if (withinNoise is double wn) ctx.Out.WriteLine(string.Create(inv, $"within-run noise: median MAD/median over architectures {wn * 100:F2}%"));
            if (runToRun is double rr) ctx.Out.WriteLine(string.Create(inv, $"run-to-run noise: median |remeasured/stored - 1| over {rechecked.Count} architectures {rr * 100:F2}% (median ratio {shift:F3}, spread around it {spread * 100:F2}%)"));
            if (calibration is { AnchorMs: double anchor } && calibration.Scales.Count > 0)
                ctx.Out.WriteLine(string.Create(inv, $"calibrated to the reference (key {calibration.Key}) at {anchor:F3} ms: block scales median {LatencyMeter.Median(calibration.Scales):F3}, range {calibration.Scales.Min():F3}-{calibration.Scales.Max():F3}"));
        }
        if (table is not null)
        {
            ctx.Out.WriteLine($"{path}: {table.Values.Count} rows{(space.Size is long sz ? $" of {sz}" : "")}");
            if (remaining is long rem && rem > 0 && double.IsFinite(perArch))
                ctx.Out.WriteLine(string.Create(inv, $"at this rate the remaining {rem} architectures take {rem * perArch / 60:F0} min (resume with the same command)"));
        }
        foreach (var f in fileStats)
            ctx.Out.WriteLine(string.Create(inv, $"{f.Path}: {f.Unique} unique architectures ({f.Invalid} invalid lines): mean {f.Mean:F3} ms, median {f.Median:F3} ms, fastest {f.Min:F3} ms"));
        foreach (var (c, rho, n) in correlations)
            ctx.Out.WriteLine(string.Create(inv, $"Spearman {column} vs {c}: {rho:F3} ({n} architectures)"));
    }
}
