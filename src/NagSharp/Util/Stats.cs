namespace NagSharp;

/// <summary>Rank statistics for predictor quality.</summary>
public static class Stats
{
    /// <summary>Average ranks (ties share the mean rank).</summary>
    public static double[] Ranks(IReadOnlyList<double> v)
    {
        var idx = Enumerable.Range(0, v.Count).OrderBy(i => v[i]).ToArray();
        var r = new double[v.Count];
        for (int i = 0; i < idx.Length;)
        {
            int j = i;
            while (j + 1 < idx.Length && v[idx[j + 1]] == v[idx[i]]) j++;
            double rank = (i + j) / 2.0;
            for (int k = i; k <= j; k++) r[idx[k]] = rank;
            i = j + 1;
        }
        return r;
    }

    /// <summary>Sample standard deviation (n - 1 in the denominator; 0 for fewer than two values).</summary>
    public static double SampleStd(IReadOnlyList<double> v)
    {
        if (v.Count < 2) return 0;
        double m = v.Average();
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Count - 1));
    }

    /// <summary>
    /// Ranks mapped to the scale of z-scores: u = rank / (n - 1) in [0, 1], then (u - 1/2) / std(U(0, 1)). Surrogates fit
    /// these instead of raw accuracies so that the long tail of broken architectures does not squeeze the top of the
    /// range, where the search needs resolution. A single value maps to 0.
    /// </summary>
    public static double[] RankScores(IReadOnlyList<double> v)
    {
        var r = Ranks(v);
        const double uniformStd = 0.28867513459481287;
        return r.Select(x => v.Count <= 1 ? 0 : (x / (v.Count - 1) - 0.5) / uniformStd).ToArray();
    }

    /// <summary>Pearson correlation.</summary>
    public static double Pearson(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Count; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb); }
        return saa == 0 || sbb == 0 ? 0 : sab / Math.Sqrt(saa * sbb);
    }

    /// <summary>Spearman rank correlation.</summary>
    public static double Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b) => Pearson(Ranks(a), Ranks(b));

    /// <summary>Kendall tau-b (O(n^2); fine for the tens of thousands of points of a benchmark table).</summary>
    public static double KendallTau(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        long concordant = 0, discordant = 0, tiesA = 0, tiesB = 0;
        for (int i = 0; i < a.Count; i++)
            for (int j = i + 1; j < a.Count; j++)
            {
                int da = Math.Sign(a[i] - a[j]), db = Math.Sign(b[i] - b[j]);
                if (da == 0 && db == 0) continue;
                if (da == 0) tiesA++;
                else if (db == 0) tiesB++;
                else if (da == db) concordant++;
                else discordant++;
            }
        double denom = Math.Sqrt((double)(concordant + discordant + tiesA) * (concordant + discordant + tiesB));
        return denom == 0 ? 0 : (concordant - discordant) / denom;
    }
}
