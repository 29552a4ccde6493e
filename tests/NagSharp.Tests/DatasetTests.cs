using System.Buffers.Binary;
using System.IO.Compression;
using NagSharp.Networks;
using SkiaSharp;

namespace NagSharp.Tests;

/// <summary>Dataset readers: the digits CSV, IDX folders and image folders, and their refusal of malformed input.</summary>
public sealed class DatasetTests
{
    /// <summary>The digits CSV of the shared data (skips, or fails under CI, without it).</summary>
    public static string DigitsPath()
    {
        string path = Path.Combine(TestData.RequireDir(), "images", "sklearn_digits.csv.gz");
        if (!File.Exists(path))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)) throw new InvalidOperationException($"CI=true but {path} is missing");
            Skip.If(true, $"{path} is missing");
        }
        return path;
    }

    [SkippableFact]
    public void DigitsCsvLoadsWithAStratifiedSplit()
    {
        var d = ImageDataset.Load(DigitsPath());
        Assert.Equal("csv", d.Format);
        Assert.Equal(1797, d.Train.Count + d.Test.Count);
        Assert.Equal(10, d.Classes);
        Assert.Equal((1, 8, 8), (d.Channels, d.Size, d.NativeSize));
        Assert.InRange(d.Test.Count, 355, 365);
        for (int c = 0; c < 10; c++) Assert.InRange(d.Test.Labels.Count(l => l == c), 33, 38);
        Assert.All(d.Train.Pixels, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(1f, d.Train.Pixels.Max());

        var padded = ImageDataset.Load(DigitsPath(), inputSize: 12);
        Assert.Equal(12, padded.Size);
        Assert.Equal(d.Train.Count * 144, padded.Train.Pixels.Length);
        // Centred zero padding: the border is empty, the centre holds the image.
        Assert.Equal(0f, padded.Train.Pixels[0]);
        Assert.Equal(d.Train.Pixels.Sum(), padded.Train.Pixels.Sum(), 1);
        Assert.NotEqual(d.Fingerprint, padded.Fingerprint);
        Assert.Throws<NagUserException>(() => ImageDataset.Load(DigitsPath(), inputSize: 6));
    }

    [Theory]
    [InlineData("1,2,3,4,0\n1,2,x,4,1\n", ":2: column 3")]
    [InlineData("1,2,3,4,0\n1,2,3,1\n", ":2: 4 fields, expected 5")]
    [InlineData("1,2,3,4,0\n1,2,3,4,-1\n", ":2: column 5 (label)")]
    [InlineData("1,2,3,0\n1,2,3,1\n", "must be a square")]
    [InlineData("1,2,3,4,0\n1,2,3,4,0\n", "fewer than two distinct labels")]
    [InlineData("1,2,3,4,0\n1,2,NaN,4,1\n", ":2: column 3")]
    public void MalformedCsvIsRefusedNamingLineAndColumn(string text, string expected)
    {
        using var tmp = new TempDir();
        string path = tmp.File("bad.csv");
        File.WriteAllText(path, text);
        var e = Assert.Throws<NagDataException>(() => ImageDataset.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    private static byte[] Idx(byte type, int[] dims, byte[] data)
    {
        var b = new byte[4 + 4 * dims.Length + data.Length];
        b[2] = type;
        b[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(b, 4 + 4 * dims.Length);
        return b;
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(raw);
        return ms.ToArray();
    }

    private static void WriteIdxSet(string dir, int train, int test, int side, bool gzip)
    {
        var rng = new Random(1);
        void Write(string name, byte[] raw) => File.WriteAllBytes(Path.Combine(dir, name + (gzip ? ".gz" : "")), gzip ? Gzip(raw) : raw);
        foreach (var (prefix, n) in new[] { ("train", train), ("t10k", test) })
        {
            var px = new byte[n * side * side];
            rng.NextBytes(px);
            Write($"{prefix}-images-idx3-ubyte", Idx(8, [n, side, side], px));
            Write($"{prefix}-labels-idx1-ubyte", Idx(8, [n], Enumerable.Range(0, n).Select(i => (byte)(i % 3)).ToArray()));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxFolderLoadsAndPads(bool gzip)
    {
        using var tmp = new TempDir();
        WriteIdxSet(tmp.Path, 12, 6, 6, gzip);
        var d = ImageDataset.Load(tmp.Path);
        Assert.Equal(("idx", 12, 6, 3, 8, 6), (d.Format, d.Train.Count, d.Test.Count, d.Classes, d.Size, d.NativeSize));
        Assert.Equal(new[] { 0, 1, 2 }, d.Train.Labels.Take(3));
        var p = ImageDataset.Load(tmp.Path, inputSize: 32);
        Assert.Equal(32, p.Size);
        Assert.Equal(12 * 32 * 32, p.Train.Pixels.Length);
    }

    [Fact]
    public void MalformedIdxIsRefusedNamingTheFile()
    {
        using var tmp = new TempDir();
        WriteIdxSet(tmp.Path, 12, 6, 6, gzip: false);
        string images = Path.Combine(tmp.Path, "train-images-idx3-ubyte");
        string labels = Path.Combine(tmp.Path, "train-labels-idx1-ubyte");
        byte[] good = File.ReadAllBytes(images);

        File.WriteAllBytes(images, good[..^5]);
        var e = Assert.Throws<NagDataException>(() => ImageDataset.Load(tmp.Path));
        Assert.Contains(images, e.Message);
        Assert.Contains("truncated", e.Message);

        var badMagic = (byte[])good.Clone();
        badMagic[0] = 0x50;
        File.WriteAllBytes(images, badMagic);
        e = Assert.Throws<NagDataException>(() => ImageDataset.Load(tmp.Path));
        Assert.Contains("not an IDX file", e.Message);

        var floatType = (byte[])good.Clone();
        floatType[2] = 0x0D;
        File.WriteAllBytes(images, floatType);
        e = Assert.Throws<NagDataException>(() => ImageDataset.Load(tmp.Path));
        Assert.Contains("element type 0x0d", e.Message);

        File.WriteAllBytes(images, good);
        File.WriteAllBytes(labels, Idx(8, [11], new byte[11]));
        e = Assert.Throws<NagDataException>(() => ImageDataset.Load(tmp.Path));
        Assert.Contains("11 labels for 12 images", e.Message);

        File.WriteAllBytes(labels, Gzip(Idx(8, [12], new byte[12]))[..20]);
        e = Assert.Throws<NagDataException>(() => ImageDataset.Load(tmp.Path));
        Assert.Contains(labels, e.Message);

        File.Delete(labels);
        e = Assert.Throws<NagDataException>(() => ImageDataset.Load(tmp.Path));
        Assert.Contains("expected one train labels file", e.Message);
    }

    private static void WritePng(string path, SKColor color, int w = 10, int h = 12)
    {
        using var bmp = new SKBitmap(w, h);
        bmp.Erase(color);
        using var img = SKImage.FromBitmap(bmp);
        using var data = img.Encode(SKEncodedImageFormat.Png, 100);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, data.ToArray());
    }

    [Fact]
    public void ImageFolderDecodesResizesAndSplits()
    {
        using var tmp = new TempDir();
        for (int i = 0; i < 5; i++)
        {
            WritePng(tmp.File("cat", $"{i}.png"), new SKColor(255, 0, 0));
            WritePng(tmp.File("dog", $"{i}.png"), new SKColor(0, 0, 255));
        }
        var d = ImageDataset.Load(tmp.Path, inputSize: 8);
        Assert.Equal(("folder", 3, 8, 2), (d.Format, d.Channels, d.Size, d.Classes));
        Assert.Equal(new[] { "cat", "dog" }, d.ClassNames);
        Assert.Equal((8, 2), (d.Train.Count, d.Test.Count));
        // A red "cat" image: channel 0 is 1, channel 2 is 0.
        int cat = Array.IndexOf(d.Train.Labels, 0);
        Assert.Equal(1f, d.Train.Pixels[cat * 192], 2);
        Assert.Equal(0f, d.Train.Pixels[cat * 192 + 128], 2);

        // train/ and test/ sub-folders are used as given.
        using var split = new TempDir();
        foreach (var part in new[] { "train", "test" })
            foreach (var c in new[] { "a", "b" })
                WritePng(split.File(part, c, "x.png"), SKColors.Gray);
        var s = ImageDataset.Load(split.Path, inputSize: 4);
        Assert.Equal((2, 2), (s.Train.Count, s.Test.Count));
    }

    [Fact]
    public void MalformedImageFolderIsRefusedWithAClearError()
    {
        using var tmp = new TempDir();
        for (int i = 0; i < 5; i++) { WritePng(tmp.File("a", $"{i}.png"), SKColors.White); WritePng(tmp.File("b", $"{i}.png"), SKColors.Black); }
        string corrupt = tmp.File("b", "9.png");
        File.WriteAllText(corrupt, "not a png");
        var e = Assert.Throws<NagDataException>(() => ImageDataset.Load(tmp.Path));
        Assert.Contains(corrupt, e.Message);
        Assert.Contains("cannot decode", e.Message);
        File.Delete(corrupt);

        string stray = tmp.File("b", "notes.txt");
        File.WriteAllText(stray, "x");
        e = Assert.Throws<NagDataException>(() => ImageDataset.Load(tmp.Path));
        Assert.Contains(stray, e.Message);
        File.Delete(stray);

        Directory.CreateDirectory(Path.Combine(tmp.Path, "c"));
        e = Assert.Throws<NagDataException>(() => ImageDataset.Load(tmp.Path));
        Assert.Contains("class folder has no image files", e.Message);

        using var single = new TempDir();
        WritePng(single.File("only", "1.png"), SKColors.White);
        Assert.Contains("only one class", Assert.Throws<NagDataException>(() => ImageDataset.Load(single.Path)).Message);

        using var empty = new TempDir();
        Assert.Contains("not a dataset", Assert.Throws<NagDataException>(() => ImageDataset.Load(empty.Path)).Message);
        Assert.Contains("dataset not found", Assert.Throws<NagDataException>(() => ImageDataset.Load(Path.Combine(empty.Path, "missing"))).Message);
    }
}
