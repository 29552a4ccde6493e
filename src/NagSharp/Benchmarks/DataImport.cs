using System.Globalization;
using System.Text;
using System.Text.Json;
using NagSharp.Spaces;

namespace NagSharp.Benchmarks;

/// <summary>What <see cref="DataImport.Run"/> converts.</summary>
/// <param name="Space">The space whose table the sources become (nb101, nb301, tnb101_micro, tnb101_macro, nbnlp).</param>
/// <param name="Sources">Source files (for nbnlp also folders of log files).</param>
/// <param name="OutDir">Data directory to write into: the table goes to its space's folder there, so the directory
/// works as <c>--data-dir</c> (or the file as <c>--extra-table</c>).</param>
public sealed record ImportSettings(string Space, IReadOnlyList<string> Sources, string OutDir);

/// <summary>The table an import wrote.</summary>
/// <param name="Path">The CSV written.</param>
/// <param name="Source">Which public source format was read.</param>
/// <param name="Rows">Data rows written.</param>
/// <param name="Columns">Metric columns (besides architecture and text columns).</param>
/// <param name="Architectures">Distinct architectures in the table.</param>
/// <param name="CoversSpace">True when the table lists every architecture of a space whose data folder needs that;
/// false means: usable with <c>--extra-table</c>, not as the space's folder table.</param>
public sealed record ImportResult(string Path, string Source, int Rows, IReadOnlyList<string> Columns, int Architectures, bool CoversSpace);

/// <summary>
/// Converts public benchmark files that come as plain JSON into the table layout the loaders read
/// (<see cref="TableLayout"/>): NASLib's zero-cost benchmark files (<c>zc_nasbench101.json</c>, <c>zc_nasbench301.json</c>,
/// <c>zc_transbench101_micro.json</c>, <c>zc_transbench101_macro.json</c>) and NAS-Bench-NLP's per-run training logs
/// (<c>log_stats_model_*.json</c>). Anything else (archives, pickles, PyTorch files, YAML) is refused with one line
/// naming the file. The written table is loaded back with the space's own reader before it replaces anything.
/// </summary>
public static class DataImport
{
    /// <summary>Spaces <see cref="Run"/> converts, with the source format each reads.</summary>
    public static readonly IReadOnlyDictionary<string, string> Formats = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["nb101"] = "NASLib zero-cost JSON",
        ["nb301"] = "NASLib zero-cost JSON",
        ["tnb101_micro"] = "NASLib zero-cost JSON",
        ["tnb101_macro"] = "NASLib zero-cost JSON",
        ["nbnlp"] = "NAS-Bench-NLP training logs (JSON)",
    };

    // NASLib's NB101 hash lists the flattened adjacency matrix, then each node's operation as an index into this list.
    private static readonly string[] NaslibNb101Ops = ["input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu"];

    /// <summary>Converts the sources and writes the table (through a temporary file, validated, then renamed).</summary>
    public static ImportResult Run(ImportSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var space = SpaceRegistry.Get(settings.Space);
        if (!Formats.TryGetValue(space.Name, out var format))
            throw new NagUserException(space.Name == "nb201"
                ? "ImportSettings.Space 'nb201': its tables are keyed by the official NB201 index, which no plain-JSON/CSV source carries; see docs/how-to/get-the-data.md"
                : $"ImportSettings.Space '{space.Name}': no plain-JSON source converts to its tables (importable: {string.Join(", ", Formats.Keys)}); see docs/how-to/get-the-data.md");
        if (settings.Sources.Count == 0) throw new NagUserException("ImportSettings.Sources is empty: give at least one source file");
        var layout = space.Tables!;
        string dir = Path.Combine(settings.OutDir, layout.Folder);
        AtomicFile.RequireWritableDirectory(dir, "ImportSettings.OutDir");
        var files = space.Name == "nbnlp" ? ExpandFolders(settings.Sources) : settings.Sources;
        foreach (var f in files) CheckPlainJson(f);
        var (header, rows) = space.Name == "nbnlp" ? NlpLogs(files) : ZeroCost(space, files);

        Directory.CreateDirectory(dir);
        string name = space.Name switch
        {
            "tnb101_micro" => "tnb101_micro_val_metrics.csv",
            "tnb101_macro" => "tnb101_macro_val_metrics.csv",
            "nbnlp" => "nbnlp_wikitext2_summary.csv",
            _ => $"{space.Name}_naslib_zc.csv",
        };
        string path = Path.Combine(dir, name);
        string tmp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            File.WriteAllText(tmp, ToCsv(header, rows), new UTF8Encoding(false));
            // The space's own reader is the judge of the layout; the temporary file never becomes the table if it fails.
            var table = MetricTable.Load(tmp, space, layout with { CompleteTables = false });
            int archs = table.Archs.Select(a => a.ToString()).Distinct().Count();
            bool covers = !layout.CompleteTables || (space.Size is long size && archs == size);
            File.Move(tmp, path, overwrite: true);
            return new ImportResult(path, format, rows.Count, table.Columns, archs, covers);
        }
        catch (NagDataException e) when (e.Message.StartsWith(tmp, StringComparison.Ordinal))
        {
            throw new NagDataException($"{string.Join(", ", files)}: converted table does not load ({e.Message[tmp.Length..].TrimStart(':', ' ')})");
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private static List<string> ExpandFolders(IReadOnlyList<string> sources)
    {
        var files = new List<string>();
        foreach (var s in sources)
        {
            if (Directory.Exists(s))
            {
                var found = Directory.GetFiles(s, "*.json").Order(StringComparer.Ordinal).ToArray();
                if (found.Length == 0) throw new NagDataException($"{s}: folder holds no .json log files");
                files.AddRange(found);
            }
            else files.Add(s);
        }
        return files;
    }

    /// <summary>Refuses a source that is not a plain JSON text file, naming what it looks like instead.</summary>
    private static void CheckPlainJson(string path)
    {
        if (!File.Exists(path)) throw new NagDataException($"{path}: source file not found");
        var head = new byte[8];
        int n;
        using (var s = File.OpenRead(path)) n = s.Read(head, 0, head.Length);
        string? kind = n >= 2 && head[0] == 'P' && head[1] == 'K' ? "a zip archive (PyTorch .pt/.pth files are zip archives too); unpack it and import the JSON files inside"
            : n >= 2 && head[0] == 0x1f && head[1] == 0x8b ? "gzip-compressed; decompress it first"
            : n >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5 ? "a Python pickle, which only its own Python code can read; convert it with the benchmark's API"
            : Path.GetExtension(path).ToLowerInvariant() is ".yaml" or ".yml" ? "YAML"
            : Path.GetExtension(path).ToLowerInvariant() is ".csv" ? "a CSV table; CSV files in the loaders' layout need no import: copy them into the space's folder or pass --extra-table"
            : null;
        if (kind is not null) throw new NagDataException($"{path}: {kind}; nag data import reads plain JSON sources only (see docs/how-to/get-the-data.md)");
        int first = Array.FindIndex(head, 0, n, b => b is not ((byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0xEF or 0xBB or 0xBF));
        if (first < 0 || head[first] is not ((byte)'{' or (byte)'['))
            throw new NagDataException($"{path}: not a JSON document (it does not start with '{{' or '['); nag data import reads plain JSON sources only");
    }

    private static JsonElement ParseJson(string path)
    {
        // Python's json module writes NaN and Infinity as bare words, which strict JSON parsers refuse; read them as null.
        string text = BareNonFiniteToNull(File.ReadAllText(path));
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
            return doc.RootElement.Clone();
        }
        catch (JsonException e) { throw new NagDataException($"{path}: not valid JSON (line {e.LineNumber + 1}: {e.Message.Split('.')[0]})"); }
    }

    private static string BareNonFiniteToNull(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool inString = false;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < s.Length) sb.Append(s[++i]);
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') { inString = true; sb.Append(c); continue; }
            string? word = Match(s, i, "-Infinity") ?? Match(s, i, "Infinity") ?? Match(s, i, "NaN");
            if (word is null) { sb.Append(c); continue; }
            sb.Append("null");
            i += word.Length - 1;
        }
        return sb.ToString();
    }

    private static string? Match(string s, int i, string word) => string.CompareOrdinal(s, i, word, 0, word.Length) == 0 ? word : null;

    // ---------- NASLib zero-cost files ----------

    /// <summary>
    /// NASLib's zero-cost files map dataset (task) -> architecture hash -> field -> value, where a value is a number
    /// (<c>val_accuracy</c>) or an object whose <c>score</c> is the number (proxies, <c>flops</c>, <c>params</c>). NB101
    /// and NB301 take one dataset (cifar10): every field becomes a column under its own name (<c>id</c>, a row number, is
    /// left out). TransNAS-Bench-101 takes every task: its <c>val_accuracy</c> becomes the task's column.
    /// </summary>
    private static (string[] Header, List<string[]> Rows) ZeroCost(ISearchSpace space, IReadOnlyList<string> files)
    {
        bool perTask = space.Name.StartsWith("tnb101", StringComparison.Ordinal);
        // architecture key -> column -> value, in first-seen order.
        var values = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var order = new List<string>();
        var columns = new List<string>();
        foreach (var file in files)
        {
            var root = ParseJson(file);
            if (root.ValueKind != JsonValueKind.Object) throw new NagDataException($"{file}: expected an object of datasets (NASLib zero-cost layout)");
            var datasets = root.EnumerateObject().ToList();
            if (!perTask && datasets.Count != 1)
                throw new NagDataException($"{file}: {datasets.Count} datasets ({string.Join(", ", datasets.Select(d => d.Name))}); {space.Name} tables take one: import a file with only cifar10");
            foreach (var dataset in datasets)
            {
                if (dataset.Value.ValueKind != JsonValueKind.Object) throw new NagDataException($"{file}: dataset '{dataset.Name}' is not an object of architectures");
                foreach (var arch in dataset.Value.EnumerateObject())
                {
                    string where = $"{file}: dataset '{dataset.Name}', architecture '{arch.Name}'";
                    if (arch.Value.ValueKind != JsonValueKind.Object) throw new NagDataException($"{where}: not an object of fields");
                    string key = arch.Name;
                    if (!values.TryGetValue(key, out var row)) { values[key] = row = new(StringComparer.Ordinal); order.Add(key); }
                    foreach (var field in arch.Value.EnumerateObject())
                    {
                        if (field.Name == "id") continue;
                        if (perTask && field.Name != "val_accuracy") continue;
                        string column = perTask ? dataset.Name : field.Name;
                        double? v = field.Value.ValueKind switch
                        {
                            JsonValueKind.Number => field.Value.GetDouble(),
                            JsonValueKind.Object when field.Value.TryGetProperty("score", out var sc) && sc.ValueKind == JsonValueKind.Number => sc.GetDouble(),
                            JsonValueKind.Object when field.Value.TryGetProperty("score", out var sc) && sc.ValueKind == JsonValueKind.Null => double.NaN,
                            JsonValueKind.Null => double.NaN,
                            _ => null,
                        };
                        if (v is not double d) throw new NagDataException($"{where}: field '{field.Name}' is neither a number nor an object with a numeric 'score'");
                        if (!double.IsFinite(d)) throw new NagDataException($"{where}: field '{field.Name}' is not a finite number");
                        if (!columns.Contains(column)) columns.Add(column);
                        if (!row.TryAdd(column, d.ToString("R", CultureInfo.InvariantCulture)))
                            throw new NagDataException($"{where}: column '{column}' is given twice (the same architecture in two files?)");
                    }
                }
            }
        }
        if (order.Count == 0) throw new NagDataException($"{string.Join(", ", files)}: no architectures");
        var archHeader = space.Name switch
        {
            "nb101" => new[] { "adjacency_7x7_rowmajor", "ops" },
            "nb301" => new[] { "genotype", "naslib_compact" },
            _ => new[] { "arch_naslib" },
        };
        var rows = new List<string[]>();
        foreach (var key in order)
        {
            var row = values[key];
            var missing = columns.Where(c => !row.ContainsKey(c)).ToList();
            if (missing.Count > 0) throw new NagDataException($"{string.Join(", ", files)}: architecture '{key}' lacks {string.Join(", ", missing)}");
            string[] arch = space.Name switch
            {
                "nb101" => Nb101FromHash(files, key),
                "nb301" => [ParseArch(space, files, key).ToString(), key],
                _ => [key],
            };
            rows.Add([.. arch, .. columns.Select(c => row[c])]);
        }
        return ([.. archHeader, .. columns], rows);
    }

    private static Arch ParseArch(ISearchSpace space, IReadOnlyList<string> files, string key)
    {
        try { return space.Parse(key); }
        catch (ArchFormatException e) { throw new NagDataException($"{string.Join(", ", files)}: architecture '{key}': {e.Message}"); }
    }

    private static string[] Nb101FromHash(IReadOnlyList<string> files, string key)
    {
        var parts = key.Trim().TrimStart('(').TrimEnd(')').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        int n = (int)Math.Round((-1 + Math.Sqrt(1 + 4.0 * parts.Length)) / 2);
        var ints = new int[parts.Length];
        bool ok = n >= 2 && n * n + n == parts.Length;
        for (int i = 0; ok && i < parts.Length; i++) ok = int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out ints[i]);
        for (int i = 0; ok && i < n * n; i++) ok = ints[i] is 0 or 1;
        for (int i = n * n; ok && i < ints.Length; i++) ok = ints[i] >= 0 && ints[i] < NaslibNb101Ops.Length;
        if (!ok) throw new NagDataException($"{string.Join(", ", files)}: architecture '{key}' is not NASLib's NB101 hash (n*n adjacency bits, then n operation indices)");
        return [string.Concat(ints[..(n * n)].Select(b => b == 1 ? '1' : '0')), string.Join("|", ints[(n * n)..].Select(o => NaslibNb101Ops[o]))];
    }

    // ---------- NAS-Bench-NLP training logs ----------

    /// <summary>
    /// One row per log, in file-name order: recipe id, status, epochs logged (length of <c>val_losses</c>), parameter
    /// count, and perplexities exp(loss): the best validation epoch's validation and test perplexity (over finite
    /// losses), and the last epoch's (empty when that loss is not finite).
    /// </summary>
    private static (string[] Header, List<string[]> Rows) NlpLogs(IReadOnlyList<string> files)
    {
        var inv = CultureInfo.InvariantCulture;
        var rows = new List<string[]>();
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            var log = ParseJson(file);
            if (log.ValueKind != JsonValueKind.Object) throw new NagDataException($"{file}: expected a NAS-Bench-NLP log object");
            JsonElement Field(string name) => log.TryGetProperty(name, out var v) ? v : throw new NagDataException($"{file}: field '{name}' is missing");
            double?[] Losses(string name)
            {
                var a = Field(name);
                if (a.ValueKind != JsonValueKind.Array) throw new NagDataException($"{file}: field '{name}' is not an array");
                return a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number ? x.GetDouble() : x.ValueKind == JsonValueKind.Null ? (double?)null
                    : throw new NagDataException($"{file}: field '{name}' holds a non-number")).ToArray();
            }
            string recipe = Field("recepie").ValueKind == JsonValueKind.String ? Field("recepie").GetString()! : throw new NagDataException($"{file}: field 'recepie' is not a string");
            var val = Losses("val_losses");
            var test = Losses("test_losses");
            if (test.Length < val.Length) throw new NagDataException($"{file}: {test.Length} test losses for {val.Length} validation losses");
            static string Ppl(double? loss) => loss is double l && double.IsFinite(l) ? Math.Exp(l).ToString("R", CultureInfo.InvariantCulture) : "";
            int best = -1;
            for (int e = 0; e < val.Length; e++)
                if (val[e] is double v && double.IsFinite(v) && (best < 0 || v < val[best]!.Value)) best = e;
            rows.Add([
                Field("recepie_id").GetRawText().Trim('"'),
                Field("status").ValueKind == JsonValueKind.String ? Field("status").GetString()! : throw new NagDataException($"{file}: field 'status' is not a string"),
                val.Length.ToString(inv),
                Field("num_params").ValueKind == JsonValueKind.Number ? Field("num_params").GetRawText() : throw new NagDataException($"{file}: field 'num_params' is not a number"),
                best < 0 ? "" : Ppl(val[best]), best < 0 ? "" : Ppl(test[best]),
                val.Length == 0 ? "" : Ppl(val[^1]), val.Length == 0 ? "" : Ppl(test[val.Length - 1]),
                recipe,
            ]);
        }
        return (["recepie_id", "status", "epochs_logged", "num_params", "best_val_ppl", "test_ppl_at_best_val", "final_val_ppl", "final_test_ppl", "recepie_json"], rows);
    }

    private static string ToCsv(string[] header, List<string[]> rows)
    {
        var sb = new StringBuilder();
        sb.AppendJoin(',', header.Select(Quote)).Append('\n');
        foreach (var r in rows) sb.AppendJoin(',', r.Select(Quote)).Append('\n');
        return sb.ToString();
    }

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
