namespace NagSharp.Tests;

public class GuardTests
{
    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_values_are_refused_naming_the_setting(double v)
    {
        var e = Assert.Throws<NagUserException>(() => Guard.Finite(v, "guidance scale"));
        Assert.StartsWith("guidance scale", e.Message);
        Assert.Throws<NagUserException>(() => Guard.Positive(v, "x"));
        Assert.Throws<NagUserException>(() => Guard.InRange(v, 0, 1, "x"));
    }

    [Fact]
    public void Ranges_are_inclusive()
    {
        Assert.Equal(0.0, Guard.InRange(0.0, 0, 1, "x"));
        Assert.Equal(1.0, Guard.InRange(1.0, 0, 1, "x"));
        Assert.Throws<NagUserException>(() => Guard.InRange(1.5, 0, 1, "x"));
        Assert.Throws<NagUserException>(() => Guard.Positive(0, "n"));
        Assert.Equal(0.0, Guard.NonNegative(0.0, "x"));
    }
}
