using NagSharp.Benchmarks;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>
/// Locates ../shared/data (or $NAGSHARP_DATA) for data-dependent tests. Without data a test skips with the
/// reason; under CI=true missing data is a failure, never a silent skip.
/// </summary>
public static class TestData
{
    private static readonly Lazy<string?> Dir = new(() => DataLocator.TryResolve());
    private static readonly Lazy<BenchmarkData> Nb201Data = new(() => BenchmarkData.Load(new Nb201Space(), RequireDir()));
    private static readonly Lazy<BenchmarkData> Nb101Data = new(() => BenchmarkData.Load(new Nb101Space(), RequireDir()));

    /// <summary>The data directory; skips (or fails under CI) when there is none.</summary>
    public static string RequireDir()
    {
        if (Dir.Value is string d) return d;
        string reason = $"benchmark data not found (set {DataLocator.EnvironmentVariable} or place it at ../shared/data)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("CI=true but " + reason);
        Skip.If(true, reason);
        return "";
    }

    /// <summary>The NB201 tables, loaded once per test run.</summary>
    public static BenchmarkData Nb201 { get { RequireDir(); return Nb201Data.Value; } }

    /// <summary>The NB101 tables (a 500-row subset), loaded once per test run.</summary>
    public static BenchmarkData Nb101 { get { RequireDir(); return Nb101Data.Value; } }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<BenchmarkData>> ByName = new(StringComparer.Ordinal);

    /// <summary>The tables of any registered space by name, loaded once per test run.</summary>
    public static BenchmarkData For(string spaceName)
    {
        string dir = RequireDir();
        return ByName.GetOrAdd(spaceName, n => new Lazy<BenchmarkData>(() => BenchmarkData.Load(SpaceRegistry.Get(n), dir))).Value;
    }
}

/// <summary>Every test that touches TorchSharp runs in this collection, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    /// <summary>Collection name.</summary>
    public const string Name = "torch";
}
