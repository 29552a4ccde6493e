using System.Globalization;
using NagSharp.Spaces;

namespace NagSharp.Benchmarks;

/// <summary>
/// One CSV benchmark table: an integer key column (or none: the row number is the key), the architecture column(s)
/// and any number of numeric metric columns, discovered from the header (no dataset or device name is known in advance).
/// </summary>
public sealed class MetricTable
{
    /// <summary>Source file.</summary>
    public string Path { get; }
    /// <summary>Metric column names, in file order.</summary>
    public IReadOnlyList<string> Columns { get; }
    /// <summary>Row keys in file order (0, 1, 2, ... for a table without a key column).</summary>
    public IReadOnlyList<int> Keys => _keys;
    /// <summary>Architecture of each row, in file order.</summary>
    public IReadOnlyList<Arch> Archs => _archs;

    private readonly int[] _keys;
    private readonly Arch[] _archs;
    private readonly double[][] _values; // [column][row]
    private readonly Dictionary<int, int> _rowOfKey;

    private MetricTable(string path, string[] columns, int[] keys, Arch[] archs, double[][] values)
    {
        Path = path; Columns = columns; _keys = keys; _archs = archs; _values = values;
        _rowOfKey = new Dictionary<int, int>(keys.Length);
        for (int r = 0; r < keys.Length; r++) _rowOfKey[keys[r]] = r;
    }

    /// <summary>Row position of a key, or -1.</summary>
    public int RowOf(int key) => _rowOfKey.TryGetValue(key, out int r) ? r : -1;

    /// <summary>Value of a metric column at a row position; NaN when the cell was empty in a table whose layout allows
    /// missing values.</summary>
    public double Value(int column, int row) => _values[column][row];

    /// <summary>All values of one metric column in row order (a copy; NaN where not measured).</summary>
    public double[] ColumnValues(int column) => (double[])_values[column].Clone();

    /// <summary>
    /// Loads and validates a table. Every problem (bad number, empty cell, NaN, unknown or mismatched
    /// architecture, duplicate key, short/long row, missing key column, wrong row count) throws a
    /// <see cref="NagDataException"/> naming file, line and column; nothing is returned half-loaded.
    /// Without a key column (<see cref="TableLayout.KeyColumn"/> null) the key is the 0-based data row number and an
    /// architecture may repeat (each row is one measurement); with one, a repeated architecture is an error.
    /// </summary>
    public static MetricTable Load(string path, ISearchSpace space, TableLayout layout)
    {
        if (!File.Exists(path)) throw new NagDataException($"{path}: table not found");
        using var records = Csv.Read(path).GetEnumerator();
        if (!records.MoveNext()) throw new NagDataException($"{path}:1: empty file, expected a header");
        string[] header = records.Current.Fields;
        var seen = new HashSet<string>();
        for (int i = 0; i < header.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(header[i])) throw new NagDataException($"{path}:1: column {i + 1} has an empty name");
            if (!seen.Add(header[i])) throw new NagDataException($"{path}:1: column '{header[i]}' appears twice");
        }
        int keyCol = layout.KeyColumn is null ? -1 : Array.IndexOf(header, layout.KeyColumn);
        if (layout.KeyColumn is not null && keyCol < 0) throw new NagDataException($"{path}:1: missing key column '{layout.KeyColumn}'");
        var archCols = new int[layout.ArchColumns.Count];
        for (int a = 0; a < archCols.Length; a++)
        {
            archCols[a] = Array.IndexOf(header, layout.ArchColumns[a]);
            if (archCols[a] < 0) throw new NagDataException($"{path}:1: missing architecture column '{layout.ArchColumns[a]}'");
        }
        var textCols = new int[layout.TextColumns.Count];
        for (int t = 0; t < textCols.Length; t++)
        {
            textCols[t] = Array.IndexOf(header, layout.TextColumns[t]);
            if (textCols[t] < 0) throw new NagDataException($"{path}:1: missing column '{layout.TextColumns[t]}'");
        }
        var metricCols = Enumerable.Range(0, header.Length).Where(i => i != keyCol && Array.IndexOf(archCols, i) < 0 && Array.IndexOf(textCols, i) < 0).ToArray();
        if (metricCols.Length == 0) throw new NagDataException($"{path}:1: no metric columns");

        var keys = new List<int>();
        var archs = new List<Arch>();
        var values = metricCols.Select(_ => new List<double>()).ToArray();
        var keyLine = new Dictionary<int, int>();
        var archLine = new Dictionary<string, int>();
        int lastLine = 1;
        while (records.MoveNext())
        {
            var (line, f) = records.Current;
            lastLine = line;
            if (f.Length != header.Length)
                throw new NagDataException($"{path}:{line}: {f.Length} fields, expected {header.Length} ({(f.Length < header.Length ? "truncated row" : "extra fields")}; first missing column '{(f.Length < header.Length ? header[f.Length] : "-")}')");
            int key = keys.Count;
            if (keyCol >= 0)
            {
                if (!int.TryParse(f[keyCol], NumberStyles.Integer, CultureInfo.InvariantCulture, out key) || key < 0 || (space.Size is long n && key >= n))
                    throw new NagDataException($"{path}:{line}: column '{layout.KeyColumn}': '{f[keyCol]}' is not a valid key{(space.Size is long m ? $" (0..{m - 1})" : "")}");
                if (keyLine.TryGetValue(key, out int firstKey))
                    throw new NagDataException($"{path}:{line}: column '{layout.KeyColumn}': duplicate key {key} (first on line {firstKey})");
                keyLine[key] = line;
            }
            string archText = archCols.Length == 1 ? f[archCols[0]] : string.Join(layout.ArchSeparator, archCols.Select(c => f[c]));
            Arch arch;
            try { arch = space.Parse(archText); }
            catch (ArchFormatException e) { throw new NagDataException($"{path}:{line}: column '{layout.ArchColumn}': {e.Message}"); }
            // A complete keyless table must list each architecture once too, or a repeat could hide a missing one.
            if ((keyCol >= 0 && !layout.RepeatedArchitectures) || layout.CompleteTables)
            {
                if (archLine.TryGetValue(arch.ToString(), out int firstArch))
                    throw new NagDataException($"{path}:{line}: column '{layout.ArchColumn}': duplicate architecture (first on line {firstArch})");
                archLine[arch.ToString()] = line;
            }
            for (int m = 0; m < metricCols.Length; m++)
            {
                string cell = f[metricCols[m]];
                if (cell.Length == 0 && layout.MissingValues) { values[m].Add(double.NaN); continue; }
                if (cell.Length == 0)
                    throw new NagDataException($"{path}:{line}: column '{header[metricCols[m]]}': empty cell");
                if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                    throw new NagDataException($"{path}:{line}: column '{header[metricCols[m]]}': '{cell}' is not a finite number");
                values[m].Add(v);
            }
            keys.Add(key);
            archs.Add(arch);
        }
        if (layout.CompleteTables && space.Size is long size && keys.Count != size)
            throw new NagDataException($"{path}:{lastLine}: {keys.Count} rows, expected {size} (one per architecture of {space.Name})");
        return new MetricTable(path, metricCols.Select(i => header[i]).ToArray(), keys.ToArray(), archs.ToArray(),
            values.Select(v => v.ToArray()).ToArray());
    }
}

/// <summary>
/// Every benchmark table of a space, merged by key: each <c>*.csv</c> in the space's data folder. Column names
/// must be unique across tables and each key must name the same architecture in every table (for keyless tables:
/// row k of every table describes the same architecture). Keyless tables may list an architecture on several rows;
/// per-architecture queries then answer from its first row and <see cref="KeysOf"/> lists them all.
/// </summary>
public sealed class BenchmarkData
{
    /// <summary>The space the tables describe.</summary>
    public ISearchSpace Space { get; }
    /// <summary>The loaded tables.</summary>
    public IReadOnlyList<MetricTable> Tables { get; }
    /// <summary>Every metric column across tables, in load order.</summary>
    public IReadOnlyList<string> Columns { get; }

    private readonly Dictionary<string, (MetricTable Table, int Column)> _columns;
    private readonly Dictionary<string, List<int>> _keysOfArch;
    private readonly Dictionary<int, Arch> _archOfKey;

    private BenchmarkData(ISearchSpace space, IReadOnlyList<MetricTable> tables)
    {
        Space = space; Tables = tables;
        _columns = new Dictionary<string, (MetricTable, int)>(StringComparer.Ordinal);
        var cols = new List<string>();
        _keysOfArch = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        _archOfKey = new Dictionary<int, Arch>();
        foreach (var t in tables)
        {
            // Only earlier tables constrain an architecture's keys: within one keyless table it may repeat.
            var added = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            for (int c = 0; c < t.Columns.Count; c++)
            {
                if (_columns.TryGetValue(t.Columns[c], out var prior))
                    throw new NagDataException($"{t.Path}:1: column '{t.Columns[c]}' also appears in {prior.Table.Path}");
                _columns[t.Columns[c]] = (t, c);
                cols.Add(t.Columns[c]);
            }
            for (int r = 0; r < t.Keys.Count; r++)
            {
                int key = t.Keys[r];
                string a = t.Archs[r].ToString();
                if (_archOfKey.TryGetValue(key, out var known) && known.ToString() != a)
                    throw new NagDataException($"{t.Path}:{r + 2}: key {key} names {a}, but an earlier table names {known} (the row's line assumes one record per line)");
                if (_keysOfArch.TryGetValue(a, out var earlier) && !earlier.Contains(key))
                    throw new NagDataException($"{t.Path}:{r + 2}: architecture {a} has key {key}, but an earlier table gives key {earlier[0]}");
                _archOfKey[key] = t.Archs[r];
                if (!added.TryGetValue(a, out var list)) added[a] = list = [];
                list.Add(key);
            }
            foreach (var (a, list) in added)
            {
                if (!_keysOfArch.TryGetValue(a, out var all)) _keysOfArch[a] = all = [];
                foreach (int key in list) if (!all.Contains(key)) all.Add(key);
                all.Sort();
            }
        }
        Columns = cols;
    }

    /// <summary>Loads every table of <paramref name="space"/> under <paramref name="dataDir"/>.</summary>
    public static BenchmarkData Load(ISearchSpace space, string dataDir) => Load(space, dataDir, null);

    /// <summary>The space's tables (plus <paramref name="extraTables"/>) when the space has tables and a data directory
    /// is found (<paramref name="dataDir"/>, else the usual search); null otherwise. For work the tables only enrich.</summary>
    public static BenchmarkData? LoadIfFound(ISearchSpace space, string? dataDir, IReadOnlyList<string>? extraTables = null) =>
        space.Tables is null || DataLocator.TryResolve(dataDir) is not string dir ? null : Load(space, dir, extraTables);

    /// <summary>
    /// Loads every table of <paramref name="space"/> under <paramref name="dataDir"/>, then the
    /// <paramref name="extraTables"/> (e.g. latencies measured on this machine by <c>nag latency</c>). Extra tables
    /// use the space's layout but may cover only part of the space; their keys must agree with the folder's tables.
    /// </summary>
    public static BenchmarkData Load(ISearchSpace space, string dataDir, IReadOnlyList<string>? extraTables)
    {
        var layout = space.Tables ?? throw new NagUserException($"space {space.Name} has no benchmark tables");
        string folder = Path.Combine(dataDir, layout.Folder);
        if (!Directory.Exists(folder)) throw new NagDataException($"{folder}: no table folder for space {space.Name} (data directory {dataDir})");
        var files = Directory.GetFiles(folder, layout.FilePattern).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new NagDataException($"{folder}: no {layout.FilePattern} tables for space {space.Name}");
        var tables = files.Select(f => MetricTable.Load(f, space, layout)).ToList();
        var partial = layout with { CompleteTables = false };
        foreach (var extra in extraTables ?? [])
        {
            if (files.Any(f => Path.GetFullPath(f) == Path.GetFullPath(extra))) continue; // already in the folder
            tables.Add(MetricTable.Load(extra, space, partial));
        }
        return new BenchmarkData(space, tables);
    }

    /// <summary>Number of architectures with at least one table row.</summary>
    public int Count => _keysOfArch.Count;

    /// <summary>Every key in ascending order.</summary>
    public IEnumerable<int> Keys => _archOfKey.Keys.Order();

    /// <summary>True when a metric column exists.</summary>
    public bool HasColumn(string column) => _columns.ContainsKey(column);

    /// <summary>Throws a user error naming the available columns when <paramref name="column"/> is unknown.</summary>
    public void RequireColumn(string column)
    {
        if (!HasColumn(column))
            throw new NagUserException($"unknown metric column '{column}' for {Space.Name} (available: {string.Join(", ", Columns)})");
    }

    /// <summary>Whether a column is higher- or lower-is-better, as the space's table layout declares it
    /// (<see cref="TableLayout.LowerIsBetter"/>); a user error for an unknown column.</summary>
    public MetricDirection DirectionOf(string column)
    {
        RequireColumn(column);
        return Space.Tables!.DirectionOf(column);
    }

    /// <summary>Key (e.g. official index) of an architecture, or null when no table lists it; the smallest key when
    /// several rows list it.</summary>
    public int? KeyOf(Arch arch) => _keysOfArch.TryGetValue(arch.ToString(), out var k) ? k[0] : null;

    /// <summary>Every key whose row lists the architecture, ascending (empty when none; more than one only in keyless
    /// tables, where rows are repeated measurements).</summary>
    public IReadOnlyList<int> KeysOf(Arch arch) => _keysOfArch.TryGetValue(arch.ToString(), out var k) ? k : [];

    /// <summary>Architecture with a given key; throws a user error when unknown.</summary>
    public Arch ArchOf(int key) =>
        _archOfKey.TryGetValue(key, out var a) ? a : throw new NagUserException($"no {Space.Name} architecture has {Space.Tables!.KeyName} {key}");

    /// <summary>Value of a column for an architecture (from the first of its rows that the column's table has with a
    /// measured value), or null when there is none.</summary>
    public double? Get(Arch arch, string column)
    {
        RequireColumn(column);
        var (t, c) = _columns[column];
        foreach (int key in KeysOf(arch))
        {
            int row = t.RowOf(key);
            if (row >= 0 && !double.IsNaN(t.Value(c, row))) return t.Value(c, row);
        }
        return null;
    }

    /// <summary>Every known metric of an architecture, in column order (from its first row, as <see cref="Get"/>).</summary>
    public IReadOnlyDictionary<string, double> MetricsOf(Arch arch)
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var col in Columns)
            if (Get(arch, col) is double v) d[col] = v;
        return d;
    }

    /// <summary>Every metric of the row(s) with one key, in column order: what a row says, even when the
    /// architecture has other rows with other measurements.</summary>
    public IReadOnlyDictionary<string, double> MetricsOfKey(int key)
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var col in Columns)
        {
            var (t, c) = _columns[col];
            int row = t.RowOf(key);
            if (row >= 0 && !double.IsNaN(t.Value(c, row))) d[col] = t.Value(c, row);
        }
        return d;
    }

    /// <summary>(architecture, value) for every row that has the column (and a measured value in it).</summary>
    public IEnumerable<(Arch Arch, double Value)> ColumnEntries(string column)
    {
        RequireColumn(column);
        var (t, c) = _columns[column];
        for (int r = 0; r < t.Keys.Count; r++)
            if (!double.IsNaN(t.Value(c, r))) yield return (t.Archs[r], t.Value(c, r));
    }

    /// <summary>Source table of a column.</summary>
    public MetricTable TableOf(string column) { RequireColumn(column); return _columns[column].Table; }
}

/// <summary>
/// Answers metric queries from the benchmark tables and counts them: in NAS, cost is measured in queries.
/// </summary>
public sealed class Oracle(BenchmarkData data)
{
    private readonly Dictionary<string, int> _queries = new(StringComparer.Ordinal);

    /// <summary>The tables behind the oracle.</summary>
    public BenchmarkData Data => data;

    /// <summary>Total queries answered.</summary>
    public int Queries => _queries.Values.Sum();

    /// <summary>Queries answered for one column.</summary>
    public int QueriesOf(string column) => _queries.GetValueOrDefault(column);

    /// <summary>Metric value of an architecture; counts one query. Throws a data error when the tables lack the architecture.</summary>
    public double Query(Arch arch, string column)
    {
        double v = data.Get(arch, column) ?? throw new NagDataException($"{data.TableOf(column).Path}: no row for {arch}");
        _queries[column] = _queries.GetValueOrDefault(column) + 1;
        return v;
    }
}
