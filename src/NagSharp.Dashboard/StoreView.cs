using System.Collections.Concurrent;
using NagSharp.Benchmarks;
using NagSharp.Evaluation;
using NagSharp.Search;
using NagSharp.Search.MultiObjective;
using NagSharp.Spaces;
using NagSharp.Experiments;
using NagSharp.Store;

namespace NagSharp.Dashboard;

/// <summary>One recorded experiment as the experiments page lists it.</summary>
/// <param name="Id">Experiment id.</param>
/// <param name="Created">Creation time (UTC, ISO 8601).</param>
/// <param name="Space">Search space.</param>
/// <param name="Objective">Queried column.</param>
/// <param name="Report">Report column.</param>
/// <param name="Strategies">Strategy names.</param>
/// <param name="Budget">Queries per run.</param>
/// <param name="Seeds">Runs per strategy.</param>
/// <param name="Evaluator">What answered the queries (table, latency, table+latency, ...).</param>
/// <param name="Status">running, done, or failed: a search recorded as running that no live run holds any more (killed,
/// or stopped by an error; <c>nag search --resume</c> continues it).</param>
/// <param name="Trials">Trials recorded so far.</param>
/// <param name="Expected">Trials the finished experiment will hold (strategies x seeds x budget).</param>
/// <param name="Best">Best feasible objective value so far in the objective's direction; null before the first.</param>
/// <param name="Minimize">True when lower objective values are better.</param>
/// <param name="Kind">search, generate (a generation run) or train (a network training).</param>
public sealed record ExperimentSummary(long Id, string Created, string Space, string Objective, string Report, IReadOnlyList<string> Strategies,
    int Budget, int Seeds, string Evaluator, string Status, int Trials, int Expected, double? Best, bool Minimize, string Kind = "search");

/// <summary>A strategy's curve over queries 1..n (index q - 1): the mean over its runs with a standard-error band.
/// Entries are null where no run has a value yet.</summary>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Mean">Mean over runs.</param>
/// <param name="Lower">Mean minus one standard error (regret: not below 0).</param>
/// <param name="Upper">Mean plus one standard error.</param>
/// <param name="Runs">Runs that reached each query with a feasible trial.</param>
public sealed record CurveSeries(string Strategy, double?[] Mean, double?[] Lower, double?[] Upper, int[] Runs);

/// <summary>A search's progress: the numbers its page charts.</summary>
/// <param name="Experiment">The experiment.</param>
/// <param name="Queries">The x axis: 1..the longest run so far.</param>
/// <param name="BestSoFar">Best feasible objective so far, per strategy.</param>
/// <param name="Regret">Distance of the best-so-far objective from the table's best feasible value (for a log axis),
/// when the objective comes from a benchmark table that is loaded; else null.</param>
/// <param name="TableBest">The table's best feasible objective value (what regret is measured from), or null.</param>
/// <param name="Points">Points on the best-so-far chart (every strategy's queries with a value).</param>
/// <param name="Pareto">The objective against a second recorded metric, when the trials carry one; else null.</param>
public sealed record SearchProgress(ExperimentSummary Experiment, int[] Queries, IReadOnlyList<CurveSeries> BestSoFar,
    IReadOnlyList<CurveSeries>? Regret, double? TableBest, int Points, ParetoView? Pareto = null);

/// <summary>A feasible trial as a point of the two-metric scatter.</summary>
/// <param name="X">Objective value.</param>
/// <param name="Y">Second metric's value.</param>
/// <param name="Arch">Architecture string.</param>
/// <param name="Front">True when no other point dominates it.</param>
/// <param name="Href">The architecture's page.</param>
public sealed record ParetoPoint(double X, double Y, string Arch, bool Front, string Href);

/// <summary>Feasible trials in two metrics with their Pareto front and its hypervolume (reference: the nadir of the points).</summary>
/// <param name="X">The objective column.</param>
/// <param name="Y">The second metric.</param>
/// <param name="Directions">Directions of X and Y (higher-is-better, lower-is-better).</param>
/// <param name="Points">The points, by X ascending.</param>
/// <param name="Reference">The hypervolume's reference point.</param>
/// <param name="Hypervolume">Area the front dominates up to the reference, in the metrics' units.</param>
public sealed record ParetoView(string X, string Y, IReadOnlyList<MetricDirection> Directions, IReadOnlyList<ParetoPoint> Points, double[] Reference, double Hypervolume);

/// <summary>A trial as the trials table shows it.</summary>
/// <param name="Strategy">Strategy.</param>
/// <param name="Seed">Run seed.</param>
/// <param name="Query">Query number within the run (1-based).</param>
/// <param name="Arch">Architecture string.</param>
/// <param name="Objective">Objective value.</param>
/// <param name="Report">Report value.</param>
/// <param name="Violation">Constraint violation (0: feasible).</param>
/// <param name="Seconds">Evaluation time.</param>
/// <param name="Href">The architecture's page.</param>
public sealed record TrialRow(string Strategy, int Seed, int Query, string Arch, double Objective, double Report, double Violation, double Seconds, string Href);

/// <summary>One page of an experiment's trials, sorted.</summary>
/// <param name="Total">Trials recorded.</param>
/// <param name="Page">This page (1-based).</param>
/// <param name="Pages">Pages in all (at least 1).</param>
/// <param name="Size">Rows per page.</param>
/// <param name="Sort">Column sorted by.</param>
/// <param name="Descending">Sort direction.</param>
/// <param name="Rows">The rows of this page.</param>
public sealed record TrialPage(int Total, int Page, int Pages, int Size, string Sort, bool Descending, IReadOnlyList<TrialRow> Rows);

/// <summary>A trial of an architecture in some experiment (the architecture page's "recorded in" list).</summary>
/// <param name="ExperimentId">Experiment.</param>
/// <param name="Objective">The experiment's objective column.</param>
/// <param name="Report">The experiment's report column.</param>
/// <param name="Trial">The trial.</param>
public sealed record ArchTrial(long ExperimentId, string Objective, string Report, Trial Trial);

/// <summary>A metric recorded per step (a training's loss per epoch).</summary>
/// <param name="Name">Metric name.</param>
/// <param name="Steps">Steps, ascending.</param>
/// <param name="Values">Value at each step.</param>
public sealed record StepSeries(string Name, int[] Steps, double[] Values);

/// <summary>A generated architecture of a run.</summary>
/// <param name="Arch">Architecture string.</param>
/// <param name="Values">The values recorded with it.</param>
/// <param name="Objective">Its value of the run's objective column (recorded, else looked up in the table), or null.</param>
/// <param name="Href">Its page, or null when the space is unknown.</param>
public sealed record SampleRow(string Arch, IReadOnlyDictionary<string, double> Values, double? Objective, string? Href);

/// <summary>Summary statistics of a set of values (quantiles by linear interpolation).</summary>
/// <param name="Count">Values.</param>
/// <param name="Mean">Mean.</param>
/// <param name="Min">Smallest.</param>
/// <param name="P10">10th percentile.</param>
/// <param name="Median">Median.</param>
/// <param name="P90">90th percentile.</param>
/// <param name="Max">Largest.</param>
public sealed record Distribution(int Count, double Mean, double Min, double P10, double Median, double P90, double Max)
{
    /// <summary>The statistics of <paramref name="values"/> (NaN ignored), or null when there are none.</summary>
    public static Distribution? Of(double[] values)
    {
        var v = values.Where(double.IsFinite).Order().ToArray();
        if (v.Length == 0) return null;
        double Q(double p)
        {
            double at = p * (v.Length - 1);
            int lo = (int)Math.Floor(at), hi = Math.Min(v.Length - 1, lo + 1);
            return v[lo] + (at - lo) * (v[hi] - v[lo]);
        }
        return new Distribution(v.Length, v.Average(), v[0], Q(0.1), Q(0.5), Q(0.9), v[^1]);
    }
}

/// <summary>A column's values among a run's samples beside the whole table's.</summary>
/// <param name="Column">The column.</param>
/// <param name="Generated">Distribution among the samples, or null.</param>
/// <param name="Table">Distribution over the whole table, or null without data.</param>
public sealed record ColumnDistribution(string Column, Distribution? Generated, Distribution? Table);

/// <summary>A recorded generation run or training, as its page shows it.</summary>
/// <param name="Experiment">The run.</param>
/// <param name="Final">Final figures (validity, uniqueness, novelty, condition satisfaction, ... as recorded).</param>
/// <param name="Steps">Metrics recorded per step.</param>
/// <param name="Samples">Generated architectures.</param>
/// <param name="Distributions">The objective's and the recorded table columns' values among the samples against the table's.</param>
public sealed record RunView(ExperimentSummary Experiment, IReadOnlyDictionary<string, double> Final, IReadOnlyList<StepSeries> Steps,
    IReadOnlyList<SampleRow> Samples, IReadOnlyList<ColumnDistribution> Distributions);

/// <summary>Raised for a page or record that does not exist (HTTP 404).</summary>
public sealed class DashboardNotFoundException(string message) : Exception(message);

/// <summary>
/// Read-only queries over one experiment store. Each call opens the store read-only and closes it again, so a search
/// writing the store meanwhile is never blocked for long and every answer is current.
/// </summary>
public sealed class StoreView(string location, string display, string? dataDir)
{
    private readonly ConcurrentDictionary<string, Lazy<BenchmarkData?>> _tables = new(StringComparer.Ordinal);

    /// <summary>The store as given (a path, sqlite:PATH or a PostgreSQL URL).</summary>
    public string Location => location;

    /// <summary>The store as pages name it (its file, or the server and database without credentials).</summary>
    public string Display => display;

    /// <summary>Trial table columns that can be sorted by.</summary>
    public static readonly IReadOnlyList<string> SortColumns = ["strategy", "seed", "query", "arch", "objective", "report", "violation", "seconds"];

    /// <summary>Largest page of trials.</summary>
    public const int MaxPageSize = 500;

    private ExperimentStore Open() => ExperimentStore.OpenReadOnly(location);

    /// <summary>The space's benchmark tables, loaded once, or null when there is no data (or the space has no tables).</summary>
    public BenchmarkData? Tables(ISearchSpace space) =>
        _tables.GetOrAdd(space.Name, _ => new Lazy<BenchmarkData?>(() =>
        {
            // The tables only enrich the pages: a data directory without this space's tables leaves them out.
            try { return BenchmarkData.LoadIfFound(space, dataDir); }
            catch (NagDataException) { return null; }
        })).Value;

    /// <summary>Every experiment (newest first) matching the filters: <paramref name="status"/> and
    /// <paramref name="space"/> exactly (null or empty: any), <paramref name="text"/> anywhere in the objective, report,
    /// strategies or evaluator (case-insensitive).</summary>
    public List<ExperimentSummary> Experiments(string? status = null, string? space = null, string? text = null)
    {
        using var store = Open();
        var list = new List<ExperimentSummary>();
        foreach (var e in store.List())
        {
            if (!string.IsNullOrEmpty(space) && !e.Space.Equals(space, StringComparison.OrdinalIgnoreCase)) continue;
            var s = Summarise(store, e, store.Trials(e.Id));
            if (!string.IsNullOrEmpty(status) && !s.Status.Equals(status, StringComparison.OrdinalIgnoreCase)) continue;
            if (!string.IsNullOrEmpty(text) && !new[] { s.Objective, s.Report, s.Evaluator, string.Join(",", s.Strategies), s.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }
                    .Any(f => f.Contains(text, StringComparison.OrdinalIgnoreCase))) continue;
            list.Add(s);
        }
        return list;
    }

    private static Experiment Find(ExperimentStore store, long id) =>
        store.List().FirstOrDefault(e => e.Id == id) ?? throw new DashboardNotFoundException($"no experiment {id} in {store.Path}");

    private static SearchSettings SettingsOf(ExperimentStore store, Experiment e) => SearchSettings.FromJson(e.Settings, $"{store.Path}: experiment {e.Id}");

    private static ExperimentSummary Summarise(ExperimentStore store, Experiment e, List<Trial> trials)
    {
        if (e.Kind != "search")
            return new ExperimentSummary(e.Id, e.Created, e.Space, e.Objective, e.Report, e.Strategies, e.Budget, e.Seeds, "", e.Status, 0, 0, null, false, e.Kind);
        string status = e.Status == "running" && !store.IsHeld(e.Id) ? "failed" : e.Status;
        var settings = SettingsOf(store, e);
        double sign = settings.Minimize ? -1 : 1;
        var feasible = trials.Where(t => t.Feasible).ToList();
        double? best = feasible.Count == 0 ? null : sign * feasible.Max(t => sign * t.Objective);
        return new ExperimentSummary(e.Id, e.Created, e.Space, e.Objective, e.Report, e.Strategies, e.Budget, e.Seeds, settings.EvaluatorName, status,
            trials.Count, e.Budget * e.Seeds * e.Strategies.Count, best, settings.Minimize, e.Kind);
    }

    /// <summary>What a recorded run of another kind than a search (a generation run, a training) shows: its final
    /// figures, its per-step metrics, its samples, and how the samples' values of the run's objective column compare
    /// with the whole table's.</summary>
    public RunView Run(long id)
    {
        Experiment e;
        List<(int Step, string Name, double Value)> metrics;
        List<(string Arch, string Metrics)> samples;
        using (var store = Open())
        {
            e = Find(store, id);
            if (e.Kind == "search") throw new DashboardNotFoundException($"experiment {id} is a search, not a recorded run");
            metrics = store.Metrics(id);
            samples = store.Samples(id);
        }
        var summary = new ExperimentSummary(e.Id, e.Created, e.Space, e.Objective, e.Report, e.Strategies, e.Budget, e.Seeds, "", e.Status, 0, 0, null, false, e.Kind);
        var final = metrics.Where(m => m.Step < 0).ToDictionary(m => m.Name, m => m.Value, StringComparer.Ordinal);
        var steps = metrics.Where(m => m.Step >= 0).GroupBy(m => m.Name, StringComparer.Ordinal)
            .Select(g => new StepSeries(g.Key, g.Select(m => m.Step).ToArray(), g.Select(m => m.Value).ToArray())).ToList();
        ISearchSpace? space = null;
        try { space = SpaceRegistry.Get(e.Space); }
        catch (NagUserException) { }
        var data = space is null ? null : Tables(space);
        var rows = new List<SampleRow>();
        foreach (var (arch, json) in samples)
        {
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(json);
                if (doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object)
                    foreach (var p in doc.RootElement.EnumerateObject())
                        if (p.Value.ValueKind == System.Text.Json.JsonValueKind.Number) values[p.Name] = p.Value.GetDouble();
            }
            catch (System.Text.Json.JsonException) { }   // a sample without readable values still lists its architecture
            double? objective = values.TryGetValue(e.Objective, out double v) ? v : null;
            if (objective is null && data is not null && space is not null && data.HasColumn(e.Objective))
            {
                try { objective = data.Get(space.Parse(arch), e.Objective); }
                catch (NagUserException) { }
            }
            rows.Add(new SampleRow(arch, values, objective, space is null ? null : ArchitectureUrl(space.Name, arch)));
        }
        // The objective first, then every value recorded with the samples that is a table column (the report metrics).
        var columns = new List<string>();
        if (e.Objective.Length > 0) columns.Add(e.Objective);
        columns.AddRange(rows.SelectMany(r => r.Values.Keys).Distinct(StringComparer.Ordinal).Where(c => c != e.Objective && data is not null && data.HasColumn(c))
            .Order(StringComparer.Ordinal));
        var distributions = new List<ColumnDistribution>();
        foreach (string c in columns)
        {
            var generated = Distribution.Of(c == e.Objective
                ? rows.Where(r => r.Objective is double).Select(r => r.Objective!.Value).ToArray()
                : rows.Where(r => r.Values.ContainsKey(c)).Select(r => r.Values[c]).ToArray());
            var table = data is not null && data.HasColumn(c) ? Distribution.Of(data.ColumnEntries(c).Select(x => x.Value).ToArray()) : null;
            if (generated is not null || table is not null) distributions.Add(new ColumnDistribution(c, generated, table));
        }
        return new RunView(summary, final, steps, rows, distributions);
    }

    /// <summary>One experiment's summary; <see cref="DashboardNotFoundException"/> when there is none.</summary>
    public ExperimentSummary Experiment(long id)
    {
        using var store = Open();
        var e = Find(store, id);
        return Summarise(store, e, store.Trials(id));
    }

    /// <summary>The search's curves: best-so-far per strategy (mean over runs, standard-error band) and, when its
    /// objective is a loaded table column, regret from the table's best feasible value.</summary>
    public SearchProgress Progress(long id)
    {
        List<Trial> trials;
        Experiment e;
        SearchSettings settings;
        ExperimentSummary summary;
        Dictionary<(string Strategy, int Seed, int Query), Dictionary<string, double>> metrics;
        using (var store = Open())
        {
            e = Find(store, id);
            if (e.Kind != "search") throw new DashboardNotFoundException($"experiment {id} is a {SafePath.Shorten(e.Kind)} run, not a search");
            trials = store.Trials(id);
            settings = SettingsOf(store, e);
            summary = Summarise(store, e, trials);
            metrics = store.TrialMetrics(id);
        }
        double sign = settings.Minimize ? -1 : 1;
        int length = trials.Count == 0 ? 0 : Math.Min(e.Budget, trials.GroupBy(t => (t.Strategy, t.Seed)).Max(g => g.Count()));
        var strategies = e.Strategies.Concat(trials.Select(t => t.Strategy)).Distinct().ToList();
        // Each run's best feasible objective after q queries (null until its first feasible trial).
        var best = strategies.ToDictionary(s => s, s => trials.Where(t => t.Strategy == s).GroupBy(t => t.Seed)
            .Select(g => BestSoFar(g.OrderBy(t => t.Query).ToList(), length, sign)).ToList());
        var bestCurves = strategies.Select(s => Curve(s, best[s], length, v => v, clampAtZero: false)).ToList();
        double? top = TableBest(e, settings);
        var regret = top is double t0
            ? strategies.Select(s => Curve(s, best[s], length, v => Math.Max(0, sign * (t0 - v)), clampAtZero: true)).ToList()
            : null;
        int points = bestCurves.Sum(c => c.Mean.Count(m => m is not null));
        return new SearchProgress(summary, Enumerable.Range(1, length).ToArray(), bestCurves, regret, top, points, Front(e, settings, trials, metrics));
    }

    /// <summary>The objective against a second metric the evaluations returned: a constraint's column first (what the
    /// search trades against), else the first other metric by name; the report column is the objective measured
    /// elsewhere, not a second goal.</summary>
    private static ParetoView? Front(Experiment e, SearchSettings settings, List<Trial> trials, Dictionary<(string, int, int), Dictionary<string, double>> metrics)
    {
        var rows = trials.Where(t => t.Feasible && metrics.ContainsKey((t.Strategy, t.Seed, t.Query)))
            .Select(t => (Trial: t, Metrics: metrics[(t.Strategy, t.Seed, t.Query)])).ToList();
        var names = rows.SelectMany(r => r.Metrics.Keys).Distinct(StringComparer.Ordinal).Where(n => n != e.Objective && n != e.Report).Order(StringComparer.Ordinal).ToList();
        string? second = settings.ParsedConstraints().Select(c => c.Column).FirstOrDefault(names.Contains) ?? names.FirstOrDefault();
        if (second is null) return null;
        rows = rows.Where(r => r.Metrics.TryGetValue(second, out double v) && double.IsFinite(v) && double.IsFinite(r.Trial.Objective))
            .OrderBy(r => r.Trial.Objective).ToList();
        if (rows.Count == 0) return null;
        MetricDirection yDirection;
        try { yDirection = SpaceRegistry.Get(e.Space).Tables?.DirectionOf(second) ?? MetricDirection.HigherIsBetter; }
        catch (NagUserException) { yDirection = MetricDirection.HigherIsBetter; }
        MetricDirection[] directions = [settings.Minimize ? MetricDirection.LowerIsBetter : MetricDirection.HigherIsBetter, yDirection];
        var values = rows.Select(r => (IReadOnlyList<double>)[r.Trial.Objective, r.Metrics[second]]).ToList();
        var front = Pareto.FrontIndices(values, directions).ToHashSet();
        double[] reference = Pareto.Nadir(values, directions);
        return new ParetoView(e.Objective, second, directions,
            rows.Select((r, i) => new ParetoPoint(values[i][0], values[i][1], r.Trial.Arch, front.Contains(i), ArchitectureUrl(e.Space, r.Trial.Arch))).ToList(),
            reference, Pareto.Hypervolume2D(values, reference, directions));
    }

    private static double?[] BestSoFar(List<Trial> run, int length, double sign)
    {
        var values = new double?[length];
        double? best = null;
        for (int q = 0; q < Math.Min(length, run.Count); q++)
        {
            var t = run[q];
            if (t.Feasible && (best is null || sign * t.Objective > sign * best)) best = t.Objective;
            values[q] = best;
        }
        return values;
    }

    private static CurveSeries Curve(string strategy, List<double?[]> runs, int length, Func<double, double> map, bool clampAtZero)
    {
        var mean = new double?[length];
        var lower = new double?[length];
        var upper = new double?[length];
        var count = new int[length];
        for (int q = 0; q < length; q++)
        {
            var v = runs.Where(r => r[q] is not null).Select(r => map(r[q]!.Value)).ToArray();
            count[q] = v.Length;
            if (v.Length == 0) continue;
            double m = v.Average();
            double se = v.Length < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1)) / Math.Sqrt(v.Length);
            (mean[q], lower[q], upper[q]) = (m, clampAtZero ? Math.Max(0, m - se) : m - se, m + se);
        }
        return new CurveSeries(strategy, mean, lower, upper, count);
    }

    /// <summary>The table's best feasible objective, when the objective is answered by a loaded table and every
    /// constraint is a table column too (otherwise the table cannot say which of its rows are feasible).</summary>
    private double? TableBest(Experiment e, SearchSettings settings)
    {
        if (!Evaluators.Parts(settings.EvaluatorName).Contains("table")) return null;
        ISearchSpace space;
        try { space = SpaceRegistry.Get(e.Space); }
        catch (NagUserException) { return null; }
        var data = Tables(space);
        var constraints = settings.ParsedConstraints();
        if (data is null || !data.HasColumn(e.Objective) || constraints.Any(c => !data.HasColumn(c.Column))) return null;
        var optimum = SearchHarness.OptimumArchs(data, e.Objective, settings.Minimize, constraints);
        return optimum.Count == 0 ? null : data.Get(space.Parse(optimum.First()), e.Objective);
    }

    /// <summary>A page of the experiment's trials sorted by <paramref name="sort"/> (one of <see cref="SortColumns"/>;
    /// ties in recording order).</summary>
    public TrialPage Trials(long id, string? sort, bool descending, int page, int size)
    {
        sort = string.IsNullOrEmpty(sort) ? "query" : sort.ToLowerInvariant();
        if (!SortColumns.Contains(sort)) throw new NagUserException($"sort '{SafePath.Shorten(sort)}' is not one of {string.Join(", ", SortColumns)}");
        if (size is < 1 or > MaxPageSize) throw new NagUserException($"page size {size} must be between 1 and {MaxPageSize}");
        if (page < 1) throw new NagUserException($"page {page} must be at least 1");
        Experiment e;
        List<Trial> trials;
        using (var store = Open())
        {
            e = Find(store, id);
            trials = store.Trials(id);
        }
        Func<Trial, IComparable> key = sort switch
        {
            "strategy" => t => t.Strategy,
            "seed" => t => t.Seed,
            "arch" => t => t.Arch,
            "objective" => t => t.Objective,
            "report" => t => t.Report,
            "violation" => t => t.Violation,
            "seconds" => t => t.Seconds,
            _ => t => t.Query,
        };
        var ordered = descending ? trials.OrderByDescending(key) : trials.OrderBy(key);
        int pages = Math.Max(1, (trials.Count + size - 1) / size);
        var rows = ordered.Skip((Math.Min(page, pages) - 1) * size).Take(size)
            .Select(t => new TrialRow(t.Strategy, t.Seed, t.Query, t.Arch, t.Objective, t.Report, t.Violation, t.Seconds, ArchitectureUrl(e.Space, t.Arch)))
            .ToList();
        return new TrialPage(trials.Count, Math.Min(page, pages), pages, size, sort, descending, rows);
    }

    /// <summary>Every recorded trial of <paramref name="arch"/> in experiments over <paramref name="space"/>.</summary>
    public List<ArchTrial> TrialsOf(ISearchSpace space, Arch arch)
    {
        using var store = Open();
        string text = arch.ToString();
        return store.List().Where(e => e.Space.Equals(space.Name, StringComparison.OrdinalIgnoreCase))
            .SelectMany(e => store.Trials(e.Id).Where(t => t.Arch == text).Select(t => new ArchTrial(e.Id, e.Objective, e.Report, t)))
            .ToList();
    }

    /// <summary>The stable address of an architecture's page.</summary>
    public static string ArchitectureUrl(string space, string arch) => $"/architectures/{Uri.EscapeDataString(space)}/{Uri.EscapeDataString(arch)}";
}
