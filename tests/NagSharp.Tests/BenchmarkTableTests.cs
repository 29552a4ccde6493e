using NagSharp.Benchmarks;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>The real NB201 tables, loaded once (<see cref="TestData.Nb201"/>), against the reference figures of the data README.</summary>
public sealed class BenchmarkTableTests
{
    private const string Idx6111 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|";

    [SkippableFact]
    public void LoadsBothTablesCompletely()
    {
        var data = TestData.Nb201;
        Assert.Equal(2, data.Tables.Count);
        Assert.All(data.Tables, t =>
        {
            Assert.Equal(15625, t.Keys.Count);
            Assert.Equal(15625, t.Archs.Count);
            Assert.Equal(15625, t.Keys.Distinct().Count());
        });
        Assert.Equal(15625, data.Count);
        Assert.Equal(Enumerable.Range(0, 15625), data.Keys);
        // Every cell of the space is in the tables exactly once.
        var space = new Nb201Space();
        Assert.All(space.Enumerate(), a => Assert.NotNull(data.KeyOf(a)));
    }

    [SkippableFact]
    public void ReferenceMaximaMatchTheReadme()
    {
        var data = TestData.Nb201;
        Assert.Equal(94.3733, data.ColumnEntries("cifar10_test_acc200").Max(e => e.Value));
        Assert.Equal(73.5133, data.ColumnEntries("cifar100_test_acc200").Max(e => e.Value));

        var valid = data.ColumnEntries("cifar10_valid_acc200").ToList();
        double bestValid = valid.Max(e => e.Value);
        Assert.Equal(91.57, bestValid);
        var best = Assert.Single(valid, e => e.Value == bestValid);
        Assert.Equal(94.2967, data.Get(best.Arch, "cifar10_test_acc200"));
    }

    [SkippableFact]
    public void Index6111IsTheBestCifar10Cell()
    {
        var data = TestData.Nb201;
        var arch = data.ArchOf(6111);
        Assert.Equal(Idx6111, arch.ToString());
        Assert.Equal(6111, data.KeyOf(new Nb201Space().Parse(Idx6111)));
        Assert.Equal(94.3733, data.Get(arch, "cifar10_test_acc200"));
        Assert.Equal(data.Columns.Count, data.MetricsOf(arch).Count);
        Assert.Equal(data.Columns, data.MetricsOf(arch).Keys);
        Assert.Throws<NagUserException>(() => data.ArchOf(15625));
        Assert.Throws<NagUserException>(() => data.ArchOf(-1));
    }

    [SkippableFact]
    public void MetricColumnsAreDiscoveredFromTheHeaders()
    {
        var data = TestData.Nb201;
        // Expected columns come from the files' own header lines, not from a list in this test.
        string folder = Path.Combine(TestData.RequireDir(), "nb201");
        var expected = Directory.GetFiles(folder, "*.csv").Order(StringComparer.Ordinal)
            .SelectMany(f => File.ReadLines(f).First().Split(',').Where(c => c != "index" && c != "arch_str"))
            .ToList();
        Assert.Equal(expected, data.Columns);
        Assert.True(data.HasColumn("fpga_ms"));
        Assert.True(data.HasColumn("cifar10_valid_acc200"));
        Assert.True(data.HasColumn("pixel2_ms"));
        Assert.False(data.HasColumn("index"));
        Assert.False(data.HasColumn("arch_str"));
        Assert.EndsWith("nb201_latency_ms.csv", data.TableOf("fpga_ms").Path, StringComparison.Ordinal);
        Assert.EndsWith("nb201_cifar_accuracies.csv", data.TableOf("cifar10_valid_acc200").Path, StringComparison.Ordinal);

        var e = Assert.Throws<NagUserException>(() => data.RequireColumn("cifar10_test_acc999"));
        Assert.Contains("cifar10_test_acc999", e.Message, StringComparison.Ordinal);
        Assert.Contains("fpga_ms", e.Message, StringComparison.Ordinal); // lists what is available
        Assert.Throws<NagUserException>(() => data.Get(data.ArchOf(0), "index"));
    }

    [SkippableFact]
    public void CostColumnsAgreeWithTheCostModel()
    {
        var data = TestData.Nb201;
        var results = CostCheck.Run(data, new CostOptions());
        var costColumns = data.Columns.Where(c => c.EndsWith("_params_M", StringComparison.Ordinal) || c.EndsWith("_flops_M", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, costColumns.Count); // cifar10/cifar100 x params/FLOPs
        Assert.Equal(costColumns.Order(StringComparer.Ordinal), results.Select(r => r.Column).Order(StringComparer.Ordinal));
        foreach (var r in results)
        {
            Assert.True(r.MaxRelativeError < 1e-4, $"{r.Column}: max relative error {r.MaxRelativeError} at {r.WorstArch}");
            Assert.Equal(15625, r.Rows);
            Assert.Equal(r.Column.StartsWith("cifar100_", StringComparison.Ordinal) ? 100 : 10, r.Classes);
            Assert.Equal(r.Column.EndsWith("_params_M", StringComparison.Ordinal) ? "params_M" : "flops_M", r.Cost);
        }
    }

    [SkippableFact]
    public void OracleCountsQueriesPerColumnAndInTotal()
    {
        var data = TestData.Nb201;
        var oracle = new Oracle(data);
        Assert.Same(data, oracle.Data);
        Assert.Equal(0, oracle.Queries);
        var best = data.ArchOf(6111);
        Assert.Equal(94.3733, oracle.Query(best, "cifar10_test_acc200"));
        oracle.Query(data.ArchOf(0), "cifar10_test_acc200");
        oracle.Query(best, "cifar10_test_acc200");
        double fpga = oracle.Query(best, "fpga_ms");
        Assert.Equal(data.Get(best, "fpga_ms"), fpga);
        Assert.Equal(3, oracle.QueriesOf("cifar10_test_acc200"));
        Assert.Equal(1, oracle.QueriesOf("fpga_ms"));
        Assert.Equal(0, oracle.QueriesOf("cifar100_test_acc200"));
        Assert.Equal(4, oracle.Queries);
        // A failed query costs nothing.
        Assert.Throws<NagUserException>(() => oracle.Query(best, "no_such_column"));
        Assert.Equal(4, oracle.Queries);
        Assert.Equal(0, oracle.QueriesOf("no_such_column"));
        // Separate oracles count separately; reading data directly is not a query.
        var other = new Oracle(data);
        other.Query(best, "fpga_ms");
        data.Get(best, "fpga_ms");
        Assert.Equal(1, other.Queries);
        Assert.Equal(4, oracle.Queries);
    }
}
