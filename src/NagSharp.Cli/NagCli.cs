using System.CommandLine;
using NagSharp.Cli.Commands;
using Spectre.Console;

namespace NagSharp.Cli;

/// <summary>Output channels of one CLI invocation; tests pass their own writers.</summary>
public sealed class CliContext(TextWriter stdout, TextWriter stderr, bool interactive)
{
    /// <summary>Machine-readable and primary output.</summary>
    public TextWriter Out { get; } = stdout;
    /// <summary>Diagnostics, progress and one-line errors.</summary>
    public TextWriter Err { get; } = stderr;
    /// <summary>True when stdout is a terminal (progress bars and colours make sense).</summary>
    public bool Interactive { get; } = interactive;

    /// <summary>The global <c>--data-dir</c> option (one instance per invocation).</summary>
    public Option<string?> DataDir { get; } = new("--data-dir")
    {
        Description = "Benchmark data directory (default: $NAGSHARP_DATA, else ../shared/data beside the repository)",
        Recursive = true,
    };

    /// <summary>The global <c>--extra-table</c> option: metric tables of one's own (e.g. <c>nag latency</c> output) loaded
    /// beside the space's tables.</summary>
    public Option<string[]> ExtraTables { get; } = new("--extra-table")
    {
        Description = "Extra metric table (CSV in the space's layout, may cover part of the space), e.g. local_ms.csv from `nag latency` (repeatable)",
        Recursive = true,
    };

    /// <summary>A Spectre console writing to <see cref="Out"/>.</summary>
    public IAnsiConsole Console { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(stdout),
        Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
    });

    /// <summary>Runs a command body, turning NagSharp errors into a one-line message and the documented exit code.</summary>
    public int Guard(Func<int> body)
    {
        try { return body(); }
        catch (NagUserException e) { Err.WriteLine($"nag: error: {SettingFlags.Rewrite(e.Message)}"); return ExitCodes.UserError; }
        catch (NagDataException e) { Err.WriteLine($"nag: data error: {SettingFlags.Rewrite(e.Message)}"); return ExitCodes.DataError; }
        catch (IOException e) { Err.WriteLine($"nag: I/O error: {e.Message}"); return ExitCodes.DataError; }
        catch (UnauthorizedAccessException e) { Err.WriteLine($"nag: I/O error: {e.Message}"); return ExitCodes.DataError; }
    }
}

/// <summary>Process exit codes of <c>nag</c>.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>Bad flags, arguments or architecture strings.</summary>
    public const int UserError = 1;
    /// <summary>Missing or corrupt data, unreadable files.</summary>
    public const int DataError = 2;
}

/// <summary>Entry point of the <c>nag</c> command, callable in-process.</summary>
public static class NagCli
{
    /// <summary>Parses and runs a command line; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        OpenMp.PreferPassiveWait();
        TorchSharp.torch.set_num_threads(Math.Max(1, Environment.ProcessorCount));
        bool interactive = stdout is null && !Console.IsOutputRedirected;
        var ctx = new CliContext(stdout ?? Console.Out, stderr ?? Console.Error, interactive);
        var root = BuildRoot(ctx);
        var parse = root.Parse(FlagAliases.Rewrite(root, args, ctx.Err.WriteLine));
        var previous = CliHelpers.ExtraTables;
        CliHelpers.ExtraTables = parse.GetValue(ctx.ExtraTables) ?? [];
        try { return parse.Invoke(new InvocationConfiguration { Output = ctx.Out, Error = ctx.Err }); }
        finally { CliHelpers.ExtraTables = previous; }
    }

    /// <summary>The whole command tree, bound to <paramref name="ctx"/>; also the source of docs/reference/cli.md.</summary>
    public static RootCommand BuildRoot(CliContext ctx)
    {
        return new RootCommand("NagSharp: generate neural architectures with graph diffusion and search with them")
        {
            ctx.DataDir,
            ctx.ExtraTables,
            SpacesCommand.Create(ctx),
            ArchCommand.Create(ctx),
            SpaceCommand.Create(ctx),
            DataCommand.Create(ctx),
            TrainCommand.Create(ctx),
            GenerateCommand.Create(ctx),
            BenchCommand.Create(ctx),
            PredictCommand.Create(ctx),
            SearchCommand.Create(ctx),
            RunsCommand.Create(ctx),
            WorkerCommand.Create(ctx),
            StoreCommand.Create(ctx),
            DashboardCommand.Create(ctx),
            PlotCommand.Create(ctx),
            PoolCommand.Create(ctx),
            NetCommand.Create(ctx),
            LatencyCommand.Create(ctx),
            ExportCommand.Create(ctx),
            OfaCommand.Create(ctx),
            DocsCommand.Create(ctx),
        };
    }
}
