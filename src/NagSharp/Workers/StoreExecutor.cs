using NagSharp.Search;
using NagSharp.Spaces;
using NagSharp.Store;

namespace NagSharp.Workers;

/// <summary>
/// Runs a search's evaluations in worker processes through an experiment store: <see cref="Submit"/> queues a pending
/// row (durable when it returns; idempotent, so a resumed run's re-submissions neither duplicate nor lose a trial),
/// <see cref="Next"/> waits for a finished row of this run that it has not returned yet. The proposing process only
/// asks and tells; any number of <c>nag worker</c> processes, here or on other machines, evaluate.
/// </summary>
public sealed class StoreExecutor : ITrialExecutor
{
    private readonly ExperimentStore _store;
    private readonly long _experiment;
    private readonly Func<string?>? _health;
    private readonly TimeSpan? _timeout;
    private readonly Dictionary<(string Strategy, int Seed, int Query), TrialRequest> _submitted = [];
    private readonly HashSet<(string, int, int)> _returned = [];
    private readonly Queue<TrialOutcome> _ready = new();

    /// <summary>An executor of experiment <paramref name="experiment"/> in <paramref name="store"/>.</summary>
    /// <param name="store">The store (owned by the caller).</param>
    /// <param name="experiment">The experiment whose trials are queued.</param>
    /// <param name="slots">Evaluations pending at once (typically the number of workers, or a few more).</param>
    /// <param name="health">Called while waiting: a non-null line means no worker can ever answer (the local workers
    /// all exited), and <see cref="Next"/> throws it as a data error instead of waiting forever.</param>
    /// <param name="timeout">Longest wait for one result; null: no limit (workers may be queued on a cluster).</param>
    public StoreExecutor(ExperimentStore store, long experiment, int slots, Func<string?>? health = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (slots < 1) throw new NagUserException($"parallel evaluations must be at least 1, got {slots}");
        (_store, _experiment, Slots, _health, _timeout) = (store, experiment, slots, health, timeout);
    }

    /// <inheritdoc />
    public int Slots { get; }

    /// <inheritdoc />
    public void Submit(TrialRequest request, Arch arch)
    {
        ArgumentNullException.ThrowIfNull(request);
        _submitted[(request.Strategy, request.Seed, request.Query)] = request;
        _store.Submit(new QueuedTrial(_experiment, request.Strategy, request.Seed, request.Query, request.Arch, request.AskedAfter));
    }

    /// <inheritdoc />
    public TrialOutcome Next()
    {
        if (_submitted.Count == _returned.Count && _ready.Count == 0) throw new InvalidOperationException("no request is pending");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        int pause = 1;
        while (_ready.Count == 0)
        {
            // One run (strategy and seed) is searched at a time, so the finished rows of its pending requests are the ones to read.
            var runs = _submitted.Where(kv => !_returned.Contains(kv.Key)).Select(kv => (kv.Key.Strategy, kv.Key.Seed)).Distinct().ToList();
            foreach (var (strategy, seed) in runs)
                foreach (var r in _store.Finished(_experiment, strategy, seed))
                {
                    var key = (r.Trial.Strategy, r.Trial.Seed, r.Trial.Query);
                    if (!_submitted.TryGetValue(key, out var request) || !_returned.Add(key)) continue;
                    _ready.Enqueue(r.Error is null
                        ? new TrialOutcome(request, new Evaluation.Evaluation(r.Metrics ?? new Dictionary<string, double>(), r.Seconds))
                        : new TrialOutcome(request, null, r.Error));
                }
            if (_ready.Count > 0) break;
            if (_health?.Invoke() is string dead) throw new NagDataException($"{_store.Path}: experiment {_experiment}: {dead}");
            if (_timeout is { } limit && waited.Elapsed > limit)
                throw new NagDataException($"{_store.Path}: experiment {_experiment}: no result in {limit.TotalSeconds:F0} s (are workers running? start `nag worker --store ...`)");
            // Results come every few milliseconds in a busy search: poll often (a poll is one indexed query), back off
            // to a quarter second only when none has come for a while (slow evaluations).
            Thread.Sleep(pause);
            pause = waited.Elapsed < TimeSpan.FromSeconds(2) ? Math.Min(pause + 1, 3) : Math.Min(pause * 2, 250);
        }
        return _ready.Dequeue();
    }

    /// <summary>Nothing to release: the store belongs to the caller.</summary>
    public void Dispose() { }
}
