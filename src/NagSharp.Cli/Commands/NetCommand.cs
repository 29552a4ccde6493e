using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using NagSharp.Networks;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag net train</c>: trains a network built from an architecture on a real image dataset.</summary>
public static class NetCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CliContext ctx) => new("net", "Build networks from architectures and train them on images") { TrainCommandOf(ctx) };

    /// <summary>Options of a training run, shared with <c>nag generate --train-best</c> (which prefixes them with
    /// <c>--train-</c>, since <c>--batch</c> means the sampler batch there).</summary>
    public sealed class TrainOptions(string prefix = "--")
    {
        /// <summary>--dataset (never prefixed).</summary>
        public Option<string?> Dataset { get; } = new("--dataset") { Description = "IDX folder (MNIST/Fashion-MNIST), CSV(.gz) of pixel rows with the label last, or a folder with one sub-folder of images per class" };
        /// <summary>--epochs.</summary>
        public Option<int> Epochs { get; } = new(prefix + "epochs") { Description = "Training epochs", DefaultValueFactory = _ => 5 };
        /// <summary>--batch.</summary>
        public Option<int> Batch { get; } = new(prefix + "batch") { Description = "Images per SGD step", DefaultValueFactory = _ => 256 };
        /// <summary>--lr.</summary>
        public Option<double> Lr { get; } = new(prefix + "lr") { Description = "Initial learning rate (cosine decay to 0 over the run)", DefaultValueFactory = _ => 0.1 };
        /// <summary>--momentum.</summary>
        public Option<double> Momentum { get; } = new(prefix + "momentum") { Description = "Nesterov momentum", DefaultValueFactory = _ => 0.9 };
        /// <summary>--weight-decay.</summary>
        public Option<double> WeightDecay { get; } = new(prefix + "weight-decay") { Description = "L2 weight decay", DefaultValueFactory = _ => 5e-4 };
        /// <summary>--augment.</summary>
        public Option<string> Augment { get; } = new(prefix + "augment") { Description = "none, crop (random shifts up to 1/8 of the side), flip (horizontal; not for digits or text) or crop+flip", DefaultValueFactory = _ => "crop" };
        /// <summary>--input-size.</summary>
        public Option<int?> InputSize { get; } = new(prefix + "input-size") { Description = "Network input side: IDX/CSV images are zero-padded to it, folder images resized (default: the image side rounded up to a multiple of 4; 32 for folders)" };

        /// <summary>Adds the options to a command.</summary>
        public void AddTo(Command c)
        {
            foreach (var o in new Option[] { Dataset, Epochs, Batch, Lr, Momentum, WeightDecay, Augment, InputSize }) c.Options.Add(o);
        }

        /// <summary>The settings.</summary>
        public TrainSettings Read(ParseResult p, int seed)
        {
            var s = new TrainSettings(p.GetValue(Epochs), p.GetValue(Batch), p.GetValue(Lr), p.GetValue(Momentum), p.GetValue(WeightDecay), p.GetValue(Augment)!, seed);
            s.Validate();
            return s;
        }

        /// <summary>Loads the dataset named by --dataset.</summary>
        public ImageDataset LoadDataset(CliContext ctx, ParseResult p)
        {
            string path = p.GetValue(Dataset) ?? throw new NagUserException("--dataset is required");
            var clock = Stopwatch.StartNew();
            var data = ImageDataset.Load(path, p.GetValue(InputSize));
            ctx.Err.WriteLine($"dataset {path}: {data.Format}, {data.Train.Count:N0} train / {data.Test.Count:N0} test images, {data.Classes} classes, " +
                $"{data.Channels}x{data.NativeSize}x{data.NativeSize} -> {data.Size}x{data.Size} ({clock.Elapsed.TotalSeconds:F1} s)");
            return data;
        }
    }

    private static Command TrainCommandOf(CliContext ctx)
    {
        var arch = new ArchOptions();
        var train = new TrainOptions();
        var outPath = new Option<string>("--out") { Description = "Checkpoint, written after every epoch", Required = true };
        var seed = new Option<int>("--seed") { Description = "Random seed (initialisation, data order, augmentation)", DefaultValueFactory = _ => 0 };
        var resume = new Option<bool>("--resume") { Description = "Continue the run saved at --out (same architecture, shape, settings and data)" };
        var json = new Option<bool>("--json") { Description = "Print the result (curve, test accuracy) as JSON" };
        var threads = new Option<int?>("--threads") { Description = "Torch intra-op threads (default: one per core)" };
        var store = StoreOption.Create(description: StoreOption.Description + ": record the finished training (settings, per-epoch metrics)");
        var cmd = new Command("train", "Train a network built from an architecture on an image dataset: SGD, cosine schedule, checkpoint per epoch") { outPath, seed, resume, json, threads, store };
        arch.AddTo(cmd);
        train.AddTo(cmd);
        cmd.SetAction(p => ctx.Guard(() =>
        {
            AtomicFile.RequireWritableFile(p.GetValue(outPath)!, "--out");   // before any work
            var (space, a, _, width, cells) = arch.Read(ctx, p);
            var settings = train.Read(p, p.GetValue(seed));
            if (p.GetValue(threads) is int t)
            {
                if (t < 1) throw new NagUserException($"--threads must be at least 1, got {t}");
                TorchSharp.torch.set_num_threads(t);
            }
            if (width is not null || cells is not null) new NetworkOptions(Width: width, CellsPerStage: cells).Validate();   // before the dataset is read and reported
            var data = train.LoadDataset(ctx, p);
            var result = Train(ctx, space, a, width, cells, data, settings, p.GetValue(outPath)!, p.GetValue(resume), p.GetValue(store));
            ctx.Out.WriteLine(p.GetValue(json) ? JsonSerializer.Serialize(TrainJson.Of(result), Json.SerializerOptions) : result.Summary());
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>Trains (or resumes) one network to the end, rendering the library's progress.</summary>
    public static NetworkTrainingResult Train(CliContext ctx, ISearchSpace space, Arch arch, int? width, int? cells, ImageDataset data, TrainSettings settings,
        string outPath, bool resume, string? store = null) =>
        ProgressRunner.Observe(ctx, progress => NetworkTraining.Run(space, arch, width, cells, data, settings, outPath, resume, progress, store));

    /// <summary>The JSON form of a training run.</summary>
    private sealed record TrainJson(string Space, string Arch,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Width,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? CellsPerStage,
        int InputSize, long Parameters, double TestAccuracy, double Seconds, string Checkpoint, IReadOnlyList<EpochStats> Curve)
    {
        public static TrainJson Of(NetworkTrainingResult r) => new(r.Space.Name, r.Arch.ToString(), r.Options.Width, r.Options.CellsPerStage, r.Options.InputSize,
            r.Parameters, r.TestAccuracy, r.Seconds, r.Checkpoint, r.Curve);
    }
}
