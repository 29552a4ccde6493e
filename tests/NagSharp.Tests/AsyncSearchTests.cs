using NagSharp.Evaluation;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>
/// The harness with several evaluations pending at once: results arrive out of order, strategies keep proposing new
/// architectures, and an interrupted run resumes from its recorded asks and tells.
/// </summary>
[Collection(TorchCollection.Name)]   // BANANAS and GP-BO fit torch models
public sealed class AsyncSearchTests
{
    private const string Obj = "cifar10_valid_acc200", Rep = "cifar10_test_acc200";

    /// <summary>
    /// Evaluates in this process, but returns the pending request chosen by a fixed scramble of the pending set, so results
    /// arrive out of order as from parallel workers, yet the same pending set always gives the same next result.
    /// Idempotent submits; records every evaluation and the most requests ever pending.
    /// </summary>
    private sealed class ScrambledExecutor(IEvaluator evaluator, int slots) : ITrialExecutor
    {
        private readonly List<(TrialRequest Request, Arch Arch)> _pending = [];
        public List<int> Evaluated { get; } = [];
        public List<TrialRequest> Submitted { get; } = [];
        public int MostPending { get; private set; }
        public int Slots => slots;

        public void Submit(TrialRequest request, Arch arch)
        {
            if (_pending.Any(p => p.Request.Query == request.Query)) return;
            _pending.Add((request, arch));
            Submitted.Add(request);
            MostPending = Math.Max(MostPending, _pending.Count);
        }

        public TrialOutcome Next()
        {
            var next = _pending.MinBy(p => (uint)(p.Request.Query * 2654435761u) % 101);
            _pending.Remove(next);
            Evaluated.Add(next.Request.Query);
            return new TrialOutcome(next.Request, evaluator.Evaluate(next.Arch));
        }

        public void Dispose() { }
    }

    /// <summary>Collects told results; throws after <c>crashAfter</c> of them, as a killed process would stop.</summary>
    private sealed class Recorder(int crashAfter = int.MaxValue) : ITrialRecorder
    {
        public List<Trial> Told { get; } = [];
        public void Start(string strategy, int seed, int query, string arch) { }
        public void Finish(Trial trial)
        {
            if (Told.Count == crashAfter) throw new InvalidOperationException("simulated crash");
            Told.Add(trial);
        }
    }

    [SkippableTheory]
    [InlineData("random")]
    [InlineData("evolution")]
    [InlineData("local")]
    [InlineData("bananas")]
    [InlineData("gp-bo")]
    public void WithThreePendingEveryStrategySpendsItsBudgetOnDistinctArchitectures(string name)
    {
        var data = TestData.Nb201;
        using var table = new TableEvaluator(data, null, Obj);
        using var executor = new ScrambledExecutor(table, 3);
        var strategy = StrategyRegistry.Create(name, data.Space, 7);
        try
        {
            var trials = SearchHarness.Run(strategy, table, new SearchGoal(Obj, Rep), 36, 7, executor, [], [], null);
            Assert.Equal(36, trials.Count);
            Assert.Equal(36, trials.Select(t => t.Arch).Distinct().Count());
            Assert.Equal(36, executor.Evaluated.Count);                           // nothing evaluated twice
            Assert.Equal(3, executor.MostPending);                                 // the slots were used, never exceeded
            Assert.Equal(Enumerable.Range(1, 36), trials.Select(t => t.ToldOrDefault));
            Assert.Contains(trials, t => t.ToldOrDefault != t.Query);              // results really arrived out of order
            Assert.All(trials, t => Assert.InRange(t.AskedAfterOrDefault, 0, t.ToldOrDefault - 1));
            Assert.Equal(36, executor.Submitted.Select(r => r.Arch).Distinct().Count());   // a pending architecture is never asked again
        }
        finally { (strategy as IDisposable)?.Dispose(); }
    }

    [SkippableTheory]
    [InlineData("evolution")]
    [InlineData("bananas")]
    [InlineData("gp-bo")]
    public void ResumeAfterACrashWithPendingEvaluationsReplaysTheHistoryAndEvaluatesNothingRecordedAgain(string name)
    {
        var data = TestData.Nb201;
        using var table = new TableEvaluator(data, null, Obj);
        var goal = new SearchGoal(Obj, Rep);
        List<Trial> Uninterrupted()
        {
            using var executor = new ScrambledExecutor(table, 3);
            var s = StrategyRegistry.Create(name, data.Space, 5);
            try { return SearchHarness.Run(s, table, goal, 30, 5, executor, [], [], null); }
            finally { (s as IDisposable)?.Dispose(); }
        }
        var full = Uninterrupted();

        var first = new ScrambledExecutor(table, 3);
        var crashing = new Recorder(crashAfter: 17);
        var s1 = StrategyRegistry.Create(name, data.Space, 5);
        try { Assert.Throws<InvalidOperationException>(() => SearchHarness.Run(s1, table, goal, 30, 5, first, [], [], crashing)); }
        finally { (s1 as IDisposable)?.Dispose(); }
        var recorded = crashing.Told;
        var toldQueries = recorded.Select(t => t.Query).ToHashSet();
        var outstanding = first.Submitted.Where(r => !toldQueries.Contains(r.Query)).ToList();
        Assert.NotEmpty(outstanding);

        var second = new ScrambledExecutor(table, 3);
        var resumed = new Recorder();
        var s2 = StrategyRegistry.Create(name, data.Space, 5);
        List<Trial> trials;
        try { trials = SearchHarness.Run(s2, table, goal, 30, 5, second, recorded, outstanding, resumed); }
        finally { (s2 as IDisposable)?.Dispose(); }

        Assert.Equal(full, trials);                                                   // the same run, result for result
        Assert.Equal(full.Select(t => t.ToldOrDefault), trials.Select(t => t.ToldOrDefault));
        Assert.DoesNotContain(second.Evaluated, q => toldQueries.Contains(q));        // nothing recorded is evaluated again
        Assert.Equal(30 - recorded.Count, second.Evaluated.Count);                   // each outstanding request runs once
        Assert.Equal(30 - recorded.Count, resumed.Told.Count);
    }

    [SkippableFact]
    public void AReplayThatProposesSomethingElseIsRefused()
    {
        var data = TestData.Nb201;
        using var table = new TableEvaluator(data, null, Obj);
        var goal = new SearchGoal(Obj, Rep);
        var recorded = SearchHarness.Run(new RandomSearch(data.Space, 1), table, goal, 5, 1);
        using var executor = new ScrambledExecutor(table, 2);
        var e = Assert.Throws<NagDataException>(() => SearchHarness.Run(new RandomSearch(data.Space, 2), table, goal, 10, 1, executor, recorded, [], null));
        Assert.Contains("diverged at query 1", e.Message);
        var gap = recorded.Where(t => t.Query != 3).ToList();
        var hole = Assert.Throws<NagDataException>(() => SearchHarness.Run(new RandomSearch(data.Space, 1), table, goal, 10, 1, executor, gap, [], null));
        Assert.Contains("not a whole history", hole.Message);
    }

    [SkippableFact]
    public void AFailedEvaluationCountsIsNeverFeasibleAndIsToldAPenalty()
    {
        var data = TestData.Nb201;
        using var table = new TableEvaluator(data, null, Obj);
        using var executor = new FailingExecutor(table, failQuery: 2);
        var told = new List<double>();
        var strategy = new TellLog(new RandomSearch(data.Space, 3), told);
        var trials = SearchHarness.Run(strategy, table, new SearchGoal(Obj, Rep), 5, 3, executor, [], [], null);
        var failed = Assert.Single(trials, t => t.Failed);
        Assert.Equal(2, failed.Query);
        Assert.False(failed.Feasible);
        Assert.Contains("worker died", failed.Error);
        Assert.True(told[1] < told[0]);                                               // below everything seen before it
        var summary = SearchHarness.Summarise("random", trials, null, 5);
        Assert.Equal(trials.Where(t => !t.Failed).Max(t => t.Objective), trials.Where(t => !t.Failed).MaxBy(t => t.Objective)!.Objective);
        Assert.False(double.IsNaN(summary.BestReport[5].Mean));
    }

    private sealed class FailingExecutor(IEvaluator evaluator, int failQuery) : ITrialExecutor
    {
        private readonly Queue<(TrialRequest, Arch)> _queue = new();
        public int Slots => 1;
        public void Submit(TrialRequest request, Arch arch) => _queue.Enqueue((request, arch));
        public TrialOutcome Next()
        {
            var (r, a) = _queue.Dequeue();
            return r.Query == failQuery ? new TrialOutcome(r, null, "worker died twice") : new TrialOutcome(r, evaluator.Evaluate(a));
        }
        public void Dispose() { }
    }

    private sealed class TellLog(ISearchStrategy inner, List<double> told) : ISearchStrategy
    {
        public string Name => inner.Name;
        public Arch Ask() => inner.Ask();
        public void Tell(Arch arch, double objective) { told.Add(objective); inner.Tell(arch, objective); }
    }
}
