using System.Globalization;
using System.Text;
using System.Text.Json;
using NagSharp.Benchmarks;
using NagSharp.Evaluation;
using NagSharp.Experiments;
using NagSharp.Spaces;

namespace NagSharp.Search.MultiObjective;

/// <summary>Settings of <see cref="ParetoRun"/>.</summary>
/// <param name="Space">Search space name.</param>
/// <param name="Objectives">The objective columns (two: the hypervolume is exact in two dimensions).</param>
/// <param name="Strategies">Strategy names; null: <see cref="ParetoRun.DefaultStrategies"/>.</param>
/// <param name="Budget">Queries per run.</param>
/// <param name="Seeds">Runs per strategy.</param>
/// <param name="FirstSeed">First seed.</param>
/// <param name="Strategy">Settings of the model-based strategies and the evaluator (its Minimize is not used: each
/// objective's direction is its column's).</param>
/// <param name="Reference">Hypervolume reference point, one value per objective in its own units; null: the nadir of
/// every feasible trial of the search (see <see cref="ParetoRun.Run"/>).</param>
/// <param name="ModelsDir">Where default generators are cached.</param>
/// <param name="DataDir">Benchmark data directory (null: the default lookup).</param>
/// <param name="ExtraTables">Extra metric tables loaded beside the space's own.</param>
public sealed record ParetoRunSettings(string Space, IReadOnlyList<string> Objectives, IReadOnlyList<string>? Strategies = null, int Budget = 100,
    int Seeds = 20, int FirstSeed = 0, SearchSettings? Strategy = null, IReadOnlyList<double>? Reference = null, string? ModelsDir = null,
    string? DataDir = null, IReadOnlyList<string>? ExtraTables = null);

/// <summary>One strategy's figures over its seeds.</summary>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Seeds">Runs aggregated.</param>
/// <param name="Hypervolume">Budget -&gt; (mean, sample std) of the hypervolume of each run's feasible trials so far.</param>
/// <param name="FrontSize">Mean number of points on a run's front at the full budget.</param>
/// <param name="Infeasible">Mean infeasible trials per run.</param>
public sealed record ParetoSummary(string Strategy, int Seeds, IReadOnlyDictionary<int, (double Mean, double Std)> Hypervolume, double FrontSize, double Infeasible);

/// <summary>A point of a Pareto front: the first trial that found it.</summary>
/// <param name="Strategy">Strategy that found it.</param>
/// <param name="Seed">Seed of that run.</param>
/// <param name="Query">Query at which it was found.</param>
/// <param name="Arch">The architecture.</param>
/// <param name="Values">Its objective values.</param>
public sealed record FrontPoint(string Strategy, int Seed, int Query, string Arch, IReadOnlyList<double> Values);

/// <summary>What a multi-objective search produced.</summary>
/// <param name="Space">Search space name.</param>
/// <param name="Objectives">The objectives, in order.</param>
/// <param name="Directions">"higher" or "lower" per objective.</param>
/// <param name="Reference">The hypervolume's reference point.</param>
/// <param name="ReferenceSource">"given" or "nadir" (of every feasible trial of this search).</param>
/// <param name="Budget">Queries per run.</param>
/// <param name="Seeds">Runs per strategy.</param>
/// <param name="Evaluator">What answered the queries.</param>
/// <param name="Constraints">The constraints (empty: none).</param>
/// <param name="Summaries">One per strategy, in the order run.</param>
/// <param name="Front">The Pareto front of every feasible trial of the search, best first objective first.</param>
/// <param name="FrontHypervolume">Its hypervolume against <paramref name="Reference"/>.</param>
/// <param name="Trials">Every trial.</param>
/// <param name="Seconds">Wall time per strategy.</param>
/// <param name="Notes">What qualifies the figures (the evaluator's notes).</param>
public sealed record ParetoRunResult(string Space, IReadOnlyList<string> Objectives, IReadOnlyList<string> Directions, IReadOnlyList<double> Reference,
    string ReferenceSource, int Budget, int Seeds, string Evaluator, IReadOnlyList<string> Constraints, IReadOnlyList<ParetoSummary> Summaries,
    IReadOnlyList<FrontPoint> Front, double FrontHypervolume, IReadOnlyList<ParetoTrial> Trials, IReadOnlyDictionary<string, double> Seconds,
    IReadOnlyList<string> Notes);

/// <summary>
/// <c>nag search</c> with two objectives: each strategy finds a set of trade-offs, scored by the hypervolume of its
/// Pareto front. The surrogate strategies (bananas, gp-bo, generator-bo) run as ParEGO (<see cref="ParegoSearch"/>);
/// random is the baseline. Evolution, local search and transfer are single-objective and refused.
/// </summary>
public static class ParetoRun
{
    /// <summary>Strategies that can search several objectives.</summary>
    public static readonly IReadOnlyList<string> Strategies = ["random", "bananas", "gp-bo", "generator-bo"];

    /// <summary>The default strategies: those without a generator (generator-bo when named).</summary>
    public static readonly IReadOnlyList<string> DefaultStrategies = ["random", "bananas", "gp-bo"];

    /// <summary>Builds the strategy <paramref name="name"/> for a search of <paramref name="objectives"/> objectives.</summary>
    public static ISearchStrategy Create(string name, ISearchSpace space, int seed, StrategyOptions options, int objectives)
    {
        StrategyRegistry.Validate(name);
        if (!Strategies.Contains(name))
            throw new NagUserException($"strategy {name} searches one objective; with {objectives} objectives use {string.Join(", ", Strategies)}");
        var s = StrategyRegistry.Create(name, space, seed, options);
        return s is SurrogateSearch surrogate ? new ParegoSearch(surrogate, objectives, seed) : s;
    }

    /// <summary>
    /// Runs every (strategy, seed), then scores each run by the hypervolume of its feasible trials at the report
    /// budgets. The reference point is <see cref="ParetoRunSettings.Reference"/> or, by default, the nadir (worst value
    /// of each objective) of every feasible trial of the whole search, so every strategy is measured against the same
    /// point; hypervolumes of two outputs compare only with a given reference.
    /// </summary>
    public static ParetoRunResult Run(ParetoRunSettings settings, IProgress<ExperimentEvent>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var s = SpaceRegistry.Get(settings.Space);
        var st = settings.Strategy ?? new SearchSettings();
        if (settings.Objectives.Count != 2)
            throw new NagUserException($"a multi-objective search takes two objectives (the hypervolume is exact in two), got {settings.Objectives.Count}");
        if (settings.Reference is { } r && r.Count != settings.Objectives.Count)
            throw new NagUserException($"reference point has {r.Count} values for {settings.Objectives.Count} objectives");
        var names = settings.Strategies is { Count: > 0 } given ? given.ToArray() : DefaultStrategies.ToArray();
        foreach (var n in names)
        {
            StrategyRegistry.Validate(n);
            if (!Strategies.Contains(n)) throw new NagUserException($"strategy {n} searches one objective; with two objectives use {string.Join(", ", Strategies)}");
        }
        if (settings.Budget < 1 || settings.Seeds < 1) throw new NagUserException("budget and seeds must be at least 1");
        var constraints = st.ParsedConstraints();
        st.Bo();
        BenchmarkData? data = st.EvaluatorName == "table" ? BenchmarkData.Load(s, DataLocator.Resolve(settings.DataDir), settings.ExtraTables ?? []) : null;
        using var evaluator = Evaluators.Create(s, new EvaluatorSettings(st.EvaluatorName, settings.DataDir, settings.ExtraTables,
            [.. settings.Objectives, .. constraints.Select(c => c.Column)], Train: st.Train), data, line => progress.Note(line));
        var goal = ParetoGoal.For(evaluator, settings.Objectives, constraints);
        foreach (var o in goal.Objectives) SearchHarness.CheckBudget(evaluator, o, settings.Budget);
        var searchSpace = evaluator.SearchSpace(goal.Objectives[0]);
        var cache = new ModelCache(settings.ModelsDir ?? ModelCache.DefaultDir, settings.DataDir, settings.ExtraTables, progress);
        using var models = new StrategyModels(searchSpace, data, goal.Objectives[0], goal.Objectives[0], st with { TransferFrom = null }, cache);
        if (names.Any(StrategyRegistry.NeedsGenerator)) models.Options.Generator!();
        var trials = new List<ParetoTrial>();
        var seconds = new Dictionary<string, double>();
        int done = 0, total = names.Length * settings.Seeds;
        foreach (var n in names)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int k = 0; k < settings.Seeds; k++)
            {
                int seed = settings.FirstSeed + k;
                var strategy = Create(n, searchSpace, seed, models.Options, goal.Objectives.Count);
                try { trials.AddRange(ParetoHarness.Run(strategy, evaluator, goal, settings.Budget, seed)); }
                finally { (strategy as IDisposable)?.Dispose(); }
                progress.Step("search", ++done, total, $"{n} seed {seed}");
            }
            seconds[n] = clock.Elapsed.TotalSeconds;
        }
        return Score(s.Name, goal, trials, names, settings.Budget, settings.Seeds, settings.Reference, evaluator.Name, seconds, evaluator.Notes);
    }

    /// <summary>
    /// The summaries and the pooled front of <paramref name="trials"/> (the figures of <see cref="Run"/>, separate so
    /// the same scoring applies to trials from anywhere).
    /// </summary>
    public static ParetoRunResult Score(string space, ParetoGoal goal, IReadOnlyList<ParetoTrial> trials, IReadOnlyList<string> names, int budget,
        int seeds, IReadOnlyList<double>? reference, string evaluator, IReadOnlyDictionary<string, double> seconds, IReadOnlyList<string> notes)
    {
        ArgumentNullException.ThrowIfNull(goal);
        ArgumentNullException.ThrowIfNull(trials);
        var feasible = trials.Where(t => t.Feasible).ToList();
        var refPoint = reference?.ToArray() ?? Pareto.Nadir(feasible.Select(t => t.Values).ToList(), goal.Directions);
        var budgets = SearchHarness.ReportBudgets.Where(b => b <= budget).Append(budget).Distinct().ToArray();
        var summaries = names.Select(n =>
        {
            var runs = trials.Where(t => t.Strategy == n).GroupBy(t => t.Seed).Select(g => g.OrderBy(t => t.Query).ToList()).ToList();
            var hv = new Dictionary<int, (double, double)>();
            foreach (int b in budgets)
            {
                var v = runs.Select(r => Pareto.Hypervolume2D(r.Take(b).Where(t => t.Feasible).Select(t => t.Values).ToList(), refPoint, goal.Directions)).ToArray();
                hv[b] = v.Length == 0 ? (double.NaN, double.NaN) : (v.Average(), Stats.SampleStd(v));
            }
            double size = runs.Count == 0 ? 0 : runs.Average(r => (double)Pareto.FrontIndices(r.Where(t => t.Feasible).Select(t => t.Values).ToList(), goal.Directions).Count);
            double infeasible = runs.Count == 0 ? 0 : runs.Average(r => (double)r.Count(t => !t.Feasible));
            return new ParetoSummary(n, runs.Count, hv, size, infeasible);
        }).ToArray();
        // The pooled front: each distinct architecture once (its first finder), then the non-dominated ones.
        var distinct = feasible.GroupBy(t => t.Arch, StringComparer.Ordinal).Select(g => g.First()).ToList();
        var points = distinct.Select(t => t.Values).ToList();
        var front = Pareto.FrontIndices(points, goal.Directions).Select(i => distinct[i])
            .Select(t => new FrontPoint(t.Strategy, t.Seed, t.Query, t.Arch, t.Values)).ToArray();
        double frontHv = Pareto.Hypervolume2D(front.Select(p => p.Values).ToList(), refPoint, goal.Directions);
        return new ParetoRunResult(space, goal.Objectives, goal.Directions.Select(d => new MetricColumn("", d).DirectionWord).ToArray(), refPoint,
            reference is null ? "nadir" : "given", budget, seeds, evaluator, goal.Bounds.Select(c => c.ToString()).ToArray(), summaries, front, frontHv,
            trials, seconds, notes);
    }

    /// <summary>Writes trials.csv, front.csv, summary.json and summary.md into <paramref name="dir"/> (each written whole).</summary>
    public static void Write(string dir, ParetoRunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(dir);
        var inv = CultureInfo.InvariantCulture;
        AtomicFile.WriteText(Path.Combine(dir, "trials.csv"), w =>
        {
            w.WriteLine(string.Join(",", new[] { "strategy", "seed", "query", "arch" }.Concat(result.Objectives).Concat(["violation", "seconds"])));
            foreach (var t in result.Trials)
                w.WriteLine(string.Join(",", new[] { t.Strategy, t.Seed.ToString(inv), t.Query.ToString(inv), Field(t.Arch) }
                    .Concat(t.Values.Select(v => v.ToString("R", inv))).Concat([t.Violation.ToString("R", inv), t.Seconds.ToString("F3", inv)])));
        });
        AtomicFile.WriteText(Path.Combine(dir, "front.csv"), w =>
        {
            w.WriteLine(string.Join(",", new[] { "strategy", "seed", "query", "arch" }.Concat(result.Objectives)));
            foreach (var p in result.Front)
                w.WriteLine(string.Join(",", new[] { p.Strategy, p.Seed.ToString(inv), p.Query.ToString(inv), Field(p.Arch) }.Concat(p.Values.Select(v => v.ToString("R", inv)))));
        });
        AtomicFile.WriteText(Path.Combine(dir, "summary.json"), w => w.WriteLine(SummaryJson(result)));
        AtomicFile.WriteText(Path.Combine(dir, "summary.md"), w => w.Write(Markdown(result)));
    }

    /// <summary>The JSON summary (everything but the trials).</summary>
    public static string SummaryJson(ParetoRunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var o = new
        {
            result.Space, result.Objectives, result.Directions, result.Reference, result.ReferenceSource, result.Budget, result.Seeds, result.Evaluator,
            result.Constraints,
            Summaries = result.Summaries.Select(sm => new
            {
                sm.Strategy, sm.Seeds, sm.FrontSize, sm.Infeasible,
                Hypervolume = sm.Hypervolume.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture),
                    kv => new { kv.Value.Mean, kv.Value.Std, Se = kv.Value.Std / Math.Sqrt(Math.Max(1, sm.Seeds)) }),
                Seconds = result.Seconds.TryGetValue(sm.Strategy, out double sec) ? sec : (double?)null,
            }),
            result.Front, result.FrontHypervolume, result.Notes,
        };
        return JsonSerializer.Serialize(o, Json.SerializerOptions);
    }

    /// <summary>Markdown: the hypervolume table and the pooled front.</summary>
    public static string Markdown(ParetoRunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var budgets = result.Summaries.FirstOrDefault()?.Hypervolume.Keys.OrderBy(b => b).ToArray() ?? [];
        sb.AppendLine(inv, $"Objectives: {string.Join(", ", result.Objectives.Select((o, i) => $"{o} ({result.Directions[i]} is better)"))}; " +
            $"hypervolume reference ({result.ReferenceSource}): ({string.Join(", ", result.Reference.Select(v => v.ToString("G6", inv)))}); " +
            $"hypervolume of each run's feasible trials, mean ± standard error over {result.Seeds} seeds");
        sb.AppendLine();
        sb.AppendLine("| strategy | " + string.Join(" | ", budgets.Select(b => $"hypervolume @{b}")) + " | front size | infeasible / run |");
        sb.AppendLine("|---|" + string.Concat(budgets.Select(_ => "---|")) + "---|---|");
        foreach (var sm in result.Summaries)
            sb.AppendLine($"| {sm.Strategy} | " + string.Join(" | ", budgets.Select(b => Cell(sm.Hypervolume[b], sm.Seeds))) +
                string.Create(inv, $" | {sm.FrontSize:F1} | {sm.Infeasible:F1} |"));
        sb.AppendLine();
        sb.AppendLine(inv, $"Pareto front of all trials ({result.Front.Count} points, hypervolume {result.FrontHypervolume:G6}):");
        sb.AppendLine();
        sb.AppendLine("| " + string.Join(" | ", result.Objectives) + " | arch | found by |");
        sb.AppendLine("|" + string.Concat(result.Objectives.Select(_ => "---|")) + "---|---|");
        foreach (var p in result.Front)
            sb.AppendLine(inv, $"| {string.Join(" | ", p.Values.Select(v => v.ToString("G6", inv)))} | `{p.Arch}` | {p.Strategy} seed {p.Seed} query {p.Query} |");
        return sb.ToString();
    }

    private static string Field(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    /// <summary>"mean ± standard error" of a (mean, std) over <paramref name="seeds"/> runs.</summary>
    public static string Cell((double Mean, double Std) v, int seeds) =>
        string.Create(CultureInfo.InvariantCulture, $"{v.Mean:G4} ± {(seeds > 1 ? v.Std / Math.Sqrt(seeds) : 0):G2}");
}
