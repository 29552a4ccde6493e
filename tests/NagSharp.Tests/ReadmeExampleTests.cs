using System.Text.RegularExpressions;

namespace NagSharp.Tests;

/// <summary>The README's C# example is the code in <see cref="ReadmeExample"/>, and that code runs.</summary>
[Collection(TorchCollection.Name)]
public sealed class ReadmeExampleTests
{
    private static string RepoFile(string relative)
    {
        foreach (var root in Benchmarks.DataLocator.RepositoryRoots())
            if (File.Exists(Path.Combine(root, relative))) return Path.Combine(root, relative);
        throw new FileNotFoundException($"{relative} not found above the test directory");
    }

    /// <summary>Lines between <paramref name="start"/> and <paramref name="end"/>, whitespace-normalised, blank lines dropped.</summary>
    private static string[] Between(string text, string start, string end)
    {
        var lines = text.Split('\n');
        int a = Array.FindIndex(lines, l => l.Trim() == start), b = Array.FindIndex(lines, a + 1, l => l.Trim() == end);
        Assert.True(a >= 0 && b > a, $"markers '{start}' ... '{end}' not found");
        return lines[(a + 1)..b].Select(l => Regex.Replace(l.Trim(), @"\s+", " ")).Where(l => l.Length > 0).ToArray();
    }

    [Fact]
    public void ReadmeBlockEqualsTheTestedExample()
    {
        var readme = Between(File.ReadAllText(RepoFile("README.md")), "<!-- example:csharp -->", "<!-- /example -->");
        Assert.True(readme.Length > 2 && readme[0] == "```csharp" && readme[^1] == "```", "the example is one ```csharp block");
        var code = Between(File.ReadAllText(RepoFile(Path.Combine("tests", "NagSharp.Tests", "ReadmeExample.cs"))), "// <readme>", "// </readme>");
        // The README shows the usings the example needs; the test file has them at its top.
        var shown = readme[1..^1].Where(l => !l.StartsWith("using NagSharp", StringComparison.Ordinal)).Select(l => l.Replace("Console.WriteLine", "console.WriteLine", StringComparison.Ordinal)).ToArray();
        Assert.Equal(code, shown);
    }

    [SkippableFact]
    public void ExampleTrainsAGeneratorAndGeneratesGuidedArchitectures()
    {
        TestData.RequireDir();
        var output = new StringWriter();
        var result = ReadmeExample.Run(output);
        Assert.Equal(32, result.Records.Length);
        Assert.All(result.Records, r => Assert.True(r.Valid, r.Reason));
        Assert.Equal(result.Records.Count(r => r.Unique), output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        // Guidance works: more of the generated cells meet the condition than the 10 % of the table that does.
        var top = Diffusion.Guidance.Condition.Parse("cifar10_valid_acc200>=top10%").Evaluate(TestData.Nb201);
        var unique = result.Records.Where(r => r.Unique).Select(r => r.Arch!.ToString()).ToList();
        double met = unique.Count(a => top[a]) / (double)unique.Count;
        Assert.True(met > 0.2, $"{met:P0} of {unique.Count} unique generated cells meet the condition");
    }
}
