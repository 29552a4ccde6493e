using NagSharp.Graphs;

namespace NagSharp.Diffusion;

/// <summary>
/// Joint choice of a node's inputs at the end of sampling, shared by both engines on free topologies. Edges drawn (or
/// thresholded) pair by pair give an operation with a fixed arity (a 3-input blend, a 2-input product) its exact count
/// of inputs only by luck; here each node gets, among the in-degrees the training graphs show for its symbol, the one
/// whose most likely parent set scores best, and those parents, taken from the nodes whose symbols the data links to
/// the node's symbol (from all nodes when too few are). It uses only what the data shows, never a space's rules: rules
/// that span several nodes (reachability, counts of states) stay the model's to learn.
/// </summary>
public sealed class InDegreeProjection
{
    private readonly bool[][] _degrees;   // [symbol][in-degree]: seen in some training graph
    private readonly bool[,] _pairs;      // [parent symbol, child symbol]: linked in some training graph

    /// <summary>Reads, in one pass over <paramref name="graphs"/>, which in-degrees (0..<paramref name="nodes"/>-1) each
    /// of the <paramref name="symbols"/> symbols has (counting present parents only) and which symbols feed which. A
    /// pair the data never links (an input feeding an input, an empty slot feeding anything) is no candidate parent.</summary>
    public InDegreeProjection(IEnumerable<ArchGraph> graphs, int symbols, int nodes)
    {
        _degrees = Enumerable.Range(0, symbols).Select(_ => new bool[nodes]).ToArray();
        _pairs = new bool[symbols, symbols];
        foreach (var g in graphs)
            for (int j = 0; j < g.NodeCount; j++)
            {
                if (g.NodeTypes[j] < 0) continue;
                int d = 0;
                for (int i = 0; i < j; i++)
                    if (g.NodeTypes[i] >= 0 && g.Adjacency[i, j]) { d++; _pairs[g.NodeTypes[i], g.NodeTypes[j]] = true; }
                _degrees[g.NodeTypes[j]][d] = true;
            }
    }

    /// <summary>Per symbol and in-degree, whether any training graph has a node of that symbol with that many inputs.</summary>
    public IReadOnlyList<bool[]> Degrees => _degrees;

    /// <summary>
    /// The parents of a node of symbol <paramref name="child"/> among <paramref name="candidates"/>[0..m) (earlier present
    /// nodes, whose symbols <paramref name="symbolOf"/> gives): arranges them first and returns their number (see
    /// <see cref="Choose"/>), with the data's in-degrees for the symbol and its linked parent symbols.
    /// </summary>
    public int ChooseParents(int[] candidates, int m, Func<int, double> logit, int child, Func<int, int> symbolOf) =>
        Choose(candidates, m, logit, _degrees[child], i => _pairs[symbolOf(i), child]);

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
