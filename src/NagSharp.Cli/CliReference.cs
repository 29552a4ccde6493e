using System.CommandLine;
using System.Globalization;
using System.Text;

namespace NagSharp.Cli;

/// <summary>
/// Renders the command tree of <c>nag</c> as a markdown reference: every visible command with its description,
/// arguments and options (type, default, required, aliases). docs/reference/cli.md is this output, so the reference
/// cannot drift from the option definitions; a test compares the two.
/// </summary>
public static class CliReference
{
    /// <summary>The command that rewrites the committed reference, quoted in its header and in the staleness test.</summary>
    public const string RegenerateCommand = "dotnet run --project src/NagSharp.Cli -- docs cli --out docs/reference/cli.md";

    /// <summary>Markdown for the whole command tree under <paramref name="root"/>, with "\n" line ends.</summary>
    public static string Render(RootCommand root)
    {
        var sb = new StringBuilder();
        sb.Append("# `nag` command reference\n\n");
        sb.Append("<!-- Generated from the command definitions in src/NagSharp.Cli; do not edit by hand. Regenerate with:\n");
        sb.Append("     ").Append(RegenerateCommand).Append("\n     (a test fails when this file differs from the rendered one). -->\n\n");
        sb.Append(Clean(root.Description)).Append("\n\n");
        sb.Append("Exit codes: 0 ok, 1 user error (bad flag, argument or architecture string), 2 data error (missing or corrupt data, unreadable file).\n\n");
        sb.Append("## Global options\n\n");
        sb.Append("Accepted by every command.\n\n");
        OptionTable(sb, root.Options.Where(o => !o.Hidden));
        sb.Append("## Commands\n\n");
        foreach (var (path, cmd) in Walk(root, "nag"))
            if (cmd != root) sb.Append("- [`").Append(path).Append("`](#").Append(Anchor(path)).Append(")\n");
        sb.Append('\n');
        foreach (var (path, cmd) in Walk(root, "nag"))
        {
            if (cmd == root) continue;
            sb.Append("### ").Append(path).Append("\n\n");
            if (!string.IsNullOrWhiteSpace(cmd.Description)) sb.Append(Clean(cmd.Description)).Append("\n\n");
            var aliases = cmd.Aliases.Where(a => a != cmd.Name).ToList();
            if (aliases.Count > 0) sb.Append("Aliases: ").Append(string.Join(", ", aliases.Select(a => "`" + a + "`"))).Append("\n\n");
            var subs = cmd.Subcommands.Where(c => !c.Hidden).ToList();
            sb.Append("Usage: `").Append(path);
            if (subs.Count > 0 && cmd.Action is null) sb.Append(" <command>");
            else if (subs.Count > 0) sb.Append(" [command]");
            foreach (var a in cmd.Arguments.Where(a => !a.Hidden)) sb.Append(' ').Append(ArgumentUsage(a));
            if (cmd.Options.Any(o => !o.Hidden)) sb.Append(" [options]");
            sb.Append("`\n\n");
            if (subs.Count > 0)
            {
                sb.Append("Subcommands: ").Append(string.Join(", ", subs.Select(c => $"[`{c.Name}`](#{Anchor(path + " " + c.Name)})"))).Append("\n\n");
            }
            var args = cmd.Arguments.Where(a => !a.Hidden).ToList();
            if (args.Count > 0)
            {
                sb.Append("| argument | type | count | description |\n|---|---|---|---|\n");
                foreach (var a in args)
                    sb.Append("| `").Append(a.Name).Append("` | ").Append(TypeName(a.ValueType)).Append(" | ")
                      .Append(Count(a.Arity)).Append(" | ").Append(Cell(a.Description)).Append(" |\n");
                sb.Append('\n');
            }
            OptionTable(sb, cmd.Options.Where(o => !o.Hidden));
        }
        sb.Append("## Old spellings\n\n");
        sb.Append("Renamed flags keep working for one release under their old spelling (not shown in help; a note on stderr names the new one).\n\n");
        sb.Append("| command | old | new |\n|---|---|---|\n");
        foreach (var a in FlagAliases.All) sb.Append("| `nag ").Append(a.Command).Append("` | `").Append(a.Old).Append("` | `").Append(a.New).Append("` |\n");
        return sb.ToString();
    }

    /// <summary>Depth-first walk of visible commands, in definition order, with their full invocation path.</summary>
    private static IEnumerable<(string Path, Command Command)> Walk(Command cmd, string path)
    {
        yield return (path, cmd);
        foreach (var sub in cmd.Subcommands.Where(c => !c.Hidden))
            foreach (var x in Walk(sub, path + " " + sub.Name)) yield return x;
    }

    private static void OptionTable(StringBuilder sb, IEnumerable<Option> options)
    {
        var list = options.ToList();
        if (list.Count == 0) return;
        sb.Append("| option | type | default | required | description |\n|---|---|---|---|---|\n");
        foreach (var o in list)
        {
            var names = new[] { o.Name }.Concat(o.Aliases.Where(a => a != o.Name).OrderBy(a => a, StringComparer.Ordinal));
            sb.Append("| ").Append(string.Join(", ", names.Select(n => "`" + n + "`"))).Append(" | ")
              .Append(TypeName(o.ValueType)).Append(IsRepeatable(o) ? " (repeatable)" : "").Append(" | ")
              .Append(Default(o)).Append(" | ").Append(o.Required ? "yes" : "").Append(" | ")
              .Append(Cell(o.Description)).Append(" |\n");
        }
        sb.Append('\n');
    }

    private static bool IsRepeatable(Option o) => o.ValueType != typeof(string) && o.ValueType.IsAssignableTo(typeof(System.Collections.IEnumerable));

    private static string Default(Option o)
    {
        if (!o.HasDefaultValue) return "";
        object? v = o.GetDefaultValue();
        string text = v switch
        {
            null => "",
            string s => s,
            bool b => b ? "true" : "false",
            System.Collections.IEnumerable e => string.Join(",", e.Cast<object?>().Select(x => Convert.ToString(x, CultureInfo.InvariantCulture))),
            _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
        };
        return text.Length == 0 ? "" : "`" + text.Replace("|", "\\|", StringComparison.Ordinal) + "`";
    }

    private static string TypeName(Type t)
    {
        if (Nullable.GetUnderlyingType(t) is Type u) return TypeName(u);
        if (t.IsArray) return TypeName(t.GetElementType()!);
        if (t.IsGenericType && t.GetGenericArguments().Length == 1 && t.IsAssignableTo(typeof(System.Collections.IEnumerable)))
            return TypeName(t.GetGenericArguments()[0]);
        if (t == typeof(bool) || t == typeof(void)) return "flag";
        if (t == typeof(int) || t == typeof(long)) return "integer";
        if (t == typeof(double) || t == typeof(float)) return "number";
        if (t == typeof(string)) return "text";
        if (t == typeof(FileInfo)) return "file";
        if (t == typeof(DirectoryInfo)) return "directory";
        return t.IsEnum ? string.Join(" \\| ", Enum.GetNames(t)) : t.Name;
    }

    private static string ArgumentUsage(Argument a) =>
        a.Arity.MinimumNumberOfValues == 0 ? $"[{a.Name}]" : a.Arity.MaximumNumberOfValues > 1 ? $"<{a.Name}>..." : $"<{a.Name}>";

    private static string Count(ArgumentArity arity) =>
        arity.MinimumNumberOfValues == arity.MaximumNumberOfValues ? arity.MinimumNumberOfValues.ToString(CultureInfo.InvariantCulture)
        : arity.MaximumNumberOfValues > 100 ? $"{arity.MinimumNumberOfValues} or more"
        : $"{arity.MinimumNumberOfValues}-{arity.MaximumNumberOfValues}";

    private static string Clean(string? text) => (text ?? "").Replace("\r", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Trim();

    private static string Cell(string? text) => Clean(text).Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>GitHub's heading anchor: lower case, spaces to hyphens, punctuation other than hyphens dropped.</summary>
    internal static string Anchor(string heading) =>
        new string(heading.ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c == ' ' || c == '-' || c == '_').ToArray()).Replace(' ', '-');
}
