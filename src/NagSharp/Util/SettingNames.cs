using System.Text.Json;
using System.Text.Json.Serialization;

namespace NagSharp;

/// <summary>
/// Serialises a settings enum by its lower-case, hyphenated name (<c>InDegree</c> as <c>in-degree</c>), the spelling
/// checkpoints and result files have always used, so files written before the enum existed still load.
/// </summary>
/// <typeparam name="T">The enum.</typeparam>
public sealed class KebabEnumConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false)
    where T : struct, Enum;

/// <summary>Text names of settings enums: the one spelling used in files, messages and on the command line.</summary>
public static class SettingNames
{
    /// <summary>The name of <paramref name="value"/> (<c>InDegree</c> -&gt; <c>in-degree</c>).</summary>
    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    /// <summary>Every name of <typeparamref name="T"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Names<T>() where T : struct, Enum => Enum.GetValues<T>().Select(Name).ToArray();

    /// <summary>Parses a name of <typeparamref name="T"/>; a user error naming <paramref name="setting"/> otherwise.</summary>
    public static T Parse<T>(string? text, string setting) where T : struct, Enum
    {
        foreach (var v in Enum.GetValues<T>())
            if (string.Equals(Name(v), text, StringComparison.Ordinal)) return v;
        var names = Names<T>();
        throw new NagUserException(names.Count == 2
            ? $"{setting} must be '{names[0]}' or '{names[1]}', got '{text}'"
            : $"{setting} must be one of {string.Join(", ", names.Select(n => $"'{n}'"))}, got '{text}'");
    }
}
