using NagSharp.Diffusion;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NagSharp.Search;

/// <summary>Size and training of the surrogate ensemble used by the Bayesian-optimisation strategies.</summary>
/// <param name="Members">Independently initialised MLPs; BANANAS uses 5, the minimum for a usable spread.</param>
/// <param name="Hidden">Width of each hidden layer; the inputs are a few dozen one-hot features.</param>
/// <param name="Layers">Hidden layers per member.</param>
/// <param name="FitSteps">Full-batch Adam steps of the first fit; later fits start from the previous weights.</param>
/// <param name="RefitSteps">Steps of each later fit (warm start: the data grows by a few points per round).</param>
/// <param name="LearningRate">Adam rate; full-batch training on at most a few hundred points tolerates a high rate.</param>
/// <param name="WeightDecay">L2 penalty, which keeps members from interpolating the noise of single-seed accuracies.</param>
/// <param name="TimeDim">Width of the noise-level embedding of noise-aware ensembles.</param>
/// <param name="Encoding">Inputs: <c>onehot</c> (node one-hots, plus adjacency bits when the topology varies), <c>paths</c>
/// (BANANAS' path encoding, <see cref="PathEncoding"/>), <c>hist</c> (order-free node and edge symbol counts,
/// <see cref="TypeHistogram"/>), or one-hots plus either (<c>onehot+paths</c>, <c>onehot+hist</c>); the path forms fall back
/// to one-hots when the space has no usable path encoding. <c>onehot+costs</c> adds the space's analytic costs through
/// <see cref="CostProxy"/> (a linear map of the one-hots, so guidance can differentiate it). One-hots are the default: on NB201 CIFAR-10 the path forms found the optimum no
/// sooner (20 BANANAS runs, budget 100: 67.2 queries with one-hots, 71.5 paths, 71.3 both; 12 generator-BO runs: 70.2 vs
/// 77.5 with both) and cost 1.5x the time.</param>
public sealed record EnsembleConfig(int Members = 5, int Hidden = 64, int Layers = 2, int FitSteps = 200, int RefitSteps = 50,
    double LearningRate = 5e-3, double WeightDecay = 1e-4, int TimeDim = 16, string Encoding = "onehot")
{
    /// <summary>Throws a user error for an unusable ensemble.</summary>
    public void Validate()
    {
        if (Members < 2) throw new NagUserException($"an ensemble needs at least 2 members, got {Members}");
        if (Hidden < 1 || Layers < 1 || FitSteps < 1 || RefitSteps < 0 || TimeDim < 2)
            throw new NagUserException($"ensemble sizes must be positive: {this}");
        if (LearningRate <= 0 || !double.IsFinite(LearningRate)) throw new NagUserException($"ensemble learning rate must be positive, got {LearningRate}");
        if (!Encodings.Contains(Encoding)) throw new NagUserException($"unknown surrogate encoding '{Encoding}' (expected {string.Join(", ", Encodings)})");
    }

    /// <summary>Known input encodings.</summary>
    public static readonly IReadOnlyList<string> Encodings = ["onehot", "paths", "onehot+paths", "hist", "onehot+hist", "onehot+costs"];
}

/// <summary>
/// K MLPs evaluated as one batched network: weights are [K, in, out] and every layer is one batched matrix product,
/// so an ensemble costs about as many tensor calls as a single member (the CPU pays per call, not per member).
/// </summary>
public sealed class BatchedMlp : Module<Tensor, Tensor>
{
    private readonly ParameterList weights = new(), biases = new();

    /// <summary>Creates K members mapping <paramref name="inputs"/> features through the hidden layers to one output.</summary>
    public BatchedMlp(int members, int inputs, int hidden, int layers) : base("batched_mlp")
    {
        int fanIn = inputs;
        for (int l = 0; l <= layers; l++)
        {
            int fanOut = l == layers ? 1 : hidden;
            double bound = 1.0 / Math.Sqrt(fanIn);   // PyTorch's Linear default, per member
            weights.Add(new Parameter((rand(members, fanIn, fanOut) * 2 - 1) * bound));
            biases.Add(new Parameter((rand(members, 1, fanOut) * 2 - 1) * bound));
            fanIn = fanOut;
        }
        RegisterComponents();
    }

    /// <summary>Members.</summary>
    public long Members => weights[0].shape[0];

    /// <summary>x [B, D] (shared by all members) or [K, B, D] -&gt; [K, B].</summary>
    public override Tensor forward(Tensor x)
    {
        var h = x.dim() == 2 ? x.unsqueeze(0).expand(Members, -1, -1) : x;   // [K, B, D]
        for (int l = 0; l < weights.Count; l++)
        {
            h = bmm(h, weights[l]) + biases[l];                                // [K, B, out]
            if (l < weights.Count - 1) h = nn.functional.relu(h);
        }
        return h.squeeze(-1);                                               // [K, B]
    }
}

/// <summary>
/// Ensemble surrogate of an objective over a search space (BANANAS-style). Inputs are the space's graph encoding:
/// node one-hots in the score engine's {-1, +1} scale (so the generator's x_t can be fed as is) followed, for spaces
/// whose topology varies, by the upper-triangular adjacency bits. A noise-aware ensemble also sees the noise level and
/// is trained on inputs noised by the generator's SDE, which makes its gradient usable as guidance at every step.
/// Targets are in model units (the caller standardises them); the ensemble's spread is the uncertainty.
/// </summary>
public sealed class EnsembleSurrogate : IDisposable
{
    private readonly ISearchSpace _space;
    private readonly Sde? _sde;
    private readonly int _nodeFeatures;
    private readonly PathEncoding? _paths;
    private readonly TypeHistogram? _hist;
    private readonly CostProxy? _costs;
    private readonly bool _oneHots;
    private readonly Adam _optimizer;
    private bool _fitted;
    private Tensor? _upper;

    /// <summary>The members.</summary>
    public BatchedMlp Model { get; }
    /// <summary>Settings.</summary>
    public EnsembleConfig Config { get; }
    /// <summary>Raw inputs per architecture (what <see cref="Features"/> returns and the generator's x_t is in): node
    /// one-hots, plus adjacency bits when the topology varies.</summary>
    public int FeatureCount { get; }
    /// <summary>True when the inputs include adjacency bits (the space's topology varies).</summary>
    public bool HasEdgeFeatures => FeatureCount > _nodeFeatures;
    /// <summary>The path encoding computed from the node one-hots inside <see cref="Forward"/>, or null when not used.</summary>
    public PathEncoding? Paths => _paths;
    /// <summary>Inputs of the MLP per architecture (without the noise embedding): the one-hots and/or the path features.</summary>
    public int ModelInputs { get; }
    /// <summary>True when the ensemble is trained on noised inputs and can guide a score generator.</summary>
    public bool NoiseAware => _sde is not null;

    /// <summary>Creates an untrained ensemble; <paramref name="sde"/> makes it noise-aware.</summary>
    public EnsembleSurrogate(ISearchSpace space, EnsembleConfig config, int seed, Sde? sde = null)
    {
        config.Validate();
        if (sde is not null && space.FixedAdjacency is null)
            throw new NagUserException($"a noise-aware surrogate needs a fixed-topology space (the score engine's); {space.Name} is not");
        _space = space; _sde = sde; Config = config;
        _nodeFeatures = space.MaxNodes * space.NodeVocabulary.Count;
        int n = space.MaxNodes;
        FeatureCount = _nodeFeatures + (space.FixedAdjacency is null ? n * (n - 1) / 2 : 0);
        _paths = config.Encoding.EndsWith("paths", StringComparison.Ordinal) ? PathEncoding.TryCreate(space) : null;
        _hist = config.Encoding.EndsWith("hist", StringComparison.Ordinal) ? new TypeHistogram(space) : null;
        _costs = config.Encoding.EndsWith("costs", StringComparison.Ordinal) ? CostProxy.TryCreate(space) : null;
        _oneHots = config.Encoding.StartsWith("onehot", StringComparison.Ordinal) || (_paths is null && _hist is null && _costs is null);
        ModelInputs = (_oneHots ? FeatureCount : 0) + (_paths?.FeatureCount ?? 0) + (_hist?.FeatureCount ?? 0) + (_costs?.FeatureCount ?? 0);
        torch.manual_seed(seed);
        Model = new BatchedMlp(config.Members, ModelInputs + (sde is null ? 0 : config.TimeDim), config.Hidden, config.Layers);
        _optimizer = optim.Adam(Model.parameters(), lr: config.LearningRate, weight_decay: config.WeightDecay);
    }

    /// <summary>Encodes architectures as features [B, FeatureCount].</summary>
    public Tensor Features(IReadOnlyList<Arch> archs) => EncodeFeatures(_space, archs);

    /// <summary>
    /// The ensemble's raw inputs for <paramref name="archs"/> in <paramref name="space"/>, [B, D]: node one-hots (±1),
    /// plus ±1 adjacency bits (i &lt; j) when the topology varies. Other surrogates (the GP) share this encoding so that
    /// strategies differ only in the model.
    /// </summary>
    public static Tensor EncodeFeatures(ISearchSpace space, IReadOnlyList<Arch> archs)
    {
        using var scope = NewDisposeScope();
        var nodes = GraphCodec.Encode(space, archs).reshape(archs.Count, space.MaxNodes * space.NodeVocabulary.Count);   // [B, N*F]
        if (space.FixedAdjacency is not null) return nodes.MoveToOuterDisposeScope();
        int n = space.MaxNodes, pairs = n * (n - 1) / 2;
        var bits = new float[archs.Count * pairs];
        for (int b = 0; b < archs.Count; b++)
        {
            var adj = space.Encode(archs[b]).Adjacency;
            int k = 0;
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++) bits[b * pairs + k++] = adj[i, j] ? 1f : -1f;
        }
        var edges = tensor(bits, dtype: ScalarType.Float32).view(archs.Count, pairs);                  // [B, P]
        return cat([nodes, edges], 1).MoveToOuterDisposeScope();                                      // [B, D]
    }

    /// <summary>
    /// <see cref="Features"/> of soft graphs, differentiable: node probabilities [B, N, K] (rows of absent nodes all
    /// zero) and, when the topology varies, edge probabilities [B, N, N] (i &lt; j used). A hard graph gives exactly its
    /// <see cref="Features"/>, so the ensemble can score the discrete generator's clean-graph prediction.
    /// </summary>
    public Tensor SoftFeatures(Tensor nodes, Tensor? edges)
    {
        long b = nodes.shape[0];
        var x = (nodes * 2 - 1).reshape(b, _nodeFeatures);                                            // [B, N*K]
        if (_space.FixedAdjacency is not null) return x;
        if (edges is null) throw new ArgumentNullException(nameof(edges), $"{_space.Name} varies its topology: pass edge probabilities");
        int n = _space.MaxNodes;
        _upper ??= tensor(Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(i + 1, n - i - 1).Select(j => (long)(i * n + j))).ToArray())
            .DetachFromDisposeScope();                                                                // [P], built once: guidance calls this every step
        var bits = edges.reshape(b, n * n).index_select(1, _upper) * 2 - 1;                           // [B, P]
        return cat([x, bits], 1);                                                                     // [B, D]
    }

    /// <summary>Member predictions [K, B] for features [B, D] at noise time <paramref name="t"/> [B] (ignored unless noise-aware).</summary>
    public Tensor Forward(Tensor features, Tensor? t = null)
    {
        var parts = new List<Tensor>(3);
        if (_oneHots) parts.Add(features);
        if (_paths is not null) parts.Add(_paths.Compute(features[.., ..(int)_nodeFeatures]));
        if (_hist is not null) parts.Add(_hist.Compute(features));
        if (_costs is not null) parts.Add(_costs.Compute(features));
        var inputs = parts.Count == 1 ? parts[0] : cat(parts, 1);
        if (_sde is null) return Model.forward(inputs);
        var time = t ?? full(features.shape[0], _sde.Epsilon, dtype: ScalarType.Float32);
        return Model.forward(cat([inputs, Sinusoidal.Embed(time * 1000, Config.TimeDim)], 1));
    }

    /// <summary>
    /// Fits the members to <paramref name="targets"/> (model units). The first call trains <see cref="EnsembleConfig.FitSteps"/>
    /// steps, later calls <see cref="EnsembleConfig.RefitSteps"/> from the current weights. <paramref name="weights"/>
    /// (optional, per point) lets prior pseudo-labels count less than real queries. Noise-aware ensembles see each point
    /// twice per step: clean, which keeps candidate ranking sharp, and noised at t ~ U(eps, 1), which the guidance needs.
    /// </summary>
    public void Fit(IReadOnlyList<Arch> archs, IReadOnlyList<double> targets, int seed, IReadOnlyList<double>? weights = null, int? steps = null,
        int batch = 0)
    {
        if (archs.Count != targets.Count || archs.Count == 0) throw new ArgumentException("need matching, non-empty architectures and targets");
        if (targets.Any(v => !double.IsFinite(v))) throw new NagDataException("surrogate targets contain NaN or infinity");
        torch.manual_seed(seed);
        using var x = Features(archs);                                                                  // [M, D]
        using var y = tensor(targets.Select(v => (float)v).ToArray());                                  // [M]
        using var w = tensor((weights ?? Enumerable.Repeat(1.0, archs.Count).ToList()).Select(v => (float)v).ToArray());
        int total = steps ?? (_fitted ? Config.RefitSteps : Config.FitSteps);
        long m = x.shape[0];
        Model.train();
        for (int step = 0; step < total; step++)
        {
            using var scope = NewDisposeScope();
            Tensor xb = x, yb = y, wb = w;
            if (batch > 0 && batch < m)
            {
                var idx = randint(m, [batch]);
                (xb, yb, wb) = (x.index_select(0, idx), y.index_select(0, idx), w.index_select(0, idx));
            }
            Tensor loss;
            if (_sde is null) loss = ((Forward(xb) - yb.unsqueeze(0)).square() * wb.unsqueeze(0)).mean();
            else
            {
                long b = xb.shape[0];
                var t = rand(b) * (1 - _sde.Epsilon) + _sde.Epsilon;                                     // [b]
                var (noisy, _) = _sde.ApplyNoise(xb.view(b, _space.MaxNodes, -1), t);
                var both = cat([xb, noisy.reshape(b, -1)], 0);                                          // [2b, D]
                var times = cat([full(b, _sde.Epsilon, dtype: ScalarType.Float32), t], 0);              // [2b]
                var target = cat([yb, yb], 0).unsqueeze(0);
                loss = ((Forward(both, times) - target).square() * cat([wb, wb], 0).unsqueeze(0)).mean();
            }
            _optimizer.zero_grad();
            loss.backward();
            TorchGc.Step(_optimizer);
        }
        Model.eval();
        _fitted = true;
    }

    /// <summary>Member predictions [K, B] for clean architectures, without gradients.</summary>
    public Tensor Predict(IReadOnlyList<Arch> archs)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Forward(Features(archs)).MoveToOuterDisposeScope();
    }

    /// <summary>Copies another ensemble's weights into this one (same space and config).</summary>
    public void CopyFrom(EnsembleSurrogate other)
    {
        TorchState.CopyWeights(other.Model, Model);
        _fitted = other._fitted;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        _optimizer.Dispose();
        _upper?.Dispose();
        _costs?.Dispose();
    }
}
