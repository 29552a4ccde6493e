using System.CommandLine;
using System.Globalization;
using NagSharp.Benchmarks;
using NagSharp.Networks;
using NagSharp.Spaces;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag generate --train-best K --dataset PATH</c>: trains the best generated cells for real.</summary>
public sealed class TrainBest
{
    /// <summary>--train-best.</summary>
    public Option<int> Count { get; } = new("--train-best") { Description = "Train the K best generated architectures (by the first --report column, else the predictor) on --dataset and report their test accuracy", DefaultValueFactory = _ => 0 };
    /// <summary>Training options, prefixed --train- (except --dataset).</summary>
    public NetCommand.TrainOptions Train { get; } = new("--train-");
    /// <summary>--train-width.</summary>
    public Option<int?> Width { get; } = new("--train-width") { Description = "C of the trained networks (default: the space's standard network)" };
    /// <summary>--train-cells.</summary>
    public Option<int?> Cells { get; } = new("--train-cells") { Description = "N of the trained networks (default: the space's standard network)" };
    /// <summary>--train-dir.</summary>
    public Option<string> Dir { get; } = new("--train-dir") { Description = "Checkpoints of the trained networks (a rerun resumes or reuses them)", DefaultValueFactory = _ => TrainBestSettings.DefaultDir };

    /// <summary>Adds the options to the generate command.</summary>
    public void AddTo(Command c)
    {
        c.Options.Add(Count); c.Options.Add(Width); c.Options.Add(Cells); c.Options.Add(Dir);
        Train.AddTo(c);
    }

    /// <summary>
    /// Trains the K best unique valid generated architectures (see <see cref="Experiments.TrainBest.Select"/>) on
    /// --dataset. Returns null when --train-best is 0.
    /// </summary>
    public IReadOnlyList<TrainedArch>? Run(CliContext ctx, ParseResult p, ISearchSpace space, Diffusion.Score.GenerationResult result, string[] reports, BenchmarkData? data,
        Func<IReadOnlyList<Arch>, double[]>? predict, int seed)
    {
        int k = p.GetValue(Count);
        if (k == 0) return null;
        var settings = new TrainBestSettings(k, Train.Read(p, seed), p.GetValue(Width), p.GetValue(Cells), p.GetValue(Dir));
        settings.Validate();
        var dataset = Train.LoadDataset(ctx, p);
        var uniques = result.Records.Where(r => r.Unique).Select(r => r.Arch!).ToList();
        return ProgressRunner.Observe(ctx, progress => Experiments.TrainBest.Run(space, uniques, reports, data, predict, dataset, settings, progress));
    }

    /// <summary>Prints the trained architectures as a table: benchmark values beside the measured test accuracy.</summary>
    public static void Print(CliContext ctx, IReadOnlyList<TrainedArch> trained, string[] reports)
    {
        var table = new Table().AddColumn("architecture");
        foreach (var c in reports) table.AddColumn($"benchmark {Markup.Escape(c)}");
        table.AddColumn("trained test acc %").AddColumn("params").AddColumn("epochs").AddColumn("seconds");
        foreach (var t in trained)
        {
            var cells = new List<string> { Markup.Escape(t.Arch.ToString()) };
            foreach (var c in reports) cells.Add(t.Benchmark[c] is double v ? CliHelpers.Num(v) : "-");
            cells.Add((t.Result.TestAccuracy * 100).ToString("F2", CultureInfo.InvariantCulture));
            cells.Add(t.Result.Parameters.ToString("N0", CultureInfo.InvariantCulture));
            cells.Add(t.Result.Curve.Count.ToString(CultureInfo.InvariantCulture));
            cells.Add(t.Result.Seconds.ToString("F0", CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }
        ctx.Console.Write(table);
        foreach (var (c, rho, n) in Experiments.TrainBest.Agreement(trained, reports))
            ctx.Console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"Spearman(trained test accuracy, {c}) over {n}: {rho:F3}")));
    }
}
