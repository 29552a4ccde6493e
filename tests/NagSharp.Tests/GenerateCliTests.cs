using System.Globalization;
using System.Text.Json;
using NagSharp.Cli;

namespace NagSharp.Tests;

/// <summary>End to end through the CLI on tiny models: train, resume, generate, bad input.</summary>
[Collection(TorchCollection.Name)]
public sealed class GenerateCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nagsharp-gen-" + Guid.NewGuid().ToString("N"));

    public GenerateCliTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private string TrainTiny(int steps = 4)
    {
        string g = Path.Combine(_dir, "g.ckpt");
        var (code, _, err) = Run("train", "generator", "--space", "nb201", "--engine", "score", "--preset", "tiny", "--train-steps", steps.ToString(CultureInfo.InvariantCulture),
            "--batch", "32", "--train-fraction", "0.5", "--out", g, "--seed", "1");
        Assert.True(code == 0, err);
        return g;
    }

    /// <summary>The guided-only sweep of `nag bench generate` with a cheap predictor: seeds pooled into one row per
    /// configuration, the sampler settings recorded, bad settings refused.</summary>
    [SkippableFact]
    public void BenchGenerateGuidedOnlyPoolsSeeds()
    {
        string data = TestData.RequireDir();
        string outDir = Path.Combine(_dir, "bg");
        string[] common = ["bench", "generate", "--preset", "tiny", "--train-steps", "3", "--sample-steps", "2", "-n", "6", "--guidance-scale", "10",
            "--pairs", "cifar10_valid_acc200:cifar10_test_acc200", "--predictor-preset", "tiny", "--target-transform", "normal", "--predictor-steps", "3",
            "--out", outDir, "--data-dir", data];
        var (code, stdout, err) = Run([.. common, "--guided-only", "--corrector-steps", "0", "--guidance-start", "0.8", "--guidance-stop", "0.1", "--seeds", "2"]);
        Assert.True(code == 0, err);
        Assert.Contains("| guided | tiny | 2 | 0 | 10 | 0.8 | 0.1 | 2 |", stdout);
        Assert.DoesNotContain("unguided", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "bench_generate.json")));
        var row = doc.RootElement.GetProperty("rows").EnumerateArray().Single();
        Assert.Equal(2, row.GetProperty("seeds").GetInt32());
        Assert.InRange(row.GetProperty("unique_valid").GetInt32(), 0, 12);
        Assert.Single(Directory.GetFiles(outDir, "*-tiny-normal-3steps.ckpt"));
        foreach (var (flag, value) in new[] { ("--seeds", "0"), ("--guidance-start", "1.5"), ("--guidance-stop", "1"), ("--corrector-steps", "-1"), ("--target-transform", "log") })
        {
            var r = Run([.. common, flag, value]);
            Assert.Equal(1, r.Code);
            Assert.Contains(flag, r.Err);
        }
    }

    [SkippableFact]
    public void TrainPredictorGenerateAndReport()
    {
        string data = TestData.RequireDir();
        string g = TrainTiny();
        string pth = Path.Combine(_dir, "p.ckpt");
        var (pc, pout, perr) = Run("train", "predictor", "--objective", "cifar10_valid_acc200", "--train-archs", "50", "--train-steps", "5", "--preset", "tiny",
            "--out", pth, "--seed", "0", "--generator", g, "--json", "--data-dir", data);
        Assert.True(pc == 0, perr);
        using (var q = JsonDocument.Parse(pout))
        {
            Assert.Equal(15625 - 50, q.RootElement.GetProperty("held_out").GetInt32());
            Assert.InRange(q.RootElement.GetProperty("spearman").GetDouble(), -1, 1);
        }
        string samples = Path.Combine(_dir, "s.jsonl");
        var (code, stdout, stderr) = Run("generate", "--generator", g, "--predictor", pth, "--guidance-scale", "5", "-n", "12", "--batch", "8", "--seed", "3",
            "--sample-steps", "3", "--out", samples, "--report", "cifar10_test_acc200", "--json", "--data-dir", data);
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(12, root.GetProperty("n").GetInt32());
        foreach (var f in new[] { "valid", "unique", "novel", "seconds", "warmup_seconds" }) Assert.InRange(root.GetProperty(f).GetDouble(), 0, 1e6);
        Assert.True(root.TryGetProperty("seconds_per_unique_valid", out _));
        Assert.True(root.GetProperty("report").TryGetProperty("cifar10_test_acc200", out _));
        // -n counts distinct valid architectures; a barely trained generator may stop at the sample cap instead.
        var lines = File.ReadAllLines(samples);
        Assert.Equal(root.GetProperty("samples").GetInt32(), lines.Length);
        int distinct = root.GetProperty("unique_valid_count").GetInt32();
        // A predictor guides: a pool of 3 n distinct cells is generated and the n best kept (fewer when the cap stops it).
        int pool = root.GetProperty("pool").GetInt32();
        if (root.GetProperty("sample_cap_reached").GetBoolean()) Assert.True(pool < 36 && distinct == Math.Min(12, pool) && lines.Length == 20 * 36, stdout);
        else Assert.True(pool == 36 && distinct == 12, stdout);
        // What exhaustive ranking by the same predictor gives, beside the result.
        if (distinct > 0)
        {
            var exhaustive = root.GetProperty("exhaustive");
            Assert.Equal(15625, exhaustive.GetProperty("predictor_calls").GetInt64());
            Assert.Equal(distinct, exhaustive.GetProperty("top").GetInt32());
        }
        foreach (var line in lines)
        {
            using var s = JsonDocument.Parse(line);
            bool valid = s.RootElement.GetProperty("valid").GetBoolean();
            Assert.Equal(valid, s.RootElement.GetProperty("arch").ValueKind == JsonValueKind.String);
            Assert.True(s.RootElement.TryGetProperty("unique", out _));
        }

        // Same seed, same output file.
        string again = Path.Combine(_dir, "s2.jsonl");
        Run("generate", "--generator", g, "--predictor", pth, "--guidance-scale", "5", "-n", "12", "--batch", "8", "--seed", "3", "--sample-steps", "3",
            "--out", again, "--data-dir", data);
        Assert.Equal(File.ReadAllText(samples).Split('\n').Select(l => l.Split("\"cifar")[0]), File.ReadAllText(again).Split('\n').Select(l => l.Split("\"cifar")[0]));
    }

    [Fact]
    public void TrainingWithAFixedThreadCountReproducesTheCheckpointAndZeroThreadsIsRefused()
    {
        string[] Args(string path, string threads) => ["train", "generator", "--preset", "tiny", "--layers", "1", "--train-steps", "3", "--batch", "16",
            "--train-fraction", "0.01", "--seed", "4", "--threads", threads, "--out", path];
        string a = Path.Combine(_dir, "t1a.ckpt"), b = Path.Combine(_dir, "t1b.ckpt"), bad = Path.Combine(_dir, "t0.ckpt");
        var first = Run(Args(a, "1"));
        Assert.True(first.Code == 0, first.Err);
        Assert.Contains("1 torch thread(s)", first.Err);
        Assert.True(Run(Args(b, "1")).Code == 0);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        var zero = Run(Args(bad, "0"));
        Assert.Equal(1, zero.Code);
        Assert.Equal("nag: error: --threads must be at least 1, got 0", zero.Err.Trim());
        Assert.False(File.Exists(bad));
    }

    [Fact]
    public void ResumeContinuesToTheRequestedStep()
    {
        string g = TrainTiny(steps: 3);
        var (code, stdout, stderr) = Run("train", "generator", "--train-steps", "6", "--out", g, "--resume");
        Assert.True(code == 0, stderr);
        Assert.Contains("resuming", stderr);
        Assert.Contains("step 6", stdout);
    }

    [Fact]
    public void SelfConditionIsAScoreEngineTrainingChoiceThatAResumeKeeps()
    {
        string g = Path.Combine(_dir, "sc.ckpt");
        var (code, _, stderr) = Run("train", "generator", "--preset", "tiny", "--layers", "1", "--train-steps", "2", "--batch", "8",
            "--train-fraction", "0.01", "--self-condition", "--out", g);
        Assert.True(code == 0, stderr);
        Assert.Contains("self-conditioned", stderr);
        var resumed = Run("train", "generator", "--train-steps", "3", "--out", g, "--resume");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains("self-conditioned", resumed.Err);
        var sample = Run("generate", "--generator", g, "-n", "4", "--sample-steps", "2", "--json");
        Assert.True(sample.Code == 0, sample.Err);

        var mismatch = Run("train", "generator", "--train-steps", "4", "--out", g, "--resume", "--self-condition", "false");
        Assert.Equal(1, mismatch.Code);
        Assert.Contains("--self-condition", mismatch.Err);
        Assert.Single(mismatch.Err.TrimEnd().Split('\n'));
        var discrete = Run("train", "generator", "--engine", "discrete", "--self-condition", "--train-steps", "1", "--out", Path.Combine(_dir, "d.ckpt"));
        Assert.Equal(1, discrete.Code);
        Assert.Contains("--self-condition applies to the score engine", discrete.Err);
    }

    [SkippableFact]
    public void ALowerIsBetterObjectiveIsSteeredToItsLowestValues()
    {
        string data = TestData.RequireDir();
        string g = TrainTiny();
        string pth = Path.Combine(_dir, "fpga.ckpt");
        var (pc, _, perr) = Run("train", "predictor", "--objective", "fpga_ms", "--train-archs", "50", "--train-steps", "5", "--preset", "tiny",
            "--out", pth, "--seed", "0", "--generator", g, "--data-dir", data);
        Assert.True(pc == 0, perr);
        var top = Run("generate", "--generator", g, "--predictor", pth, "--guide-top", "1", "-n", "2", "--data-dir", data);
        Assert.Equal(1, top.Code);
        Assert.Contains("--guide-top", top.Err);
        Assert.Contains("lower-is-better", top.Err);
        Assert.Single(top.Err.TrimEnd().Split('\n'));
        var (code, stdout, stderr) = Run("generate", "--generator", g, "--predictor", pth, "-n", "4", "--sample-steps", "3", "--report", "fpga_ms",
            "--max-samples", "64", "--json", "--data-dir", data);
        Assert.True(code == 0, stderr);
        Assert.Contains("\"fpga_ms\"", stdout);
    }

    [Fact]
    public void BadInputGetsOneLineErrorsAndExitCodes()
    {
        string g = TrainTiny(steps: 2);
        var missing = Run("generate", "--generator", Path.Combine(_dir, "nope.ckpt"), "-n", "2");
        Assert.Equal(2, missing.Code);
        Assert.Contains("nope.ckpt", missing.Err);
        Assert.Single(missing.Err.TrimEnd().Split('\n'));

        string corrupt = Path.Combine(_dir, "corrupt.ckpt");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(g)[..100]);
        var bad = Run("generate", "--generator", corrupt, "-n", "2");
        Assert.Equal(2, bad.Code);
        Assert.Contains("corrupt.ckpt", bad.Err);

        Assert.Equal(1, Run("generate", "--generator", g, "--guidance-scale", "10", "-n", "2").Code);       // guidance without a predictor
        var edges = Run("generate", "--generator", g, "--edge-decoding", "independent", "-n", "2");
        Assert.Equal(1, edges.Code);
        Assert.Contains("--edge-decoding only applies to free topologies", edges.Err);
        var slots = Run("generate", "--generator", g, "--slot-decoding", "independent", "-n", "2");
        Assert.Equal(1, slots.Code);
        Assert.Contains("--slot-decoding only applies to free topologies", slots.Err);
        var slotValue = Run("generate", "--generator", g, "--slot-decoding", "joint", "-n", "2");
        Assert.Equal(1, slotValue.Code);
        Assert.Contains("--slot-decoding must be 'coupled' or 'independent', got 'joint'", slotValue.Err);
        Assert.Equal(1, Run("generate", "--generator", g, "-n", "0").Code);
        Assert.Equal(1, Run("generate", "--generator", g, "--sampler", "magic", "-n", "2").Code);
        var negative = Run("generate", "--generator", g, "--repulsion", "-1", "-n", "2");
        Assert.Equal(1, negative.Code);
        Assert.Contains("--repulsion", negative.Err);
        // Repulsion alone (no predictor) runs end to end and is echoed in the summary.
        var repelled = Run("generate", "--generator", g, "--repulsion", "2", "-n", "6", "--sample-steps", "3", "--json");
        Assert.True(repelled.Code == 0, repelled.Err);
        using (var doc = JsonDocument.Parse(repelled.Out)) Assert.Equal(2, doc.RootElement.GetProperty("repulsion").GetDouble());
        Assert.Equal(1, Run("train", "generator", "--out", Path.Combine(_dir, "x.ckpt"), "--train-fraction", "1.5").Code);
        Assert.Equal(1, Run("train", "generator", "--out", Path.Combine(_dir, "x.ckpt"), "--engine", "warp").Code);
        Assert.False(File.Exists(Path.Combine(_dir, "x.ckpt")));
    }
}
