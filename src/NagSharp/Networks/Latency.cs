using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using NagSharp.Benchmarks;
using NagSharp.Spaces;
using static TorchSharp.torch;

namespace NagSharp.Networks;

/// <summary>Which clock times a forward pass.</summary>
public enum LatencyClock
{
    /// <summary>Elapsed real time.</summary>
    Wall,
    /// <summary>CPU time of the calling thread. With one intra-op thread libtorch computes on the calling thread, so
    /// this is the pass's compute time without the time the scheduler gave to other processes: on a shared CPU it
    /// estimates the unloaded latency far more stably than wall time.</summary>
    ThreadCpu,
}

/// <summary>How inference latency is timed.</summary>
/// <param name="Batch">Images per forward pass.</param>
/// <param name="Warmup">Untimed forward passes first (allocator and kernel caches settle).</param>
/// <param name="Repeats">Timed forward passes; the latency is their median.</param>
/// <param name="Clock">Wall time or the calling thread's CPU time (only meaningful with one intra-op thread).</param>
/// <param name="Interleave">Networks timed together in rotation (<see cref="LatencyMeter.MeasureInterleaved"/>); 1 times
/// them one after another.</param>
/// <param name="TurnPasses">Passes a network runs in a row at its turn of a round; the first is not timed. It reloads the
/// network's weights into the caches after the other networks of the block, so a network's time no longer depends on
/// which networks share its block (with 1, re-timing a cell in another block moved it by 6 %, against 4 % in the same block).</param>
public sealed record LatencySettings(int Batch = 1, int Warmup = 3, int Repeats = 11, LatencyClock Clock = LatencyClock.Wall, int Interleave = 8, int TurnPasses = 2)
{
    /// <summary>Throws a user error naming the first bad field.</summary>
    public void Validate()
    {
        // The caps keep one input batch and one block of networks within memory; timing needs nothing near them.
        Guard.InRange(Batch, 1, 4096, "LatencySettings.Batch");
        Guard.InRange(Warmup, 0, 1_000_000, "LatencySettings.Warmup");
        if (Repeats < 3) throw new NagUserException($"LatencySettings.Repeats must be at least 3 (a median and its spread need them), got {Repeats}");
        Guard.InRange(Repeats, 3, 1_000_000, "LatencySettings.Repeats");
        Guard.InRange(Interleave, 1, 1024, "LatencySettings.Interleave");
        Guard.InRange(TurnPasses, 1, 16, "LatencySettings.TurnPasses");
    }
}

/// <summary>One latency measurement.</summary>
/// <param name="MedianMs">Median of the timed passes, milliseconds.</param>
/// <param name="MadMs">Median absolute deviation of the timed passes from the median.</param>
public sealed record LatencySample(double MedianMs, double MadMs)
{
    /// <summary>MAD / median: the within-run noise.</summary>
    public double RelativeMad => MedianMs > 0 ? MadMs / MedianMs : 0;
}

/// <summary>Times inference of a network on this machine (eval mode, no autograd, one fixed random input).</summary>
public static class LatencyMeter
{
    /// <summary>Median and MAD of <see cref="LatencySettings.Repeats"/> timed forward passes after the warm-up.</summary>
    public static LatencySample Measure(NetworkModule net, LatencySettings s) => MeasureInterleaved([net], s)[0];

    /// <summary>
    /// Times several networks together: after the warm-up, each of the <see cref="LatencySettings.Repeats"/> rounds runs
    /// every network once (the starting network rotates), and each network's latency is the median of its passes. The
    /// speed of a shared virtual CPU drifts over seconds; timed back to back, a network measured in a slow second is
    /// slow, while interleaved, every network of the block sees the same mix of slow and fast moments, so their
    /// latencies compare fairly and repeat better across runs.
    /// </summary>
    public static LatencySample[] MeasureInterleaved(IReadOnlyList<NetworkModule> nets, LatencySettings s)
    {
        s.Validate();
        if (nets.Count == 0) return [];
        var times = new double[nets.Count][];
        using var outer = NewDisposeScope();
        using var _ = no_grad();
        var inputs = new Tensor[nets.Count];
        for (int j = 0; j < nets.Count; j++)
        {
            nets[j].eval();
            var o = nets[j].Options;
            inputs[j] = randn(s.Batch, o.InputChannels, o.InputSize, o.InputSize);
            times[j] = new double[s.Repeats];
        }
        for (int r = 0; r < s.Warmup + s.Repeats; r++)
        {
            for (int step = 0; step < nets.Count; step++)
            {
                int j = (step + r) % nets.Count;
                // With several passes per turn the first only brings the network back into the caches; the
                // turn's time is the median of the others.
                var turn = new double[Math.Max(1, s.TurnPasses - 1)];
                for (int q = 0; q < s.TurnPasses; q++)
                {
                    using var scope = NewDisposeScope();
                    double ms = TimeOne(nets[j], inputs[j], s.Clock);
                    if (s.TurnPasses == 1) turn[0] = ms;
                    else if (q > 0) turn[q - 1] = ms;
                }
                if (r >= s.Warmup) times[j][r - s.Warmup] = Median(turn);
            }
        }
        return times.Select(t =>
        {
            double median = Median(t);
            return new LatencySample(median, Median(t.Select(v => Math.Abs(v - median)).ToArray()));
        }).ToArray();
    }

    private static double TimeOne(NetworkModule net, Tensor x, LatencyClock clock)
    {
        if (clock == LatencyClock.ThreadCpu)
        {
            double c0 = ThreadCpuMs();
            net.forward(x);
            return ThreadCpuMs() - c0;
        }
        long t0 = Stopwatch.GetTimestamp();
        net.forward(x);
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID on Linux

    /// <summary>True when the thread CPU clock can be read here (Linux).</summary>
    public static bool ThreadCpuClockAvailable
    {
        get
        {
            if (!OperatingSystem.IsLinux()) return false;
            try { return ClockGetTime(ClockThreadCpuTime, out _) == 0; }
            catch (DllNotFoundException) { return false; }
            catch (EntryPointNotFoundException) { return false; }
        }
    }

    private static double ThreadCpuMs()
    {
        if (ClockGetTime(ClockThreadCpuTime, out var t) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        return t.Seconds * 1e3 + t.Nanoseconds / 1e6;
    }

    /// <summary>Median of a non-empty array (mean of the middle pair for even lengths).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var v = values.Order().ToArray();
        int m = v.Length / 2;
        return v.Length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }
}

/// <summary>
/// A latency table in the benchmark's layout (<c>key,arch,column</c>, e.g. <c>index,arch_str,local_ms</c>), appended
/// one row at a time so a long run can stop anywhere and resume: rows already present are skipped. A row torn by a
/// crash (no final newline) is dropped on reopening. The file loads as an extra metric table
/// (<see cref="BenchmarkData.Load(ISearchSpace, string, IReadOnlyList{string}?)"/>).
/// </summary>
public sealed class LatencyTable
{
    private readonly string _path;
    private readonly Dictionary<int, double> _values = [];

    /// <summary>The metric column.</summary>
    public string Column { get; }

    /// <summary>Measured values by key.</summary>
    public IReadOnlyDictionary<int, double> Values => _values;

    private readonly TableLayout _layout;

    private LatencyTable(string path, string column, TableLayout layout) { _path = path; Column = column; _layout = layout; }

    /// <summary>Opens (creating when missing) the table at <paramref name="path"/>, checking every row against the space's tables.</summary>
    public static LatencyTable Open(string path, string column, BenchmarkData data)
    {
        var layout = data.Space.Tables ?? throw new NagUserException($"space {data.Space.Name} has no table layout");
        if (layout.KeyColumn is null)
            throw new NagUserException($"latency tables are keyed by the benchmark's key; {data.Space.Name}'s tables have none");
        // The benchmark's own layout (e.g. OFA's ks,e,d,r), so the file also loads as an extra table beside the benchmark's.
        string header = $"{layout.KeyColumn},{string.Join(',', layout.ArchColumns)},{column}";
        int fields = layout.ArchColumns.Count + 2;
        var t = new LatencyTable(path, column, layout);
        if (!File.Exists(path))
        {
            AtomicFile.WriteText(path, w => w.Write(header + "\n"));
            return t;
        }
        // Identify first, change nothing until then: the file must be this table (header and every whole row valid)
        // before a torn final row of an interrupted run is dropped. Bytes, not text, so the cut lands exactly.
        byte[] bytes = File.ReadAllBytes(path);
        int whole = Array.LastIndexOf(bytes, (byte)'\n') + 1;   // length of the complete lines
        bool torn = whole < bytes.Length;
        string text = System.Text.Encoding.UTF8.GetString(bytes, 0, whole == 0 ? bytes.Length : whole);
        var lines = text.Split('\n');
        if (lines[0].TrimEnd('\r') != header)
            throw new NagDataException($"{path}:1: header is '{SafePath.Shorten(lines[0].TrimEnd('\r'))}', expected '{header}' (not a latency table of this column and layout: write to another table or column)");
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0) continue;
            var f = line.Split(',');
            if (f.Length != fields) throw new NagDataException($"{path}:{i + 1}: {f.Length} fields, expected {fields}");
            if (!int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int key))
                throw new NagDataException($"{path}:{i + 1}: column '{layout.KeyColumn}': '{SafePath.Shorten(f[0])}' is not a key");
            Arch arch;
            try { arch = data.ArchOf(key); }
            catch (NagUserException e) { throw new NagDataException($"{path}:{i + 1}: column '{layout.KeyColumn}': {e.Message}"); }
            string stored = string.Join(layout.ArchSeparator, f[1..^1]);
            if (stored != arch.ToString()) throw new NagDataException($"{path}:{i + 1}: column '{layout.ArchColumn}': key {key} is {arch} in the benchmark tables, not {SafePath.Shorten(stored)}");
            if (!double.TryParse(f[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || v <= 0)
                throw new NagDataException($"{path}:{i + 1}: column '{column}': '{SafePath.Shorten(f[^1])}' is not a positive number");
            if (!t._values.TryAdd(key, v)) throw new NagDataException($"{path}:{i + 1}: column '{layout.KeyColumn}': duplicate key {key}");
        }
        if (torn)
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
            if (whole == 0) { fs.Seek(0, SeekOrigin.End); fs.WriteByte((byte)'\n'); }   // the header alone, without its newline
            else fs.SetLength(whole);                                                        // a torn final row: the file is whole again
        }
        return t;
    }

    /// <summary>Appends one row and flushes it (so an interruption loses at most the row being written).</summary>
    public void Append(int key, Arch arch, double value)
    {
        string text = arch.ToString();
        if (text.IndexOfAny([',', '"', '\n']) >= 0) throw new NagUserException($"architecture {arch} cannot be written unquoted to a CSV row");
        if (_values.ContainsKey(key)) throw new InvalidOperationException($"key {key} is already in {_path}");
        string archFields = _layout.ArchColumns.Count == 1 ? text : string.Join(',', text.Split(_layout.ArchSeparator));
        if (archFields.Count(c => c == ',') != _layout.ArchColumns.Count - 1)
            throw new InvalidOperationException($"{arch} does not split into the {_layout.ArchColumns.Count} columns {_layout.ArchColumn}");
        using (var fs = new FileStream(_path, FileMode.Append, FileAccess.Write))
        using (var w = new StreamWriter(fs))
            w.Write(string.Create(CultureInfo.InvariantCulture, $"{key},{archFields},{value:R}\n"));
        _values[key] = value;
    }
}
