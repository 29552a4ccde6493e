namespace NagSharp.Tests;

/// <summary>Where commands write: names from data stay inside the directory the user named; unusable outputs fail first.</summary>
[Collection(TorchCollection.Name)]   // the search runner sets torch's thread count
public sealed class OutputPathTests
{
    /// <summary>An NB201 table of one's own (e.g. a copy of the benchmark's accuracies) whose metric columns carry the given names.</summary>
    private static string TableWithColumns(TempDir tmp, string valid, string test)
    {
        string source = Path.Combine(TestData.RequireDir(), "nb201", "nb201_cifar_accuracies.csv");
        var lines = File.ReadLines(source).ToList();
        var header = lines[0].Split(',');
        int iv = Array.IndexOf(header, "cifar10_valid_acc200"), it = Array.IndexOf(header, "cifar10_test_acc200");
        string path = tmp.File("evil.csv");
        File.WriteAllLines(path, lines.Select((l, i) =>
        {
            var f = l.Split(',');
            return i == 0 ? $"index,arch_str,{valid},{test}" : $"{f[0]},{f[1]},{f[iv]},{f[it]}";
        }));
        return path;
    }

    [SkippableFact]
    public void BenchSearchKeepsAColumnNamedLikeAnAbsolutePathInsideOut()
    {
        string data = TestData.RequireDir();
        using var tmp = new TempDir();
        string outside = Path.Combine(tmp.Path, "outside");
        string valid = outside + "/evil_valid", test = outside + "/evil_test";
        string table = TableWithColumns(tmp, valid, test);
        string outDir = Path.Combine(tmp.Path, "bs");
        var run = CliRunner.Run("--extra-table", table, "bench", "search", "--pairs", $"{valid}:{test}", "--strategies", "random",
            "--budget", "3", "--seeds", "1", "--out", outDir, "--data-dir", data);
        Assert.True(run.Code == 0, run.Err);
        Assert.False(Directory.Exists(outside), "bench search wrote outside --out");
        Assert.Equal([outDir], Directory.GetDirectories(tmp.Path));
        string sub = Path.Combine(outDir, SafePath.Part(valid));
        Assert.True(File.Exists(Path.Combine(sub, "trials.csv")));
        Assert.True(File.Exists(Path.Combine(sub, "best_so_far.png")));
        Assert.StartsWith(Path.GetFullPath(outDir), Path.GetFullPath(sub));
        Assert.Contains($"`{SafePath.Part(valid)}/best_so_far.png`", File.ReadAllText(Path.Combine(outDir, "bench_search.md")));
    }

    [Fact]
    public void OrdinaryColumnNamesKeepTheirFileNames()
    {
        foreach (var name in new[] { "cifar10_valid_acc200", "nb201-predictor-cifar10_valid_acc200-1000.ckpt", "local_ms", "tnb101_micro" })
            Assert.Equal(name, SafePath.Part(name));
    }
}
