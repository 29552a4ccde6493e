using System.Text.Json;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>Samples files as <c>nag generate --out</c> writes them: one JSON object per line with an <c>arch</c> field
/// (null for an invalid sample).</summary>
public static class SampleFile
{
    /// <summary>The architectures of a samples file, in file order, and the count of null ones. Anything else is a data
    /// error naming the line.</summary>
    public static (List<Arch> Archs, int Invalid) Read(ISearchSpace space, string path)
    {
        if (!File.Exists(path)) throw new NagDataException($"{path}: not found");
        var list = new List<Arch>();
        int invalid = 0, line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            if (raw.Trim().Length == 0) continue;
            try
            {
                using var doc = JsonDocument.Parse(raw);
                if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("arch", out var a))
                    throw new NagDataException($"{path}:{line}: no \"arch\" field");
                if (a.ValueKind == JsonValueKind.Null) { invalid++; continue; }
                if (a.ValueKind != JsonValueKind.String) throw new NagDataException($"{path}:{line}: \"arch\" is not a string");
                list.Add(space.Parse(a.GetString()!));
            }
            catch (JsonException e) { throw new NagDataException($"{path}:{line}: not JSON ({e.Message})"); }
            catch (ArchFormatException e) { throw new NagDataException($"{path}:{line}: {e.Message}"); }
        }
        return (list, invalid);
    }

    /// <summary>
    /// Writes every sample of <paramref name="result"/> as one JSON line (through a temp file and rename): its
    /// architecture (null when invalid), the valid/unique/novel flags, the reason an invalid one failed, and the
    /// <paramref name="reports"/> columns the tables know for it.
    /// </summary>
    public static void Write(string path, Diffusion.Score.GenerationResult result, IReadOnlyList<string> reports, Benchmarks.BenchmarkData? data)
    {
        AtomicFile.WriteText(path, w =>
        {
            foreach (var r in result.Records)
                w.WriteLine(Json.Write(j =>
                {
                    j.WriteStartObject();
                    if (r.Arch is null) j.WriteNull("arch"); else j.WriteString("arch", r.Arch.ToString());
                    j.WriteBoolean("valid", r.Valid);
                    j.WriteBoolean("unique", r.Unique);
                    j.WriteBoolean("novel", r.Novel);
                    if (r.Reason is not null) j.WriteString("reason", r.Reason);
                    if (r.Arch is not null && data is not null)
                        foreach (var c in reports)
                            if (data.Get(r.Arch, c) is double v) j.WriteNumber(c, v);
                    j.WriteEndObject();
                }));
        });
    }
}
