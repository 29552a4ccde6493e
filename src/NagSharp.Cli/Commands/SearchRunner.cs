using System.Globalization;
using System.Text.Json;
using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Score;
using NagSharp.Search;
using NagSharp.Spaces;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary>
/// Settings of the model-based strategies, stored with an experiment so that a resumed run rebuilds the same
/// strategies.
/// </summary>
/// <param name="Acquisition">its, ucb or ei.</param>
/// <param name="Guidance">Guidance scale of generator BO and transfer.</param>
/// <param name="Samples">Architectures generated per BO round.</param>
/// <param name="SampleSteps">Sampler steps per generation.</param>
/// <param name="Generator">Generator checkpoint, or null for the default model of the space.</param>
/// <param name="TransferFrom">Source columns of the transfer strategy.</param>
/// <param name="Minimize">The objective is lower-is-better (perplexity, latency).</param>
/// <param name="RandomCandidates">Uniform candidates per round of bananas and gp-bo beside the mutations (a number near
/// the table size makes their acquisition optimisation near-exhaustive).</param>
/// <param name="CostInputs">gp-bo and generator-bo's GP ranker: the space's analytic costs join the GP's inputs.</param>
/// <param name="SurrogateEncoding">Inputs of the MLP ensemble of bananas, generator-bo and transfer (<see cref="EnsembleConfig.Encodings"/>).</param>
/// <param name="Ranker">generator-bo: what ranks the generated candidates (<see cref="BoConfig.Rankers"/>).</param>
public sealed record SearchSettings(string Acquisition = "its", double Guidance = 10, int Samples = 64, int SampleSteps = 25,
    string? Generator = null, IReadOnlyList<string>? TransferFrom = null, bool Minimize = false, int RandomCandidates = 50,
    bool CostInputs = false, string SurrogateEncoding = "onehot", string Ranker = "ensemble")
{
    /// <summary>JSON form stored in the experiment store.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json.SerializerOptions);

    /// <summary>Reads the stored form; an empty object gives the defaults.</summary>
    public static SearchSettings FromJson(string json, string where)
    {
        try { return JsonSerializer.Deserialize<SearchSettings>(json, Json.SerializerOptions) ?? new SearchSettings(); }
        catch (JsonException e) { throw new NagDataException($"{where}: malformed strategy settings ({e.Message})"); }
    }
}

/// <summary>Runs strategies over seeds and writes the outputs shared by <c>nag search</c> and <c>nag bench search</c>.</summary>
public static class SearchRunner
{
    /// <summary>
    /// The BO settings of <paramref name="settings"/>, validated: a user error for any unusable value, so commands can
    /// check their flags before they create an output directory.
    /// </summary>
    public static BoConfig Bo(SearchSettings settings)
    {
        if (settings.RandomCandidates < 0) throw new NagUserException($"--random-candidates must be at least 0, got {settings.RandomCandidates}");
        var bo = new BoConfig(Acquisition: Search.Acquisition.Validate(settings.Acquisition), RandomCandidates: settings.RandomCandidates,
            CostInputs: settings.CostInputs, Ensemble: new EnsembleConfig(Encoding: settings.SurrogateEncoding), Ranker: settings.Ranker);
        bo.Validate();
        if (settings.Samples < 1 || settings.SampleSteps < 1 || settings.Guidance < 0 || !double.IsFinite(settings.Guidance))
            throw new NagUserException("--samples and --sample-steps must be positive and --guidance a non-negative number");
        return bo;
    }

    /// <summary>
    /// Strategy options for a run; the generator and the transfer prior are built on first use and shared by all
    /// seeds. Transfer sources may not be the objective or the report column (that would leak the answer).
    /// </summary>
    public static (StrategyOptions Options, Action Dispose) Options(CliContext ctx, ISearchSpace space, BenchmarkData data, string objective,
        string report, SearchSettings settings, string modelsDir)
    {
        var sources = settings.TransferFrom ?? [];
        foreach (var c in sources)
        {
            data.RequireColumn(c);
            if (c == objective || c == report) throw new NagUserException($"--transfer-from {c}: a transfer source cannot be the objective or report column");
        }
        TorchSharp.torch.set_num_threads(1);   // tiny tensors: a second thread only adds synchronisation (README)
        var bo = Bo(settings);
        var gen = new GeneratorBoConfig(settings.Samples, new SamplerConfig(Steps: settings.SampleSteps), settings.Guidance);
        IArchGenerator? generator = null;
        TransferPrior? prior = null;
        IArchGenerator Generator()
        {
            if (generator is not null) return generator;
            string path = settings.Generator ?? DefaultModels.Generator(ctx, space.Name, modelsDir, preset: "tiny", steps: 2000);
            generator = GeneratorBoSearch.OpenGenerator(path);
            if (generator.Space.Name != space.Name)
            {
                string other = generator.Space.Name;
                generator.Dispose(); generator = null;
                throw new NagUserException($"{path}: generator of {other}, but the search is on {space.Name}");
            }
            return generator;
        }
        TransferPrior Transfer()
        {
            if (prior is not null) return prior;
            if (sources.Count == 0) throw new NagUserException("strategy transfer needs --transfer-from <column>[,<column>...]");
            prior = TransferPrior.Pretrain(space, TransferPrior.SourceRows(data, sources, settings.Minimize), bo.EnsembleOrDefault, Generator().Sde);
            return prior;
        }
        var options = new StrategyOptions { Bo = bo, GeneratorBo = gen, Generator = Generator, Transfer = Transfer };
        return (options, () => { prior?.Dispose(); generator?.Dispose(); });
    }

    /// <summary>Runs every (strategy, seed), replaying recorded trials first, and returns all trials in order.</summary>
    public static List<Trial> Run(IReadOnlyList<string> names, ISearchSpace space, BenchmarkData data, string objective, string report, int budget,
        int seeds, int first, StrategyOptions options, IReadOnlyList<Trial> recordedAll, ITrialRecorder? recorder, Action<int, int, string>? progress,
        bool minimize = false)
    {
        var trials = new List<Trial>();
        int done = 0;
        foreach (var n in names)
            for (int k = 0; k < seeds; k++)
            {
                var recorded = recordedAll.Where(t => t.Strategy == n && t.Seed == first + k).OrderBy(t => t.Query).ToList();
                var strategy = StrategyRegistry.Create(n, space, first + k, options);
                try { trials.AddRange(SearchHarness.Run(strategy, data, objective, report, budget, first + k, recorded, recorder, minimize: minimize)); }
                finally { (strategy as IDisposable)?.Dispose(); }
                progress?.Invoke(++done, names.Count * seeds, $"{n} seed {first + k}");
            }
        return trials;
    }

    /// <summary>Writes trials.csv, summary.csv and summary.json into <paramref name="dir"/> (each atomically).</summary>
    public static void Write(string dir, string space, string objective, string report, int budget, int seeds, IReadOnlyList<Trial> trials,
        IReadOnlyList<StrategySummary> summaries, IReadOnlyDictionary<string, double>? seconds = null, bool minimize = false,
        SearchSettings? settings = null)
    {
        Directory.CreateDirectory(dir);
        AtomicFile.WriteText(Path.Combine(dir, "trials.csv"), w =>
        {
            w.WriteLine("strategy,seed,query,arch,objective,report");
            foreach (var t in trials)
                w.WriteLine(string.Join(",", t.Strategy, t.Seed.ToString(CultureInfo.InvariantCulture), t.Query.ToString(CultureInfo.InvariantCulture),
                    CliHelpers.CsvField(t.Arch), CliHelpers.Num(t.Objective), CliHelpers.Num(t.Report)));
        });
        var budgets = summaries[0].BestReport.Keys.Order().ToArray();
        AtomicFile.WriteText(Path.Combine(dir, "summary.csv"), w =>
        {
            w.WriteLine("strategy,seeds," + string.Join(",", budgets.Select(x => $"mean_at_{x},std_at_{x}")) + ",queries_to_optimum,found_optimum,seconds");
            foreach (var sm in summaries)
                w.WriteLine(string.Join(",", new[] { sm.Strategy, sm.Seeds.ToString(CultureInfo.InvariantCulture) }
                    .Concat(budgets.SelectMany(x => new[] { CliHelpers.Num(sm.BestReport[x].Mean), CliHelpers.Num(sm.BestReport[x].Std) }))
                    .Append(CliHelpers.Num(sm.QueriesToOptimum)).Append(sm.FoundOptimum.ToString(CultureInfo.InvariantCulture))
                    .Append(seconds is not null && seconds.TryGetValue(sm.Strategy, out double sec) ? CliHelpers.Num(sec) : "")));
        });
        AtomicFile.WriteText(Path.Combine(dir, "summary.json"), w => w.WriteLine(Json.Write(j =>
        {
            j.WriteStartObject();
            j.WriteString("space", space); j.WriteString("objective", objective); j.WriteString("report", report);
            j.WriteNumber("budget", budget); j.WriteNumber("seeds", seeds); j.WriteBoolean("minimize", minimize);
            if (settings is not null) { j.WritePropertyName("settings"); j.WriteRawValue(settings.ToJson()); }   // what produced these figures
            j.WriteStartArray("strategies");
            foreach (var sm in summaries)
            {
                j.WriteStartObject();
                j.WriteString("strategy", sm.Strategy);
                j.WriteStartObject("best_report");
                foreach (var x in budgets) { j.WriteStartObject(x.ToString(CultureInfo.InvariantCulture)); j.WriteNumber("mean", sm.BestReport[x].Mean); j.WriteNumber("std", sm.BestReport[x].Std); j.WriteEndObject(); }
                j.WriteEndObject();
                j.WriteNumber("queries_to_optimum", sm.QueriesToOptimum);
                j.WriteNumber("found_optimum", sm.FoundOptimum);
                if (seconds is not null && seconds.TryGetValue(sm.Strategy, out double sec)) j.WriteNumber("seconds", sec);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject();
        })));
    }

    /// <summary>The console table of a summary.</summary>
    public static Table Table(string report, IReadOnlyList<StrategySummary> summaries)
    {
        var budgets = summaries[0].BestReport.Keys.Order().ToArray();
        var table = new Table().AddColumn("strategy");
        foreach (var x in budgets) table.AddColumn($"{Markup.Escape(report)} @{x}");
        table.AddColumn("queries to optimum").AddColumn("found");
        foreach (var sm in summaries)
            table.AddRow(new[] { sm.Strategy }.Concat(budgets.Select(x => string.Create(CultureInfo.InvariantCulture, $"{sm.BestReport[x].Mean:F3} ± {sm.BestReport[x].Std:F3}")))
                .Append(sm.QueriesToOptimum.ToString("F1", CultureInfo.InvariantCulture)).Append($"{sm.FoundOptimum}/{sm.Seeds}").ToArray());
        return table;
    }
}
