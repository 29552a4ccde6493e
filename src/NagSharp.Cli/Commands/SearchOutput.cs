using System.Globalization;
using System.Text.Json;
using NagSharp.Benchmarks;

namespace NagSharp.Cli.Commands;

/// <summary>What a <c>nag search</c> output directory says about its run (from <c>summary.json</c>).</summary>
/// <param name="Space">Search space name.</param>
/// <param name="Objective">Column the strategies queried.</param>
/// <param name="Report">Column the figures report.</param>
/// <param name="Budget">Queries per run.</param>
/// <param name="Minimize">Whether the objective is lower-is-better.</param>
/// <param name="Settings">The stored strategy settings, when the summary has them (raw JSON).</param>
public sealed record SearchHeader(string Space, string Objective, string Report, int Budget, bool Minimize, string? Settings);

/// <summary>Reads the outputs of <c>nag search</c> (and of each pair of <c>nag bench search</c>) for plotting and pooling.</summary>
public static class SearchOutput
{
    /// <summary>The header and trials of an output directory; a one-line data error for anything missing or malformed.</summary>
    public static (SearchHeader Header, List<Search.Trial> Trials) Read(string dir)
    {
        string summaryPath = Path.Combine(dir, "summary.json"), trialsPath = Path.Combine(dir, "trials.csv");
        if (!File.Exists(summaryPath) || !File.Exists(trialsPath)) throw new NagDataException($"{dir}: not a `nag search` output (needs summary.json and trials.csv)");
        SearchHeader header;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(summaryPath));
            var r = doc.RootElement;
            header = new SearchHeader(r.GetProperty("space").GetString()!, r.GetProperty("objective").GetString()!, r.GetProperty("report").GetString()!,
                r.GetProperty("budget").GetInt32(), r.TryGetProperty("minimize", out var m) && m.GetBoolean(),
                r.TryGetProperty("settings", out var s) ? s.GetRawText() : null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new NagDataException($"{summaryPath}: malformed summary ({e.Message})");
        }
        return (header, ReadTrials(trialsPath));
    }

    private static List<Search.Trial> ReadTrials(string path)
    {
        var list = new List<Search.Trial>();
        foreach (var (line, f) in Csv.Read(path))
        {
            if (line == 1)
            {
                if (string.Join(",", f) != "strategy,seed,query,arch,objective,report") throw new NagDataException($"{path}:1: unexpected header");
                continue;
            }
            if (f.Length != 6) throw new NagDataException($"{path}:{line}: {f.Length} fields, expected 6");
            if (!int.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed) ||
                !int.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int query) ||
                !double.TryParse(f[4], NumberStyles.Float, CultureInfo.InvariantCulture, out double obj) ||
                !double.TryParse(f[5], NumberStyles.Float, CultureInfo.InvariantCulture, out double rep))
                throw new NagDataException($"{path}:{line}: malformed number");
            list.Add(new Search.Trial(f[0], seed, query, f[3], obj, rep));
        }
        if (list.Count == 0) throw new NagDataException($"{path}: no trials");
        return list;
    }
}
