using System.Diagnostics;
using NagSharp.Benchmarks;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>What ranking a whole enumerable space by a predictor gives: the yardstick generation is measured against.</summary>
/// <param name="Top">Architectures kept (the k best by the predictor).</param>
/// <param name="PredictorCalls">Architectures scored (the whole space).</param>
/// <param name="Seconds">Wall-clock of scoring and sorting.</param>
/// <param name="ReportMean">Mean of each report column over the k best (NaN when the tables know none).</param>
/// <param name="Architectures">The k best, best first, with their scores (model units) and report values.</param>
public sealed record ExhaustiveTop(int Top, long PredictorCalls, double Seconds, IReadOnlyDictionary<string, double> ReportMean,
    [property: System.Text.Json.Serialization.JsonIgnore] IReadOnlyList<GeneratedArch> Architectures);

/// <summary>Ranks every architecture of an enumerable space by a predictor (<c>nag predict</c>, and beside <c>nag generate</c>).</summary>
public static class ExhaustiveRanking
{
    /// <summary>Largest space ranked beside a generation run: NB201's 15,625 cells take about 2 s on 2 cores; a million
    /// would take minutes, which is what generation is for.</summary>
    public const long MaxSpace = 100_000;

    /// <summary>The <paramref name="k"/> best architectures of the predictor's space by predicted score (the lowest
    /// when <paramref name="lowerIsBetter"/>), with the <paramref name="reports"/> columns of <paramref name="data"/>.</summary>
    public static ExhaustiveTop Top(NoiseAwarePredictor predictor, int k, IReadOnlyList<string> reports, BenchmarkData? data, bool lowerIsBetter = false)
    {
        var space = predictor.Space;
        if (space.Size is null) throw new NagUserException($"{space.Name} cannot be enumerated");
        Guard.Positive(k, "top k");
        var clock = Stopwatch.StartNew();
        var archs = space.Enumerate().ToArray();
        var scores = predictor.PredictScores(archs);
        var order = Enumerable.Range(0, archs.Length).OrderByDescending(i => lowerIsBetter ? -scores[i] : scores[i]).ThenBy(i => i).Take(k).ToArray();
        var best = order.Select(i => new GeneratedArch(archs[i], scores[i], reports.Distinct().ToDictionary(c => c, c => data?.Get(archs[i], c)))).ToList();
        var means = reports.Distinct().ToDictionary(c => c, c => best.Select(b => b.Values[c]).OfType<double>().DefaultIfEmpty(double.NaN).Average());
        return new ExhaustiveTop(best.Count, archs.Length, clock.Elapsed.TotalSeconds, means, best);
    }
}
