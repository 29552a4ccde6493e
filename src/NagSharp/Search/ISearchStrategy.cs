using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Search;

/// <summary>
/// An ask/tell search strategy: the harness asks for candidates, queries the objective (the only information a
/// strategy gets) and tells the result back. Strategies maximise the objective. Batch strategies (the BO ones) plan a
/// whole round at once and hand it out one <see cref="Ask"/> at a time, so the harness counts queries exactly and a
/// crash mid-round loses nothing. A strategy's state is its seed plus the (ask, tell) history: replaying the history
/// restores it (see <see cref="SearchHarness.Run(ISearchStrategy, Evaluation.IEvaluator, SearchGoal, int, int, IReadOnlyList{Trial}?, ITrialRecorder?)"/>), which is how the experiment store resumes any strategy.
/// </summary>
public interface ISearchStrategy
{
    /// <summary>Short name used on the command line and in results.</summary>
    string Name { get; }

    /// <summary>Proposes the next architecture to evaluate.</summary>
    Arch Ask();

    /// <summary>Reports the objective value of an architecture the strategy asked for.</summary>
    void Tell(Arch arch, double objective);
}
