using System.Globalization;
using System.Text;
using NagSharp.Spaces;

namespace NagSharp.Networks;

/// <summary>Python every generated PyTorch file ends with: a dependency-free safetensors reader, <c>build()</c> and a
/// <c>__main__</c> that prints the parameter count and the output shape.</summary>
internal static class PyTorchCommon
{
    /// <summary>
    /// A builder's template filled in: the fields every network has (@ARCH@, @CLASSES@, @CHANNELS@, @SIZE@), the
    /// space's own <paramref name="fields"/>, and @LOADER@, the tail for the network class <paramref name="networkClass"/>
    /// (constructible without arguments).
    /// </summary>
    public static string Fill(string template, Arch arch, NetworkOptions options, string networkClass, params (string Key, object Value)[] fields)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(template);
        sb.Replace("@ARCH@", arch.ToString());
        foreach (var (key, value) in fields) sb.Replace(key, Convert.ToString(value, inv));
        sb.Replace("@CLASSES@", options.Classes.ToString(inv));
        sb.Replace("@CHANNELS@", options.InputChannels.ToString(inv));
        sb.Replace("@SIZE@", options.InputSize.ToString(inv));
        sb.Replace("@LOADER@", LoaderTemplate.Replace("@CLASS@", networkClass, StringComparison.Ordinal));
        return sb.ToString();
    }

    private const string LoaderTemplate = """
        def load_safetensors(path):
            # Reads the weights file `nag export --weights` writes (safetensors layout) without extra packages.
            dtypes = {"F32": torch.float32, "I64": torch.int64}
            with open(path, "rb") as f:
                (n,) = struct.unpack("<Q", f.read(8))
                header = json.loads(f.read(n))
                data = f.read()
            state = {}
            for name, info in header.items():
                if name == "__metadata__":
                    continue
                begin, end = info["data_offsets"]
                state[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=dtypes[info["dtype"]]).reshape(info["shape"])
            return state


        def build(weights=None):
            model = @CLASS@()
            if weights is not None:
                model.load_state_dict(load_safetensors(weights))
            return model.eval()


        if __name__ == "__main__":
            model = build(sys.argv[1] if len(sys.argv) > 1 else None)
            print(sum(p.numel() for p in model.parameters()), "parameters")
            with torch.no_grad():
                print(model(torch.zeros(1, IN_CHANNELS, INPUT_SIZE, INPUT_SIZE)).shape)

        """;
}
