namespace NagSharp.Diffusion;

/// <summary>
/// The one limit on how many architectures a single generation call may draw. Every sample is decoded and kept in
/// memory with its flags (a few hundred bytes each, more on large spaces), so a count far beyond any benchmark's
/// needs would run out of memory after minutes of sampling instead of failing at once.
/// </summary>
public static class SampleCount
{
    /// <summary>Most samples one generation call draws (ten times the largest count the benchmarks use).</summary>
    public const int Max = 1_000_000;

    /// <summary>Throws a <see cref="NagUserException"/> naming <paramref name="setting"/> unless 1 &lt;= n &lt;= <see cref="Max"/>.</summary>
    public static int Check(int n, string setting = "sample count") =>
        n >= 1 && n <= Max ? n
            : throw new NagUserException($"{setting} must be between 1 and {Max:N0} (what one generation call can hold in memory), got {n}");
}
