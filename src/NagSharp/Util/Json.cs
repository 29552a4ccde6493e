using System.Text.Encodings.Web;
using System.Text.Json;

namespace NagSharp;

/// <summary>Shared JSON settings: architecture strings contain '+' and '|', which should stay readable.</summary>
public static class Json
{
    /// <summary>Writer options for every JSON NagSharp prints or saves.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Serializer options matching <see cref="WriterOptions"/>.</summary>
    public static readonly JsonSerializerOptions SerializerOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    /// <summary>Builds one JSON document with a writer and returns it as a string.</summary>
    public static string Write(Action<Utf8JsonWriter> build)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, WriterOptions)) build(w);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
