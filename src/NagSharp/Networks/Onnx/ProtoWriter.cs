using System.Buffers.Binary;
using System.Text;

namespace NagSharp.Networks.Onnx;

/// <summary>
/// Minimal protocol-buffers encoder (varint, 32-bit and length-delimited wire types): all the ONNX model file needs.
/// Hand-written rather than generated so the build needs no protoc; field numbers are onnx.proto's.
/// </summary>
public sealed class ProtoWriter
{
    private readonly MemoryStream _stream = new();

    /// <summary>The encoded message.</summary>
    public byte[] ToArray() => _stream.ToArray();

    private void Varint(ulong v)
    {
        while (v >= 0x80)
        {
            _stream.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        _stream.WriteByte((byte)v);
    }

    private void Tag(int field, int wireType) => Varint((ulong)(((uint)field << 3) | (uint)wireType));

    /// <summary>An int64/int32/enum field (negative values sign-extend to ten bytes, as protobuf requires).</summary>
    public ProtoWriter Int(int field, long value)
    {
        Tag(field, 0);
        Varint(unchecked((ulong)value));
        return this;
    }

    /// <summary>A float field (fixed32).</summary>
    public ProtoWriter Float(int field, float value)
    {
        Tag(field, 5);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, value);
        _stream.Write(b);
        return this;
    }

    /// <summary>A bytes field.</summary>
    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2);
        Varint((ulong)value.Length);
        _stream.Write(value);
        return this;
    }

    /// <summary>A string field (UTF-8).</summary>
    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>An embedded message field.</summary>
    public ProtoWriter Message(int field, Action<ProtoWriter> build)
    {
        var inner = new ProtoWriter();
        build(inner);
        return Bytes(field, inner.ToArray());
    }
}
