using System.Text.Json;

namespace NagSharp.Tests;

/// <summary>Generation runs and network trainings are recorded in a store beside searches, and read back with <c>nag runs</c>.</summary>
[Collection(TorchCollection.Name)]
public sealed class RunRecordTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _tmp.Dispose();
    }

    [SkippableFact]
    public void ANetworkTrainingIsRecordedWithItsCurve()
    {
        string digits = DatasetTests.DigitsPath();
        string store = _tmp.File("runs.db");
        var train = CliRunner.Run("net", "train", "--arch", "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
            "--dataset", digits, "--width", "4", "--cells", "1", "--epochs", "2", "--batch", "128", "--seed", "3", "--out", _tmp.File("d.ckpt"), "--json",
            "--store", store);
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("recorded as experiment 1", train.Err);
        double reported;
        using (var doc = JsonDocument.Parse(train.Out)) reported = doc.RootElement.GetProperty("test_accuracy").GetDouble();
        var export = CliRunner.Run("runs", "export", "1", "--store", store);
        Assert.True(export.Code == 0, export.Err);
        using var run = JsonDocument.Parse(export.Out);
        var root = run.RootElement;
        Assert.Equal("train", root.GetProperty("kind").GetString());
        Assert.Equal(reported, root.GetProperty("metrics").GetProperty("test_acc").GetDouble());
        var steps = root.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal([1, 2], steps.Select(s => s.GetProperty("step").GetInt32()));
        Assert.Equal(reported, steps[1].GetProperty("test_acc").GetDouble());
        Assert.Equal(2, root.GetProperty("settings").GetProperty("train").GetProperty("epochs").GetInt32());
        Assert.Contains("train", CliRunner.Run("runs", "list", "--store", store).Out);
    }

    [SkippableFact]
    public void AGenerationRunIsRecordedWithItsArchitectures()
    {
        string data = TestData.RequireDir();
        string g = _tmp.File("d.ckpt"), store = _tmp.File("runs.db");
        var trained = CliRunner.Run("train", "generator", "--engine", "discrete", "--space", "nb201", "--preset", "tiny", "--train-steps", "3", "--batch", "16",
            "--out", g, "--seed", "0", "--data-dir", data);
        Assert.True(trained.Code == 0, trained.Err);
        var gen = CliRunner.Run("generate", "--generator", g, "-n", "5", "--sample-steps", "3", "--seed", "1", "--json", "--report", "cifar10_test_acc200",
            "--data-dir", data, "--store", store);
        Assert.True(gen.Code == 0, gen.Err);
        using var printed = JsonDocument.Parse(gen.Out);
        var export = CliRunner.Run("runs", "export", "1", "--store", store);
        Assert.True(export.Code == 0, export.Err);
        using var run = JsonDocument.Parse(export.Out);
        var root = run.RootElement;
        Assert.Equal("generate", root.GetProperty("kind").GetString());
        Assert.Equal(5, root.GetProperty("metrics").GetProperty("n").GetInt32());
        Assert.Equal(printed.RootElement.GetProperty("unique").GetDouble(), root.GetProperty("metrics").GetProperty("unique").GetDouble());
        var samples = root.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(5, samples.Count);
        Assert.All(samples, s => Assert.True(s.GetProperty("values").TryGetProperty("cifar10_test_acc200", out _)));
        Assert.Equal(g, root.GetProperty("settings").GetProperty("generator").GetString());
    }
}
