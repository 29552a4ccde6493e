namespace NagSharp.Evaluation;

/// <summary>Decides, epoch by epoch, whether a training evaluation should stop early.</summary>
public interface IPruner
{
    /// <summary>True when the running trial with validation accuracies <paramref name="curve"/> (one per epoch so far)
    /// should stop after its last epoch.</summary>
    bool ShouldStop(IReadOnlyList<double> curve);

    /// <summary>Records a finished (or stopped) trial's curve for later decisions.</summary>
    void Report(IReadOnlyList<double> curve);
}

/// <summary>
/// Asynchronous successive halving (ASHA, Li et al. 2020; Optuna's <c>SuccessiveHalvingPruner</c>): rungs sit at epochs
/// <c>MinEpochs * ReductionFactor^k</c>. A trial reaching a rung continues only when its validation accuracy there is
/// among the top 1/<c>ReductionFactor</c> of the values every trial so far had at that rung, itself included (with fewer
/// than <c>ReductionFactor</c> values, only the best continues). No warm-up: the first trial always continues, and
/// each rung is judged from whatever has reached it, so nothing waits for a full bracket. Higher is better.
/// </summary>
public sealed class AshaPruner : IPruner
{
    /// <summary>Validates the schedule.</summary>
    /// <param name="reductionFactor">eta: the share 1/eta of a rung that continues, and the spacing of the rungs.</param>
    /// <param name="minEpochs">The first rung: no trial stops before this many epochs.</param>
    public AshaPruner(int reductionFactor = DefaultReductionFactor, int minEpochs = 1)
    {
        if (reductionFactor < 2) throw new NagUserException($"ASHA reduction factor must be at least 2, got {reductionFactor}");
        if (minEpochs < 1) throw new NagUserException($"ASHA minimum epochs must be at least 1, got {minEpochs}");
        ReductionFactor = reductionFactor; MinEpochs = minEpochs;
    }

    /// <summary>eta.</summary>
    public int ReductionFactor { get; }

    /// <summary>Epochs of the first rung.</summary>
    public int MinEpochs { get; }

    /// <summary>Default eta: 3, as in the ASHA paper and Optuna (rungs after 1, 3, 9, ... epochs).</summary>
    public const int DefaultReductionFactor = 3;

    private readonly Dictionary<int, List<double>> _rungs = [];   // rung epoch -> values of the trials that reached it

    /// <summary>Trials reported so far.</summary>
    public int Trials { get; private set; }

    /// <summary>True when <paramref name="epoch"/> (1-based) is a rung: <c>MinEpochs * ReductionFactor^k</c>.</summary>
    public bool IsRung(int epoch)
    {
        if (epoch < MinEpochs || epoch % MinEpochs != 0) return false;
        for (int q = epoch / MinEpochs; q > 1; q /= ReductionFactor)
            if (q % ReductionFactor != 0) return false;
        return true;
    }

    /// <inheritdoc />
    public bool ShouldStop(IReadOnlyList<double> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        int epoch = curve.Count;
        if (epoch == 0 || !IsRung(epoch)) return false;
        double v = curve[epoch - 1];
        var competing = (_rungs.TryGetValue(epoch, out var earlier) ? earlier : []).Append(v).OrderByDescending(x => x).ToArray();
        int keep = Math.Max(1, competing.Length / ReductionFactor);
        return v < competing[keep - 1];
    }

    /// <inheritdoc />
    public void Report(IReadOnlyList<double> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        for (int e = 1; e <= curve.Count; e++)
            if (IsRung(e))
            {
                if (!_rungs.TryGetValue(e, out var list)) _rungs[e] = list = [];
                list.Add(curve[e - 1]);
            }
        Trials++;
    }
}
