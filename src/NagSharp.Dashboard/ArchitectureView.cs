using System.Globalization;
using NagSharp.Diagrams;
using NagSharp.Experiments;
using NagSharp.Networks;
using NagSharp.Spaces;
using TorchSharp;

namespace NagSharp.Dashboard;

/// <summary>What an architecture page shows.</summary>
/// <param name="Space">The search space.</param>
/// <param name="Arch">The architecture.</param>
/// <param name="Canonical">The key shared by every architecture computing the same function.</param>
/// <param name="Svg">The cell drawn as SVG (operation nodes carry the class <c>op-node</c>).</param>
/// <param name="Operations">Operation nodes in the drawing.</param>
/// <param name="TableMetrics">Benchmark table values (empty without data or when the tables lack the architecture).</param>
/// <param name="Costs">Analytic costs of the space's standard network (empty when the space cannot compute them).</param>
/// <param name="Recorded">Trials of this architecture in the store.</param>
public sealed record ArchitectureInfo(ISearchSpace Space, Arch Arch, string Canonical, string Svg, int Operations,
    IReadOnlyDictionary<string, double> TableMetrics, IReadOnlyDictionary<string, double> Costs, IReadOnlyList<ArchTrial> Recorded);

/// <summary>An exported network: the file's bytes, its name and media type.</summary>
/// <param name="Bytes">File contents.</param>
/// <param name="FileName">Suggested download name.</param>
/// <param name="ContentType">Media type.</param>
public sealed record ExportFile(byte[] Bytes, string FileName, string ContentType);

/// <summary>Architecture pages and their downloads: parsing the address, the drawing, metrics and exports.</summary>
public static class ArchitectureView
{
    /// <summary>Download names by format: <c>export.json</c>, <c>export.onnx</c>, <c>export.py</c>.</summary>
    public static readonly IReadOnlyDictionary<string, ExportFormat> Downloads = new Dictionary<string, ExportFormat>(StringComparer.Ordinal)
    {
        ["json"] = ExportFormat.Json, ["onnx"] = ExportFormat.Onnx, ["py"] = ExportFormat.Pytorch,
    };

    // Torch state (seed, threads) is process-wide: one export at a time.
    private static readonly SemaphoreSlim ExportGate = new(1, 1);

    /// <summary>The space and architecture an address names: <see cref="DashboardNotFoundException"/> for an unknown
    /// space, <see cref="ArchFormatException"/> for a string that is no member of it.</summary>
    public static (ISearchSpace Space, Arch Arch) Parse(string space, string key)
    {
        ISearchSpace s;
        try { s = SpaceRegistry.Get(space); }
        catch (NagUserException e) { throw new DashboardNotFoundException(e.Message); }
        // Routing leaves an encoded slash encoded; no architecture string holds a literal "%2F".
        string text = key.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        try { return (s, s.Parse(text)); }
        catch (ArchFormatException) { throw; }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            throw new ArchFormatException($"'{SafePath.Shorten(text)}' is not a {s.Name} architecture ({e.Message})");
        }
    }

    /// <summary>Everything the page of <paramref name="arch"/> shows.</summary>
    public static ArchitectureInfo Describe(StoreView view, ISearchSpace space, Arch arch)
    {
        var diagram = CellDiagrams.Of(space, arch);
        var tables = view.Tables(space);
        IReadOnlyDictionary<string, double> metrics = tables?.MetricsOf(arch) ?? new Dictionary<string, double>();
        IReadOnlyDictionary<string, double> costs;
        try { costs = space.ComputeCosts(arch, new CostOptions()); }
        catch (NagUserException) { costs = new Dictionary<string, double>(); }
        catch (NotSupportedException) { costs = new Dictionary<string, double>(); }
        return new ArchitectureInfo(space, arch, space.CanonicalForm(arch), SvgDiagram.Write(diagram), diagram.OperationCount, metrics, costs,
            view.TrialsOf(space, arch));
    }

    /// <summary>
    /// Exports the space's standard network of <paramref name="arch"/> (weights freshly initialised from seed 0, as
    /// <c>nag export</c> does without <c>--weights</c>). An ONNX model is checked in ONNX Runtime against TorchSharp
    /// first; a model that disagrees is an error, not a download. Written in a private temporary folder, read back and
    /// deleted.
    /// </summary>
    public static async Task<ExportFile> ExportAsync(ISearchSpace space, Arch arch, ExportFormat format, CancellationToken ct)
    {
        await ExportGate.WaitAsync(ct).ConfigureAwait(false);
        var dir = Directory.CreateTempSubdirectory("nagsharp-dashboard-");
        try
        {
            var builder = NetworkRegistry.Get(space);
            var options = builder.OptionsFor(arch, new NetworkOptions(builder.StandardClasses), false);
            torch.manual_seed(0);
            using var net = builder.Build(arch, options);
            string name = NetworkExporter.DefaultPath(space, net, format);
            var r = NetworkExporter.Write(format, space, net, null, null, System.IO.Path.Combine(dir.FullName, name), check: true, seed: 0);
            if (r.MaxAbsDiff is double diff && !(diff <= ExportBench.OnnxTolerance))
                throw new NagDataException(string.Create(CultureInfo.InvariantCulture,
                    $"the ONNX export of {space.Name} {SafePath.Shorten(arch.ToString())} differs from TorchSharp by {diff:E2} (> {ExportBench.OnnxTolerance:E0})"));
            string type = format switch { ExportFormat.Json => "application/json", ExportFormat.Onnx => "application/octet-stream", _ => "text/x-python" };
            return new ExportFile(await File.ReadAllBytesAsync(r.Path, ct).ConfigureAwait(false), name, type);
        }
        finally
        {
            try { dir.Delete(recursive: true); } catch (IOException) { }
            ExportGate.Release();
        }
    }
}
