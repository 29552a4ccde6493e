using NagSharp.Spaces;
using static TorchSharp.torch;

namespace NagSharp.Diffusion.Score;

/// <summary>
/// Entries of the one-hot rows that a slot can never hold (an edge symbol in a node slot of the edge-token view, a node
/// symbol in an edge token) are known in advance: their clean value is -1. The score engine keeps them at their noised
/// mean instead of diffusing them, leaves them out of the loss and out of the score, so the network spends its capacity
/// on the choices that exist. Inpainting with a known part, except that the known part is the same for every graph.
/// </summary>
public sealed class SymbolPins : IDisposable
{
    private readonly Tensor _allowed;   // [1, N, F], 1 where the slot can hold the symbol
    private readonly double _share;     // allowed entries / all entries

    private SymbolPins(bool[,] allowed)
    {
        int n = allowed.GetLength(0), f = allowed.GetLength(1);
        var flat = new float[n * f];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < f; k++) flat[i * f + k] = allowed[i, k] ? 1f : 0f;
        _allowed = tensor(flat, [1, n, f]);
        _share = flat.Average();
    }

    /// <summary>Pins for <paramref name="space"/>'s score-engine view, or null when every slot can hold every symbol.</summary>
    public static SymbolPins? For(ISearchSpace space) => space is EdgeTokenSpace tokens ? new SymbolPins(tokens.AllowedSymbols()) : null;

    /// <summary>Where the slot can hold the symbol (1) or not (0), [1, N, F].</summary>
    public Tensor Allowed => _allowed;

    /// <summary>Puts the pinned entries of x [B, N, F] at the noised mean of -1 at a marginal mean coefficient
    /// <paramref name="mean"/> (a number, or a [B, 1, 1] tensor).</summary>
    public Tensor Pin(Tensor x, Tensor mean) => x * _allowed - (1 - _allowed) * mean;

    /// <inheritdoc cref="Pin(Tensor, Tensor)"/>
    public Tensor Pin(Tensor x, double mean) => x * _allowed - (1 - _allowed) * mean;

    /// <summary>Zeroes the pinned entries of a score or noise [B, N, F].</summary>
    public Tensor Free(Tensor x) => x * _allowed;

    /// <summary>Mean of <paramref name="perEntry"/> [B, N, F] over the free entries only.</summary>
    public Tensor FreeMean(Tensor perEntry) => (perEntry * _allowed).mean() / _share;

    /// <inheritdoc />
    public void Dispose() => _allowed.Dispose();
}
