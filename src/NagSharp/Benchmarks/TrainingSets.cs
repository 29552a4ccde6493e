using NagSharp.Spaces;

namespace NagSharp.Benchmarks;

/// <summary>How training subsets of a space are drawn.</summary>
public static class TrainingSets
{
    /// <summary>
    /// The training architectures of a space: a random fraction of an enumerable space, else (a space too large to
    /// enumerate) the distinct architectures of its tables, then of its unlabelled lists, then <paramref name="unlabelled"/>
    /// uniform samples, skipping repeats, in that order. Both engines train on this.
    /// </summary>
    public static List<string> Build(ISearchSpace space, BenchmarkData? data, IReadOnlyList<Arch> lists, double fraction, int unlabelled, int seed)
    {
        if (space.Size is not null) return Select(space, fraction, seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var archs = new List<string>();
        if (data is not null)
            foreach (int key in data.Keys)
                if (seen.Add(data.ArchOf(key).ToString())) archs.Add(data.ArchOf(key).ToString());
        foreach (var a in lists)
            if (seen.Add(a.ToString())) archs.Add(a.ToString());
        var rng = new Random(seed);
        for (int i = 0; i < unlabelled; i++)
        {
            string a = space.Sample(rng).ToString();
            if (seen.Add(a)) archs.Add(a);
        }
        if (archs.Count == 0) throw new NagUserException($"{space.Name} cannot be enumerated and no tables, lists or unlabelled samples give training architectures");
        return archs;
    }

    /// <summary>The unlabelled architecture lists of a space (empty without a data directory).</summary>
    public static IReadOnlyList<Arch> Lists(ISearchSpace space, string? dataDir) =>
        DataLocator.TryResolve(dataDir) is string dir ? ArchLists.Load(space, dir) : [];

    /// <summary>A random fraction of an enumerable space (all of it for 1.0), in a seed-determined order.</summary>
    public static List<string> Select(ISearchSpace space, double fraction, int seed)
    {
        if (space.Size is null) throw new NagUserException($"{space.Name} cannot be enumerated; give a training set");
        var all = space.Enumerate().Select(a => a.ToString()).ToArray();
        new Random(seed).Shuffle(all);
        int count = Math.Max(1, (int)Math.Round(fraction * all.Length));
        return all.Take(count).ToList();
    }
}
