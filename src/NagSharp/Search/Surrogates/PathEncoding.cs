using NagSharp.Spaces;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>
/// BANANAS' path encoding (White et al. 2021) for a fixed-topology space, in a form that is differentiable in the node
/// one-hots. Every source-to-sink path of <see cref="ISearchSpace.FixedAdjacency"/> is a sequence of node symbols; the
/// feature of a symbol sequence counts the paths that carry it. Nodes whose symbol never varies (NB201's input and
/// output) carry no information and are left out of the sequences. A path's indicator is the outer product of the
/// (soft) one-hots of its nodes, summed over the paths of the same length, so the feature is exact on clean
/// architectures and smooth on the score generator's noisy x_t: guidance gradients flow through the products.
/// Nothing is specific to one space; spaces whose paths would need too many features get no path encoding
/// (<see cref="TryCreate"/> returns null) and the surrogate keeps its plain one-hot inputs.
/// </summary>
public sealed class PathEncoding
{
    /// <summary>Sharpness k of the soft one-hot sigmoid(k x): 0.993 / 0.007 on clean {-1, +1} entries, bounded on noisy
    /// inputs (raw (x + 1) / 2 products explode at the generator's largest noise levels).</summary>
    public const double Sharpness = 5;

    private readonly int _nodes, _vocabulary;
    private readonly long[] _alphabet;
    private readonly (int Length, long[,] Paths)[] _groups;   // paths grouped by length: [P_L, L] node indices

    /// <summary>Symbols (vocabulary indices) that appear at some variable node, in order; the sequence alphabet.</summary>
    public IReadOnlyList<int> Alphabet => _alphabet.Select(a => (int)a).ToArray();

    /// <summary>Source-to-sink paths, each as its variable nodes in order (paths through constant nodes only are dropped).</summary>
    public IReadOnlyList<IReadOnlyList<int>> Paths { get; }

    /// <summary>Features: the sum over path lengths L of |alphabet|^L, in increasing L, each block row-major over the
    /// sequence (first node slowest).</summary>
    public int FeatureCount { get; }

    private PathEncoding(int nodes, int vocabulary, int[] alphabet, List<int[]> paths)
    {
        _nodes = nodes; _vocabulary = vocabulary;
        _alphabet = alphabet.Select(a => (long)a).ToArray();
        Paths = paths;
        _groups = paths.GroupBy(p => p.Length).OrderBy(g => g.Key).Select(g =>
        {
            var list = g.ToList();
            var idx = new long[list.Count, g.Key];
            for (int p = 0; p < list.Count; p++)
                for (int j = 0; j < g.Key; j++) idx[p, j] = list[p][j];
            return (g.Key, idx);
        }).ToArray();
        FeatureCount = _groups.Sum(g => (int)Math.Pow(alphabet.Length, g.Length));
    }

    /// <summary>
    /// Builds the encoding of a fixed-topology space, or null when the space's topology varies, no path has a
    /// variable node, or the encoding would exceed <paramref name="maxFeatures"/> features or <paramref name="maxPaths"/>
    /// paths. Variable nodes and their symbols are found from <paramref name="probes"/> uniform samples of the space
    /// (fixed seed, so the encoding is the same in every run).
    /// </summary>
    public static PathEncoding? TryCreate(ISearchSpace space, int maxFeatures = 4096, int maxPaths = 4096, int probes = 512)
    {
        if (space.FixedAdjacency is not { } adj) return null;
        int n = space.MaxNodes, f = space.NodeVocabulary.Count;
        var symbols = new HashSet<int>[n];
        for (int i = 0; i < n; i++) symbols[i] = [];
        var rng = new Random(0);
        for (int s = 0; s < probes; s++)
        {
            var types = space.Encode(space.Sample(rng)).NodeTypes;
            for (int i = 0; i < n; i++) symbols[i].Add(types[i]);   // -1 (absent) counts as a value, so optional nodes vary
        }
        var variable = Enumerable.Range(0, n).Select(i => symbols[i].Count > 1).ToArray();
        var alphabet = Enumerable.Range(0, n).Where(i => variable[i]).SelectMany(i => symbols[i]).Where(t => t >= 0).Distinct().Order().ToArray();
        if (alphabet.Length == 0) return null;

        // Count paths first (DP over a topological order): dense supernets have exponentially many.
        var order = TopologicalOrder(adj, n);
        if (order is null) return null;
        var count = new double[n];
        bool IsSource(int j) => Enumerable.Range(0, n).All(i => !adj[i, j]);
        bool IsSink(int i) => Enumerable.Range(0, n).All(j => !adj[i, j]);
        foreach (int v in order) count[v] = (IsSource(v) ? 1 : 0) + Enumerable.Range(0, n).Where(u => adj[u, v]).Sum(u => count[u]);
        double total = Enumerable.Range(0, n).Where(IsSink).Sum(v => count[v]);
        if (total > maxPaths) return null;

        var paths = new List<int[]>();
        var stack = new List<int>();
        void Walk(int v)
        {
            stack.Add(v);
            if (IsSink(v))
            {
                var p = stack.Where(u => variable[u]).ToArray();
                if (p.Length > 0) paths.Add(p);
            }
            for (int w = 0; w < n; w++) if (adj[v, w]) Walk(w);
            stack.RemoveAt(stack.Count - 1);
        }
        foreach (int v in Enumerable.Range(0, n).Where(IsSource)) Walk(v);
        if (paths.Count == 0) return null;
        double features = paths.Select(p => p.Length).Distinct().Sum(l => Math.Pow(alphabet.Length, l));
        return features > maxFeatures ? null : new PathEncoding(n, f, alphabet, paths);
    }

    private static int[]? TopologicalOrder(bool[,] adj, int n)
    {
        var indegree = new int[n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) if (adj[i, j]) indegree[j]++;
        var queue = new Queue<int>(Enumerable.Range(0, n).Where(i => indegree[i] == 0));
        var order = new List<int>();
        while (queue.Count > 0)
        {
            int v = queue.Dequeue();
            order.Add(v);
            for (int w = 0; w < n; w++) if (adj[v, w] && --indegree[w] == 0) queue.Enqueue(w);
        }
        return order.Count == n ? order.ToArray() : null;   // a cycle has no paths to enumerate
    }

    /// <summary>
    /// Path features [B, FeatureCount] of node tensors [B, N, F] in the score engine's {-1, +1} scale (clean or noisy).
    /// Batched: one gather and L - 1 broadcast products per path length, whatever the batch size.
    /// </summary>
    public Tensor Compute(Tensor nodes)
    {
        using var scope = NewDisposeScope();
        long b = nodes.shape[0];
        if (nodes.dim() == 2) nodes = nodes.view(b, _nodes, _vocabulary);
        using var alphabet = tensor(_alphabet);
        var u = (nodes.index_select(2, alphabet) * Sharpness).sigmoid();     // [B, N, V] soft one-hots
        long v = _alphabet.Length;
        var blocks = new List<Tensor>();
        foreach (var (length, paths) in _groups)
        {
            using var idx = tensor(paths);                                             // [P, L]
            var h = u.index_select(1, idx[.., 0]);                                     // [B, P, V]
            for (int j = 1; j < length; j++)
            {
                var next = u.index_select(1, idx[.., j]);                              // [B, P, V]
                h = (h.unsqueeze(-1) * next.unsqueeze(-2)).reshape(b, paths.GetLength(0), -1);   // [B, P, V^(j+1)]
            }
            blocks.Add(h.sum(1));                                                      // [B, V^L]: paths sharing a sequence add up
        }
        return cat(blocks, 1).MoveToOuterDisposeScope();
    }
}
