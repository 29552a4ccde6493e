using System.Text;

namespace NagSharp;

/// <summary>
/// File names and paths built from data (column names, task names, space names read from tables or checkpoints).
/// Data must never choose where a file goes: a column named "/etc/x" or "../../x" stays one harmless file name,
/// and every path built here stays under the directory the user named.
/// </summary>
public static class SafePath
{
    /// <summary>Longest file-name part produced from data; longer names keep a hash suffix so they stay distinct.</summary>
    public const int MaxPart = 80;

    /// <summary>
    /// Turns arbitrary text into one file-name component: letters, digits, '-', '_' and '.' are kept, every other
    /// character becomes '_' (so separators and "..", NUL or control characters cannot escape); a leading '.' is
    /// replaced (no hidden files, no "." or ".."); an empty result becomes "_". Names that had to change, or that
    /// are too long, get a short hash of the original so two different inputs never share a file.
    /// </summary>
    public static string Part(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        if (sb.Length == 0 || sb[0] == '.') sb.Insert(0, '_');
        string clean = sb.ToString();
        if (clean == text && clean.Length <= MaxPart) return clean;
        string hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8].ToLowerInvariant();
        if (clean.Length > MaxPart) clean = clean[..MaxPart];
        return $"{clean}-{hash}";
    }

    /// <summary>
    /// <paramref name="root"/> joined with <paramref name="parts"/>, each made safe with <see cref="Part"/>; throws
    /// if the result would still leave <paramref name="root"/> (defence in depth).
    /// </summary>
    public static string Under(string root, params string[] parts)
    {
        string full = Path.GetFullPath(root);
        string path = Path.GetFullPath(Path.Combine([full, .. parts.Select(Part)]));
        string prefix = full.EndsWith(Path.DirectorySeparatorChar) ? full : full + Path.DirectorySeparatorChar;
        if (!path.StartsWith(prefix, StringComparison.Ordinal) && path != full)
            throw new NagUserException($"refusing to write outside '{root}': '{Shorten(string.Join("/", parts))}'");
        return Path.Combine([root, .. parts.Select(Part)]);
    }

    /// <summary>At most <paramref name="max"/> characters of <paramref name="text"/> for an error message.</summary>
    public static string Shorten(string text, int max = 60) =>
        text.Length <= max ? text : text[..max] + $"... ({text.Length} characters)";
}
