using NagSharp.Diffusion;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>The one sampling loop: what -n counts, the sample cap, and that batch k keeps its seed whatever n is.</summary>
public class GenerationLoopTests
{
    // A stand-in sampler over NB201 cells: every third sample invalid, and only `distinct` different cells, so repeats
    // are certain. Deterministic in (size, seed) like the real engines.
    private static Func<int, int, IReadOnlyList<DecodedSample>> Sampler(int distinct, List<(int Size, int Seed)> calls)
    {
        var space = SpaceRegistry.Get("nb201");
        var cells = space.Enumerate().Take(distinct).ToArray();
        return (size, seed) =>
        {
            calls.Add((size, seed));
            return Enumerable.Range(0, size).Select(i =>
                (seed * 31 + i) % 3 == 0 ? new DecodedSample(null, "invalid") : new DecodedSample(cells[(seed * 7 + i) % cells.Length], null)).ToList();
        };
    }

    [Fact]
    public void DistinctValidCollectsExactlyNInWholeSeededBatches()
    {
        var calls = new List<(int, int)>();
        var r = GenerationLoop.Run(new GenerateSettings { Count = 10, Batch = 8, Seed = 5, Until = GenerateUntil.DistinctValid }, Sampler(50, calls), []);
        Assert.Equal(10, r.Records.Count(x => x.Unique));
        Assert.True(r.Records[^1].Unique, "samples after the n-th distinct one are dropped");
        Assert.All(calls, c => Assert.Equal(8, c.Item1));                  // whole batches: batch k is the same whatever n
        Assert.Equal(Enumerable.Range(5, calls.Count), calls.Select(c => c.Item2));
    }

    [Fact]
    public void DistinctValidStopsAtTheSampleCap()
    {
        var calls = new List<(int, int)>();
        var r = GenerationLoop.Run(new GenerateSettings { Count = 10, Batch = 8, Until = GenerateUntil.DistinctValid, MaxSamples = 20 }, Sampler(4, calls), []);
        Assert.Equal(20, r.Records.Length);
        Assert.Equal(4, r.Records.Count(x => x.Unique));
        Assert.Equal(10 * GenerateSettings.DefaultCapFactor, new GenerateSettings { Count = 10 }.SampleCap);
    }

    [Fact]
    public void SamplesModeDrawsExactlyN()
    {
        var calls = new List<(int, int)>();
        var r = GenerationLoop.Run(new GenerateSettings { Count = 10, Batch = 8 }, Sampler(4, calls), []);
        Assert.Equal(10, r.Records.Length);
        Assert.Equal([(8, 0), (2, 1)], calls);
    }

    [Fact]
    public void ABadCapIsRefusedByName()
    {
        var e = Assert.Throws<NagUserException>(() => new GenerateSettings { MaxSamples = 0, Until = GenerateUntil.DistinctValid }.Validate());
        Assert.StartsWith("GenerateSettings.MaxSamples", e.Message, StringComparison.Ordinal);
    }
}
