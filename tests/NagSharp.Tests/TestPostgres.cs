using Npgsql;

namespace NagSharp.Tests;

/// <summary>
/// A PostgreSQL server for the store tests, from $NAGSHARP_TEST_PG (a <c>postgresql://</c> URL; .ci/run starts a
/// throwaway cluster and sets it). Each test gets a fresh database, dropped on dispose. Without a server the test skips
/// with the reason; under CI=true a missing server is a failure, never a silent skip.
/// </summary>
public sealed class TestPostgres : IDisposable
{
    /// <summary>Environment variable holding the server's URL.</summary>
    public const string EnvironmentVariable = "NAGSHARP_TEST_PG";

    private readonly string _admin;
    private readonly string _name = "nag_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>URL of the fresh database.</summary>
    public string Url { get; }

    private TestPostgres(string server)
    {
        var uri = new Uri(server);
        _admin = Store.PostgresBackend.ConnectionString(server, server);
        using (var c = new NpgsqlConnection(_admin))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"CREATE DATABASE {_name}";
            cmd.ExecuteNonQuery();
        }
        Url = $"{uri.Scheme}://{uri.UserInfo}@{uri.Host}:{uri.Port}/{_name}";
    }

    /// <summary>The server's URL; skips (or fails under CI) when none is configured.</summary>
    public static string RequireServer()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } url) return url;
        string reason = $"no PostgreSQL server ({EnvironmentVariable} is not set; .ci/run starts one, or `source .ci/postgres start`)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("CI=true but " + reason);
        Skip.If(true, reason);
        return "";
    }

    /// <summary>A fresh database on the test server.</summary>
    public static TestPostgres Create() => new(RequireServer());

    /// <summary>A store location of <paramref name="backend"/> (<c>sqlite</c>: a file in <paramref name="tmp"/>;
    /// <c>postgresql</c>: a fresh database, disposed with the returned handle).</summary>
    public static (string Location, IDisposable? Owner) Location(string backend, TempDir tmp, string name = "store.db")
    {
        if (backend == "sqlite") return ("sqlite:" + tmp.File(name), null);
        var pg = Create();
        return (pg.Url, pg);
    }

    /// <summary>Runs one SQL statement in the fresh database.</summary>
    public static void Sql(string url, string sql)
    {
        using var c = new NpgsqlConnection(Store.PostgresBackend.ConnectionString(url, url));
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            using var c = new NpgsqlConnection(_admin);
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"DROP DATABASE IF EXISTS {_name} WITH (FORCE)";
            cmd.ExecuteNonQuery();
        }
        catch (NpgsqlException) { }
    }
}
