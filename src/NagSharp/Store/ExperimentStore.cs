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
/// <param name="Settings">Strategy settings as JSON (generator, acquisition, transfer sources...), so a resumed run
/// rebuilds exactly the strategies it recorded.</param>
public sealed record Experiment(long Id, string Space, string Objective, string Report, IReadOnlyList<string> Strategies, int Budget, int Seeds,
    int FirstSeed, string Status, string Created, string Settings = "{}");

/// <summary>
/// SQLite record of search experiments: experiments, trials (as they happen) and in-flight queries. WAL mode, one
/// writer, a busy timeout. A run resumes by replaying its recorded trials into a fresh strategy with the same seed
/// (strategies are deterministic given seed and history), so no recorded trial is queried again; a query that was in
/// flight at a crash is asked again, once. A run holds a lease on its experiment (<see cref="Acquire"/>), so a second
/// process cannot resume the same experiment while the first is still running it.
/// </summary>
/// <remarks>
/// A file is identified with a read-only look before anything is written to it: another program's database (even one
/// with a table called <c>experiments</c>) or a file that is no database is refused with its bytes unchanged. Every
/// SQLite failure after opening (disk full, a lock held past the busy timeout) becomes a <see cref="NagDataException"/>
/// naming the file.
/// </remarks>
public sealed class ExperimentStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly int _busyMs;

    /// <summary>How long a lease lasts without a heartbeat (a run renews it every third of this).</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(30);

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Opens (and creates when needed) a store.</summary>
    /// <param name="path">Database file.</param>
    /// <param name="busyTimeout">How long a write waits for another writer before it fails (default 10 s).</param>
    public ExperimentStore(string path, TimeSpan? busyTimeout = null)
    {
        Path = path;
        _busyMs = (int)(busyTimeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds;
        bool known = Identify(path);
        try
        {
            _db = Connect(path, SqliteOpenMode.ReadWriteCreate, _busyMs);
            Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
            using var tx = _db.BeginTransaction();
            if (known && !HasColumn("experiments", "settings"))
                Exec("ALTER TABLE experiments ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';");   // stores made before settings were kept
            Exec("""
                CREATE TABLE IF NOT EXISTS experiments (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, space TEXT NOT NULL,
                    objective TEXT NOT NULL, report TEXT NOT NULL, strategies TEXT NOT NULL, budget INTEGER NOT NULL, seeds INTEGER NOT NULL,
                    first_seed INTEGER NOT NULL, status TEXT NOT NULL, settings TEXT NOT NULL DEFAULT '{}');
                CREATE TABLE IF NOT EXISTS trials (experiment_id INTEGER NOT NULL, strategy TEXT NOT NULL, seed INTEGER NOT NULL, query INTEGER NOT NULL,
                    arch TEXT NOT NULL, objective REAL NOT NULL, report REAL NOT NULL, started TEXT NOT NULL, finished TEXT NOT NULL,
                    violation REAL NOT NULL DEFAULT 0, seconds REAL NOT NULL DEFAULT 0, PRIMARY KEY (experiment_id, strategy, seed, query));
                CREATE TABLE IF NOT EXISTS inflight (experiment_id INTEGER NOT NULL, strategy TEXT NOT NULL, seed INTEGER NOT NULL, query INTEGER NOT NULL,
                    arch TEXT NOT NULL, started TEXT NOT NULL, PRIMARY KEY (experiment_id, strategy, seed));
                CREATE TABLE IF NOT EXISTS leases (experiment_id INTEGER PRIMARY KEY, token TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
                    expires TEXT NOT NULL);
                """);
            if (!HasColumn("trials", "violation"))   // stores made before constraints: every trial was feasible
                Exec("ALTER TABLE trials ADD COLUMN violation REAL NOT NULL DEFAULT 0; ALTER TABLE trials ADD COLUMN seconds REAL NOT NULL DEFAULT 0;");
            Exec($"PRAGMA application_id={ApplicationId};");
            tx.Commit();
        }
        catch (SqliteException e) { _db?.Dispose(); throw Error(e, "cannot open experiment store"); }
    }

    /// <summary>
    /// Opens an existing store for reading only: nothing is created, upgraded or written (a viewer such as the
    /// dashboard must not change a store a search is writing). A missing file, an empty database or another program's
    /// file is a one-line data error. A store made before settings or constraints were kept reads with their defaults.
    /// Writing through the returned store fails with a data error.
    /// </summary>
    /// <param name="path">Database file.</param>
    /// <param name="busyTimeout">How long a read waits for a writer's lock (default 10 s).</param>
    public static ExperimentStore OpenReadOnly(string path, TimeSpan? busyTimeout = null)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new NagDataException($"{path}: experiment store not found");
        if (!Identify(path)) throw new NagDataException($"{path}: not an experiment store yet (an empty database)");
        int busyMs = (int)(busyTimeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds;
        SqliteConnection? db = null;
        try
        {
            db = Connect(path, SqliteOpenMode.ReadOnly, busyMs);
            return new ExperimentStore(path, db, busyMs);
        }
        catch (SqliteException e) { db?.Dispose(); throw Error(path, e, "cannot open experiment store"); }
    }

    private ExperimentStore(string path, SqliteConnection db, int busyMs)
    {
        (Path, _db, _busyMs, IsReadOnly) = (path, db, busyMs, true);
        if (!HasColumn("experiments", "settings")) _settingsSql = "'{}'";
        if (!HasColumn("trials", "violation")) _trialExtrasSql = "0.0, 0.0";
    }

    // What the read queries select for columns older stores lack (a read-only store cannot add them).
    private readonly string _settingsSql = "settings";
    private readonly string _trialExtrasSql = "violation, seconds";

    /// <summary>True for a store opened with <see cref="OpenReadOnly"/>.</summary>
    public bool IsReadOnly { get; }

    /// <summary>SQLite application id marking a NagSharp store ("NAGS").</summary>
    public const int ApplicationId = 0x4E414753;

    // The columns each of our tables must have (settings came later: a store without it is upgraded).
    private static readonly Dictionary<string, string[]> Schema = new(StringComparer.Ordinal)
    {
        ["experiments"] = ["id", "created", "space", "objective", "report", "strategies", "budget", "seeds", "first_seed", "status"],
        ["trials"] = ["experiment_id", "strategy", "seed", "query", "arch", "objective", "report", "started", "finished"],
        ["inflight"] = ["experiment_id", "strategy", "seed", "query", "arch", "started"],
        ["leases"] = ["experiment_id", "token", "pid", "host", "expires"],
    };

    /// <summary>
    /// Decides, without writing, whether <paramref name="path"/> may be opened for writing: true for a store of ours,
    /// false for a new (missing or empty) database; throws a one-line data error for anything else. Reads the file
    /// header first (no SQLite involved), then looks at the schema through a read-only connection.
    /// </summary>
    private static bool Identify(string path)
    {
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
            using var db = Connect(path, SqliteOpenMode.ReadOnly);
            var tables = new List<string>();
            using (var cmd = db.CreateCommand())
            {
                cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
                using var r = cmd.ExecuteReader();
                while (r.Read()) tables.Add(r.GetString(0));
            }
            if (tables.Count == 0) return false;
            foreach (var t in tables)
            {
                if (!Schema.TryGetValue(t, out var columns))
                {
                    if (appId == ApplicationId) continue;   // ours: a later version's table
                    throw new NagDataException($"{path}: not a NagSharp experiment store (it holds table '{SafePath.Shorten(t)}', which a store never has)");
                }
                var have = Columns(db, t);
                if (columns.FirstOrDefault(c => !have.Contains(c)) is string missing)
                    throw new NagDataException($"{path}: not a NagSharp experiment store (its table '{t}' has no column '{missing}')");
            }
            if (!tables.Contains("experiments"))
                throw new NagDataException($"{path}: not a NagSharp experiment store (no 'experiments' table)");
            return true;
        }
        catch (SqliteException e) { throw Error(path, e, "cannot read experiment store"); }
    }

    private static HashSet<string> Columns(SqliteConnection db, string table)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT name FROM pragma_table_info($t)";
        cmd.Parameters.AddWithValue("$t", table);
        using var r = cmd.ExecuteReader();
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (r.Read()) set.Add(r.GetString(0));
        return set;
    }

    private bool HasColumn(string table, string column) => Columns(_db, table).Contains(column);

    private static SqliteConnection Connect(string path, SqliteOpenMode mode, int busyMs = 10000)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = mode }.ToString());
        try
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"PRAGMA busy_timeout={busyMs};";
            cmd.ExecuteNonQuery();
            return db;
        }
        catch { db.Dispose(); throw; }
    }

    /// <summary>One line naming the store for an SQLite failure; a lock held too long says so.</summary>
    private static NagDataException Error(string path, SqliteException e, string what)
    {
        string reason = e.SqliteErrorCode switch
        {
            5 or 6 => "another process holds the database locked longer than the busy timeout",   // SQLITE_BUSY, SQLITE_LOCKED
            13 => "the disk is full",                                                             // SQLITE_FULL
            _ => e.Message.ReplaceLineEndings(" "),
        };
        return new NagDataException($"{path}: {what} ({reason})", e);
    }

    private NagDataException Error(SqliteException e, string what) => Error(Path, e, what);

    /// <summary>Runs a store operation; an SQLite failure becomes a one-line data error naming the file.</summary>
    private T Guarded<T>(string what, Func<T> body)
    {
        try { return body(); }
        catch (SqliteException e) { throw Error(e, what); }
    }

    private void Guarded(string what, Action body) => Guarded(what, () => { body(); return 0; });

    private void Exec(string sql, params (string Name, object Value)[] args)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v);
        cmd.ExecuteNonQuery();
    }

    private static string Now() => DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Creates an experiment and returns it.</summary>
    public Experiment Create(string space, string objective, string report, IReadOnlyList<string> strategies, int budget, int seeds, int firstSeed,
        string settings = "{}") => Guarded("cannot record the experiment", () =>
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "INSERT INTO experiments (created, space, objective, report, strategies, budget, seeds, first_seed, status, settings) " +
                          "VALUES ($c, $sp, $o, $r, $st, $b, $n, $f, 'running', $set); SELECT last_insert_rowid();";
        string created = Now();
        cmd.Parameters.AddWithValue("$c", created); cmd.Parameters.AddWithValue("$sp", space); cmd.Parameters.AddWithValue("$o", objective);
        cmd.Parameters.AddWithValue("$r", report); cmd.Parameters.AddWithValue("$st", string.Join(",", strategies));
        cmd.Parameters.AddWithValue("$b", budget); cmd.Parameters.AddWithValue("$n", seeds); cmd.Parameters.AddWithValue("$f", firstSeed);
        cmd.Parameters.AddWithValue("$set", settings);
        long id = (long)cmd.ExecuteScalar()!;
        return new Experiment(id, space, objective, report, strategies, budget, seeds, firstSeed, "running", created, settings);
    });

    /// <summary>Every experiment, newest first.</summary>
    public List<Experiment> List() => Guarded("cannot read the experiments", () =>
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = $"SELECT id, space, objective, report, strategies, budget, seeds, first_seed, status, created, {_settingsSql} FROM experiments ORDER BY id DESC";
        using var r = cmd.ExecuteReader();
        var list = new List<Experiment>();
        while (r.Read())
            list.Add(new Experiment(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4).Split(','), r.GetInt32(5),
                r.GetInt32(6), r.GetInt32(7), r.GetString(8), r.GetString(9), r.GetString(10)));
        return list;
    });

    /// <summary>One experiment; throws a user error naming the store when unknown.</summary>
    public Experiment Get(long id) => List().FirstOrDefault(e => e.Id == id) ?? throw new NagUserException($"{Path}: no experiment {id}");

    /// <summary>Recorded trials of an experiment, in (strategy, seed, query) order.</summary>
    public List<Trial> Trials(long id) => Guarded("cannot read the trials", () =>
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = $"SELECT strategy, seed, query, arch, objective, report, {_trialExtrasSql} FROM trials WHERE experiment_id = $id ORDER BY strategy, seed, query";
        cmd.Parameters.AddWithValue("$id", id);
        using var r = cmd.ExecuteReader();
        var list = new List<Trial>();
        while (r.Read()) list.Add(new Trial(r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.GetString(3), r.GetDouble(4), r.GetDouble(5), r.GetDouble(6), r.GetDouble(7)));
        return list;
    });

    /// <summary>In-flight queries of an experiment (asked but not recorded when the process stopped).</summary>
    public int InFlight(long id) => Guarded("cannot read the in-flight queries", () =>
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM inflight WHERE experiment_id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    });

    /// <summary>Marks a query as started (before the oracle is asked).</summary>
    public void Start(long id, string strategy, int seed, int query, string arch) => Guarded("cannot record a query", () =>
        Exec("INSERT OR REPLACE INTO inflight (experiment_id, strategy, seed, query, arch, started) VALUES ($e, $s, $seed, $q, $a, $t)",
            ("$e", id), ("$s", strategy), ("$seed", seed), ("$q", query), ("$a", arch), ("$t", Now())));

    /// <summary>Records a finished query and clears its in-flight mark, in one transaction.</summary>
    public void Finish(long id, Trial t, string started) => Guarded("cannot record a trial", () =>
    {
        using var tx = _db.BeginTransaction();
        Exec("INSERT INTO trials (experiment_id, strategy, seed, query, arch, objective, report, started, finished, violation, seconds) VALUES ($e, $s, $seed, $q, $a, $o, $r, $st, $f, $v, $sec)",
            ("$e", id), ("$s", t.Strategy), ("$seed", t.Seed), ("$q", t.Query), ("$a", t.Arch), ("$o", t.Objective), ("$r", t.Report),
            ("$st", started), ("$f", Now()), ("$v", t.Violation), ("$sec", t.Seconds));
        Exec("DELETE FROM inflight WHERE experiment_id = $e AND strategy = $s AND seed = $seed", ("$e", id), ("$s", t.Strategy), ("$seed", t.Seed));
        tx.Commit();
    });

    /// <summary>Marks an experiment done.</summary>
    public void Complete(long id) => Guarded("cannot mark the experiment done", () => Exec("UPDATE experiments SET status = 'done' WHERE id = $id", ("$id", id)));

    /// <summary>
    /// Takes the lease on experiment <paramref name="id"/> for this process until the returned lease is disposed; a
    /// heartbeat renews it every third of <see cref="LeaseDuration"/>. Throws a one-line user error naming the holder
    /// when another run holds a live lease. A lease is stale (taken over) when it expired, or when its holder ran on
    /// this machine and that process is gone (killed with <c>kill -9</c>, say), so a crash never blocks a resume.
    /// </summary>
    public ExperimentLease Acquire(long id) => Guarded("cannot take the experiment's lease", () =>
    {
        string token = Guid.NewGuid().ToString("N"), host = Environment.MachineName;
        int pid = Environment.ProcessId;
        using (var tx = _db.BeginTransaction(deferred: false))
        {
            using (var cmd = _db.CreateCommand())
            {
                cmd.CommandText = "SELECT pid, host, expires FROM leases WHERE experiment_id = $id";
                cmd.Parameters.AddWithValue("$id", id);
                using var r = cmd.ExecuteReader();
                if (r.Read())
                {
                    int holder = r.GetInt32(0);
                    string holderHost = r.GetString(1);
                    var expires = DateTime.Parse(r.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                    bool gone = holderHost == host && !ProcessAlive(holder);
                    if (expires > DateTime.UtcNow && !gone)
                        throw new NagUserException($"{Path}: experiment {id} is being run by process {holder} on {holderHost}; " +
                            $"wait until it ends (a run that died frees it by {expires.ToString("u", CultureInfo.InvariantCulture)} at the latest)");
                }
            }
            Exec("INSERT OR REPLACE INTO leases (experiment_id, token, pid, host, expires) VALUES ($e, $t, $p, $h, $x)",
                ("$e", id), ("$t", token), ("$p", pid), ("$h", host), ("$x", Expiry()));
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
            using var db = Connect(Path, SqliteOpenMode.ReadWrite, _busyMs);
            using var cmd = db.CreateCommand();
            cmd.CommandText = release
                ? "DELETE FROM leases WHERE experiment_id = $e AND token = $t"
                : "UPDATE leases SET expires = $x WHERE experiment_id = $e AND token = $t";
            cmd.Parameters.AddWithValue("$e", id); cmd.Parameters.AddWithValue("$t", token);
            if (!release) cmd.Parameters.AddWithValue("$x", Expiry());
            cmd.ExecuteNonQuery();
        }
        catch (SqliteException) { }
    }

    /// <summary>Caps the database at <paramref name="pages"/> pages on this connection: a full disk, as SQLite reports it.</summary>
    internal void LimitPages(long pages) => Exec($"PRAGMA max_page_count={pages};");

    /// <inheritdoc />
    public void Dispose() => _db.Dispose();
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
