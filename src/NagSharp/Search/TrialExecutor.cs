using NagSharp.Evaluation;
using NagSharp.Spaces;

namespace NagSharp.Search;

/// <summary>One evaluation a search run asked for; (experiment, strategy, seed, query) identifies it.</summary>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Seed">Seed of the run.</param>
/// <param name="Query">1-based ask number: the order the strategy proposed it in.</param>
/// <param name="Arch">The architecture's string form.</param>
/// <param name="AskedAfter">How many results the strategy had been told when it asked (Query - 1 in a sequential run):
/// what a resumed run replays the ask after.</param>
public sealed record TrialRequest(string Strategy, int Seed, int Query, string Arch, int AskedAfter);

/// <summary>A finished evaluation: metrics, or the one-line reason it failed.</summary>
/// <param name="Request">What was asked.</param>
/// <param name="Result">The evaluation (null when it failed).</param>
/// <param name="Error">Why the evaluation failed (an exception in a worker, a worker that died twice); null when it succeeded.</param>
public sealed record TrialOutcome(TrialRequest Request, Evaluation.Evaluation? Result, string? Error = null);

/// <summary>
/// Where a search's evaluations run: in this process one at a time (<see cref="InProcessExecutor"/>), or in worker
/// processes that claim them from an experiment store. The harness keeps at most <see cref="Slots"/> requests submitted
/// and not yet returned, so a strategy has that many trials pending at once.
/// </summary>
public interface ITrialExecutor : IDisposable
{
    /// <summary>Evaluations that may be pending at once.</summary>
    int Slots { get; }

    /// <summary>
    /// Hands one request over; durable before it returns where the executor records anything. Idempotent by
    /// (strategy, seed, query): a resumed run submits again every request it asked and was not told, and an executor
    /// must neither duplicate nor lose one whose evaluation already ran or is running.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="arch">The architecture itself (executors in this process evaluate it without parsing the string).</param>
    void Submit(TrialRequest request, Arch arch);

    /// <summary>Blocks until one submitted request has finished and returns it; each request is returned once.</summary>
    TrialOutcome Next();
}

/// <summary>
/// Evaluates each request in this process when <see cref="Next"/> is called, one at a time: the sequential search.
/// Evaluation errors propagate (a bad input is the user's to fix, not a failed trial). The optional recorder is told when
/// an evaluation starts, so a store can show it in flight.
/// </summary>
public sealed class InProcessExecutor(IEvaluator evaluator, ITrialRecorder? recorder = null) : ITrialExecutor
{
    private readonly Queue<(TrialRequest Request, Arch Arch)> _queue = new();

    /// <inheritdoc />
    public int Slots => 1;

    /// <inheritdoc />
    public void Submit(TrialRequest request, Arch arch)
    {
        ArgumentNullException.ThrowIfNull(request);
        _queue.Enqueue((request, arch));
    }

    /// <inheritdoc />
    public TrialOutcome Next()
    {
        if (_queue.Count == 0) throw new InvalidOperationException("no request is pending");
        var (request, arch) = _queue.Dequeue();
        recorder?.Start(request.Strategy, request.Seed, request.Query, request.Arch);
        return new TrialOutcome(request, evaluator.Evaluate(arch));
    }

    /// <summary>Nothing to release: the evaluator belongs to the caller.</summary>
    public void Dispose() { }
}
