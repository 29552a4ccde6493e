using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using NagSharp.Benchmarks;
using NagSharp.Diffusion.Score;
using NagSharp.Networks;
using NagSharp.Spaces;
using NagSharp.Store;
using Xunit.Abstractions;

namespace NagSharp.Tests;

/// <summary>
/// Tiny inputs the fuzz cases start from, made once per test class: a score generator, a predictor for it, a discrete
/// generator (a few optimiser steps each, no quality needed) and a small pixel table.
/// </summary>
public sealed class FuzzInputs : IDisposable
{
    /// <summary>Scratch directory; everything here is deleted afterwards.</summary>
    public TempDir Dir { get; } = new();
    /// <summary>Benchmark data directory.</summary>
    public string Data { get; }
    /// <summary>Score-engine generator checkpoint (NB201).</summary>
    public string ScoreGen { get; }
    /// <summary>Predictor checkpoint matching <see cref="ScoreGen"/>.</summary>
    public string Predictor { get; }
    /// <summary>Discrete-engine generator checkpoint (NB201).</summary>
    public string DiscreteGen { get; }
    /// <summary>A 4x4-pixel dataset of 40 rows, gzip-compressed.</summary>
    public string PixelsGz { get; }

    /// <summary>Makes the inputs (skips without benchmark data).</summary>
    public FuzzInputs()
    {
        Data = TestData.RequireDir();
        ScoreGen = Dir.File("g.ckpt");
        Predictor = Dir.File("p.ckpt");
        DiscreteGen = Dir.File("d.ckpt");
        Must(CliRunner.Run("train", "generator", "--space", "nb201", "--preset", "tiny", "--train-steps", "2", "--batch", "8", "--train-fraction", "0.05",
            "--out", ScoreGen, "--seed", "1", "--data-dir", Data));
        Must(CliRunner.Run("train", "predictor", "--objective", "cifar10_valid_acc200", "--train-archs", "20", "--train-steps", "2", "--preset", "tiny",
            "--out", Predictor, "--generator", ScoreGen, "--data-dir", Data));
        Must(CliRunner.Run("train", "generator", "--space", "nb201", "--engine", "discrete", "--preset", "tiny", "--train-steps", "2", "--batch", "8",
            "--train-fraction", "0.05", "--out", DiscreteGen, "--seed", "1", "--data-dir", Data));
        var rng = new Random(5);
        var csv = new StringBuilder();
        for (int r = 0; r < 40; r++)
            csv.Append(string.Join(",", Enumerable.Range(0, 16).Select(_ => rng.Next(256).ToString(CultureInfo.InvariantCulture)))).Append(',').Append(r % 3).Append('\n');
        PixelsGz = Dir.File("pixels.csv.gz");
        using (var fs = File.Create(PixelsGz))
        using (var gz = new GZipStream(fs, CompressionLevel.Optimal))
            gz.Write(Encoding.ASCII.GetBytes(csv.ToString()));
    }

    private static void Must((int Code, string Out, string Err) r) => Assert.True(r.Code == 0, r.Err);

    /// <inheritdoc />
    public void Dispose() => Dir.Dispose();
}

/// <summary>
/// Generated bad input thrown at the library and the <c>nag</c> command: mutated architecture strings of every registered
/// space, mutated table cells and headers, truncated and bit-flipped checkpoints and gzip files, IDX headers asking for
/// absurd sizes, foreign SQLite files, and NaN/infinite/huge/negative values for the numeric options of the main
/// commands. Every case must end in a one-line error naming the file, field or setting (exit code 1 or 2 on the command
/// line, no stack trace) and leave its input files unchanged, or be accepted because it is valid (then its result is
/// checked). Generation is seeded, so every run tries the same cases; each test prints its count and verdicts.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed partial class FuzzTests(FuzzInputs inputs, ITestOutputHelper output) : IClassFixture<FuzzInputs>
{
    private readonly List<string> _failures = [];
    private int _cases, _refused, _accepted;

    // ---------- verdicts ----------

    private static string Hash(string path) =>
        File.Exists(path) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) : "missing";

    [GeneratedRegex(@"\b[A-Z][A-Za-z]*Exception\b|^\s+at |\n\s+at ", RegexOptions.Multiline)]
    private static partial Regex TraceText();

    private void Fail(string what, string why) => _failures.Add($"{SafePath.Shorten(what, 600)}: {SafePath.Shorten(why, 400)}");

    // A one-line message that names what it should (case-insensitively) and stays short whatever the input.
    private bool CheckMessage(string what, string message, string? mustName)
    {
        var lines = message.Split('\n').Where(l => l.Trim().Length > 0).ToArray();
        if (lines.Length != 1) { Fail(what, $"{lines.Length} lines: {message}"); return false; }
        if (TraceText().IsMatch(message)) { Fail(what, $"stack trace or exception type name: {message}"); return false; }
        if (lines[0].Length > ErrorText.MaxMessage + 200) { Fail(what, $"message of {lines[0].Length} characters"); return false; }
        if (mustName is not null && !lines[0].Contains(mustName, StringComparison.OrdinalIgnoreCase)) { Fail(what, $"does not name '{mustName}': {lines[0]}"); return false; }
        return true;
    }

    /// <summary>Runs <c>nag</c>; a refusal must be exit 1/2 with one line naming <paramref name="mustName"/>; exit 0 only
    /// when <paramref name="accept"/> says the input is valid (it may check the output).</summary>
    private void Cli(string[] args, string? mustName, Func<string, bool>? accept, string[]? inputFiles = null, string? label = null)
    {
        _cases++;
        inputFiles ??= [];
        string what = (label is null ? "" : $"[{label}] ") + "nag " + string.Join(" ", args.Select(a => SafePath.Shorten(a, 40)));
        var before = inputFiles.Select(Hash).ToArray();
        (int Code, string Out, string Err) r;
        try { r = CliRunner.Run(args); }
        catch (Exception e) { Fail(what, $"escaped the CLI: {e.GetType().Name}: {e.Message}"); return; }
        if (!before.SequenceEqual(inputFiles.Select(Hash))) { Fail(what, "changed an input file"); return; }
        if (r.Code == 0)
        {
            if (accept is not null && accept(r.Out)) { _accepted++; return; }
            Fail(what, $"accepted (exit 0): {SafePath.Shorten(r.Out.ReplaceLineEndings(" "), 200)}");
            return;
        }
        if (r.Code is not (1 or 2)) { Fail(what, $"exit code {r.Code}: {r.Err}"); return; }
        if (CheckMessage(what, r.Err, mustName)) _refused++;
    }

    /// <summary>Runs library code; a refusal must be a NagSharp exception with a one-line message naming
    /// <paramref name="mustName"/>; success only when <paramref name="accept"/> confirms the result.</summary>
    private void Lib<T>(string what, Func<T> act, string? mustName, Func<T, bool>? accept, params string[] inputFiles)
    {
        _cases++;
        var before = inputFiles.Select(Hash).ToArray();
        try
        {
            var result = act();
            if (!before.SequenceEqual(inputFiles.Select(Hash))) { Fail(what, "changed an input file"); return; }
            if (accept is not null && accept(result)) _accepted++;
            else Fail(what, "accepted");
            (result as IDisposable)?.Dispose();
        }
        catch (Exception e) when (e is NagUserException or NagDataException)
        {
            if (!before.SequenceEqual(inputFiles.Select(Hash))) { Fail(what, "changed an input file"); return; }
            if (CheckMessage(what, e.Message, mustName)) _refused++;
        }
        catch (Exception e) { Fail(what, $"{e.GetType().Name}: {e.Message}"); }
    }

    private void Report(string area, System.Diagnostics.Stopwatch clock)
    {
        output.WriteLine($"fuzz {area}: {_cases} cases, {_refused} refused with a one-line error, {_accepted} accepted as valid, " +
                         $"{_failures.Count} failed ({clock.Elapsed.TotalSeconds:F1} s)");
        foreach (var f in _failures) output.WriteLine("  FAIL " + f);
        Assert.True(_failures.Count == 0, $"{_failures.Count} of {_cases} fuzz cases failed:\n" + string.Join("\n", _failures.Take(40)));
        Assert.Equal(_cases, _refused + _accepted);
    }

    // ---------- mutations ----------

    private static readonly string[] HugeNumbers = ["99999999999999999999", "2147483648", "-2147483649", "-1", "1e400", "NaN", "340282366920938463463374607431768211456"];
    private const string Noise = "|~+,()[]:'\" 0123456789-_.aZ{}\t\0\u00e9\u4e2d";

    [GeneratedRegex(@"\d+")]
    private static partial Regex DigitRun();

    [GeneratedRegex(@"[A-Za-z_]+")]
    private static partial Regex WordRun();

    /// <summary>One deterministic mutation of a valid string (kind chosen by <paramref name="kind"/>).</summary>
    private static string Mutate(string s, Random rng, int kind)
    {
        string ReplaceOne(Regex re, string by)
        {
            var ms = re.Matches(s);
            if (ms.Count == 0) return s + by;
            var m = ms[rng.Next(ms.Count)];
            return s[..m.Index] + by + s[(m.Index + m.Length)..];
        }
        int pos = s.Length == 0 ? 0 : rng.Next(s.Length);
        return (kind % 12) switch
        {
            0 => ReplaceOne(DigitRun(), HugeNumbers[rng.Next(HugeNumbers.Length)]),
            1 => ReplaceOne(DigitRun(), "-" + rng.Next(1, 9)),
            2 => s.Length == 0 ? s : s.Remove(pos, 1),
            3 => s.Insert(pos, Noise[rng.Next(Noise.Length)].ToString()),
            4 => s[..pos],
            5 => s + s,
            6 => ReplaceOne(WordRun(), new string('x', rng.Next(1, 6))),
            7 => ReplaceOne(WordRun(), ""),
            8 => s.Length < 2 ? s : Swap(s, pos, rng.Next(s.Length)),
            9 => ReplaceOne(DigitRun(), new string('9', 400)),
            10 => s.Replace(s.Length > 0 ? s[pos] : ' ', Noise[rng.Next(Noise.Length)]),
            _ => " " + s + "\n",
        };
    }

    private static string Swap(string s, int i, int j)
    {
        var c = s.ToCharArray();
        (c[i], c[j]) = (c[j], c[i]);
        return new string(c);
    }

    private static bool RoundTrips(ISearchSpace space, Arch a) => space.Parse(a.ToString()).Equals(a);

    // ---------- architecture strings ----------

    /// <summary>Mutated architecture strings of every registered space: library parse, and a sample through `nag arch`.</summary>
    [SkippableFact]
    public void ArchitectureStringsOfEverySpace()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var space in SpaceRegistry.Spaces)
        {
            var rng = new Random(space.Name.Length * 7919 + 17);
            var seeds = Enumerable.Range(0, 3).Select(_ => space.Sample(rng).ToString()).ToArray();
            var bad = new List<string> { "", " ", new string('|', 1_000_000), seeds[0] + new string('9', 1_000_000), "99999999999999999999" };
            for (int k = 0; k < 36; k++) bad.Add(Mutate(seeds[k % seeds.Length], rng, k));
            var lap = System.Diagnostics.Stopwatch.StartNew();
            foreach (var text in bad)
                Lib($"{space.Name}.Parse({SafePath.Shorten(text, 80)})", () => space.Parse(text), null, a => RoundTrips(space, a));
            double library = lap.Elapsed.TotalSeconds;
            // Through the command line: the argument may also be read as a table key.
            // (NB201's two complete tables take a second to load per call, so it gets fewer command-line cases.)
            foreach (var text in bad.Where((_, i) => i % (space.Name == "nb201" ? 20 : 11) == 5).Append(bad[3]))
                Cli(["arch", space.Name, text, "--json", "--data-dir", inputs.Data], null, _ => space.TryParseOrKey(text));
            output.WriteLine($"  {space.Name}: library {library:F1} s, command line {lap.Elapsed.TotalSeconds - library:F1} s");
        }
        Report("architecture strings", clock);
    }

    // ---------- tables ----------

    /// <summary>Mutated cells and headers of a 40-row copy of each space's first table.</summary>
    [SkippableFact]
    public void TableCellsAndHeaders()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var space in SpaceRegistry.Spaces.Where(s => s.Tables is not null))
        {
            var layout = space.Tables! with { CompleteTables = false };
            string folder = Path.Combine(inputs.Data, layout.Folder);
            if (!Directory.Exists(folder)) continue;
            string source = Directory.GetFiles(folder, layout.FilePattern).Order(StringComparer.Ordinal).First();
            var rows = Csv.Read(source).Take(41).Select(r => r.Fields).ToList();
            var rng = new Random(space.Name.Sum(c => c) * 31 + 7);   // string.GetHashCode differs per process
            string Write(List<string[]> table, int n)
            {
                string p = inputs.Dir.File("tables", space.Name, $"t{n}.csv");
                File.WriteAllLines(p, table.Select(r => string.Join(",", r.Select(CsvQuote))));
                return p;
            }
            for (int n = 0; n < 30; n++)
            {
                var table = rows.Select(r => (string[])r.Clone()).ToList();
                if (n % 6 == 5)
                {
                    // Header: an empty, duplicated, huge or missing column name.
                    int c = rng.Next(table[0].Length);
                    table[0][c] = (n / 6 % 4) switch { 0 => "", 1 => table[0][(c + 1) % table[0].Length], 2 => new string('h', 100_000), _ => table[0][c] + "?" };
                    if (n / 6 % 4 == 3) table = table.Select(r => r.Where((_, i) => i != c).ToArray()).ToList();
                }
                else
                {
                    int row = 1 + rng.Next(table.Count - 1), col = rng.Next(table[0].Length);
                    table[row][col] = n % 3 == 0 ? HugeNumbers[rng.Next(HugeNumbers.Length)] : Mutate(table[row][col], rng, n);
                }
                string path = Write(table, n);
                Lib($"{space.Name} table t{n}.csv", () => MetricTable.Load(path, space, layout), Path.GetFileName(path), t => t.Keys.Count == table.Count - 1, path);
                if (space.Name == "nb101" && n % 3 == 0)
                    Cli(["--extra-table", path, "arch", "nb101", "1", "--json", "--data-dir", inputs.Data], Path.GetFileName(path), _ => true, [path]);
            }
        }
        Report("table cells and headers", clock);
    }

    private static string CsvQuote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    // ---------- checkpoints ----------

    /// <summary>Truncated and bit-flipped checkpoints, and headers asking for absurd network sizes.</summary>
    [SkippableFact]
    public void TruncatedFlippedAndOversizedCheckpoints()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rng = new Random(11);
        foreach (var (source, load) in new (string, Func<string, IDisposable>)[]
                 { (inputs.ScoreGen, p => ScoreGenerator.Load(p)), (inputs.Predictor, p => NoiseAwarePredictor.Load(p)),
                   (inputs.DiscreteGen, p => NagSharp.Diffusion.Discrete.DiscreteGenerator.Load(p)) })
        {
            byte[] good = File.ReadAllBytes(source);
            for (int n = 0; n < 40; n++)
            {
                byte[] bad;
                if (n < 12) bad = good[..(int)((long)good.Length * n / 12)];
                else
                {
                    bad = (byte[])good.Clone();
                    // Flips spread over the file: the first ones land in the magic line and header, the rest anywhere.
                    int at = n < 20 ? rng.Next(Math.Min(400, good.Length)) : rng.Next(good.Length);
                    bad[at] ^= (byte)(1 << rng.Next(8));
                }
                string path = inputs.Dir.File("ckpt", $"{Path.GetFileNameWithoutExtension(source)}-{n}.ckpt");
                File.WriteAllBytes(path, bad);
                Lib($"load {Path.GetFileName(path)}", () => load(path), Path.GetFileName(path), null, path);
                if (source == inputs.ScoreGen && n % 4 == 1)
                    Cli(["generate", "--generator", path, "-n", "2", "--sample-steps", "1"], Path.GetFileName(path), null, [path]);
            }
        }
        // The same generators as files written before checksums (no trailer) are valid and load.
        foreach (var (source, load) in new (string, Func<string, IDisposable>)[]
                 { (inputs.ScoreGen, p => ScoreGenerator.Load(p)), (inputs.DiscreteGen, p => NagSharp.Diffusion.Discrete.DiscreteGenerator.Load(p)) })
        {
            string path = inputs.Dir.File("ckpt", $"old-{Path.GetFileName(source)}");
            File.WriteAllBytes(path, File.ReadAllBytes(source)[..^39]);
            Lib($"load old-format {Path.GetFileName(path)}", () => load(path), null, _ => true, path);
        }
        // Header fields asking for networks nobody can allocate, with a valid checksum (as a hand-edited file would have).
        string[] sizeFields = ["Layers", "Dim", "Heads", "Ffn", "HeadHidden", "NodeDim", "EdgeDim", "GlobalDim", "DiffusionSteps", "Batch"];
        int m = 0;
        foreach (var source in new[] { inputs.ScoreGen, inputs.DiscreteGen })
            foreach (var section in new[] { "network", "config", "train" })
                foreach (var field in sizeFields)
                    foreach (var value in new long[] { 2_000_000_000, -5, 0 })
                    {
                        var ck = Checkpoint.Load(source);
                        if (ck.Header[section] is not System.Text.Json.Nodes.JsonObject obj) continue;
                        string? key = obj.Select(p => p.Key).FirstOrDefault(k => string.Equals(k.Replace("_", "", StringComparison.Ordinal), field, StringComparison.OrdinalIgnoreCase));
                        if (key is null) continue;
                        obj[key] = value;
                        string path = inputs.Dir.File("ckpt", $"header-{m++}.ckpt");
                        ck.Save(path);
                        Func<string, IDisposable> load = source == inputs.ScoreGen ? p => ScoreGenerator.Load(p) : p => NagSharp.Diffusion.Discrete.DiscreteGenerator.Load(p);
                        Lib($"load {section}.{key}={value}", () => load(path), Path.GetFileName(path), null, path);
                    }
        Report("checkpoints", clock);
    }

    // ---------- gzip and IDX ----------

    /// <summary>Truncated and bit-flipped gzip pixel tables, and IDX headers that promise more than the file holds.</summary>
    [SkippableFact]
    public void TruncatedFlippedGzipAndIdxHeaders()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string fingerprint = ImageDataset.Load(inputs.PixelsGz).Fingerprint;
        byte[] good = File.ReadAllBytes(inputs.PixelsGz);
        var rng = new Random(23);
        for (int n = 0; n < 50; n++)
        {
            byte[] bad;
            if (n < 20) bad = good[..(int)((long)good.Length * n / 20)];
            else
            {
                bad = (byte[])good.Clone();
                bad[rng.Next(bad.Length)] ^= (byte)(1 << rng.Next(8));
            }
            string path = inputs.Dir.File("gz", $"p{n}.csv.gz");
            File.WriteAllBytes(path, bad);
            // A flip in the gzip header's time stamp or OS byte changes nothing: the same images are a correct result.
            Lib($"gzip {Path.GetFileName(path)}", () => ImageDataset.Load(path), Path.GetFileName(path), d => d.Fingerprint == fingerprint, path);
            if (n is > 0 and < 20 && n % 4 == 1)
                Cli(["net", "train", "--arch", Nb201Cell, "--dataset", path, "--out", inputs.Dir.File("gz", $"n{n}.ckpt"), "--epochs", "1", "--width", "2", "--cells", "1",
                     "--data-dir", inputs.Data], Path.GetFileName(path), null, [path]);
        }
        // IDX: dimensions whose product overflows or exceeds the file, and negative ones.
        foreach (var dims in new[] { new[] { int.MaxValue, int.MaxValue, int.MaxValue }, [65536, 65536, 65536], [3, 28, 28], [-1, 4, 4], [1, 1, int.MaxValue], [0, 4, 4] })
        {
            string dir = inputs.Dir.File("idx", string.Join("x", dims), "x");
            dir = Path.GetDirectoryName(dir)!;
            var header = new List<byte> { 0, 0, 8, 3 };
            foreach (int d in dims) header.AddRange(BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(d)));
            File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), [.. header, .. new byte[48]]);
            File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 3, 0, 1, 2]);
            File.Copy(Path.Combine(dir, "train-images-idx3-ubyte"), Path.Combine(dir, "t10k-images-idx3-ubyte"));
            File.Copy(Path.Combine(dir, "train-labels-idx1-ubyte"), Path.Combine(dir, "t10k-labels-idx1-ubyte"));
            Lib($"IDX {string.Join("x", dims)}", () => ImageDataset.Load(dir), "idx3-ubyte", null, Path.Combine(dir, "train-images-idx3-ubyte"));
        }
        Report("gzip and IDX", clock);
    }

    // ---------- foreign SQLite files ----------

    /// <summary>SQLite files of other programs given as the experiment store: refused, and not modified.</summary>
    [SkippableFact]
    public void ForeignSqliteFiles()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string[][] schemas =
        [
            ["CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)", "INSERT INTO notes(body) VALUES ('x')"],
            ["PRAGMA user_version = 7", "CREATE TABLE t(a)"],
            ["CREATE TABLE trials(x)", "PRAGMA user_version = 1"],
            // Another program's table named like ours, with and without an application id of its own.
            ["CREATE TABLE experiments(id INTEGER PRIMARY KEY, name TEXT)", "INSERT INTO experiments(name) VALUES ('x')"],
            ["PRAGMA application_id = 1234", "CREATE TABLE experiments(id INTEGER PRIMARY KEY, space TEXT)"],
        ];
        int n = 0;
        foreach (var schema in schemas)
        {
            string path = inputs.Dir.File("sqlite", $"foreign{n++}.db");
            using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                c.Open();
                foreach (var sql in schema)
                {
                    using var cmd = c.CreateCommand();
                    cmd.CommandText = sql;
                    cmd.ExecuteNonQuery();
                }
            }
            Cli(["runs", "list", "--store", path], Path.GetFileName(path), null, [path]);
        }
        // Not SQLite at all: text and random bytes.
        string text = inputs.Dir.File("sqlite", "text.db");
        File.WriteAllText(text, "id,space\n1,nb201\n");
        Cli(["runs", "list", "--store", text], "text.db", null, [text]);
        string noise = inputs.Dir.File("sqlite", "noise.db");
        File.WriteAllBytes(noise, Enumerable.Range(0, 8192).Select(i => (byte)(i * 31 + 7)).ToArray());
        Cli(["runs", "list", "--store", noise], "noise.db", null, [noise]);
        Report("foreign SQLite files", clock);
    }

    // ---------- the reported reproductions, each with its expected one-line error ----------

    private static string OneLine((int Code, string Out, string Err) r, int code)
    {
        Assert.True(r.Code == code, $"exit {r.Code}: {r.Err}");
        var lines = r.Err.Split('\n').Where(l => l.Trim().Length > 0).ToArray();
        Assert.Single(lines);
        return lines[0];
    }

    [SkippableFact]
    public void GenerateRefusesNonFiniteSettingsOnBothEngines()
    {
        string[] score = ["generate", "--generator", inputs.ScoreGen, "--predictor", inputs.Predictor, "--sample-steps", "1"];
        Assert.Contains("--guidance-scale must be a finite number, got NaN", OneLine(CliRunner.Run([.. score, "-n", "2", "--guidance-scale", "NaN"]), 1));
        Assert.Contains("--objective-value must be a finite number, got NaN", OneLine(CliRunner.Run([.. score, "-n", "2", "--objective-value", "NaN"]), 1));
        Assert.Contains("--guidance-start", OneLine(CliRunner.Run([.. score, "-n", "2", "--guidance-start", "NaN"]), 1));
        Assert.Contains("1,000,000", OneLine(CliRunner.Run([.. score, "-n", "2000000000"]), 1));
        string[] discrete = ["generate", "--generator", inputs.DiscreteGen, "-n", "2", "--sample-steps", "1"];
        Assert.Contains("--guidance-weight must be a finite number, got NaN", OneLine(CliRunner.Run([.. discrete, "--guidance-weight", "NaN"]), 1));
        Assert.Contains("--guidance-start", OneLine(CliRunner.Run([.. discrete, "--guidance-start", "NaN"]), 1));
        // Valid settings still generate.
        Assert.Equal(0, CliRunner.Run([.. score, "-n", "2", "--guidance-scale", "5", "--objective-value", "90", "--guidance-start", "0.9"]).Code);
    }

    [SkippableFact]
    public void PyTorchExportToASafetensorsNameKeepsItsSource()
    {
        using var tmp = new TempDir();
        string net = tmp.File("net.ckpt");
        // A network checkpoint as `nag net train` writes it, saved before any step: the export only needs its weights.
        var space = SpaceRegistry.Get("nb201");
        using (var trainer = NagSharp.Networks.NetTrainer.Start(space, space.Parse(Nb201Cell), 2, 1, ImageDataset.Load(inputs.PixelsGz), new NagSharp.Networks.TrainSettings(1, Batch: 8)))
            trainer.Save(net);
        string weights = tmp.File("m.safetensors");
        var r = CliRunner.Run("export", "--weights", net, "--format", "pytorch", "--out", weights);
        Assert.True(r.Code == 0, r.Err);
        string source = File.ReadAllText(tmp.File("m.py"));
        Assert.Contains("def load_safetensors", source);
        byte[] w = File.ReadAllBytes(weights);
        long headerLength = BitConverter.ToInt64(w, 0);
        Assert.InRange(headerLength, 2, w.Length - 8);
        Assert.Equal((byte)'{', w[8]);
    }

    [SkippableFact]
    public void ConditionsNoArchitectureMeetsTogetherWarnWhenTraining()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run("train", "generator", "--engine", "discrete", "--space", "nb201", "--condition", "cifar10_valid_acc200>=top5%",
            "--condition", "cifar10_valid_acc200<=bottom5%", "--preset", "tiny", "--train-steps", "1", "--batch", "8", "--out", tmp.File("d.ckpt"), "--data-dir", inputs.Data);
        Assert.True(r.Code == 0, r.Err);
        var warnings = r.Err.Split('\n').Where(l => l.StartsWith("nag: warning:", StringComparison.Ordinal)).ToArray();
        Assert.Single(warnings);
        Assert.Contains("no training architecture (0 of 15,625) meets all 2 conditions", warnings[0]);
    }

    // ---------- numeric options ----------

    private static readonly string[] NotFinite = ["NaN", "Infinity", "-Infinity", "1e400"];
    private const string Nb201Cell = "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|";

    /// <summary>NaN, infinite, huge and negative values for every numeric option of the main commands: refused before work.</summary>
    [SkippableFact]
    public void NumericOptionsOfTheMainCommands()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string data = inputs.Data;
        string outDir = inputs.Dir.File("num", "x");
        outDir = Path.GetDirectoryName(outDir)!;
        // Each command line runs cheaply when valid; one option at a time gets a bad value (which replaces its setting).
        var commands = new (string Name, string[] Base, (string Flag, string[] Bad)[] Options, string[] Inputs)[]
        {
            ("generate (score)", ["generate", "--generator", inputs.ScoreGen, "--predictor", inputs.Predictor, "-n", "2", "--sample-steps", "1", "--data-dir", data],
            [
                ("--guidance-scale", NotFinite), ("--guide-top", [.. NotFinite, "0", "100", "-5"]), ("--guidance-start", [.. NotFinite, "-0.5", "1.5"]),
                ("--guidance-stop", [.. NotFinite, "-1", "2"]), ("--guidance-decay", [.. NotFinite, "-1"]), ("--repulsion", [.. NotFinite, "-1"]),
                ("--objective-value", NotFinite), ("-n", ["0", "-1", "2000000000", "99999999999", "NaN"]), ("--batch", ["0", "-1", "NaN", "1e3"]),
                ("--sample-steps", ["0", "-1", "NaN", "99999999999"]), ("--snr", [.. NotFinite, "0", "-1"]), ("--corrector-steps", ["-1", "NaN"]),
                ("--top", ["-1", "NaN"]), ("--seed", ["NaN", "99999999999"]),
            ], [inputs.ScoreGen, inputs.Predictor]),
            ("generate (discrete)", ["generate", "--generator", inputs.DiscreteGen, "-n", "2", "--sample-steps", "1", "--data-dir", data],
            [
                ("--guidance-weight", NotFinite), ("--guidance-start", [.. NotFinite, "-1", "2"]), ("-n", ["0", "2000000000"]),
                ("--sample-steps", ["0", "-3", "99999"]), ("--batch", ["0", "-2"]),
            ], [inputs.DiscreteGen]),
            ("train generator", ["train", "generator", "--preset", "tiny", "--train-steps", "1", "--batch", "4", "--train-fraction", "0.01", "--out", Path.Combine(outDir, "g.ckpt"), "--data-dir", data],
            [
                ("--train-steps", ["0", "-1", "NaN"]), ("--batch", ["0", "-1", "2000000000"]), ("--lr", [.. NotFinite, "0", "-1"]),
                ("--train-fraction", [.. NotFinite, "0", "-0.5", "1.5"]), ("--unlabelled", ["-1"]), ("--threads", ["0", "-1"]),
                ("--layers", ["0", "-1", "2000000000"]), ("--dim", ["0", "-4", "2000000000", "33"]),
            ], []),
            ("train predictor", ["train", "predictor", "--space", "nb101", "--objective", "val_accuracy", "--preset", "tiny", "--train-archs", "8", "--train-steps", "1", "--out", Path.Combine(outDir, "p.ckpt"), "--data-dir", data],
            [
                ("--train-archs", ["0", "-1", "1"]), ("--train-steps", ["0", "-1"]), ("--lr", [.. NotFinite, "0", "-1"]), ("--layers", ["0", "-1"]), ("--dim", ["0", "2000000000"]),
            ], []),
            ("search", ["search", "--space", "nb101", "--strategy", "random", "--budget", "3", "--seeds", "1", "--objective", "val_accuracy", "--report", "params_M", "--out", Path.Combine(outDir, "s"), "--data-dir", data],
            [
                ("--budget", ["0", "-1", "NaN"]), ("--seeds", ["0", "-1"]), ("--guidance-scale", [.. NotFinite, "-1"]), ("--generated-candidates", ["0", "-1"]),
                ("--sample-steps", ["0", "-1"]), ("--random-candidates", ["-1"]),
            ], []),
            ("arch", ["arch", "nb201", "0", "--json", "--data-dir", data], [("--classes", ["0", "-1"]), ("--input-size", ["0", "-1"])], []),
            ("export", ["export", "--format", "json", "--arch", Nb201Cell, "--out", Path.Combine(outDir, "e.json"), "--data-dir", data],
            [
                ("--classes", ["0", "-1", "1", "2000000000"]), ("--channels", ["0", "-1", "2000000000"]), ("--input-size", ["0", "-1", "2000000000"]),
                ("--width", ["0", "-1", "2000000000"]), ("--cells", ["-1", "2000000000"]),
            ], []),
            ("net train", ["net", "train", "--arch", Nb201Cell, "--dataset", inputs.PixelsGz, "--epochs", "1", "--width", "2", "--cells", "1", "--out", Path.Combine(outDir, "n.ckpt"), "--data-dir", data],
            [
                ("--epochs", ["0", "-1"]), ("--batch", ["0", "-1"]), ("--lr", [.. NotFinite, "0", "-1"]), ("--momentum", [.. NotFinite, "-1", "2"]),
                ("--weight-decay", [.. NotFinite, "-1"]), ("--width", ["0", "-1", "2000000000"]), ("--cells", ["-1", "2000000000"]),
                ("--input-size", ["0", "-1", "2000000000"]), ("--threads", ["0", "-1"]),
            ], [inputs.PixelsGz]),
            ("latency", ["latency", "--arch", Nb201Cell, "--warmup", "0", "--repeats", "3", "--width", "2", "--cells", "1", "--data-dir", data],
            [
                ("--batch", ["0", "-1", "2000000000"]), ("--input-size", ["0", "-1", "2000000000"]), ("--channels", ["0", "-1"]), ("--classes", ["0", "-1"]),
                ("--warmup", ["-1"]), ("--repeats", ["0", "-1"]), ("--threads", ["0", "-1"]), ("--interleave", ["0", "-1"]), ("--turn-passes", ["0", "-1", "99"]),
                ("--width", ["0", "2000000000"]), ("--cells", ["-1"]),
            ], []),
        };
        foreach (var (name, baseArgs, options, files) in commands)
        {
            var lap = System.Diagnostics.Stopwatch.StartNew();
            int first = _cases;
            foreach (var (flag, bad) in options)
                foreach (var value in bad)
                {
                    var args = new List<string>(baseArgs);
                    int at = args.IndexOf(flag);
                    if (at >= 0) args[at + 1] = value; else args.AddRange([flag, value]);
                    Cli([.. args], flag.TrimStart('-'), null, files, $"{name} {flag} {value}");
                }
            output.WriteLine($"  {name}: {_cases - first} cases, {lap.Elapsed.TotalSeconds:F1} s");
        }
        Report("numeric options", clock);
    }
}

/// <summary>Test-side helper: is a command-line architecture argument valid for a space (as a string or a table key)?</summary>
internal static class ArchArgument
{
    /// <summary>True when the text parses, or is a plain non-negative number (a table key, looked up by the command).</summary>
    public static bool TryParseOrKey(this ISearchSpace space, string text)
    {
        string t = text.Trim();
        if (t.Length > 0 && t.All(char.IsAsciiDigit) && (t.Length == 1 || t[0] != '0')) return true;
        try { space.Parse(t); return true; }
        catch (NagUserException) { return false; }
    }
}
