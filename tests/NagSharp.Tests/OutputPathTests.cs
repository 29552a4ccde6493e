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
        var run = CliRunner.Run("--extra-table", table, "bench", "search", "--pairs", $"{valid}:{test}", "--strategy", "random",
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

    [SkippableFact]
    public void AnUnwritableOutFailsBeforeTheWork()
    {
        string data = TestData.RequireDir();
        using var tmp = new TempDir();
        string file = tmp.File("plain.txt");
        File.WriteAllText(file, "x");
        string under = Path.Combine(file, "out");
        var search = CliRunner.Run("search", "--objective", "cifar10_valid_acc200", "--report", "cifar10_test_acc200", "--strategy", "random",
            "--budget", "5", "--seeds", "1", "--out", under, "--store", tmp.File("runs.db"), "--data-dir", data);
        Assert.Equal(1, search.Code);
        Assert.Equal($"nag: error: --out '{under}' cannot be created: '{file}' is a file", search.Err.Trim());
        Assert.False(File.Exists(tmp.File("runs.db")));   // refused before the store recorded anything
        var bench = CliRunner.Run("bench", "search", "--strategy", "random", "--budget", "5", "--seeds", "1", "--out", under, "--data-dir", data);
        Assert.Equal(1, bench.Code);
        Assert.Single(bench.Err.Trim().Split('\n'));
        Assert.Contains("is a file", bench.Err);
        var surrogate = CliRunner.Run("bench", "surrogate", "--space", "nb201", "--objective", "cifar10_valid_acc200", "--out", Path.Combine(under, "deeper"), "--data-dir", data);
        Assert.Equal(1, surrogate.Code);
        Assert.Contains("is a file", surrogate.Err);
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void TheWritableCheckCreatesNothing()
    {
        using var tmp = new TempDir();
        string dir = Path.Combine(tmp.Path, "a", "b", "c");
        AtomicFile.RequireWritableDirectory(dir);
        AtomicFile.RequireWritableFile(Path.Combine(dir, "x.ckpt"));
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));
        Assert.Throws<NagUserException>(() => AtomicFile.RequireWritableFile(tmp.Path));   // a directory where the file would go
    }

    [SkippableFact]
    public void LatencyOutOnAFileThatIsNoLatencyTableIsRefusedUnchanged()
    {
        string data = TestData.RequireDir();
        using var tmp = new TempDir();
        string foreign = tmp.File("f.txt");
        File.WriteAllText(foreign, "name,value\nalpha,1\nbeta,2");   // no newline at the end: the old code cut this line first
        byte[] before = File.ReadAllBytes(foreign);
        var run = CliRunner.Run("latency", "--all", "--limit", "1", "--width", "4", "--cells", "1", "--input-size", "8", "--warmup", "0",
            "--repeats", "3", "--out", foreign, "--data-dir", data);
        Assert.Equal(2, run.Code);
        Assert.Single(run.Err.Trim().Split('\n'));
        Assert.Contains($"{foreign}:1: header is 'name,value'", run.Err);
        Assert.Equal(before, File.ReadAllBytes(foreign));
    }
}
