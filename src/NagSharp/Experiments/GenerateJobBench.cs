using System.Globalization;
using System.Text;
using NagSharp.Benchmarks;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>
/// The generate job (<see cref="GenerationRun"/>, what <c>nag generate --objective O</c> runs) as it is, over several
/// seeds and every objective/report pair of a space: the figures the job's defaults are held to.
/// </summary>
/// <param name="Space">Space of the default generator.</param>
/// <param name="Pairs">Objective/report pairs; null: every pair <see cref="SearchBench.DiscoverPairs"/> finds.</param>
/// <param name="Seeds">Seeds per pair (seed, seed+1, ...).</param>
/// <param name="Seed">First seed.</param>
/// <param name="Job">The job's settings; its objective and report are set per pair, its seed per run.</param>
public sealed record GenerateJobBenchSettings(string Space = "nb201", IReadOnlyList<(string Objective, string Report)>? Pairs = null,
    int Seeds = 5, int Seed = 0, GenerationRunSettings? Job = null);

/// <summary>One run of the job.</summary>
/// <param name="Seed">Its seed.</param>
/// <param name="Distinct">Distinct valid architectures returned.</param>
/// <param name="Samples">Samples drawn.</param>
/// <param name="MsPerDistinct">Sampling time per returned architecture (every sample drawn counted).</param>
/// <param name="ReportMean">Mean report value of the returned architectures.</param>
/// <param name="ExhaustiveMean">Mean report value of the predictor's own top-n over the whole space (NaN when not enumerable).</param>
public sealed record GenerateJobRun(int Seed, int Distinct, int Samples, double MsPerDistinct, double ReportMean, double ExhaustiveMean);

/// <summary>The runs of one pair, with the best any ranking by the objective could do for as many distinct architectures.</summary>
/// <param name="Objective">Guided column.</param>
/// <param name="Report">Reported column.</param>
/// <param name="Runs">One per seed.</param>
/// <param name="OracleTopMean">Mean report value of the table's top-n by the objective itself (the ceiling of any ranking by it).</param>
public sealed record GenerateJobPair(string Objective, string Report, IReadOnlyList<GenerateJobRun> Runs, double OracleTopMean);

/// <summary>What <see cref="GenerateJobBench.Run"/> measured.</summary>
public sealed record GenerateJobBenchResult(string Space, int N, IReadOnlyList<GenerateJobPair> Pairs, double Seconds);

/// <summary>Runs <see cref="GenerateJobBenchSettings"/>.</summary>
public static class GenerateJobBench
{
    /// <summary>Runs every pair and seed, training the default models once per pair (cached in the job's models directory).</summary>
    public static GenerateJobBenchResult Run(GenerateJobBenchSettings settings, string? dataDir, IProgress<ExperimentEvent>? progress = null)
    {
        Guard.Positive(settings.Seeds, "GenerateJobBenchSettings.Seeds");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var space = SpaceRegistry.Get(settings.Space);
        var job = settings.Job ?? new GenerationRunSettings();
        job.Validate();   // before the tables are read and default models trained
        var data = BenchmarkData.Load(space, DataLocator.Resolve(dataDir), job.ExtraTables);
        var pairs = settings.Pairs?.ToList() ?? SearchBench.DiscoverPairs(data);
        if (pairs.Count == 0) throw new NagUserException($"{space.Name}: no objective/report pairs (a *valid* column with a *test* twin); give GenerateJobBenchSettings.Pairs");
        var result = new List<GenerateJobPair>();
        foreach (var (objective, report) in pairs)
        {
            data.RequireColumn(objective);
            data.RequireColumn(report);
            var runs = new List<GenerateJobRun>();
            for (int k = 0; k < settings.Seeds; k++)
            {
                int seed = settings.Seed + k;
                progress.Step($"{objective}", k, settings.Seeds, $"seed {seed}");
                var r = GenerationRun.Run(job with
                {
                    Space = settings.Space, Objective = objective, Predictor = null, Reports = [report],
                    Generate = job.Generate with { Seed = seed },
                }, dataDir, progress);
                runs.Add(new GenerateJobRun(seed, r.UniqueValidCount, r.Samples, (r.SecondsPerUniqueValid ?? double.NaN) * 1000,
                    r.Report[report]?.Mean ?? double.NaN, r.Exhaustive?.ReportMean[report] ?? double.NaN));
            }
            progress.Step($"{objective}", settings.Seeds, settings.Seeds, "");
            result.Add(new GenerateJobPair(objective, report, runs, OracleTop(data, objective, report, job.Generate.Count)));
        }
        return new GenerateJobBenchResult(space.Name, job.Generate.Count, result, clock.Elapsed.TotalSeconds);
    }

    // The table's n best rows by the objective (higher is better), read on the report column.
    private static double OracleTop(BenchmarkData data, string objective, string report, int n) =>
        data.Keys.Select(data.ArchOf).Select(a => (Obj: data.Get(a, objective), Rep: data.Get(a, report)))
            .Where(x => x.Obj is not null && x.Rep is not null).OrderByDescending(x => x.Obj!.Value).Take(n).Select(x => x.Rep!.Value).DefaultIfEmpty(double.NaN).Average();

    /// <summary>The result as markdown: one row per pair and seed, then the mean and the worst seed.</summary>
    public static string Markdown(GenerateJobBenchResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"### {r.Space}: the generate job, n = {r.N} distinct valid architectures\n\n");
        sb.Append("| objective -> report | seed | distinct | samples | ms / distinct | mean report | predictor's own top-n | best ranking by the objective |\n|---|---|---|---|---|---|---|---|\n");
        foreach (var p in r.Pairs)
        {
            foreach (var x in p.Runs)
                sb.Append(inv, $"| {p.Objective} -> {p.Report} | {x.Seed} | {x.Distinct} | {x.Samples} | {x.MsPerDistinct:F1} | {x.ReportMean:F3} | {x.ExhaustiveMean:F3} | {p.OracleTopMean:F3} |\n");
            sb.Append(inv, $"| {p.Objective} -> {p.Report} | mean (worst) | | | {p.Runs.Average(x => x.MsPerDistinct):F1} ({p.Runs.Max(x => x.MsPerDistinct):F1}) | " +
                $"{p.Runs.Average(x => x.ReportMean):F3} ({p.Runs.Min(x => x.ReportMean):F3}) | | |\n");
        }
        sb.Append(inv, $"\n{r.Seconds:F0} s in all (default models trained once per pair when missing).\n");
        return sb.ToString();
    }
}
