using System.Text.Json;
using NagSharp.Benchmarks;
using NagSharp.Cli.Commands;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>The table surrogate that scores generated architectures a sparse table lacks, and the margin benchmark built on it.</summary>
[Collection(TorchCollection.Name)]
public sealed class SurrogateOracleTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nagsharp-margin-" + Guid.NewGuid().ToString("N"));

    public SurrogateOracleTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    [SkippableFact]
    public void SurrogateRanksHeldOutNb301GenotypesAndRefusesBadInput()
    {
        string data = TestData.RequireDir();
        var space = SpaceRegistry.Get("nb301");
        var tables = BenchmarkData.Load(space, data);
        using var oracle = SurrogateOracle.Fit(space, tables, "val_accuracy", seed: 0, config: new EnsembleConfig(Hidden: 64, FitSteps: 300, WeightDecay: 1e-3));
        Assert.Equal(1218, oracle.TrainRows + oracle.HeldOutRows);
        Assert.InRange(oracle.HeldOutRows, 200, 300);
        // A fitted ensemble ranks unseen genotypes far better than chance (an unfitted one scatters around 0).
        Assert.True(oracle.Spearman > 0.4, $"held-out Spearman {oracle.Spearman:F3}");
        // Scores are in the column's units, around the table's accuracies.
        var some = tables.ColumnEntries("val_accuracy").Take(50).ToList();
        var scores = oracle.Score(some.Select(e => e.Arch).ToList());
        Assert.Equal(50, scores.Length);
        Assert.InRange(scores.Average(), some.Min(e => e.Value), some.Max(e => e.Value));
        // Predictions never leave the range the table measured.
        var all = tables.ColumnEntries("val_accuracy").Select(e => e.Value).ToArray();
        Assert.All(scores, v => Assert.InRange(v, all.Min(), all.Max()));
        Assert.Empty(oracle.Score([]));
        Assert.Throws<NagUserException>(() => SurrogateOracle.Fit(space, tables, "val_accuracy", 0, heldOutFraction: 1.5));
        Assert.ThrowsAny<Exception>(() => SurrogateOracle.Fit(space, tables, "no_such_column", 0));
    }

    [Fact]
    public void MarginIsSignedSoThatPositiveMeansBetter()
    {
        BenchMarginCommand.Row R(string mode, double mean, double top) => new(mode, 0, 1, 1, 10, 0, mean, top);
        var rows = new[] { R("unconditioned", 90, 93), R("conditioned", 92, 94), R("unconditioned", 90, 93), R("conditioned", 91, 93) };
        var (mean, top) = BenchMarginCommand.Margin(rows, lowerIsBetter: false);
        Assert.Equal(1.5, mean, 9);
        Assert.Equal(0.5, top, 9);
        var (lowMean, lowTop) = BenchMarginCommand.Margin(rows, lowerIsBetter: true);
        Assert.Equal(-1.5, lowMean, 9);
        Assert.Equal(-0.5, lowTop, 9);
    }

    [SkippableFact]
    public void BenchMarginScoresNovelGenotypesWithTheSurrogateAndReportsItsFidelity()
    {
        string data = TestData.RequireDir();
        string outDir = Path.Combine(_dir, "m");
        string[] common = ["bench", "margin", "--space", "nb301", "--condition", "val_accuracy>=top10%", "--preset", "tiny", "--train-steps", "3",
            "--unlabelled", "50", "--surrogate-steps", "30", "--out", outDir, "-n", "6", "--sample-steps", "2", "--data-dir", data];
        var (code, stdout, err) = CliRunner.Run([.. common, "--seeds", "2", "--k", "3"]);
        Assert.True(code == 0, err);
        Assert.Contains("Margin", stdout);
        var json = Directory.GetFiles(outDir, "bench_margin_nb301-*.json").Single();
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal("val_accuracy", root.GetProperty("metric").GetString());
        Assert.False(root.GetProperty("lower_is_better").GetBoolean());
        var rows = root.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(4, rows.Length);   // two modes x two seeds
        Assert.Equal(2, rows.Count(r => r.GetProperty("mode").GetString() == "conditioned"));
        // Generated genotypes are new to the 1,218-row table, so a measured surrogate must have scored them.
        if (rows.Any(r => r.GetProperty("in_table").GetInt32() < r.GetProperty("unique_valid").GetInt32()))
            Assert.InRange(root.GetProperty("surrogate").GetProperty("spearman").GetDouble(), -1, 1);
        // The second run reuses the cached generator.
        var again = CliRunner.Run([.. common, "--seeds", "1"]);
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("(cached)", again.Out);
        foreach (var bad in new[] { "--k", "--seeds", "-n", "--surrogate-steps", "--held-out", "--batch" })
        {
            var r = CliRunner.Run([.. common, bad, "0"]);
            Assert.Equal(1, r.Code);
            Assert.Contains(bad, r.Err);
        }
        var col = CliRunner.Run([.. common, "--metric", "no_such_column"]);
        Assert.NotEqual(0, col.Code);
        Assert.Contains("no_such_column", col.Err);

        // A generator trained elsewhere (deeper, longer) is benchmarked as given; one of another space or without the
        // condition is refused with the file or the condition named.
        string ckpt = Directory.GetFiles(outDir, "*.ckpt").Single();
        var given = CliRunner.Run([.. common, "--seeds", "1", "--generator", ckpt]);
        Assert.True(given.Code == 0, given.Err);
        Assert.Contains(Path.GetFileName(ckpt), given.Out);
        var otherCondition = CliRunner.Run(["bench", "margin", "--space", "nb301", "--condition", "val_accuracy>=top5%", "--generator", ckpt,
            "--out", outDir, "-n", "4", "--sample-steps", "2", "--seeds", "1", "--data-dir", data]);
        Assert.Equal(1, otherCondition.Code);
        Assert.Contains("val_accuracy>=top5%", otherCondition.Err);
        string foreign = Path.Combine(_dir, "micro.ckpt");
        var train = CliRunner.Run(["train", "generator", "--space", "tnb101_micro", "--engine", "discrete", "--preset", "tiny", "--steps", "2",
            "--batch", "8", "--out", foreign, "--data-dir", data]);
        Assert.True(train.Code == 0, train.Err);
        var wrongSpace = CliRunner.Run([.. common, "--generator", foreign]);
        Assert.Equal(1, wrongSpace.Code);
        Assert.Contains("micro.ckpt", wrongSpace.Err);
        Assert.Contains("tnb101_micro", wrongSpace.Err);
    }
}
