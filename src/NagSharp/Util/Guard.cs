namespace NagSharp;

/// <summary>
/// Checks of numeric settings, done once in the library so every caller (CLI, C# user, resumed experiment) gets the
/// same one-line <see cref="NagUserException"/> naming the setting, never a NaN that flows into sampling.
/// The CLI maps setting names to its flags when it prints the error.
/// </summary>
public static class Guard
{
    /// <summary>Throws unless <paramref name="value"/> is a finite number.</summary>
    public static double Finite(double value, string setting) =>
        double.IsFinite(value) ? value : throw new NagUserException($"{setting} must be a finite number, got {value}");

    /// <summary>Throws unless <paramref name="value"/> is finite and &gt; 0.</summary>
    public static double Positive(double value, string setting) =>
        Finite(value, setting) > 0 ? value : throw new NagUserException($"{setting} must be positive, got {value}");

    /// <summary>Throws unless <paramref name="value"/> is finite and &gt;= 0.</summary>
    public static double NonNegative(double value, string setting) =>
        Finite(value, setting) >= 0 ? value : throw new NagUserException($"{setting} must be zero or positive, got {value}");

    /// <summary>Throws unless <paramref name="value"/> is finite and in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static double InRange(double value, double min, double max, string setting) =>
        Finite(value, setting) >= min && value <= max ? value
            : throw new NagUserException($"{setting} must be in [{min}, {max}], got {value}");

    /// <summary>Throws unless <paramref name="value"/> is in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static int InRange(int value, int min, int max, string setting) =>
        value >= min && value <= max ? value : throw new NagUserException($"{setting} must be in [{min}, {max}], got {value}");

    /// <summary>Throws unless <paramref name="value"/> &gt;= 1.</summary>
    public static int Positive(int value, string setting) =>
        value >= 1 ? value : throw new NagUserException($"{setting} must be at least 1, got {value}");
}
