using NagSharp.Graphs;

namespace NagSharp.Diffusion;

/// <summary>
/// Node slots whose symbols always go together in the training graphs, decoded together. Read slot by slot, a sample
/// can mark a state's input slot in use and its output slot empty, a pairing no training graph shows and no per-slot
/// rule can give. Two slots are coupled when, in every training graph, the symbol in either one determines the symbol
/// in the other (and each takes at least two values); coupled slots form groups, and a group's symbols are chosen
/// among the tuples the training graphs show, the one nearest the sample. Only the data is read, never a space's rules.
/// </summary>
public sealed class CoupledSlots
{
    private readonly int[][] _groups;     // [group][member]: node slots, ascending
    private readonly int[][][] _tuples;   // [group][tuple][member]: symbols seen together (-1 = absent), first-seen order

    /// <summary>Finds the coupled slots of <paramref name="graphs"/> (all with <paramref name="nodes"/> node slots).</summary>
    public CoupledSlots(IEnumerable<ArchGraph> graphs, int nodes)
    {
        var types = graphs.Select(g => g.NodeTypes).ToList();
        AlwaysFilled = Enumerable.Range(0, nodes).Select(s => types.Count > 0 && types.All(t => t[s] >= 0)).ToArray();
        var values = Enumerable.Range(0, nodes).Select(s => types.Select(t => t[s]).Distinct().Count()).ToArray();
        var parent = Enumerable.Range(0, nodes).ToArray();
        int Root(int s) => parent[s] == s ? s : parent[s] = Root(parent[s]);
        for (int i = 0; i < nodes; i++)
            for (int j = i + 1; j < nodes; j++)
                if (values[i] > 1 && values[i] == values[j] && Determines(types, i, j) && Determines(types, j, i))
                    parent[Root(j)] = Root(i);
        var groups = new List<int[]>();
        var tuples = new List<int[][]>();
        foreach (var members in Enumerable.Range(0, nodes).GroupBy(Root).Where(g => g.Count() > 1).Select(g => g.ToArray()))
        {
            groups.Add(members);
            var seen = new List<int[]>();
            foreach (var t in types)
            {
                var tuple = members.Select(s => t[s]).ToArray();
                if (!seen.Any(u => u.AsSpan().SequenceEqual(tuple))) seen.Add(tuple);
            }
            tuples.Add(seen.ToArray());
        }
        _groups = groups.ToArray();
        _tuples = tuples.ToArray();
    }

    /// <summary>Per slot, whether every training graph holds a symbol there (e.g. `unused` counts, absence does not): such a
    /// slot is never read as empty, so a sample that leaves it undecided takes its largest entry.</summary>
    public bool[] AlwaysFilled { get; }

    /// <summary>The groups of coupled slots (ascending slot indices), empty when the data couples none.</summary>
    public IReadOnlyList<int[]> Groups => _groups;

    /// <summary>The symbol tuples the training graphs show for group <paramref name="group"/> (-1 = absent).</summary>
    public IReadOnlyList<int[]> Tuples(int group) => _tuples[group];

    /// <summary>
    /// The tuple of group <paramref name="group"/> nearest a sample whose slot rows are ±1 one-hot codes (all -1 = absent):
    /// the one with the largest sum of <paramref name="entry"/>(slot, symbol) over its present symbols, since the squared
    /// distance to a code is a constant minus twice that sum.
    /// </summary>
    public int[] Nearest(int group, Func<int, int, double> entry)
    {
        int[] best = _tuples[group][0];
        double bestScore = double.NegativeInfinity;
        foreach (var tuple in _tuples[group])
        {
            double score = 0;
            for (int m = 0; m < tuple.Length; m++)
                if (tuple[m] >= 0) score += entry(_groups[group][m], tuple[m]);
            if (score > bestScore) { bestScore = score; best = tuple; }
        }
        return best;
    }

    private static bool Determines(List<int[]> types, int from, int to)
    {
        var map = new Dictionary<int, int>();
        foreach (var t in types)
        {
            if (map.TryGetValue(t[from], out var seen)) { if (seen != t[to]) return false; }
            else map[t[from]] = t[to];
        }
        return true;
    }
}
