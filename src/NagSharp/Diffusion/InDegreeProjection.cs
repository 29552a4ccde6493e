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
public static class InDegreeProjection
{
    /// <summary>Per symbol (0..<paramref name="symbols"/>-1) and in-degree (0..N-1), whether any of
    /// <paramref name="graphs"/> has a present node of that symbol with that many present parents.</summary>
    public static bool[][] Allowed(IEnumerable<ArchGraph> graphs, int symbols, int nodes)
    {
        var degrees = Enumerable.Range(0, symbols).Select(_ => new bool[nodes]).ToArray();
        foreach (var g in graphs)
            for (int j = 0; j < g.NodeCount; j++)
            {
                if (g.NodeTypes[j] < 0) continue;
                int d = 0;
                for (int i = 0; i < j; i++) if (g.NodeTypes[i] >= 0 && g.Adjacency[i, j]) d++;
                degrees[g.NodeTypes[j]][d] = true;
            }
        return degrees;
    }

    /// <summary>Per parent symbol and child symbol, [symbols, symbols], whether any of <paramref name="graphs"/> has an
    /// edge from a node of the one to a node of the other. A pair the data never links (an input feeding an input, an
    /// empty slot feeding anything) is no candidate parent.</summary>
    public static bool[,] AllowedPairs(IEnumerable<ArchGraph> graphs, int symbols)
    {
        var pairs = new bool[symbols, symbols];
        foreach (var g in graphs)
            for (int j = 0; j < g.NodeCount; j++)
                for (int i = 0; i < j; i++)
                    if (g.NodeTypes[i] >= 0 && g.NodeTypes[j] >= 0 && g.Adjacency[i, j]) pairs[g.NodeTypes[i], g.NodeTypes[j]] = true;
        return pairs;
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
