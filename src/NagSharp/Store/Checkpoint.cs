using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NagSharp.Store;

/// <summary>
/// One file holding everything needed to use or resume a model: a JSON header (kind, configuration, step,
/// metadata) and named binary sections (model weights, EMA weights, optimiser state, RNG state).
/// Layout: magic line, int32 header length, UTF-8 JSON header, int32 section count, then per section a
/// length-prefixed name and a length-prefixed payload, then a trailer: the line "SHA256" and the SHA-256 of every byte
/// before it, so a flipped bit anywhere (weights that would load as NaN, a header field) is refused on load instead of
/// giving wrong output. Files written before the trailer existed end after the last section and still load.
/// Written through a temporary file and a rename.
/// </summary>
public sealed class Checkpoint
{
    private const string Magic = "NAGSHARP-CHECKPOINT v1\n";
    private const string ChecksumMarker = "SHA256\n";
    private const int TrailerLength = 7 + 32;

    /// <summary>Largest section count a checkpoint may declare.</summary>
    private const int MaxSections = 64;

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
        T value;
        try { value = node.Deserialize<T>(Json.SerializerOptions) ?? throw new NagDataException($"{path}: checkpoint field '{field}' is null"); }
        catch (JsonException e) { throw new NagDataException($"{path}: checkpoint field '{field}' is malformed: {e.Message}"); }
        catch (InvalidOperationException e) { throw new NagDataException($"{path}: checkpoint field '{field}' is malformed: {e.Message}"); }
        // Settings records check their ranges here, so an absurd size in a header is refused before anything is built from it.
        if (value is ICheckedSettings settings)
        {
            try { settings.Validate(); }
            catch (NagUserException e) { throw new NagDataException($"{path}: checkpoint field '{field}': {e.Message}"); }
        }
        return value;
    }

    /// <summary>Stores a record in the header.</summary>
    public void Set<T>(string field, T value) => Header[field] = JsonSerializer.SerializeToNode(value, Json.SerializerOptions);

    /// <summary>Returns a section or throws a data error.</summary>
    public byte[] Section(string name, string path) =>
        Sections.TryGetValue(name, out var b) ? b : throw new NagDataException($"{path}: checkpoint lacks section '{name}'");

    /// <summary>Writes the checkpoint atomically.</summary>
    public void Save(string path)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
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
        }
        var body = ms.GetBuffer().AsMemory(0, (int)ms.Length);
        byte[] hash = System.Security.Cryptography.SHA256.HashData(body.Span);
        AtomicFile.WriteStream(path, s =>
        {
            s.Write(body.Span);
            s.Write(Encoding.ASCII.GetBytes(ChecksumMarker));
            s.Write(hash);
        });
    }

    /// <summary>Reads a checkpoint; a missing, truncated or foreign file is a one-line data error naming it.</summary>
    public static Checkpoint Load(string path, string? expectedKind = null)
    {
        if (!File.Exists(path)) throw new NagDataException($"{path}: checkpoint not found");
        try
        {
            byte[] file = File.ReadAllBytes(path);
            using var r = new BinaryReader(new MemoryStream(file, writable: false), Encoding.UTF8);
            var magic = r.ReadBytes(Magic.Length);
            if (Encoding.ASCII.GetString(magic) != Magic) throw new NagDataException($"{path}: not a NagSharp checkpoint (bad magic)");
            int headerLength = r.ReadInt32();
            if (headerLength <= 0 || headerLength > file.Length - r.BaseStream.Position) throw new NagDataException($"{path}: corrupt checkpoint header length {headerLength}");
            byte[] headerBytes = r.ReadBytes(headerLength);
            int count = -1;
            var sections = new List<(string Name, byte[] Bytes)>();
            string? sectionError = null;
            try
            {
                count = r.ReadInt32();
                if (count is < 0 or > MaxSections) sectionError = $"corrupt checkpoint section count {count}";
                for (int i = 0; i < count && sectionError is null; i++)
                {
                    string name = r.ReadString();
                    int length = r.ReadInt32();
                    if (length < 0 || length > file.Length - r.BaseStream.Position) { sectionError = $"checkpoint section '{SafePath.Shorten(name)}' is truncated"; break; }
                    sections.Add((name, r.ReadBytes(length)));
                }
            }
            catch (EndOfStreamException) { sectionError = "checkpoint is truncated"; }
            catch (FormatException) { sectionError = "checkpoint section table is corrupt"; }
            if (sectionError is null) VerifyTrailer(path, file, (int)r.BaseStream.Position);
            else if (HasTrailer(file)) VerifyTrailer(path, file, file.Length - TrailerLength);   // a flipped length: say the file is corrupt
            if (sectionError is not null) throw new NagDataException($"{path}: {sectionError}");
            var header = JsonNode.Parse(headerBytes) as JsonObject ?? throw new NagDataException($"{path}: checkpoint header is not a JSON object");
            string kind = header["kind"] is JsonValue kv && kv.TryGetValue(out string? k) ? k : throw new NagDataException($"{path}: checkpoint header lacks 'kind'");
            if (expectedKind is not null && kind != expectedKind) throw new NagDataException($"{path}: checkpoint holds a {SafePath.Shorten(kind)}, expected a {expectedKind}");
            var ck = new Checkpoint(kind, header);
            foreach (var (name, bytes) in sections) ck.Sections[name] = bytes;
            return ck;
        }
        catch (EndOfStreamException) { throw new NagDataException($"{path}: checkpoint is truncated"); }
        catch (JsonException e) { throw new NagDataException($"{path}: checkpoint header is not valid JSON ({e.Message})"); }
        catch (InvalidOperationException e) { throw new NagDataException($"{path}: checkpoint header is malformed ({e.Message})"); }
    }

    private static bool HasTrailer(byte[] file) =>
        file.Length >= TrailerLength && file.AsSpan(file.Length - TrailerLength, ChecksumMarker.Length).SequenceEqual(Encoding.ASCII.GetBytes(ChecksumMarker));

    // After the last section: nothing (a file from before checksums) or the trailer, whose hash must match.
    private static void VerifyTrailer(string path, byte[] file, int end)
    {
        int rest = file.Length - end;
        if (rest == 0) return;
        if (rest != TrailerLength || !HasTrailer(file))
            throw new NagDataException($"{path}: checkpoint is corrupt ({rest} unexpected bytes after its sections)");
        var stored = file.AsSpan(file.Length - 32);
        var actual = System.Security.Cryptography.SHA256.HashData(file.AsSpan(0, end));
        if (!stored.SequenceEqual(actual))
            throw new NagDataException($"{path}: checkpoint is corrupt (its SHA-256 checksum does not match the contents)");
    }
}
