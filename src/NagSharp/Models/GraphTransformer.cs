using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NagSharp.Models;

/// <summary>Size and attention pattern of the graph transformer shared by score networks and predictors.</summary>
/// <param name="Layers">Transformer blocks; the reference DiffusionNAG network has 12.</param>
/// <param name="Dim">Hidden width per node.</param>
/// <param name="Heads">Attention heads (must divide <paramref name="Dim"/>).</param>
/// <param name="Ffn">Hidden width of each block's feed-forward layer.</param>
/// <param name="Dropout">Dropout in attention and feed-forward paths; 0 keeps sampling deterministic and small nets need none.</param>
/// <param name="Mask"><c>adjacency</c>: a node attends to its graph neighbours (both directions) and itself;
/// <c>closure</c>: to every node it is connected to by a directed path, in either direction.</param>
/// <param name="HeadHidden">Hidden width of the output MLP over the concatenated block outputs.</param>
public sealed record NetworkConfig(int Layers = 4, int Dim = 64, int Heads = 4, int Ffn = 128, double Dropout = 0.0,
    string Mask = "adjacency", int HeadHidden = 256) : ICheckedSettings
{
    /// <summary>Named sizes: <c>tiny</c>, <c>small</c> (default), <c>reference</c> (DiffusionNAG's 12 x 64).</summary>
    public static NetworkConfig Preset(string name) => name switch
    {
        "tiny" => new NetworkConfig(Layers: 2, Dim: 32, Heads: 4, Ffn: 64, HeadHidden: 128),
        "small" => new NetworkConfig(),
        "medium" => new NetworkConfig(Layers: 6, Dim: 64, Heads: 8, Ffn: 128, HeadHidden: 512),
        "reference" => new NetworkConfig(Layers: 12, Dim: 64, Heads: 8, Ffn: 128, Dropout: 0.1, HeadHidden: 4096),
        _ => throw new NagUserException($"unknown model preset '{name}' (expected tiny, small, medium or reference)"),
    };

    /// <summary>Throws a user error when the sizes do not fit together.</summary>
    public void Validate()
    {
        Guard.InRange(Layers, 1, 64, "NetworkConfig.Layers");
        Guard.InRange(Dim, 1, 4096, "NetworkConfig.Dim");
        Guard.InRange(Heads, 1, 256, "NetworkConfig.Heads");
        Guard.InRange(Ffn, 1, 65536, "NetworkConfig.Ffn");
        Guard.InRange(HeadHidden, 1, 65536, "NetworkConfig.HeadHidden");
        if (Dim % Heads != 0) throw new NagUserException($"NetworkConfig.Dim {Dim} is not divisible by NetworkConfig.Heads {Heads}");
        if (Mask is not ("adjacency" or "closure")) throw new NagUserException($"unknown attention mask '{SafePath.Shorten(Mask ?? "")}' (expected adjacency or closure)");
        if (!(Dropout is >= 0 and < 1)) throw new NagUserException($"NetworkConfig.Dropout must be in [0, 1), got {Dropout}");
    }

    /// <summary>Additive attention bias [N, N]: 0 where node i may attend to node j, -inf elsewhere.</summary>
    public float[] AttentionBias(bool[,] adjacency)
    {
        int n = adjacency.GetLength(0);
        var reach = Mask == "closure" ? Graphs.ArchGraph.TransitiveClosure(adjacency) : adjacency;
        var bias = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                bias[i * n + j] = i == j || reach[i, j] || reach[j, i] ? 0f : float.NegativeInfinity;
        return bias;
    }
}

/// <summary>Sinusoidal embeddings of positions and continuous times.</summary>
public static class Sinusoidal
{
    /// <summary>Embeds values [B] as [B, dim] with geometric frequencies (transformer-style).</summary>
    public static Tensor Embed(Tensor values, int dim)
    {
        int half = dim / 2;
        var freqs = exp(arange(half, dtype: ScalarType.Float32, device: values.device) * (-Math.Log(10000.0) / Math.Max(half - 1, 1))); // [half]
        var args = values.to_type(ScalarType.Float32).unsqueeze(1) * freqs.unsqueeze(0);                                               // [B, half]
        var emb = cat([sin(args), cos(args)], 1);                                                                                        // [B, 2 half]
        return dim % 2 == 1 ? nn.functional.pad(emb, [0, 1]) : emb;
    }
}

/// <summary>
/// Masked attention computed only over the allowed (query, key) pairs. Rows are grouped by how many keys they may see,
/// and each group gathers exactly those keys, so the cost follows the number of allowed pairs instead of N^2. Worth it
/// for large sparse wirings: the edge-token view of NAS-Bench-NLP has 406 tokens, and each edge token sees 3 of them.
/// Holds no parameters, so a model's checkpoints are the same with or without it.
/// </summary>
public sealed class SparseAttentionPattern : IDisposable
{
    private readonly (Tensor Rows, Tensor Keys, long Count, long Width)[] _groups;
    private readonly Tensor _order;

    /// <summary>Builds the pattern of an additive bias [N * N] (0 allowed, -inf masked); every row must allow a key.</summary>
    public SparseAttentionPattern(float[] bias, int n)
    {
        var keys = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Where(j => bias[i * n + j] == 0f).Select(j => (long)j).ToArray()).ToArray();
        if (keys.Any(k => k.Length == 0)) throw new ArgumentException("every row must allow at least one key", nameof(bias));
        var groups = Enumerable.Range(0, n).GroupBy(i => keys[i].Length).OrderBy(g => g.Key).ToArray();
        _groups = groups.Select(g =>
        {
            var rows = g.Select(i => (long)i).ToArray();
            var rowsT = tensor(rows, dtype: ScalarType.Int64).DetachFromDisposeScope();
            var keysT = tensor(g.SelectMany(i => keys[i]).ToArray(), dtype: ScalarType.Int64).DetachFromDisposeScope();
            return (rowsT, keysT, (long)rows.Length, (long)g.Key);
        }).ToArray();
        var position = new long[n];
        int at = 0;
        foreach (var g in groups) foreach (int i in g) position[i] = at++;
        _order = tensor(position, dtype: ScalarType.Int64).DetachFromDisposeScope();
    }

    /// <summary>The pattern when it pays (N &gt;= 64 and at most a quarter of the pairs allowed), else null (dense attention).</summary>
    public static SparseAttentionPattern? TryCreate(float[] bias, int n)
    {
        if (n < 64) return null;
        long allowed = bias.LongCount(v => v == 0f);
        return allowed * 4 > (long)n * n ? null : new SparseAttentionPattern(bias, n);
    }

    /// <summary>q, k, v [B, H, N, dh] -&gt; softmax(q k^T * scale over the allowed keys) v, [B, H, N, dh].</summary>
    public Tensor Attend(Tensor q, Tensor k, Tensor v, double scale, Dropout drop)
    {
        long b = q.shape[0], h = q.shape[1], dh = q.shape[3];
        var outs = new List<Tensor>(_groups.Length);
        foreach (var (rows, keys, count, width) in _groups)
        {
            var qg = q.index_select(2, rows).unsqueeze(-2);                                  // [B, H, r, 1, dh]
            var kg = k.index_select(2, keys).view(b, h, count, width, dh);                   // [B, H, r, w, dh]
            var vg = v.index_select(2, keys).view(b, h, count, width, dh);                   // [B, H, r, w, dh]
            var att = drop.forward((qg.matmul(kg.transpose(-2, -1)) * scale).softmax(-1));  // [B, H, r, 1, w]
            outs.Add(att.matmul(vg).squeeze(-2));                                            // [B, H, r, dh]
        }
        return cat(outs, 2).index_select(2, _order);                                         // [B, H, N, dh]
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var g in _groups) { g.Rows.Dispose(); g.Keys.Dispose(); }
        _order.Dispose();
    }
}

/// <summary>Pre-LayerNorm transformer block with masked multi-head self-attention over graph nodes.</summary>
public sealed class AttentionBlock : Module<Tensor, Tensor, Tensor>
{
    private readonly LayerNorm ln1, ln2;
    private readonly Linear qkv, proj, ff1, ff2;
    private readonly Dropout drop;
    private readonly int _heads;

    /// <summary>Creates a block of width <paramref name="dim"/>.</summary>
    public AttentionBlock(string name, int dim, int heads, int ffn, double dropout) : base(name)
    {
        _heads = heads;
        ln1 = LayerNorm(dim); ln2 = LayerNorm(dim);
        qkv = Linear(dim, 3 * dim); proj = Linear(dim, dim);
        ff1 = Linear(dim, ffn); ff2 = Linear(ffn, dim);
        drop = Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>x [B, N, D], bias [N, N] (0 or -inf) -&gt; [B, N, D].</summary>
    public override Tensor forward(Tensor x, Tensor bias) => Forward(x, bias, null);

    /// <summary>The same block with attention evaluated only where <paramref name="pattern"/> allows (equal to
    /// <see cref="forward"/> with the pattern's mask, up to rounding).</summary>
    public Tensor Forward(Tensor x, SparseAttentionPattern pattern) => Forward(x, null, pattern);

    private Tensor Forward(Tensor x, Tensor? bias, SparseAttentionPattern? pattern)
    {
        long b = x.shape[0], n = x.shape[1], d = x.shape[2], dh = d / _heads;
        var h = ln1.forward(x);
        var parts = qkv.forward(h).view(b, n, 3, _heads, dh).permute(2, 0, 3, 1, 4);   // [3, B, H, N, dh]
        var (q, k, v) = (parts[0], parts[1], parts[2]);
        Tensor o;
        if (pattern is not null) o = pattern.Attend(q, k, v, 1.0 / Math.Sqrt(dh), drop);  // [B, H, N, dh]
        else
        {
            var att = q.matmul(k.transpose(-2, -1)) * (1.0 / Math.Sqrt(dh)) + bias!;    // [B, H, N, N]
            o = drop.forward(att.softmax(-1)).matmul(v);                                // [B, H, N, dh]
        }
        x = x + drop.forward(proj.forward(o.transpose(1, 2).reshape(b, n, d)));         // [B, N, D]
        return x + drop.forward(ff2.forward(nn.functional.gelu(ff1.forward(ln2.forward(x)))));
    }
}

/// <summary>
/// Graph transformer encoder: operation embedding + node-position encoding + noise-level embedding (added to
/// every node), then masked attention blocks. Returns every block's output concatenated, [B, N, L * D], so heads
/// see shallow and deep features alike.
/// </summary>
public sealed class GraphEncoder : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear inProj, time1, time2;
    private readonly ModuleList<AttentionBlock> blocks;
    private readonly Tensor positions, bias;
    private readonly int _dim;
    private readonly SparseAttentionPattern? _sparse;   // a plain object, not a module: no state, nothing in checkpoints

    /// <summary>Creates an encoder for graphs of <paramref name="nodes"/> nodes with <paramref name="features"/> symbols.</summary>
    public GraphEncoder(string name, NetworkConfig config, int nodes, int features, bool[,] adjacency) : base(name)
    {
        config.Validate();
        _dim = config.Dim;
        inProj = Linear(features, config.Dim);
        time1 = Linear(config.Dim, 4 * config.Dim);
        time2 = Linear(4 * config.Dim, config.Dim);
        blocks = new ModuleList<AttentionBlock>(Enumerable.Range(0, config.Layers)
            .Select(i => new AttentionBlock($"block{i}", config.Dim, config.Heads, config.Ffn, config.Dropout)).ToArray());
        positions = Sinusoidal.Embed(arange(nodes, dtype: ScalarType.Float32), config.Dim);                 // [N, D]
        var biasValues = config.AttentionBias(adjacency);
        bias = tensor(biasValues, dtype: ScalarType.Float32).view(nodes, nodes);                            // [N, N]
        _sparse = SparseAttentionPattern.TryCreate(biasValues, nodes);
        register_buffer("positions", positions);
        register_buffer("bias", bias);
        RegisterComponents();
    }

    /// <summary>Width of the returned features per node.</summary>
    public int OutputDim => _dim * blocks.Count;

    /// <summary>True when attention runs over the allowed pairs only (<see cref="SparseAttentionPattern.TryCreate"/>).</summary>
    public bool SparseAttention => _sparse is not null;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _sparse?.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>x [B, N, F], t [B] in [0, 1] -&gt; [B, N, L * D].</summary>
    public override Tensor forward(Tensor x, Tensor t)
    {
        var temb = time2.forward(nn.functional.silu(time1.forward(Sinusoidal.Embed(t * 1000f, _dim))));  // [B, D]
        var h = inProj.forward(x) + positions.unsqueeze(0) + temb.unsqueeze(1);                            // [B, N, D]
        var outs = new List<Tensor>(blocks.Count);
        foreach (var block in blocks)
        {
            h = _sparse is null ? block.forward(h, bias) : block.Forward(h, _sparse);
            outs.Add(h);
        }
        return cat(outs, 2);
    }
}

/// <summary>A <see cref="GraphEncoder"/> followed by a two-layer MLP head; score networks and predictors differ only in the head's use.</summary>
public abstract class EncoderWithHead : Module<Tensor, Tensor, Tensor>
{
    private readonly GraphEncoder encoder;
    private readonly Linear head1, head2;

    /// <summary>Creates the encoder and a head with <paramref name="outputs"/> outputs; the head also reads
    /// <paramref name="extraInputs"/> features that the subclass appends to the encoder's.</summary>
    protected EncoderWithHead(string name, NetworkConfig config, int nodes, int features, bool[,] adjacency, int outputs, int extraInputs = 0) : base(name)
    {
        encoder = new GraphEncoder("encoder", config, nodes, features, adjacency);
        head1 = Linear(encoder.OutputDim + extraInputs, config.HeadHidden);
        head2 = Linear(config.HeadHidden, outputs);
        RegisterComponents();
    }

    /// <summary>Encoder features [B, N, L * D].</summary>
    protected Tensor Encode(Tensor x, Tensor t) => encoder.forward(x, t);

    /// <summary>Applies the head to features [..., L * D] -&gt; [..., outputs].</summary>
    protected Tensor Head(Tensor h) => head2.forward(nn.functional.silu(head1.forward(h)));
}

/// <summary>
/// Score network: predicts the noise z that produced x_t (so score = -z_hat / std(t)). Separate from the
/// diffusion process, which only calls <c>forward(x_t, t)</c> (or <see cref="Predict"/> when self-conditioned).
/// </summary>
/// <remarks>With <c>selfCondition</c> the network also reads an estimate of the clean graph (Chen et al., "Analog
/// Bits", 2022): its own previous estimate while sampling, zeros for none. Each slot then sees what the other slots have
/// already settled on, which continuous diffusion otherwise conveys only through their noisy values.</remarks>
public sealed class ScoreNetwork(NetworkConfig config, int nodes, int features, bool[,] adjacency, bool selfCondition = false)
    : EncoderWithHead("score", config, nodes, selfCondition ? 2 * features : features, adjacency, features)
{
    /// <summary>True when the network reads a clean-graph estimate beside x_t.</summary>
    public bool SelfConditioned { get; } = selfCondition;

    /// <summary>x [B, N, F] (with a clean estimate concatenated, [B, N, 2F], when self-conditioned), t [B] -&gt;
    /// predicted noise [B, N, F].</summary>
    public override Tensor forward(Tensor x, Tensor t) => Head(Encode(x, t));

    /// <summary>Predicted noise [B, N, F] for x_t [B, N, F] given a clean estimate [B, N, F] (null: none, read as
    /// zeros); the estimate is ignored by a network that is not self-conditioned.</summary>
    public Tensor Predict(Tensor x, Tensor t, Tensor? clean) =>
        forward(SelfConditioned ? cat([x, clean ?? zeros_like(x)], 2) : x, t);
}

/// <summary>
/// Noise-aware property predictor f(x_t, t): trained on noised graphs with the noise-level embedding, so its
/// gradient is meaningful along the whole reverse diffusion. With a task dimension P &gt; 0 it predicts f(x_t, t, e) for a
/// task embedding e [P] (for example a task's rank-normalised scores on P probe architectures): the embedding passes a
/// small MLP and joins the pooled graph features before the head, so one network ranks architectures for many tasks.
/// </summary>
public sealed class PropertyPredictor : EncoderWithHead
{
    private readonly Sequential? taskEmbedding;

    /// <summary>Creates a predictor; <paramref name="taskDim"/> = 0 makes it task-free (the original network, unchanged).</summary>
    public PropertyPredictor(NetworkConfig config, int nodes, int features, bool[,] adjacency, int taskDim = 0)
        : base("predictor", config, nodes, features, adjacency, 1, taskDim > 0 ? config.Dim : 0)
    {
        if (taskDim < 0) throw new ArgumentOutOfRangeException(nameof(taskDim));
        TaskDim = taskDim;
        if (taskDim > 0)
        {
            taskEmbedding = Sequential(Linear(taskDim, config.Dim), SiLU(), Linear(config.Dim, config.Dim));
            // Registered by name: the base constructor registered its components before this field was set.
            register_module("task", taskEmbedding);
        }
    }

    /// <summary>Length of the task embedding (0: task-free).</summary>
    public int TaskDim { get; }

    /// <summary>x [B, N, F], t [B] -&gt; standardized property [B] (mean-pooled over nodes). Task-free predictors only.</summary>
    public override Tensor forward(Tensor x, Tensor t) => Forward(x, t, null);

    /// <summary>x [B, N, F], t [B], task [B, P] (null when task-free) -&gt; standardized property [B].</summary>
    public Tensor Forward(Tensor x, Tensor t, Tensor? task)
    {
        var h = Encode(x, t).mean([1]);                                                   // [B, L * D]
        if (taskEmbedding is null)
        {
            if (task is not null) throw new ArgumentException("this predictor takes no task embedding", nameof(task));
            return Head(h).squeeze(-1);
        }
        if (task is null || task.ndim != 2 || task.shape[1] != TaskDim || task.shape[0] != x.shape[0])
            throw new ArgumentException($"expected a task embedding [{x.shape[0]}, {TaskDim}]", nameof(task));
        return Head(cat([h, taskEmbedding.forward(task)], 1)).squeeze(-1);               // [B]
    }
}
