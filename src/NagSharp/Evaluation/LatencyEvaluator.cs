using System.Diagnostics;
using NagSharp.Experiments;
using NagSharp.Networks;
using NagSharp.Spaces;

namespace NagSharp.Evaluation;

/// <summary>
/// Inference latency measured on this machine, by <c>nag latency</c>'s method: the network built from the architecture
/// (weights seeded from it), timed interleaved with a fixed reference architecture, and scaled by the reference's first
/// time / its time now, so a machine that speeds up or slows down during a search does not move the figures. One
/// column, <see cref="Column"/> (milliseconds, lower is better).
/// </summary>
public sealed class LatencyEvaluator : IEvaluator
{
    private readonly INetworkBuilder _builder;
    private readonly NetworkOptions _options;
    private readonly bool _sizeGiven;
    private readonly LatencySettings _meter;
    private readonly int _seed;
    private readonly LatencySurvey.Calibration _calibration;

    /// <summary>Prepares the measurement of <paramref name="space"/>'s networks (<paramref name="options"/> null: the
    /// space's standard network at its own input size) under <paramref name="meter"/> (null: the defaults).</summary>
    public LatencyEvaluator(ISearchSpace space, NetworkOptions? options = null, LatencySettings? meter = null, int seed = 0, string column = "local_ms")
    {
        ArgumentNullException.ThrowIfNull(space);
        Space = space;
        _builder = NetworkRegistry.Get(space);
        _sizeGiven = options is not null;
        _options = _builder.Resolve(options ?? new NetworkOptions(_builder.StandardClasses));
        _options.Validate();
        if (_builder.CheckInputSize(_options.InputSize) is string why) throw new NagUserException(why);
        _meter = meter ?? new LatencySettings();
        _meter.Validate();
        if (column.Length == 0 || column.IndexOfAny([',', '"', '\n', '\r']) >= 0) throw new NagUserException($"latency column '{column}' is not a usable CSV column name");
        Column = column;
        _seed = seed;
        // The reference: a fixed draw of the space, so every run of a search scales to the same network.
        _calibration = new LatencySurvey.Calibration(-1, space.Sample(new Random(seed)), null);
        Columns = [new MetricColumn(column, MetricDirection.LowerIsBetter)];
    }

    /// <summary>The measured column.</summary>
    public string Column { get; }
    /// <inheritdoc />
    public string Name => "latency";
    /// <inheritdoc />
    public ISearchSpace Space { get; }
    /// <inheritdoc />
    public IReadOnlyList<MetricColumn> Columns { get; }
    /// <inheritdoc />
    public int Queries { get; private set; }
    /// <inheritdoc />
    public IReadOnlyList<string> Notes => _calibration.AnchorMs is double a
        ? [$"{Column}: measured on this machine, calibrated to the reference {SafePath.Shorten(_calibration.Arch.ToString())} at {a:F3} ms"]
        : [];

    /// <inheritdoc />
    public Evaluation Evaluate(Arch arch)
    {
        var clock = Stopwatch.StartNew();
        EvaluatorChecks.RequireArch(Space, arch, Name);
        Queries++;
        var sample = LatencySurvey.MeasureBlock(_builder, [arch], _options, _sizeGiven, _meter, _seed, _calibration)[0];
        return new Evaluation(new Dictionary<string, double>(StringComparer.Ordinal) { [Column] = sample.MedianMs }, clock.Elapsed.TotalSeconds);
    }

    /// <inheritdoc />
    public void Dispose() { }
}
