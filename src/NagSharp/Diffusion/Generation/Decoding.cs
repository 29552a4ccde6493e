using System.Text.Json.Serialization;

namespace NagSharp.Diffusion;

/// <summary>How a free topology's edges are read at the end of sampling (both engines).</summary>
[JsonConverter(typeof(KebabEnumConverter<EdgeDecoding>))]
public enum EdgeDecoding
{
    /// <summary>Each node's inputs picked jointly, with an in-degree the training graphs show for its symbol
    /// (<see cref="InDegreeProjection"/>); the default.</summary>
    InDegree,
    /// <summary>Every pair on its own (sampled by the discrete engine, thresholded by the score engine as DiffusionNAG does).</summary>
    Independent,
}

/// <summary>How the score engine reads node slots on a free topology.</summary>
[JsonConverter(typeof(KebabEnumConverter<SlotDecoding>))]
public enum SlotDecoding
{
    /// <summary>Slots the training graphs always fill together read as one choice among the combinations the data
    /// shows (<see cref="CoupledSlots"/>); the default.</summary>
    Coupled,
    /// <summary>Every slot read on its own, by DiffusionNAG's rule.</summary>
    Independent,
}
