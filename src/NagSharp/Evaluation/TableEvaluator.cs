using System.Diagnostics;
using NagSharp.Benchmarks;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Evaluation;

/// <summary>
/// The benchmark tables as an evaluator: every metric column of the space's tables (directions from the table layout),
/// answered by lookup. Each evaluation is one counted query of <see cref="Oracle"/> on the column it was made for.
/// </summary>
public sealed class TableEvaluator : IEvaluator
{
    private readonly string? _counted;

    /// <summary>Wraps <paramref name="data"/>; queries are counted by <paramref name="oracle"/> (a new one when null) under
    /// <paramref name="countedColumn"/> (the search's objective), or under the first column when null.</summary>
    public TableEvaluator(BenchmarkData data, Oracle? oracle = null, string? countedColumn = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        Data = data;
        Oracle = oracle ?? new Oracle(data);
        if (countedColumn is not null) data.RequireColumn(countedColumn);
        _counted = countedColumn;
        Columns = data.Columns.Select(c => new MetricColumn(c, data.DirectionOf(c))).ToArray();
    }

    /// <summary>The tables.</summary>
    public BenchmarkData Data { get; }
    /// <summary>The query counter.</summary>
    public Oracle Oracle { get; }
    /// <inheritdoc />
    public string Name => "table";
    /// <inheritdoc />
    public ISearchSpace Space => Data.Space;
    /// <inheritdoc />
    public IReadOnlyList<MetricColumn> Columns { get; }
    /// <inheritdoc />
    public int Queries => Oracle.Queries;
    /// <inheritdoc />
    public IReadOnlyList<string> Notes => [];

    /// <inheritdoc />
    public bool Scores(Arch arch, string column) => Data.Get(arch, column) is not null;

    /// <inheritdoc />
    public ISearchSpace SearchSpace(string objective) => TableSpace.Needed(Data.Space, Data) ? new TableSpace(Data.Space, Data, objective) : Data.Space;

    /// <inheritdoc />
    public long? Capacity(string objective) => SearchHarness.Queryable(Data, objective);

    /// <summary>Every column's value (NaN where the tables have none); a data error when no table lists the architecture.</summary>
    public Evaluation Evaluate(Arch arch)
    {
        var clock = Stopwatch.StartNew();
        EvaluatorChecks.RequireArch(Data.Space, arch, Name);
        if (Data.KeysOf(arch).Count == 0) throw new NagDataException($"{Data.TableOf(_counted ?? Data.Columns[0]).Path}: no row for {arch}");
        Oracle.Query(arch, _counted ?? Data.Columns.First(c => Data.Get(arch, c) is not null));
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var c in Data.Columns) metrics[c] = Data.Get(arch, c) ?? double.NaN;
        return new Evaluation(metrics, clock.Elapsed.TotalSeconds);
    }

    /// <inheritdoc />
    public void Dispose() { }
}
