using NagSharp.Evaluation;

namespace NagSharp.Tests;

/// <summary>Successive halving stops a trial at the rung its rule says: only the top 1/eta of a rung continues.</summary>
public class AshaPrunerTests
{
    [Fact]
    public void RungsSitAtMinEpochsTimesPowersOfEta()
    {
        var p = new AshaPruner(3, 1);
        Assert.Equal([1, 3, 9, 27], Enumerable.Range(1, 30).Where(p.IsRung).ToArray());
        var q = new AshaPruner(2, 2);
        Assert.Equal([2, 4, 8, 16], Enumerable.Range(1, 20).Where(q.IsRung).ToArray());
        Assert.Throws<NagUserException>(() => new AshaPruner(1));
        Assert.Throws<NagUserException>(() => new AshaPruner(3, 0));
    }

    [Fact]
    public void OnlyTheTopThirdOfARungContinues()
    {
        var p = new AshaPruner();
        Assert.False(p.ShouldStop([0.1]));            // first trial: alone at the rung, it is the best
        p.Report([0.5, 0.6, 0.7, 0.8]);
        Assert.True(p.ShouldStop([0.4]));             // two values at rung 1: only the best (0.5) continues
        Assert.False(p.ShouldStop([0.6]));
        Assert.False(p.ShouldStop([0.4, 0.45]));      // epoch 2 is no rung
        p.Report([0.4]);                              // stopped at rung 1
        p.Report([0.3]);
        p.Report([0.2]);
        p.Report([0.45, 0.5, 0.55]);
        // Rung 1 now holds 0.5, 0.4, 0.3, 0.2, 0.45; with a sixth value the top 6/3 = 2 continue: 0.5 and 0.45 (or better).
        Assert.False(p.ShouldStop([0.46]));
        Assert.True(p.ShouldStop([0.44]));
        // Rung 3 holds 0.7 and 0.55: with a third value only the best continues.
        Assert.True(p.ShouldStop([0.6, 0.6, 0.6]));
        Assert.False(p.ShouldStop([0.6, 0.6, 0.71]));
    }

    [Fact]
    public void ATrialStopsAtTheFirstRungItFallsOutOfTheTopThird()
    {
        var p = new AshaPruner();
        p.Report([0.50, 0.60, 0.70, 0.80]);
        p.Report([0.40, 0.55, 0.65, 0.75]);
        p.Report([0.45, 0.50, 0.60, 0.70]);
        // Rung 1 with a fourth value keeps the top 1: 0.60 beats 0.50 and continues; at rung 3 (0.70, 0.65, 0.60) it
        // needs more than 0.70 and has 0.62, so it stops after its third epoch.
        var curve = new List<double>();
        int stoppedAt = 0;
        foreach (double v in new[] { 0.60, 0.61, 0.62, 0.90 })
        {
            curve.Add(v);
            if (p.ShouldStop(curve)) { stoppedAt = curve.Count; break; }
        }
        Assert.Equal(3, stoppedAt);
    }
}
