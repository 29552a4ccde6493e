using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using NagSharp.Search;

namespace NagSharp.Store;

/// <summary>What a search experiment was asked to do (enough to resume it).</summary>
/// <param name="Id">Experiment id.</param>
/// <param name="Space">Search space.</param>
/// <param name="Objective">Queried column.</param>
/// <param name="Report">Report column.</param>
/// <param name="Strategies">Strategy names, in run order.</param>
/// <param name="Budget">Queries per run.</param>
/// <param name="Seeds">Runs per strategy.</param>
/// <param name="FirstSeed">Seed of the first run.</param>
/// <param name="Status">running or done.</param>
/// <param name="Created">Creation time (UTC, ISO 8601).</param>
/// <param name="Settings">Settings as JSON (a search: generator, acquisition, transfer sources..., so a resumed run
/// rebuilds exactly the strategies it recorded; a worker learns from them what to evaluate).</param>
/// <param name="Kind">What kind of experiment: <c>search</c>, <c>generate</c> (a generation run) or <c>train</c> (a network training).</param>
public sealed record Experiment(long Id, string Space, string Objective, string Report, IReadOnlyList<string> Strategies, int Budget, int Seeds,
    int FirstSeed, string Status, string Created, string Settings = "{}", string Kind = "search");

/// <summary>One evaluation waiting in (or taken from) a store's queue. Identity: (experiment, strategy, seed, query).</summary>
/// <param name="Experiment">Experiment id.</param>
/// <param name="Strategy">Strategy that asked.</param>
/// <param name="Seed">Run seed.</param>
/// <param name="Query">1-based query number within the run.</param>
/// <param name="Arch">Architecture to evaluate.</param>
/// <param name="AskedAfter">Results the run's strategy had been told when it asked.</param>
public sealed record QueuedTrial(long Experiment, string Strategy, int Seed, int Query, string Arch, int AskedAfter);

/// <summary>A queued trial a worker holds under a lease.</summary>
/// <param name="Trial">The trial.</param>
/// <param name="Token">The lease token (a result or renewal names it).</param>
/// <param name="Attempt">1 for the first claim, 2 for the re-run after a lost lease.</param>
public sealed record ClaimedTrial(QueuedTrial Trial, string Token, int Attempt);

/// <summary>A finished queued trial: metrics, or an error line for a failed one.</summary>
/// <param name="Trial">The trial.</param>
/// <param name="Objective">Objective value (NaN when failed).</param>
/// <param name="Report">Report value (NaN when absent).</param>
/// <param name="Violation">Summed relative constraint violation.</param>
/// <param name="Seconds">Evaluation time.</param>
/// <param name="Error">Why the evaluation failed, or null.</param>
/// <param name="Metrics">Every metric the evaluation returned (null when failed).</param>
public sealed record QueuedResult(QueuedTrial Trial, double Objective, double Report, double Violation, double Seconds, string? Error,
    IReadOnlyDictionary<string, double>? Metrics = null);

/// <summary>
/// Record of experiments: search experiments with their trials (as they happen), in-flight queries and the queue of
/// evaluations workers take, generation runs and network trainings with their metrics. One schema on two backends:
/// an SQLite file (WAL mode, one writer, a busy timeout; the embedded default) or a PostgreSQL database (many machines).
/// A search resumes by replaying its recorded trials into a fresh strategy with the same seed (strategies are
/// deterministic given seed and history), so no recorded trial is queried again; a query that was in flight at a crash
/// is asked again, once. A run holds a lease on its experiment (<see cref="Acquire"/>), so a second process cannot
/// resume the same experiment while the first is still running it.
/// </summary>
/// <remarks>
/// The schema carries a version (<see cref="SchemaVersion"/>); opening a store written by an older version applies the
/// forward migrations in one transaction, and a store written by a newer version is refused. A database is identified
/// before anything is written to it: another program's database (even one with a table called <c>experiments</c>) or a
/// file that is no database is refused with its contents unchanged. Every database failure after opening (disk full, a
/// lock held past the busy timeout, a server gone) becomes a <see cref="NagDataException"/> naming the store.
/// </remarks>
public sealed class ExperimentStore : IDisposable
{
    private readonly StoreBackend _backend;
    private readonly DbConnection? _db;   // SQLite: the one connection
    private DbConnection? _server;        // PostgreSQL: the connection of the store's thread, reopened after a failure

    /// <summary>How long a lease lasts without a heartbeat (a run renews it every third of this).</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(30);

    /// <summary>The schema version this build writes; a store of a higher version is refused.</summary>
    public const int SchemaVersion = 5;

    /// <summary>The store as messages name it: a file path, or a PostgreSQL URL without its password.</summary>
    public string Path => _backend.Display;

    /// <summary>The location it was opened with (what a worker process is given to open the same store).</summary>
    public string Location { get; }

    /// <summary>Backend: <c>sqlite</c> or <c>postgresql</c>.</summary>
    public string Backend => _backend.Name;

    /// <summary>Schema version the store had when opened (0: a new store, or one written before versions were kept).</summary>
    public int OpenedVersion { get; private set; }

    /// <summary>Opens (and creates or migrates when needed) a store.</summary>
    /// <param name="location"><c>sqlite:PATH</c>, a file path (SQLite), or <c>postgresql://user@host:port/database</c>.</param>
    /// <param name="busyTimeout">SQLite: how long a write waits for another writer before it fails (default 10 s).</param>
    public ExperimentStore(string location, TimeSpan? busyTimeout = null)
    {
        Location = location;
        _backend = StoreBackend.For(location, busyTimeout ?? TimeSpan.FromSeconds(10));
        try
        {
            if (_backend is SqliteBackend sqlite)
            {
                bool known = Identify(sqlite);
                try
                {
                    _db = sqlite.Connect();
                    Exec(_db, null, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
                    OpenedVersion = Migrate(_db, known);
                }
                catch (SqliteException e) { _db?.Dispose(); throw Fail(e, "cannot open experiment store"); }
            }
            else
            {
                try
                {
                    using var db = _backend.Connect();
                    OpenedVersion = Migrate(db, known: true);
                }
                catch (Exception e) when (_backend.Translate(e, "cannot open experiment store") is { } error) { throw error; }
            }
        }
        catch { _backend.Dispose(); throw; }
    }

    /// <summary>
    /// Opens an existing store for reading only: nothing is created, upgraded or written (a viewer such as the
    /// dashboard must not change a store a search is writing). A missing file, an empty database, another program's
    /// database or a newer schema is a one-line data error. A store of an older schema reads with the defaults of the
    /// columns it lacks. Writing through the returned store fails with a data error.
    /// </summary>
    /// <param name="location">As for the constructor: <c>sqlite:PATH</c>, a file path, or a PostgreSQL URL.</param>
    /// <param name="busyTimeout">SQLite: how long a read waits for a writer's lock (default 10 s).</param>
    public static ExperimentStore OpenReadOnly(string location, TimeSpan? busyTimeout = null)
    {
        var backend = StoreBackend.For(location, busyTimeout ?? TimeSpan.FromSeconds(10), readOnly: true);
        DbConnection? db = null;
        try
        {
            if (backend is SqliteBackend sqlite)
            {
                if (!File.Exists(sqlite.Path) && !Directory.Exists(sqlite.Path)) throw new NagDataException($"{sqlite.Path}: experiment store not found");
                if (!Identify(sqlite)) throw new NagDataException($"{sqlite.Path}: not an experiment store yet (an empty database)");
                try { db = sqlite.Connect(SqliteOpenMode.ReadOnly); }
                catch (SqliteException e) { throw SqliteBackend.Error(sqlite.Path, e, "cannot open experiment store"); }
            }
            return new ExperimentStore(location, backend, db);
        }
        catch { db?.Dispose(); backend.Dispose(); throw; }
    }

    private ExperimentStore(string location, StoreBackend backend, DbConnection? db)
    {
        (Location, _backend, _db, IsReadOnly) = (location, backend, db, true);
        Use("cannot open experiment store", c =>
        {
            var tables = _backend.Tables(c);
            if (_backend is PostgresBackend)
            {
                if (tables.Count == 0) throw new NagDataException($"{Path}: not an experiment store yet (an empty database)");
                OpenedVersion = IdentifyServer(c, null, tables);
                if (OpenedVersion > SchemaVersion)
                    throw new NagDataException($"{Path}: experiment store of schema version {OpenedVersion}, newer than this NagSharp reads (up to {SchemaVersion}); use a newer NagSharp");
            }
            else OpenedVersion = tables.Contains("meta") ? ReadVersion(c, null) : 0;
            var experiments = _backend.Columns(c, "experiments");
            var trials = tables.Contains("trials") ? _backend.Columns(c, "trials") : [];
            if (!experiments.Contains("settings")) _settingsSql = "'{}'";
            if (!experiments.Contains("kind")) _kindSql = "'search'";
            if (!trials.Contains("violation")) _trialExtrasSql = "0.0, 0.0";
            if (!trials.Contains("told")) _asyncSql = "NULL, NULL, NULL";
            _hasQueue = tables.Contains("requests");
            _hasRuns = tables.Contains("run_metrics");
        });
    }

    // What the read queries select for columns an older store lacks (a read-only store cannot add them).
    private string _settingsSql = "settings", _kindSql = "kind", _trialExtrasSql = "violation, seconds", _asyncSql = "asked_after, told, error";
    private bool _hasQueue = true, _hasRuns = true;

    /// <summary>True for a store opened with <see cref="OpenReadOnly"/>.</summary>
    public bool IsReadOnly { get; }

    /// <summary>SQLite application id marking a NagSharp store ("NAGS").</summary>
    public const int ApplicationId = 0x4E414753;

    // The columns each of our tables must have (later columns are added by migrations), so another program's table of
    // the same name is told apart.
    private static readonly Dictionary<string, string[]> Schema = new(StringComparer.Ordinal)
    {
        ["experiments"] = ["id", "created", "space", "objective", "report", "strategies", "budget", "seeds", "first_seed", "status"],
        ["trials"] = ["experiment_id", "strategy", "seed", "query", "arch", "objective", "report", "started", "finished"],
        ["inflight"] = ["experiment_id", "strategy", "seed", "query", "arch", "started"],
        ["leases"] = ["experiment_id", "token", "pid", "host", "expires"],
        ["meta"] = ["key", "value"],
        ["requests"] = ["experiment_id", "strategy", "seed", "query", "arch", "state"],
        ["run_metrics"] = ["experiment_id", "step", "name", "value"],
        ["run_samples"] = ["experiment_id", "idx", "arch", "metrics"],
    };

    /// <summary>One forward migration: the schema version it produces and the statements that get there from the one before.
    /// Steps check before adding, so a store written before versions were kept (whatever its columns) migrates too.</summary>
    private sealed record Step(int Version, string What, Action<DbConnection, DbTransaction> Apply);

    private IReadOnlyList<Step> Steps() =>
    [
        new(1, "experiments, trials, in-flight queries, leases", (db, tx) => Exec(db, tx, $"""
            CREATE TABLE IF NOT EXISTS experiments (id {_backend.IdColumn}, created TEXT NOT NULL, space TEXT NOT NULL,
                objective TEXT NOT NULL, report TEXT NOT NULL, strategies TEXT NOT NULL, budget INTEGER NOT NULL, seeds INTEGER NOT NULL,
                first_seed INTEGER NOT NULL, status TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS trials (experiment_id BIGINT NOT NULL, strategy TEXT NOT NULL, seed INTEGER NOT NULL, query INTEGER NOT NULL,
                arch TEXT NOT NULL, objective {_backend.Real} NOT NULL, report {_backend.Real} NOT NULL, started TEXT NOT NULL, finished TEXT NOT NULL,
                PRIMARY KEY (experiment_id, strategy, seed, query));
            CREATE TABLE IF NOT EXISTS inflight (experiment_id BIGINT NOT NULL, strategy TEXT NOT NULL, seed INTEGER NOT NULL, query INTEGER NOT NULL,
                arch TEXT NOT NULL, started TEXT NOT NULL, PRIMARY KEY (experiment_id, strategy, seed));
            CREATE TABLE IF NOT EXISTS leases (experiment_id BIGINT PRIMARY KEY, token TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
                expires TEXT NOT NULL);
            """)),
        new(2, "experiment settings", (db, tx) => AddColumns(db, tx, "experiments", "settings TEXT NOT NULL DEFAULT '{}'")),
        new(3, "trial feasibility and seconds", (db, tx) => AddColumns(db, tx, "trials",
            $"violation {_backend.Real} NOT NULL DEFAULT 0", $"seconds {_backend.Real} NOT NULL DEFAULT 0")),
        new(4, "asynchronous trials and the worker queue", (db, tx) =>
        {
            AddColumns(db, tx, "trials", "asked_after INTEGER", "told INTEGER", "error TEXT");
            Exec(db, tx, $"""
                CREATE TABLE IF NOT EXISTS requests (experiment_id BIGINT NOT NULL, strategy TEXT NOT NULL, seed INTEGER NOT NULL, query INTEGER NOT NULL,
                    arch TEXT NOT NULL, asked_after INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, token TEXT,
                    worker TEXT, expires_ms BIGINT, submitted_ms BIGINT NOT NULL, finished_ms BIGINT, objective {_backend.Real},
                    report {_backend.Real}, violation {_backend.Real}, seconds {_backend.Real}, error TEXT, metrics TEXT,
                    PRIMARY KEY (experiment_id, strategy, seed, query));
                CREATE INDEX IF NOT EXISTS requests_by_state ON requests (state, submitted_ms);
                """);
        }),
        new(5, "generation runs and network trainings", (db, tx) =>
        {
            AddColumns(db, tx, "experiments", "kind TEXT NOT NULL DEFAULT 'search'");
            Exec(db, tx, $"""
                CREATE TABLE IF NOT EXISTS run_metrics (experiment_id BIGINT NOT NULL, step INTEGER NOT NULL, name TEXT NOT NULL,
                    value {_backend.Real} NOT NULL, PRIMARY KEY (experiment_id, step, name));
                CREATE TABLE IF NOT EXISTS run_samples (experiment_id BIGINT NOT NULL, idx INTEGER NOT NULL, arch TEXT NOT NULL,
                    metrics TEXT NOT NULL, PRIMARY KEY (experiment_id, idx));
                """);
        }),
    ];

    /// <summary>What each schema version added, in order (for <c>nag store migrate</c>).</summary>
    public IReadOnlyList<(int Version, string What)> Migrations => Steps().Select(s => (s.Version, s.What)).ToArray();

    private void AddColumns(DbConnection db, DbTransaction tx, string table, params string[] columns)
    {
        var have = _backend.Columns(db, table);
        foreach (var c in columns)
            if (!have.Contains(c[..c.IndexOf(' ')])) Exec(db, tx, $"ALTER TABLE {table} ADD COLUMN {c};");
    }

    // One key for the schema's advisory lock: concurrent first opens (many workers starting at once) migrate one at a time.
    private const long SchemaLock = 0x4E414753_00000001;

    /// <summary>Brings the schema to <see cref="SchemaVersion"/> in one transaction and returns the version it had.</summary>
    private int Migrate(DbConnection db, bool known)
    {
        using var tx = _backend.BeginWrite(db, SchemaLock);
        var tables = _backend.Tables(db);
        int version = 0;
        if (tables.Count > 0 && _backend is PostgresBackend) version = IdentifyServer(db, tx, tables);
        else if (known && tables.Contains("meta")) version = ReadVersion(db, tx);
        if (version > SchemaVersion)
            throw new NagDataException($"{Path}: experiment store of schema version {version}, newer than this NagSharp reads (up to {SchemaVersion}); use a newer NagSharp");
        if (version < SchemaVersion)
        {
            Exec(db, tx, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);");
            foreach (var step in Steps().Where(s => s.Version > version)) step.Apply(db, tx);
            Exec(db, tx, "INSERT INTO meta (key, value) VALUES ('application', 'nagsharp') ON CONFLICT (key) DO NOTHING;");
            Exec(db, tx, "INSERT INTO meta (key, value) VALUES ('schema_version', @v) ON CONFLICT (key) DO UPDATE SET value = excluded.value;",
                ("@v", SchemaVersion.ToString(CultureInfo.InvariantCulture)));
            if (_backend is SqliteBackend) Exec(db, tx, $"PRAGMA application_id={ApplicationId};");
        }
        tx.Commit();
        return version;
    }

    private static int ReadVersion(DbConnection db, DbTransaction? tx)
    {
        using var cmd = Command(db, tx, "SELECT value FROM meta WHERE key = 'schema_version'");
        return cmd.ExecuteScalar() is string v && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : 0;
    }

    /// <summary>A PostgreSQL database with tables must be ours (a meta table naming NagSharp); returns its version.</summary>
    private int IdentifyServer(DbConnection db, DbTransaction? tx, List<string> tables)
    {
        if (!tables.Contains("meta"))
            throw new NagDataException($"{Path}: not a NagSharp experiment store (it holds table '{SafePath.Shorten(tables[0])}' and no NagSharp schema)");
        using (var cmd = Command(db, tx, "SELECT value FROM meta WHERE key = 'application'"))
            if (cmd.ExecuteScalar() as string != "nagsharp")
                throw new NagDataException($"{Path}: not a NagSharp experiment store (its meta table names no NagSharp schema)");
        return ReadVersion(db, tx);
    }

    /// <summary>
    /// Decides, without writing, whether an SQLite file may be opened for writing: true for a store of ours, false for a
    /// new (missing or empty) database; throws a one-line data error for anything else, a newer schema included. Reads
    /// the file header first (no SQLite involved), then looks at the schema through a read-only connection.
    /// </summary>
    private static bool Identify(SqliteBackend backend)
    {
        string path = backend.Path;
        if (Directory.Exists(path)) throw new NagDataException($"{path}: a directory, not an experiment store");
        if (!File.Exists(path)) return false;
        byte[] header = new byte[100];
        int read;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            read = fs.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NagDataException($"{path}: cannot read experiment store ({e.Message})");
        }
        if (read == 0) return false;   // an empty file is a new database to SQLite
        if (read < header.Length || !header.AsSpan(0, 16).SequenceEqual("SQLite format 3\0"u8))
            throw new NagDataException($"{path}: not a NagSharp experiment store (not an SQLite database)");
        int appId = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(68, 4));
        if (appId != 0 && appId != ApplicationId)
            throw new NagDataException($"{path}: not a NagSharp experiment store (SQLite application id 0x{appId:X8})");
        try
        {
            using var db = backend.Connect(SqliteOpenMode.ReadOnly);
            var tables = backend.Tables(db);
            if (tables.Count == 0) return false;
            foreach (var t in tables)
            {
                if (!Schema.TryGetValue(t, out var columns))
                {
                    if (appId == ApplicationId) continue;   // ours: a later version's table
                    throw new NagDataException($"{path}: not a NagSharp experiment store (it holds table '{SafePath.Shorten(t)}', which a store never has)");
                }
                var have = backend.Columns(db, t);
                if (columns.FirstOrDefault(c => !have.Contains(c)) is string missing)
                    throw new NagDataException($"{path}: not a NagSharp experiment store (its table '{t}' has no column '{missing}')");
            }
            if (!tables.Contains("experiments"))
                throw new NagDataException($"{path}: not a NagSharp experiment store (no 'experiments' table)");
            if (tables.Contains("meta") && ReadVersion(db, null) is int v && v > SchemaVersion)
                throw new NagDataException($"{path}: experiment store of schema version {v}, newer than this NagSharp reads (up to {SchemaVersion}); use a newer NagSharp");
            return true;
        }
        catch (SqliteException e) { throw SqliteBackend.Error(path, e, "cannot read experiment store"); }
    }

    private NagDataException Fail(Exception e, string what) => _backend.Translate(e, what) ?? new NagDataException($"{Path}: {what} ({e.Message})", e);

    /// <summary>Runs a store operation on a connection; a database failure becomes a one-line data error naming the store.</summary>
    /// <remarks>On PostgreSQL an operation that fails because the server went away (a restart, a network cut) is tried
    /// again, every half second for up to <see cref="ReconnectFor"/>: every operation is one transaction, so a failed
    /// try changed nothing, and the writes are idempotent where a lost acknowledgement could make a retry see its own
    /// earlier commit (queueing, results, trials).</remarks>
    private T Use<T>(string what, Func<DbConnection, T> body)
    {
        System.Diagnostics.Stopwatch? down = null;
        while (true)
        {
            try
            {
                if (_db is not null) return body(_db);
                // PostgreSQL: one connection kept for the store's thread (a pooled open and reset per operation cost
                // more than the operation); another thread uses its own (Own).
                _server ??= _backend.Connect();
                return body(_server);
            }
            catch (Exception e) when (e is not NagUserException and not NagDataException && _backend.Translate(e, what) is { } error)
            {
                if (_server is not null && _backend.Transient(e)) { _server.Dispose(); _server = null; }
                if (_db is null && _backend.Transient(e) && (down ??= System.Diagnostics.Stopwatch.StartNew()).Elapsed < ReconnectFor)
                {
                    _backend.ClearPool();   // the pool's other connections died with the server too
                    Thread.Sleep(500);
                    continue;
                }
                throw error;
            }
        }
    }

    /// <summary>PostgreSQL: how long an operation keeps trying while the server cannot be reached (default 2 minutes).</summary>
    public TimeSpan ReconnectFor { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>As <see cref="Use{T}"/>, on a connection of its own (for another thread).</summary>
    private T Own<T>(string what, Func<DbConnection, T> body)
    {
        try
        {
            using var db = _backend.Connect();
            return body(db);
        }
        catch (Exception e) when (e is not NagUserException and not NagDataException && _backend.Translate(e, what) is { } error) { throw error; }
    }

    private void Use(string what, Action<DbConnection> body) => Use(what, db => { body(db); return 0; });

    /// <summary>True when <paramref name="e"/> (a data error of this store) came from a server that may be back soon: a
    /// worker waits and retries instead of stopping.</summary>
    public bool Transient(Exception e) => _backend.Transient(e is NagDataException { InnerException: { } inner } ? inner : e);

    private static DbCommand Command(DbConnection db, DbTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (n, v) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = n;
            p.Value = v ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    private static int Exec(DbConnection db, DbTransaction? tx, string sql, params (string Name, object? Value)[] args)
    {
        using var cmd = Command(db, tx, sql, args);
        return cmd.ExecuteNonQuery();
    }

    private static int Int(DbDataReader r, int i) => Convert.ToInt32(r.GetValue(i), CultureInfo.InvariantCulture);
    private static long Long(DbDataReader r, int i) => Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);
    private static double Real(DbDataReader r, int i) => r.IsDBNull(i) ? double.NaN : Convert.ToDouble(r.GetValue(i), CultureInfo.InvariantCulture);
    private static int? NullableInt(DbDataReader r, int i) => r.IsDBNull(i) ? null : Int(r, i);
    private static string? NullableText(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static string Now() => DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Creates a search experiment and returns it.</summary>
    public Experiment Create(string space, string objective, string report, IReadOnlyList<string> strategies, int budget, int seeds, int firstSeed,
        string settings = "{}") => CreateOfKind("search", space, objective, report, strategies, budget, seeds, firstSeed, settings, "running");

    private Experiment CreateOfKind(string kind, string space, string objective, string report, IReadOnlyList<string> strategies, int budget, int seeds,
        int firstSeed, string settings, string status) => Use("cannot record the experiment", db =>
    {
        string created = Now();
        using var cmd = Command(db, null, "INSERT INTO experiments (created, space, objective, report, strategies, budget, seeds, first_seed, status, settings, kind) " +
            "VALUES (@c, @sp, @o, @r, @st, @b, @n, @f, @status, @set, @kind) RETURNING id",
            ("@c", created), ("@sp", space), ("@o", objective), ("@r", report), ("@st", string.Join(",", strategies)), ("@b", budget), ("@n", seeds),
            ("@f", firstSeed), ("@status", status), ("@set", settings), ("@kind", kind));
        long id = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        return new Experiment(id, space, objective, report, strategies, budget, seeds, firstSeed, status, created, settings, kind);
    });

    /// <summary>
    /// Records a finished run of another kind than a search (a generation run, a network training) in one transaction:
    /// its settings, its metrics (<paramref name="metrics"/>: step, name, value; step -1 for final figures) and its
    /// samples (architecture and a JSON object of values each).
    /// </summary>
    public Experiment Record(string kind, string space, string objective, string settings, IEnumerable<(int Step, string Name, double Value)> metrics,
        IEnumerable<(string Arch, string Metrics)>? samples = null) => Use("cannot record the run", db =>
    {
        using var tx = _backend.BeginWrite(db);
        string created = Now();
        long id;
        using (var cmd = Command(db, tx, "INSERT INTO experiments (created, space, objective, report, strategies, budget, seeds, first_seed, status, settings, kind) " +
            "VALUES (@c, @sp, @o, '', '', 0, 1, 0, 'done', @set, @kind) RETURNING id",
            ("@c", created), ("@sp", space), ("@o", objective), ("@set", settings), ("@kind", kind)))
            id = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        foreach (var (step, name, value) in metrics)
            Exec(db, tx, "INSERT INTO run_metrics (experiment_id, step, name, value) VALUES (@e, @s, @n, @v) " +
                "ON CONFLICT (experiment_id, step, name) DO UPDATE SET value = excluded.value", ("@e", id), ("@s", step), ("@n", name), ("@v", value));
        int idx = 0;
        foreach (var (arch, m) in samples ?? [])
            Exec(db, tx, "INSERT INTO run_samples (experiment_id, idx, arch, metrics) VALUES (@e, @i, @a, @m)", ("@e", id), ("@i", idx++), ("@a", arch), ("@m", m));
        tx.Commit();
        return new Experiment(id, space, objective, "", [], 0, 1, 0, "done", created, settings, kind);
    });

    /// <summary>Metrics of a recorded run, by step then name.</summary>
    public List<(int Step, string Name, double Value)> Metrics(long id) => !_hasRuns ? [] : Use("cannot read the run's metrics", db =>
    {
        using var cmd = Command(db, null, "SELECT step, name, value FROM run_metrics WHERE experiment_id = @id ORDER BY step, name", ("@id", id));
        using var r = cmd.ExecuteReader();
        var list = new List<(int, string, double)>();
        while (r.Read()) list.Add((Int(r, 0), r.GetString(1), Real(r, 2)));
        return list;
    });

    /// <summary>Samples of a recorded run, in order: architecture and a JSON object of its values.</summary>
    public List<(string Arch, string Metrics)> Samples(long id) => !_hasRuns ? [] : Use("cannot read the run's samples", db =>
    {
        using var cmd = Command(db, null, "SELECT arch, metrics FROM run_samples WHERE experiment_id = @id ORDER BY idx", ("@id", id));
        using var r = cmd.ExecuteReader();
        var list = new List<(string, string)>();
        while (r.Read()) list.Add((r.GetString(0), r.GetString(1)));
        return list;
    });

    /// <summary>Every experiment, newest first.</summary>
    public List<Experiment> List() => Use("cannot read the experiments", db =>
    {
        using var cmd = Command(db, null, $"SELECT id, space, objective, report, strategies, budget, seeds, first_seed, status, created, {_settingsSql}, {_kindSql} FROM experiments ORDER BY id DESC");
        using var r = cmd.ExecuteReader();
        var list = new List<Experiment>();
        while (r.Read())
            list.Add(new Experiment(Long(r, 0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries),
                Int(r, 5), Int(r, 6), Int(r, 7), r.GetString(8), r.GetString(9), r.GetString(10), r.GetString(11)));
        return list;
    });

    /// <summary>One experiment; throws a user error naming the store when unknown.</summary>
    public Experiment Get(long id) => List().FirstOrDefault(e => e.Id == id) ?? throw new NagUserException($"{Path}: no experiment {id}");

    /// <summary>Recorded trials of an experiment, in (strategy, seed, query) order.</summary>
    public List<Trial> Trials(long id) => Use("cannot read the trials", db =>
    {
        using var cmd = Command(db, null, $"SELECT strategy, seed, query, arch, objective, report, {_trialExtrasSql}, {_asyncSql} FROM trials " +
            "WHERE experiment_id = @id ORDER BY strategy, seed, query", ("@id", id));
        using var r = cmd.ExecuteReader();
        var list = new List<Trial>();
        while (r.Read())
        {
            string? error = NullableText(r, 10);
            list.Add(new Trial(r.GetString(0), Int(r, 1), Int(r, 2), r.GetString(3), error is null ? Real(r, 4) : double.NaN, error is null ? Real(r, 5) : double.NaN,
                Real(r, 6), Real(r, 7), NullableInt(r, 8), NullableInt(r, 9), error));
        }
        return list;
    });

    /// <summary>Number of recorded trials of an experiment.</summary>
    public int TrialCount(long id) => Use("cannot read the trials", db =>
    {
        using var cmd = Command(db, null, "SELECT COUNT(*) FROM trials WHERE experiment_id = @id", ("@id", id));
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    });

    /// <summary>In-flight queries of an experiment (asked but not recorded when the process stopped).</summary>
    public int InFlight(long id) => Use("cannot read the in-flight queries", db =>
    {
        using var cmd = Command(db, null, "SELECT COUNT(*) FROM inflight WHERE experiment_id = @id", ("@id", id));
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    });

    /// <summary>Marks a query as started (before the oracle is asked).</summary>
    public void Start(long id, string strategy, int seed, int query, string arch) => Use("cannot record a query", db =>
        Exec(db, null, "INSERT INTO inflight (experiment_id, strategy, seed, query, arch, started) VALUES (@e, @s, @seed, @q, @a, @t) " +
            "ON CONFLICT (experiment_id, strategy, seed) DO UPDATE SET query = excluded.query, arch = excluded.arch, started = excluded.started",
            ("@e", id), ("@s", strategy), ("@seed", seed), ("@q", query), ("@a", arch), ("@t", Now())));

    /// <summary>Records a finished query and clears its in-flight mark, in one transaction.</summary>
    public void Finish(long id, Trial t, string started) => Use("cannot record a trial", db =>
    {
        using var tx = _backend.BeginWrite(db);
        // A failed trial has no values; the columns (NOT NULL since the first schema) hold 0 and the error marks it.
        Exec(db, tx, "INSERT INTO trials (experiment_id, strategy, seed, query, arch, objective, report, started, finished, violation, seconds, asked_after, told, error) " +
            "VALUES (@e, @s, @seed, @q, @a, @o, @r, @st, @f, @v, @sec, @k, @told, @err) ON CONFLICT (experiment_id, strategy, seed, query) DO NOTHING; " +
            "DELETE FROM inflight WHERE experiment_id = @e AND strategy = @s AND seed = @seed; " +
            // A queued trial now told leaves the finished states, so polling for finished ones reads only those not yet told.
            "UPDATE requests SET state = 'told' WHERE experiment_id = @e AND strategy = @s AND seed = @seed AND query = @q AND state IN ('done', 'failed')",
            ("@e", id), ("@s", t.Strategy), ("@seed", t.Seed), ("@q", t.Query), ("@a", t.Arch), ("@o", t.Failed ? 0.0 : t.Objective),
            ("@r", t.Failed ? 0.0 : t.Report), ("@st", started), ("@f", Now()), ("@v", t.Violation), ("@sec", t.Seconds), ("@k", t.AskedAfter),
            ("@told", t.Told), ("@err", t.Error));
        tx.Commit();
    });

    /// <summary>Marks an experiment done.</summary>
    public void Complete(long id) => Use("cannot mark the experiment done", db => Exec(db, null, "UPDATE experiments SET status = 'done' WHERE id = @id", ("@id", id)));

    // ---- the worker queue -------------------------------------------------------------------------------------------

    /// <summary>
    /// Queues a trial for the workers. Idempotent by (experiment, strategy, seed, query): a trial already queued, running
    /// or finished is left as it is (a resumed proposer re-submits what it had asked).
    /// </summary>
    public void Submit(QueuedTrial t) => Use("cannot queue a trial", db =>
        Exec(db, null, "INSERT INTO requests (experiment_id, strategy, seed, query, arch, asked_after, state, submitted_ms) " +
            "VALUES (@e, @s, @seed, @q, @a, @k, 'pending', @now) ON CONFLICT (experiment_id, strategy, seed, query) DO NOTHING",
            ("@e", t.Experiment), ("@s", t.Strategy), ("@seed", t.Seed), ("@q", t.Query), ("@a", t.Arch), ("@k", t.AskedAfter), ("@now", NowMs())));

    /// <summary>Error line of a trial whose worker was lost on both of its attempts.</summary>
    public const string LostTwice = "evaluation lost twice (its worker stopped or lost its lease on both attempts)";

    /// <summary>
    /// Takes the oldest pending trial (of <paramref name="experiment"/>, or of any experiment) under a lease of
    /// <paramref name="lease"/>, with the database's own locking: SQLite's write lock (BEGIN IMMEDIATE), PostgreSQL's
    /// row locks (<c>FOR UPDATE SKIP LOCKED</c>, so concurrent workers take different rows without waiting). A running
    /// trial whose lease expired counts as pending once more; on its second expiry it is failed with
    /// <see cref="LostTwice"/>. Returns null when nothing is pending.
    /// </summary>
    public ClaimedTrial? Claim(string worker, TimeSpan lease, long? experiment = null) => Use("cannot claim a trial", db =>
    {
        // The common case in one statement (one round trip): the oldest pending row, locked, taken.
        string token = Guid.NewGuid().ToString("N");
        long start = NowMs();
        using (var fast = Command(db, null, "UPDATE requests SET state = 'running', attempts = attempts + 1, token = @t, worker = @w, expires_ms = @x " +
            "WHERE (experiment_id, strategy, seed, query) = (SELECT experiment_id, strategy, seed, query FROM requests WHERE state = 'pending'" +
            (experiment is null ? "" : " AND experiment_id = @e") + " ORDER BY submitted_ms, experiment_id, strategy, seed, query LIMIT 1" + _backend.SkipLocked +
            ") RETURNING experiment_id, strategy, seed, query, arch, asked_after, attempts",
            ("@t", token), ("@w", worker), ("@x", start + (long)lease.TotalMilliseconds), ("@e", experiment)))
        using (var r = fast.ExecuteReader())
            if (r.Read()) return new ClaimedTrial(new QueuedTrial(Long(r, 0), r.GetString(1), Int(r, 2), Int(r, 3), r.GetString(4), Int(r, 5)), token, Int(r, 6));
        // Nothing pending: look for a running row whose lease expired (a lost worker), in one transaction.
        using var tx = _backend.BeginWrite(db);
        for (int guard = 0; guard < 64; guard++)
        {
            long now = NowMs();
            QueuedTrial? found = null;
            string state = "";
            int attempts = 0;
            using (var cmd = Command(db, tx, "SELECT experiment_id, strategy, seed, query, arch, asked_after, state, attempts FROM requests " +
                "WHERE (state = 'pending' OR (state = 'running' AND expires_ms < @now))" + (experiment is null ? "" : " AND experiment_id = @e") +
                " ORDER BY submitted_ms, experiment_id, strategy, seed, query LIMIT 1" + _backend.SkipLocked, ("@now", now), ("@e", experiment)))
            using (var r = cmd.ExecuteReader())
                if (r.Read())
                {
                    found = new QueuedTrial(Long(r, 0), r.GetString(1), Int(r, 2), Int(r, 3), r.GetString(4), Int(r, 5));
                    (state, attempts) = (r.GetString(6), Int(r, 7));
                }
            if (found is null) { tx.Commit(); return null; }
            var key = Key(found);
            if (state == "running" && attempts >= 2)
            {
                Exec(db, tx, "UPDATE requests SET state = 'failed', error = @err, token = NULL, expires_ms = NULL, finished_ms = @now" + KeyWhere,
                    [("@err", LostTwice), ("@now", now), .. key]);
                continue;
            }
            Exec(db, tx, "UPDATE requests SET state = 'running', attempts = attempts + 1, token = @t, worker = @w, expires_ms = @x" + KeyWhere,
                [("@t", token), ("@w", worker), ("@x", now + (long)lease.TotalMilliseconds), .. key]);
            tx.Commit();
            return new ClaimedTrial(found, token, attempts + 1);
        }
        tx.Commit();
        return null;
    });

    private const string KeyWhere = " WHERE experiment_id = @ke AND strategy = @ks AND seed = @kseed AND query = @kq";

    private static (string, object?)[] Key(QueuedTrial t) => [("@ke", t.Experiment), ("@ks", t.Strategy), ("@kseed", t.Seed), ("@kq", t.Query)];

    /// <summary>Extends a claimed trial's lease (a worker's heartbeat); false when the lease was lost (expired and taken over, or finished).
    /// Runs on its own connection, so a heartbeat thread never shares the worker's.</summary>
    public bool Renew(ClaimedTrial claim, TimeSpan lease) => Own("cannot renew a trial's lease", db =>
        Exec(db, null, "UPDATE requests SET expires_ms = @x" + KeyWhere + " AND token = @t AND state = 'running'",
            [("@x", NowMs() + (long)lease.TotalMilliseconds), ("@t", claim.Token), .. Key(claim.Trial)]) == 1);

    /// <summary>
    /// Writes a claimed trial's result and ends its lease in one statement (one transaction). The first result of a
    /// trial is kept, whoever sends it: a late result of a worker whose lease was taken over still counts when the trial
    /// is not finished yet, and any later one is dropped, so a trial is never finished twice. Returns whether it was kept.
    /// </summary>
    public bool Complete(QueuedResult result) => Use("cannot record a trial's result", db =>
        Exec(db, null, "UPDATE requests SET state = @state, objective = @o, report = @r, violation = @v, seconds = @sec, error = @err, metrics = @m, " +
            "token = NULL, expires_ms = NULL, finished_ms = @now" + KeyWhere + " AND state IN ('pending', 'running')",
            [("@state", result.Error is null ? "done" : "failed"), ("@o", Finite(result.Objective)), ("@r", Finite(result.Report)),
             ("@v", result.Violation), ("@sec", result.Seconds), ("@err", result.Error), ("@m", MetricsJson(result.Metrics)), ("@now", NowMs()),
             .. Key(result.Trial)]) == 1);

    // Metrics as a JSON object; values that are not finite (JSON has no NaN) are left out, as a missing metric.
    private static string? MetricsJson(IReadOnlyDictionary<string, double>? metrics) => metrics is null ? null : Json.Write(j =>
    {
        j.WriteStartObject();
        foreach (var (k, v) in metrics) if (double.IsFinite(v)) j.WriteNumber(k, v);
        j.WriteEndObject();
    });

    private static Dictionary<string, double>? ParseMetrics(string? json)
    {
        if (json is null) return null;
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble(), StringComparer.Ordinal);
    }

    private static object? Finite(double v) => double.IsFinite(v) ? v : null;

    /// <summary>Finished (done or failed) queued trials of an experiment that are not recorded as trials yet.</summary>
    /// <param name="experiment">The experiment.</param>
    /// <param name="strategy">Only this strategy's run (with <paramref name="seed"/>); null: every run.</param>
    /// <param name="seed">The run's seed.</param>
    public List<QueuedResult> Finished(long experiment, string? strategy = null, int seed = 0) => !_hasQueue ? [] : Use("cannot read finished trials", db =>
    {
        using var cmd = Command(db, null, "SELECT q.strategy, q.seed, q.query, q.arch, q.asked_after, q.objective, q.report, q.violation, q.seconds, q.error, q.metrics " +
            "FROM requests q WHERE q.experiment_id = @e" + (strategy is null ? "" : " AND q.strategy = @s AND q.seed = @seed") +
            " AND q.state IN ('done', 'failed') AND NOT EXISTS (SELECT 1 FROM trials t " +
            "WHERE t.experiment_id = q.experiment_id AND t.strategy = q.strategy AND t.seed = q.seed AND t.query = q.query) ORDER BY q.finished_ms",
            ("@e", experiment), ("@s", strategy), ("@seed", seed));
        using var r = cmd.ExecuteReader();
        var list = new List<QueuedResult>();
        while (r.Read())
            list.Add(new QueuedResult(new QueuedTrial(experiment, r.GetString(0), Int(r, 1), Int(r, 2), r.GetString(3), Int(r, 4)),
                Real(r, 5), Real(r, 6), r.IsDBNull(7) ? 0 : Real(r, 7), r.IsDBNull(8) ? 0 : Real(r, 8), NullableText(r, 9), ParseMetrics(NullableText(r, 10))));
        return list;
    });

    /// <summary>Every metric the evaluations of an experiment's queued trials returned (trials run by workers), by
    /// (strategy, seed, query); trials evaluated in the searching process have none here.</summary>
    public Dictionary<(string Strategy, int Seed, int Query), Dictionary<string, double>> TrialMetrics(long experiment) => !_hasQueue ? [] :
        Use("cannot read the trials' metrics", db =>
    {
        using var cmd = Command(db, null, "SELECT strategy, seed, query, metrics FROM requests WHERE experiment_id = @e AND metrics IS NOT NULL", ("@e", experiment));
        using var r = cmd.ExecuteReader();
        var map = new Dictionary<(string, int, int), Dictionary<string, double>>();
        while (r.Read()) map[(r.GetString(0), Int(r, 1), Int(r, 2))] = ParseMetrics(r.GetString(3))!;
        return map;
    });

    /// <summary>Queued trials of an experiment that are asked but not recorded as trials (pending, running, or finished
    /// and not told yet): what a resumed proposer re-submits.</summary>
    public List<QueuedTrial> Outstanding(long experiment) => !_hasQueue ? [] : Use("cannot read outstanding trials", db =>
    {
        using var cmd = Command(db, null, "SELECT q.strategy, q.seed, q.query, q.arch, q.asked_after FROM requests q WHERE q.experiment_id = @e AND NOT EXISTS " +
            "(SELECT 1 FROM trials t WHERE t.experiment_id = q.experiment_id AND t.strategy = q.strategy AND t.seed = q.seed AND t.query = q.query) " +
            "ORDER BY q.strategy, q.seed, q.query", ("@e", experiment));
        using var r = cmd.ExecuteReader();
        var list = new List<QueuedTrial>();
        while (r.Read()) list.Add(new QueuedTrial(experiment, r.GetString(0), Int(r, 1), Int(r, 2), r.GetString(3), Int(r, 4)));
        return list;
    });

    /// <summary>Queued trials by state (pending, running, done, failed) of an experiment, or of all.</summary>
    public Dictionary<string, int> QueueCounts(long? experiment = null) => !_hasQueue ? [] : Use("cannot read the queue", db =>
    {
        using var cmd = Command(db, null, "SELECT state, COUNT(*) FROM requests" + (experiment is null ? "" : " WHERE experiment_id = @e") + " GROUP BY state",
            ("@e", experiment));
        using var r = cmd.ExecuteReader();
        var d = new Dictionary<string, int>(StringComparer.Ordinal);
        while (r.Read()) d[r.GetString(0)] = Int(r, 1);
        return d;
    });

    /// <summary>Finished queued trials of an experiment and the times (Unix milliseconds) the first and last of them finished.</summary>
    public (int Count, long First, long Last) FinishTimes(long experiment) => Use("cannot read the queue", db =>
    {
        using var cmd = Command(db, null, "SELECT COUNT(*), MIN(finished_ms), MAX(finished_ms) FROM requests WHERE experiment_id = @e AND finished_ms IS NOT NULL",
            ("@e", experiment));
        using var r = cmd.ExecuteReader();
        r.Read();
        return (Int(r, 0), r.IsDBNull(1) ? 0 : Long(r, 1), r.IsDBNull(2) ? 0 : Long(r, 2));
    });

    /// <summary>Workers (<c>host:pid</c>) holding a running trial of an experiment.</summary>
    public List<string> RunningWorkers(long experiment) => Use("cannot read the queue", db =>
    {
        using var cmd = Command(db, null, "SELECT worker FROM requests WHERE experiment_id = @e AND state = 'running'", ("@e", experiment));
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) if (!r.IsDBNull(0)) list.Add(r.GetString(0));
        return list;
    });

    /// <summary>Attempts per queued trial of an experiment (how often each was claimed).</summary>
    public Dictionary<(string Strategy, int Seed, int Query), int> Attempts(long experiment) => Use("cannot read the queue", db =>
    {
        using var cmd = Command(db, null, "SELECT strategy, seed, query, attempts FROM requests WHERE experiment_id = @e", ("@e", experiment));
        using var r = cmd.ExecuteReader();
        var d = new Dictionary<(string, int, int), int>();
        while (r.Read()) d[(r.GetString(0), Int(r, 1), Int(r, 2))] = Int(r, 3);
        return d;
    });

    // ---- experiment leases ------------------------------------------------------------------------------------------

    /// <summary>
    /// True while a run holds experiment <paramref name="id"/>: its lease exists and has not expired. A search recorded
    /// as running that nobody holds stopped without finishing (killed, or an error) and can be resumed. Only reads.
    /// </summary>
    public bool IsHeld(long id) => Use("cannot read the experiment's lease", db =>
    {
        using var cmd = Command(db, null, "SELECT expires FROM leases WHERE experiment_id = @id", ("@id", id));
        return cmd.ExecuteScalar() is string expires
            && DateTime.Parse(expires, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) > DateTime.UtcNow;
    });

    /// <summary>
    /// Takes the lease on experiment <paramref name="id"/> for this process until the returned lease is disposed; a
    /// heartbeat renews it every third of <see cref="LeaseDuration"/>. Throws a one-line user error naming the holder
    /// when another run holds a live lease. A lease is stale (taken over) when it expired, or when its holder ran on
    /// this machine and that process is gone (killed with <c>kill -9</c>, say), so a crash never blocks a resume.
    /// </summary>
    public ExperimentLease Acquire(long id) => Use("cannot take the experiment's lease", db =>
    {
        string token = Guid.NewGuid().ToString("N"), host = Environment.MachineName;
        int pid = Environment.ProcessId;
        using (var tx = _backend.BeginWrite(db, SchemaLock + 1 + id))
        {
            using (var cmd = Command(db, tx, "SELECT pid, host, expires FROM leases WHERE experiment_id = @id", ("@id", id)))
            using (var r = cmd.ExecuteReader())
            {
                if (r.Read())
                {
                    int holder = Int(r, 0);
                    string holderHost = r.GetString(1);
                    var expires = DateTime.Parse(r.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                    bool gone = holderHost == host && !ProcessAlive(holder);
                    if (expires > DateTime.UtcNow && !gone)
                        throw new NagUserException($"{Path}: experiment {id} is being run by process {holder} on {holderHost}; " +
                            $"wait until it ends (a run that died frees it by {expires.ToString("u", CultureInfo.InvariantCulture)} at the latest)");
                }
            }
            Exec(db, tx, "INSERT INTO leases (experiment_id, token, pid, host, expires) VALUES (@e, @t, @p, @h, @x) " +
                "ON CONFLICT (experiment_id) DO UPDATE SET token = excluded.token, pid = excluded.pid, host = excluded.host, expires = excluded.expires",
                ("@e", id), ("@t", token), ("@p", pid), ("@h", host), ("@x", Expiry()));
            tx.Commit();
        }
        return new ExperimentLease(this, id, token);
    });

    private static string Expiry() => (DateTime.UtcNow + LeaseDuration).ToString("O", CultureInfo.InvariantCulture);

    private static bool ProcessAlive(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Renews (<paramref name="release"/> false) or drops the lease, on its own connection so the heartbeat
    /// never shares the run's connection across threads. A failed renewal is left to the run's own next write to report.</summary>
    internal void Touch(long id, string token, bool release)
    {
        try
        {
            using var db = _backend.Connect();
            Exec(db, null, release
                ? "DELETE FROM leases WHERE experiment_id = @e AND token = @t"
                : "UPDATE leases SET expires = @x WHERE experiment_id = @e AND token = @t",
                ("@e", id), ("@t", token), ("@x", Expiry()));
        }
        catch (Exception e) when (_backend.Translate(e, "") is not null) { }
    }

    /// <summary>Caps the database at <paramref name="pages"/> pages on this connection: a full disk, as SQLite reports it.</summary>
    internal void LimitPages(long pages) => Exec(_db ?? throw new InvalidOperationException("SQLite only"), null, $"PRAGMA max_page_count={pages};");

    /// <inheritdoc />
    public void Dispose()
    {
        _db?.Dispose();
        _server?.Dispose();
        _backend.Dispose();
    }
}

/// <summary>A run's hold on an experiment (see <see cref="ExperimentStore.Acquire"/>); disposing it releases the experiment.</summary>
public sealed class ExperimentLease : IDisposable
{
    private readonly ExperimentStore _store;
    private readonly long _id;
    private readonly string _token;
    private readonly Timer _heartbeat;
    private readonly Lock _gate = new();
    private bool _released;

    internal ExperimentLease(ExperimentStore store, long id, string token)
    {
        (_store, _id, _token) = (store, id, token);
        var period = ExperimentStore.LeaseDuration / 3;
        _heartbeat = new Timer(_ => { lock (_gate) if (!_released) _store.Touch(_id, _token, release: false); }, null, period, period);
    }

    /// <summary>The experiment held.</summary>
    public long ExperimentId => _id;

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_released) return;
            _released = true;
        }
        _heartbeat.Dispose();
        _store.Touch(_id, _token, release: true);
    }
}
