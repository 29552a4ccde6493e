using NagSharp.Benchmarks;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>
/// A modified copy of <c>nb201_cifar_accuracies.csv</c>, alone in <c>&lt;tmp&gt;/nb201/</c>, must fail to load with a
/// <see cref="NagDataException"/> that names the file, the line and (where relevant) the column.
/// </summary>
public sealed class CorruptTableTests
{
    private const string FileName = "nb201_cifar_accuracies.csv";

    // The real file's lines, read once per test run. Line n of the file is Lines[n - 1]; rows are in index order,
    // so the row with index k is on line k + 2.
    private static readonly Lazy<string[]> SourceLines = new(() => File.ReadAllLines(Path.Combine(TestData.RequireDir(), "nb201", FileName)));

    private static string[] Lines() { TestData.RequireDir(); return (string[])SourceLines.Value.Clone(); }

    private static string[] Header => SourceLines.Value[0].Split(',');

    private static int Col(string name) => Array.IndexOf(Header, name) is var i and >= 0 ? i : throw new InvalidOperationException(name);

    /// <summary>Replaces field <paramref name="column"/> of 1-based <paramref name="line"/>.</summary>
    private static void SetField(string[] lines, int line, string column, string value)
    {
        var f = lines[line - 1].Split(',');
        f[Col(column)] = value;
        lines[line - 1] = string.Join(',', f);
    }

    private static string Field(string[] lines, int line, string column) => lines[line - 1].Split(',')[Col(column)];

    /// <summary>Writes the lines as &lt;tmp&gt;/nb201/<see cref="FileName"/>, loads the folder and returns the error.</summary>
    private static NagDataException LoadFails(TempDir tmp, IEnumerable<string> lines, out string path)
    {
        path = tmp.File("nb201", FileName);
        File.WriteAllLines(path, lines);
        return Assert.Throws<NagDataException>(() => BenchmarkData.Load(new Nb201Space(), tmp.Path));
    }

    private static void AssertNames(NagDataException e, string path, int line, string? column = null, params string[] more)
    {
        Assert.Contains($"{path}:{line}:", e.Message, StringComparison.Ordinal);
        if (column is not null) Assert.Contains($"'{column}'", e.Message, StringComparison.Ordinal);
        foreach (var m in more) Assert.Contains(m, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [SkippableFact]
    public void TheUnmodifiedCopyLoads()
    {
        using var tmp = new TempDir();
        File.WriteAllLines(tmp.File("nb201", FileName), Lines());
        var data = BenchmarkData.Load(new Nb201Space(), tmp.Path);
        Assert.Equal(15625, data.Count);
        Assert.Single(data.Tables);
    }

    [SkippableTheory]
    [InlineData("abc", 502, "cifar100_test_acc200", "'abc' is not a finite number")]
    [InlineData("", 1000, "cifar10_valid_acc200", "empty cell")]
    [InlineData("NaN", 20, "cifar10_params_M", "'NaN' is not a finite number")]
    [InlineData("Infinity", 15626, "cifar100_flops_M", "'Infinity' is not a finite number")]
    [InlineData("1.2.3", 3, "cifar10_test_acc12", "'1.2.3'")]
    [InlineData("9,5", 77, "cifar10_test_acc200", "extra fields")] // a decimal comma splits the cell in two
    public void BadNumericCell(string value, int line, string column, string expected)
    {
        using var tmp = new TempDir();
        var lines = Lines();
        SetField(lines, line, column, value);
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, path, line, value.Contains(',') ? null : column, expected);
    }

    [SkippableFact]
    public void TruncatedRow()
    {
        using var tmp = new TempDir();
        var lines = Lines();
        var f = lines[776].Split(',');
        lines[776] = string.Join(',', f[..^3]); // line 777 loses its last three fields
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, path, 777, Header[^3], "truncated row", $"{Header.Length - 3} fields, expected {Header.Length}");
    }

    [SkippableFact]
    public void MissingKeyColumn()
    {
        using var tmp = new TempDir();
        var lines = Lines().Select(l => l[(l.IndexOf(',') + 1)..]).ToArray(); // drop 'index' from header and rows
        Assert.StartsWith("arch_str,", lines[0], StringComparison.Ordinal);
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, path, 1, "index", "missing key column");
    }

    [SkippableFact]
    public void MissingArchitectureColumn()
    {
        using var tmp = new TempDir();
        int arch = Col("arch_str");
        var lines = Lines().Select(l => string.Join(',', l.Split(',').Where((_, i) => i != arch))).ToArray();
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, path, 1, "arch_str", "missing architecture column");
    }

    [SkippableFact]
    public void DuplicatedRow()
    {
        using var tmp = new TempDir();
        var lines = Lines().ToList();
        lines.Insert(10, lines[9]); // line 10 (index 8) repeated as line 11
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, path, 11, "index", "duplicate key 8", "first on line 10");
    }

    [SkippableFact]
    public void DuplicatedIndex()
    {
        using var tmp = new TempDir();
        var lines = Lines();
        SetField(lines, 300, "index", "297"); // line 299 holds index 297
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, path, 300, "index", "duplicate key 297", "first on line 299");
    }

    [SkippableFact]
    public void DuplicatedArchitectureUnderAnotherIndex()
    {
        using var tmp = new TempDir();
        var lines = Lines();
        SetField(lines, 100, "arch_str", Field(lines, 101, "arch_str"));
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, path, 101, "arch_str", "duplicate architecture", "first on line 100");
    }

    [SkippableTheory]
    [InlineData("-1")]
    [InlineData("15625")]
    [InlineData("12a")]
    [InlineData("")]
    public void InvalidIndex(string value)
    {
        using var tmp = new TempDir();
        var lines = Lines();
        SetField(lines, 40, "index", value);
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, path, 40, "index", $"'{value}' is not a valid key");
    }

    [SkippableFact]
    public void UnknownOperationInArchString()
    {
        using var tmp = new TempDir();
        var lines = Lines();
        string arch = Field(lines, 4000, "arch_str");
        string op = arch[1..arch.IndexOf('~')];
        SetField(lines, 4000, "arch_str", "|conv_7x7" + arch[(1 + op.Length)..]);
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, path, 4000, "arch_str", "unknown operation 'conv_7x7'");
    }

    [SkippableFact]
    public void MissingRow()
    {
        using var tmp = new TempDir();
        var lines = Lines().ToList();
        lines.RemoveAt(4999); // delete line 5000; the file now ends on line 15625
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, path, 15625, null, "15624 rows, expected 15625");
    }

    [SkippableFact]
    public void ExtraFieldsAndBlankLineInTheMiddle()
    {
        using var tmp = new TempDir();
        var lines = Lines().ToList();
        lines.Insert(50, ""); // a blank line 51
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, path, 51, null, "1 fields");
    }

    [SkippableFact]
    public void UnterminatedQuote()
    {
        using var tmp = new TempDir();
        var lines = Lines();
        SetField(lines, 15000, "cifar10_valid_acc200", "\"90.1");
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, path, 15000, null, "unterminated quoted field");
    }

    [SkippableFact]
    public void DuplicateColumnWithinAFile()
    {
        using var tmp = new TempDir();
        var lines = Lines();
        lines[0] = lines[0].Replace("cifar100_valid_acc200", "cifar10_valid_acc200", StringComparison.Ordinal);
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, path, 1, "cifar10_valid_acc200", "appears twice");
    }

    [SkippableFact]
    public void DuplicateColumnAcrossTwoFiles()
    {
        using var tmp = new TempDir();
        var lines = Lines();
        int key = Col("index"), arch = Col("arch_str"), pars = Col("cifar10_params_M");
        // A second complete table that repeats cifar10_params_M; it sorts after the accuracies file.
        string extra = tmp.File("nb201", "nb201_extra.csv");
        File.WriteAllLines(extra, lines.Select(l => l.Split(',')).Select(f => $"{f[key]},{f[arch]},{f[pars]}"));
        var e = LoadFails(tmp, lines, out string path);
        AssertNames(e, extra, 1, "cifar10_params_M", "also appears in", path);
    }

    [SkippableFact]
    public void KeyNamingDifferentArchitecturesInTwoFiles()
    {
        using var tmp = new TempDir();
        var lines = Lines();
        int key = Col("index"), arch = Col("arch_str");
        var rows = lines.Select(l => l.Split(',')).Select(f => new[] { f[key], f[arch], "1" }).ToArray();
        rows[0][2] = "other_metric";
        (rows[6][1], rows[7][1]) = (rows[7][1], rows[6][1]); // indices 5 and 6 swap architectures (lines 7 and 8)
        string extra = tmp.File("nb201", "nb201_extra.csv");
        File.WriteAllLines(extra, rows.Select(r => string.Join(',', r)));
        var e = LoadFails(tmp, lines, out _);
        AssertNames(e, extra, 7, null, "key 5");
    }

    [Fact]
    public void NoTableFolder()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<NagDataException>(() => BenchmarkData.Load(new Nb201Space(), tmp.Path));
        Assert.Contains(Path.Combine(tmp.Path, "nb201"), e.Message, StringComparison.Ordinal);
        Directory.CreateDirectory(Path.Combine(tmp.Path, "nb201"));
        e = Assert.Throws<NagDataException>(() => BenchmarkData.Load(new Nb201Space(), tmp.Path));
        Assert.Contains("no *.csv", e.Message, StringComparison.Ordinal);
    }
}
