using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>
/// The C# example of README.md, kept here so it compiles and runs (<see cref="ReadmeExampleTests"/>): the lines between
/// the <c>readme</c> markers must equal the README's block, whitespace aside.
/// </summary>
public static class ReadmeExample
{
    /// <summary>Runs the example, writing to <paramref name="console"/>; returns the generation result it printed.</summary>
    public static GenerationResult Run(TextWriter console)
    {
        // <readme>
        var space = SpaceRegistry.Get("nb201");
        var data = BenchmarkData.Load(space, DataLocator.Resolve());   // $NAGSHARP_DATA or ../shared/data

        // Label every cell with a condition (2: met, 1: not met) and train a tiny discrete (DiNAS) generator on them.
        var condition = Condition.Parse("cifar10_valid_acc200>=top10%");
        var labelled = condition.Evaluate(data).Select(kv => new LabelledArch(kv.Key, [kv.Value ? (byte)2 : (byte)1])).ToList();
        var settings = new GeneratorSettings(GeneratorKind.Discrete, Preset: "tiny", Train: new TrainConfig(Steps: 300, Batch: 64));
        using var generator = ArchGenerators.Create(space, settings, conditions: [condition.Text], labelled: labelled);
        generator.TrainToEnd();

        // Ask for the condition: classifier-free guidance at the default weight.
        var result = generator.Generate(new GenerateSettings { Count = 32, Seed = 0, Sampler = new SamplerConfig(Steps: 20), Conditions = [condition.Text] });
        foreach (var arch in result.ValidArchs.Distinct())
            console.WriteLine($"{arch}  test accuracy {data.Get(arch, "cifar10_test_acc200"):F2}");
        // </readme>
        return result;
    }
}
