namespace NagSharp.Benchmarks;

/// <summary>
/// Finds the benchmark data directory: an explicit flag, else <c>NAGSHARP_DATA</c>, else
/// <c>../shared/data</c> beside the repository root (found by walking up to <c>NagSharp.slnx</c>).
/// </summary>
public static class DataLocator
{
    /// <summary>Environment variable that names the data directory.</summary>
    public const string EnvironmentVariable = "NAGSHARP_DATA";

    /// <summary>Returns the data directory or throws a <see cref="NagDataException"/> saying where it looked.</summary>
    public static string Resolve(string? explicitDir = null)
    {
        var looked = new List<string>();
        if (!string.IsNullOrWhiteSpace(explicitDir))
        {
            if (Directory.Exists(explicitDir)) return Path.GetFullPath(explicitDir);
            throw new NagDataException($"data directory '{explicitDir}' given as the explicit data directory does not exist");
        }
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            if (Directory.Exists(env)) return Path.GetFullPath(env);
            throw new NagDataException($"data directory '{env}' named by ${EnvironmentVariable} does not exist");
        }
        looked.Add($"an explicit data directory (not given), ${EnvironmentVariable} (unset)");
        foreach (var root in RepositoryRoots())
        {
            string candidate = Path.GetFullPath(Path.Combine(root, "..", "shared", "data"));
            if (Directory.Exists(candidate)) return candidate;
            looked.Add(candidate);
        }
        throw new NagDataException($"no benchmark data directory found; looked at {string.Join(", ", looked.Distinct())}");
    }

    /// <summary>Like <see cref="Resolve"/> but returns null instead of throwing when nothing is found.</summary>
    public static string? TryResolve(string? explicitDir = null)
    {
        try { return Resolve(explicitDir); }
        catch (NagDataException) { return null; }
    }

    /// <summary>Repository roots above the working directory and above the running binary.</summary>
    public static IEnumerable<string> RepositoryRoots()
    {
        var seen = new HashSet<string>();
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "NagSharp.slnx")))
                {
                    if (seen.Add(dir.FullName)) yield return dir.FullName;
                    break;
                }
        }
    }
}
