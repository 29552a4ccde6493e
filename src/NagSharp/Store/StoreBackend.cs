using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace NagSharp.Store;

/// <summary>
/// What differs between the databases an experiment store can live in: how a connection is made, a few column types,
/// how a writer takes its lock, and how a database failure reads. Everything else (tables, statements, migrations) is
/// shared, so both backends run the same code paths.
/// </summary>
internal abstract class StoreBackend : IDisposable
{
    /// <summary>Releases pooled connections.</summary>
    public virtual void Dispose() { }

    /// <summary>Backend name: <c>sqlite</c> or <c>postgresql</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The store as messages name it (a file path, or a URL without its password).</summary>
    public abstract string Display { get; }

    /// <summary>Auto-numbered primary key column type.</summary>
    public abstract string IdColumn { get; }

    /// <summary>Floating-point column type.</summary>
    public abstract string Real { get; }

    /// <summary>Row-lock clause of a claim query: another worker's locked rows are skipped, not waited for.</summary>
    public abstract string SkipLocked { get; }

    /// <summary>True when one connection is kept for the store's life (SQLite); false: one pooled connection per operation.</summary>
    public abstract bool Persistent { get; }

    /// <summary>Opens a new connection.</summary>
    public abstract DbConnection Connect();

    /// <summary>Starts a write transaction that excludes other writers of the same <paramref name="lockKey"/> (SQLite:
    /// BEGIN IMMEDIATE, the whole file; PostgreSQL: a transaction-scoped advisory lock when a key is given, row locks otherwise).</summary>
    public abstract DbTransaction BeginWrite(DbConnection db, long? lockKey = null);

    /// <summary>Table names of the store's schema.</summary>
    public abstract List<string> Tables(DbConnection db);

    /// <summary>Column names of <paramref name="table"/>.</summary>
    public abstract HashSet<string> Columns(DbConnection db, string table);

    /// <summary>The first column of every row a catalogue query returns (<paramref name="table"/> binds <c>@t</c>).</summary>
    protected static List<string> Strings(DbConnection db, string sql, string? table = null)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        if (table is not null) { var p = cmd.CreateParameter(); p.ParameterName = "@t"; p.Value = table; cmd.Parameters.Add(p); }
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        return list;
    }

    /// <summary>One-line data error for a database failure, or null when <paramref name="e"/> is no database failure.</summary>
    public abstract NagDataException? Translate(Exception e, string what);

    /// <summary>Drops pooled connections (after the server went away).</summary>
    public virtual void ClearPool() { }

    /// <summary>True when <paramref name="e"/> is a failure to reach the server that a retry may get past (a restart).</summary>
    public virtual bool Transient(Exception e) => false;

    /// <summary>The backend for a store location: <c>sqlite:PATH</c>, <c>postgresql://user[:password]@host[:port]/database</c>
    /// (or <c>postgres://</c>), or a plain file path (SQLite).</summary>
    public static StoreBackend For(string location, TimeSpan busyTimeout, bool readOnly = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        if (location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
            return new PostgresBackend(location, readOnly);
        if (location.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase)) location = location["sqlite:".Length..];
        if (location.Length == 0) throw new NagUserException("store sqlite: needs a file path (sqlite:PATH)");
        return new SqliteBackend(location, busyTimeout);
    }
}

internal sealed class SqliteBackend(string path, TimeSpan busyTimeout) : StoreBackend
{
    private readonly int _busyMs = (int)busyTimeout.TotalMilliseconds;
    public string Path { get; } = path;
    public override string Name => "sqlite";
    public override string Display => Path;
    public override string IdColumn => "INTEGER PRIMARY KEY AUTOINCREMENT";
    public override string Real => "REAL";
    public override string SkipLocked => "";
    public override bool Persistent => true;

    public override DbConnection Connect() => Connect(SqliteOpenMode.ReadWriteCreate);

    public SqliteConnection Connect(SqliteOpenMode mode)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false, Mode = mode }.ToString());
        try
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"PRAGMA busy_timeout={_busyMs};";
            cmd.ExecuteNonQuery();
            return db;
        }
        catch { db.Dispose(); throw; }
    }

    public override DbTransaction BeginWrite(DbConnection db, long? lockKey = null) => ((SqliteConnection)db).BeginTransaction(deferred: false);

    public override List<string> Tables(DbConnection db) =>
        Strings(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");

    public override HashSet<string> Columns(DbConnection db, string table) =>
        Strings(db, "SELECT name FROM pragma_table_info(@t)", table).ToHashSet(StringComparer.Ordinal);

    public override NagDataException? Translate(Exception e, string what) => e is SqliteException s ? Error(Path, s, what) : null;

    /// <summary>One line naming the store for an SQLite failure; a lock held too long says so.</summary>
    public static NagDataException Error(string path, SqliteException e, string what)
    {
        string reason = e.SqliteErrorCode switch
        {
            5 or 6 => "another process holds the database locked longer than the busy timeout",   // SQLITE_BUSY, SQLITE_LOCKED
            13 => "the disk is full",                                                             // SQLITE_FULL
            _ => e.Message.ReplaceLineEndings(" "),
        };
        return new NagDataException($"{path}: {what} ({reason})", e);
    }
}

internal sealed class PostgresBackend : StoreBackend
{
    private readonly NpgsqlDataSource _source;

    public PostgresBackend(string url, bool readOnly = false)
    {
        Display = Redact(url);
        var b = new NpgsqlConnectionStringBuilder(ConnectionString(url, Display));
        if (readOnly) b.Options = (b.Options is { Length: > 0 } o ? o + " " : "") + "-c default_transaction_read_only=on";   // the server refuses writes
        _source = NpgsqlDataSource.Create(b.ConnectionString);
    }

    public override string Name => "postgresql";
    public override string Display { get; }
    public override string IdColumn => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
    public override string Real => "DOUBLE PRECISION";
    public override string SkipLocked => " FOR UPDATE SKIP LOCKED";
    public override bool Persistent => false;

    public override DbConnection Connect() => _source.OpenConnection();

    public override void Dispose() => _source.Dispose();

    public override void ClearPool() => _source.Clear();

    public override DbTransaction BeginWrite(DbConnection db, long? lockKey = null)
    {
        var tx = db.BeginTransaction();
        if (lockKey is long key)
        {
            using var cmd = db.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = $"SELECT pg_advisory_xact_lock({key.ToString(CultureInfo.InvariantCulture)})";
            cmd.ExecuteNonQuery();
        }
        return tx;
    }

    public override List<string> Tables(DbConnection db) =>
        Strings(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name");

    public override HashSet<string> Columns(DbConnection db, string table) =>
        Strings(db, "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @t", table)
            .ToHashSet(StringComparer.Ordinal);

    public override NagDataException? Translate(Exception e, string what) => e switch
    {
        PostgresException p => new NagDataException($"{Display}: {what} ({p.SqlState}: {p.MessageText.ReplaceLineEndings(" ")})", e),
        NpgsqlException n => new NagDataException($"{Display}: {what} ({(n.InnerException ?? n).Message.ReplaceLineEndings(" ")})", e),
        TimeoutException t => new NagDataException($"{Display}: {what} ({t.Message.ReplaceLineEndings(" ")})", e),
        _ => null,
    };

    // Server gone (restart, network): connection failures and the admin-shutdown / cannot-connect SQLSTATE classes.
    public override bool Transient(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException => true,
        TimeoutException => true,
        _ => e.InnerException is not null && Transient(e.InnerException),
    };

    /// <summary>The URL with its password replaced, for messages.</summary>
    public static string Redact(string url)
    {
        int scheme = url.IndexOf("://", StringComparison.Ordinal) + 3, at = url.LastIndexOf('@');
        if (at < scheme) return url;
        int colon = url.IndexOf(':', scheme);
        return colon > 0 && colon < at ? url[..colon] + ":***" + url[at..] : url;
    }

    /// <summary>An Npgsql connection string from a <c>postgresql://</c> URL; query parameters pass through (e.g.
    /// <c>?sslmode=require</c>). A password not in the URL comes from PGPASSWORD or ~/.pgpass, as Npgsql reads them.</summary>
    public static string ConnectionString(string url, string display)
    {
        Uri uri;
        try { uri = new Uri(url); }
        catch (UriFormatException e) { throw new NagUserException($"{display}: not a PostgreSQL URL ({e.Message})"); }
        string database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (uri.Host.Length == 0 || database.Length == 0)
            throw new NagUserException($"{display}: a PostgreSQL store URL needs a host and a database (postgresql://user@host:port/database)");
        var b = new NpgsqlConnectionStringBuilder { Host = uri.Host, Database = database, Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            b.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length > 1) b.Password = Uri.UnescapeDataString(parts[1]);
        }
        foreach (var kv in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = kv.Split('=', 2);
            try { b[Uri.UnescapeDataString(pair[0])] = pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : ""; }
            catch (ArgumentException e) { throw new NagUserException($"{display}: unknown connection parameter '{pair[0]}' ({e.Message})"); }
        }
        return b.ConnectionString;
    }
}
