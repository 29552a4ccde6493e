using System.CommandLine;
using System.Text.Json;
using System.Globalization;
using NagSharp.Networks;
using NagSharp.Spaces;

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
            var meter = new LatencySettings(p.GetValue(batch), p.GetValue(warmup), p.GetValue(repeats), clockKind, p.GetValue(interleave), p.GetValue(turnPasses));
            meter.Validate();
            string[] samplePaths = p.GetValue(samplesOpt) ?? [];
            bool givenArch = p.GetValue(arch.Arch) is not null || p.GetValue(arch.Spec) is not null;
            if (samplePaths.Length > 0 && (p.GetValue(all) || givenArch)) throw new NagUserException("give --samples, --all or --arch/--spec, one of them");
            if (samplePaths.Length > 0 && p.GetValue(recheck) > 0) throw new NagUserException("--samples and --recheck do not go together: recheck a table with --all --limit 0");
            if (p.GetValue(all) && givenArch) throw new NagUserException("give either --all or --arch/--spec");
            if (p.GetValue(calibrate) && p.GetValue(noCalibrate)) throw new NagUserException("give --calibrate or --no-calibrate, not both");
            if (p.GetValue(all) && p.GetValue(outPath) is null) throw new NagUserException("--all needs --out (the table it appends to and resumes from)");
            string spaceName = p.GetValue(arch.Space)!;
            int? width = p.GetValue(arch.Width), cells = p.GetValue(arch.Cells);
            Arch[]? archs = null;
            NetworkOptions? spec = null;
            if (samplePaths.Length == 0 && !p.GetValue(all))
            {
                (var s, var a, spec, width, cells) = arch.Read(ctx, p);
                (spaceName, archs) = (s.Name, [a]);
            }
            var settings = new LatencySurveySettings(spaceName, archs, p.GetValue(all), samplePaths, p.GetValue(limit), meter, nThreads,
                p.GetValue(classes), p.GetValue(channels), p.GetValue(inputSize), width, cells, spec, p.GetValue(outPath), p.GetValue(column)!, p.GetValue(recheck),
                p.GetValue(seed), p.GetValue(calibrate) ? true : p.GetValue(noCalibrate) ? false : null, p.GetValue(ctx.DataDir), CliHelpers.ExtraTables);
            var result = CliHelpers.WithFlags(Flags, () => ProgressRunner.Observe(ctx, progress => LatencySurvey.Run(settings, progress)));
            if (p.GetValue(json)) ctx.Out.WriteLine(JsonSerializer.Serialize(LatencyJson.Of(result), Json.SerializerOptions));
            else Report(ctx, result);
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>
    {
        ["threads"] = "--threads", ["column"] = "--column", ["limit"] = "--limit", ["recheck"] = "--recheck",
        ["recheck needs a table"] = "--recheck needs --out", ["calibrate needs a table"] = "--calibrate needs --out", ["calibrate with recheck"] = "--calibrate --recheck",
    };

    private static void Report(CliContext ctx, LatencySurveyResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var m = r.Meter;
        string clock = m.Clock == LatencyClock.ThreadCpu ? "thread CPU" : "wall";
        if (r.SingleInputSide is int side)
        {
            var (_, a, s) = r.Measured[0];
            ctx.Out.WriteLine(string.Create(inv, $"{a}: {s.MedianMs:F3} ms (MAD {s.MadMs:F3} ms, {s.RelativeMad * 100:F1}%) batch {m.Batch}, {side}x{side}, {r.Options.ShapeText()}, {r.Options.Classes} classes, {r.Threads} thread(s), {clock} clock"));
        }
        else
        {
            ctx.Out.WriteLine(string.Create(inv, $"measured {r.Measured.Count} architectures{(r.Rechecked.Count > 0 ? $" and rechecked {r.Rechecked.Count}" : "")} in {r.Seconds:F1} s ({r.SecondsPerArch * 1000:F0} ms each incl. building), batch {m.Batch}, {r.Threads} thread(s), {m.Warmup} warm-up + {m.Repeats} timed passes in rotation over blocks of {m.Interleave}, {clock} clock"));
            if (r.WithinRunNoise is double wn) ctx.Out.WriteLine(string.Create(inv, $"within-run noise: median MAD/median over architectures {wn * 100:F2}%"));
            if (r.RunToRunNoise is double rr) ctx.Out.WriteLine(string.Create(inv, $"run-to-run noise: median |remeasured/stored - 1| over {r.Rechecked.Count} architectures {rr * 100:F2}% (median ratio {r.RatioMedian:F3}, spread around it {r.RatioSpread * 100:F2}%)"));
            if (r.Calibration is { AnchorMs: double anchor, Scales.Count: > 0 } cal)
                ctx.Out.WriteLine(string.Create(inv, $"calibrated to the reference (key {cal.Key}) at {anchor:F3} ms: block scales median {LatencyMeter.Median(cal.Scales):F3}, range {cal.Scales.Min():F3}-{cal.Scales.Max():F3}"));
        }
        if (r.RowsInTable is int rows)
        {
            ctx.Out.WriteLine($"{r.Table}: {rows} rows{(r.SpaceSize is long sz ? $" of {sz}" : "")}");
            if (r.Remaining is long rem && rem > 0 && double.IsFinite(r.SecondsPerArch))
                ctx.Out.WriteLine(string.Create(inv, $"at this rate the remaining {rem} architectures take {rem * r.SecondsPerArch / 60:F0} min (resume with the same command)"));
        }
        foreach (var f in r.Files)
            ctx.Out.WriteLine(string.Create(inv, $"{f.Path}: {f.Unique} unique architectures ({f.Invalid} invalid lines): mean {f.MeanMs:F3} ms, median {f.MedianMs:F3} ms, fastest {f.MinMs:F3} ms"));
        foreach (var (c, rho, n) in r.Correlations)
            ctx.Out.WriteLine(string.Create(inv, $"Spearman {r.Column} vs {c}: {rho:F3} ({n} architectures)"));
    }
}
