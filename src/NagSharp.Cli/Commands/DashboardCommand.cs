using System.CommandLine;
using NagSharp.Dashboard;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag dashboard --store FILE</c>: a read-only web dashboard over an experiment store (see <see cref="DashboardServer"/>).</summary>
public static class DashboardCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext ctx)
    {
        var defaults = new DashboardSettings("");
        var store = new Option<string>("--store") { Description = "Experiment store to show (opened read-only): a file written with `nag search --store`, sqlite:PATH or postgresql://user@host:port/database", Required = true };
        var port = new Option<int>("--port") { Description = "TCP port (0: any free port)", DefaultValueFactory = _ => defaults.Port };
        var host = new Option<string>("--host") { Description = "Address to listen on (an IP address or localhost); anything but a loopback address lets other machines read the store, with a warning", DefaultValueFactory = _ => defaults.Host };
        var json = new Option<bool>("--json") { Description = "Print where it listens as one JSON object (address, store), e.g. for a script that asked for --port 0" };
        var cmd = new Command("dashboard", "Serve a read-only web dashboard of an experiment store: experiments, live search curves, trials, architectures (SVG cells, metrics, JSON/ONNX/PyTorch downloads)")
            { store, port, host, json };
        cmd.SetAction((p, ct) => Task.FromResult(ctx.Guard(() =>
        {
            var settings = new DashboardSettings(p.GetValue(store)!, p.GetValue(port), p.GetValue(host)!, p.GetValue(ctx.DataDir));
            DashboardServer.RunAsync(settings, address =>
            {
                ctx.Out.WriteLine(p.GetValue(json)
                    ? ExperimentHost.Json(new { Address = address.ToString(), Store = settings.Store })
                    : $"dashboard of {settings.Store} (read-only) at {address}; Ctrl+C stops it");
                ctx.Out.Flush();
            }, ctx.Err.WriteLine, ct).GetAwaiter().GetResult();
            return ExitCodes.Ok;
        })));
        return cmd;
    }
}
