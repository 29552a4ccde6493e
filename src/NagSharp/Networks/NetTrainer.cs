using System.Diagnostics;
using NagSharp.Models;
using NagSharp.Spaces;
using NagSharp.Store;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NagSharp.Networks;

/// <summary>How a network is trained: SGD with Nesterov momentum and a per-step cosine learning-rate schedule.</summary>
/// <param name="Epochs">Passes over the training split.</param>
/// <param name="Batch">Images per step.</param>
/// <param name="LearningRate">Initial learning rate (decays to 0 along a cosine).</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="WeightDecay">L2 weight decay on every parameter.</param>
/// <param name="Augment">none, crop (random shifts by up to 1/8 of the side), flip (horizontal) or crop+flip.</param>
/// <param name="Seed">Initialisation, data order and augmentation.</param>
public sealed record TrainSettings(int Epochs, int Batch = 256, double LearningRate = 0.1, double Momentum = 0.9, double WeightDecay = 5e-4,
    string Augment = "crop", int Seed = 0) : ICheckedSettings
{
    /// <summary>The accepted <see cref="Augment"/> values.</summary>
    public static readonly IReadOnlyList<string> Augmentations = ["none", "crop", "flip", "crop+flip"];

    /// <summary>Throws a user error naming the first bad field.</summary>
    public void Validate()
    {
        Guard.Positive(Epochs, "TrainSettings.Epochs");
        if (Batch < 2) throw new NagUserException($"TrainSettings.Batch must be at least 2 (batch norm needs it), got {Batch}");
        Guard.Positive(LearningRate, "TrainSettings.LearningRate");
        if (!(Momentum is >= 0 and < 1)) throw new NagUserException($"TrainSettings.Momentum must be in [0, 1), got {Momentum}");
        Guard.NonNegative(WeightDecay, "TrainSettings.WeightDecay");
        if (!Augmentations.Contains(Augment)) throw new NagUserException($"TrainSettings.Augment '{SafePath.Shorten(Augment ?? "")}' is not one of {string.Join(", ", Augmentations)}");
    }
}

/// <summary>What a trained network expects as input and where its data came from.</summary>
public sealed record DatasetInfo(string Source, string Format, int Channels, int Size, int NativeSize, IReadOnlyList<string> ClassNames,
    int TrainCount, int TestCount, float[] Mean, float[] Std, string Fingerprint)
{
    /// <summary>The description of a loaded dataset.</summary>
    public static DatasetInfo Of(ImageDataset d) => new(Path.GetFullPath(d.Source), d.Format, d.Channels, d.Size, d.NativeSize, d.ClassNames.ToArray(),
        d.Train.Count, d.Test.Count, d.Mean, d.Std, d.Fingerprint) { PixelScale = d.PixelScale };

    /// <summary>What raw pixel values were divided by (see <see cref="ImageDataset.PixelScale"/>); null in checkpoints
    /// written before it was recorded.</summary>
    public float? PixelScale { get; init; }
}

/// <summary>One epoch of the learning curve.</summary>
public sealed record EpochStats(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double Seconds, double LearningRate);

/// <summary>Progress inside an epoch.</summary>
public readonly record struct StepProgress(int Epoch, int Epochs, int Step, int Steps, double Loss, double Accuracy);

/// <summary>
/// Trains a network built from an architecture on an image dataset, one epoch at a time, and saves a checkpoint
/// (weights, optimiser state, curve) that a later run resumes from. The data order and augmentation of epoch e
/// depend only on (seed, e) and the torch RNG is used only to initialise, so a resumed run repeats exactly what
/// an uninterrupted one would have done.
/// </summary>
public sealed class NetTrainer : IDisposable
{
    /// <summary>Checkpoint kind.</summary>
    public const string Kind = "network";

    private readonly SGD _optimizer;
    private readonly List<EpochStats> _curve = [];

    /// <summary>The network being trained.</summary>
    public NetworkModule Network { get; }
    /// <summary>Its search space.</summary>
    public ISearchSpace Space { get; }
    /// <summary>Training settings.</summary>
    public TrainSettings Settings { get; }
    /// <summary>The data the network is trained on.</summary>
    public DatasetInfo Dataset { get; }
    /// <summary>Completed epochs.</summary>
    public int EpochsDone => _curve.Count;
    /// <summary>Learning curve so far.</summary>
    public IReadOnlyList<EpochStats> Curve => _curve;

    private NetTrainer(ISearchSpace space, NetworkModule net, TrainSettings settings, DatasetInfo dataset)
    {
        Space = space; Network = net; Settings = settings; Dataset = dataset;
        _optimizer = optim.SGD(net.parameters(), settings.LearningRate, momentum: settings.Momentum, weight_decay: settings.WeightDecay, nesterov: settings.Momentum > 0);
    }

    /// <summary>A fresh network for <paramref name="arch"/> shaped for <paramref name="data"/> (channels, classes, side).</summary>
    public static NetTrainer Start(ISearchSpace space, Arch arch, int? width, int? cells, ImageDataset data, TrainSettings settings)
    {
        settings.Validate();
        var builder = NetworkRegistry.Get(space);
        var options = builder.Resolve(new NetworkOptions(data.Classes, data.Channels, data.Size, width, cells));
        torch.manual_seed(settings.Seed);
        var net = builder.Build(arch, options);
        return new NetTrainer(space, net, settings, DatasetInfo.Of(data));
    }

    /// <summary>
    /// Continues the run saved at <paramref name="path"/>. The architecture, network shape, settings and data must be
    /// the ones it was started with (a resumed run is the same run); a difference is a user error naming it.
    /// </summary>
    public static NetTrainer Resume(string path, ISearchSpace space, Arch arch, int? width, int? cells, ImageDataset data, TrainSettings settings)
    {
        settings.Validate();
        var (net, ck) = NetworkCheckpoint.Load(path, space);
        try
        {
            var storedSettings = ck.Get<TrainSettings>("settings", path);
            var dataset = ck.Get<DatasetInfo>("dataset", path);
            void Same(string what, object stored, object now)
            {
                if (!Equals(stored, now)) throw new NagUserException($"{path}: cannot resume: {what} is {now}, the checkpoint was trained with {stored}");
            }
            Same("the architecture", net.Arch.ToString(), arch.ToString());
            var builder = NetworkRegistry.Get(space);
            var options = builder.Resolve(new NetworkOptions(data.Classes, data.Channels, data.Size, width, cells));
            Same("the network shape", net.Options, options);
            Same("the training settings", storedSettings, settings);
            Same("the dataset (fingerprint)", dataset.Fingerprint, data.Fingerprint);
            var trainer = new NetTrainer(space, net, settings, dataset);
            try
            {
                TorchState.LoadOptimizer(trainer._optimizer, ck.Section("optimizer", path));
            }
            catch (Exception e) when (e is not NagDataException)
            {
                trainer.Dispose();
                throw new NagDataException($"{path}: cannot restore the optimiser state ({e.Message})");
            }
            trainer._curve.AddRange(ck.Get<EpochStats[]>("curve", path));
            return trainer;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    private static double LearningRateAt(TrainSettings s, long step, long totalSteps) =>
        s.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * step / totalSteps));

    /// <summary>Trains one epoch, then evaluates on the test split; returns the epoch's row of the curve.</summary>
    public EpochStats RunEpoch(ImageDataset data, Action<StepProgress>? progress = null)
    {
        if (data.Fingerprint != Dataset.Fingerprint) throw new ArgumentException("not the dataset this trainer was created with", nameof(data));
        int epoch = EpochsDone;
        if (epoch >= Settings.Epochs) throw new InvalidOperationException("training is complete");
        var clock = Stopwatch.StartNew();
        var split = data.Train;
        int batch = Math.Min(Settings.Batch, split.Count);
        int steps = (split.Count + batch - 1) / batch;
        long total = (long)steps * Settings.Epochs;
        var rng = new Random(unchecked(Settings.Seed * 1_000_003 + epoch));
        var order = Enumerable.Range(0, split.Count).ToArray();
        rng.Shuffle(order);
        var batcher = new Batcher(data, Settings.Augment);
        Network.train();
        double lossSum = 0;
        long correct = 0, seen = 0;
        double lr = 0;
        for (int s = 0; s < steps; s++)
        {
            int from = s * batch, count = Math.Min(batch, split.Count - from);
            lr = LearningRateAt(Settings, (long)epoch * steps + s, total);
            foreach (var g in _optimizer.ParamGroups) g.LearningRate = lr;
            using var scope = NewDisposeScope();
            var (x, y) = batcher.Make(split, order.AsSpan(from, count), rng);
            _optimizer.zero_grad();
            var logits = Network.forward(x);
            var loss = nn.functional.cross_entropy(logits, y);
            loss.backward();
            TorchGc.Step(_optimizer);
            float l = loss.item<float>();
            if (!float.IsFinite(l)) throw new NagUserException($"training diverged at epoch {epoch + 1} step {s + 1} (loss {l}); lower TrainSettings.LearningRate");
            lossSum += l * count;
            correct += logits.argmax(1).eq(y).sum().item<long>();
            seen += count;
            progress?.Invoke(new StepProgress(epoch + 1, Settings.Epochs, s + 1, steps, lossSum / seen, (double)correct / seen));
        }
        var (testLoss, testAcc) = Evaluate(data, data.Test);
        var row = new EpochStats(epoch + 1, lossSum / seen, (double)correct / seen, testLoss, testAcc, clock.Elapsed.TotalSeconds, lr);
        _curve.Add(row);
        return row;
    }

    /// <summary>Mean cross-entropy and accuracy of the network (eval mode) on a split.</summary>
    public (double Loss, double Accuracy) Evaluate(ImageDataset data, ImageSplit split) => Evaluate(Network, data, split);

    /// <summary>Mean cross-entropy and accuracy of any network (eval mode) on a split of <paramref name="data"/>.</summary>
    public static (double Loss, double Accuracy) Evaluate(NetworkModule net, ImageDataset data, ImageSplit split, int batch = 500)
    {
        bool wasTraining = net.training;
        net.eval();
        var batcher = new Batcher(data, "none");
        double lossSum = 0;
        long correct = 0;
        var order = Enumerable.Range(0, split.Count).ToArray();
        using (no_grad())
            for (int from = 0; from < split.Count; from += batch)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(batch, split.Count - from);
                var (x, y) = batcher.Make(split, order.AsSpan(from, count), null);
                var logits = net.forward(x);
                lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
                correct += logits.argmax(1).eq(y).sum().item<long>();
            }
        if (wasTraining) net.train();
        return (lossSum / split.Count, (double)correct / split.Count);
    }

    /// <summary>Writes weights, optimiser state and the curve (atomically).</summary>
    public void Save(string path)
    {
        var ck = NetworkCheckpoint.Create(Space, Network, Dataset);
        ck.Set("settings", Settings);
        ck.Set("curve", _curve.ToArray());
        ck.Set("epoch", EpochsDone);
        ck.Sections["optimizer"] = TorchState.OptimizerBytes(_optimizer);
        ck.Save(path);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        Network.Dispose();
    }
}

/// <summary>
/// Assembles normalised batches on the CPU side (one tensor per batch, no per-image tensor calls), applying random
/// shifts (zero fill) and horizontal flips when asked.
/// </summary>
internal sealed class Batcher(ImageDataset data, string augment)
{
    private readonly bool _crop = augment.Contains("crop", StringComparison.Ordinal);
    private readonly bool _flip = augment.Contains("flip", StringComparison.Ordinal);
    private readonly int _shift = Math.Max(1, data.Size / 8);

    public (Tensor X, Tensor Y) Make(ImageSplit split, ReadOnlySpan<int> indices, Random? rng)
    {
        int c = data.Channels, s = data.Size, plane = s * s, img = c * plane;
        var buf = new float[indices.Length * img];
        var labels = new long[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            labels[k] = split.Labels[i];
            int dx = 0, dy = 0;
            bool flip = false;
            if (rng is not null)
            {
                if (_crop) { dx = rng.Next(-_shift, _shift + 1); dy = rng.Next(-_shift, _shift + 1); }
                if (_flip) flip = rng.Next(2) == 1;
            }
            long src = (long)i * img;
            int dst = k * img;
            for (int ch = 0; ch < c; ch++)
            {
                float mean = data.Mean[ch], inv = 1f / data.Std[ch], zero = -mean * inv;
                for (int y = 0; y < s; y++)
                {
                    int sy = y + dy;
                    for (int x = 0; x < s; x++)
                    {
                        int sx = (flip ? s - 1 - x : x) + dx;
                        float v = sy >= 0 && sy < s && sx >= 0 && sx < s ? (split.Pixels[src + ch * plane + sy * s + sx] - mean) * inv : zero;
                        buf[dst + ch * plane + y * s + x] = v;
                    }
                }
            }
        }
        return (tensor(buf, [indices.Length, c, s, s]), tensor(labels));
    }
}

/// <summary>Saves and loads trained networks: space, architecture, shape and input description in the header; weights in a section.</summary>
public static class NetworkCheckpoint
{
    /// <summary>A checkpoint holding the network's architecture, shape, dataset description and weights.</summary>
    public static Checkpoint Create(ISearchSpace space, NetworkModule net, DatasetInfo? dataset)
    {
        var ck = new Checkpoint(NetTrainer.Kind);
        ck.Set("space", space.Name);
        ck.Set("arch", net.Arch.ToString());
        ck.Set("options", net.Options);
        if (dataset is not null) ck.Set("dataset", dataset);
        ck.Sections["model"] = TorchState.ModuleBytes(net);
        return ck;
    }

    /// <summary>Rebuilds the network stored at <paramref name="path"/> with its weights (eval mode).</summary>
    public static (NetworkModule Network, Checkpoint Checkpoint) Load(string path, ISearchSpace? expectedSpace = null)
    {
        var ck = Checkpoint.Load(path, NetTrainer.Kind);
        string spaceName = ck.Get<string>("space", path);
        var space = SpaceRegistry.Get(spaceName);
        if (expectedSpace is not null && space.Name != expectedSpace.Name)
            throw new NagUserException($"{path}: the checkpoint holds a {space.Name} network, not {expectedSpace.Name}");
        Arch arch;
        try { arch = space.Parse(ck.Get<string>("arch", path)); }
        catch (ArchFormatException e) { throw new NagDataException($"{path}: checkpoint field 'arch': {e.Message}"); }
        var options = ck.Get<NetworkOptions>("options", path);
        var net = NetworkRegistry.Get(space).Build(arch, options);
        try { TorchState.LoadModule(net, ck.Section("model", path)); }
        catch (Exception e) when (e is not NagDataException)
        {
            net.Dispose();
            throw new NagDataException($"{path}: cannot restore the network weights ({e.Message})");
        }
        net.eval();
        return (net, ck);
    }
}
