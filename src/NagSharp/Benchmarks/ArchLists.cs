using System.Text.Json;
using NagSharp.Spaces;

namespace NagSharp.Benchmarks;

/// <summary>
/// Architecture lists without metrics (<see cref="TableLayout.ArchListPattern"/>): extra, unlabelled training data for
/// generators of spaces too large to enumerate.
/// </summary>
public static class ArchLists
{
    /// <summary>
    /// Every architecture of the space's list files under <paramref name="dataDir"/>, in file order (files sorted by
    /// name); empty when the space declares no lists or its folder has none. A file that is not a JSON array or object of
    /// strings, or an entry that does not parse, is a <see cref="NagDataException"/> naming the file and the entry.
    /// </summary>
    public static IReadOnlyList<Arch> Load(ISearchSpace space, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(space);
        var layout = space.Tables;
        if (layout?.ArchListPattern is not string pattern) return [];
        string folder = Path.Combine(dataDir, layout.Folder);
        if (!Directory.Exists(folder)) return [];
        var result = new List<Arch>();
        foreach (var file in Directory.GetFiles(folder, pattern).OrderBy(f => f, StringComparer.Ordinal))
        {
            JsonDocument doc;
            try { doc = JsonDocument.Parse(File.ReadAllText(file)); }
            catch (JsonException e) { throw new NagDataException($"{file}: not valid JSON ({e.Message})"); }
            using (doc)
            {
                IEnumerable<(string Entry, JsonElement Value)> entries = doc.RootElement.ValueKind switch
                {
                    JsonValueKind.Array => doc.RootElement.EnumerateArray().Select((v, i) => ($"[{i}]", v)),
                    JsonValueKind.Object => doc.RootElement.EnumerateObject().Select(p => ($"\"{p.Name}\"", p.Value)),
                    _ => throw new NagDataException($"{file}: expected a JSON array or object of architecture strings, found {doc.RootElement.ValueKind}"),
                };
                foreach (var (entry, value) in entries)
                {
                    if (value.ValueKind != JsonValueKind.String) throw new NagDataException($"{file}: entry {entry}: expected an architecture string, found {value.ValueKind}");
                    try { result.Add(space.Parse(value.GetString()!)); }
                    catch (ArchFormatException e) { throw new NagDataException($"{file}: entry {entry}: {e.Message}"); }
                }
            }
        }
        return result;
    }
}
