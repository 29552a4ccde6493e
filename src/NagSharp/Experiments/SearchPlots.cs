using NagSharp.Benchmarks;
using NagSharp.Search;
using NagSharp.Spaces;
using ScottPlot;

namespace NagSharp.Experiments;

/// <summary>The PNG files <see cref="SearchPlots.Render"/> wrote.</summary>
/// <param name="BestSoFar">Mean best-so-far report value per strategy against queries.</param>
/// <param name="Regret">Mean regret per strategy on a log axis.</param>
/// <param name="QueriesToOptimum">Histogram of the query at which each run first met an optimum.</param>
public sealed record SearchPlotFiles(string BestSoFar, string Regret, string QueriesToOptimum)
{
    /// <summary>The three paths, in the order above.</summary>
    public IReadOnlyList<string> All => [BestSoFar, Regret, QueriesToOptimum];
}

/// <summary>
/// PNG plots of a search output directory (<c>nag plot</c>, and each output of <c>nag pool</c> and <c>nag bench search</c>):
/// <c>best_so_far.png</c>, <c>regret.png</c> and <c>queries_to_optimum.png</c>, drawn with ScottPlot from
/// <see cref="SearchPlotData"/>. Every strategy gets its own colour, line pattern and marker shape, with markers staggered
/// along the curve, so identical curves stay visible (and the legend names them).
/// </summary>
public static class SearchPlots
{
    private static readonly MarkerShape[] Shapes =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond,
         MarkerShape.FilledTriangleDown, MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp, MarkerShape.OpenDiamond, MarkerShape.Asterisk];

    private static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    /// <summary>Reads the search output in <paramref name="dir"/>, computes its <see cref="SearchPlotData"/> against the
    /// table and writes the three plots into the same directory (each atomically).</summary>
    /// <param name="dir">A search output directory (see <see cref="SearchOutput"/>).</param>
    /// <param name="loadData">Loads the benchmark data of the search's space.</param>
    public static SearchPlotFiles Render(string dir, Func<ISearchSpace, BenchmarkData> loadData)
    {
        ArgumentNullException.ThrowIfNull(loadData);
        var (header, trials) = SearchOutput.Read(dir);
        var data = loadData(SpaceRegistry.Get(header.Space));
        data.RequireColumn(header.Objective);
        data.RequireColumn(header.Report);
        double sign = header.Minimize ? -1 : 1;
        double bestReport = sign * data.ColumnEntries(header.Report).Max(e => sign * e.Value);
        var plot = SearchPlotData.Compute(header, trials, SearchHarness.OptimumArchs(data, header.Objective, header.Minimize), bestReport);
        var files = new SearchPlotFiles(Path.Combine(dir, "best_so_far.png"), Path.Combine(dir, "regret.png"), Path.Combine(dir, "queries_to_optimum.png"));
        Write(files.BestSoFar, BestSoFar(plot), 900, 550);
        Write(files.Regret, Regret(plot), 900, 550);
        Write(files.QueriesToOptimum, Histogram(plot), 900, 450);
        return files;
    }

    private static void Write(string path, Plot plot, int width, int height) =>
        AtomicFile.WriteStream(path, s => s.Write(plot.GetImageBytes(width, height, ImageFormat.Png)));

    private static Plot BestSoFar(SearchPlotData d)
    {
        var plot = new Plot();
        Curves(plot, d.BestSoFar, v => v, band: true);
        var best = plot.Add.HorizontalLine(d.BestReport);
        best.Color = Colors.Black.WithAlpha(0.5);
        best.LinePattern = LinePattern.Dotted;
        best.LineWidth = 1;
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "best in the table", LineColor = best.Color, LinePattern = LinePattern.Dotted, LineWidth = 1 });
        var h = d.Header;
        plot.XLabel("queries");
        plot.YLabel($"best-so-far {h.Report} (mean ± std)");
        plot.Title($"{h.Space}: search on {h.Objective}");
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static Plot Regret(SearchPlotData d)
    {
        var plot = new Plot();
        // Log axis: plot log10 of the regret. A mean regret of 0 (every run holds a best architecture) has no logarithm;
        // it is drawn on a floor a decade below the smallest positive value, marked by a line.
        var positive = d.Regret.SelectMany(c => c.Mean.Concat(c.Lower).Concat(c.Upper)).Where(v => v > 0 && double.IsFinite(v)).ToList();
        double floor = positive.Count == 0 ? 1e-3 : positive.Min() / 10, top = positive.Count == 0 ? 1 : positive.Max();
        bool reachesZero = d.Regret.Any(c => c.Mean.Any(v => v <= 0));
        Curves(plot, d.Regret, v => Math.Log10(Math.Max(v, floor)), band: true);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var t in SearchPlotData.LogTicks(floor, top)) ticks.AddMajor(t.Position, t.Label);
        for (int e = (int)Math.Floor(Math.Log10(floor)); e <= (int)Math.Ceiling(Math.Log10(top)); e++)
            for (int m = 1; m <= 9; m++) ticks.AddMinor(Math.Log10(m) + e);
        plot.Axes.Left.TickGenerator = ticks;
        if (reachesZero)
        {
            var zero = plot.Add.HorizontalLine(Math.Log10(floor));
            zero.Color = Colors.Black.WithAlpha(0.5);
            zero.LinePattern = LinePattern.Dotted;
            zero.LineWidth = 1;
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "regret 0 (every run at the best)", LineColor = zero.Color, LinePattern = LinePattern.Dotted, LineWidth = 1 });
        }
        var h = d.Header;
        plot.XLabel("queries");
        plot.YLabel($"regret of {h.Report}, log scale (mean ± s.e.)");
        plot.Title($"{h.Space}: distance to the table's best {h.Report} ({d.BestReport:G6})");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static void Curves(Plot plot, IReadOnlyList<StrategyCurve> curves, Func<double, double> y, bool band)
    {
        var palette = new ScottPlot.Palettes.Category10();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };   // queries are whole
        for (int si = 0; si < curves.Count; si++)
        {
            var c = curves[si];
            int n = Array.FindLastIndex(c.Mean, double.IsFinite) + 1;
            if (n == 0) continue;
            var xs = Enumerable.Range(1, n).Select(q => (double)q).ToArray();
            var color = palette.GetColor(si);
            if (band)
            {
                var fill = plot.Add.FillY(xs, c.Lower.Take(n).Select(y).ToArray(), c.Upper.Take(n).Select(y).ToArray());
                fill.FillColor = color.WithAlpha(c.SameAs is null ? 0.12 : 0);
                fill.LineColor = color.WithAlpha(0);
            }
            var line = plot.Add.ScatterLine(xs, c.Mean.Take(n).Select(y).ToArray());
            line.Color = color;
            line.LineWidth = 2;
            line.LinePattern = Patterns[si % Patterns.Length];
            var at = SearchPlotData.MarkerQueries(n, si, curves.Count);
            var marks = plot.Add.Scatter(at.Select(q => (double)q).ToArray(), at.Select(q => y(c.Mean[q - 1])).ToArray());
            marks.LineWidth = 0;
            marks.MarkerShape = Shapes[si % Shapes.Length];
            marks.MarkerSize = 9;
            marks.Color = color;
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = c.SameAs is null ? c.Strategy : $"{c.Strategy} (same curve as {c.SameAs})",
                LineColor = color, LineWidth = 2, LinePattern = Patterns[si % Patterns.Length],
                MarkerShape = Shapes[si % Shapes.Length], MarkerSize = 9, MarkerFillColor = color, MarkerLineColor = color,
            });
        }
    }

    private static Plot Histogram(SearchPlotData d)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var strategies = d.RunsPerBin.Keys.ToArray();
        int s = strategies.Length;
        double slot = 0.9 / s;
        for (int si = 0; si < s; si++)
        {
            var counts = d.RunsPerBin[strategies[si]];
            var bars = plot.Add.Bars(counts.Select((_, b) => b - 0.45 + (si + 0.5) * slot).ToArray(), counts.Select(c => (double)c).ToArray());
            bars.Color = palette.GetColor(si);
            bars.LegendText = strategies[si];
            foreach (var bar in bars.Bars) bar.Size = slot * 0.9;
        }
        var x = new ScottPlot.TickGenerators.NumericManual();
        for (int b = 0; b < d.Bins.Count; b++) x.AddMajor(b, d.Bins[b].Label);
        plot.Axes.Bottom.TickGenerator = x;
        int max = d.RunsPerBin.Values.SelectMany(c => c).DefaultIfEmpty(0).Max();
        var yTicks = SearchPlotData.CountTicks(max);
        var y = new ScottPlot.TickGenerators.NumericManual();
        foreach (var t in yTicks) y.AddMajor(t.Position, t.Label);
        plot.Axes.Left.TickGenerator = y;
        plot.Axes.SetLimits(-0.6, d.Bins.Count - 0.4, 0, yTicks[^1].Position * 1.05);
        plot.XLabel($"query at which a run first met the best {d.Header.Objective} (budget {d.Header.Budget})");
        plot.YLabel("runs");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }
}
