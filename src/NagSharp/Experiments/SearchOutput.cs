using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using NagSharp.Benchmarks;
using NagSharp.Search;

namespace NagSharp.Experiments;

/// <summary>What a search output directory says about its run (from <c>summary.json</c>).</summary>
/// <param name="Space">Search space name.</param>
/// <param name="Objective">Column the strategies queried.</param>
/// <param name="Report">Column the figures report.</param>
/// <param name="Budget">Queries per run.</param>
/// <param name="Minimize">Whether the objective is lower-is-better.</param>
/// <param name="Settings">The stored strategy settings, when the summary has them (raw JSON).</param>
public sealed record SearchHeader(string Space, string Objective, string Report, int Budget, bool Minimize, string? Settings);

/// <summary>
/// The files of a search output directory: <c>trials.csv</c> (every query), <c>summary.csv</c> and <c>summary.json</c>
/// (per strategy), as <c>nag search</c>, each pair of <c>nag bench search</c> and <c>nag pool</c> write them and
/// <c>nag plot</c> and <c>nag pool</c> read them.
/// </summary>
public static class SearchOutput
{
    private const string TrialsHeader = "strategy,seed,query,arch,objective,report";
    // Constrained and non-table searches add each trial's constraint violation (0: feasible). The seconds an evaluation
    // took stay in the experiment store: the file is the same for the same seed.
    private const string DetailedTrialsHeader = TrialsHeader + ",violation";

    /// <summary>Writes trials.csv, summary.csv and summary.json into <paramref name="dir"/> (each atomically).</summary>
    public static void Write(string dir, SearchRunResult result)
    {
        Directory.CreateDirectory(dir);
        AtomicFile.WriteText(Path.Combine(dir, "trials.csv"), w =>
        {
            bool details = result.HasTrialDetails;
            w.WriteLine(details ? DetailedTrialsHeader : TrialsHeader);
            foreach (var t in result.Trials)
                w.WriteLine(string.Join(",", t.Strategy, t.Seed.ToString(CultureInfo.InvariantCulture), t.Query.ToString(CultureInfo.InvariantCulture),
                    CsvField(t.Arch), Num(t.Objective), Num(t.Report)) + (details ? "," + Num(t.Violation) : ""));
        });
        var budgets = Budgets(result.Summaries);
        var seconds = result.Seconds;
        AtomicFile.WriteText(Path.Combine(dir, "summary.csv"), w =>
        {
            w.WriteLine("strategy,seeds," + string.Join(",", budgets.Select(x => $"mean_at_{x},std_at_{x}")) + ",queries_to_optimum,found_optimum,seconds");
            foreach (var sm in result.Summaries)
                w.WriteLine(string.Join(",", new[] { sm.Strategy, sm.Seeds.ToString(CultureInfo.InvariantCulture) }
                    .Concat(budgets.SelectMany(x => new[] { Num(sm.BestReport[x].Mean), Num(sm.BestReport[x].Std) }))
                    .Append(Num(sm.QueriesToOptimum)).Append(sm.FoundOptimum.ToString(CultureInfo.InvariantCulture))
                    .Append(seconds is not null && seconds.TryGetValue(sm.Strategy, out double sec) ? Num(sec) : "")));
        });
        AtomicFile.WriteText(Path.Combine(dir, "summary.json"), w => w.WriteLine(SummaryText(result)));
    }

    /// <summary>The content of summary.json (one line of JSON; figures that do not exist are null).</summary>
    public static string SummaryText(SearchRunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var budgets = Budgets(result.Summaries);
        var seconds = result.Seconds;
        bool constrained = result.Constraints is { Count: > 0 };
        var summary = new SummaryJson(result.Space, result.Objective, result.Report, result.Budget, result.Seeds, result.Minimize, result.Settings,
            result.Summaries.Select(sm => new StrategyJson(sm.Strategy, budgets.ToDictionary(x => x, x => new MeanStd(Finite(sm.BestReport[x].Mean), Finite(sm.BestReport[x].Std))),
                Finite(sm.QueriesToOptimum), sm.FoundOptimum, seconds is not null && seconds.TryGetValue(sm.Strategy, out double sec) ? sec : null,
                constrained ? sm.Infeasible : null, constrained ? sm.FeasibleRuns ?? budgets.ToDictionary(x => x, _ => sm.Seeds) : null)).ToArray(),
            result.Evaluator == "table" ? null : result.Evaluator, constrained ? result.Constraints : null, result.Notes is { Count: > 0 } ? result.Notes : null);
        return JsonSerializer.Serialize(summary, Json.SerializerOptions);
    }

    /// <summary>The budgets a summary reports at, ascending.</summary>
    public static int[] Budgets(IReadOnlyList<StrategySummary> summaries) => summaries[0].BestReport.Keys.Order().ToArray();

    /// <summary>The header and trials of an output directory; a one-line data error for anything missing or malformed.</summary>
    public static (SearchHeader Header, List<Trial> Trials) Read(string dir)
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

    private static List<Trial> ReadTrials(string path)
    {
        var list = new List<Trial>();
        int fields = 6;
        foreach (var (line, f) in Csv.Read(path))
        {
            if (line == 1)
            {
                string header = string.Join(",", f);
                if (header != TrialsHeader && header != DetailedTrialsHeader) throw new NagDataException($"{path}:1: unexpected header");
                fields = f.Length;
                continue;
            }
            if (f.Length != fields) throw new NagDataException($"{path}:{line}: {f.Length} fields, expected {fields}");
            double violation = 0;
            if (fields == 7 && (!double.TryParse(f[6], NumberStyles.Float, CultureInfo.InvariantCulture, out violation) || !(violation >= 0)))
                throw new NagDataException($"{path}:{line}: malformed violation");
            if (!int.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed) ||
                !int.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int query) ||
                !double.TryParse(f[4], NumberStyles.Float, CultureInfo.InvariantCulture, out double obj) ||
                !double.TryParse(f[5], NumberStyles.Float, CultureInfo.InvariantCulture, out double rep))
                throw new NagDataException($"{path}:{line}: malformed number");
            list.Add(new Trial(f[0], seed, query, f[3], obj, rep, violation));
        }
        if (list.Count == 0) throw new NagDataException($"{path}: no trials");
        return list;
    }

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    // JSON has no NaN: a figure that does not exist (no feasible trial, no known optimum) is written as null.
    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static string CsvField(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    // The JSON shape of summary.json (snake case through Json.SerializerOptions); plot, pool and the docs read these names.
    private sealed record SummaryJson(string Space, string Objective, string Report, int Budget, int Seeds, bool Minimize,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SearchSettings? Settings, IReadOnlyList<StrategyJson> Strategies,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Evaluator = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Constraints = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Notes = null);

    private sealed record StrategyJson(string Strategy, IReadOnlyDictionary<int, MeanStd> BestReport, double? QueriesToOptimum, int FoundOptimum,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Seconds,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Infeasible = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<int, int>? FeasibleRuns = null);

    private sealed record MeanStd(double? Mean, double? Std);
}
