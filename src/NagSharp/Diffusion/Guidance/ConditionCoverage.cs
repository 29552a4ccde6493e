using NagSharp.Diffusion.Discrete;

namespace NagSharp.Diffusion.Guidance;

/// <summary>
/// How many training architectures meet every condition a conditional generator learns. Conditions that no
/// architecture meets together still train (each can be asked for on its own), but asking for all of them at once
/// then steers towards a combination the model has never seen, so the trainer is told before it spends the time.
/// </summary>
public static class ConditionCoverage
{
    /// <summary>Training architectures whose every condition state is "satisfied" (2).</summary>
    public static int MeetingAll(IReadOnlyList<LabelledArch> set) =>
        set.Count(t => t.States.Length > 0 && t.States.All(s => s == 2));

    /// <summary>
    /// A one-line warning when two or more conditions are learnt and no training architecture meets them all;
    /// null otherwise.
    /// </summary>
    public static string? JointWarning(IReadOnlyList<Condition> conditions, IReadOnlyList<LabelledArch> set)
    {
        if (conditions.Count < 2 || MeetingAll(set) > 0) return null;
        return $"no training architecture (0 of {set.Count:N0}) meets all {conditions.Count} conditions together " +
               $"({string.Join(", ", conditions.Select(c => SafePath.Shorten(c.Text)))}); each can be asked for alone, asking for all at once " +
               "steers towards a combination the generator never saw";
    }
}
