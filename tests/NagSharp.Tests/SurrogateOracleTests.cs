using TorchSharp;
using System.Text.Json;
using NagSharp.Benchmarks;
using NagSharp.Experiments;
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
        // A fitted ensemble ranks unseen genotypes far better than chance (an unfitted one scatters near 0).
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
        MarginRow R(string mode, double? mean, double? top) => new(mode, 0, 1, 1, 10, 0, mean, top);
        var rows = new[] { R("unconditioned", 90, 93), R("conditioned", 92, 94), R("unconditioned", 90, 93), R("conditioned", 91, 93) };
        var (mean, top) = GuidedMarginExperiment.Margin(rows, lowerIsBetter: false);
        Assert.Equal(1.5, mean, 9);
        Assert.Equal(0.5, top, 9);
        var (lowMean, lowTop) = GuidedMarginExperiment.Margin(rows, lowerIsBetter: true);
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
        var (code, stdout, err) = CliRunner.Run([.. common, "--seeds", "2", "--top", "3"]);
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
        {
            Assert.InRange(root.GetProperty("surrogate").GetProperty("spearman").GetDouble(), -1, 1);
            Assert.Equal("onehot", root.GetProperty("surrogate").GetProperty("encoding").GetString());
        }
        // The second run reuses the cached generator.
        var again = CliRunner.Run([.. common, "--seeds", "1"]);
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("(cached)", again.Out);
        var badEncoding = CliRunner.Run([.. common, "--surrogate-encoding", "wl"]);
        Assert.Equal(1, badEncoding.Code);
        Assert.Contains("--surrogate-encoding", badEncoding.Err);
        foreach (var bad in new[] { "--top", "--seeds", "-n", "--surrogate-steps", "--held-out", "--batch" })
        {
            var r = CliRunner.Run([.. common, bad, "0"]);
            Assert.Equal(1, r.Code);
            Assert.Contains(bad, r.Err);
        }
        var col = CliRunner.Run([.. common, "--objective", "no_such_column"]);
        Assert.NotEqual(0, col.Code);
        Assert.Contains("no_such_column", col.Err);

        // A generator trained elsewhere (deeper, longer) is benchmarked as given; one of another space or without the
        // condition is refused with the file or the condition named.
        string ckpt = Directory.GetFiles(outDir, "*.ckpt").Single();
        var given = CliRunner.Run([.. common, "--seeds", "1", "--generator", ckpt]);
        Assert.True(given.Code == 0, given.Err);
        Assert.Contains($"{Path.GetFileName(ckpt)} (given with --generator)", given.Out);
        var otherCondition = CliRunner.Run(["bench", "margin", "--space", "nb301", "--condition", "val_accuracy>=top5%", "--generator", ckpt,
            "--out", outDir, "-n", "4", "--sample-steps", "2", "--seeds", "1", "--data-dir", data]);
        Assert.Equal(1, otherCondition.Code);
        Assert.Contains("val_accuracy>=top5%", otherCondition.Err);
        string foreign = Path.Combine(_dir, "micro.ckpt");
        var train = CliRunner.Run(["train", "generator", "--space", "tnb101_micro", "--engine", "discrete", "--preset", "tiny", "--train-steps", "2",
            "--batch", "8", "--out", foreign, "--data-dir", data]);
        Assert.True(train.Code == 0, train.Err);
        var wrongSpace = CliRunner.Run([.. common, "--generator", foreign]);
        Assert.Equal(1, wrongSpace.Code);
        Assert.Contains("micro.ckpt", wrongSpace.Err);
        Assert.Contains("tnb101_micro", wrongSpace.Err);
    }
}

/// <summary>The order-free node and edge symbol counts a surrogate can take as inputs.</summary>
[Collection(TorchCollection.Name)]
public sealed class TypeHistogramTests
{
    // Counts read back from the log1p features, against counts taken from the graph itself.
    private static void AssertCountsMatch(ISearchSpace space, int seed)
    {
        var rng = new Random(seed);
        var archs = Enumerable.Range(0, 6).Select(_ => space.Sample(rng)).ToList();
        using var ens = new EnsembleSurrogate(space, new EnsembleConfig(Hidden: 8, Encoding: "hist"), 0);
        var hist = new TypeHistogram(space);
        using var features = ens.Features(archs);
        using var counts = hist.Compute(features).expm1();                                        // [B, F + F*F]
        var got = counts.data<float>().ToArray();
        int f = space.NodeVocabulary.Count, width = hist.FeatureCount;
        Assert.Equal(f + f * f, width);
        Assert.Equal(width, ens.ModelInputs);   // "hist" alone: the counts are the only inputs
        for (int b = 0; b < archs.Count; b++)
        {
            var g = space.Encode(archs[b]);
            var expected = new double[width];
            for (int i = 0; i < g.NodeCount; i++) if (g.NodeTypes[i] >= 0) expected[g.NodeTypes[i]]++;
            for (int i = 0; i < g.NodeCount; i++)
                for (int j = 0; j < g.NodeCount; j++)
                    if (g.Adjacency[i, j] && g.NodeTypes[i] >= 0 && g.NodeTypes[j] >= 0) expected[f + g.NodeTypes[i] * f + g.NodeTypes[j]]++;
            // The soft one-hot is 0.993 / 0.007 on clean inputs, so a count is off by well under one.
            for (int k = 0; k < width; k++)
                Assert.True(Math.Abs(got[b * width + k] - expected[k]) < 0.5, $"{space.Name} {archs[b]} feature {k}: {got[b * width + k]} vs {expected[k]}");
        }
    }

    [Fact]
    public void CountsNodeSymbolsAndSymbolPairEdgesOnFixedAndFreeTopologies()
    {
        AssertCountsMatch(new Nb201Space(), 1);
        AssertCountsMatch(new Nb101Space(), 2);
    }

    // Surrogate inputs of a graph as it is laid out (no canonical reordering): one-hots in {-1, +1}, then the upper
    // triangle of the adjacency in {-1, +1}.
    private static float[] Inputs(ISearchSpace space, NagSharp.Graphs.ArchGraph g)
    {
        int n = space.MaxNodes, f = space.NodeVocabulary.Count;
        var x = new List<float>();
        for (int i = 0; i < n; i++)
            for (int v = 0; v < f; v++) x.Add(i < g.NodeCount && g.NodeTypes[i] == v ? 1f : -1f);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) x.Add(i < g.NodeCount && j < g.NodeCount && g.Adjacency[i, j] ? 1f : -1f);
        return x.ToArray();
    }

    [Fact]
    public void CountsDoNotDependOnWhichSlotANodeTakes()
    {
        // The same NB101 cell with two unconnected middle nodes of different symbols swapped (still topologically
        // ordered): the one-hots differ, the counts do not.
        var space = new Nb101Space();
        var hist = new TypeHistogram(space);
        var rng = new Random(3);
        for (int tries = 0; tries < 200; tries++)
        {
            var g = space.Encode(space.Sample(rng));
            int n = g.NodeCount;
            for (int a = 1; a + 2 < n; a++)
            {
                int c = a + 1;
                if (g.Adjacency[a, c] || g.NodeTypes[a] == g.NodeTypes[c]) continue;
                var types = (int[])g.NodeTypes.Clone();
                (types[a], types[c]) = (types[c], types[a]);
                var adj = new bool[n, n];
                int Map(int i) => i == a ? c : i == c ? a : i;
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++)
                        if (g.Adjacency[i, j]) adj[Map(i), Map(j)] = true;
                var first = Inputs(space, g);
                var second = Inputs(space, new NagSharp.Graphs.ArchGraph(types, adj));
                Assert.NotEqual(first, second);
                using var x = torch.tensor(first.Concat(second).ToArray()).view(2, -1);
                using var h = hist.Compute(x);
                // Up to the soft one-hot's leak: an absent edge still counts 0.007, and the swapped pair (a, c) is
                // read in the other direction.
                Assert.True(h[0].allclose(h[1], rtol: 0, atol: 0.02));
                return;
            }
        }
        Assert.Fail("no NB101 cell with two swappable nodes in 200 samples");
    }

    [SkippableFact]
    public void CrossValidationPredictsEveryRowOnceAndBenchSurrogateReportsEachEncoding()
    {
        string data = TestData.RequireDir();
        var space = SpaceRegistry.Get("nb301");
        var tables = BenchmarkData.Load(space, data);
        var folds = new List<int>();
        var (rho, tau, rows) = SurrogateOracle.CrossValidate(space, tables, "val_accuracy", 3, 0,
            new EnsembleConfig(Hidden: 16, FitSteps: 60, WeightDecay: 1e-3), folds.Add);
        Assert.Equal(1218, rows);
        Assert.Equal([1, 2, 3], folds);
        Assert.True(rho > 0.2 && tau > 0.1, $"cross-validated Spearman {rho:F3}, Kendall {tau:F3}");
        Assert.Throws<NagUserException>(() => SurrogateOracle.CrossValidate(space, tables, "val_accuracy", 1, 0));

        using var dir = new TempDir();
        var run = CliRunner.Run("bench", "surrogate", "--space", "nb301", "--objective", "val_accuracy", "--surrogate-encoding", "onehot", "--surrogate-encoding", "hist",
            "--folds", "2", "--surrogate-steps", "20", "--out", dir.Path, "--json", "--data-dir", data);
        Assert.True(run.Code == 0, run.Err);
        using var doc = JsonDocument.Parse(run.Out);
        var enc = doc.RootElement.GetProperty("encodings").EnumerateArray().Select(e => e.GetProperty("encoding").GetString()!).ToArray();
        Assert.Equal(["onehot", "hist"], enc);
        Assert.True(File.Exists(Path.Combine(dir.Path, "bench_surrogate_nb301_val_accuracy.md")));
        var bad = CliRunner.Run("bench", "surrogate", "--space", "nb301", "--objective", "val_accuracy", "--surrogate-encoding", "wl", "--data-dir", data);
        Assert.Equal(1, bad.Code);
        Assert.Contains("wl", bad.Err);
        var folds1 = CliRunner.Run("bench", "surrogate", "--space", "nb301", "--objective", "val_accuracy", "--folds", "1", "--data-dir", data);
        Assert.Equal(1, folds1.Code);
        Assert.Contains("--folds", folds1.Err);
    }
}
