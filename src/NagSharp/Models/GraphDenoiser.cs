using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NagSharp.Models;

/// <summary>Size of the discrete-diffusion denoiser (DiNAS: 5 layers, node 256, edge 64, 8 heads on a GPU).</summary>
/// <param name="Layers">Graph-transformer layers.</param>
/// <param name="NodeDim">Node feature width.</param>
/// <param name="EdgeDim">Edge feature width.</param>
/// <param name="GlobalDim">Global feature width (time, conditions), which drives FiLM in every layer.</param>
/// <param name="Heads">Attention heads (must divide <paramref name="NodeDim"/>).</param>
/// <param name="Ffn">Feed-forward width of the node path.</param>
public sealed record DenoiserConfig(int Layers = 4, int NodeDim = 64, int EdgeDim = 16, int GlobalDim = 64, int Heads = 4, int Ffn = 128) : ICheckedSettings
{
    /// <summary>Named sizes: <c>tiny</c>, <c>small</c> (default), <c>reference</c>.</summary>
    public static DenoiserConfig Preset(string name) => name switch
    {
        "tiny" => new DenoiserConfig(Layers: 2, NodeDim: 32, EdgeDim: 8, GlobalDim: 32, Heads: 4, Ffn: 64),
        "small" => new DenoiserConfig(),
        "medium" => new DenoiserConfig(Layers: 5, NodeDim: 128, EdgeDim: 32, GlobalDim: 64, Heads: 8, Ffn: 256),
        "reference" => new DenoiserConfig(Layers: 5, NodeDim: 256, EdgeDim: 64, GlobalDim: 64, Heads: 8, Ffn: 512),
        _ => throw new NagUserException($"unknown model preset '{name}' (expected tiny, small, medium or reference)"),
    };

    /// <summary>Throws a user error when the sizes do not fit together.</summary>
    public void Validate()
    {
        Guard.InRange(Layers, 1, 64, "DenoiserConfig.Layers");
        Guard.InRange(NodeDim, 1, 4096, "DenoiserConfig.NodeDim");
        Guard.InRange(EdgeDim, 1, 4096, "DenoiserConfig.EdgeDim");
        Guard.InRange(GlobalDim, 1, 4096, "DenoiserConfig.GlobalDim");
        Guard.InRange(Heads, 1, 256, "DenoiserConfig.Heads");
        Guard.InRange(Ffn, 1, 65536, "DenoiserConfig.Ffn");
        if (NodeDim % Heads != 0) throw new NagUserException($"DenoiserConfig.NodeDim {NodeDim} is not divisible by DenoiserConfig.Heads {Heads}");
    }
}

/// <summary>
/// One layer: node self-attention whose scores are modulated by edge features (multiplicative and additive, per
/// head), edge features updated from the scores, and FiLM of nodes and edges by the global features.
/// </summary>
public sealed class DenoiserLayer : Module<Tensor, Tensor, Tensor, Tensor, (Tensor X, Tensor E)>
{
    private readonly Linear q, k, v, eMul, eAdd, eOut, xOut, xFilm, eFilm, ff1, ff2, ef1, ef2;
    private readonly LayerNorm lnX1, lnX2, lnE1, lnE2;
    private readonly int _heads;

    /// <summary>Creates a layer.</summary>
    public DenoiserLayer(string name, DenoiserConfig c) : base(name)
    {
        _heads = c.Heads;
        q = Linear(c.NodeDim, c.NodeDim); k = Linear(c.NodeDim, c.NodeDim); v = Linear(c.NodeDim, c.NodeDim);
        eMul = Linear(c.EdgeDim, c.Heads); eAdd = Linear(c.EdgeDim, c.Heads); eOut = Linear(c.Heads, c.EdgeDim);
        xOut = Linear(c.NodeDim, c.NodeDim);
        xFilm = Linear(c.GlobalDim, 2 * c.NodeDim); eFilm = Linear(c.GlobalDim, 2 * c.EdgeDim);
        ff1 = Linear(c.NodeDim, c.Ffn); ff2 = Linear(c.Ffn, c.NodeDim);
        ef1 = Linear(c.EdgeDim, 2 * c.EdgeDim); ef2 = Linear(2 * c.EdgeDim, c.EdgeDim);
        lnX1 = LayerNorm(c.NodeDim); lnX2 = LayerNorm(c.NodeDim); lnE1 = LayerNorm(c.EdgeDim); lnE2 = LayerNorm(c.EdgeDim);
        RegisterComponents();
    }

    /// <summary>x [B, N, dx], e [B, N, N, de], y [B, dy], keyBias [B, 1, 1, N] (0 or -inf) -&gt; (x, e).</summary>
    public override (Tensor X, Tensor E) forward(Tensor x, Tensor e, Tensor y, Tensor keyBias)
    {
        long b = x.shape[0], n = x.shape[1], d = x.shape[2], dh = d / _heads;
        var qh = q.forward(x).view(b, n, _heads, dh).transpose(1, 2);                    // [B, H, N, dh]
        var kh = k.forward(x).view(b, n, _heads, dh).transpose(1, 2);
        var vh = v.forward(x).view(b, n, _heads, dh).transpose(1, 2);
        var scores = qh.matmul(kh.transpose(-2, -1)) * (1.0 / Math.Sqrt(dh));             // [B, H, N, N]
        var mul = eMul.forward(e).permute(0, 3, 1, 2);                                     // [B, H, N, N]
        var add = eAdd.forward(e).permute(0, 3, 1, 2);
        scores = scores * (mul + 1) + add;
        var eNew = eOut.forward(scores.permute(0, 2, 3, 1));                               // [B, N, N, de]
        var ef = eFilm.forward(y).view(b, 1, 1, -1).chunk(2, -1);
        eNew = eNew * (ef[0] + 1) + ef[1];
        var att = (scores + keyBias).softmax(-1);
        var xNew = xOut.forward(att.matmul(vh).transpose(1, 2).reshape(b, n, d));         // [B, N, dx]
        var xf = xFilm.forward(y).view(b, 1, -1).chunk(2, -1);
        xNew = xNew * (xf[0] + 1) + xf[1];
        x = lnX1.forward(x + xNew);
        x = lnX2.forward(x + ff2.forward(functional.relu(ff1.forward(x))));
        e = lnE1.forward(e + eNew);
        e = lnE2.forward(e + ef2.forward(functional.relu(ef1.forward(e))));
        return (x, e);
    }
}

/// <summary>
/// The DiNAS-style denoiser: predicts clean node types and clean directed edges from a noisy graph, the timestep
/// (which the reference forgets) and any number of binary conditions, each with its own embedding of
/// {null, false, true}. Edge inputs carry direction: pair (i, j) sees the i-&gt;j state when i &lt; j and the j-&gt;i state
/// when i &gt; j in separate channels, plus a direction sign.
/// </summary>
public sealed class GraphDenoiser : Module<Tensor, Tensor, Tensor, Tensor, Tensor, (Tensor NodeLogits, Tensor EdgeLogits)>
{
    private readonly Linear xIn, eIn, t1, t2, xHead, eHead;
    private readonly ModuleList<Embedding> conditionEmbeddings;
    private readonly ModuleList<DenoiserLayer> layers;
    private readonly Tensor positions, direction;
    private readonly int _nodeDim, _globalDim;

    /// <summary>Edge classes: no edge, edge.</summary>
    public const int EdgeClasses = 2;

    /// <summary>Creates the denoiser.</summary>
    public GraphDenoiser(DenoiserConfig c, int nodes, int nodeClasses, int conditions) : base("denoiser")
    {
        c.Validate();
        _nodeDim = c.NodeDim; _globalDim = c.GlobalDim;
        xIn = Linear(nodeClasses + 1, c.NodeDim);                 // + present flag
        eIn = Linear(2 * EdgeClasses + 1, c.EdgeDim);
        t1 = Linear(c.GlobalDim, 2 * c.GlobalDim); t2 = Linear(2 * c.GlobalDim, c.GlobalDim);
        conditionEmbeddings = new ModuleList<Embedding>(Enumerable.Range(0, conditions).Select(_ => Embedding(3, c.GlobalDim)).ToArray());
        layers = new ModuleList<DenoiserLayer>(Enumerable.Range(0, c.Layers).Select(i => new DenoiserLayer($"layer{i}", c)).ToArray());
        xHead = Linear(c.NodeDim, nodeClasses);
        eHead = Linear(c.EdgeDim, EdgeClasses);
        positions = Sinusoidal.Embed(arange(nodes, dtype: ScalarType.Float32), c.NodeDim);            // [N, dx]
        var i = arange(nodes).view(-1, 1); var j = arange(nodes).view(1, -1);
        direction = (i < j).to_type(ScalarType.Float32) - (i > j).to_type(ScalarType.Float32);      // [N, N]
        register_buffer("positions", positions);
        register_buffer("direction", direction);
        RegisterComponents();
    }

    /// <summary>
    /// x [B, N, Kx] noisy node one-hots, e [B, N, N, 2] noisy upper-triangular edge one-hots (zeros elsewhere),
    /// nodeMask [B, N] (1 = present), t [B] in [0, 1], cond [B, C] int64 in {0 null, 1 false, 2 true}
    /// -&gt; node logits [B, N, Kx], edge logits [B, N, N, 2].
    /// </summary>
    public override (Tensor NodeLogits, Tensor EdgeLogits) forward(Tensor x, Tensor e, Tensor nodeMask, Tensor t, Tensor cond)
    {
        long b = x.shape[0], n = x.shape[1];
        var mask = nodeMask.to_type(ScalarType.Float32);                                              // [B, N]
        var h = xIn.forward(cat([x, mask.unsqueeze(-1)], -1)) + positions.unsqueeze(0);              // [B, N, dx]
        var eFeat = cat([e, e.transpose(1, 2), direction.expand(b, n, n).unsqueeze(-1)], -1);        // [B, N, N, 5]
        var he = eIn.forward(eFeat);                                                                   // [B, N, N, de]
        var y = t2.forward(functional.silu(t1.forward(Sinusoidal.Embed(t * 1000f, _globalDim))));    // [B, dy]
        for (int c = 0; c < conditionEmbeddings.Count; c++) y = y + conditionEmbeddings[c].forward(cond[.., c]);
        var keyBias = (mask - 1).mul(1e9f).view(b, 1, 1, n);                                         // 0 present, -1e9 absent
        foreach (var layer in layers) (h, he) = layer.forward(h, he, y, keyBias);
        return (xHead.forward(h), eHead.forward(he));
    }
}
