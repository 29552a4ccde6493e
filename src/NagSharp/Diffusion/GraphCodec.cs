using NagSharp.Graphs;
using NagSharp.Spaces;
using static TorchSharp.torch;

namespace NagSharp.Diffusion;

/// <summary>One decoded sample: the architecture when valid, else the reason it is not.</summary>
/// <param name="Arch">The decoded architecture, or null.</param>
/// <param name="Reason">Why the sample is invalid, or null.</param>
/// <param name="Graph">The raw sampled graph before decoding, when the engine produces one.</param>
public sealed record DecodedSample(Arch? Arch, string? Reason, ArchGraph? Graph = null)
{
    /// <summary>True when the sample decodes to a member of the space.</summary>
    public bool Valid => Arch is not null;
}

/// <summary>
/// Converts between architectures and the continuous node tensors the score engine diffuses: one-hot rows
/// scaled to {-1, +1} (x -&gt; 2x - 1), shape [B, N, F].
/// </summary>
public static class GraphCodec
{
    /// <summary>Encodes architectures as [B, N, F] in {-1, +1}.</summary>
    public static Tensor Encode(ISearchSpace space, IReadOnlyList<Arch> archs)
    {
        int n = space.MaxNodes, f = space.NodeVocabulary.Count;
        var data = new float[archs.Count * n * f];
        for (int b = 0; b < archs.Count; b++)
        {
            var oneHot = space.Encode(archs[b]).OneHot(f);
            for (int k = 0; k < oneHot.Length; k++) data[b * n * f + k] = 2f * oneHot[k] - 1f;
        }
        return tensor(data, dtype: ScalarType.Float32).view(archs.Count, n, f);
    }

    /// <summary>
    /// Decodes samples the DiffusionNAG way: after inverse scaling (x + 1) / 2, a valid sample has exactly one entry
    /// above 0.5 in every node row; the argmax graph must then decode through the space (input/output in place).
    /// Spaces with an all-zero row for an absent node accept rows with no entry above 0.5 as absent.
    /// </summary>
    public static DecodedSample[] Decode(ISearchSpace space, Tensor samples, bool[,]? adjacency = null) =>
        Decode(space, ToArray(samples), adjacency);

    /// <summary>The samples [B, N, F] as a flat float array (B * N * F), read once on the CPU.</summary>
    public static float[] ToArray(Tensor samples)
    {
        using (NewDisposeScope()) return samples.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    /// <summary><see cref="Decode(ISearchSpace, Tensor, bool[,])"/> of samples already read into a flat array [B * N * F].</summary>
    public static DecodedSample[] Decode(ISearchSpace space, float[] x, bool[,]? adjacency = null)
    {
        int n = space.MaxNodes, f = space.NodeVocabulary.Count;
        int count = x.Length / (n * f);
        var adj = adjacency ?? space.FixedAdjacency ?? throw new InvalidOperationException($"{space.Name} has no fixed adjacency; pass one");
        var result = new DecodedSample[count];
        for (int b = 0; b < count; b++)
        {
            var types = new int[n];
            string? reason = null;
            for (int i = 0; i < n && reason is null; i++)
            {
                int above = 0, arg = -1;
                for (int k = 0; k < f; k++)
                    if ((x[(b * n + i) * f + k] + 1f) / 2f > 0.5f) { above++; arg = k; }
                if (above == 1) types[i] = arg;
                else if (above == 0 && space.FixedAdjacency is null) types[i] = -1;
                else reason = $"node {i} has {above} entries above 0.5";
            }
            if (reason is not null) { result[b] = new DecodedSample(null, reason); continue; }
            var arch = space.TryDecode(new ArchGraph(types, (bool[,])adj.Clone()), out reason);
            result[b] = new DecodedSample(arch, reason);
        }
        return result;
    }
}
