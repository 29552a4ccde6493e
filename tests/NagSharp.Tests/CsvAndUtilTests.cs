using NagSharp.Benchmarks;

namespace NagSharp.Tests;

/// <summary>The CSV reader, the data locator and the small utilities; no benchmark data needed.</summary>
public sealed class CsvAndUtilTests
{
    private static List<(int Line, string[] Fields)> ReadText(string text)
    {
        using var tmp = new TempDir();
        string path = tmp.File("t.csv");
        System.IO.File.WriteAllText(path, text);
        return Csv.Read(path).ToList();
    }

    [Fact]
    public void ReadsPlainRecordsWithLineNumbers()
    {
        var r = ReadText("a,b,c\n1,2,3\n4,,6\n");
        Assert.Equal(3, r.Count);
        Assert.Equal(new[] { 1, 2, 3 }, r.Select(x => x.Line));
        Assert.Equal(new[] { "a", "b", "c" }, r[0].Fields);
        Assert.Equal(new[] { "4", "", "6" }, r[2].Fields);
    }

    [Fact]
    public void HandlesCrLfAndAMissingFinalNewline()
    {
        var r = ReadText("a,b\r\n1,2\r\n3,4");
        Assert.Equal(3, r.Count);
        Assert.Equal(new[] { "1", "2" }, r[1].Fields);
        Assert.Equal(new[] { "3", "4" }, r[2].Fields);
    }

    [Fact]
    public void QuotedFieldsHoldCommasQuotesAndNewlines()
    {
        var r = ReadText("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\nlast,1\n");
        Assert.Equal(4, r.Count);
        Assert.Equal(new[] { "x,y", "say \"hi\"" }, r[1].Fields);
        Assert.Equal(3, r[2].Line);
        Assert.Equal(new[] { "two\nlines", "z" }, r[2].Fields);
        Assert.Equal(5, r[3].Line); // the multi-line record took lines 3-4
    }

    [Fact]
    public void UnterminatedQuoteIsADataErrorNamingTheLine()
    {
        using var tmp = new TempDir();
        string path = tmp.File("t.csv");
        System.IO.File.WriteAllText(path, "a,b\n1,2\n\"open,3\n4,5\n");
        var e = Assert.Throws<NagDataException>(() => Csv.Read(path).ToList());
        Assert.Contains($"{path}:3:", e.Message, StringComparison.Ordinal);
        Assert.Contains("unterminated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataLocatorHonoursAnExplicitDirectory()
    {
        using var tmp = new TempDir();
        Assert.Equal(Path.GetFullPath(tmp.Path), DataLocator.Resolve(tmp.Path));
        string missing = Path.Combine(tmp.Path, "nope");
        var e = Assert.Throws<NagDataException>(() => DataLocator.Resolve(missing));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("explicit data directory", e.Message, StringComparison.Ordinal);   // a setting, not a flag
        Assert.Contains("given as --data-dir", NagSharp.Cli.SettingFlags.Rewrite(e.Message), StringComparison.Ordinal);
        Assert.Null(DataLocator.TryResolve(missing));
    }

    [Fact]
    public void DataLocatorFindsTheRepositoryRoot()
    {
        var roots = DataLocator.RepositoryRoots().ToList();
        Assert.NotEmpty(roots);
        Assert.All(roots, r => Assert.True(File.Exists(Path.Combine(r, "NagSharp.slnx"))));
    }

    [Fact]
    public void AtomicFileWritesWholeFilesAndLeavesNoTemporaries()
    {
        using var tmp = new TempDir();
        string path = Path.Combine(tmp.Path, "sub", "out.txt");
        AtomicFile.WriteText(path, w => w.Write("first"));
        AtomicFile.WriteText(path, w => w.Write("second"));
        Assert.Equal("second", File.ReadAllText(path));
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteText(path, _ => throw new InvalidOperationException("boom")));
        Assert.Equal("second", File.ReadAllText(path)); // a failed write leaves the old file
        Assert.Equal(new[] { "out.txt" }, Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void JsonKeepsArchitectureStringsReadable()
    {
        string s = Json.Write(w => { w.WriteStartObject(); w.WriteString("arch", "|none~0|+|skip_connect~0|none~1|"); w.WriteEndObject(); });
        Assert.Equal("{\"arch\":\"|none~0|+|skip_connect~0|none~1|\"}", s);
    }
}
