using NagSharp.Benchmarks;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>
/// Pooling several search outputs of the same search (space, objective, report, budget, direction) into one, e.g.
/// blocks of seeds run separately or one block per generator checkpoint. Each (directory, seed) is one run; the runs
/// of a strategy are renumbered 0..n-1 in the order given.
/// </summary>
public static class SearchPool
{
    /// <summary>Reads the outputs, checks they are of one search, and returns the pooled trials and summaries.</summary>
    /// <param name="dirs">Search output directories, in the order their runs are numbered.</param>
    /// <param name="dataDir">Benchmark data directory (null: the default lookup), for the table's optimum.</param>
    /// <param name="extraTables">Extra metric tables loaded beside the space's own.</param>
    public static SearchRunResult Pool(IReadOnlyList<string> dirs, string? dataDir = null, IReadOnlyList<string>? extraTables = null)
    {
        if (dirs.Count == 0) throw new NagUserException("nothing to pool: give at least one search output directory");
        var inputs = dirs.Select(d => (Dir: d, Output: SearchOutput.Read(d))).ToList();
        var first = inputs[0].Output.Header;
        foreach (var (dir, (h, _)) in inputs.Skip(1))
        {
            string? field = h.Space != first.Space ? "space" : h.Objective != first.Objective ? "objective" : h.Report != first.Report ? "report"
                : h.Budget != first.Budget ? "budget" : h.Minimize != first.Minimize ? "minimize" : null;
            if (field is not null) throw new NagUserException($"{dir}: {field} differs from {inputs[0].Dir}; only runs of the same search can be pooled");
        }
        // Strategies in order of first appearance; each strategy's runs in (directory, seed) order, as the search writes them.
        var runs = new Dictionary<string, List<IEnumerable<Trial>>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (_, (_, trials)) in inputs)
            foreach (var run in trials.GroupBy(t => (t.Strategy, t.Seed)).OrderBy(g => g.Key.Seed))
            {
                if (!runs.TryGetValue(run.Key.Strategy, out var list)) { runs[run.Key.Strategy] = list = []; order.Add(run.Key.Strategy); }
                list.Add(run.OrderBy(t => t.Query));
            }
        var pooled = order.SelectMany(n => runs[n].SelectMany((run, id) => run.Select(t => t with { Seed = id }))).ToList();
        var space = SpaceRegistry.Get(first.Space);
        var data = BenchmarkData.Load(space, DataLocator.Resolve(dataDir), extraTables ?? []);
        data.RequireColumn(first.Objective); data.RequireColumn(first.Report);
        var names = pooled.Select(t => t.Strategy).Distinct().ToArray();
        var summaries = names.Select(n => SearchHarness.Summarise(n, pooled, data, first.Objective, first.Budget, first.Minimize)).ToArray();
        // Pooled runs may differ in their settings (one block per checkpoint), so the pool states none.
        return new SearchRunResult(first.Space, first.Objective, first.Report, first.Budget, summaries.Max(s => s.Seeds), first.Minimize, null, pooled, summaries);
    }
}
