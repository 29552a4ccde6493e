using NagSharp.Evaluation;
using NagSharp.Search;
using NagSharp.Search.MultiObjective;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>Pareto fronts, the exact two-objective hypervolume, ParEGO's scalarisation and the two-objective search.</summary>
[Collection(TorchCollection.Name)]   // ParEGO fits BANANAS' ensemble and the CLI searches set torch's thread count and seed
public class ParetoTests
{
    private static readonly MetricDirection Hi = MetricDirection.HigherIsBetter, Lo = MetricDirection.LowerIsBetter;

    private static IReadOnlyList<double>[] P(params (double, double)[] xs) => xs.Select(x => (IReadOnlyList<double>)new[] { x.Item1, x.Item2 }).ToArray();

    [Fact]
    public void HypervolumeOfAStaircaseIsTheUnionOfItsRectangles()
    {
        // [0,3]x[0,1] + [0,2]x[1,2] + [0,1]x[2,3] = 3 + 2 + 1.
        Assert.Equal(6, Pareto.Hypervolume2D(P((3, 1), (2, 2), (1, 3)), [0, 0], [Hi, Hi]), 12);
        // A dominated point and a duplicate add nothing; one point is its rectangle.
        Assert.Equal(6, Pareto.Hypervolume2D(P((3, 1), (2, 2), (1, 3), (1, 1), (2, 2)), [0, 0], [Hi, Hi]), 12);
        Assert.Equal(2.5 * 4, Pareto.Hypervolume2D(P((3.5, 5)), [1, 1], [Hi, Hi]), 12);
        Assert.Equal(0, Pareto.Hypervolume2D([], [0, 0], [Hi, Hi]));
    }

    [Fact]
    public void HypervolumeHandlesALowerIsBetterObjective()
    {
        // Accuracy up, milliseconds down, reference (70 %, 40 ms): slabs 40-30 ms at 90 %, 30-20 at 85 %, 20-10 at 80 %:
        // 20*10 + 15*10 + 10*10. (80 %, 25 ms) is dominated by (85 %, 20 ms).
        var points = P((90, 30), (80, 10), (85, 20), (80, 25));
        Assert.Equal(450, Pareto.Hypervolume2D(points, [70, 40], [Hi, Lo]), 9);
        // Swapping the objectives' order swaps nothing in the area.
        Assert.Equal(450, Pareto.Hypervolume2D(points.Select(p => (IReadOnlyList<double>)new[] { p[1], p[0] }).ToArray(), [40, 70], [Lo, Hi]), 9);
        // Maximising the latency instead would be another front with another area.
        Assert.NotEqual(450, Pareto.Hypervolume2D(points, [70, 0], [Hi, Hi]), 9);
    }

    [Fact]
    public void PointsNotBeyondTheReferenceAddNothing()
    {
        Assert.Equal(0, Pareto.Hypervolume2D(P((70, 30), (90, 40), (60, 10)), [70, 40], [Hi, Lo]));
        Assert.Equal(20 * 10, Pareto.Hypervolume2D(P((70, 30), (90, 30), (60, 10)), [70, 40], [Hi, Lo]), 12);
        Assert.True(double.IsNaN(Pareto.Hypervolume2D(P((1, 1)), [double.NaN, 0], [Hi, Hi])));
    }

    [Fact]
    public void TheFrontKeepsTheNonDominatedPointsBestFirstObjectiveFirst()
    {
        var points = P((90, 30), (80, 10), (85, 20), (80, 25), (90, 30), (95, double.NaN), (70, 10));
        // (80,25) is dominated by (85,20); (70,10) by (80,10); the NaN point is never on the front; equal points both stay.
        Assert.Equal([0, 4, 2, 1], Pareto.FrontIndices(points, [Hi, Lo]));
        Assert.True(Pareto.Dominates([85, 20], [80, 25], [Hi, Lo]));
        Assert.False(Pareto.Dominates([85, 20], [80, 25], [Hi, Hi]));   // 25 ms is better when higher is better
        Assert.False(Pareto.Dominates([90, 30], [90, 30], [Hi, Lo]));
        Assert.Equal([70, 30], Pareto.Nadir(points, [Hi, Lo]));
    }

    [Fact]
    public void ChebyshevWithAllWeightOnOneObjectiveRanksByIt()
    {
        var gains = P((1, 9), (3, 2), (2, 5));
        var first = Pareto.Chebyshev(gains, [1, 0]);
        Assert.Equal([1, 2, 0], Enumerable.Range(0, 3).OrderByDescending(i => first[i]).ToArray());
        var second = Pareto.Chebyshev(gains, [0, 1]);
        Assert.Equal([0, 2, 1], Enumerable.Range(0, 3).OrderByDescending(i => second[i]).ToArray());
        // The best point in every objective scores 0, the largest value there is.
        Assert.Equal(0, Pareto.Chebyshev(P((1, 1), (3, 3)), [0.5, 0.5])[1], 12);
    }

    /// <summary>NB201 cells scored by two made-up objectives that pull apart: quality grows with convolutions, and so
    /// does cost (lower is better).</summary>
    private sealed class TradeOff : IEvaluator
    {
        public string Name => "trade-off";
        public ISearchSpace Space { get; } = new Nb201Space();
        public IReadOnlyList<MetricColumn> Columns { get; } = [new("quality", Hi), new("cost", Lo)];
        public int Queries { get; private set; }
        public IReadOnlyList<string> Notes => [];
        public Evaluation.Evaluation Evaluate(Arch arch)
        {
            Queries++;
            string s = arch.ToString();
            int c3 = Count(s, "nor_conv_3x3"), c1 = Count(s, "nor_conv_1x1"), pool = Count(s, "avg_pool_3x3"), skip = Count(s, "skip_connect");
            return new(new Dictionary<string, double> { ["quality"] = 3.0 * c3 + 2.2 * c1 + 0.5 * pool + 0.8 * skip, ["cost"] = 9.0 * c3 + 1.0 * c1 + 0.3 * pool }, 0);
        }
        private static int Count(string s, string op) => (s.Length - s.Replace(op, "", StringComparison.Ordinal).Length) / op.Length;
        public void Dispose() { }
    }

    [Fact]
    public void ParegoBananasSearchesBothObjectivesReproducibly()
    {
        using var ev = new TradeOff();
        var goal = ParetoGoal.For(ev, ["quality", "cost"]);
        Assert.Equal([Hi, Lo], goal.Directions);
        List<ParetoTrial> Run()
        {
            using var s = (ParegoSearch)ParetoRun.Create("bananas", ev.Space, 3, new StrategyOptions(), 2);
            return ParetoHarness.Run(s, ev, goal, 30, 3);
        }
        var a = Run();
        var b = Run();
        Assert.Equal(30, a.Select(t => t.Arch).Distinct().Count());
        Assert.Equal(a.Select(t => t.Arch), b.Select(t => t.Arch));
        Assert.All(a, t => Assert.Equal(2, t.Values.Count));
        var result = ParetoRun.Score("nb201", goal, a, ["bananas"], 30, 1, null, ev.Name, new Dictionary<string, double>(), []);
        // The reference is the nadir of the trials: the lowest quality and the highest cost seen.
        Assert.Equal([a.Min(t => t.Values[0]), a.Max(t => t.Values[1])], result.Reference);
        Assert.True(result.Summaries[0].Hypervolume[30].Mean > 0);
        Assert.True(result.Summaries[0].Hypervolume[10].Mean <= result.Summaries[0].Hypervolume[30].Mean);
        // Every listed front point is non-dominated among all trials.
        Assert.All(result.Front, p => Assert.DoesNotContain(a, t => Pareto.Dominates(t.Values, p.Values, goal.Directions)));
        Assert.Equal(result.FrontHypervolume, result.Summaries[0].Hypervolume[30].Mean, 9);
    }

    [Fact]
    public void ParegoDrawsAnotherWeightEachRoundAndNeedsEveryObjective()
    {
        using var s = (ParegoSearch)ParetoRun.Create("bananas", new Nb201Space(), 0, new StrategyOptions(), 2);
        Assert.Equal(s.Weights(10), s.Weights(10));
        Assert.NotEqual(s.Weights(10), s.Weights(20));
        Assert.Equal(1, s.Weights(10).Sum(), 12);
        Assert.Throws<InvalidOperationException>(() => s.Tell(new Nb201Space().Sample(new Random(0)), 1.0));
        var e = Assert.Throws<NagUserException>(() => ParetoRun.Create("evolution", new Nb201Space(), 0, new StrategyOptions(), 2));
        Assert.Contains("searches one objective", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void NagSearchWithTwoObjectivesWritesTheFrontAndItsHypervolume()
    {
        string data = TestData.RequireDir();
        using var tmp = new TempDir();
        var (code, stdout, stderr) = CliRunner.Run("search", "--space", "nb201", "--objective", "cifar10_valid_acc200", "--objective", "fpga_ms",
            "--strategy", "random,bananas", "--budget", "20", "--seeds", "2", "--out", tmp.File("mo"), "--data-dir", data);
        Assert.True(code == 0, stderr);
        Assert.Contains("fpga_ms (lower is better)", stdout, StringComparison.Ordinal);
        Assert.Contains("Pareto front of all trials", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(tmp.File("mo"), "front.csv")));
        string json = File.ReadAllText(Path.Combine(tmp.File("mo"), "summary.json"));
        Assert.Contains("\"reference_source\":\"nadir\"", json, StringComparison.Ordinal);
        // The listed front has lower latency as it loses accuracy (sorted best accuracy first).
        var front = File.ReadAllLines(Path.Combine(tmp.File("mo"), "front.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.NotEmpty(front);
        for (int i = 1; i < front.Count; i++)
            Assert.True(double.Parse(front[i][5], System.Globalization.CultureInfo.InvariantCulture) <= double.Parse(front[i - 1][5], System.Globalization.CultureInfo.InvariantCulture));

        var bad = CliRunner.Run("search", "--space", "nb201", "--objective", "cifar10_valid_acc200", "--objective", "fpga_ms",
            "--strategy", "evolution", "--budget", "5", "--seeds", "1", "--out", tmp.File("bad"), "--data-dir", data);
        Assert.Equal(1, bad.Code);
        Assert.Contains("searches one objective", bad.Err, StringComparison.Ordinal);
        var badRef = CliRunner.Run("search", "--space", "nb201", "--objective", "cifar10_valid_acc200", "--objective", "fpga_ms",
            "--reference-point", "80,x", "--budget", "5", "--seeds", "1", "--out", tmp.File("bad2"), "--data-dir", data);
        Assert.Equal(1, badRef.Code);
        Assert.Single(badRef.Err.Trim().Split('\n'));
    }

    [SkippableFact]
    public void BenchSearchWithTwoObjectivesScoresEachStrategyAgainstAGivenReference()
    {
        string data = TestData.RequireDir();
        using var tmp = new TempDir();
        var (code, stdout, stderr) = CliRunner.Run("bench", "search", "--space", "nb201", "--objective", "cifar10_valid_acc200", "--objective", "fpga_ms",
            "--reference-point", "80,10", "--strategy", "random,gp-bo", "--budget", "12", "--seeds", "2", "--out", tmp.File("b"), "--data-dir", data);
        Assert.True(code == 0, stderr);
        Assert.Contains("hypervolume reference (given): (80, 10)", stdout, StringComparison.Ordinal);
        Assert.Contains("| gp-bo |", stdout, StringComparison.Ordinal);
        Assert.Contains("s wall time", File.ReadAllText(Path.Combine(tmp.File("b"), "bench_search.md")), StringComparison.Ordinal);
        var one = CliRunner.Run("bench", "search", "--space", "nb201", "--objective", "cifar10_valid_acc200", "--budget", "5", "--seeds", "1",
            "--out", tmp.File("c"), "--data-dir", data);
        Assert.Equal(1, one.Code);
        Assert.Contains("--pairs", one.Err, StringComparison.Ordinal);
    }
}
