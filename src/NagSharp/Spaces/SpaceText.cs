using System.Globalization;

namespace NagSharp.Spaces;

/// <summary>Small parsing helpers shared by the spaces' string forms (tuples of integers, as NASLib writes them).</summary>
internal static class SpaceText
{
    /// <summary>
    /// Parses <c>(1, 2, 3)</c> or <c>[1, 2, 3]</c> (spaces optional) into integers; throws <see cref="ArchFormatException"/>
    /// prefixed with <paramref name="what"/> naming the bad item.
    /// </summary>
    public static int[] IntTuple(string text, string what)
    {
        string s = text.Trim();
        if (s.Length < 2 || !((s[0] == '(' && s[^1] == ')') || (s[0] == '[' && s[^1] == ']')))
            throw new ArchFormatException($"{what}: '{s}' is not a tuple such as (1, 2, 3)");
        string inner = s[1..^1].Trim();
        if (inner.Length == 0) return [];
        var parts = inner.Split(',');
        var result = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result[i]))
                throw new ArchFormatException($"{what}: item {i} '{parts[i].Trim()}' is not an integer");
        return result;
    }

    /// <summary>Writes integers as NASLib does: <c>(1, 2, 3)</c>.</summary>
    public static string Tuple(IEnumerable<int> values) =>
        "(" + string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + ")";

    /// <summary>Index of <paramref name="value"/> in <paramref name="list"/>, or -1.</summary>
    public static int IndexOf<T>(IReadOnlyList<T> list, T value)
    {
        for (int i = 0; i < list.Count; i++) if (EqualityComparer<T>.Default.Equals(list[i], value)) return i;
        return -1;
    }

    /// <summary>The symbol's name, or its number when it is outside the vocabulary (for error messages).</summary>
    public static string SymbolName(IReadOnlyList<string> vocabulary, int symbol) =>
        symbol >= 0 && symbol < vocabulary.Count ? vocabulary[symbol] : symbol.ToString(CultureInfo.InvariantCulture);

    /// <summary>Checks the graph's shape against a fixed adjacency; returns the reason it differs, or null.</summary>
    public static string? CheckFixedShape(Graphs.ArchGraph graph, bool[,] adjacency, string spaceName)
    {
        int n = adjacency.GetLength(0);
        if (graph.NodeCount != n) return $"expected {n} nodes, got {graph.NodeCount}";
        if (graph.Adjacency.GetLength(0) != n || graph.Adjacency.GetLength(1) != n)
            return $"adjacency is {graph.Adjacency.GetLength(0)}x{graph.Adjacency.GetLength(1)}, expected {n}x{n}";
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (graph.Adjacency[i, j] != adjacency[i, j]) return $"edge {i}->{j} differs from the fixed {spaceName} adjacency";
        return null;
    }

    /// <summary>A chain adjacency 0 -&gt; 1 -&gt; ... -&gt; n-1.</summary>
    public static bool[,] Chain(int n)
    {
        var a = new bool[n, n];
        for (int i = 0; i + 1 < n; i++) a[i, i + 1] = true;
        return a;
    }
}
