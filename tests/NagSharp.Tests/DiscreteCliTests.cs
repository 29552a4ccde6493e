using System.Globalization;
using System.Text.Json;
using NagSharp.Cli;

namespace NagSharp.Tests;

/// <summary>The discrete engine end to end through the CLI, on tiny models.</summary>
[Collection(TorchCollection.Name)]
public sealed class DiscreteCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nagsharp-dcli-" + Guid.NewGuid().ToString("N"));

    public DiscreteCliTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [SkippableFact]
    public void TrainWithConditionsAndGenerateReportsSatisfaction()
    {
        string data = TestData.RequireDir();
        string g = Path.Combine(_dir, "d.ckpt");
        const string hw = "cifar10_valid_acc200>=top5%@fpga_ms<2";
        var (code, _, err) = Run("train", "generator", "--engine", "discrete", "--space", "nb201", "--condition", hw, "--condition", "fpga_ms<2",
            "--preset", "tiny", "--train-steps", "3", "--batch", "16", "--out", g, "--seed", "0", "--data-dir", data);
        Assert.True(code == 0, err);
        Assert.Contains("36 satisfy", err);

        var (gc, gout, gerr) = Run("generate", "--generator", g, "--condition", hw, "--condition", "fpga_ms<2", "--guidance-weight", "2",
            "-n", "8", "--sample-steps", "3", "--seed", "1", "--json", "--data-dir", data);
        Assert.True(gc == 0, gerr);
        using var doc = JsonDocument.Parse(gout);
        var conds = doc.RootElement.GetProperty("conditions");
        Assert.True(conds.TryGetProperty(hw, out _));
        Assert.True(conds.TryGetProperty("fpga_ms<2", out _));
        Assert.True(conds.TryGetProperty("all", out _));
        Assert.Equal(8, doc.RootElement.GetProperty("n").GetInt32());

        Assert.Equal(1, Run("generate", "--generator", g, "--condition", "cifar100_valid_acc200>=top1%", "-n", "2", "--data-dir", data).Code);
        Assert.Equal(1, Run("generate", "--generator", g, "--predictor", g, "-n", "2", "--data-dir", data).Code);
        var snr = Run("generate", "--generator", g, "--snr", "0.3", "-n", "2", "--data-dir", data);
        Assert.Equal(1, snr.Code);
        Assert.Contains("--snr only applies to the score engine", snr.Err);
        Assert.Equal(1, Run("generate", "--generator", g, "--sampler", "ode", "-n", "2", "--data-dir", data).Code);
        var decoding = Run("generate", "--generator", g, "--edge-decoding", "greedy", "-n", "2", "--data-dir", data);
        Assert.Equal(1, decoding.Code);
        Assert.Contains("--edge-decoding must be", decoding.Err);
        var slots = Run("generate", "--generator", g, "--slot-decoding", "independent", "-n", "2", "--data-dir", data);
        Assert.Equal(1, slots.Code);
        Assert.Contains("--slot-decoding only applies to the score engine", slots.Err);
        Assert.Equal(1, Run("train", "generator", "--engine", "discrete", "--condition", "acc>>3", "--out", Path.Combine(_dir, "x.ckpt")).Code);
        Assert.Equal(1, Run("train", "generator", "--engine", "score", "--condition", "fpga_ms<2", "--out", Path.Combine(_dir, "x.ckpt")).Code);
    }

    [SkippableFact]
    public void BenchConditionalReportsEverySeedAndTheMedianTiming()
    {
        string data = TestData.RequireDir();
        string outDir = Path.Combine(_dir, "bc");
        string[] common = ["bench", "conditional", "--space", "nb201", "--condition", "fpga_ms<2", "--preset", "tiny", "--train-steps", "3",
            "--out", outDir, "-n", "6", "--sample-steps", "2", "--data-dir", data];
        var (code, stdout, err) = Run([.. common, "--seeds", "3", "--timing-repeats", "2", "--seed", "4"]);
        Assert.True(code == 0, err);
        Assert.Contains("over 3 seeds", stdout);
        Assert.Contains("median of 2 identical runs", stdout);
        var json = Directory.GetFiles(outDir, "bench_conditional_nb201_*.json").Single();
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(2, doc.RootElement.GetProperty("timing_repeats").GetInt32());
        var bySeed = doc.RootElement.GetProperty("guided_by_seed").EnumerateArray().ToArray();
        Assert.Equal([4, 5, 6], bySeed.Select(s => s.GetProperty("seed").GetInt32()));
        // The first seed's row is the guided row of the main table: same samples, same satisfying count.
        var guided = doc.RootElement.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("mode").GetString() == "guided");
        Assert.Equal(guided.GetProperty("satisfying").GetInt32(), bySeed[0].GetProperty("satisfying").GetInt32());
        foreach (var bad in new[] { "--seeds", "--timing-repeats" })
        {
            var r = Run([.. common, bad, "0"]);
            Assert.Equal(1, r.Code);
            Assert.Contains(bad, r.Err);
        }
    }

    [SkippableFact]
    public void FreeTopologyNb101TrainsAndGenerates()
    {
        string data = TestData.RequireDir();
        string g = Path.Combine(_dir, "n.ckpt");
        var (code, _, err) = Run("train", "generator", "--engine", "discrete", "--space", "nb101", "--condition", "val_accuracy>=top1%", "--unlabelled", "100",
            "--preset", "tiny", "--train-steps", "3", "--batch", "16", "--out", g, "--seed", "0", "--data-dir", data);
        Assert.True(code == 0, err);
        var (gc, gout, gerr) = Run("generate", "--generator", g, "-n", "6", "--sample-steps", "3", "--seed", "1", "--json", "--data-dir", data);
        Assert.True(gc == 0, gerr);
        using var doc = JsonDocument.Parse(gout);
        Assert.InRange(doc.RootElement.GetProperty("valid").GetDouble(), 0, 1);
        var resumed = Run("train", "generator", "--engine", "discrete", "--train-steps", "5", "--out", g, "--resume");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains("step 5", resumed.Out);
    }

    /// <summary>--layers and --dim size the discrete denoiser too (they were once ignored there); --mask, which it has no
    /// use for, is refused.</summary>
    [Fact]
    public void DiscreteEngineHonoursLayersAndDimAndRefusesMask()
    {
        int Params(params string[] extra)
        {
            var (code, _, err) = Run(["train", "generator", "--engine", "discrete", "--space", "nb201", "--preset", "tiny", "--train-steps", "1", "--batch", "4",
                "--train-fraction", "0.01", "--out", Path.Combine(_dir, $"l{extra.Length}.ckpt"), .. extra]);
            Assert.True(code == 0, err);
            var m = System.Text.RegularExpressions.Regex.Match(err, @"discrete generator: ([\d,]+) parameters");
            Assert.True(m.Success, err);
            return int.Parse(m.Groups[1].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
        }
        int tiny = Params();
        Assert.True(Params("--layers", "3") > tiny);
        Assert.True(Params("--layers", "3", "--dim", "64") > Params("--layers", "3"));
        var mask = Run("train", "generator", "--engine", "discrete", "--preset", "tiny", "--mask", "closure", "--out", Path.Combine(_dir, "m.ckpt"));
        Assert.Equal(1, mask.Code);
        Assert.Contains("--mask applies to the score engine", mask.Err);
    }
}
