using System.Text.RegularExpressions;

namespace NagSharp;

/// <summary>
/// A problem with what the user asked for (bad flag, malformed architecture string, unknown column).
/// The CLI prints the message on one line and exits with code 1.
/// </summary>
public class NagUserException(string message, Exception? inner = null) : Exception(ErrorText.Compact(message), inner);

/// <summary>
/// A problem with benchmark data or another input file (missing table, corrupt cell, unreadable checkpoint).
/// The message names the file and, where it applies, the line and column. The CLI exits with code 2.
/// </summary>
public class NagDataException(string message, Exception? inner = null) : Exception(ErrorText.Compact(message), inner);

/// <summary>An architecture string or graph that does not describe a member of the search space.</summary>
public sealed class ArchFormatException(string message) : NagUserException(message);

/// <summary>
/// Keeps error messages to one readable line whatever the input: a message that quotes a 1 MB architecture string or
/// a cell full of digits keeps a short prefix of it (<see cref="SafePath.Shorten"/>), and line breaks become spaces.
/// </summary>
public static partial class ErrorText
{
    /// <summary>Runs of non-blank characters longer than this are shortened.</summary>
    public const int MaxToken = 200;

    /// <summary>Longest message kept whole (many short tokens can still add up).</summary>
    public const int MaxMessage = 1000;

    /// <summary>The message on one line, with every run of more than <see cref="MaxToken"/> non-blank characters shortened.</summary>
    public static string Compact(string message)
    {
        if (message.Length <= MaxToken && message.IndexOfAny(['\r', '\n']) < 0) return message;
        string oneLine = LongToken().Replace(message.ReplaceLineEndings(" "), m => SafePath.Shorten(m.Value, 80));
        return SafePath.Shorten(oneLine, MaxMessage);
    }

    [GeneratedRegex(@"\S{201,}")]
    private static partial Regex LongToken();
}
