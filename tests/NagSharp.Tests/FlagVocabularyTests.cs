using System.CommandLine;
using NagSharp.Cli;

namespace NagSharp.Tests;

/// <summary>One concept, one flag: the command line speaks the same words everywhere, results print as JSON on request,
/// and renamed flags keep working under their old spelling without showing in help.</summary>
public class FlagVocabularyTests
{
    private static RootCommand Root() => NagCli.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null, false));

    private static IEnumerable<(string Path, Command Command)> Leaves(Command c, string path)
    {
        if (c.Subcommands.Count == 0) yield return (path, c);
        foreach (var s in c.Subcommands)
            foreach (var x in Leaves(s, path.Length == 0 ? s.Name : path + " " + s.Name)) yield return x;
    }

    private static HashSet<string> Flags(Command c) =>
        c.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void EveryCommandThatPrintsResultsTakesJson()
    {
        // These print files or data themselves, not results: the file is the output.
        var exempt = new HashSet<string>(StringComparer.Ordinal) { "docs cli", "space dump", "plot" };
        var missing = Leaves(Root(), "").Where(l => !exempt.Contains(l.Path) && !Flags(l.Command).Contains("--json")).Select(l => l.Path).ToList();
        Assert.True(missing.Count == 0, "no --json on: " + string.Join(", ", missing));
    }

    [Fact]
    public void RetiredSpellingsAreNoCommandsFlag()
    {
        // A column to optimise is --objective, guidance of the score engine --guidance-scale, strategies --strategy,
        // training steps --train-steps, on every command; --column stays only where it names a column to write.
        string[] retired = ["--target", "--metric", "--guidance", "--strategies", "--presets", "--guided", "--k", "--encoding", "--steps", "--target-value"];
        foreach (var (path, cmd) in Leaves(Root(), ""))
        {
            var flags = Flags(cmd);
            foreach (var r in retired) Assert.False(flags.Contains(r), $"nag {path} still has {r}");
            if (path != "latency") Assert.False(flags.Contains("--column"), $"nag {path} has --column");
        }
    }

    [Fact]
    public void EveryAliasLeadsFromAHiddenSpellingToAVisibleFlag()
    {
        var commands = Leaves(Root(), "").ToDictionary(l => l.Path, l => l.Command, StringComparer.Ordinal);
        foreach (var a in FlagAliases.All)
        {
            Assert.True(commands.TryGetValue(a.Command, out var cmd), $"no command nag {a.Command}");
            var flags = Flags(cmd!);
            Assert.Contains(a.New, flags);
            Assert.DoesNotContain(a.Old, flags);
        }
    }

    [Fact]
    public void OldSpellingsAreRewrittenWithANoteOnlyOnTheirCommand()
    {
        var notes = new List<string>();
        var root = Root();
        var rewritten = FlagAliases.Rewrite(root, ["generate", "--target", "cifar10_valid_acc200", "--guidance=5", "--report", "--target"], notes.Add);
        // A value that looks like an old flag is rewritten too: the price of rewriting before parsing, harmless here
        // since no column is named like a flag.
        Assert.Equal(["generate", "--objective", "cifar10_valid_acc200", "--guidance-scale=5", "--report", "--objective"], rewritten);
        Assert.Equal(2, notes.Count);
        Assert.All(notes, n => Assert.StartsWith("nag: note: ", n, StringComparison.Ordinal));

        // --column is still nag latency's own flag; nothing after "--" is touched.
        notes.Clear();
        Assert.Equal(["latency", "--column", "x"], FlagAliases.Rewrite(root, ["latency", "--column", "x"], notes.Add));
        Assert.Equal(["bench", "surrogate", "--objective", "a", "--", "--column"], FlagAliases.Rewrite(root, ["bench", "surrogate", "--column", "a", "--", "--column"], notes.Add));
        Assert.Single(notes);
    }

    [Fact]
    public void AnOldSpellingStillWorksEndToEnd()
    {
        var (code, stdout, stderr) = CliRunner.Run("bench", "search", "--strategies", "nope", "--budget", "3", "--seeds", "1", "--out", Path.GetTempPath());
        Assert.Contains("nag: note: --strategies of `nag bench search` is now --strategy", stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, code);   // the unknown strategy, not the old flag, is what fails
        Assert.DoesNotContain("Unrecognized", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void HelpShowsTheNewSpellingsOnly()
    {
        var (code, stdout, _) = CliRunner.Run("generate", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--objective", stdout, StringComparison.Ordinal);
        Assert.Contains("--guidance-scale", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("--target ", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("--guidance ", stdout, StringComparison.Ordinal);
    }
}
