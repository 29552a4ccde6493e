using System.Text.Json;

namespace NagSharp.Tests;

/// <summary>The spaces beyond NB201 and NB101 through the CLI: listing, <c>nag arch</c>, <c>nag space dump</c>, <c>nag search</c> and
/// bad input. Data-dependent.</summary>
public sealed class NewSpacesCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void SpacesListsEveryNewSpace()
    {
        var (code, stdout, err) = Run("spaces");
        Assert.True(code == 0, err);
        foreach (var name in new[] { "tnb101_micro", "tnb101_macro", "nb301", "anb", "nbnlp", "ofa_mbv3" })
            Assert.Contains(name, stdout, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("tnb101_micro", "64-41414-3_33_333", "segmentsemantic")]
    [InlineData("tnb101_macro", "(1, 4, 1, 2)", "room_layout")]
    [InlineData("nb301", "0", "val_accuracy")]
    [InlineData("anb", "e6k3l1-e4k5l2-e6k3l3-e6k5l3-e6k5l2-e1k3l2-e1k3l2", "throughput_a100")]
    [InlineData("nbnlp", "1", "best_val_ppl")]
    [InlineData("ofa_mbv3", "0", "v100_1_ms")]
    public void ArchShowsTableMetricsAndComputedCosts(string space, string arch, string column)
    {
        string data = TestData.RequireDir();
        var (code, stdout, err) = Run("arch", space, arch, "--json", "--data-dir", data);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.True(doc.RootElement.GetProperty("metrics").TryGetProperty(column, out _), stdout);
        Assert.Equal(space, doc.RootElement.GetProperty("space").GetString());
        // The printed string form parses back to the same architecture.
        string form = doc.RootElement.GetProperty("arch").GetString()!;
        var again = Run("arch", space, form, "--json", "--data-dir", data);
        Assert.True(again.Code == 0, again.Err);
        using var doc2 = JsonDocument.Parse(again.Out);
        Assert.Equal(form, doc2.RootElement.GetProperty("arch").GetString());
    }

    [Theory]
    [InlineData("tnb101_micro", "64-41414-3_33_3")]
    [InlineData("tnb101_macro", "64-1111-basic")]
    [InlineData("nb301", "Genotype(normal=[])")]
    [InlineData("anb", "e6k3l1")]
    [InlineData("nbnlp", "{\"h_new_0\": {\"op\": \"tanh\", \"input\": [\"x\"]}}")]
    [InlineData("ofa_mbv3", "3 3|3|2|224")]
    public void MalformedArchitecturesExitOneWithOneLine(string space, string arch)
    {
        var (code, _, err) = Run("arch", space, arch);
        Assert.Equal(1, code);
        Assert.StartsWith("nag: error: ", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [SkippableFact]
    public void SpaceDumpStreamsEveryRow()
    {
        string data = TestData.RequireDir();
        var (code, stdout, err) = Run("space", "dump", "tnb101_macro", "--format", "csv", "--data-dir", data);
        Assert.True(code == 0, err);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3257, lines.Length);
        Assert.StartsWith("row,arch,canonical_id,autoencoder", lines[0], StringComparison.Ordinal);
        var nlp = Run("space", "dump", "nbnlp", "--format", "jsonl", "--data-dir", data);
        Assert.True(nlp.Code == 0, nlp.Err);
        var rows = nlp.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(345, rows.Length);
        using var first = JsonDocument.Parse(rows[0]);
        Assert.Equal(15066078, first.RootElement.GetProperty("computed").GetProperty("num_params").GetDouble());
    }

    [SkippableFact]
    public void SearchRunsOnTheNewTables()
    {
        string data = TestData.RequireDir();
        using var dir = new TempDir();
        var (code, _, err) = Run("search", "--space", "tnb101_micro", "--objective", "class_scene", "--report", "class_object",
            "--budget", "15", "--seeds", "2", "--out", dir.Path, "--data-dir", data);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(dir.Path, "summary.json")));
        // Accel-NASBench: repeated architectures and missing device figures do not break the harness.
        var anb = Run("search", "--space", "anb", "--objective", "throughput_tpuv3", "--report", "val_top1", "--strategy", "evolution",
            "--budget", "15", "--seeds", "1", "--out", Path.Combine(dir.Path, "anb"), "--data-dir", data);
        Assert.True(anb.Code == 0, anb.Err);
    }
}

/// <summary>The discrete engine and the OFA oracle through the CLI on the new spaces (tiny models, few steps).</summary>
[Collection(TorchCollection.Name)]
public sealed class NewSpacesTorchCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [SkippableFact]
    public void DiscreteEngineTrainsAndGeneratesOnAccelNasBench()
    {
        string data = TestData.RequireDir();
        using var dir = new TempDir();
        string g = Path.Combine(dir.Path, "anb.ckpt");
        var (code, _, err) = Run("train", "generator", "--engine", "discrete", "--space", "anb", "--condition", "val_top1>=top10%", "--unlabelled", "50",
            "--preset", "tiny", "--train-steps", "3", "--batch", "16", "--out", g, "--seed", "0", "--data-dir", data);
        Assert.True(code == 0, err);
        Assert.Contains("5,175 training architectures", err, StringComparison.Ordinal);   // 5,125 distinct table networks + 50 samples
        var (gc, gout, gerr) = Run("generate", "--generator", g, "--condition", "val_top1>=top10%", "-n", "8", "--sample-steps", "3", "--seed", "1",
            "--report", "val_top1", "--json", "--data-dir", data);
        Assert.True(gc == 0, gerr);
        using var doc = JsonDocument.Parse(gout);
        Assert.Equal(8, doc.RootElement.GetProperty("n").GetInt32());
    }

    [SkippableFact]
    public void ScoreEngineTrainsOnANonEnumerableSpace()
    {
        string data = TestData.RequireDir();
        using var dir = new TempDir();
        string g = Path.Combine(dir.Path, "ofa.ckpt");
        var (code, _, err) = Run("train", "generator", "--engine", "score", "--space", "ofa_mbv3", "--unlabelled", "200",
            "--preset", "tiny", "--train-steps", "3", "--batch", "16", "--out", g, "--seed", "0", "--data-dir", data);
        Assert.True(code == 0, err);
        Assert.Contains("5,200 training architectures", err, StringComparison.Ordinal);   // HELP's 5,000 + 200 samples
        var samples = Path.Combine(dir.Path, "s.jsonl");
        var (gc, _, gerr) = Run("generate", "--generator", g, "-n", "8", "--sample-steps", "3", "--seed", "1", "--out", samples, "--data-dir", data);
        Assert.True(gc == 0, gerr);
        var scored = Run("ofa", "predict", "--samples", samples, "--json", "--data-dir", data);
        // An untrained generator may produce no valid subnet; then there is nothing to score (a user error), else JSON.
        if (scored.Code == 0) Assert.True(JsonDocument.Parse(scored.Out).RootElement.GetProperty("predictor_calls").GetInt32() >= 1);
        else Assert.Contains("give subnets", scored.Err, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void OfaCheckReportsTheRankCorrelation()
    {
        string data = TestData.RequireDir();
        var (code, stdout, err) = Run("ofa", "check", "--json", "--data-dir", data);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(34, doc.RootElement.GetProperty("nets").GetInt32());
        Assert.True(doc.RootElement.GetProperty("rank_correlation").GetProperty("all").GetProperty("spearman").GetDouble() > 0.9);
        var sample = Run("ofa", "sample", "-n", "200", "--seed", "3", "--json", "--data-dir", data);
        Assert.True(sample.Code == 0, sample.Err);
        Assert.Equal(sample.Out, Run("ofa", "sample", "-n", "200", "--seed", "3", "--json", "--data-dir", data).Out);   // same seed, same output
        Assert.Equal(1, Run("ofa", "predict", "1 2|3|4|5", "--data-dir", data).Code);
        Assert.Equal(1, Run("ofa", "predict", "--data-dir", data).Code);
    }
}

/// <summary>The table-restricted view strategies use on partial tables.</summary>
public sealed class TableSpaceTests
{
    [SkippableFact]
    public void SamplesAndNeighboursStayInsideTheTable()
    {
        var data = TestData.For("anb");
        var space = new Search.TableSpace(data.Space, data, "throughput_tpuv3");
        Assert.True(Search.TableSpace.Needed(data.Space, data));
        Assert.Equal(data.ColumnEntries("throughput_tpuv3").Select(e => e.Arch.ToString()).Distinct().Count(), space.Size);
        var rng = new Random(1);
        for (int i = 0; i < 200; i++)
        {
            var a = space.Sample(rng);
            Assert.NotNull(data.Get(a, "throughput_tpuv3"));
            Assert.All(space.Neighbours(a), b => Assert.NotNull(data.Get(b, "throughput_tpuv3")));
        }
        Assert.False(Search.TableSpace.Needed(TestData.For("tnb101_micro").Space, TestData.For("tnb101_micro")));
        Assert.Throws<NagUserException>(() => new Search.TableSpace(data.Space, data, "nope"));
    }
}
