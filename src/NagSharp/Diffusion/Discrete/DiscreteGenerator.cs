using NagSharp.Diffusion.Score;
using NagSharp.Graphs;
using NagSharp.Models;
using NagSharp.Spaces;
using NagSharp.Store;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NagSharp.Diffusion.Discrete;

/// <summary>Discrete-diffusion settings (DiNAS defaults).</summary>
/// <param name="DiffusionSteps">T of the forward process (500 in DiNAS); sampling may take fewer, evenly spaced steps.</param>
/// <param name="EdgeWeight">lambda in CE(nodes) + lambda CE(edges); 5 as in DiNAS, since edges carry most of the structure.</param>
/// <param name="ConditionDropout">Probability of dropping each condition indicator in training (classifier-free guidance).</param>
/// <param name="BalanceConditions">Draw labelled training examples so every combination of condition states has equal
/// weight: a target met by 36 of 15,625 cells is otherwise seen too rarely to learn what it means. Unlabelled examples
/// (every state unknown) keep their natural share, so the unconditional distribution stays that of the data.</param>
/// <param name="NullDropout">Probability of dropping the whole condition vector to null in training, beside the
/// per-condition dropout: sampling's unconditional input is the all-null vector, which per-condition dropout alone
/// produces in only p^C of labelled rows (1 % for two conditions).</param>
/// <param name="ClampInTraining">Keep the slots that never vary in the training set clean in the noised training input,
/// as sampling does, so the network sees them in training as it will at every sampling step.</param>
public sealed record DiscreteConfig(int DiffusionSteps = 500, double EdgeWeight = 5, double ConditionDropout = 0.1, bool BalanceConditions = true,
    double NullDropout = 0, bool ClampInTraining = false) : ICheckedSettings
{
    /// <summary>Throws a user error for unusable values.</summary>
    public void Validate()
    {
        Guard.InRange(DiffusionSteps, 2, 100_000, "DiscreteConfig.DiffusionSteps");
        Guard.NonNegative(EdgeWeight, "DiscreteConfig.EdgeWeight");
        Guard.InRange(ConditionDropout, 0, 1, "DiscreteConfig.ConditionDropout");
        Guard.InRange(NullDropout, 0, 1, "DiscreteConfig.NullDropout");
    }
}

/// <summary>
/// Steers discrete sampling by a differentiable function of the clean graph (DiGress's regressor guidance, applied to the
/// denoiser's clean-graph prediction rather than to the noisy graph, so a model trained on clean architectures, such as
/// a BO surrogate, can guide without being retrained on noise).
/// </summary>
public interface IDiscreteGuidance
{
    /// <summary>
    /// Logit shifts for the predicted clean graph, nodes [B, N, K] and edges [B, N, N, 2] (edges ignored on a fixed
    /// topology), given the model's clean-graph probabilities <paramref name="nodes"/> [B, N, K] and
    /// <paramref name="edges"/> [B, N, N, 2], the presence mask [B, N] and the diffusion time t / T.
    /// </summary>
    (Tensor Nodes, Tensor Edges) Shift(Tensor nodes, Tensor edges, Tensor mask, double t);
}

/// <summary>One training example: an architecture and the state of each condition (0 unknown, 1 false, 2 true).</summary>
/// <param name="Arch">String form.</param>
/// <param name="States">One state per condition.</param>
public sealed record LabelledArch(string Arch, byte[] States);

/// <summary>
/// DiNAS's generator: discrete diffusion over node types and directed edges (i &lt; j only, nodes in topological
/// order) with marginal transitions, an x0-predicting <see cref="GraphDenoiser"/> that sees the timestep, and
/// classifier-free guidance over any number of binary conditions. Fixed-topology spaces clamp the edges; spaces
/// whose topology varies draw the node count from the training distribution and mask the absent slots.
/// </summary>
public sealed class DiscreteGenerator : TrainedGenerator<GraphDenoiser>, IArchGenerator
{
    /// <summary>Checkpoint kind.</summary>
    public const string Kind = "discrete-generator";

    /// <summary>Diffusion settings.</summary>
    public DiscreteConfig Config { get; }
    /// <summary>Denoiser size.</summary>
    public DenoiserConfig Network { get; }
    /// <summary>Condition texts, in embedding order.</summary>
    public IReadOnlyList<string> Conditions { get; }
    /// <summary>Training examples.</summary>
    public IReadOnlyList<LabelledArch> TrainingSet { get; }
    /// <summary>Node-type transition (marginals of the training set).</summary>
    public MarginalTransition NodeTransition { get; }
    /// <summary>Edge transition (edge / no-edge marginals over possible pairs).</summary>
    public MarginalTransition EdgeTransition { get; }
    /// <summary>Relative frequency of each node count (index = count) in the training set.</summary>
    public IReadOnlyList<double> NodeCounts { get; }

    /// <summary>Per slot, the symbol every training graph has there (e.g. an input node at a fixed place), or -1. Such
    /// slots are clamped while sampling: the data never varies them, so generating them can only add invalid samples.</summary>
    public IReadOnlyList<int> ConstantSymbols { get; }

    /// <summary>Per pair i &lt; j (row-major, N x N), the edge state (0 or 1) every training graph with both nodes present
    /// has, or -1; clamped while sampling like <see cref="ConstantSymbols"/> (free topologies only: a fixed one clamps all).</summary>
    public IReadOnlyList<int> ConstantEdges { get; }

    /// <summary>Per slot and symbol, whether any training graph has that symbol in that slot. The sampler never
    /// predicts an unseen pair: classifier-free guidance extrapolates logits, and with a large W a symbol the data never
    /// puts in a slot (an input marker in the middle of a cell) can otherwise win and make the sample invalid.</summary>
    public IReadOnlyList<bool[]> AllowedSymbols { get; }

    /// <summary>Per symbol and in-degree (0..N-1), whether any training graph has a node of that symbol with that many
    /// inputs (free topologies only; null for a fixed one). See <see cref="InDegreeDecoding"/>.</summary>
    public IReadOnlyList<bool[]>? AllowedInDegrees => _projection?.Degrees;

    private readonly InDegreeProjection? _projection;   // free topologies only

    /// <summary>
    /// When true (the default) the last reverse step picks each node's inputs jointly instead of pair by pair: among the
    /// in-degrees the training graphs show for the node's symbol, the one whose most likely parent set has the highest
    /// likelihood under the model's edge probabilities, and those parents, taken from the nodes whose symbols some training
    /// graph links to the node's symbol (<see cref="InDegreeProjection"/>). Edges are otherwise sampled independently per
    /// pair, and an operation with a fixed arity (a 3-input blend, a 2-input product) then gets its exact count of inputs
    /// only by luck. Like <see cref="AllowedSymbols"/> it uses only what the data shows, never a space's rules; the rules
    /// that span several nodes (reachability, counts of states) stay the model's to learn. Free topologies only.
    /// </summary>
    public bool InDegreeDecoding { get; set; } = true;

    private readonly CosineSchedule _schedule;
    private readonly bool[,]? _fixed;
    private readonly int _n, _k;

    /// <summary>Creates an untrained generator; marginals and node counts come from the training set.</summary>
    public DiscreteGenerator(ISearchSpace space, DiscreteConfig config, DenoiserConfig network, TrainConfig train,
        IReadOnlyList<string> conditions, IReadOnlyList<LabelledArch> trainingSet)
        : base(space, train, () => new GraphDenoiser(network, space.MaxNodes, space.NodeVocabulary.Count, conditions.Count))
    {
        config.Validate();
        if (trainingSet.Count == 0) throw new NagUserException("empty training set");
        Config = config; Network = network; Conditions = conditions; TrainingSet = trainingSet;
        _fixed = space.FixedAdjacency;
        _n = space.MaxNodes; _k = space.NodeVocabulary.Count;
        _schedule = new CosineSchedule(config.DiffusionSteps);
        var graphs = trainingSet.Select(t => space.Encode(space.Parse(t.Arch))).ToArray();
        var nodeFreq = new double[_k];
        double edges = 0, pairs = 0;
        var counts = new double[_n + 1];
        var allowed = Enumerable.Range(0, _n).Select(_ => new bool[_k]).ToArray();   // per slot, symbols seen there
        foreach (var g in graphs)
        {
            int present = g.NodeTypes.Count(v => v >= 0);
            counts[present]++;
            for (int i = 0; i < _n; i++)
                if (g.NodeTypes[i] is int v and >= 0) { nodeFreq[v]++; allowed[i][v] = true; }
            for (int i = 0; i < _n; i++)
                for (int j = i + 1; j < _n; j++)
                    if (g.NodeTypes[i] >= 0 && g.NodeTypes[j] >= 0) { pairs++; if (g.Adjacency[i, j]) edges++; }
        }
        for (int v = 0; v < _k; v++) nodeFreq[v] += 1e-3;   // every symbol stays reachable by noise
        NodeTransition = new MarginalTransition(nodeFreq);
        EdgeTransition = new MarginalTransition([pairs - edges + 1e-3, edges + 1e-3]);
        NodeCounts = counts.Select(c => c / graphs.Length).ToArray();
        var constNodes = Enumerable.Range(0, _n).Select(i => graphs[0].NodeTypes[i]).ToArray();
        var constEdges = new int[_n * _n];
        Array.Fill(constEdges, -2);   // -2: not seen yet
        foreach (var g in graphs)
            for (int i = 0; i < _n; i++)
            {
                if (constNodes[i] != g.NodeTypes[i]) constNodes[i] = -1;
                if (g.NodeTypes[i] < 0) continue;
                for (int j = i + 1; j < _n; j++)
                {
                    if (g.NodeTypes[j] < 0) continue;
                    int v = g.Adjacency[i, j] ? 1 : 0, k = i * _n + j;
                    constEdges[k] = constEdges[k] == -2 || constEdges[k] == v ? v : -1;
                }
            }
        ConstantSymbols = constNodes.Select(v => Math.Max(v, -1)).ToArray();
        AllowedSymbols = allowed;
        if (_fixed is null) _projection = new InDegreeProjection(graphs, _k, _n);
        ConstantEdges = constEdges.Select(v => v < 0 ? -1 : v).ToArray();
    }

    private (Tensor X, Tensor E, Tensor Mask, Tensor Cond) Encode(IReadOnlyList<LabelledArch> items)
    {
        int m = items.Count;
        var x = new float[m * _n * _k];
        var e = new float[m * _n * _n * 2];
        var mask = new float[m * _n];
        var cond = new long[m * Math.Max(Conditions.Count, 1)];
        for (int b = 0; b < m; b++)
        {
            var g = Space.Encode(Space.Parse(items[b].Arch));
            for (int i = 0; i < _n; i++)
            {
                if (g.NodeTypes[i] < 0) continue;
                mask[b * _n + i] = 1;
                x[(b * _n + i) * _k + g.NodeTypes[i]] = 1;
                for (int j = i + 1; j < _n; j++)
                    if (g.NodeTypes[j] >= 0) e[((b * _n + i) * _n + j) * 2 + (g.Adjacency[i, j] ? 1 : 0)] = 1;
            }
            for (int c = 0; c < Conditions.Count; c++) cond[b * Conditions.Count + c] = items[b].States[c];
        }
        return (tensor(x).view(m, _n, _k), tensor(e).view(m, _n, _n, 2), tensor(mask).view(m, _n),
            tensor(cond, dtype: ScalarType.Int64).view(m, Math.Max(Conditions.Count, 1))[.., ..Conditions.Count]);
    }

    /// <summary>Pairs (i &lt; j) whose endpoints are both present: [B, N, N, 1].</summary>
    private Tensor PairMask(Tensor mask)
    {
        var upper = ones(_n, _n).triu(1);                                                   // [N, N]
        return (mask.unsqueeze(2) * mask.unsqueeze(1) * upper).unsqueeze(-1);
    }

    private Tensor FixedEdges(long batch)
    {
        var e = new float[_n * _n * 2];
        for (int i = 0; i < _n; i++)
            for (int j = i + 1; j < _n; j++) e[(i * _n + j) * 2 + (_fixed![i, j] ? 1 : 0)] = 1;
        return tensor(e).view(1, _n, _n, 2).expand(batch, _n, _n, 2);
    }

    private Tensor AlphaBars(Tensor t) =>
        tensor(Enumerable.Range(0, _schedule.Steps + 1).Select(s => (float)_schedule.AlphaBar(s)).ToArray()).index_select(0, t);

    /// <summary>
    /// Trains to <see cref="TrainConfig.Steps"/>: noise a batch at t ~ U{1..T} with the marginal transitions, predict the
    /// clean graph, minimise CE(nodes) + lambda CE(edges) over present nodes and pairs; condition indicators are
    /// dropped to null with probability p so the same network also learns the unconditional model.
    /// </summary>
    public void TrainToEnd(Action<TrainProgress>? progress = null, Action<int>? checkpoint = null, int checkpointEvery = 0)
    {
        var (x0All, e0All, maskAll, condAll) = Encode(TrainingSet);
        using var _x = x0All; using var _e = e0All; using var _m = maskAll; using var _c = condAll;
        using var weights = tensor(SamplingWeights());                                          // [M]
        var (nodeKeep, nodeValue, edgeKeep, edgeValue) = ClampTensors();
        using var _k1 = nodeKeep; using var _k2 = nodeValue; using var _k3 = edgeKeep; using var _k4 = edgeValue;
        RunTraining(() =>
        {
            int b = Train.Batch;
            var idx = multinomial(weights, b, replacement: true);                                // [B]
            var x0 = x0All.index_select(0, idx); var e0 = e0All.index_select(0, idx);           // [B, N, K], [B, N, N, 2]
            var mask = maskAll.index_select(0, idx);                                             // [B, N]
            var cond = condAll.index_select(0, idx);                                             // [B, C]
            var t = randint(1, _schedule.Steps + 1, [b]);                                        // [B]
            var ab = AlphaBars(t);                                                               // [B]
            var zx = MarginalTransition.SampleOneHot(NodeTransition.ForwardProbs(x0, ab.view(b, 1, 1))) * mask.unsqueeze(-1);
            var pairs = PairMask(mask);
            var ze = _fixed is null
                ? MarginalTransition.SampleOneHot(EdgeTransition.ForwardProbs(e0, ab.view(b, 1, 1, 1))) * pairs
                : FixedEdges(b);
            if (Config.ClampInTraining)
            {
                zx = ClampNodes(zx, nodeKeep, nodeValue) * mask.unsqueeze(-1);
                if (_fixed is null) ze = ClampEdges(ze, edgeKeep, edgeValue) * pairs;
            }
            if (Conditions.Count > 0) cond = DropConditions(cond, Config.ConditionDropout, Config.NullDropout);
            var (lx, le) = Model.forward(zx, ze, mask, t.to_type(ScalarType.Float32) / _schedule.Steps, cond);
            var loss = -(lx.log_softmax(-1) * x0).sum(-1).mul(mask).sum() / mask.sum().clamp_min(1);
            if (_fixed is null)
                loss = loss + (-(le.log_softmax(-1) * e0).sum(-1, keepdim: true).mul(pairs).sum() / pairs.sum().clamp_min(1)) * Config.EdgeWeight;
            return loss;
        }, progress, checkpoint, checkpointEvery);
    }

    /// <summary>Per-example sampling weights: uniform, or equal total weight per condition-state combination.</summary>
    public float[] SamplingWeights()
    {
        if (!Config.BalanceConditions || Conditions.Count == 0) return Enumerable.Repeat(1f, TrainingSet.Count).ToArray();
        var patterns = TrainingSet.Select(t => t.States.All(v => v == 0) ? null : Convert.ToHexString(t.States)).ToArray();
        var counts = patterns.Where(p => p is not null).GroupBy(p => p!).ToDictionary(g => g.Key, g => g.Count());
        if (counts.Count == 0) return Enumerable.Repeat(1f, TrainingSet.Count).ToArray();
        float share = counts.Values.Sum() / (float)counts.Count;   // labelled examples keep their total weight, split evenly
        return patterns.Select(p => p is null ? 1f : share / counts[p]).ToArray();
    }

    /// <summary>Sets each condition state independently to null (0) with probability <paramref name="p"/>, and each whole
    /// row with probability <paramref name="whole"/>. cond [B, C] int64.</summary>
    public static Tensor DropConditions(Tensor cond, double p, double whole = 0)
    {
        var keep = (rand(cond.shape) >= p).to_type(ScalarType.Int64);                              // [B, C]
        if (whole > 0) keep = keep * (rand(cond.shape[0], 1) >= whole).to_type(ScalarType.Int64);  // [B, 1] broadcast
        return cond * keep;
    }

    /// <summary>
    /// Samples <paramref name="n"/> graphs with <paramref name="steps"/> evenly spaced reverse steps. Conditions whose
    /// state is 2 are asked for; 0 leaves them unspecified. With weight W the x0 logits are
    /// (1 + W) f(z_t, y) - W f(z_t, null); W = 0 is the plain conditional model. Guidance applies only at diffusion
    /// times t / T &lt;= <paramref name="guidanceStart"/>; earlier steps use the conditional model alone, at half the cost
    /// (the unconditional pass doubles the batch), which is where most of the time goes on a CPU. A
    /// <paramref name="steer"/> adds its logit shifts to the clean-graph prediction at every step: exp(shift) reweights
    /// each symbol and edge state, which to first order is p(G) exp(s * a(G)) for the steering function a.
    /// </summary>
    public DecodedSample[] Sample(int n, int steps, int seed, IReadOnlyList<byte>? states = null, double weight = 0, double guidanceStart = 1,
        IDiscreteGuidance? steer = null)
    {
        Guard.InRange(guidanceStart, 0, 1, "GenerateSettings.GuidanceStart");
        Guard.Finite(weight, "GenerateSettings.GuidanceWeight");
        SampleCount.Check(n);
        Guard.InRange(steps, 1, _schedule.Steps, "SamplerConfig.Steps");
        var st = states ?? new byte[Conditions.Count];
        if (st.Count != Conditions.Count) throw new ArgumentException("one state per condition", nameof(states));
        torch.manual_seed(seed);
        Ema.eval();
        using var outer = NewDisposeScope();
        using var _ = no_grad();
        // Node counts from the training distribution; present nodes are the first `count` slots.
        var counts = multinomial(tensor(NodeCounts.Select(c => (float)c).ToArray()), n, replacement: true);  // [B]
        var mask = (arange(_n).unsqueeze(0) < counts.unsqueeze(1)).to_type(ScalarType.Float32);             // [B, N]
        var pairs = PairMask(mask);                                                                           // [B, N, N, 1]
        var (nodeKeep, nodeValue, edgeKeep, edgeValue) = ClampTensors();
        var support = tensor(AllowedSymbols.SelectMany(a => a.Select(ok => ok ? 0f : -1e9f)).ToArray()).view(_n, _k);   // [N, K] logit bias
        var zx = ClampNodes(MarginalTransition.SampleOneHot(tensor(NodeTransition.Marginals).expand(n, _n, _k).contiguous()), nodeKeep, nodeValue) * mask.unsqueeze(-1);
        var ze = _fixed is null
            ? ClampEdges(MarginalTransition.SampleOneHot(tensor(EdgeTransition.Marginals).expand(n, _n, _n, 2).contiguous()), edgeKeep, edgeValue) * pairs
            : FixedEdges(n);
        var cond = st.Count == 0 ? zeros(n, 0, dtype: ScalarType.Int64)
            : tensor(st.Select(v => (long)v).ToArray(), dtype: ScalarType.Int64).view(1, -1).expand(n, st.Count).contiguous();   // [B, C]
        bool guided = weight != 0 && st.Any(v => v != 0);
        for (int k = steps; k >= 1; k--)
        {
            using var scope = NewDisposeScope();
            int t = (int)Math.Round((double)_schedule.Steps * k / steps), s = (int)Math.Round((double)_schedule.Steps * (k - 1) / steps);
            var tt = full(n, (float)t / _schedule.Steps);
            Tensor lx, le;
            if (guided && t <= guidanceStart * _schedule.Steps + 1e-9)
            {
                // One forward over [conditional; unconditional] halves the per-call overhead that dominates on a CPU.
                var (bx, be) = Ema.forward(cat([zx, zx]), cat([ze, ze]), cat([mask, mask]), cat([tt, tt]), cat([cond, zeros_like(cond)]));
                var (cx, ux) = (bx[..n], bx[n..]);
                var (ce, ue) = (be[..n], be[n..]);
                lx = cx * (1 + weight) - ux * weight;
                le = ce * (1 + weight) - ue * weight;
            }
            else (lx, le) = Ema.forward(zx, ze, mask, tt, cond);
            if (steer is not null)
            {
                var (sx, se) = steer.Shift((lx + support).softmax(-1), (ClampEdges(le.softmax(-1), edgeKeep, edgeValue) * pairs), mask, (double)t / _schedule.Steps);
                lx = lx + sx;                                                                          // [B, N, K]
                if (_fixed is null) le = le + se;                                                      // [B, N, N, 2]
            }
            double abT = _schedule.AlphaBar(t), abS = _schedule.AlphaBar(s);
            var nx = ClampNodes(MarginalTransition.SampleOneHot(NodeTransition.Posterior(zx, (lx + support).softmax(-1), abT, abS)), nodeKeep, nodeValue) * mask.unsqueeze(-1);
            zx.Dispose();
            zx = nx.MoveToOuterDisposeScope();
            if (_fixed is null && k == 1 && InDegreeDecoding)
            {
                var probs = (ClampEdges(le.softmax(-1), edgeKeep, edgeValue) * pairs)[.., .., .., 1];          // [B, N, N] p(edge i->j)
                var (ne, types) = ProjectInDegrees(probs, zx.argmax(-1), mask, (lx + support).softmax(-1));   // [B, N, N, 2], [B, N]
                ze.Dispose();
                ze = ne.MoveToOuterDisposeScope();
                var nx2 = ClampNodes(nn.functional.one_hot(types, _k).to_type(ScalarType.Float32), nodeKeep, nodeValue) * mask.unsqueeze(-1);
                zx.Dispose();
                zx = nx2.MoveToOuterDisposeScope();
            }
            else if (_fixed is null)
            {
                var ne = ClampEdges(MarginalTransition.SampleOneHot(EdgeTransition.Posterior(ze, le.softmax(-1), abT, abS)), edgeKeep, edgeValue) * pairs;
                ze.Dispose();
                ze = ne.MoveToOuterDisposeScope();
            }
        }
        return Decode(zx, ze, mask);
    }

    /// <summary>Masks and one-hot values of the clamped slots and pairs: node [N, 1] and [N, K], edge [N, N, 1] and [N, N, 2]
    /// (a mask is 0 where the value is clamped).</summary>
    private (Tensor NodeKeep, Tensor NodeValue, Tensor EdgeKeep, Tensor EdgeValue) ClampTensors()
    {
        var nodeKeep = new float[_n];
        var nodeValue = new float[_n * _k];
        for (int i = 0; i < _n; i++)
        {
            nodeKeep[i] = ConstantSymbols[i] < 0 ? 1 : 0;
            if (ConstantSymbols[i] >= 0) nodeValue[i * _k + ConstantSymbols[i]] = 1;
        }
        var edgeKeep = new float[_n * _n];
        var edgeValue = new float[_n * _n * 2];
        for (int k = 0; k < _n * _n; k++)
        {
            edgeKeep[k] = ConstantEdges[k] < 0 ? 1 : 0;
            if (ConstantEdges[k] >= 0) edgeValue[2 * k + ConstantEdges[k]] = 1;
        }
        return (tensor(nodeKeep).view(_n, 1), tensor(nodeValue).view(_n, _k), tensor(edgeKeep).view(_n, _n, 1), tensor(edgeValue).view(_n, _n, 2));
    }

    /// <summary>
    /// Edges of the final graphs from the model's edge probabilities [B, N, N] (i &lt; j), node symbols [B, N], presence
    /// [B, N] and node probabilities [B, N, K] (<see cref="InDegreeProjection.Project"/>). A symbol none of whose data
    /// in-degrees fits among the node's possible parents (<see cref="InDegreeProjection.Admits"/>) first gives way to the
    /// node's most probable symbol that fits. Returns one-hot edges [B, N, N, 2] and the symbols [B, N].
    /// </summary>
    private (Tensor Edges, Tensor Types) ProjectInDegrees(Tensor probs, Tensor types, Tensor mask, Tensor nodeProbs)
    {
        long b = probs.shape[0];
        var p = probs.contiguous().data<float>().ToArray();
        var t = types.data<long>().ToArray();
        var present = mask.data<float>().ToArray();
        var q = nodeProbs.contiguous().data<float>().ToArray();
        var edges = new float[b * _n * _n * 2];
        var symbols = new int[_n];
        for (int s = 0; s < b; s++)
        {
            for (int j = 0; j < _n; j++) symbols[j] = present[s * _n + j] > 0.5f ? (int)t[s * _n + j] : -1;
            _projection!.AdmitSymbols(symbols, _k, (j, k) => q[(s * _n + j) * _k + k] > 0 ? q[(s * _n + j) * _k + k] : double.NegativeInfinity,
                (j, k) => t[s * _n + j] = k);
            var chosen = _projection.Project(symbols, (i, j) =>
            {
                double pi = Math.Clamp(p[(s * _n + i) * _n + j], 1e-7, 1 - 1e-7);
                return Math.Log(pi) - Math.Log(1 - pi);
            });
            for (int j = 0; j < _n; j++)
            {
                if (symbols[j] < 0) continue;
                for (int i = 0; i < j; i++)
                    if (symbols[i] >= 0) edges[((s * _n + i) * _n + j) * 2 + (chosen[i, j] ? 1 : 0)] = 1;
            }
        }
        return (tensor(edges).view(b, _n, _n, 2), tensor(t).view(b, _n));
    }

    private static Tensor ClampNodes(Tensor x, Tensor keep, Tensor value) => x * keep + value * (1 - keep);

    private static Tensor ClampEdges(Tensor e, Tensor keep, Tensor value) => e * keep + value * (1 - keep);

    private DecodedSample[] Decode(Tensor zx, Tensor ze, Tensor mask)
    {
        long b = zx.shape[0];
        var types = zx.argmax(-1).data<long>().ToArray();            // [B * N]
        var present = mask.data<float>().ToArray();                  // [B * N]
        var edge = ze[.., .., .., 1].contiguous().data<float>().ToArray();  // [B * N * N]
        var result = new DecodedSample[b];
        for (int i = 0; i < b; i++)
        {
            var nt = new int[_n];
            var adj = new bool[_n, _n];
            for (int u = 0; u < _n; u++)
            {
                nt[u] = present[i * _n + u] > 0.5f ? (int)types[i * _n + u] : -1;
                for (int v = u + 1; v < _n; v++) adj[u, v] = edge[(i * _n + u) * _n + v] > 0.5f;
            }
            var graph = new ArchGraph(nt, adj);
            var arch = Space.TryDecode(graph, out var reason);
            result[i] = new DecodedSample(arch, reason, graph);
        }
        return result;
    }

    /// <summary>
    /// <see cref="Sample"/> for any count, in batches of at most <paramref name="batch"/> by the shared loop
    /// (<see cref="GenerationLoop"/>: batch k uses seed <paramref name="seed"/> + k, as <see cref="Generate"/> does).
    /// </summary>
    public List<DecodedSample> SampleMany(int n, int steps, int seed, IReadOnlyList<byte>? states = null, double weight = 0, double guidanceStart = 1,
        int batch = 256)
    {
        var settings = new GenerateSettings { Count = n, Batch = batch, Seed = seed, Sampler = new SamplerConfig(Steps: steps), GuidanceWeight = weight, GuidanceStart = guidanceStart };
        var all = new List<DecodedSample>(n);
        GenerationLoop.Run(settings, (size, s) =>
        {
            var part = Sample(size, steps, s, states, weight, guidanceStart);
            all.AddRange(part);
            return part;
        }, []);
        return all;
    }

    /// <inheritdoc />
    public GeneratorKind Engine => GeneratorKind.Discrete;
    /// <inheritdoc />
    public Sde? Sde => null;
    /// <inheritdoc />
    public IReadOnlyList<string> TrainingArchs => TrainingSet.Select(t => t.Arch).ToArray();

    /// <summary>
    /// Draws and flags architectures with <see cref="GenerateSettings.Conditions"/> asked for at weight
    /// <see cref="GenerateSettings.GuidanceWeight"/> and <see cref="GenerateSettings.Steer"/>; see
    /// <see cref="IArchGenerator.Generate"/>.
    /// </summary>
    public GenerationResult Generate(GenerateSettings settings, Action<int, int>? progress = null)
    {
        settings.Validate();
        if (settings.Guidance is not null && settings.Steer is null)
            throw new NagUserException("GenerateSettings.Guidance steers the score engine; the discrete engine takes GenerateSettings.Conditions and GenerateSettings.Steer");
        InDegreeDecoding = settings.EdgeDecoding == EdgeDecoding.InDegree;
        var states = StatesFor(settings.Conditions);
        double warm = GenerationLoop.WarmUp(settings, () =>
            Sample(Math.Min(settings.Batch, settings.Count), Math.Min(2, settings.Sampler.Steps), settings.Seed, states, settings.GuidanceWeight));
        return GenerationLoop.Run(settings, (size, seed) =>
            Sample(size, settings.Sampler.Steps, seed, states, settings.GuidanceWeight, settings.GuidanceStart, settings.Steer),
            TrainingArchs, settings.Steer, progress, warm);
    }

    /// <summary>Condition states for sampling: 2 for each requested condition (matched by text), 0 for the rest.</summary>
    public byte[] StatesFor(IEnumerable<string> requested)
    {
        var states = new byte[Conditions.Count];
        foreach (var r in requested)
        {
            string norm = Normalise(r);
            int i = Conditions.Select(Normalise).ToList().IndexOf(norm);
            if (i < 0) throw new NagUserException($"the generator was not trained with condition '{r}' (trained: {(Conditions.Count == 0 ? "none" : string.Join(", ", Conditions))})");
            states[i] = 2;
        }
        return states;
        static string Normalise(string c) => new(c.Where(ch => !char.IsWhiteSpace(ch)).ToArray());
    }

    /// <summary>Writes everything needed to sample or resume.</summary>
    public void Save(string path)
    {
        var ck = NewCheckpoint(Kind);
        ck.Set("config", Config);
        ck.Set("network", Network);
        ck.Set("train", Train);
        ck.Set("conditions", Conditions);
        ck.Set("training_set", TrainingSet.Select(t => t.Arch).ToList());
        ck.Set("condition_states", TrainingSet.Select(t => string.Concat(t.States.Select(s => (char)('0' + s)))).ToList());
        SaveCheckpoint(ck, path);
    }

    /// <summary>Loads a generator checkpoint with <paramref name="overrideTrain"/> in place of its stored training config.</summary>
    public static DiscreteGenerator Load(string path, TrainConfig overrideTrain) => Load(path, _ => overrideTrain);

    /// <summary>Loads a generator checkpoint (weights, EMA, optimiser, step, RNG state) so training resumes; the file is read
    /// once, and <paramref name="adjustTrain"/> may change the stored training config (e.g. more steps when resuming).</summary>
    public static DiscreteGenerator Load(string path, Func<TrainConfig, TrainConfig>? adjustTrain = null)
    {
        var ck = Checkpoint.Load(path, Kind);
        var archs = ck.Get<List<string>>("training_set", path);
        var states = ck.Get<List<string>>("condition_states", path);
        if (states.Count != archs.Count) throw new NagDataException($"{path}: training set and condition states differ in length");
        var set = archs.Zip(states, (a, s) => new LabelledArch(a, s.Select(ch => (byte)(ch - '0')).ToArray())).ToList();
        return Restore(new DiscreteGenerator(SpaceRegistry.Get(ck.Get<string>("space", path)), ck.Get<DiscreteConfig>("config", path),
            ck.Get<DenoiserConfig>("network", path), (adjustTrain ?? (t => t))(ck.Get<TrainConfig>("train", path)), ck.Get<List<string>>("conditions", path), set), ck, path);
    }
}
