using System.CommandLine;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary>
/// <c>nag plot DIR</c>: PNG plots of a <c>nag search</c> output directory: mean best-so-far report value against
/// queries with a +/- one standard deviation band, one line per strategy; and a histogram of queries to the optimum.
/// </summary>
public static class PlotCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var dirArg = new Argument<string>("dir") { Description = "Output directory of `nag search`" };
        var cmd = new Command("plot", "Plot the results of `nag search`") { dirArg };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var (curvePath, histPath) = Render(p.GetValue(dirArg)!, p.GetValue(ctx.DataDir));
            ctx.Out.WriteLine($"wrote {curvePath} and {histPath}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>Writes <c>best_so_far.png</c> and <c>queries_to_optimum.png</c> into a search output directory.</summary>
    public static (string Curve, string Histogram) Render(string dir, string? dataDir)
    {
        {
            var (header, trials) = SearchOutput.Read(dir);
            var (spaceName, objective, report, budget, minimize) = (header.Space, header.Objective, header.Report, header.Budget, header.Minimize);
            var data = CliHelpers.LoadData(SpaceRegistry.Get(spaceName), dataDir);
            double sign = minimize ? -1 : 1;
            var optimum = Search.SearchHarness.OptimumArchs(data, objective, minimize);

            var curve = new ScottPlot.Plot();
            var hist = new ScottPlot.Plot();
            var strategies = trials.Select(t => t.Strategy).Distinct().ToArray();
            var palette = new ScottPlot.Palettes.Category10();
            for (int si = 0; si < strategies.Length; si++)
            {
                var runs = trials.Where(t => t.Strategy == strategies[si]).GroupBy(t => t.Seed).Select(g => g.OrderBy(t => t.Query).ToArray()).ToArray();
                var xs = Enumerable.Range(1, budget).Select(i => (double)i).ToArray();
                var means = new double[budget];
                var lo = new double[budget];
                var hi = new double[budget];
                for (int q = 1; q <= budget; q++)
                {
                    var v = runs.Where(r => r.Length >= q).Select(r => r.Take(q).MaxBy(t => sign * t.Objective)!.Report).ToArray();
                    double m = v.Average(), sd = Stats.SampleStd(v);
                    means[q - 1] = m; lo[q - 1] = m - sd; hi[q - 1] = m + sd;
                }
                var color = palette.GetColor(si);
                var band = curve.Add.FillY(xs, lo, hi);
                band.FillColor = color.WithAlpha(0.15);
                band.LineColor = color.WithAlpha(0);
                var line = curve.Add.ScatterLine(xs, means);
                line.Color = color;
                line.LegendText = strategies[si];
                var hits = runs.Select(r => (double)(r.FirstOrDefault(t => optimum.Contains(t.Arch))?.Query ?? budget + 1)).ToArray();
                var bins = Enumerable.Range(0, 10).Select(b => (double)hits.Count(h => h > budget * b / 10.0 && h <= budget * (b + 1) / 10.0)).Append(hits.Count(h => h > budget)).ToArray();
                double width = budget / 10.0, slot = width / (strategies.Length + 1);
                var positions = Enumerable.Range(0, bins.Length).Select(b => b * width + (si + 1) * slot).ToArray();
                var bars = hist.Add.Bars(positions, bins);
                bars.Color = color;
                bars.LegendText = strategies[si];
                foreach (var bar in bars.Bars) bar.Size = slot * 0.9;
            }
            curve.XLabel("queries"); curve.YLabel($"best-so-far {report} (mean ± std)"); curve.Title($"{spaceName}: search on {objective}");
            curve.ShowLegend();
            hist.XLabel($"queries to the best {objective} (bins of {budget / 10.0:G} queries; beyond {budget}: not found)"); hist.YLabel("runs");
            hist.ShowLegend(ScottPlot.Alignment.UpperLeft);
            string curvePath = Path.Combine(dir, "best_so_far.png"), histPath = Path.Combine(dir, "queries_to_optimum.png");
            AtomicFile.WriteStream(curvePath, s => s.Write(curve.GetImageBytes(900, 550, ScottPlot.ImageFormat.Png)));
            AtomicFile.WriteStream(histPath, s => s.Write(hist.GetImageBytes(900, 450, ScottPlot.ImageFormat.Png)));
            return (curvePath, histPath);
        }
    }
}
