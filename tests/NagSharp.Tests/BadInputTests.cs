using System.IO.Compression;
using System.Text;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Networks;
using NagSharp.Spaces;
using NagSharp.Store;

namespace NagSharp.Tests;

/// <summary>Regression tests of bad input the library must refuse with one line naming the setting or file.</summary>
public class BadInputTests
{
    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void GuidanceAndSamplerSettingsRefuseNonFiniteValues(double bad)
    {
        Assert.StartsWith("guidance scale", Assert.Throws<NagUserException>(() => new GuidanceSchedule(bad)).Message);
        Assert.StartsWith("guidance decay per round", Assert.Throws<NagUserException>(() => new GuidanceSchedule(1, bad)).Message);
        Assert.StartsWith("PredictorGuidanceSettings.Repulsion", Assert.Throws<NagUserException>(() => new RepulsionGuidance(null, bad)).Message);
        Assert.StartsWith("PredictorGuidanceSettings.StopTime", Assert.Throws<NagUserException>(() => new RepulsionGuidance(null, 1) { StopTime = bad }).Message);
        Assert.StartsWith("SamplerConfig.Snr", Assert.Throws<NagUserException>(() => new SamplerConfig(Snr: bad).Validate()).Message);
        Assert.StartsWith("TrainConfig.LearningRate", Assert.Throws<NagUserException>(() => new TrainConfig(LearningRate: bad).Validate()).Message);
        Assert.StartsWith("TrainSettings.Momentum", Assert.Throws<NagUserException>(() => new TrainSettings(1, Momentum: bad).Validate()).Message);
        // Valid values still pass, and the schedule's arithmetic is unchanged.
        Assert.Equal(70, new GuidanceSchedule(100, 10).At(3));
    }

    [Fact]
    public void SampleCountIsCappedInOnePlace()
    {
        Assert.Equal(SampleCount.Max, SampleCount.Check(SampleCount.Max));
        var e = Assert.Throws<NagUserException>(() => SampleCount.Check(2_000_000_000));
        Assert.Contains("1,000,000", e.Message);
        Assert.StartsWith("sample count", e.Message);
        Assert.Throws<NagUserException>(() => SampleCount.Check(0));
    }

    [Fact]
    public void TruncatedGzipTableIsRefusedNamingTheFile()
    {
        using var tmp = new TempDir();
        var csv = new StringBuilder();
        for (int r = 0; r < 60; r++) csv.Append(string.Join(",", Enumerable.Range(0, 16).Select(i => (i * 7 + r) % 256))).Append(',').Append(r % 2).Append('\n');
        byte[] gz;
        using (var ms = new MemoryStream())
        {
            using (var z = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) z.Write(Encoding.ASCII.GetBytes(csv.ToString()));
            gz = ms.ToArray();
        }
        string whole = tmp.File("whole.csv.gz"), cut = tmp.File("cut.csv.gz");
        File.WriteAllBytes(whole, gz);
        Assert.Equal(48, ImageDataset.Load(whole).Train.Count);
        // Cut inside the compressed data: the rows before the cut decompress, so only the missing trailer tells.
        File.WriteAllBytes(cut, gz[..(gz.Length - 12)]);
        var e = Assert.Throws<NagDataException>(() => ImageDataset.Load(cut));
        Assert.Contains(cut, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void CheckpointChecksumCatchesFlippedBytesAndOldFilesStillLoad()
    {
        using var tmp = new TempDir();
        var ck = new Checkpoint("test");
        ck.Set("steps", 3);
        ck.Sections["weights"] = Enumerable.Range(0, 1000).Select(i => (byte)(i * 13)).ToArray();
        string a = tmp.File("a.ckpt"), b = tmp.File("b.ckpt");
        ck.Save(a);
        ck.Save(b);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));   // deterministic: same content, same bytes
        Assert.Equal(ck.Sections["weights"], Checkpoint.Load(a).Sections["weights"]);

        byte[] good = File.ReadAllBytes(a);
        var flipped = (byte[])good.Clone();
        flipped[good.Length - 39 - 500] ^= 0x10;   // inside the weights
        File.WriteAllBytes(b, flipped);
        var e = Assert.Throws<NagDataException>(() => Checkpoint.Load(b));
        Assert.Contains(b, e.Message);
        Assert.Contains("checksum", e.Message);

        // A file written before checksums ends right after its sections; it still loads.
        File.WriteAllBytes(b, good[..^39]);
        var old = Checkpoint.Load(b);
        Assert.Equal(ck.Sections["weights"], old.Sections["weights"]);
        Assert.Equal(3, old.Get<int>("steps", b));

        File.WriteAllBytes(b, [.. good, 1, 2, 3]);
        Assert.Contains("corrupt", Assert.Throws<NagDataException>(() => Checkpoint.Load(b)).Message);
    }

    [Fact]
    public void CheckpointHeaderAskingForAHugeNetworkIsRefusedBeforeBuilding()
    {
        using var tmp = new TempDir();
        var ck = new Checkpoint("test");
        ck.Set("network", NetworkConfig.Preset("tiny") with { Dim = 2_000_000_000 });
        string path = tmp.File("huge.ckpt");
        ck.Save(path);
        var e = Assert.Throws<NagDataException>(() => Checkpoint.Load(path).Get<NetworkConfig>("network", path));
        Assert.Contains(path, e.Message);
        Assert.Contains("NetworkConfig.Dim", e.Message);
    }

    [Fact]
    public void IdxHeaderWhoseSizesOverflowIsRefusedBeforeReading()
    {
        using var tmp = new TempDir();
        var header = new List<byte> { 0, 0, 8, 3 };
        foreach (int d in new[] { 65536, 65536, 65536 }) header.AddRange(BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(d)));
        File.WriteAllBytes(tmp.File("train-images-idx3-ubyte"), [.. header, .. new byte[64]]);
        File.WriteAllBytes(tmp.File("train-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 1, 0]);
        File.WriteAllBytes(tmp.File("t10k-images-idx3-ubyte"), [.. header, .. new byte[64]]);
        File.WriteAllBytes(tmp.File("t10k-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 1, 0]);
        var e = Assert.Throws<NagDataException>(() => ImageDataset.Load(tmp.Path));
        Assert.Contains("train-images-idx3-ubyte", e.Message);
        Assert.Contains("more than the file's", e.Message);
    }

    [Fact]
    public void PyTorchExportPathsNeverCollide()
    {
        Assert.Equal(("m.py", "m.safetensors"), NagSharp.Networks.SafeTensors.PyTorchPaths("m.safetensors"));
        Assert.Equal(("m.py", "m.safetensors"), NagSharp.Networks.SafeTensors.PyTorchPaths("m.py"));
        Assert.Equal((Path.Combine("d", "M.py"), Path.Combine("d", "M.SAFETENSORS")), NagSharp.Networks.SafeTensors.PyTorchPaths(Path.Combine("d", "M.SAFETENSORS")));
        Assert.Equal(("net", "net.safetensors"), NagSharp.Networks.SafeTensors.PyTorchPaths("net"));
        foreach (var p in new[] { "a.safetensors", "a.py", "a", "a.b.c", "x.Safetensors" })
        {
            var (source, weights) = NagSharp.Networks.SafeTensors.PyTorchPaths(p);
            Assert.NotEqual(source.ToLowerInvariant(), weights.ToLowerInvariant());
        }
    }

    [Fact]
    public void HugeNumbersInArchitectureStringsAreFormatErrors()
    {
        var nb301 = SpaceRegistry.Get("nb301");
        string valid = nb301.Sample(new Random(3)).ToString();
        string huge = System.Text.RegularExpressions.Regex.Replace(valid, @"(?<=, )\d+(?=\))", "99999999999999999999");
        Assert.NotEqual(valid, huge);
        Assert.Throws<ArchFormatException>(() => nb301.Parse(huge));
    }

    [Fact]
    public void ErrorMessagesQuoteAShortPrefixOfHugeInputs()
    {
        string huge = "|" + new string('x', 1_000_000) + "|";
        var e = Assert.Throws<ArchFormatException>(() => SpaceRegistry.Get("nb201").Parse(huge));
        Assert.True(e.Message.Length < 1200, $"message of {e.Message.Length} characters");
        Assert.Contains("characters)", e.Message);
        Assert.DoesNotContain('\n', new NagDataException("a\nb").Message);
        Assert.Equal("short message", new NagUserException("short message").Message);
    }

    [Fact]
    public void ConditionsNoTrainingArchitectureMeetsTogetherGiveOneWarning()
    {
        var conds = new[] { Condition.Parse("acc>=top5%"), Condition.Parse("acc<=bottom5%") };
        var disjoint = new List<LabelledArch> { new("a", [2, 1]), new("b", [1, 2]), new("c", [0, 0]) };
        string w = ConditionCoverage.JointWarning(conds, disjoint)!;
        Assert.Contains("0 of 3", w);
        Assert.DoesNotContain('\n', w);
        Assert.Null(ConditionCoverage.JointWarning(conds, [.. disjoint, new("d", [2, 2])]));
        Assert.Null(ConditionCoverage.JointWarning(conds[..1], disjoint));
    }

    [Fact]
    public void GuidanceNumbersAreRefusedBeforeDefaultModelsAreTrained()
    {
        using var tmp = new TempDir();
        string models = Path.Combine(tmp.Path, "models");
        var r = CliRunner.Run("generate", "--objective", "cifar10_valid_acc200", "--guidance-scale", "NaN", "-n", "8", "--models-dir", models);
        Assert.Equal(1, r.Code);
        Assert.Contains("--guidance-scale must be a finite number", r.Err);
        Assert.False(Directory.Exists(models), "default models were trained before the bad number was refused");
    }
}
