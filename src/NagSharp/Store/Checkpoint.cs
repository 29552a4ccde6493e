using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NagSharp.Store;

/// <summary>
/// One file holding everything needed to use or resume a model: a JSON header (kind, configuration, step,
/// metadata) and named binary sections (model weights, EMA weights, optimiser state, RNG state).
/// Layout: magic line, int32 header length, UTF-8 JSON header, int32 section count, then per section a
/// length-prefixed name and a length-prefixed payload. Written through a temporary file and a rename.
/// </summary>
public sealed class Checkpoint
{
    private const string Magic = "NAGSHARP-CHECKPOINT v1\n";

    /// <summary>What the checkpoint holds, e.g. <c>generator</c> or <c>predictor</c>.</summary>
    public string Kind { get; }

    /// <summary>Free-form JSON header (configuration, step, training-set description...).</summary>
    public JsonObject Header { get; }

    /// <summary>Named binary sections.</summary>
    public Dictionary<string, byte[]> Sections { get; } = new(StringComparer.Ordinal);

    /// <summary>Creates an empty checkpoint of a kind.</summary>
    public Checkpoint(string kind, JsonObject? header = null)
    {
        Kind = kind;
        Header = header ?? new JsonObject();
        Header["kind"] = kind;
    }

    /// <summary>Deserializes a header property into a record; throws a data error naming the file and field.</summary>
    public T Get<T>(string field, string path)
    {
        if (Header[field] is not JsonNode node) throw new NagDataException($"{path}: checkpoint header lacks field '{field}'");
        try { return node.Deserialize<T>(Json.SerializerOptions) ?? throw new NagDataException($"{path}: checkpoint field '{field}' is null"); }
        catch (JsonException e) { throw new NagDataException($"{path}: checkpoint field '{field}' is malformed: {e.Message}"); }
    }

    /// <summary>Stores a record in the header.</summary>
    public void Set<T>(string field, T value) => Header[field] = JsonSerializer.SerializeToNode(value, Json.SerializerOptions);

    /// <summary>Returns a section or throws a data error.</summary>
    public byte[] Section(string name, string path) =>
        Sections.TryGetValue(name, out var b) ? b : throw new NagDataException($"{path}: checkpoint lacks section '{name}'");

    /// <summary>Writes the checkpoint atomically.</summary>
    public void Save(string path)
    {
        AtomicFile.WriteStream(path, s =>
        {
            using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
            w.Write(Encoding.ASCII.GetBytes(Magic));
            byte[] header = Encoding.UTF8.GetBytes(Header.ToJsonString(Json.SerializerOptions));
            w.Write(header.Length);
            w.Write(header);
            w.Write(Sections.Count);
            foreach (var (name, bytes) in Sections)
            {
                w.Write(name);
                w.Write(bytes.Length);
                w.Write(bytes);
            }
        });
    }

    /// <summary>Reads a checkpoint; a missing, truncated or foreign file is a one-line data error naming it.</summary>
    public static Checkpoint Load(string path, string? expectedKind = null)
    {
        if (!File.Exists(path)) throw new NagDataException($"{path}: checkpoint not found");
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            var magic = r.ReadBytes(Magic.Length);
            if (Encoding.ASCII.GetString(magic) != Magic) throw new NagDataException($"{path}: not a NagSharp checkpoint (bad magic)");
            int headerLength = r.ReadInt32();
            if (headerLength <= 0 || headerLength > r.BaseStream.Length) throw new NagDataException($"{path}: corrupt checkpoint header length {headerLength}");
            var header = JsonNode.Parse(r.ReadBytes(headerLength)) as JsonObject ?? throw new NagDataException($"{path}: checkpoint header is not a JSON object");
            string kind = header["kind"]?.GetValue<string>() ?? throw new NagDataException($"{path}: checkpoint header lacks 'kind'");
            if (expectedKind is not null && kind != expectedKind) throw new NagDataException($"{path}: checkpoint holds a {kind}, expected a {expectedKind}");
            var ck = new Checkpoint(kind, header);
            int count = r.ReadInt32();
            if (count is < 0 or > 64) throw new NagDataException($"{path}: corrupt checkpoint section count {count}");
            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                int length = r.ReadInt32();
                if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position) throw new NagDataException($"{path}: checkpoint section '{name}' is truncated");
                ck.Sections[name] = r.ReadBytes(length);
            }
            return ck;
        }
        catch (EndOfStreamException) { throw new NagDataException($"{path}: checkpoint is truncated"); }
        catch (JsonException e) { throw new NagDataException($"{path}: checkpoint header is not valid JSON ({e.Message})"); }
    }
}
