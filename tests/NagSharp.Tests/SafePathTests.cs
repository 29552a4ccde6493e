namespace NagSharp.Tests;

public class SafePathTests
{
    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../../x")]
    [InlineData("..")]
    [InlineData("a/b\\c")]
    [InlineData("")]
    [InlineData("x\0y")]
    public void Hostile_names_stay_one_component_under_the_root(string name)
    {
        string root = Path.Combine(Path.GetTempPath(), "safe-root");
        string path = Path.GetFullPath(SafePath.Under(root, name));
        Assert.Equal(Path.GetFullPath(root), Path.GetDirectoryName(path));
        string file = Path.GetFileName(path);
        Assert.False(file.StartsWith('.'), file);
        Assert.DoesNotContain('/', file);
        Assert.DoesNotContain('\\', file);
    }

    [Fact]
    public void Ordinary_names_are_kept_and_changed_names_stay_distinct()
    {
        Assert.Equal("cifar10_valid_acc200", SafePath.Part("cifar10_valid_acc200"));
        Assert.NotEqual(SafePath.Part("a/b"), SafePath.Part("a\\b"));
        Assert.True(SafePath.Part(new string('x', 500)).Length <= SafePath.MaxPart + 9);
    }

    [Fact]
    public void Shorten_quotes_a_prefix_of_a_huge_input()
    {
        string s = SafePath.Shorten(new string('9', 10_000));
        Assert.True(s.Length < 100);
        Assert.Contains("10000 characters", s);
    }
}
