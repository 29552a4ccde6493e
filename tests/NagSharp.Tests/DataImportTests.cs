using System.Globalization;
using NagSharp.Benchmarks;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary><c>nag data import</c> on tiny synthetic sources in the public files' layouts, and its refusals.</summary>
public sealed class DataImportTests
{
    private const string Recipe = "{\\\"f\\\": {\\\"op\\\": \\\"linear\\\", \\\"input\\\": [\\\"x\\\", \\\"h_prev_0\\\"]}, \\\"h_new_0\\\": {\\\"op\\\": \\\"activation_tanh\\\", \\\"input\\\": [\\\"f\\\"]}}";

    private static string Log(int id, string status, string val, string test) =>
        $$"""{"recepie_id": {{id}}, "num_params": 1234, "recepie": "{{Recipe}}", "train_losses": [], "val_losses": [{{val}}], "test_losses": [{{test}}], "status": "{{status}}"}""";

    private static string[][] ReadRows(string path) =>
        Csv.Read(path).Select(r => r.Fields).ToArray();

    [Fact]
    public void NlpLogsBecomeTheSummaryTableWithPerplexitiesAndEmptyCellsForNaN()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp.File("logs"));
        File.WriteAllText(tmp.File("logs", "log_stats_model_1_a.json"), Log(1, "OK", "2.0, 1.0, 1.5", "2.1, 1.1, 1.6"));
        // Python's json module writes bare NaN; a run that diverged keeps its best finite epoch and has no final figures.
        File.WriteAllText(tmp.File("logs", "log_stats_model_2_b.json"), Log(2, "loss is nan!", "3.0, NaN", "3.5, NaN"));
        var r = DataImport.Run(new ImportSettings("nbnlp", [tmp.File("logs")], tmp.File("out")));

        Assert.Equal(tmp.File("out", "nbnlp", "nbnlp_wikitext2_summary.csv"), r.Path);
        Assert.Equal(2, r.Rows);
        Assert.Equal(["epochs_logged", "num_params", "best_val_ppl", "test_ppl_at_best_val", "final_val_ppl", "final_test_ppl"], r.Columns);
        var rows = ReadRows(r.Path);
        Assert.Equal(["recepie_id", "status", "epochs_logged", "num_params", "best_val_ppl", "test_ppl_at_best_val", "final_val_ppl", "final_test_ppl", "recepie_json"], rows[0]);
        double F(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        Assert.Equal("1", rows[1][0]);
        Assert.Equal("3", rows[1][2]);
        Assert.Equal(Math.Exp(1.0), F(rows[1][4]), 12);
        Assert.Equal(Math.Exp(1.1), F(rows[1][5]), 12);
        Assert.Equal(Math.Exp(1.5), F(rows[1][6]), 12);
        Assert.Equal(Math.Exp(1.6), F(rows[1][7]), 12);
        Assert.Equal("loss is nan!", rows[2][1]);
        Assert.Equal(Math.Exp(3.0), F(rows[2][4]), 12);
        Assert.Equal(Math.Exp(3.5), F(rows[2][5]), 12);
        Assert.Equal(["", ""], rows[2][6..8]);

        // The written file is a table the space's loader reads as an extra table.
        var table = MetricTable.Load(r.Path, SpaceRegistry.Get("nbnlp"), SpaceRegistry.Get("nbnlp").Tables! with { CompleteTables = false });
        Assert.Equal(2, table.Keys.Count);
    }

    [Fact]
    public void NaslibZeroCostFilesBecomeTablesInEachSpacesLayout()
    {
        using var tmp = new TempDir();
        // TransNAS-Bench-101: one dataset per task; each task's val_accuracy becomes its column; proxies are left out.
        File.WriteAllText(tmp.File("zc_tnb.json"), """
            {"class_scene": {"(0, 0, 0, 0, 0, 1)": {"id": 0, "val_accuracy": 40.5, "synflow": {"score": 1.5, "time": 0.1}},
                             "(1, 2, 3, 1, 2, 3)": {"id": 1, "val_accuracy": 51.25}},
             "jigsaw": {"(0, 0, 0, 0, 0, 1)": {"val_accuracy": 90.0}, "(1, 2, 3, 1, 2, 3)": {"val_accuracy": 94.5}}}
            """);
        var t = DataImport.Run(new ImportSettings("tnb101_micro", [tmp.File("zc_tnb.json")], tmp.File("out")));
        Assert.Equal(tmp.File("out", "transnas101", "tnb101_micro_val_metrics.csv"), t.Path);
        Assert.Equal(["class_scene", "jigsaw"], t.Columns);
        Assert.False(t.CoversSpace);
        var rows = ReadRows(t.Path);
        Assert.Equal(["arch_naslib", "class_scene", "jigsaw"], rows[0]);
        Assert.Equal(["(1, 2, 3, 1, 2, 3)", "51.25", "94.5"], rows[2]);

        // NB101: NASLib's hash is the flattened adjacency matrix, then operation indices into
        // [input, output, maxpool3x3, conv1x1-bn-relu, conv3x3-bn-relu]; every field becomes a column, scores included.
        string adjacency = "0111101000001100000010000110000001100000000000000";
        string hash = "(" + string.Join(", ", adjacency.Select(c => c.ToString()).Concat(["0", "2", "2", "4", "4", "4", "1"])) + ")";
        File.WriteAllText(tmp.File("zc_nb101.json"), "{\"cifar10\": {\"" + hash + "\": {\"id\": 7, \"val_accuracy\": 92.5, \"flops\": {\"score\": 624.5, \"time\": 0.2}, \"params\": {\"score\": 4.09, \"time\": 0.0}}}}");
        var n = DataImport.Run(new ImportSettings("nb101", [tmp.File("zc_nb101.json")], tmp.File("out")));
        var nrows = ReadRows(n.Path);
        Assert.Equal(["adjacency_7x7_rowmajor", "ops", "val_accuracy", "flops", "params"], nrows[0]);
        Assert.Equal([adjacency, "input|maxpool3x3|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv3x3-bn-relu|output", "92.5", "624.5", "4.09"], nrows[1]);

        // NB301: the compact key stays as naslib_compact; the DARTS genotype string is the architecture column.
        string compact = "(((0, 6), (1, 4), (0, 0), (1, 5), (1, 4), (3, 2), (0, 6), (3, 2)), ((0, 1), (1, 4), (0, 1), (1, 4), (2, 6), (3, 4), (1, 5), (2, 1)))";
        File.WriteAllText(tmp.File("zc_nb301.json"), "{\"cifar10\": {\"" + compact + "\": {\"val_accuracy\": 93.9}}}");
        var d = DataImport.Run(new ImportSettings("nb301", [tmp.File("zc_nb301.json")], tmp.File("out")));
        var drows = ReadRows(d.Path);
        Assert.Equal(["genotype", "naslib_compact", "val_accuracy"], drows[0]);
        Assert.StartsWith("Genotype(normal=[", drows[1][0]);
        Assert.Equal(SpaceRegistry.Get("nb301").Parse(compact), SpaceRegistry.Get("nb301").Parse(drows[1][0]));
    }

    [Fact]
    public void AnythingButPlainJsonIsRefusedInOneLineNamingTheFileAndNothingIsWritten()
    {
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp.File("logs.zip"), [(byte)'P', (byte)'K', 3, 4, 0, 0]);
        File.WriteAllBytes(tmp.File("latency.pt"), [(byte)'P', (byte)'K', 3, 4, 0, 0]);
        File.WriteAllBytes(tmp.File("data.pkl"), [0x80, 4, 0x95, 0, 0]);
        File.WriteAllText(tmp.File("table.csv"), "a,b\n1,2\n");
        File.WriteAllText(tmp.File("lut.yaml"), "a: 1\n");
        File.WriteAllText(tmp.File("notes.json"), "hello");
        File.WriteAllText(tmp.File("bad.json"), """{"cifar10": {"(0, 0, 0, 0, 0, 1)": {"val_accuracy": "high"}}}""");
        foreach (var (file, expect) in new[]
        {
            ("logs.zip", "zip archive"), ("latency.pt", "zip archive"), ("data.pkl", "pickle"), ("table.csv", "CSV"),
            ("lut.yaml", "YAML"), ("notes.json", "not a JSON document"), ("bad.json", "field 'val_accuracy'"), ("missing.json", "not found"),
        })
        {
            var (code, _, err) = CliRunner.Run("data", "import", "--space", "tnb101_micro", tmp.File(file), "--out", tmp.File("out"));
            Assert.Equal(2, code);
            Assert.Contains(tmp.File(file), err);
            Assert.Contains(expect, err);
            Assert.DoesNotContain('\n', err.TrimEnd());
        }
        Assert.False(Directory.Exists(tmp.File("out", "transnas101")) && Directory.EnumerateFiles(tmp.File("out", "transnas101")).Any());

        var nb201 = CliRunner.Run("data", "import", "--space", "nb201", tmp.File("bad.json"), "--out", tmp.File("out"));
        Assert.Equal(1, nb201.Code);
        Assert.StartsWith("nag: error: --space 'nb201'", nb201.Err);
    }
}
