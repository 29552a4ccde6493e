using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NagSharp.Benchmarks;
using NagSharp.Diffusion.Score;
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
    public Option<string> Dir { get; } = new("--train-dir") { Description = "Checkpoints of the trained networks (a rerun resumes or reuses them)", DefaultValueFactory = _ => Path.Combine("runs", "train-best") };

    /// <summary>Adds the options to the generate command.</summary>
    public void AddTo(Command c)
    {
        c.Options.Add(Count); c.Options.Add(Width); c.Options.Add(Cells); c.Options.Add(Dir);
        Train.AddTo(c);
    }

    /// <summary>One trained architecture.</summary>
    public sealed record Trained(Arch Arch, IReadOnlyDictionary<string, double?> Benchmark, double? Predicted, NetCommand.TrainResult Result);

    /// <summary>
    /// Trains the K best unique valid generated architectures (see <see cref="Select"/>) on --dataset. Returns null
    /// when --train-best is 0.
    /// </summary>
    public List<Trained>? Run(CliContext ctx, ParseResult p, ISearchSpace space, GenerationResult result, string[] reports, BenchmarkData? data,
        Func<IReadOnlyList<Arch>, double[]>? predict, int seed)
    {
        int k = p.GetValue(Count);
        if (k == 0) return null;
        if (k < 0) throw new NagUserException($"--train-best must be non-negative, got {k}");
        var settings = Train.Read(p, seed);
        var dataset = Train.LoadDataset(ctx, p);
        var uniques = result.Records.Where(r => r.Unique).Select(r => r.Arch!).ToList();
        var predicted = predict is null || uniques.Count == 0 ? null : predict(uniques);
        var chosen = Select(space, uniques, reports.FirstOrDefault(), data, predicted, k);
        ctx.Err.WriteLine($"training the {chosen.Count} best generated architectures ({(reports.Length > 0 ? $"by {reports[0]}" : predicted is not null ? "by the predictor" : "in generation order")}) on {dataset.Source}");
        return TrainAll(ctx, space, chosen, reports, data, dataset, settings, p.GetValue(Width), p.GetValue(Cells), p.GetValue(Dir)!);
    }

    /// <summary>
    /// The K best architectures, one per canonical form (functionally identical cells are trained once): ranked by the
    /// table value of <paramref name="sortBy"/> when given and known, else by the prediction, else in generation order.
    /// </summary>
    public static List<(Arch Arch, double? Predicted)> Select(ISearchSpace space, IReadOnlyList<Arch> uniques, string? sortBy, BenchmarkData? data,
        double[]? predicted, int k) =>
        uniques.Select((a, i) => (Arch: a, Pred: predicted?[i], Order: i, Key: sortBy is not null && data?.Get(a, sortBy) is double v ? v : predicted?[i]))
            .OrderByDescending(r => r.Key.HasValue).ThenByDescending(r => r.Key ?? 0).ThenBy(r => r.Order)
            .DistinctBy(r => space.CanonicalForm(r.Arch)).Take(k)
            .Select(r => (r.Arch, r.Pred)).ToList();

    /// <summary>Trains each architecture (resuming or reusing its checkpoint under <paramref name="dir"/>).</summary>
    public static List<Trained> TrainAll(CliContext ctx, ISearchSpace space, IReadOnlyList<(Arch Arch, double? Predicted)> archs, string[] reports,
        BenchmarkData? data, ImageDataset dataset, TrainSettings settings, int? width, int? cells, string dir)
    {
        var trained = new List<Trained>();
        string tag = SettingsTag(dataset, settings, width, cells);
        foreach (var (arch, pred) in archs)
        {
            string path = Path.Combine(dir, $"{space.Name}-{CliHelpers.CanonicalId(space, arch)}-{tag}.ckpt");
            var res = NetCommand.Train(ctx, space, arch, width, cells, dataset, settings, path, resume: true);
            ctx.Err.WriteLine(NetCommand.Summary(res));
            trained.Add(new Trained(arch, reports.ToDictionary(c => c, c => data?.Get(arch, c)), pred, res));
        }
        return trained;
    }

    // Checkpoints are named by what determines the run, so a rerun with other settings never resumes a stranger's run.
    private static string SettingsTag(ImageDataset data, TrainSettings s, int? width, int? cells) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{data.Fingerprint}|{s}|{width}|{cells}")))[..10];

    /// <summary>Prints the trained architectures as a table: benchmark values beside the measured test accuracy.</summary>
    public static void Print(CliContext ctx, IReadOnlyList<Trained> trained, string[] reports)
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
        if (trained.Count >= 3)
            foreach (var c in reports)
            {
                var pairs = trained.Where(t => t.Benchmark[c] is not null).ToArray();
                if (pairs.Length >= 3)
                    ctx.Console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"Spearman(trained test accuracy, {c}) over {pairs.Length}: {Stats.Spearman(pairs.Select(t => t.Result.TestAccuracy).ToArray(), pairs.Select(t => t.Benchmark[c]!.Value).ToArray()):F3}")));
            }
    }

    /// <summary>Writes the trained architectures into a JSON summary.</summary>
    public static void WriteJson(System.Text.Json.Utf8JsonWriter w, IReadOnlyList<Trained> trained)
    {
        w.WriteStartArray("train_best");
        foreach (var t in trained)
        {
            w.WriteStartObject();
            w.WriteString("arch", t.Arch.ToString());
            w.WriteStartObject("benchmark");
            foreach (var (c, v) in t.Benchmark) { if (v is double d) w.WriteNumber(c, d); else w.WriteNull(c); }
            w.WriteEndObject();
            if (t.Predicted is double pr) w.WriteNumber("predicted", pr);
            w.WriteNumber("test_accuracy", t.Result.TestAccuracy);
            w.WriteNumber("parameters", t.Result.Parameters);
            w.WriteNumber("epochs", t.Result.Curve.Count);
            w.WriteString("checkpoint", t.Result.Checkpoint);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
