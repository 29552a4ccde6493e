using System.Buffers.Binary;
using System.Text.Json;

namespace NagSharp.Models;

/// <summary>Reads safetensors files (little-endian float32 tensors only), validating header, dtypes and offsets.</summary>
public static class SafeTensors
{
    /// <summary>Every tensor of the file by name: shape and float32 values. Problems are <see cref="NagDataException"/>s
    /// naming the file and the tensor.</summary>
    public static Dictionary<string, (long[] Shape, float[] Data)> Read(string path)
    {
        if (!File.Exists(path)) throw new NagDataException($"{path}: file not found");
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new NagDataException($"{path}: {bytes.Length} bytes, too short for a safetensors header");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8)) throw new NagDataException($"{path}: header length {headerLength} exceeds the file ({bytes.Length} bytes)");
        int dataStart = 8 + (int)headerLength;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength)); }
        catch (JsonException e) { throw new NagDataException($"{path}: header is not valid JSON ({e.Message})"); }
        var result = new Dictionary<string, (long[], float[])>(StringComparer.Ordinal);
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new NagDataException($"{path}: header is not a JSON object");
            foreach (var t in doc.RootElement.EnumerateObject())
            {
                if (t.Name == "__metadata__") continue;
                string where = $"{path}: tensor '{t.Name}'";
                if (!t.Value.TryGetProperty("dtype", out var dtype) || dtype.GetString() != "F32")
                    throw new NagDataException($"{where}: dtype {(t.Value.TryGetProperty("dtype", out var d) ? d.ToString() : "missing")}, only F32 is supported");
                if (!t.Value.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
                    || !t.Value.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
                    throw new NagDataException($"{where}: missing shape or data_offsets");
                long[] shape = shapeEl.EnumerateArray().Select(x => x.TryGetInt64(out long v) && v >= 0 ? v : throw new NagDataException($"{where}: bad shape")).ToArray();
                long begin = offEl[0].GetInt64(), end = offEl[1].GetInt64();
                long count = shape.Aggregate(1L, (a, b) => a * b);
                if (begin < 0 || end < begin || dataStart + end > bytes.Length) throw new NagDataException($"{where}: data offsets [{begin}, {end}) lie outside the file");
                if (end - begin != 4 * count) throw new NagDataException($"{where}: {end - begin} bytes for shape [{string.Join(", ", shape)}] ({4 * count} expected)");
                var data = new float[count];
                for (long i = 0; i < count; i++)
                    data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + begin + 4 * i), 4));
                if (data.Any(v => !float.IsFinite(v))) throw new NagDataException($"{where}: holds NaN or infinite values");
                result[t.Name] = (shape, data);
            }
        }
        return result;
    }
}
