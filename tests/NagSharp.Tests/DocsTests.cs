using System.Diagnostics;
using System.Text.RegularExpressions;
using NagSharp.Cli;

namespace NagSharp.Tests;

/// <summary>
/// Keeps the written project honest: the command reference matches the command definitions, the project speaks of
/// itself without development-round or tracker numbers, and every relative link in the docs leads somewhere.
/// </summary>
public class DocsTests
{
    /// <summary>The repository root: the nearest ancestor of the test's base directory holding the solution file.</summary>
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NagSharp.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no NagSharp.slnx above {AppContext.BaseDirectory}");
    }

    /// <summary>Tracked files under the given paths (git ls-files), or, without git, the files on disk minus build output.</summary>
    private static List<string> TrackedFiles(string root, params string[] paths)
    {
        try
        {
            var psi = new ProcessStartInfo("git") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "ls-files", "-z", "--" }.Concat(paths)) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode == 0)
                return stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries).Where(f => File.Exists(Path.Combine(root, f))).ToList();
        }
        catch (System.ComponentModel.Win32Exception) { /* no git: walk the tree below */ }
        var files = new List<string>();
        foreach (var path in paths)
        {
            string full = Path.Combine(root, path);
            if (File.Exists(full)) files.Add(path);
            else if (Directory.Exists(full))
                files.AddRange(Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
                    .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
                    .Where(f => !f.Split('/').Any(part => part is "bin" or "obj")));
        }
        return files;
    }

    private static bool IsText(byte[] bytes) => Array.IndexOf(bytes, (byte)0) < 0;

    [Fact]
    public void CommandReferenceIsCurrent()
    {
        string root = RepoRoot();
        string path = Path.Combine(root, "docs", "reference", "cli.md");
        string rendered = CliReference.Render(NagCli.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null, false)));
        string committed = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal) : "";
        if (committed == rendered) return;
        var a = committed.Split('\n');
        var b = rendered.Split('\n');
        int line = 0;
        while (line < Math.Min(a.Length, b.Length) && a[line] == b[line]) line++;
        string first = line < b.Length ? b[line] : "(end of file)";
        Assert.Fail($"docs/reference/cli.md is stale (first difference at line {line + 1}: {first}); regenerate it from the repository root with: {CliReference.RegenerateCommand}");
    }

    [Fact]
    public void ReferenceListsEveryCommandAndOption()
    {
        var root = NagCli.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null, false));
        string text = CliReference.Render(root);
        var search = root.Subcommands.Single(c => c.Name == "search");
        Assert.Contains("### nag search\n", text, StringComparison.Ordinal);
        Assert.Contains("### nag bench search\n", text, StringComparison.Ordinal);
        foreach (var o in search.Options.Where(o => !o.Hidden))
            Assert.Contains("`" + o.Name + "`", text, StringComparison.Ordinal);
    }

    /// <summary>The forbidden forms: development rounds and tracker numbers belong in CHANGELOG.md only.</summary>
    private static readonly Regex RoundOrIssueNumber = new(@"session [0-9]+|issue ?#?[0-9]+|issue-?[0-9]+|round [0-9]+",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    [Fact]
    public void NoDevelopmentRoundOrIssueNumbers()
    {
        string root = RepoRoot();
        var offences = new List<string>();
        foreach (string file in TrackedFiles(root, "README.md", "docs", "src", "tests"))
        {
            if (RoundOrIssueNumber.IsMatch(file)) offences.Add($"{file}: file name");
            byte[] bytes = File.ReadAllBytes(Path.Combine(root, file));
            if (!IsText(bytes)) continue;
            var lines = System.Text.Encoding.UTF8.GetString(bytes).Split('\n');
            for (int i = 0; i < lines.Length; i++)
                if (RoundOrIssueNumber.Match(lines[i]) is { Success: true } m) offences.Add($"{file}:{i + 1}: {m.Value}");
        }
        Assert.True(offences.Count == 0,
            "development-round or issue numbers (say why, not when; history goes to CHANGELOG.md):\n" + string.Join("\n", offences));
    }

    private static readonly Regex MarkdownLink = new(@"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+""[^""]*"")?\s*\)", RegexOptions.CultureInvariant);

    [Fact]
    public void DecisionRecordsHaveOneNumberEachAndAreAllIndexed()
    {
        string dir = Path.Combine(RepoRoot(), "docs", "decisions");
        var records = Directory.GetFiles(dir, "*.md").Select(Path.GetFileName).Where(f => f != "README.md").ToList();
        var numbers = records.GroupBy(f => f![..4]).Where(g => g.Count() > 1).Select(g => string.Join(", ", g)).ToList();
        Assert.True(numbers.Count == 0, "numbers used twice: " + string.Join("; ", numbers));
        string index = File.ReadAllText(Path.Combine(dir, "README.md"));
        var missing = records.Where(f => !index.Contains("(" + f + ")", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "not in docs/decisions/README.md: " + string.Join(", ", missing));
    }

    [Fact]
    public void RelativeLinksInDocsResolve()
    {
        string root = RepoRoot();
        var broken = new List<string>();
        var files = TrackedFiles(root, "README.md", "CHANGELOG.md", "docs").Where(f => f.EndsWith(".md", StringComparison.Ordinal)).ToList();
        Assert.Contains("README.md", files);
        foreach (string file in files)
        {
            var lines = File.ReadAllLines(Path.Combine(root, file));
            bool fenced = false;
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal)) { fenced = !fenced; continue; }
                if (fenced) continue;
                foreach (Match m in MarkdownLink.Matches(lines[i]))
                {
                    string target = m.Groups[1].Value;
                    if (Regex.IsMatch(target, "^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase) || target.StartsWith('#')) continue;
                    string pathPart = Uri.UnescapeDataString(target.Split('#')[0]);
                    string resolved = Path.GetFullPath(Path.Combine(root, Path.GetDirectoryName(file) ?? "", pathPart));
                    if (!File.Exists(resolved) && !Directory.Exists(resolved)) broken.Add($"{file}:{i + 1}: {target}");
                }
            }
        }
        Assert.True(broken.Count == 0, "relative links to missing files:\n" + string.Join("\n", broken));
    }
}
