using NagSharp.Spaces;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>
/// Order-free features of a typed DAG: how many nodes carry each symbol, and how many edges run from a node of symbol u
/// to a node of symbol v, for every ordered pair (u, v). Where the topology varies (NAS-Bench-NLP, NB101) the slot a node
/// lands in says little, so one-hots per slot spread the same cell over many inputs; the counts do not. Computed from
/// the surrogate's own inputs (node one-hots in {-1, +1}, then the upper-triangular adjacency bits when the topology
/// varies) with the same soft one-hot as <see cref="PathEncoding"/>, so noisy inputs give bounded, differentiable counts.
/// </summary>
public sealed class TypeHistogram
{
    private readonly int _nodes, _vocabulary;
    private readonly float[]? _fixed;     // the fixed adjacency, row-major [N * N], or null when it is in the features
    private readonly long[] _pairs;       // flat indices i * N + j of the upper-triangular pairs, in the features' order

    /// <summary>Node-symbol counts (V) followed by edge-symbol-pair counts (V * V, row-major: source symbol slowest).</summary>
    public int FeatureCount => _vocabulary + _vocabulary * _vocabulary;

    /// <summary>Creates the features of <paramref name="space"/>'s graph encoding.</summary>
    public TypeHistogram(ISearchSpace space)
    {
        _nodes = space.MaxNodes;
        _vocabulary = space.NodeVocabulary.Count;
        int n = _nodes;
        if (space.FixedAdjacency is { } adj)
        {
            _fixed = new float[n * n];
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) _fixed[i * n + j] = adj[i, j] ? 1f : 0f;
        }
        _pairs = Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(i + 1, n - i - 1).Select(j => (long)(i * n + j))).ToArray();
    }

    /// <summary>Counts [B, FeatureCount] of surrogate inputs [B, D] (node one-hots first, then adjacency bits when the
    /// topology varies). Counts are log1p-compressed: a cell's size moves them by tens, one operation by one.</summary>
    public Tensor Compute(Tensor features)
    {
        using var scope = NewDisposeScope();
        long b = features.shape[0];
        int n = _nodes, f = _vocabulary, nodeFeatures = n * f;
        var u = (features[.., ..nodeFeatures].view(b, n, f) * PathEncoding.Sharpness).sigmoid();          // [B, N, F] soft one-hots
        Tensor a;
        if (_fixed is not null) a = tensor(_fixed).view(1, n, n).expand(b, -1, -1);                        // [B, N, N]
        else
        {
            var bits = (features[.., nodeFeatures..] * PathEncoding.Sharpness).sigmoid();                   // [B, P]
            using var idx = tensor(_pairs);
            a = zeros(b, n * n).index_copy(1, idx, bits).view(b, n, n);                                     // [B, N, N]
        }
        var counts = u.sum(1);                                                                              // [B, F]
        var edges = u.transpose(1, 2).matmul(a).matmul(u).reshape(b, f * f);                               // [B, F*F]
        return cat([counts, edges], 1).log1p().MoveToOuterDisposeScope();                                  // [B, F + F*F]
    }
}
