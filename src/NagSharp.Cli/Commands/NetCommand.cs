using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using NagSharp.Networks;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary>Options that pick an architecture and the network shape around it, shared by the network commands.</summary>
public sealed class ArchOptions
{
    /// <summary>--space.</summary>
    public Option<string> Space { get; } = new("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
    /// <summary>--arch.</summary>
    public Option<string?> Arch { get; } = new("--arch") { Description = "Architecture string, or its key in the benchmark tables (NB201 index)" };
    /// <summary>--spec.</summary>
    public Option<string?> Spec { get; } = new("--spec") { Description = "Take space, architecture and network shape from a JSON spec written by `nag export --format json`" };
    /// <summary>--width.</summary>
    public Option<int?> Width { get; } = new("--width") { Description = "Channels of the first stage, C (default: the space's standard network, NB201 16)" };
    /// <summary>--cells.</summary>
    public Option<int?> Cells { get; } = new("--cells") { Description = "Cells per stage, N (default: the space's standard network, NB201 5)" };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command c) { c.Options.Add(Space); c.Options.Add(Arch); c.Options.Add(Spec); c.Options.Add(Width); c.Options.Add(Cells); }

    /// <summary>
    /// The space, architecture and requested shape. A spec fixes all three; --width/--cells given beside it must agree.
    /// </summary>
    public (ISearchSpace Space, Arch Arch, NetworkOptions? SpecOptions, int? Width, int? Cells) Read(CliContext ctx, ParseResult p)
    {
        if (p.GetValue(Spec) is string spec)
        {
            if (p.GetValue(Arch) is not null) throw new NagUserException("give either --arch or --spec, not both");
            var (s, a, o) = NetworkSpec.Read(spec);
            if (p.GetValue(Width) is int w && w != o.Width) throw new NagUserException($"--width {w} contradicts the spec's width {o.Width}");
            if (p.GetValue(Cells) is int n && n != o.CellsPerStage) throw new NagUserException($"--cells {n} contradicts the spec's {o.CellsPerStage} cells per stage");
            return (s, a, o, o.Width, o.CellsPerStage);
        }
        var space = SpaceRegistry.Get(p.GetValue(Space)!);
        string text = p.GetValue(Arch) ?? throw new NagUserException("--arch (or --spec) is required");
        var data = text.Trim().All(char.IsAsciiDigit) ? CliHelpers.LoadDataOrNull(space, p.GetValue(ctx.DataDir)) : null;
        var arch = CliHelpers.ResolveArch(space, text, data);
        return (space, arch, null, p.GetValue(Width), p.GetValue(Cells));
    }
}

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
        var cmd = new Command("train", "Train a network built from an architecture on an image dataset: SGD, cosine schedule, checkpoint per epoch") { outPath, seed, resume, json, threads };
        arch.AddTo(cmd);
        train.AddTo(cmd);
        cmd.SetAction(p => ctx.Guard(() =>
        {
            var (space, a, _, width, cells) = arch.Read(ctx, p);
            var settings = train.Read(p, p.GetValue(seed));
            if (p.GetValue(threads) is int t)
            {
                if (t < 1) throw new NagUserException($"--threads must be at least 1, got {t}");
                TorchSharp.torch.set_num_threads(t);
            }
            if (width is not null || cells is not null) new NetworkOptions(Width: width, CellsPerStage: cells).Validate();   // before the dataset is read and reported
            var data = train.LoadDataset(ctx, p);
            var result = Train(ctx, space, a, width, cells, data, settings, p.GetValue(outPath)!, p.GetValue(resume));
            if (p.GetValue(json)) ctx.Out.WriteLine(ResultJson(result));
            else ctx.Out.WriteLine(Summary(result));
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>What a training run produced.</summary>
    public sealed record TrainResult(ISearchSpace Space, Arch Arch, NetworkOptions Options, long Parameters, IReadOnlyList<EpochStats> Curve, string Checkpoint, double Seconds)
    {
        /// <summary>Test accuracy after the last epoch.</summary>
        public double TestAccuracy => Curve[^1].TestAccuracy;
    }

    /// <summary>Trains (or resumes) one network to the end, with progress and a checkpoint per epoch.</summary>
    public static TrainResult Train(CliContext ctx, ISearchSpace space, Arch arch, int? width, int? cells, ImageDataset data, TrainSettings settings,
        string outPath, bool resume)
    {
        var clock = Stopwatch.StartNew();
        NetTrainer trainer;
        if (resume && File.Exists(outPath))
        {
            trainer = NetTrainer.Resume(outPath, space, arch, width, cells, data, settings);
            ctx.Err.WriteLine($"resuming {outPath} after epoch {trainer.EpochsDone} of {settings.Epochs}");
        }
        else
        {
            if (resume) ctx.Err.WriteLine($"nag: note: {outPath} does not exist; starting a new run");
            trainer = NetTrainer.Start(space, arch, width, cells, data, settings);
        }
        using (trainer)
        {
            var o = trainer.Network.Options;
            ctx.Err.WriteLine($"training {space.Name} {arch} ({o.ShapeText()}, {trainer.Network.ParameterCount:N0} parameters) for {settings.Epochs} epochs, batch {settings.Batch}, lr {settings.LearningRate}");
            int startEpoch = trainer.EpochsDone;
            if (startEpoch < settings.Epochs)
            {
                int steps = (data.Train.Count + Math.Min(settings.Batch, data.Train.Count) - 1) / Math.Min(settings.Batch, data.Train.Count);
                int total = (settings.Epochs - startEpoch) * steps;
                ProgressRunner.Run(ctx, "train", report =>
                {
                    while (trainer.EpochsDone < settings.Epochs)
                    {
                        var row = trainer.RunEpoch(data, sp => report((sp.Epoch - 1 - startEpoch) * steps + sp.Step, total,
                            string.Create(CultureInfo.InvariantCulture, $"epoch {sp.Epoch}/{sp.Epochs} loss {sp.Loss:F4} acc {sp.Accuracy * 100:F1}%")));
                        trainer.Save(outPath);
                        string line = string.Create(CultureInfo.InvariantCulture,
                            $"epoch {row.Epoch}/{settings.Epochs}: train loss {row.TrainLoss:F4} acc {row.TrainAccuracy * 100:F2}%, test loss {row.TestLoss:F4} acc {row.TestAccuracy * 100:F2}%, {row.Seconds:F0} s; saved {outPath}");
                        // On a terminal the line goes above the live progress bar (stderr would tear it); in logs, to stderr.
                        if (ctx.Interactive) Spectre.Console.AnsiConsoleExtensions.MarkupLine(ctx.Console, Spectre.Console.Markup.Escape(line));
                        else ctx.Err.WriteLine(line);
                    }
                });
            }
            return new TrainResult(space, arch, o, trainer.Network.ParameterCount, trainer.Curve.ToArray(), outPath, clock.Elapsed.TotalSeconds);
        }
    }

    /// <summary>One line for the terminal.</summary>
    public static string Summary(TrainResult r) => string.Create(CultureInfo.InvariantCulture,
        $"test accuracy {r.TestAccuracy * 100:F2}% after {r.Curve.Count} epochs ({r.Space.Name} {r.Arch}, {r.Options.ShapeText()}, {r.Parameters:N0} parameters, {r.Seconds:F0} s this run); checkpoint {r.Checkpoint}");

    /// <summary>The result as one JSON object.</summary>
    public static string ResultJson(TrainResult r) => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("space", r.Space.Name);
        w.WriteString("arch", r.Arch.ToString());
        if (r.Options.Width is int width) w.WriteNumber("width", width);
        if (r.Options.CellsPerStage is int cells) w.WriteNumber("cells_per_stage", cells);
        w.WriteNumber("input_size", r.Options.InputSize);
        w.WriteNumber("parameters", r.Parameters);
        w.WriteNumber("test_accuracy", r.TestAccuracy);
        w.WriteNumber("seconds", r.Seconds);
        w.WriteString("checkpoint", r.Checkpoint);
        w.WritePropertyName("curve");
        System.Text.Json.JsonSerializer.Serialize(w, r.Curve, Json.SerializerOptions);
        w.WriteEndObject();
    });
}
