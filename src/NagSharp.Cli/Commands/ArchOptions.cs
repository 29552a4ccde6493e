using System.CommandLine;
using NagSharp.Networks;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary>Options that pick an architecture and the network shape around it, shared by the network commands.</summary>
public sealed class ArchOptions
{
    /// <summary>--space.</summary>
    public Option<string> Space { get; } = new("--space") { Description = "Search space", DefaultValueFactory = _ => "nb201" };
    /// <summary>--arch.</summary>
    public Option<string?> Arch { get; } = new("--arch") { Description = "Architecture string, or its key in the benchmark tables (NB201 index)" };
    /// <summary>--spec.</summary>
    public Option<string?> Spec { get; } = new("--spec") { Description = "Take space, architecture and network shape from a JSON spec written by `nag export --format json`" };
    /// <summary>--width.</summary>
    public Option<int?> Width { get; } = new("--width") { Description = "Channels of the first stage, C (default: the space's standard network, NB201 16)" };
    /// <summary>--cells.</summary>
    public Option<int?> Cells { get; } = new("--cells") { Description = "Cells per stage, N (default: the space's standard network, NB201 5)" };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command c) { c.Options.Add(Space); c.Options.Add(Arch); c.Options.Add(Spec); c.Options.Add(Width); c.Options.Add(Cells); }

    /// <summary>
    /// The space, architecture and requested shape. A spec fixes all three; --width/--cells given beside it must agree.
    /// </summary>
    public (ISearchSpace Space, Arch Arch, NetworkOptions? SpecOptions, int? Width, int? Cells) Read(CliContext ctx, ParseResult p)
    {
        if (p.GetValue(Spec) is string spec)
        {
            if (p.GetValue(Arch) is not null) throw new NagUserException("give either --arch or --spec, not both");
            var (s, a, o) = NetworkSpec.Read(spec);
            if (p.GetValue(Width) is int w && w != o.Width) throw new NagUserException($"--width {w} contradicts the spec's width {o.Width}");
            if (p.GetValue(Cells) is int n && n != o.CellsPerStage) throw new NagUserException($"--cells {n} contradicts the spec's {o.CellsPerStage} cells per stage");
            return (s, a, o, o.Width, o.CellsPerStage);
        }
        var space = SpaceRegistry.Get(p.GetValue(Space)!);
        string text = p.GetValue(Arch) ?? throw new NagUserException("--arch (or --spec) is required");
        var data = text.Trim().All(char.IsAsciiDigit) ? CliHelpers.LoadDataOrNull(space, p.GetValue(ctx.DataDir)) : null;
        var arch = CliHelpers.ResolveArch(space, text, data);
        return (space, arch, null, p.GetValue(Width), p.GetValue(Cells));
    }
}
