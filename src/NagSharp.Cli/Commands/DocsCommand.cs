using System.CommandLine;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag docs cli</c>: writes the generated command reference (docs/reference/cli.md).</summary>
public static class DocsCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CliContext ctx)
    {
        var outPath = new Option<string?>("--out") { Description = "Write the reference to this file (atomically) instead of stdout" };
        var cli = new Command("cli", "Render the command reference (every command, argument and option) as markdown") { outPath };
        cli.SetAction(p => ctx.Guard(() =>
        {
            // A fresh tree with silent writers: the reference describes the definitions, not this invocation.
            var quiet = new CliContext(TextWriter.Null, TextWriter.Null, interactive: false);
            string text = CliReference.Render(NagCli.BuildRoot(quiet));
            if (p.GetValue(outPath) is string path)
            {
                AtomicFile.WriteText(path, w => w.Write(text));
                ctx.Err.WriteLine($"wrote {path}");
            }
            else ctx.Out.Write(text);
            return ExitCodes.Ok;
        }));
        return new Command("docs", "Generated documentation") { cli };
    }
}
