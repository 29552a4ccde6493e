using NagSharp.Evaluation;

namespace NagSharp.Tests;

/// <summary>The median stopping rule stops a trial at the epoch its rule says, and not before its warm-up.</summary>
public class MedianPrunerTests
{
    [Fact]
    public void NoTrialStopsBeforeTheWarmupTrialsHaveReachedTheEpoch()
    {
        var p = new MedianPruner(WarmupTrials: 2);
        Assert.False(p.ShouldStop([0.1]));
        p.Report([0.5, 0.6, 0.7]);
        Assert.False(p.ShouldStop([0.1]));          // one earlier trial: no median yet
        p.Report([0.4, 0.5]);                       // stopped after two epochs
        Assert.True(p.ShouldStop([0.1]));           // below the median 0.45 at epoch 1
        Assert.False(p.ShouldStop([0.5]));          // above it
        Assert.False(p.ShouldStop([0.5, 0.5, 0.1]));  // epoch 3: only one earlier trial reached it
    }

    [Fact]
    public void ATrialStopsAtTheFirstEpochBelowTheMedian()
    {
        var p = new MedianPruner(WarmupTrials: 3);
        p.Report([0.50, 0.60, 0.70, 0.80]);
        p.Report([0.40, 0.55, 0.65, 0.75]);
        p.Report([0.45, 0.50, 0.60, 0.70]);
        // Medians per epoch: 0.45, 0.55, 0.65, 0.75. A trial at 0.46, 0.56, 0.60 stops after its third epoch.
        var curve = new List<double>();
        int stoppedAt = 0;
        foreach (double v in new[] { 0.46, 0.56, 0.60, 0.90 })
        {
            curve.Add(v);
            if (p.ShouldStop(curve)) { stoppedAt = curve.Count; break; }
        }
        Assert.Equal(3, stoppedAt);
    }

    [Fact]
    public void MinEpochsKeepsEarlyEpochsUnjudged()
    {
        var p = new MedianPruner(WarmupTrials: 1, MinEpochs: 2);
        p.Report([0.9, 0.9]);
        Assert.False(p.ShouldStop([0.1]));
        Assert.True(p.ShouldStop([0.1, 0.1]));
    }
}
