using System.Text;

namespace NagSharp.Benchmarks;

/// <summary>
/// Minimal RFC 4180 reader: comma-separated fields, double-quoted fields may hold commas, quotes ("")
/// and newlines. Yields each record with the 1-based line number it starts on, for error messages.
/// </summary>
public static class Csv
{
    /// <summary>Reads every record of <paramref name="path"/>; throws <see cref="NagDataException"/> on an unterminated quote.</summary>
    public static IEnumerable<(int Line, string[] Fields)> Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        int line = 0;
        string? text;
        while ((text = reader.ReadLine()) != null)
        {
            line++;
            int start = line;
            if (text.Length == 0 && reader.Peek() < 0) yield break; // trailing newline at end of file
            var fields = new List<string>();
            var field = new StringBuilder();
            bool quoted = false;
            int i = 0;
            while (true)
            {
                if (i >= text.Length)
                {
                    if (!quoted) { fields.Add(field.ToString()); break; }
                    text = reader.ReadLine() ?? throw new NagDataException($"{path}:{start}: unterminated quoted field");
                    line++;
                    field.Append('\n');
                    i = 0;
                    continue;
                }
                char ch = text[i];
                if (quoted)
                {
                    if (ch == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        quoted = false; i++; continue;
                    }
                    field.Append(ch); i++;
                }
                else if (ch == '"' && field.Length == 0) { quoted = true; i++; }
                else if (ch == ',') { fields.Add(field.ToString()); field.Clear(); i++; }
                else { field.Append(ch); i++; }
            }
            if (fields.Count > 0 && fields[^1].EndsWith('\r')) fields[^1] = fields[^1].TrimEnd('\r');
            yield return (start, fields.ToArray());
        }
    }
}
