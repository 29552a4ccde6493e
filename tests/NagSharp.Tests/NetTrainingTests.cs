using System.Text.Json;
using NagSharp.Cli;
using NagSharp.Experiments;
using NagSharp.Networks;
using NagSharp.Spaces;
using static TorchSharp.torch;

namespace NagSharp.Tests;

/// <summary>Training real networks on the digits data, resume, and the network CLI commands.</summary>
[Collection(TorchCollection.Name)]
public sealed class NetTrainingTests
{
    private const string Cell = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|";
    private static readonly Lazy<ImageDataset> Digits = new(() => ImageDataset.Load(DatasetTests.DigitsPath()));

    private static ImageDataset LoadDigits() { DatasetTests.DigitsPath(); return Digits.Value; }

    [SkippableFact]
    public void OneEpochOnDigitsLowersTheLoss()
    {
        var data = LoadDigits();
        var space = new Nb201Space();
        using var trainer = NetTrainer.Start(space, space.Parse(Cell), 4, 1, data, new TrainSettings(Epochs: 1, Batch: 32, Seed: 1));
        var (before, _) = trainer.Evaluate(data, data.Train);
        var row = trainer.RunEpoch(data);
        var (after, acc) = trainer.Evaluate(data, data.Train);
        Assert.True(after < before * 0.8, $"train loss {before} -> {after}");
        Assert.True(acc > 0.3, $"train accuracy {acc}");
        Assert.Equal(1, row.Epoch);
        Assert.InRange(row.TestAccuracy, 0.2, 1.0);
    }

    [SkippableFact]
    public void LiveTensorCountStaysFlatAcrossEpochsAndLatencyRuns()
    {
        var data = LoadDigits();
        var space = new Nb201Space();
        using var trainer = NetTrainer.Start(space, space.Parse(Cell), 4, 1, data, new TrainSettings(Epochs: 3, Batch: 256));
        var stats = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics;
        trainer.RunEpoch(data);
        LatencyMeter.Measure(trainer.Network, new LatencySettings(Warmup: 1, Repeats: 3));
        long baseline = stats.ThreadTotalLiveCount;
        trainer.RunEpoch(data);
        LatencyMeter.Measure(trainer.Network, new LatencySettings(Warmup: 1, Repeats: 3, Clock: LatencyClock.ThreadCpu));
        Assert.Equal(baseline, stats.ThreadTotalLiveCount);
    }

    [SkippableFact]
    public void ResumeRepeatsAnUninterruptedRunExactly()
    {
        var data = LoadDigits();
        var space = new Nb201Space();
        var arch = space.Parse(Cell);
        var settings = new TrainSettings(Epochs: 2, Batch: 128, Seed: 4, Augment: "crop+flip");
        using var tmp = new TempDir();
        string path = tmp.File("run.ckpt");
        EpochStats[] straight;
        float[] straightWeights;
        using (var t = NetTrainer.Start(space, arch, 4, 1, data, settings))
        {
            t.RunEpoch(data);
            t.RunEpoch(data);
            straight = t.Curve.ToArray();
            straightWeights = Flatten(t.Network);
        }
        using (var t = NetTrainer.Start(space, arch, 4, 1, data, settings))
        {
            t.RunEpoch(data);
            t.Save(path);
        }
        using (var t = NetTrainer.Resume(path, space, arch, 4, 1, data, settings))
        {
            Assert.Equal(1, t.EpochsDone);
            t.RunEpoch(data);
            Assert.Equal(straight.Select(r => (r.TrainLoss, r.TestAccuracy)), t.Curve.Select(r => (r.TrainLoss, r.TestAccuracy)));
            Assert.Equal(straightWeights, Flatten(t.Network));
        }
        // A resumed run must be the same run.
        var e = Assert.Throws<NagUserException>(() => NetTrainer.Resume(path, space, arch, 4, 1, data, settings with { LearningRate = 0.05 }));
        Assert.Contains("training settings", e.Message);
        e = Assert.Throws<NagUserException>(() => NetTrainer.Resume(path, space, arch, 8, 1, data, settings));
        Assert.Contains("network shape", e.Message);
    }

    private static float[] Flatten(NetworkModule net)
    {
        using var scope = NewDisposeScope();
        return cat(net.state_dict().Values.Where(t => t.dtype == ScalarType.Float32).Select(t => t.flatten()).ToArray()).data<float>().ToArray();
    }

    [SkippableFact]
    public void NetTrainCliTrainsResumesAndRefusesBadInput()
    {
        string digits = DatasetTests.DigitsPath();
        using var tmp = new TempDir();
        string ckpt = tmp.File("d.ckpt");
        string[] common = ["net", "train", "--arch", Cell, "--dataset", digits, "--width", "4", "--cells", "1", "--batch", "128", "--out", ckpt, "--seed", "2"];
        var (code, stdout, stderr) = CliRunner.Run([.. common, "--epochs", "1", "--json"]);
        Assert.True(code == 0, stderr);
        using (var doc = JsonDocument.Parse(stdout))
        {
            var root = doc.RootElement;
            Assert.Equal(Cell, root.GetProperty("arch").GetString());
            Assert.Equal(1, root.GetProperty("curve").GetArrayLength());
            Assert.InRange(root.GetProperty("test_accuracy").GetDouble(), 0.1, 1.0);
        }
        Assert.Contains("epoch 1/1", stderr);

        // Resuming with other settings is refused; resuming a finished run only reports it.
        var bad = CliRunner.Run([.. common, "--epochs", "2", "--resume"]);
        Assert.Equal(1, bad.Code);
        Assert.Contains("cannot resume", bad.Err);
        var again = CliRunner.Run([.. common, "--epochs", "1", "--resume"]);
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("after epoch 1 of 1", again.Err);

        Assert.Equal(1, CliRunner.Run([.. common, "--epochs", "0"]).Code);
        Assert.Equal(1, CliRunner.Run([.. common, "--augment", "rotate"]).Code);
        Assert.Equal(1, CliRunner.Run("net", "train", "--arch", "|bad|", "--dataset", digits, "--out", ckpt).Code);
        var missing = CliRunner.Run("net", "train", "--arch", Cell, "--dataset", tmp.File("none.csv"), "--out", ckpt);
        Assert.Equal(2, missing.Code);
        Assert.Contains("dataset not found", missing.Err);
        File.WriteAllText(tmp.File("corrupt.ckpt"), "NAGSHARP-CHECKPOINT v1\ngarbage");
        var corrupt = CliRunner.Run("export", "--weights", tmp.File("corrupt.ckpt"), "--format", "json", "--out", tmp.File("x.json"));
        Assert.Equal(2, corrupt.Code);
        Assert.DoesNotContain('\n', corrupt.Err.TrimEnd());
    }

    [SkippableFact]
    public void ExportRoundTripsJsonAndWritesCheckedOnnxAndPyTorch()
    {
        string digits = DatasetTests.DigitsPath();
        using var tmp = new TempDir();
        var space = new Nb201Space();
        string spec = tmp.File("net.json");
        var (code, _, err) = CliRunner.Run("export", "--arch", Cell, "--format", "json", "--width", "6", "--cells", "2", "--classes", "7", "--input-size", "16", "--out", spec);
        Assert.True(code == 0, err);
        var (s, a, o) = NetworkSpec.Read(spec);
        Assert.Equal("nb201", s.Name);
        Assert.Equal(space.Parse(Cell), a);
        Assert.Equal(new NetworkOptions(7, 3, 16, 6, 2), o);

        var onnx = CliRunner.Run("export", "--spec", spec, "--format", "onnx", "--out", tmp.File("net.onnx"));
        Assert.True(onnx.Code == 0, onnx.Err);
        Assert.Contains("max abs diff", onnx.Out);

        // Trained weights: ONNX from the checkpoint, PyTorch source plus safetensors weights.
        string ckpt = tmp.File("d.ckpt");
        Assert.Equal(0, CliRunner.Run("net", "train", "--arch", Cell, "--dataset", digits, "--width", "4", "--cells", "1", "--epochs", "1", "--batch", "256", "--out", ckpt).Code);
        var trained = CliRunner.Run("export", "--weights", ckpt, "--format", "onnx", "--out", tmp.File("d.onnx"));
        Assert.True(trained.Code == 0, trained.Err);
        var py = CliRunner.Run("export", "--weights", ckpt, "--format", "pytorch", "--out", tmp.File("d.py"));
        Assert.True(py.Code == 0, py.Err);
        string source = File.ReadAllText(tmp.File("d.py"));
        Assert.Contains("class Nb201Network(nn.Module)", source);
        Assert.Contains("OPS = [\"nor_conv_3x3\", \"nor_conv_1x1\", \"avg_pool_3x3\", \"skip_connect\", \"none\", \"nor_conv_3x3\"]", source);
        byte[] st = File.ReadAllBytes(tmp.File("d.safetensors"));
        ulong headerLength = BitConverter.ToUInt64(st, 0);
        using var header = JsonDocument.Parse(st.AsMemory(8, (int)headerLength));
        Assert.True(header.RootElement.TryGetProperty("stem.0.weight", out var stem));
        Assert.Equal("F32", stem.GetProperty("dtype").GetString());
        Assert.Equal(new[] { 4, 1, 3, 3 }, stem.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));

        // The checkpoint's architecture must match an --arch given beside it.
        Assert.Equal(1, CliRunner.Run("export", "--weights", ckpt, "--arch", "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "--format", "json").Code);

        // Malformed specs are refused naming the file and field.
        File.WriteAllText(spec, File.ReadAllText(spec).Replace("nor_conv_1x1~0", "conv~0", StringComparison.Ordinal));
        var bad = CliRunner.Run("export", "--spec", spec, "--format", "onnx");
        Assert.Equal(2, bad.Code);
        Assert.Contains("field 'arch'", bad.Err);
        Assert.Equal(1, CliRunner.Run("export", "--arch", Cell, "--format", "tflite").Code);
    }

    [SkippableFact]
    public void LatencyTableResumesAndLoadsAsAnExtraTable()
    {
        string dir = TestData.RequireDir();
        using var tmp = new TempDir();
        string table = tmp.File("local_ms.csv");
        string[] args = ["latency", "--all", "--limit", "3", "--width", "4", "--cells", "1", "--input-size", "8", "--warmup", "0", "--repeats", "3", "--out", table, "--data-dir", dir];
        var (code, stdout, err) = CliRunner.Run(args);
        Assert.True(code == 0, err);
        Assert.Contains("3 rows of 15625", stdout);
        // A torn final row (interrupted run) is dropped; the next run continues after the rows already there.
        File.AppendAllText(table, "3,|nor_conv");
        var second = CliRunner.Run([.. args, "--recheck", "2", "--json"]);
        Assert.True(second.Code == 0, second.Err);
        using (var doc = JsonDocument.Parse(second.Out))
        {
            Assert.Equal(6, doc.RootElement.GetProperty("rows_in_table").GetInt32());
            Assert.True(doc.RootElement.TryGetProperty("run_to_run_rel_diff_median", out _));
            Assert.True(doc.RootElement.GetProperty("run_to_run_ratio_median").GetDouble() > 0);
            Assert.InRange(doc.RootElement.GetProperty("run_to_run_ratio_spread").GetDouble(), 0, 10);
            Assert.Equal(8, doc.RootElement.GetProperty("interleave").GetInt32());
        }
        Assert.Equal(1, CliRunner.Run([.. args, "--interleave", "0"]).Code);
        var lines = File.ReadAllLines(table);
        Assert.Equal("index,arch_str,local_ms", lines[0]);
        Assert.Equal(new[] { "0", "1", "2", "3", "4", "5" }, lines.Skip(1).Select(l => l.Split(',')[0]));

        // The table loads beside the benchmark's, covering only the rows it has.
        var arch = CliRunner.Run("--extra-table", table, "arch", "nb201", "4", "--json", "--data-dir", dir);
        Assert.True(arch.Code == 0, arch.Err);
        Assert.Contains("\"local_ms\"", arch.Out);
        var unmeasured = CliRunner.Run("--extra-table", table, "arch", "nb201", "6", "--json", "--data-dir", dir);
        Assert.True(unmeasured.Code == 0, unmeasured.Err);
        Assert.DoesNotContain("\"local_ms\"", unmeasured.Out);

        // A row whose architecture disagrees with the benchmark's key is refused.
        File.AppendAllText(table, "7,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,1.5\n");
        var wrong = CliRunner.Run(args);
        Assert.Equal(2, wrong.Code);
        Assert.Contains(":8: column 'arch_str'", wrong.Err);
    }
    /// <summary>
    /// A calibrated table: the reference (the tables' first architecture) is timed in every block; its own row is the
    /// anchor every block is scaled to, and a calibrated recheck reads that anchor back from the table.
    /// </summary>
    [SkippableFact]
    public void CalibratedLatencyAnchorsEveryBlockToTheReferenceRow()
    {
        string dir = TestData.RequireDir();
        using var tmp = new TempDir();
        string table = tmp.File("local_ms.csv");
        string[] args = ["latency", "--all", "--width", "4", "--cells", "1", "--input-size", "8", "--warmup", "0", "--repeats", "3",
            "--interleave", "2", "--calibrate", "--out", table, "--data-dir", dir, "--json"];
        var (code, stdout, err) = CliRunner.Run([.. args, "--limit", "5"]);
        Assert.True(code == 0, err);
        double anchor;
        using (var doc = JsonDocument.Parse(stdout))
        {
            var root = doc.RootElement;
            Assert.True(root.GetProperty("calibrated").GetBoolean());
            Assert.Equal(0, root.GetProperty("reference_key").GetInt32());
            anchor = root.GetProperty("reference_anchor_ms").GetDouble();
            // The first block sets the anchor (scale 1); 5 cells in blocks of 2 are 3 blocks.
            Assert.InRange(1.0, root.GetProperty("calibration_scale_min").GetDouble(), root.GetProperty("calibration_scale_max").GetDouble());
        }
        var row0 = File.ReadAllLines(table)[1].Split(',');
        Assert.Equal("0", row0[0]);
        Assert.Equal(anchor, double.Parse(row0[^1], System.Globalization.CultureInfo.InvariantCulture), 9);

        var recheck = CliRunner.Run([.. args, "--limit", "0", "--recheck", "3"]);
        Assert.True(recheck.Code == 0, recheck.Err);
        using (var doc = JsonDocument.Parse(recheck.Out))
            Assert.Equal(anchor, doc.RootElement.GetProperty("reference_anchor_ms").GetDouble(), 9);

        // Calibration is the default with --out; --no-calibrate stores raw times; both flags are refused.
        string[] unflagged = args.Where(a => a != "--calibrate").ToArray();
        foreach (var (extra, calibrated) in new[] { (Array.Empty<string>(), true), (new[] { "--no-calibrate" }, false) })
        {
            var run = CliRunner.Run([.. unflagged, .. extra, "--limit", "0", "--recheck", "2"]);
            Assert.True(run.Code == 0, run.Err);
            using var doc = JsonDocument.Parse(run.Out);
            Assert.Equal(calibrated, doc.RootElement.GetProperty("calibrated").GetBoolean());
        }
        // An old raw table without the reference row is rechecked raw, with a note; a calibrated --arch run adds the row.
        string raw = tmp.File("raw.csv");
        string[] shape = ["latency", "--width", "4", "--cells", "1", "--input-size", "8", "--warmup", "0", "--repeats", "3", "--out", raw, "--data-dir", dir, "--json"];
        Assert.Equal(0, CliRunner.Run([.. shape, "--arch", "5", "--no-calibrate"]).Code);
        var noted = CliRunner.Run([.. shape, "--all", "--limit", "0", "--recheck", "1"]);
        Assert.True(noted.Code == 0, noted.Err);
        Assert.Contains("timing without calibration", noted.Err);
        Assert.Equal(0, CliRunner.Run([.. shape, "--arch", "6"]).Code);
        Assert.Equal(new[] { "5", "6", "0" }, File.ReadAllLines(raw).Skip(1).Select(l => l.Split(',')[0]));
        var both = CliRunner.Run([.. args, "--no-calibrate"]);
        Assert.Equal(1, both.Code);
        Assert.Contains("not both", both.Err);

        // Without --out there is no anchor to keep: refused in one line.
        var noTable = CliRunner.Run("latency", "--space", "nb201", "--arch", "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "--calibrate", "--data-dir", dir);
        Assert.Equal(1, noTable.Code);
        Assert.Contains("--calibrate needs --out", noTable.Err);
    }

    /// <summary>Generated samples are timed file by file in shared blocks; invalid lines are counted, malformed ones named.</summary>
    [Fact]
    public void LatencyTimesSamplesFilesSideBySide()
    {
        using var tmp = new TempDir();
        string a = tmp.File("a.jsonl"), b = tmp.File("b.jsonl"), bad = tmp.File("bad.jsonl");
        File.WriteAllLines(a, ["{\"arch\": \"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|\", \"valid\": true}", "{\"arch\": null, \"valid\": false}",
            "{\"arch\": \"|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|\"}"]);
        File.WriteAllLines(b, ["{\"arch\": \"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|\"}",
            "{\"arch\": \"|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|\"}"]);
        File.WriteAllLines(bad, ["{\"arch\": \"|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|\"}", "{\"arch\": \"|bogus~0|\"}"]);
        string[] common = ["latency", "--space", "nb201", "--width", "8", "--cells", "1", "--input-size", "8", "--warmup", "0", "--repeats", "3"];
        var (code, stdout, err) = CliRunner.Run([.. common, "--samples", a, "--samples", b, "--json"]);
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(stdout))
        {
            var root = doc.RootElement;
            Assert.Equal(3, root.GetProperty("measured").GetInt32());   // the skip cell is in both files, timed once
            var files = root.GetProperty("files").EnumerateArray().ToArray();
            Assert.Equal(2, files.Length);
            Assert.Equal(2, files[0].GetProperty("unique").GetInt32());
            Assert.Equal(1, files[0].GetProperty("invalid_lines").GetInt32());
            // Six convolutions against none: the second file is slower on average.
            Assert.True(files[1].GetProperty("mean_ms").GetDouble() > files[0].GetProperty("mean_ms").GetDouble());
        }
        var malformed = CliRunner.Run([.. common, "--samples", bad]);
        Assert.Equal(2, malformed.Code);
        Assert.Contains("bad.jsonl:2:", malformed.Err);
        var recheck = CliRunner.Run([.. common, "--samples", a, "--recheck", "2"]);
        Assert.Equal(1, recheck.Code);
        Assert.Contains("--samples and --recheck", recheck.Err);
    }

    /// <summary>OFA subnets are timed at their own resolution with the ImageNet classifier unless told otherwise, and the
    /// local column is rank-compared with the lookup-table latencies of a labelled table.</summary>
    [SkippableFact]
    public void OfaLatencyRunsEachSubnetAtItsOwnResolution()
    {
        string dir = TestData.RequireDir();
        using var tmp = new TempDir();
        string data = tmp.File("data");
        var label = CliRunner.Run("ofa", "label", "-n", "4", "--seed", "1", "--out", data, "--data-dir", dir);
        Assert.True(label.Code == 0, label.Err);
        string table = tmp.File("ofa_local.csv");
        var (code, stdout, err) = CliRunner.Run("latency", "--space", "ofa_mbv3", "--all", "--limit", "3", "--warmup", "0", "--repeats", "3",
            "--out", table, "--data-dir", data, "--json");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(stdout))
        {
            var root = doc.RootElement;
            Assert.True(root.GetProperty("input_size_from_arch").GetBoolean());
            Assert.False(root.TryGetProperty("input_size", out _));
            Assert.Equal(1000, root.GetProperty("classes").GetInt32());
            Assert.Equal(3, root.GetProperty("measured").GetInt32());
            Assert.True(root.GetProperty("spearman").EnumerateObject().Any(), "no lookup-table column to compare with");
        }
        var fixedSide = CliRunner.Run("latency", "--space", "ofa_mbv3", "--all", "--limit", "1", "--input-size", "32", "--warmup", "0", "--repeats", "3",
            "--out", table, "--data-dir", data, "--json");
        Assert.True(fixedSide.Code == 0, fixedSide.Err);
        using (var doc = JsonDocument.Parse(fixedSide.Out)) Assert.Equal(32, doc.RootElement.GetProperty("input_size").GetInt32());
        // The table keeps the benchmark's layout (ks,e,d,r), so it loads beside the labelled table.
        var arch = CliRunner.Run("--extra-table", table, "arch", "ofa_mbv3", "1", "--json", "--data-dir", data);
        Assert.True(arch.Code == 0, arch.Err);
        Assert.Contains("\"local_ms\"", arch.Out);
        // Generated samples timed against the table are calibrated into its units.
        string samples = tmp.File("s.jsonl");
        File.WriteAllText(samples, $"{{\"arch\": \"{new OfaSpace().Sample(new Random(9))}\"}}\n");
        var sampled = CliRunner.Run("latency", "--space", "ofa_mbv3", "--samples", samples, "--input-size", "32", "--warmup", "0", "--repeats", "3",
            "--out", table, "--data-dir", data, "--json");
        Assert.True(sampled.Code == 0, sampled.Err);
        using (var doc = JsonDocument.Parse(sampled.Out))
        {
            Assert.True(doc.RootElement.GetProperty("calibrated").GetBoolean());
            Assert.Equal(1, doc.RootElement.GetProperty("files")[0].GetProperty("unique").GetInt32());
        }
        var cells = CliRunner.Run("latency", "--space", "ofa_mbv3", "--all", "--cells", "2", "--out", table, "--data-dir", data);
        Assert.Equal(1, cells.Code);
        Assert.Contains("--cells does not apply", cells.Err);
    }

    [SkippableFact]
    public void TrainBestPicksOnePerCanonicalFormAndTrainsThem()
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        string digits = DatasetTests.DigitsPath();
        // Two spellings of one function (a none edge into an unused node vs. a skip), plus two other cells.
        var archs = new[]
        {
            "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
            "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
            "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        }.Select(space.Parse).ToList();
        Assert.Equal(space.CanonicalForm(archs[2]), space.CanonicalForm(archs[3]));
        const string col = "cifar10_test_acc200";
        var best = TrainBest.Select(space, archs, col, data, null, 3);
        Assert.Equal(3, best.Count);
        Assert.Equal(archs[1], best[0].Arch);
        Assert.Equal(archs[0], best[1].Arch);
        Assert.Single(best, b => space.CanonicalForm(b.Arch) == space.CanonicalForm(archs[2]));
        // Without a column the predictions rank; without either, generation order does.
        Assert.Equal(archs[3], TrainBest.Select(space, archs, null, null, [0.1, 0.2, 0.3, 0.9], 1)[0].Arch);
        Assert.Equal(archs[0], TrainBest.Select(space, archs, null, null, null, 1)[0].Arch);

        using var tmp = new TempDir();
        var dataset = ImageDataset.Load(digits);
        var settings = new TrainBestSettings(2, new TrainSettings(Epochs: 1, Batch: 256), Width: 4, Cells: 1, Dir: tmp.Path);
        var trained = TrainBest.TrainAll(space, best.Take(2).ToList(), [col], data, dataset, settings);
        Assert.Equal(2, trained.Count);
        Assert.Equal(data.Get(archs[1], col), trained[0].Benchmark[col]);
        Assert.All(trained, t => Assert.InRange(t.Result.TestAccuracy, 0.05, 1.0));
        // A rerun reuses the finished checkpoints.
        var notes = new List<string>();
        var again = TrainBest.TrainAll(space, best.Take(2).ToList(), [col], data, dataset, settings,
            ExperimentProgress.Of(e => { if (e is ExperimentNote n) notes.Add(n.Text); }));
        Assert.Equal(trained.Select(t => t.Result.TestAccuracy), again.Select(t => t.Result.TestAccuracy));
        Assert.DoesNotContain(notes, n => n.StartsWith("epoch 1/1:", StringComparison.Ordinal));
        Assert.Equal(2, notes.Count(n => n.StartsWith("test accuracy", StringComparison.Ordinal)));
    }
}
