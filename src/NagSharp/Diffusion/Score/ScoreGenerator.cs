using System.Diagnostics;
using System.Text.Json.Nodes;
using NagSharp.Graphs;
using NagSharp.Models;
using NagSharp.Spaces;
using NagSharp.Store;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NagSharp.Diffusion.Score;

/// <summary>Optimisation settings of a diffusion model (nanoGPT-style: one record, defaults that work on 2 CPU cores).</summary>
/// <param name="Steps">Optimiser steps; the reference trains 250k on a GPU, a small CPU model converges in a few thousand.</param>
/// <param name="Batch">Graphs per step; 256 as in the reference.</param>
/// <param name="LearningRate">Adam peak rate; higher than the reference's 2e-5 because the run is ~100x shorter.</param>
/// <param name="Warmup">Linear warm-up steps, which keep early Adam updates from blowing up the attention.</param>
/// <param name="GradClip">Global gradient-norm clip, as in the reference.</param>
/// <param name="EmaDecay">EMA of weights used for sampling; 0.999 suits short runs (the reference's 0.9999 suits 250k steps).</param>
/// <param name="Seed">Seeds initialisation, training-set split and batches.</param>
public sealed record TrainConfig(int Steps = 3000, int Batch = 256, double LearningRate = 1e-3, int Warmup = 200,
    double GradClip = 1.0, double EmaDecay = 0.999, int Seed = 0) : ICheckedSettings
{
    /// <summary>Throws a user error for values that cannot train.</summary>
    public void Validate()
    {
        Guard.Positive(Steps, "TrainConfig.Steps");
        Guard.InRange(Batch, 1, 1 << 20, "TrainConfig.Batch");
        if (Warmup < 0) throw new NagUserException($"TrainConfig.Warmup must be zero or positive, got {Warmup}");
        Guard.Positive(LearningRate, "TrainConfig.LearningRate");
        Guard.Positive(GradClip, "TrainConfig.GradClip");
        if (!(EmaDecay is >= 0 and < 1)) throw new NagUserException($"TrainConfig.EmaDecay must be in [0, 1), got {EmaDecay}");
    }

    /// <summary>Learning rate after linear warm-up.</summary>
    public double RateAt(int step) => Warmup == 0 ? LearningRate : LearningRate * Math.Min(1.0, (step + 1) / (double)Warmup);
}

/// <summary>Sampler settings.</summary>
/// <param name="Kind"><c>pc</c>: predictor-corrector (reverse Euler-Maruyama + Langevin); <c>ode</c>: probability-flow ODE (Euler).</param>
/// <param name="Steps">Discretisation steps of [epsilon, 1]; the reference uses 1,000.</param>
/// <param name="Snr">Langevin corrector signal-to-noise ratio (reference 0.16).</param>
/// <param name="CorrectorSteps">Langevin steps per predictor step (0 disables the corrector).</param>
public sealed record SamplerConfig(string Kind = "pc", int Steps = 50, double Snr = 0.16, int CorrectorSteps = 1) : ICheckedSettings
{
    /// <summary>Throws a user error for an unusable sampler.</summary>
    public void Validate()
    {
        if (Kind is not ("pc" or "ode")) throw new NagUserException($"unknown sampler '{Kind}' (expected pc or ode)");
        Guard.Positive(Steps, "SamplerConfig.Steps");
        Guard.Positive(Snr, "SamplerConfig.Snr");
        if (CorrectorSteps < 0) throw new NagUserException($"SamplerConfig.CorrectorSteps must be zero or positive, got {CorrectorSteps}");
    }
}

/// <summary>Something that adds a gradient to the score while sampling (classifier guidance).</summary>
public interface IGuidance
{
    /// <summary>Returns the guidance term to add to <paramref name="score"/>, [B, N, F], for x [B, N, F] at time t.</summary>
    Tensor Gradient(Tensor x, double t, Tensor score);
}

/// <summary>Progress of a training run.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Total">Steps planned.</param>
/// <param name="Loss">Running mean loss.</param>
public readonly record struct TrainProgress(int Step, int Total, double Loss);

/// <summary>
/// DiffusionNAG's generator: a score network trained by denoising score matching under a continuous SDE,
/// with an EMA copy for sampling. Holds what a checkpoint holds: configs, weights, EMA, optimiser, step,
/// RNG state and the training set (for novelty).
/// </summary>
public sealed class ScoreGenerator : TrainedGenerator<ScoreNetwork>
{
    /// <summary>Checkpoint kind.</summary>
    public const string Kind = "score-generator";

    /// <summary>Noise process.</summary>
    public SdeConfig SdeConfig { get; }
    /// <summary>Network size.</summary>
    public NetworkConfig Network { get; }
    /// <summary>Architectures the generator was trained on (string forms).</summary>
    public IReadOnlyList<string> TrainingSet { get; }
    /// <summary>The SDE.</summary>
    public Sde Sde { get; }
    /// <summary>Entries pinned to their clean value (slots of the edge-token view that cannot hold a symbol); null when
    /// none are, or for a checkpoint trained before pins existed (it samples as it was trained).</summary>
    public SymbolPins? Pins { get; }
    /// <summary>True when the network also reads its own estimate of the clean graph (self-conditioning, see
    /// <see cref="ScoreNetwork"/>); false for checkpoints trained before it existed.</summary>
    public bool SelfCondition { get; }

    /// <summary>
    /// On a free topology (the edge-token view), when true (the default) <see cref="Decode"/> picks each node's inputs
    /// jointly, as the discrete engine's last step does (<see cref="InDegreeProjection"/>), with the sampled
    /// <c>&lt;edge&gt;</c> minus <c>&lt;no-edge&gt;</c> value of each token as its log-odds; false thresholds every token on
    /// its own (DiffusionNAG's rule). Node symbols are read by DiffusionNAG's rule either way, except that, when true, a
    /// symbol none of whose data in-degrees fits among the node's possible parents gives way to the sample's next largest
    /// entry that fits (<see cref="InDegreeProjection.Admits"/>). Not stored: a decoding choice.
    /// </summary>
    public bool InDegreeDecoding { get; set; } = true;

    /// <summary>
    /// On a free topology, when true (the default) <see cref="Decode"/> reads the symbols of node slots that the training
    /// graphs always fill together (<see cref="CoupledSlots"/>, e.g. a state's input and output slots) as one choice among
    /// the combinations those graphs show, the one nearest the sample, and gives a slot every training graph fills its
    /// largest entry when no single entry is above 0.5 after rescaling; false reads every slot on its own. Not stored.
    /// </summary>
    public bool CoupledSlotDecoding { get; set; } = true;

    private InDegreeProjection? _projection;   // built from the training set on first use
    private CoupledSlots? _coupled;            // likewise

    /// <summary>Creates an untrained generator.</summary>
    /// <remarks>A space whose topology varies is diffused through its <see cref="EdgeTokenSpace"/> view, which
    /// <see cref="TrainedGenerator{TNet}.Space"/> then is.</remarks>
    public ScoreGenerator(ISearchSpace space, SdeConfig sde, NetworkConfig network, TrainConfig train, IReadOnlyList<string> trainingSet, bool selfCondition = false)
        : this(EdgeTokenSpace.ForScoreEngine(space), sde, network, train, trainingSet, pinned: true, selfCondition) { }

    private ScoreGenerator(ISearchSpace fixedSpace, SdeConfig sde, NetworkConfig network, TrainConfig train, IReadOnlyList<string> trainingSet, bool pinned, bool selfCondition)
        : base(fixedSpace, train, () => new ScoreNetwork(network, fixedSpace.MaxNodes, fixedSpace.NodeVocabulary.Count, fixedSpace.FixedAdjacency!, selfCondition))
    {
        SdeConfig = sde; Network = network; TrainingSet = trainingSet; SelfCondition = selfCondition;
        Sde = sde.Create();
        Pins = pinned ? SymbolPins.For(fixedSpace) : null;
    }

    /// <inheritdoc />
    protected override void DisposeEngine() => Pins?.Dispose();

    /// <summary>
    /// Trains until <see cref="TrainConfig.Steps"/> (resuming from <see cref="TrainedGenerator{TNet}.Step"/>). Each step draws a batch from
    /// the training set, noises it at t ~ U(epsilon, 1) and regresses the noise (denoising score matching).
    /// </summary>
    public void TrainToEnd(Action<TrainProgress>? progress = null, CancellationToken cancel = default, Action<int>? checkpoint = null, int checkpointEvery = 0)
    {
        var archs = TrainingSet.Select(Space.Parse).ToArray();
        using var data = GraphCodec.Encode(Space, archs);   // [M, N, F]
        long m = data.shape[0];
        // Row weights of the loss (mean 1): the edge-token view weighs node slots and edge tokens equally as groups.
        using var rowWeights = Space is EdgeTokenSpace tokens ? tensor(tokens.LossRowWeights()).view(1, -1, 1) : ones(1, 1, 1);   // [1, N, 1]
        RunTraining(() =>
        {
            var idx = randint(m, [Train.Batch]);                                                   // [B]
            var x0 = data.index_select(0, idx);                                                     // [B, N, F]
            var t = rand(Train.Batch) * (1 - Sde.Epsilon) + Sde.Epsilon;                            // [B]
            var (xt, z) = Sde.ApplyNoise(x0, t);
            if (Pins is not null) xt = Pins.Pin(xt, Sde.MeanCoefficient(t).view(-1, 1, 1));
            Tensor? clean = null;
            if (SelfCondition)
            {
                // Half of the graphs see the network's own first estimate (no gradient through it), half see none, so
                // the network serves both the first sampling step and the later ones.
                using (no_grad()) clean = EstimateClean(xt, Model.Predict(xt, t, null), t);
                clean = clean * (rand(Train.Batch) < 0.5).to_type(ScalarType.Float32).view(-1, 1, 1);   // [B, N, F]
            }
            var err = (Model.Predict(xt, t, clean) - z).square() * rowWeights;                         // [B, N, F]
            return Pins is null ? err.mean() : Pins.FreeMean(err);
        }, progress, checkpoint, checkpointEvery, cancel);
    }

    /// <summary>The clean graph implied by x_t and a noise prediction: (x_t - std(t) z_hat) / mean(t), clipped to the
    /// data range [-1, 1], pinned entries at -1. xt, zHat [B, N, F], t [B] -&gt; [B, N, F].</summary>
    private Tensor EstimateClean(Tensor xt, Tensor zHat, Tensor t)
    {
        var shape = Sde.BroadcastShape(xt, t);
        var x0 = ((xt - zHat * Sde.Std(t).view(shape)) / Sde.MeanCoefficient(t).view(shape)).clamp(-1, 1);   // [B, N, F]
        return Pins is null ? x0 : Pins.Pin(x0, 1.0);
    }

    /// <summary>Score of the EMA network: -z_hat(x, t) / std(t). x [B, N, F] -&gt; [B, N, F]. A self-conditioned network
    /// reads no clean estimate here (see <see cref="Score(Tensor, double, Tensor?, out Tensor?)"/>).</summary>
    public Tensor Score(Tensor x, double t) => Score(x, t, null, out _);

    /// <summary>Score of the EMA network given the previous clean estimate <paramref name="clean"/> [B, N, F] (null:
    /// none); <paramref name="nextClean"/> is this evaluation's estimate for the next one, null when the network is not
    /// self-conditioned.</summary>
    public Tensor Score(Tensor x, double t, Tensor? clean, out Tensor? nextClean)
    {
        using var _ = no_grad();
        var tb = full(x.shape[0], t, dtype: ScalarType.Float32);
        var zHat = Ema.Predict(x, tb, clean);                                   // [B, N, F]
        nextClean = SelfCondition ? EstimateClean(x, zHat, tb) : null;
        var score = zHat * (-1.0 / Sde.Std(t));
        return Pins is null ? score : Pins.Free(score);
    }

    /// <summary>
    /// Draws <paramref name="n"/> samples [n, N, F] (data scale, {-1, +1} ideally) with the chosen sampler, adding
    /// <paramref name="guidance"/>'s gradient to the score in every predictor and corrector step.
    /// </summary>
    public Tensor Sample(int n, SamplerConfig sampler, int seed, IGuidance? guidance = null)
    {
        sampler.Validate();
        torch.manual_seed(seed);
        Ema.eval();
        using var outer = NewDisposeScope();   // owns every intermediate; only the result leaves
        int nodes = Space.MaxNodes, f = Space.NodeVocabulary.Count;
        var x = randn(n, nodes, f) * Sde.PriorStd;                                   // [B, N, F]
        if (Pins is not null) x = Pins.Pin(x, Sde.MeanCoefficient(1.0));
        Tensor? xMean = null;
        Tensor? clean = null;   // self-conditioning: the network's latest clean estimate, carried across steps
        double dt = (1 - Sde.Epsilon) / sampler.Steps;
        for (int i = 0; i < sampler.Steps; i++)
        {
            double t = 1 - i * dt;
            using var scope = NewDisposeScope();
            var cleanBefore = clean;
            Tensor Guided(Tensor xs)
            {
                var s = Score(xs, t, clean, out var next);
                clean = next;
                if (guidance is null) return s;
                var guided = s + guidance.Gradient(xs, t, s);
                return Pins is null ? guided : Pins.Free(guided);
            }
            // Noise on the free entries only: pinned entries do not diffuse.
            Tensor Noise(Tensor like) => Pins is null ? randn_like(like) : Pins.Free(randn_like(like));
            // Pinned entries follow the noised mean of their clean value -1 to the next time.
            Tensor Repin(Tensor xs) => Pins is null ? xs : Pins.Pin(xs, Sde.MeanCoefficient(Math.Max(t - dt, Sde.Epsilon)));
            var cur = x;
            if (sampler.Kind == "pc")
            {
                for (int c = 0; c < sampler.CorrectorSteps; c++)
                {
                    // Langevin corrector: step size set so the update has the requested signal-to-noise ratio.
                    var grad = Guided(cur);
                    var noise = Noise(cur);
                    double gradNorm = grad.reshape(n, -1).norm(1).mean().item<float>();
                    double noiseNorm = noise.reshape(n, -1).norm(1).mean().item<float>();
                    double step = 2 * Sde.CorrectorAlpha(t, dt) * Math.Pow(sampler.Snr * noiseNorm / Math.Max(gradNorm, 1e-12), 2);
                    cur = cur + grad * step + noise * Math.Sqrt(2 * step);
                }
                // Reverse Euler-Maruyama predictor.
                double g = Sde.Diffusion(t);
                var drift = Sde.Drift(cur, t) - Guided(cur) * (g * g);
                var mean = Repin(cur - drift * dt);
                var next = Repin(mean + Noise(cur) * (g * Math.Sqrt(dt)));
                xMean?.Dispose();
                xMean = mean.MoveToOuterDisposeScope();
                next.MoveToOuterDisposeScope();
                x.Dispose();
                x = next;
            }
            else
            {
                // Probability-flow ODE, Euler step: dx = [f - g^2 score / 2] dt.
                double g = Sde.Diffusion(t);
                var drift = Sde.Drift(cur, t) - Guided(cur) * (0.5 * g * g);
                var next = Repin(cur - drift * dt);
                next.MoveToOuterDisposeScope();
                x.Dispose();
                x = next;
            }
            if (clean is not null && !ReferenceEquals(clean, cleanBefore))
            {
                clean.MoveToOuterDisposeScope();
                cleanBefore?.Dispose();
            }
        }
        // PC ends with noise removal: the last predictor step's mean. The ODE has no noise to remove.
        var result = xMean ?? x;
        if (Pins is not null) result = Pins.Pin(result, 1.0);   // clean: pinned entries at exactly -1
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Decodes samples [B, N, F] of <see cref="Sample"/> into architectures (see <see cref="InDegreeDecoding"/>
    /// and <see cref="CoupledSlotDecoding"/>).</summary>
    public DecodedSample[] Decode(Tensor samples)
    {
        if (Space is not EdgeTokenSpace tokens || (!InDegreeDecoding && !CoupledSlotDecoding)) return GraphCodec.Decode(Space, samples);
        var graphs = new Lazy<List<ArchGraph>>(() => TrainingSet.Select(a => tokens.Inner.Encode(tokens.Parse(a))).ToList());
        int n = tokens.Inner.MaxNodes, v = tokens.Inner.NodeVocabulary.Count;
        if (InDegreeDecoding) _projection ??= new InDegreeProjection(graphs.Value, v, n);
        if (CoupledSlotDecoding) _coupled ??= new CoupledSlots(graphs.Value, n);
        var x = GraphCodec.ToArray(samples);
        int stride = Space.MaxNodes * Space.NodeVocabulary.Count;
        for (int b = 0; b < x.Length / stride; b++)
        {
            var rows = new SampleRows(x, b * stride, Space.NodeVocabulary.Count, tokens);
            if (CoupledSlotDecoding) ReadSlots(rows, _coupled!);
            if (InDegreeDecoding) ProjectEdges(rows, _projection!);
        }
        return GraphCodec.Decode(Space, x);
    }

    /// <summary>One sample's rows in the flat array of a batch [B, N, F]: node slots and edge tokens of the inner space.</summary>
    private readonly record struct SampleRows(float[] X, int Offset, int F, EdgeTokenSpace Tokens)
    {
        public int Nodes => Tokens.Inner.MaxNodes;
        public int Symbols => Tokens.Inner.NodeVocabulary.Count;
        public int Node(int node) => Offset + Tokens.NodeSlot(node) * F;
        public int Token(int i, int j) => Offset + Tokens.TokenSlot(i, j) * F;
        public void WriteSymbol(int node, int symbol)   // as a clean code, so the final decoding reads it
        {
            int row = Node(node);
            for (int k = 0; k < Symbols; k++) X[row + k] = k == symbol ? 1f : -1f;
        }
        // The symbol's entry to 1 and every other below 0 in the same order, so the next choice still sees the runners-up.
        public void Elect(int node, int symbol)
        {
            int row = Node(node);
            for (int k = 0; k < Symbols; k++) X[row + k] = k == symbol ? 1f : -1f / (1f + MathF.Exp(X[row + k]));   // into (-1, 0)
        }
        public double EdgeLogOdds(int i, int j) { int row = Token(i, j); return X[row + Tokens.EdgeSymbol] - X[row + Tokens.NoEdgeSymbol]; }
    }

    // Slots every training graph fills take their largest entry when undecided; coupled slots take the nearest tuple.
    private static void ReadSlots(SampleRows rows, CoupledSlots coupled)
    {
        for (int node = 0; node < rows.Nodes; node++)
        {
            if (!coupled.AlwaysFilled[node]) continue;
            int row = rows.Node(node), arg = 0, above = 0;
            for (int k = 0; k < rows.Symbols; k++)
            {
                if (rows.X[row + k] > 0f) above++;
                if (rows.X[row + k] > rows.X[row + arg]) arg = k;
            }
            if (above != 1) rows.Elect(node, arg);
        }
        for (int g = 0; g < coupled.Groups.Count; g++)
        {
            var tuple = coupled.Nearest(g, (node, symbol) => rows.X[rows.Node(node) + symbol]);
            for (int m = 0; m < tuple.Length; m++) rows.Elect(coupled.Groups[g][m], tuple[m]);
        }
    }

    // Symbols by DiffusionNAG's rule, a symbol no data in-degree fits replaced, then every edge token from the projection.
    private static void ProjectEdges(SampleRows rows, InDegreeProjection projection)
    {
        int n = rows.Nodes;
        var symbols = new int[n];   // -1: absent or undecided (no single entry above 0.5 after rescaling), no edges
        for (int node = 0; node < n; node++)
        {
            int row = rows.Node(node), arg = -1;
            for (int k = 0; k < rows.Symbols && arg != -2; k++)
                if (rows.X[row + k] > 0f) arg = arg >= 0 ? -2 : k;
            symbols[node] = Math.Max(arg, -1);
        }
        projection.AdmitSymbols(symbols, rows.Symbols, (node, k) => rows.X[rows.Node(node) + k], rows.WriteSymbol);
        var edges = projection.Project(symbols, rows.EdgeLogOdds);
        for (int j = 0; j < n; j++)
        {
            if (symbols[j] < 0) continue;   // the sample's own tokens stay: its decoding reports the node
            for (int i = 0; i < j; i++)
            {
                int row = rows.Token(i, j);
                (rows.X[row + rows.Tokens.EdgeSymbol], rows.X[row + rows.Tokens.NoEdgeSymbol]) = edges[i, j] ? (1f, -1f) : (-1f, 1f);
            }
        }
    }

    /// <summary>Writes model, EMA, optimiser, step, RNG state, configs and training set to one file.</summary>
    public void Save(string path)
    {
        var ck = NewCheckpoint(Kind);
        ck.Set("sde", SdeConfig);
        ck.Set("network", Network);
        ck.Set("train", Train);
        ck.Set("training_set", TrainingSet);
        ck.Set("symbol_pins", Pins is not null);
        ck.Set("self_condition", SelfCondition);
        SaveCheckpoint(ck, path);
    }

    /// <summary>Loads a generator checkpoint with <paramref name="overrideTrain"/> in place of its stored training config.</summary>
    public static ScoreGenerator Load(string path, TrainConfig overrideTrain) => Load(path, _ => overrideTrain);

    /// <summary>Loads a generator checkpoint (weights, EMA, optimiser, step, RNG state) so training resumes; the file is read
    /// once, and <paramref name="adjustTrain"/> may change the stored training config (e.g. more steps when resuming).</summary>
    public static ScoreGenerator Load(string path, Func<TrainConfig, TrainConfig>? adjustTrain = null)
    {
        var ck = Checkpoint.Load(path, Kind);
        var space = SpaceRegistry.Get(ck.Get<string>("space", path));
        return Restore(new ScoreGenerator(EdgeTokenSpace.ForScoreEngine(space), ck.Get<SdeConfig>("sde", path), ck.Get<NetworkConfig>("network", path),
            (adjustTrain ?? (t => t))(ck.Get<TrainConfig>("train", path)), ck.Get<List<string>>("training_set", path),
            pinned: ck.Header.ContainsKey("symbol_pins") && ck.Get<bool>("symbol_pins", path),
            selfCondition: ck.Header.ContainsKey("self_condition") && ck.Get<bool>("self_condition", path)), ck, path);
    }
}
