using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Networks;

/// <summary>
/// The JSON description of a network: space, architecture (string and typed graph), shape, analytic costs and, for
/// a trained network, the preprocessing its input needs. <see cref="Read"/> gives back the same architecture and shape.
/// </summary>
public static class NetworkSpec
{
    /// <summary>Value of the <c>format</c> field.</summary>
    public const string Format = "nagsharp-network/1";

    /// <summary>The spec as a JSON document.</summary>
    public static string Write(ISearchSpace space, NetworkModule net, DatasetInfo? dataset, string? weightsPath)
    {
        var o = net.Options;
        var graph = space.Encode(net.Arch);
        var costs = space.ComputeCosts(net.Arch, o.ToCostOptions());
        var root = new JsonObject
        {
            ["format"] = Format,
            ["space"] = space.Name,
            ["arch"] = net.Arch.ToString(),
            ["canonical_form"] = space.CanonicalForm(net.Arch),
            ["network"] = JsonSerializer.SerializeToNode(o, Json.SerializerOptions),
            ["parameters"] = net.ParameterCount,
            ["analytic"] = JsonSerializer.SerializeToNode(costs, Json.SerializerOptions),
            ["graph"] = new JsonObject
            {
                ["vocabulary"] = new JsonArray(space.NodeVocabulary.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
                ["nodes"] = new JsonArray(graph.NodeTypes.Select(t => (JsonNode?)JsonValue.Create(t >= 0 ? space.NodeVocabulary[t] : null)).ToArray()),
                ["edges"] = new JsonArray(Edges(graph.Adjacency).Select(e => (JsonNode?)new JsonArray(e.From, e.To)).ToArray()),
            },
        };
        if (dataset is not null)
            root["input"] = new JsonObject
            {
                ["channels"] = dataset.Channels,
                ["size"] = dataset.Size,
                ["source_size"] = dataset.NativeSize,
                ["scale"] = "pixels scaled to [0, 1]; " + (dataset.Format == "folder" ? "images resized to size x size (RGB)" : "zero-padded (centred) to size x size"),
                ["mean"] = JsonSerializer.SerializeToNode(dataset.Mean),
                ["std"] = JsonSerializer.SerializeToNode(dataset.Std),
                ["classes"] = JsonSerializer.SerializeToNode(dataset.ClassNames),
                ["dataset"] = dataset.Source,
            };
        if (weightsPath is not null) root["weights"] = Path.GetFullPath(weightsPath);
        return root.ToJsonString(new JsonSerializerOptions(Json.SerializerOptions) { WriteIndented = true });
    }

    private static IEnumerable<(int From, int To)> Edges(bool[,] a)
    {
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++)
                if (a[i, j]) yield return (i, j);
    }

    /// <summary>
    /// Reads a spec: the space, the architecture (its string; the graph, when present, must decode to the same
    /// architecture) and the network shape. Problems are data errors naming the file and field.
    /// </summary>
    public static (ISearchSpace Space, Arch Arch, NetworkOptions Options) Read(string path)
    {
        if (!File.Exists(path)) throw new NagDataException($"{path}: network spec not found");
        JsonObject root;
        try { root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new NagDataException($"{path}: not a JSON object"); }
        catch (JsonException e) { throw new NagDataException($"{path}: not valid JSON ({e.Message})"); }
        string Field(string name) => root[name] is JsonValue v && v.TryGetValue(out string? s) && s is not null ? s
            : throw new NagDataException($"{path}: field '{name}' is missing or not a string");
        if (Field("format") != Format) throw new NagDataException($"{path}: field 'format' is '{Field("format")}', expected '{Format}'");
        ISearchSpace space;
        try { space = SpaceRegistry.Get(Field("space")); }
        catch (NagUserException e) { throw new NagDataException($"{path}: field 'space': {e.Message}"); }
        Arch arch;
        try { arch = space.Parse(Field("arch")); }
        catch (ArchFormatException e) { throw new NagDataException($"{path}: field 'arch': {e.Message}"); }
        NetworkOptions options;
        try { options = root["network"]?.Deserialize<NetworkOptions>(Json.SerializerOptions) ?? throw new NagDataException($"{path}: field 'network' is missing"); }
        catch (JsonException e) { throw new NagDataException($"{path}: field 'network' is malformed ({e.Message})"); }
        try { options.Validate(); }
        catch (NagUserException e) { throw new NagDataException($"{path}: field 'network': {e.Message}"); }
        if (root["graph"] is JsonObject g) CheckGraph(path, space, arch, g);
        return (space, arch, options);
    }

    private static void CheckGraph(string path, ISearchSpace space, Arch arch, JsonObject g)
    {
        try
        {
            var nodes = g["nodes"]!.AsArray().Select(n => n is null ? -1 : IndexOf(space.NodeVocabulary, n.GetValue<string>())).ToArray();
            if (nodes.Any(n => n == -2)) throw new NagDataException($"{path}: field 'graph.nodes' has a symbol outside the space's vocabulary");
            var adj = new bool[nodes.Length, nodes.Length];
            foreach (var e in g["edges"]!.AsArray())
            {
                var pair = e!.AsArray();
                adj[pair[0]!.GetValue<int>(), pair[1]!.GetValue<int>()] = true;
            }
            var decoded = space.TryDecode(new Graphs.ArchGraph(nodes, adj), out string? reason)
                ?? throw new NagDataException($"{path}: field 'graph' is not a valid {space.Name} architecture ({reason})");
            if (!decoded.Equals(arch)) throw new NagDataException($"{path}: field 'graph' describes {decoded}, field 'arch' {arch}");
        }
        catch (Exception e) when (e is InvalidOperationException or IndexOutOfRangeException or NullReferenceException or FormatException)
        {
            throw new NagDataException($"{path}: field 'graph' is malformed ({e.Message})");
        }
    }

    private static int IndexOf(IReadOnlyList<string> list, string s)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == s) return i;
        return -2;
    }
}

/// <summary>Writes a module's state dict in the safetensors layout (8-byte header length, JSON header, raw little-endian data).</summary>
public static class SafeTensors
{
    /// <summary>
    /// The two files of a PyTorch export asked to go to <paramref name="outPath"/>: the Python source and its weights
    /// beside it. They never share a name: <c>m.safetensors</c> names the weights (source <c>m.py</c>), anything else
    /// names the source (weights: the same name with the extension <c>.safetensors</c>), so the weights can never
    /// overwrite the source they belong to.
    /// </summary>
    public static (string Source, string Weights) PyTorchPaths(string outPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outPath);
        if (Path.GetExtension(outPath).Equals(".safetensors", StringComparison.OrdinalIgnoreCase))
            return (Path.ChangeExtension(outPath, ".py"), outPath);
        return (outPath, Path.ChangeExtension(outPath, ".safetensors"));
    }

    /// <summary>Writes every state-dict entry (float32 and int64) of <paramref name="module"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, nn.Module module, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = new List<(string Name, string DType, long[] Shape, byte[] Bytes)>();
        foreach (var (name, t) in module.state_dict())
        {
            using var cpu = t.detach().cpu().contiguous();
            switch (cpu.dtype)
            {
                case ScalarType.Float32: entries.Add((name, "F32", cpu.shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()).ToArray())); break;
                case ScalarType.Int64: entries.Add((name, "I64", cpu.shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpu.data<long>().ToArray().AsSpan()).ToArray())); break;
                default: throw new NotSupportedException($"state-dict entry {name} has dtype {cpu.dtype}");
            }
        }
        var header = new JsonObject();
        if (metadata is not null)
            header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        long offset = 0;
        foreach (var e in entries)
        {
            header[e.Name] = new JsonObject
            {
                ["dtype"] = e.DType,
                ["shape"] = new JsonArray(e.Shape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + e.Bytes.Length),
            };
            offset += e.Bytes.Length;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - headerBytes.Length % 8) % 8;
        AtomicFile.WriteStream(path, s =>
        {
            using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
            w.Write((ulong)(headerBytes.Length + pad));
            w.Write(headerBytes);
            for (int i = 0; i < pad; i++) w.Write((byte)' ');
            foreach (var e in entries) w.Write(e.Bytes);
        });
    }
}
