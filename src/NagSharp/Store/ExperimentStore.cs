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
/// flight at a crash is asked again, once.
/// </summary>
public sealed class ExperimentStore : IDisposable
{
    private readonly SqliteConnection _db;

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Opens (and creates when needed) a store.</summary>
    public ExperimentStore(string path)
    {
        Path = path;
        try
        {
            _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            _db.Open();
            Exec("PRAGMA busy_timeout=10000;");
            CheckOwnership(path);
            Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
            Exec("""
                CREATE TABLE IF NOT EXISTS experiments (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, space TEXT NOT NULL,
                    objective TEXT NOT NULL, report TEXT NOT NULL, strategies TEXT NOT NULL, budget INTEGER NOT NULL, seeds INTEGER NOT NULL,
                    first_seed INTEGER NOT NULL, status TEXT NOT NULL, settings TEXT NOT NULL DEFAULT '{}');
                CREATE TABLE IF NOT EXISTS trials (experiment_id INTEGER NOT NULL, strategy TEXT NOT NULL, seed INTEGER NOT NULL, query INTEGER NOT NULL,
                    arch TEXT NOT NULL, objective REAL NOT NULL, report REAL NOT NULL, started TEXT NOT NULL, finished TEXT NOT NULL,
                    PRIMARY KEY (experiment_id, strategy, seed, query));
                CREATE TABLE IF NOT EXISTS inflight (experiment_id INTEGER NOT NULL, strategy TEXT NOT NULL, seed INTEGER NOT NULL, query INTEGER NOT NULL,
                    arch TEXT NOT NULL, started TEXT NOT NULL, PRIMARY KEY (experiment_id, strategy, seed));
                """);
            Exec($"PRAGMA application_id={ApplicationId};");
        }
        catch (SqliteException e) { _db?.Dispose(); throw new NagDataException($"{path}: cannot open experiment store ({e.Message})"); }
        catch (NagDataException) { _db?.Dispose(); throw; }
    }

    /// <summary>SQLite application id marking a NagSharp store ("NAGS").</summary>
    public const int ApplicationId = 0x4E414753;

    /// <summary>
    /// Refuses a database that belongs to something else: a foreign application id, or tables but none of ours. Writing
    /// our tables into another program's database would corrupt it quietly.
    /// </summary>
    private void CheckOwnership(string path)
    {
        long appId = Scalar("PRAGMA application_id;");
        long tables = Scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table';");
        long ours = Scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'experiments';");
        if (appId != 0 && appId != ApplicationId)
            throw new NagDataException($"{path}: not a NagSharp experiment store (SQLite application id 0x{appId:X8})");
        if (tables > 0 && ours == 0)
            throw new NagDataException($"{path}: not a NagSharp experiment store (it holds {tables} other table(s) and no 'experiments' table)");
        if (ours == 1 && Scalar("SELECT COUNT(*) FROM pragma_table_info('experiments') WHERE name = 'settings';") == 0)
            Exec("ALTER TABLE experiments ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';");   // stores made before settings were kept
    }

    private long Scalar(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

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
        string settings = "{}")
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
    }

    /// <summary>Every experiment, newest first.</summary>
    public List<Experiment> List()
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT id, space, objective, report, strategies, budget, seeds, first_seed, status, created, settings FROM experiments ORDER BY id DESC";
        using var r = cmd.ExecuteReader();
        var list = new List<Experiment>();
        while (r.Read())
            list.Add(new Experiment(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4).Split(','), r.GetInt32(5),
                r.GetInt32(6), r.GetInt32(7), r.GetString(8), r.GetString(9), r.GetString(10)));
        return list;
    }

    /// <summary>One experiment; throws a user error naming the store when unknown.</summary>
    public Experiment Get(long id) => List().FirstOrDefault(e => e.Id == id) ?? throw new NagUserException($"{Path}: no experiment {id}");

    /// <summary>Recorded trials of an experiment, in (strategy, seed, query) order.</summary>
    public List<Trial> Trials(long id)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT strategy, seed, query, arch, objective, report FROM trials WHERE experiment_id = $id ORDER BY strategy, seed, query";
        cmd.Parameters.AddWithValue("$id", id);
        using var r = cmd.ExecuteReader();
        var list = new List<Trial>();
        while (r.Read()) list.Add(new Trial(r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.GetString(3), r.GetDouble(4), r.GetDouble(5)));
        return list;
    }

    /// <summary>In-flight queries of an experiment (asked but not recorded when the process stopped).</summary>
    public int InFlight(long id)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM inflight WHERE experiment_id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Marks a query as started (before the oracle is asked).</summary>
    public void Start(long id, string strategy, int seed, int query, string arch) =>
        Exec("INSERT OR REPLACE INTO inflight (experiment_id, strategy, seed, query, arch, started) VALUES ($e, $s, $seed, $q, $a, $t)",
            ("$e", id), ("$s", strategy), ("$seed", seed), ("$q", query), ("$a", arch), ("$t", Now()));

    /// <summary>Records a finished query and clears its in-flight mark, in one transaction.</summary>
    public void Finish(long id, Trial t, string started)
    {
        using var tx = _db.BeginTransaction();
        Exec("INSERT INTO trials (experiment_id, strategy, seed, query, arch, objective, report, started, finished) VALUES ($e, $s, $seed, $q, $a, $o, $r, $st, $f)",
            ("$e", id), ("$s", t.Strategy), ("$seed", t.Seed), ("$q", t.Query), ("$a", t.Arch), ("$o", t.Objective), ("$r", t.Report), ("$st", started), ("$f", Now()));
        Exec("DELETE FROM inflight WHERE experiment_id = $e AND strategy = $s AND seed = $seed", ("$e", id), ("$s", t.Strategy), ("$seed", t.Seed));
        tx.Commit();
    }

    /// <summary>Marks an experiment done.</summary>
    public void Complete(long id) => Exec("UPDATE experiments SET status = 'done' WHERE id = $id", ("$id", id));

    /// <inheritdoc />
    public void Dispose() => _db.Dispose();
}
