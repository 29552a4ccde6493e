using NagSharp.Diffusion;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Search;

/// <summary>
/// What model-based strategies need beyond the space and seed. Generators and priors are made lazily (only when a
/// strategy that uses them runs) and shared by all seeds: they are only read.
/// </summary>
public sealed record StrategyOptions
{
    /// <summary>Surrogate and acquisition settings of the BO strategies.</summary>
    public BoConfig Bo { get; init; } = new();
    /// <summary>Generation settings of generator BO and transfer.</summary>
    public GeneratorBoConfig GeneratorBo { get; init; } = new();
    /// <summary>Supplies the generator (generator-bo, transfer): score engine or discrete engine.</summary>
    public Func<IArchGenerator>? Generator { get; init; }
    /// <summary>Supplies the prior pre-trained on other columns (transfer).</summary>
    public Func<TransferPrior>? Transfer { get; init; }
}
