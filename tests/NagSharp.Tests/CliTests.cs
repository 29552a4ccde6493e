using System.Globalization;
using System.Text.Json;
using NagSharp.Cli;

namespace NagSharp.Tests;

/// <summary>The <c>nag</c> command run in-process with captured output. Data tests pass <c>--data-dir</c> explicitly.</summary>
public sealed class CliTests
{
    private const string Idx6111 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|";

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private static void AssertOneLine(string text)
    {
        string t = text.TrimEnd('\r', '\n');
        Assert.False(string.IsNullOrWhiteSpace(t), "expected a message on stderr");
        Assert.DoesNotContain('\n', t);
    }

    private static double RelErr(double a, double b) => Math.Abs(a - b) / Math.Max(Math.Abs(b), 1e-12);

    [SkippableFact]
    public void ArchJsonByStringAndByIndex()
    {
        string dir = TestData.RequireDir();
        var (code, stdout, stderr) = Run("arch", "nb201", Idx6111, "--json", "--data-dir", dir);
        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal("nb201", root.GetProperty("space").GetString());
        Assert.Equal(6111, root.GetProperty("index").GetInt32());
        Assert.Equal(Idx6111, root.GetProperty("arch").GetString());
        Assert.Matches("^[0-9a-f]{16}$", root.GetProperty("canonical_id").GetString());
        var metrics = root.GetProperty("metrics");
        Assert.Equal(94.3733, metrics.GetProperty("cifar10_test_acc200").GetDouble());
        Assert.True(metrics.TryGetProperty("fpga_ms", out _));
        double computed = root.GetProperty("computed").GetProperty("params_M").GetDouble();
        Assert.True(RelErr(computed, metrics.GetProperty("cifar10_params_M").GetDouble()) < 1e-4, $"computed params_M {computed}");

        var byIndex = Run("arch", "nb201", "6111", "--json", "--data-dir", dir);
        Assert.Equal(0, byIndex.Code);
        Assert.Equal(stdout, byIndex.Out);

        // The class count changes the computed costs only.
        var c100 = Run("arch", "nb201", "6111", "--json", "--classes", "100", "--data-dir", dir);
        Assert.Equal(0, c100.Code);
        using var doc100 = JsonDocument.Parse(c100.Out);
        Assert.True(RelErr(doc100.RootElement.GetProperty("computed").GetProperty("params_M").GetDouble(),
            metrics.GetProperty("cifar100_params_M").GetDouble()) < 1e-4);
    }

    [SkippableFact]
    public void ArchTableOutput()
    {
        string dir = TestData.RequireDir();
        var (code, stdout, stderr) = Run("arch", "nb201", "6111", "--data-dir", dir);
        Assert.True(code == 0, stderr);
        Assert.Contains("94.3733", stdout, StringComparison.Ordinal);
        Assert.Contains("canonical_id", stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void ArchErrors()
    {
        string dir = TestData.RequireDir();
        var bad = Run("arch", "nb201", "|nor_conv_3x3~0|+|nor_conv_3x3~0|conv_9x9~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|", "--data-dir", dir);
        Assert.Equal(1, bad.Code);
        AssertOneLine(bad.Err);
        Assert.Contains("conv_9x9", bad.Err, StringComparison.Ordinal);
        Assert.Equal("", bad.Out);

        var space = Run("arch", "nb999", Idx6111, "--data-dir", dir);
        Assert.Equal(1, space.Code);
        AssertOneLine(space.Err);
        Assert.Contains("nb999", space.Err, StringComparison.Ordinal);

        var index = Run("arch", "nb201", "15625", "--data-dir", dir);
        Assert.Equal(1, index.Code);
        AssertOneLine(index.Err);
        Assert.Contains("15625", index.Err, StringComparison.Ordinal);

        var classes = Run("arch", "nb201", Idx6111, "--classes", "0", "--data-dir", dir);
        Assert.Equal(1, classes.Code);
        AssertOneLine(classes.Err);
    }

    [Fact]
    public void MissingDataDirectoryIsADataError()
    {
        string missing = "/nonexistent/nagsharp-" + Guid.NewGuid().ToString("N");
        foreach (var args in new[]
                 {
                     new[] { "arch", "nb201", Idx6111, "--data-dir", missing },
                     new[] { "arch", "nb201", "6111", "--data-dir", missing },
                     new[] { "space", "dump", "nb201", "--data-dir", missing },
                     new[] { "data", "check", "--data-dir", missing },
                 })
        {
            var (code, stdout, stderr) = Run(args);
            Assert.True(code == 2, $"{string.Join(' ', args)} -> {code}: {stderr}");
            AssertOneLine(stderr);
            Assert.Contains(missing, stderr, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public void SpaceDumpCsv()
    {
        string dir = TestData.RequireDir();
        var (code, stdout, stderr) = Run("space", "dump", "nb201", "--format", "csv", "--data-dir", dir);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(15626, lines.Length);
        var header = lines[0].Split(',');
        int idx = Array.IndexOf(header, "index"), canon = Array.IndexOf(header, "canonical_id"),
            pars = Array.IndexOf(header, "params_M"), table = Array.IndexOf(header, "cifar10_params_M"),
            fpga = Array.IndexOf(header, "fpga_ms");
        Assert.Equal(0, idx);
        Assert.True(canon > 0 && pars > 0 && table > 0 && fpga > 0, lines[0]);
        var canonical = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            Assert.Equal(header.Length, f.Length);
            Assert.Equal(i - 1, int.Parse(f[idx], CultureInfo.InvariantCulture));
            canonical.Add(f[canon]);
            double computed = double.Parse(f[pars], CultureInfo.InvariantCulture), fromTable = double.Parse(f[table], CultureInfo.InvariantCulture);
            Assert.True(RelErr(computed, fromTable) < 1e-4, $"line {i + 1}: computed {computed}, table {fromTable}");
        }
        Assert.Equal(6466, canonical.Count);
        Assert.Contains(lines, l => l.StartsWith("6111," + Idx6111 + ",", StringComparison.Ordinal));

        // --out writes the same content to a file.
        using var tmp = new TempDir();
        string outFile = Path.Combine(tmp.Path, "dump.csv");
        var toFile = Run("space", "dump", "nb201", "--out", outFile, "--data-dir", dir);
        Assert.True(toFile.Code == 0, toFile.Err);
        Assert.Equal("", toFile.Out);
        Assert.Equal(stdout, File.ReadAllText(outFile));
        Assert.Single(Directory.GetFiles(tmp.Path));
    }

    [SkippableFact]
    public void SpaceDumpJsonlAndBadFormat()
    {
        string dir = TestData.RequireDir();
        var (code, stdout, stderr) = Run("space", "dump", "nb201", "--format", "jsonl", "--data-dir", dir);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(15625, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal(0, first.RootElement.GetProperty("index").GetInt32());
        Assert.True(first.RootElement.GetProperty("computed").TryGetProperty("flops_M", out _));
        Assert.True(first.RootElement.GetProperty("metrics").TryGetProperty("cifar10_test_acc200", out _));
        using var last = JsonDocument.Parse(lines[^1]);
        Assert.Equal(15624, last.RootElement.GetProperty("index").GetInt32());

        var xml = Run("space", "dump", "nb201", "--format", "xml", "--data-dir", dir);
        Assert.NotEqual(0, xml.Code);
        Assert.Contains("xml", xml.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("|+|", xml.Out, StringComparison.Ordinal); // nothing was dumped (System.CommandLine prints usage help on stdout)
    }

    [SkippableFact]
    public void DataCheckPassesOnTheRealData()
    {
        string dir = TestData.RequireDir();
        var (code, stdout, stderr) = Run("data", "check", "--data-dir", dir);
        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr);
        Assert.Contains("nb201", stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void DataCheckFailsOnACorruptTable()
    {
        string dir = TestData.RequireDir();
        using var tmp = new TempDir();
        var lines = File.ReadAllLines(Path.Combine(dir, "nb201", "nb201_cifar_accuracies.csv"));
        var f = lines[41].Split(',');
        f[4] = "abc"; // line 42, cifar10_test_acc200
        lines[41] = string.Join(',', f);
        File.WriteAllLines(tmp.File("nb201", "nb201_cifar_accuracies.csv"), lines);
        var (code, _, stderr) = Run("data", "check", "--data-dir", tmp.Path);
        Assert.Equal(2, code);
        AssertOneLine(stderr);
        Assert.Contains("nb201_cifar_accuracies.csv:42:", stderr, StringComparison.Ordinal);
        Assert.Contains("cifar10_test_acc200", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void DataCheckFailsWithoutAnyTableFolder()
    {
        using var tmp = new TempDir();
        var (code, _, stderr) = Run("data", "check", "--data-dir", tmp.Path);
        Assert.Equal(2, code);
        AssertOneLine(stderr);
        Assert.Contains(tmp.Path, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SpacesListsNb201()
    {
        var (code, stdout, stderr) = Run("spaces");
        Assert.True(code == 0, stderr);
        Assert.Contains("nb201", stdout, StringComparison.Ordinal);
        Assert.Contains("15,625", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownCommandIsAUsageError()
    {
        var (code, _, stderr) = Run("frobnicate");
        Assert.NotEqual(0, code);
        Assert.NotEqual("", stderr);
    }
}
