using System.Net;

namespace NagSharp.Dashboard;

/// <summary>What <c>nag dashboard</c> serves and where it listens.</summary>
/// <param name="Store">The experiment store: a file path, <c>sqlite:PATH</c> or <c>postgresql://user@host:port/database</c>.</param>
/// <param name="Port">TCP port (0: any free port, reported by <see cref="DashboardServer.Address"/>).</param>
/// <param name="Host">Address to listen on: <c>127.0.0.1</c> (this machine only) unless told otherwise; an IP address or
/// <c>localhost</c>.</param>
/// <param name="DataDir">Benchmark data directory for the architecture pages' table metrics and the regret chart (null:
/// the usual lookup; no data found: those parts are left out).</param>
/// <param name="PollSeconds">How often an open page asks for new data.</param>
public sealed record DashboardSettings(string Store, int Port = 8080, string Host = "127.0.0.1", string? DataDir = null, double PollSeconds = 1.5)
    : ICheckedSettings
{
    /// <inheritdoc />
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Store)) throw new NagUserException("store must name an experiment store (a path, sqlite:PATH or a postgresql:// URL)");
        if (Port is < 0 or > 65535) throw new NagUserException($"port {Port} is not a TCP port (0-65535)");
        if (!(PollSeconds is >= 0.1 and <= 3600)) throw new NagUserException($"poll interval {PollSeconds} s must be between 0.1 and 3600");
        _ = Address;
    }

    /// <summary>The address listened on.</summary>
    public IPAddress Address => Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : IPAddress.TryParse(Host, out var ip) ? ip
        : throw new NagUserException($"host '{SafePath.Shorten(Host)}' is not an IP address or localhost");

    /// <summary>True when only this machine can connect.</summary>
    public bool LoopbackOnly => IPAddress.IsLoopback(Address);
}
