using System.CommandLine;
using NagSharp.Spaces;
using Spectre.Console;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag spaces</c>: the registered search spaces.</summary>
public static class SpacesCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var json = CliHelpers.JsonOption();
        var cmd = new Command("spaces", "List the search spaces") { json };
        cmd.SetAction(p => ctx.Guard(() =>
        {
            if (p.GetValue(json))
            {
                ctx.Out.WriteLine(ExperimentHost.Json(SpaceRegistry.Spaces.Select(s => new
                {
                    s.Name, Architectures = s.Size, Nodes = s.MaxNodes, Symbols = s.NodeVocabulary.Count,
                    Topology = s.FixedAdjacency is null ? "free" : "fixed", s.Description,
                })));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("name", "architectures", "nodes", "symbols", "topology", "description");
            foreach (var s in SpaceRegistry.Spaces)
                table.AddRow(s.Name, s.Size?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "-", s.MaxNodes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    s.NodeVocabulary.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), s.FixedAdjacency is null ? "free" : "fixed", Markup.Escape(s.Description));
            ctx.Console.Write(table);
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
