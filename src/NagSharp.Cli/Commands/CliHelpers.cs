using System.Globalization;
using NagSharp.Benchmarks;
using NagSharp.Spaces;

namespace NagSharp.Cli.Commands;

/// <summary>Small pieces shared by several commands.</summary>
public static class CliHelpers
{
    /// <summary>
    /// The architectures of a samples file (<c>nag generate --out</c>: one JSON object per line with an <c>arch</c> field,
    /// null for an invalid sample), in file order, and the count of null ones. Anything else is a data error naming the line.
    /// </summary>
    public static (List<Arch> Archs, int Invalid) ReadSamples(ISearchSpace space, string path) => SampleFile.Read(space, path);

    /// <summary>
    /// Runs torch on one thread until disposed, then restores the previous count. Sampling works on tensors of a few
    /// thousand elements, where a second thread only adds synchronisation: guided discrete sampling took 10.9-11.1 ms
    /// per unique valid cell on one thread against 15.1-17.1 ms on two (idle 2-core machine, `nag bench conditional`).
    /// </summary>
    public static IDisposable OneTorchThread()
    {
        int previous = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(1);
        return new Restore(() => TorchSharp.torch.set_num_threads(previous));
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    private static readonly AsyncLocal<IReadOnlyList<string>?> ExtraTablesOfInvocation = new();

    /// <summary>
    /// The <c>--extra-table</c> files of the running invocation. Held per invocation (async-local, set by
    /// <see cref="NagCli.Run"/>) so every command that loads tables sees them without threading the option through.
    /// </summary>
    public static IReadOnlyList<string> ExtraTables
    {
        get => ExtraTablesOfInvocation.Value ?? [];
        set => ExtraTablesOfInvocation.Value = value;
    }

    /// <summary>Loads the benchmark tables of a space (plus any <c>--extra-table</c>) from the resolved data directory.</summary>
    public static BenchmarkData LoadData(ISearchSpace space, string? dataDir) => BenchmarkData.Load(space, DataLocator.Resolve(dataDir), ExtraTables);

    /// <summary>Loads the tables when a data directory can be found, else returns null.</summary>
    public static BenchmarkData? LoadDataOrNull(ISearchSpace space, string? dataDir) =>
        BenchmarkData.LoadIfFound(space, dataDir, ExtraTables);

    /// <summary>
    /// Resolves an architecture given as the space's string form or as a table key (e.g. the NB201 index).
    /// A key needs the tables; a string does not. Digits with a leading zero ("0100") are not a key: they are how an
    /// NB101 adjacency starts, and a pasted adjacency without its ops must fail to parse, not pick row 100.
    /// </summary>
    public static Arch ResolveArch(ISearchSpace space, string text, BenchmarkData? data) => ResolveArch(space, text, data, out _);

    /// <summary>As <see cref="ResolveArch(ISearchSpace, string, BenchmarkData?)"/>, also returning the key when the
    /// text was one: in keyless tables an architecture may have several rows, and the one asked for is what to show.</summary>
    public static Arch ResolveArch(ISearchSpace space, string text, BenchmarkData? data, out int? key)
    {
        key = null;
        string t = text.Trim();
        string keyName = space.Tables?.KeyName ?? "key";
        if (t.Length > 0 && t.All(char.IsAsciiDigit) && (t.Length == 1 || t[0] != '0'))
        {
            if (data is null) throw new NagUserException($"'{t}' is a {keyName}, which needs the benchmark tables");
            if (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int k)) throw new NagUserException($"'{t}' is not a valid {keyName}");
            var arch = data.ArchOf(k);
            key = k;
            return arch;
        }
        return space.Parse(t);
    }

    /// <summary>A short stable id of a canonical form (first 16 hex digits of its SHA-256).</summary>
    public static string CanonicalId(ISearchSpace space, Arch arch) => Experiments.TrainBest.CanonicalId(space, arch);

    /// <summary>The <c>--json</c> flag of a command that prints results: the result record as one JSON object instead of tables.</summary>
    public static System.CommandLine.Option<bool> JsonOption() =>
        new("--json") { Description = "Print the result as one JSON object (System.Text.Json over the result record) instead of tables" };

    /// <summary>The values of a repeatable list option, each also split at commas: <c>--strategy a,b --strategy c</c>.</summary>
    public static string[]? Items(string[]? values) =>
        values is null || values.Length == 0 ? null
        : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();

    /// <summary>Invariant round-trip formatting of a double for CSV and JSON.</summary>
    public static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Quotes a CSV field when needed.</summary>
    public static string CsvField(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    /// <summary>
    /// Runs a library call and speaks of flags in its errors: a user error that begins with a setting's name (as the
    /// library words them, e.g. "budget and seeds must be at least 1") gets the command's flag instead.
    /// </summary>
    public static T WithFlags<T>(IReadOnlyDictionary<string, string> flags, Func<T> body)
    {
        try { return body(); }
        catch (NagUserException e)
        {
            foreach (var (setting, flag) in flags.OrderByDescending(kv => kv.Key.Length))
                if (e.Message.StartsWith(setting + " ", StringComparison.Ordinal) || e.Message == setting)
                    throw new NagUserException(flag + e.Message[setting.Length..], e);
            throw;
        }
    }
}
