using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Search;

/// <summary>
/// An ask/tell search strategy: the harness asks for candidates, queries the objective (the only information a
/// strategy gets) and tells the result back. Strategies maximise the objective. Batch strategies (the BO ones) plan a
/// whole round at once and hand it out one <see cref="Ask"/> at a time, so the harness counts queries exactly and a
/// crash mid-round loses nothing. A strategy's state is its seed plus the (ask, tell) history: replaying the history
/// restores it (see <see cref="SearchHarness.Run(ISearchStrategy, Evaluation.IEvaluator, SearchGoal, int, int, IReadOnlyList{Trial}?, ITrialRecorder?)"/>), which is how the experiment store resumes any strategy.
/// <para>Asynchronous use: when evaluations run in parallel the harness asks again before earlier results are in, and
/// tells results in the order they finish. A strategy must never propose an architecture it is still waiting for (the
/// harness skips such a proposal without counting it); model-based strategies plan around pending points (see
/// <see cref="SurrogateSearch"/>), evolution is steady-state (each answer replaces the oldest member when it arrives).</para>
/// </summary>
public interface ISearchStrategy
{
    /// <summary>Short name used on the command line and in results.</summary>
    string Name { get; }

    /// <summary>Proposes the next architecture to evaluate (possibly while earlier proposals are still pending).</summary>
    Arch Ask();

    /// <summary>Reports the objective value of an architecture the strategy asked for, in any order.</summary>
    void Tell(Arch arch, double objective);
}
