using System.CommandLine;

namespace NagSharp.Cli;

/// <summary>
/// Old spellings of renamed flags, kept working for one release without showing in help. One concept has one flag on
/// every command (docs/decisions/0130-one-flag-vocabulary.md); a command line that still uses an old spelling is
/// rewritten to the new one before parsing, with a one-line note on stderr. The rewrite is per command because an old
/// spelling may still be another command's current flag (<c>--column</c> names the written column of <c>nag latency</c>).
/// </summary>
public static class FlagAliases
{
    /// <summary>One renamed flag: on <paramref name="Command"/> (path below <c>nag</c>, e.g. "bench margin"),
    /// <paramref name="Old"/> now reads <paramref name="New"/>.</summary>
    public sealed record Alias(string Command, string Old, string New);

    /// <summary>Every old spelling still accepted.</summary>
    public static readonly IReadOnlyList<Alias> All =
    [
        new("generate", "--target", "--objective"),
        new("generate", "--target-value", "--objective-value"),
        new("generate", "--guidance", "--guidance-scale"),
        new("train generator", "--steps", "--train-steps"),
        new("train predictor", "--target", "--objective"),
        new("train predictor", "--steps", "--train-steps"),
        new("search", "--guidance", "--guidance-scale"),
        new("search", "--samples", "--generated-candidates"),
        new("bench generate", "--guidance", "--guidance-scale"),
        new("bench generate", "--presets", "--preset"),
        new("bench generate", "--guided", "--pairs"),
        new("bench search", "--strategies", "--strategy"),
        new("bench margin", "--metric", "--objective"),
        new("bench margin", "--k", "--top"),
        new("bench task-transfer", "--k", "-n"),
        new("bench surrogate", "--column", "--objective"),
        new("bench surrogate", "--encoding", "--surrogate-encoding"),
        new("search", "--db", "--store"),
        new("runs list", "--db", "--store"),
        new("runs show", "--db", "--store"),
    ];

    /// <summary>
    /// <paramref name="args"/> with the old spellings of the command they address replaced by the new ones (also in the
    /// <c>--old=value</c> and <c>--old:value</c> forms; nothing after a lone <c>--</c>). <paramref name="note"/> gets one
    /// line per old spelling used.
    /// </summary>
    public static string[] Rewrite(RootCommand root, string[] args, Action<string> note)
    {
        if (args.Length == 0) return args;
        string path = CommandPath(root.Parse(args).CommandResult);
        var renames = All.Where(a => a.Command == path).ToDictionary(a => a.Old, a => a.New, StringComparer.Ordinal);
        if (renames.Count == 0) return args;
        var result = (string[])args.Clone();
        var noted = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < result.Length; i++)
        {
            string t = result[i];
            if (t == "--") break;
            int sep = t.IndexOfAny(['=', ':']);
            string name = sep > 0 ? t[..sep] : t;
            if (!renames.TryGetValue(name, out var renamed)) continue;
            result[i] = renamed + (sep > 0 ? t[sep..] : "");
            if (noted.Add(name)) note($"nag: note: {name} of `nag {path}` is now {renamed}; the old spelling will be removed in a later release");
        }
        return result;
    }

    /// <summary>"bench margin" for <c>nag bench margin ...</c>; empty for the root.</summary>
    public static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var r = result; r.Parent is System.CommandLine.Parsing.CommandResult parent; r = parent) names.Add(r.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }
}
