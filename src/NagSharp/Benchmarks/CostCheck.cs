using NagSharp.Spaces;

namespace NagSharp.Benchmarks;

/// <summary>Result of comparing a table's cost column with the space's analytic cost model.</summary>
/// <param name="Column">Table column, e.g. <c>cifar100_params_M</c> or <c>params_M</c>.</param>
/// <param name="Cost">Analytic cost it was matched with (<c>params_M</c> or <c>flops_M</c>).</param>
/// <param name="Classes">Class count inferred from the data (the only setting that differs between datasets), or null when
/// the costs do not depend on it (the space's standard count was assumed).</param>
/// <param name="Rows">Rows compared.</param>
/// <param name="MaxRelativeError">Largest relative error over the rows.</param>
/// <param name="WorstArch">Architecture with the largest error.</param>
public sealed record CostCheckResult(string Column, string Cost, int? Classes, int Rows, double MaxRelativeError, string WorstArch);

/// <summary>
/// Checks every table column named <c>&lt;anything&gt;_&lt;cost&gt;</c> or exactly <c>&lt;cost&gt;</c> (for each analytic
/// cost the space computes; a cost the space does not compute is never checked) against the cost model. The class
/// count behind a column is not known from its name, so it is inferred from the first row (costs are affine in the
/// class count) and then verified on every row.
/// </summary>
public static class CostCheck
{
    /// <summary>Compares all matching columns; <paramref name="baseOptions"/> fixes width, depth and input size.</summary>
    public static IReadOnlyList<CostCheckResult> Run(BenchmarkData data, CostOptions baseOptions)
    {
        var space = data.Space;
        var costNames = space.ComputeCosts(data.ArchOf(data.Keys.First()), baseOptions).Keys.ToArray();
        var matches = (from column in data.Columns
                       from cost in costNames
                       where column == cost || column.EndsWith("_" + cost, StringComparison.Ordinal)
                       select (Column: column, Cost: cost, Prefix: column == cost ? "" : column[..^(cost.Length + 1)])).ToArray();
        var results = new List<CostCheckResult>();
        // Columns sharing a prefix (cifar100_params_M, cifar100_flops_M) describe one network, so they share a
        // class count. Infer it from the column where one class moves the value most relative to its size:
        // rounding in the table hides the classifier's share of FLOPs but not of params.
        foreach (var group in matches.GroupBy(m => m.Prefix))
        {
            int? classes = baseOptions.Classes;
            double bestResolution = 0;
            foreach (var m in group)
            {
                var (arch, value) = data.ColumnEntries(m.Column).First();
                double c1 = space.ComputeCosts(arch, baseOptions with { Classes = 1 })[m.Cost];
                double c2 = space.ComputeCosts(arch, baseOptions with { Classes = 2 })[m.Cost];
                double resolution = Math.Abs(c2 - c1) / Math.Max(Math.Abs(value), 1e-12);
                if (resolution > bestResolution)
                {
                    bestResolution = resolution;
                    classes = Math.Max(1, (int)Math.Round(1 + (value - c1) / (c2 - c1)));
                }
            }
            var options = baseOptions with { Classes = classes };
            foreach (var m in group)
            {
                double worst = 0;
                string worstArch = "";
                int rows = 0;
                foreach (var (arch, value) in data.ColumnEntries(m.Column))
                {
                    rows++;
                    double computed = space.ComputeCosts(arch, options)[m.Cost];
                    double rel = Math.Abs(computed - value) / Math.Max(Math.Abs(value), 1e-12);
                    if (rel >= worst) { worst = rel; worstArch = arch.ToString(); }
                }
                results.Add(new CostCheckResult(m.Column, m.Cost, classes, rows, worst, worstArch));
            }
        }
        return results;
    }
}
