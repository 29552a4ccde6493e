namespace NagSharp.Experiments;

/// <summary>What a long experiment tells its host while it runs: a step of a stage, or a line for the log.</summary>
public abstract record ExperimentEvent;

/// <summary>
/// <paramref name="Done"/> of <paramref name="Total"/> units of <paramref name="Stage"/> (e.g. "train generator",
/// "search") are finished; <paramref name="Status"/> is a short text such as the current loss.
/// </summary>
public sealed record ExperimentStep(string Stage, int Done, int Total, string Status) : ExperimentEvent;

/// <summary>A line for the log (what is being trained, where a cache file goes, why a setting was overridden).</summary>
public sealed record ExperimentNote(string Text) : ExperimentEvent;

/// <summary>Helpers for reporting through an optional <see cref="IProgress{T}"/>.</summary>
public static class ExperimentProgress
{
    /// <summary>Reports a step of <paramref name="stage"/>.</summary>
    public static void Step(this IProgress<ExperimentEvent>? progress, string stage, int done, int total, string status) =>
        progress?.Report(new ExperimentStep(stage, done, total, status));

    /// <summary>Reports a line for the log.</summary>
    public static void Note(this IProgress<ExperimentEvent>? progress, string text) => progress?.Report(new ExperimentNote(text));

    /// <summary>A training-loop callback that reports each step of <paramref name="stage"/> with its loss.</summary>
    public static Action<Diffusion.Score.TrainProgress>? Training(this IProgress<ExperimentEvent>? progress, string stage) =>
        progress is null ? null : pr => progress.Step(stage, pr.Step, pr.Total, $"loss {pr.Loss:F4}");

    /// <summary>
    /// An <see cref="IProgress{T}"/> that calls <paramref name="handler"/> on the reporting thread, in order (the
    /// framework's <see cref="Progress{T}"/> posts to the thread pool, which would reorder log lines).
    /// </summary>
    public static IProgress<ExperimentEvent> Of(Action<ExperimentEvent> handler) => new Synchronous(handler);

    private sealed class Synchronous(Action<ExperimentEvent> handler) : IProgress<ExperimentEvent>
    {
        public void Report(ExperimentEvent value) => handler(value);
    }
}
