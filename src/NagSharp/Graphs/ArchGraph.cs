namespace NagSharp.Graphs;

/// <summary>
/// An architecture as a directed acyclic graph with typed nodes: the representation both diffusion engines
/// work on. Nodes are in topological order, so every edge goes from a lower to a higher index.
/// </summary>
/// <remarks>A class, not a record: record equality would compare the arrays by reference. Use <see cref="SameAs"/>.</remarks>
/// <param name="nodeTypes">Symbol index per node into the space's <see cref="Spaces.ISearchSpace.NodeVocabulary"/>;
/// -1 marks an absent node (a padded slot of a smaller graph or a skipped layer).</param>
/// <param name="adjacency">adjacency[i, j] is true when data flows from node i to node j (i &lt; j).</param>
public sealed class ArchGraph(int[] nodeTypes, bool[,] adjacency)
{
    /// <summary>Symbol index per node; -1 marks an absent node.</summary>
    public int[] NodeTypes { get; } = nodeTypes;

    /// <summary>Adjacency[i, j] is true when data flows from node i to node j.</summary>
    public bool[,] Adjacency { get; } = adjacency;

    /// <summary>Number of node slots (including absent ones).</summary>
    public int NodeCount => NodeTypes.Length;

    /// <summary>True when the two graphs have the same node types and the same edges.</summary>
    public bool SameAs(ArchGraph other)
    {
        if (other.NodeCount != NodeCount || !NodeTypes.AsSpan().SequenceEqual(other.NodeTypes)) return false;
        for (int i = 0; i < NodeCount; i++)
            for (int j = 0; j < NodeCount; j++)
                if (Adjacency[i, j] != other.Adjacency[i, j]) return false;
        return true;
    }

    /// <summary>One-hot node features, row-major [NodeCount, vocabularySize]; absent nodes are all-zero rows.</summary>
    public float[] OneHot(int vocabularySize)
    {
        var x = new float[NodeCount * vocabularySize];
        for (int i = 0; i < NodeCount; i++)
            if (NodeTypes[i] >= 0) x[i * vocabularySize + NodeTypes[i]] = 1f;
        return x;
    }

    /// <summary>Transitive closure of the adjacency (reachability), used when attention may look along paths.</summary>
    public static bool[,] TransitiveClosure(bool[,] adjacency)
    {
        int n = adjacency.GetLength(0);
        var r = (bool[,])adjacency.Clone();
        for (int k = 0; k < n; k++)
            for (int i = 0; i < n; i++)
                if (r[i, k])
                    for (int j = 0; j < n; j++)
                        if (r[k, j]) r[i, j] = true;
        return r;
    }
}
