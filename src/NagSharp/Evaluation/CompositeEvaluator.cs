using System.Diagnostics;
using NagSharp.Spaces;

namespace NagSharp.Evaluation;

/// <summary>
/// Several evaluators of one space as one (<c>model+latency</c>): each candidate is evaluated by every part, so a
/// constraint on one part's column (<c>local_ms&lt;=3</c>) is checked on the same candidate as the objective of another.
/// Columns must not repeat across parts. The part owning a column decides what can be scored on it.
/// </summary>
public sealed class CompositeEvaluator : IEvaluator
{
    private readonly IReadOnlyList<IEvaluator> _parts;
    private readonly Dictionary<string, IEvaluator> _owner = new(StringComparer.Ordinal);

    /// <summary>Combines <paramref name="parts"/> (disposed with this evaluator).</summary>
    public CompositeEvaluator(IReadOnlyList<IEvaluator> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count < 2) throw new NagUserException("a composite evaluator needs at least two parts");
        _parts = parts;
        foreach (var p in parts)
        {
            if (p.Space.Name != parts[0].Space.Name)
                throw new NagUserException($"evaluators {parts[0].Name} and {p.Name} are on different spaces ({parts[0].Space.Name}, {p.Space.Name})");
            foreach (var c in p.Columns)
                if (!_owner.TryAdd(c.Name, p))
                    throw new NagUserException($"column '{c.Name}' comes from both the {_owner[c.Name].Name} and the {p.Name} evaluator");
        }
        Columns = parts.SelectMany(p => p.Columns).ToArray();
    }

    /// <inheritdoc />
    public string Name => string.Join("+", _parts.Select(p => p.Name));
    /// <inheritdoc />
    public ISearchSpace Space => _parts[0].Space;
    /// <inheritdoc />
    public IReadOnlyList<MetricColumn> Columns { get; }
    /// <inheritdoc />
    public int Queries { get; private set; }
    /// <inheritdoc />
    public IReadOnlyList<string> Notes => _parts.SelectMany(p => p.Notes).ToArray();
    /// <inheritdoc />
    public bool Scores(Arch arch, string column) => Owner(column).Scores(arch, column);
    /// <inheritdoc />
    public ISearchSpace SearchSpace(string objective) => Owner(objective).SearchSpace(objective);
    /// <inheritdoc />
    public long? Capacity(string objective) => Owner(objective).Capacity(objective);

    /// <inheritdoc />
    public string ReportFor(string objective) => Owner(objective).ReportFor(objective);

    private IEvaluator Owner(string column)
    {
        this.Column(column);   // a one-line error naming the available columns
        return _owner[column];
    }

    /// <summary>Every part's metrics; the seconds are the parts' sum (they run one after another).</summary>
    public Evaluation Evaluate(Arch arch)
    {
        var clock = Stopwatch.StartNew();
        EvaluatorChecks.RequireArch(Space, arch, Name);
        Queries++;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        double seconds = 0;
        foreach (var p in _parts)
        {
            var e = p.Evaluate(arch);
            foreach (var (c, v) in e.Metrics) metrics[c] = v;
            seconds += e.Seconds;
        }
        return new Evaluation(metrics, Math.Max(seconds, clock.Elapsed.TotalSeconds));
    }

    /// <inheritdoc />
    public void Dispose() { foreach (var p in _parts) p.Dispose(); }
}
