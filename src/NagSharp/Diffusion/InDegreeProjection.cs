using NagSharp.Graphs;

namespace NagSharp.Diffusion;

/// <summary>
/// Joint choice of a graph's edges at the end of sampling, shared by both engines on free topologies: a projection of
/// the model's edge log-odds onto what the training graphs show. Edges drawn (or thresholded) pair by pair give an
/// operation with a fixed arity (a 3-input blend, a 2-input product) its exact count of inputs only by luck; here each
/// node gets, among the in-degrees the training graphs show for its symbol, the one whose most likely parent set scores
/// best, and those parents, taken from the nodes whose symbols the data links to the node's symbol (from all nodes when
/// too few are). Over the whole graph (<see cref="Project"/>) it also keeps what the data never shows out: one node
/// feeding two nodes of symbols no training node feeds together (two state outputs), a node that always has a consumer
/// in the data left without a way to an output (dead), and more edges than any training graph has. Every table is read
/// from the training graphs, never from a space's rules; <c>nag generate --edge-decoding independent</c> shows what the
/// model gives without it.
/// </summary>
public sealed class InDegreeProjection
{
    private readonly bool[][] _degrees;   // [symbol][in-degree]: seen in some training graph
    private readonly bool[,] _pairs;      // [parent symbol, child symbol]: linked in some training graph
    private readonly bool[,] _siblings;   // [child symbol, child symbol]: some training node feeds two nodes of these
    private readonly bool[] _consumed;    // [symbol]: every node of it in the training graphs feeds some node
    private readonly bool[] _feeds;       // [symbol]: some node of it feeds some node (an empty slot never does)
    private readonly int _maxEdges;       // the most edges any training graph has

    /// <summary>Reads, in one pass over <paramref name="graphs"/>, which in-degrees (0..<paramref name="nodes"/>-1) each
    /// of the <paramref name="symbols"/> symbols has (counting present parents only), which symbols feed which, which
    /// pairs of symbols one node feeds together, which symbols always feed onwards, and the most edges a graph has. A
    /// pair the data never links (an input feeding an input, an empty slot feeding anything) is no candidate parent.</summary>
    public InDegreeProjection(IEnumerable<ArchGraph> graphs, int symbols, int nodes)
    {
        _degrees = Enumerable.Range(0, symbols).Select(_ => new bool[nodes]).ToArray();
        _pairs = new bool[symbols, symbols];
        _siblings = new bool[symbols, symbols];
        var seen = new bool[symbols];
        var unconsumed = new bool[symbols];
        var children = new List<int>();
        foreach (var g in graphs)
        {
            int edges = 0;
            for (int j = 0; j < g.NodeCount; j++)
            {
                int sj = g.NodeTypes[j];
                if (sj < 0) continue;
                int d = 0;
                for (int i = 0; i < j; i++)
                    if (g.NodeTypes[i] >= 0 && g.Adjacency[i, j]) { d++; _pairs[g.NodeTypes[i], sj] = true; }
                _degrees[sj][d] = true;
                edges += d;
                children.Clear();
                for (int c = j + 1; c < g.NodeCount; c++)
                    if (g.NodeTypes[c] >= 0 && g.Adjacency[j, c]) children.Add(g.NodeTypes[c]);
                for (int q = 0; q < children.Count; q++)   // distinct children; the same symbol twice counts
                    for (int r = 0; r < children.Count; r++)
                        if (q != r) _siblings[children[q], children[r]] = true;
                seen[sj] = true;
                if (children.Count == 0) unconsumed[sj] = true;
            }
            _maxEdges = Math.Max(_maxEdges, edges);
        }
        _consumed = Enumerable.Range(0, symbols).Select(k => seen[k] && !unconsumed[k]).ToArray();
        _feeds = Enumerable.Range(0, symbols).Select(k => Enumerable.Range(0, symbols).Any(c => _pairs[k, c])).ToArray();
    }

    /// <summary>Per symbol and in-degree, whether any training graph has a node of that symbol with that many inputs.</summary>
    public IReadOnlyList<bool[]> Degrees => _degrees;

    /// <summary>Whether node <paramref name="j"/> of a graph whose node symbols are <paramref name="symbols"/> could hold
    /// <paramref name="symbol"/>: some in-degree the data shows for it fits among the earlier nodes the data links to it.
    /// A 3-input blend in the second operation slot, after x and one state, does not.</summary>
    public bool Admits(int[] symbols, int j, int symbol)
    {
        int k = 0;
        for (int i = 0; i < j; i++) if (symbols[i] >= 0 && _pairs[symbols[i], symbol]) k++;
        return Fits(_degrees[symbol], k);
    }

    /// <summary>Node by node in order, replaces each symbol of <paramref name="symbols"/> that <see cref="Admits"/> rejects
    /// with the most preferred of the <paramref name="vocabulary"/> symbols it admits (by <paramref name="preference"/>(node,
    /// symbol); -infinity is never taken) and reports each replacement to <paramref name="replaced"/>. A node nothing fits
    /// keeps its symbol.</summary>
    public void AdmitSymbols(int[] symbols, int vocabulary, Func<int, int, double> preference, Action<int, int> replaced)
    {
        for (int j = 0; j < symbols.Length; j++)
        {
            if (symbols[j] < 0 || Admits(symbols, j, symbols[j])) continue;
            int next = Enumerable.Range(0, vocabulary).OrderByDescending(k => preference(j, k))
                .FirstOrDefault(k => !double.IsNegativeInfinity(preference(j, k)) && Admits(symbols, j, k), -1);
            if (next < 0) continue;
            symbols[j] = next;
            replaced(j, next);
        }
    }

    /// <summary>
    /// The edges [i, j] of one graph whose node symbols are <paramref name="symbols"/> (-1: absent or undecided, no edges),
    /// from the log-odds <paramref name="logit"/>(i, j) of each edge i -> j (i &lt; j), in three passes.
    /// <list type="number">
    /// <item>Node by node in order, the parents are the best allowed set (<see cref="Choose"/>) among the earlier nodes
    /// the data links to the node's symbol and that feed no node of a symbol the data never feeds together with it.</item>
    /// <item>Last node first, a node whose symbol always feeds onwards in the data but whose output reaches no end node
    /// (a node of a symbol the data never feeds onwards) takes the single change that costs the least log-odds: it, or a
    /// node it feeds, feeds a node that reaches one, as an extra input where that node's in-degree allows one or in place
    /// of an input that still reaches an end node afterwards.</item>
    /// <item>While the edges among nodes that reach an end node outnumber the most any training graph has, the weakest
    /// goes whose child keeps an allowed in-degree and whose parent still reaches an end node.</item>
    /// </list>
    /// </summary>
    public bool[,] Project(int[] symbols, Func<int, int, double> logit)
    {
        var edge = new bool[symbols.Length, symbols.Length];
        ChooseParents(symbols, logit, edge);
        var live = GiveWaysOut(symbols, logit, edge);
        CapEdges(symbols, logit, edge, live);
        return edge;
    }

    // Pass 1: node by node in order, the best allowed parent set among linked nodes that feed no clashing sibling.
    private void ChooseParents(int[] symbols, Func<int, int, double> logit, bool[,] edge)
    {
        int n = symbols.Length;
        var candidates = new int[n];
        for (int j = 0; j < n; j++)
        {
            int sj = symbols[j];
            if (sj < 0) continue;
            int m = 0;
            for (int i = 0; i < j; i++) if (symbols[i] >= 0 && _feeds[symbols[i]]) candidates[m++] = i;
            Func<int, bool> linked = i => _pairs[symbols[i], sj];
            int clear = 0;
            for (int q = 0; q < m; q++) if (linked(candidates[q]) && Clear(symbols, edge, candidates[q], sj)) clear++;
            // Dropping the feeders of a clashing symbol must leave an allowed count, else only the links count.
            int d = Choose(candidates, m, i => logit(i, j), _degrees[sj], Fits(_degrees[sj], clear) ? i => linked(i) && Clear(symbols, edge, i, sj) : linked);
            for (int q = 0; q < d; q++) edge[candidates[q], j] = true;
        }
    }

    // Pass 2: last to first, so a node's possible consumers are settled before it is, each node that must reach an end
    // node and does not gets the cheapest edge from it, or from a node it feeds, into one that does. Returns liveness.
    private bool[] GiveWaysOut(int[] symbols, Func<int, int, double> logit, bool[,] edge)
    {
        int n = symbols.Length;
        var live = Live(symbols, edge);
        var reach = new bool[n];
        for (int i = n - 1; i >= 0; i--)
        {
            if (symbols[i] < 0 || !_consumed[symbols[i]] || live[i]) continue;
            Array.Clear(reach);   // i and every node it feeds into, none of them live
            reach[i] = true;
            for (int u = i; u < n; u++)
                if (reach[u]) for (int c = u + 1; c < n; c++) if (edge[u, c]) reach[c] = true;
            double bestGain = double.NegativeInfinity;
            int bestFrom = -1, bestChild = -1, bestDrop = -1;
            for (int u = i; u < n; u++)
            {
                if (!reach[u] || symbols[u] < 0) continue;
                for (int j = u + 1; j < n; j++)
                {
                    int sj = symbols[j];
                    if (sj < 0 || !live[j] || !_pairs[symbols[u], sj] || !Clear(symbols, edge, u, sj)) continue;
                    double gain = logit(u, j);
                    int d = InDegree(edge, j);
                    if (d + 1 < _degrees[sj].Length && _degrees[sj][d + 1] && gain > bestGain) (bestGain, bestFrom, bestChild, bestDrop) = (gain, u, j, -1);
                    for (int p = 0; p < j; p++)
                        if (edge[p, j] && gain - logit(p, j) > bestGain && StaysLive(symbols, edge, p, u, j))
                            (bestGain, bestFrom, bestChild, bestDrop) = (gain - logit(p, j), u, j, p);
                }
            }
            if (bestChild < 0) continue;
            edge[bestFrom, bestChild] = true;
            if (bestDrop >= 0) edge[bestDrop, bestChild] = false;
            live = Live(symbols, edge);
        }
        return live;
    }

    // Pass 3: no more edges between live nodes (those a space that drops dead nodes keeps) than the data ever has; the
    // weakest go first, as long as the child keeps an allowed in-degree and the parent still reaches an end node.
    private void CapEdges(int[] symbols, Func<int, int, double> logit, bool[,] edge, bool[] live)
    {
        int n = symbols.Length;
        while (true)
        {
            int total = 0, wi = -1, wj = -1;
            double weakest = double.PositiveInfinity;
            for (int j = 0; j < n; j++)
            {
                if (!live[j]) continue;
                int d = InDegree(edge, j);
                for (int p = 0; p < j; p++)
                {
                    if (!edge[p, j] || !live[p]) continue;
                    total++;
                    if (_degrees[symbols[j]][d - 1] && logit(p, j) < weakest && StaysLive(symbols, edge, p, -1, j)) (weakest, wi, wj) = (logit(p, j), p, j);
                }
            }
            if (total <= _maxEdges || wi < 0) return;
            edge[wi, wj] = false;
            live = Live(symbols, edge);
        }
    }

    private static int InDegree(bool[,] edge, int j)
    {
        int d = 0;
        for (int p = 0; p < j; p++) if (edge[p, j]) d++;
        return d;
    }

    // Whether i feeds no node whose symbol the data never feeds together with symbol.
    private bool Clear(int[] symbols, bool[,] edge, int i, int symbol)
    {
        for (int c = i + 1; c < symbols.Length; c++)
            if (edge[i, c] && !_siblings[symbols[c], symbol]) return false;
        return true;
    }

    // Whether p, losing its edge into j to i (i = -1: to no one), still reaches an end node, or need not.
    private bool StaysLive(int[] symbols, bool[,] edge, int p, int i, int j)
    {
        if (!_consumed[symbols[p]]) return true;
        edge[p, j] = false;
        if (i >= 0) edge[i, j] = true;
        bool stays = Live(symbols, edge)[p];
        edge[p, j] = true;
        if (i >= 0) edge[i, j] = false;
        return stays;
    }

    // A node is live when its output reaches a node of a symbol the data never feeds onwards (an output, a state), or
    // is one; nodes of a symbol that always has a consumer in the data must be live.
    private bool[] Live(int[] symbols, bool[,] edge)
    {
        int n = symbols.Length;
        var live = new bool[n];
        for (int i = n - 1; i >= 0; i--)
        {
            if (symbols[i] < 0) continue;
            bool fed = false;
            for (int c = i + 1; c < n && !live[i]; c++)
                if (edge[i, c]) { fed = true; live[i] = live[c]; }
            if (!fed && !_consumed[symbols[i]]) live[i] = true;
        }
        return live;
    }

    /// <summary>
    /// Arranges <paramref name="candidates"/>[0..m) so that the parents come first and returns their number d: the allowed
    /// count that maximises the log-likelihood of "the d with the highest <paramref name="logit"/> (log-odds of being a
    /// parent, or anything monotone and scaled alike) are parents, the rest not", i.e. the sum of the first d log-odds.
    /// Only candidates that <paramref name="linked"/> accepts are considered while some allowed count fits among them,
    /// else all. When no allowed count fits at all (fewer candidates than the data's smallest), the candidates with
    /// positive log-odds are the parents.
    /// </summary>
    public static int Choose(int[] candidates, int m, Func<int, double> logit, bool[] allowed, Func<int, bool>? linked = null)
    {
        if (linked is not null)
        {
            int k = 0;
            for (int q = 0; q < m; q++)
                if (linked(candidates[q])) (candidates[k], candidates[q]) = (candidates[q], candidates[k++]);
            if (Fits(allowed, k)) return Best(candidates, k, logit, allowed);
        }
        return Best(candidates, m, logit, allowed);
    }

    private static bool Fits(bool[] allowed, int m)
    {
        for (int d = 0; d <= m && d < allowed.Length; d++) if (allowed[d]) return true;
        return false;
    }

    private static int Best(int[] candidates, int m, Func<int, double> logit, bool[] allowed)
    {
        Array.Sort(candidates, 0, m, Comparer<int>.Create((x, y) => logit(y).CompareTo(logit(x))));
        int bestD = -1;
        double best = double.NegativeInfinity, sum = 0;
        for (int d = 0; d <= m; d++)
        {
            if (d > 0) sum += logit(candidates[d - 1]);
            if (d < allowed.Length && allowed[d] && sum > best) { best = sum; bestD = d; }
        }
        if (bestD >= 0) return bestD;
        int positive = 0;
        for (int q = 0; q < m; q++) if (logit(candidates[q]) > 0) positive++;
        return positive;
    }
}
