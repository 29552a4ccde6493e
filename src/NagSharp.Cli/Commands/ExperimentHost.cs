using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using NagSharp.Experiments;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary>
/// Runs a library experiment for a command: renders its <see cref="ExperimentEvent"/>s (notes as stderr lines, steps
/// as a progress bar on a terminal or a line every 10 % otherwise, like <see cref="ProgressRunner"/>), and turns the
/// settings the library names in its errors (<c>GuidedMarginSettings.SampleSteps</c>) into the command's flags
/// (<c>--sample-steps</c>).
/// </summary>
public static partial class ExperimentHost
{
    /// <summary>
    /// Runs <paramref name="body"/> with a progress sink. <paramref name="flags"/> maps a setting (property name, e.g.
    /// <c>Samples</c>) to its flag where the flag is not the kebab-case of the name (<c>-n</c>).
    /// </summary>
    public static T Run<T>(CliContext ctx, Func<IProgress<ExperimentEvent>, T> body, IReadOnlyDictionary<string, string>? flags = null)
    {
        try
        {
            if (!ctx.Interactive) return body(LineRenderer(ctx, flags));
            T result = default!;
            ctx.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(p =>
                {
                    var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                    result = body(ExperimentProgress.Of(e =>
                    {
                        switch (e)
                        {
                            case ExperimentNote n: ctx.Err.WriteLine(ToFlags(n.Text, flags)); break;
                            case ExperimentStep s:
                                if (!tasks.TryGetValue(s.Stage, out var task)) tasks[s.Stage] = task = p.AddTask(Markup.Escape(s.Stage));
                                task.MaxValue = s.Total;
                                task.Value = s.Done;
                                task.Description = Markup.Escape($"{s.Stage} {s.Status}");
                                break;
                        }
                    }));
                });
            return result;
        }
        catch (NagUserException e) { throw new NagUserException(ToFlags(e.Message, flags), e); }
    }

    /// <summary>The message with every <c>XxxSettings.Name</c> replaced by its flag: the global map's
    /// (<see cref="SettingFlags"/>), else the command's <paramref name="flags"/>, else the kebab case of the name.</summary>
    public static string ToFlags(string message, IReadOnlyDictionary<string, string>? flags = null) =>
        SettingName().Replace(message, m => SettingFlags.Map.GetValueOrDefault(m.Value) ?? flags?.GetValueOrDefault(m.Groups[2].Value) ?? Kebab(m.Groups[2].Value));

    private static string Kebab(string name)
    {
        var sb = new StringBuilder("--");
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) sb.Append('-');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"\b([A-Z][A-Za-z]*Settings)\.([A-Z][A-Za-z]*)\b")]
    private static partial Regex SettingName();

    // Without a terminal: one line per 10 % of each stage, with elapsed time and ETA, as ProgressRunner prints them.
    private static IProgress<ExperimentEvent> LineRenderer(CliContext ctx, IReadOnlyDictionary<string, string>? flags)
    {
        string? stage = null;
        int lastDecile = -1, lastDone = -1;
        var clock = Stopwatch.StartNew();
        return ExperimentProgress.Of(e =>
        {
            switch (e)
            {
                case ExperimentNote n: ctx.Err.WriteLine(ToFlags(n.Text, flags)); break;
                case ExperimentStep s:
                    if (s.Stage != stage || s.Done < lastDone) { stage = s.Stage; lastDecile = -1; clock.Restart(); }
                    lastDone = s.Done;
                    int decile = s.Total == 0 ? 10 : s.Done * 10 / s.Total;
                    if (decile == lastDecile) return;
                    lastDecile = decile;
                    double eta = s.Done == 0 ? double.NaN : clock.Elapsed.TotalSeconds * (s.Total - s.Done) / s.Done;
                    ctx.Err.WriteLine($"{s.Stage}: {s.Done}/{s.Total} {s.Status} elapsed {clock.Elapsed.TotalSeconds:F0}s eta {(double.IsNaN(eta) ? "?" : eta.ToString("F0", CultureInfo.InvariantCulture) + "s")}");
                    break;
            }
        });
    }

    /// <summary>A result record as one line of JSON (System.Text.Json, snake_case names, as every NagSharp JSON).</summary>
    public static string Json<T>(T result) => System.Text.Json.JsonSerializer.Serialize(result, NagSharp.Json.SerializerOptions);

    /// <summary>Writes <paramref name="stem"/>.md and <paramref name="stem"/>.json (each through a temp file and rename).</summary>
    public static void WriteReport(string stem, string markdown, string json)
    {
        AtomicFile.WriteText(stem + ".md", w => w.Write(markdown));
        AtomicFile.WriteText(stem + ".json", w => w.WriteLine(json));
    }
}
