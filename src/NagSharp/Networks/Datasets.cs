using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using SkiaSharp;

namespace NagSharp.Networks;

/// <summary>Images of one split, stored at the network's input side: pixels scaled to [0, 1], zero-padded when the
/// source images are smaller.</summary>
public sealed class ImageSplit
{
    /// <summary>Pixels, [count, channels, size, size] row-major.</summary>
    public float[] Pixels { get; }
    /// <summary>Class index of each image (0..classes-1).</summary>
    public int[] Labels { get; }
    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Wraps already-laid-out pixels and labels.</summary>
    public ImageSplit(float[] pixels, int[] labels) { Pixels = pixels; Labels = labels; }
}

/// <summary>
/// A labelled image set with a train and a test split, read from an IDX folder (MNIST / Fashion-MNIST layout), a CSV of
/// pixel rows with the label last (e.g. the digits set, optionally gzipped), or a folder of images with one
/// sub-folder per class (optionally under <c>train/</c> and <c>test/</c>). Malformed input is refused with a
/// <see cref="NagDataException"/> naming the file and what is wrong.
/// </summary>
public sealed class ImageDataset
{
    /// <summary>Image file extensions the folder reader decodes (with SkiaSharp).</summary>
    public static readonly IReadOnlyList<string> ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    /// <summary>Path the data came from.</summary>
    public string Source { get; }
    /// <summary>idx, csv or folder.</summary>
    public string Format { get; }
    /// <summary>Channels per image (1 for IDX/CSV, 3 for decoded image files).</summary>
    public int Channels { get; }
    /// <summary>Side of the stored (network input) images.</summary>
    public int Size { get; }
    /// <summary>Side of the source images (before padding; folder images are resized to <see cref="Size"/>).</summary>
    public int NativeSize { get; }
    /// <summary>Class names, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>Training split.</summary>
    public ImageSplit Train { get; }
    /// <summary>Test split.</summary>
    public ImageSplit Test { get; }
    /// <summary>Per-channel mean of the training pixels (input normalisation).</summary>
    public float[] Mean { get; }
    /// <summary>Per-channel standard deviation of the training pixels.</summary>
    public float[] Std { get; }
    /// <summary>Short hash of the labels and a pixel sample: tells a resumed run it sees the same data.</summary>
    public string Fingerprint { get; }
    /// <summary>What raw pixel values were divided by to scale them to [0, 1]: 255 for IDX and image files, the
    /// largest pixel value of the file for CSV rows (16 for the digits set). An exported network's user needs it.</summary>
    public float PixelScale { get; }

    private ImageDataset(string source, string format, int channels, int size, int nativeSize, IReadOnlyList<string> classNames, ImageSplit train, ImageSplit test, float pixelScale)
    {
        Source = source; Format = format; Channels = channels; Size = size; NativeSize = nativeSize; ClassNames = classNames; Train = train; Test = test;
        PixelScale = pixelScale;
        if (train.Count == 0) throw new NagDataException($"{source}: the training split is empty");
        if (test.Count == 0) throw new NagDataException($"{source}: the test split is empty");
        (Mean, Std) = ChannelStats(train, channels, size);
        Fingerprint = ComputeFingerprint();
    }

    /// <summary>Number of classes.</summary>
    public int Classes => ClassNames.Count;

    /// <summary>
    /// A dataset whose test split is a fixed <paramref name="fraction"/> of this one's training images (drawn by
    /// <paramref name="seed"/>) and whose training split is the rest; normalisation is recomputed on the rest, so
    /// selecting by validation accuracy never sees this dataset's test split. Its source names the carve-out.
    /// </summary>
    public ImageDataset WithValidationSplit(double fraction, int seed)
    {
        if (!(fraction > 0 && fraction < 1)) throw new NagUserException($"validation fraction must be in (0, 1), got {fraction}");
        int n = Train.Count, held = (int)Math.Round(n * fraction);
        if (held < 1 || held >= n) throw new NagUserException($"{Source}: {n} training images cannot give a validation split of {fraction} (at least one image on each side)");
        var order = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(order);
        ImageSplit Take(IEnumerable<int> rows)
        {
            var idx = rows.Order().ToArray();
            int pixels = Train.Pixels.Length / n;
            var px = new float[idx.Length * pixels];
            for (int i = 0; i < idx.Length; i++) Array.Copy(Train.Pixels, (long)idx[i] * pixels, px, (long)i * pixels, pixels);
            return new ImageSplit(px, idx.Select(i => Train.Labels[i]).ToArray());
        }
        return new ImageDataset(string.Create(CultureInfo.InvariantCulture, $"{Source} (validation {fraction:G4} of train, seed {seed})"), Format, Channels, Size, NativeSize,
            ClassNames, Take(order.Skip(held)), Take(order.Take(held)), PixelScale);
    }

    /// <summary>
    /// Reads a dataset. <paramref name="inputSize"/> is the network input side: IDX/CSV images are zero-padded
    /// (centred) up to it, folder images resized to it. Null: the source side rounded up to a multiple of
    /// <paramref name="multiple"/> for IDX/CSV, 32 for folders.
    /// </summary>
    public static ImageDataset Load(string path, int? inputSize = null, int multiple = 4)
    {
        if (File.Exists(path))
        {
            string name = Path.GetFileName(path).ToLowerInvariant();
            if (name.EndsWith(".csv", StringComparison.Ordinal) || name.EndsWith(".csv.gz", StringComparison.Ordinal)) return LoadCsv(path, inputSize, multiple);
            throw new NagDataException($"{path}: unknown dataset file (expected a .csv or .csv.gz of pixel rows, an IDX folder or an image folder)");
        }
        if (!Directory.Exists(path)) throw new NagDataException($"{path}: dataset not found");
        var files = Directory.GetFiles(path).Select(Path.GetFileName).OfType<string>().ToArray();
        if (files.Any(f => f.Contains("idx", StringComparison.OrdinalIgnoreCase) && f.Contains("ubyte", StringComparison.OrdinalIgnoreCase)))
            return LoadIdxFolder(path, files, inputSize, multiple);
        return LoadImageFolder(path, inputSize ?? 32);
    }

    private static int PaddedSize(string source, int native, int? inputSize, int multiple)
    {
        int size = inputSize ?? (native + multiple - 1) / multiple * multiple;
        Guard.InRange(size, 1, 4096, "NetworkOptions.InputSize");
        if (size < native) throw new NagUserException($"{source}: NetworkOptions.InputSize {size} is smaller than the {native}x{native} images (they are padded, never cropped)");
        return size;
    }

    // ---------- IDX ----------

    private static ImageDataset LoadIdxFolder(string dir, string[] files, int? inputSize, int multiple)
    {
        string Find(string part, string kind)
        {
            bool IsSplit(string f) => part == "train" ? f.StartsWith("train", StringComparison.OrdinalIgnoreCase)
                : f.StartsWith("t10k", StringComparison.OrdinalIgnoreCase) || f.StartsWith("test", StringComparison.OrdinalIgnoreCase);
            var matches = files.Where(f => IsSplit(f) && f.Contains(kind, StringComparison.OrdinalIgnoreCase)).ToArray();
            if (matches.Length != 1)
                throw new NagDataException($"{dir}: expected one {part} {(kind == "idx3" ? "images" : "labels")} file (name starting with {(part == "train" ? "'train'" : "'t10k' or 'test'")} and containing '{kind}'), found {(matches.Length == 0 ? "none" : string.Join(", ", matches))}");
            return Path.Combine(dir, matches[0]);
        }
        var trainImages = ReadIdx(Find("train", "idx3"), 3);
        var trainLabels = ReadIdx(Find("train", "idx1"), 1);
        var testImages = ReadIdx(Find("test", "idx3"), 3);
        var testLabels = ReadIdx(Find("test", "idx1"), 1);
        int rows = trainImages.Dims[1], cols = trainImages.Dims[2];
        if (rows != cols) throw new NagDataException($"{trainImages.Path}: images are {rows}x{cols}; only square images are supported");
        if (testImages.Dims[1] != rows || testImages.Dims[2] != cols)
            throw new NagDataException($"{testImages.Path}: images are {testImages.Dims[1]}x{testImages.Dims[2]}, the training images {rows}x{cols}");
        foreach (var (img, lab) in new[] { (trainImages, trainLabels), (testImages, testLabels) })
            if (img.Dims[0] != lab.Dims[0]) throw new NagDataException($"{lab.Path}: {lab.Dims[0]} labels for {img.Dims[0]} images in {Path.GetFileName(img.Path)}");
        int classes = Math.Max(trainLabels.Data.Max(), testLabels.Data.Max()) + 1;
        if (classes < 2) throw new NagDataException($"{trainLabels.Path}: fewer than two classes");
        var present = trainLabels.Data.Distinct().Count();
        if (present != classes) throw new NagDataException($"{trainLabels.Path}: labels run 0..{classes - 1} but only {present} of them occur in the training split");
        int size = PaddedSize(dir, rows, inputSize, multiple);
        return new ImageDataset(dir, "idx", 1, size, rows, Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(),
            FromBytes(trainImages, trainLabels, size), FromBytes(testImages, testLabels, size), 255f);
    }

    private sealed record IdxArray(string Path, int[] Dims, byte[] Data);

    private static byte[] ReadMaybeGzip(string path)
    {
        byte[] raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b) return raw;
        byte[] data;
        try
        {
            using var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            data = ms.ToArray();
        }
        catch (InvalidDataException e) { throw new NagDataException($"{path}: corrupt gzip stream ({e.Message})"); }
        // GZipStream stops quietly where a truncated file ends, so a cut file would read as a shorter dataset. The
        // gzip trailer's last field is the uncompressed length mod 2^32: only a complete stream ends with it.
        uint expected = raw.Length >= 18 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(raw.Length - 4)) : uint.MaxValue;
        if (raw.Length < 18 || expected != unchecked((uint)data.Length))
            throw new NagDataException($"{path}: gzip stream is truncated or corrupt (it does not end with the length of its {data.Length} decompressed bytes)");
        return data;
    }

    /// <summary>Reads an IDX file of unsigned bytes with <paramref name="ndim"/> dimensions, checking the header against the file length.</summary>
    private static IdxArray ReadIdx(string path, int ndim)
    {
        byte[] b = ReadMaybeGzip(path);
        if (b.Length < 4 || b[0] != 0 || b[1] != 0)
            throw new NagDataException($"{path}: not an IDX file (bad magic {(b.Length >= 4 ? $"0x{b[0]:x2}{b[1]:x2}{b[2]:x2}{b[3]:x2}" : "(file shorter than 4 bytes)")})");
        if (b[2] != 0x08) throw new NagDataException($"{path}: IDX element type 0x{b[2]:x2} is not supported (only unsigned bytes, 0x08)");
        if (b[3] != ndim) throw new NagDataException($"{path}: IDX file has {b[3]} dimensions, expected {ndim} ({(ndim == 3 ? "images" : "labels")})");
        if (b.Length < 4 + 4 * ndim) throw new NagDataException($"{path}: IDX header is truncated");
        var dims = new int[ndim];
        long count = 1;
        for (int d = 0; d < ndim; d++)
        {
            dims[d] = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(4 + 4 * d));
            if (dims[d] <= 0) throw new NagDataException($"{path}: IDX dimension {d} is {dims[d]}");
            count *= dims[d];
            // Checked per dimension, so three 2^31 sizes cannot overflow into a count that happens to fit.
            if (count > b.Length)
                throw new NagDataException($"{path}: IDX header promises {string.Join("x", dims[..(d + 1)])} = {count} bytes of data, more than the file's {b.Length} (truncated or corrupt)");
        }
        long expected = 4 + 4L * ndim + count;
        if (b.Length != expected)
            throw new NagDataException($"{path}: IDX header promises {string.Join("x", dims)} = {count} bytes of data, the file has {b.Length - 4 - 4 * ndim} ({(b.Length < expected ? "truncated" : "trailing bytes")})");
        return new IdxArray(path, dims, b[(4 + 4 * ndim)..]);
    }

    private static ImageSplit FromBytes(IdxArray images, IdxArray labels, int size)
    {
        int n = images.Dims[0], side = images.Dims[1];
        var values = new float[(long)n * side * side];
        for (long i = 0; i < values.Length; i++) values[i] = images.Data[i] / 255f;
        return new ImageSplit(Pad(values, n, 1, side, size), labels.Data.Select(l => (int)l).ToArray());
    }

    /// <summary>Zero-pads [n, c, side, side] images centred into [n, c, size, size].</summary>
    private static float[] Pad(float[] src, int n, int channels, int side, int size)
    {
        if (side == size) return src;
        var dst = new float[(long)n * channels * size * size];
        int off = (size - side) / 2;
        for (long img = 0; img < (long)n * channels; img++)
            for (int y = 0; y < side; y++)
                Array.Copy(src, (img * side + y) * side, dst, (img * size + y + off) * size + off, side);
        return dst;
    }

    // ---------- CSV ----------

    private static ImageDataset LoadCsv(string path, int? inputSize, int multiple)
    {
        byte[] bytes = ReadMaybeGzip(path);
        using var reader = new StreamReader(new MemoryStream(bytes));
        var rows = new List<float[]>();
        var labels = new List<long>();
        int width = -1, lineNo = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            var f = line.Split(',');
            if (lineNo == 1 && !double.TryParse(f[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _)) continue; // header
            if (width < 0)
            {
                width = f.Length;
                int px = width - 1, side = (int)Math.Round(Math.Sqrt(px));
                if (px < 1 || side * side != px) throw new NagDataException($"{path}:{lineNo}: {px} pixel columns plus a label; the pixel count must be a square (one square grey image per row)");
            }
            if (f.Length != width) throw new NagDataException($"{path}:{lineNo}: {f.Length} fields, expected {width} (pixels then the label)");
            var px2 = new float[width - 1];
            for (int i = 0; i < width - 1; i++)
                if (!float.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out px2[i]) || !float.IsFinite(px2[i]) || px2[i] < 0)
                    throw new NagDataException($"{path}:{lineNo}: column {i + 1}: '{f[i]}' is not a finite non-negative pixel value");
            if (!long.TryParse(f[^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long label) || label < 0)
                throw new NagDataException($"{path}:{lineNo}: column {width} (label): '{f[^1]}' is not a non-negative integer");
            rows.Add(px2);
            labels.Add(label);
        }
        if (rows.Count == 0) throw new NagDataException($"{path}: no data rows");
        float max = rows.Max(r => r.Max());
        if (max <= 0) throw new NagDataException($"{path}: every pixel is zero");
        var classValues = labels.Distinct().Order().ToArray();
        if (classValues.Length < 2) throw new NagDataException($"{path}: fewer than two distinct labels");
        var classOf = classValues.Select((v, i) => (v, i)).ToDictionary(t => t.v, t => t.i);
        int sideN = (int)Math.Round(Math.Sqrt(width - 1));
        int size = PaddedSize(path, sideN, inputSize, multiple);
        // Deterministic stratified split: within each class, in file order, every fifth image is a test image.
        var seen = new int[classValues.Length];
        var trainIdx = new List<int>();
        var testIdx = new List<int>();
        for (int i = 0; i < rows.Count; i++)
        {
            int c = classOf[labels[i]];
            (seen[c]++ % 5 == 4 ? testIdx : trainIdx).Add(i);
        }
        ImageSplit Make(List<int> idx)
        {
            var px = new float[(long)idx.Count * sideN * sideN];
            for (int k = 0; k < idx.Count; k++)
                for (int j = 0; j < sideN * sideN; j++) px[(long)k * sideN * sideN + j] = rows[idx[k]][j] / max;
            return new ImageSplit(Pad(px, idx.Count, 1, sideN, size), idx.Select(i => classOf[labels[i]]).ToArray());
        }
        return new ImageDataset(path, "csv", 1, size, sideN, classValues.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray(), Make(trainIdx), Make(testIdx), max);
    }

    // ---------- image folder ----------

    private static ImageDataset LoadImageFolder(string dir, int size)
    {
        if (size < 1) throw new NagUserException($"NetworkOptions.InputSize must be positive, got {size}");
        string trainDir = Path.Combine(dir, "train"), testDir = Path.Combine(dir, "test");
        bool presplit = Directory.Exists(trainDir) && Directory.Exists(testDir);
        var classes = ClassFolders(presplit ? trainDir : dir);
        if (presplit)
        {
            var testClasses = ClassFolders(testDir);
            if (!testClasses.SequenceEqual(classes, StringComparer.Ordinal))
                throw new NagDataException($"{testDir}: class folders ({string.Join(", ", testClasses)}) differ from {trainDir} ({string.Join(", ", classes)})");
        }
        ImageSplit Read(IEnumerable<(string File, int Label)> items)
        {
            var list = items.ToList();
            var px = new float[(long)list.Count * 3 * size * size];
            for (int k = 0; k < list.Count; k++) DecodeInto(list[k].File, size, px, (long)k * 3 * size * size);
            return new ImageSplit(px, list.Select(t => t.Label).ToArray());
        }
        List<(string, int)> Files(string root)
        {
            var all = new List<(string, int)>();
            for (int c = 0; c < classes.Length; c++)
            {
                string folder = Path.Combine(root, classes[c]);
                var files = Directory.GetFiles(folder).Where(f => !Path.GetFileName(f).StartsWith('.')).OrderBy(f => f, StringComparer.Ordinal).ToArray();
                if (files.Length == 0) throw new NagDataException($"{folder}: class folder has no image files");
                foreach (var f in files)
                {
                    if (!ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                        throw new NagDataException($"{f}: not an image file (expected {string.Join(", ", ImageExtensions)})");
                    all.Add((f, c));
                }
            }
            return all;
        }
        ImageSplit train, test;
        if (presplit)
        {
            train = Read(Files(trainDir));
            test = Read(Files(testDir));
        }
        else
        {
            // Same rule as single-file CSVs: within each class, in file-name order, every fifth image is a test image.
            var all = Files(dir);
            var seen = new int[classes.Length];
            var tr = new List<(string, int)>();
            var te = new List<(string, int)>();
            foreach (var item in all) (seen[item.Item2]++ % 5 == 4 ? te : tr).Add(item);
            if (te.Count == 0) throw new NagDataException($"{dir}: too few images to hold out a test split (every fifth image of a class; give train/ and test/ folders instead)");
            train = Read(tr);
            test = Read(te);
        }
        return new ImageDataset(dir, "folder", 3, size, size, classes, train, test, 255f);
    }

    private static string[] ClassFolders(string dir)
    {
        var sub = Directory.GetDirectories(dir).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
        if (sub.Length == 0)
            throw new NagDataException($"{dir}: not a dataset: no IDX files, and no class sub-folders of images (expected {dir}/<class>/<image>, optionally under train/ and test/)");
        if (sub.Length < 2) throw new NagDataException($"{dir}: only one class folder ('{sub[0]}'); a classifier needs at least two");
        return sub;
    }

    private static void DecodeInto(string file, int size, float[] dst, long offset)
    {
        using var decoded = SKBitmap.Decode(file) ?? throw new NagDataException($"{file}: cannot decode image (corrupt or unsupported format)");
        using var rgba = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!decoded.ScalePixels(rgba, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None)))
            throw new NagDataException($"{file}: cannot resize image to {size}x{size}");
        var bytes = rgba.GetPixelSpan();
        int plane = size * size;
        for (int i = 0; i < plane; i++)
            for (int ch = 0; ch < 3; ch++) dst[offset + ch * plane + i] = bytes[i * 4 + ch] / 255f;
    }

    // ---------- statistics ----------

    private static (float[] Mean, float[] Std) ChannelStats(ImageSplit split, int channels, int size)
    {
        var mean = new float[channels];
        var std = new float[channels];
        int plane = size * size;
        for (int c = 0; c < channels; c++)
        {
            double s = 0, s2 = 0;
            for (int i = 0; i < split.Count; i++)
            {
                long o = ((long)i * channels + c) * plane;
                for (int j = 0; j < plane; j++) { double v = split.Pixels[o + j]; s += v; s2 += v * v; }
            }
            double n = (double)split.Count * plane, m = s / n;
            mean[c] = (float)m;
            std[c] = (float)Math.Max(1e-6, Math.Sqrt(Math.Max(0, s2 / n - m * m)));
        }
        return (mean, std);
    }

    private string ComputeFingerprint()
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var split in new[] { Train, Test })
        {
            h.AppendData(BitConverter.GetBytes(split.Count));
            h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(split.Labels.AsSpan()));
            var sample = new float[Math.Min(4096, split.Pixels.Length)];
            long step = Math.Max(1, split.Pixels.Length / Math.Max(1, sample.Length));
            for (int i = 0; i < sample.Length; i++) sample[i] = split.Pixels[i * step];
            h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(sample.AsSpan()));
        }
        return Convert.ToHexStringLower(h.GetHashAndReset())[..16];
    }
}
