namespace NagSharp;

/// <summary>Writes files through a temporary sibling and a rename, so readers never see a half-written file.</summary>
public static class AtomicFile
{
    /// <summary>Writes text produced by <paramref name="write"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteText(string path, Action<TextWriter> write)
    {
        WriteStream(path, s =>
        {
            using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
            write(w);
        });
    }

    /// <summary>Writes bytes produced by <paramref name="write"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteStream(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string tmp = full + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>
    /// Fails with a one-line user error, before any work starts, when <paramref name="dir"/> cannot become a writable
    /// directory (a file stands on its path, or its nearest existing ancestor refuses new files). Creates nothing:
    /// a probe file is written into the nearest existing directory and removed again.
    /// </summary>
    /// <param name="dir">The output directory (may not exist yet).</param>
    /// <param name="setting">How error messages name the setting (e.g. "output directory").</param>
    public static void RequireWritableDirectory(string dir, string setting = "output directory")
    {
        ArgumentNullException.ThrowIfNull(dir);
        string full;
        try { full = Path.GetFullPath(dir); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        { throw new NagUserException($"{setting} '{dir}' is not a usable path ({e.Message})"); }
        string? existing = full;
        while (existing is not null && !Directory.Exists(existing))
        {
            if (File.Exists(existing))
                throw new NagUserException($"{setting} '{dir}' cannot be created: '{existing}' is a file");
            existing = Path.GetDirectoryName(existing);
        }
        if (existing is null) throw new NagUserException($"{setting} '{dir}' cannot be created: no existing parent directory");
        Probe(existing, dir, setting);
    }

    /// <summary>
    /// Fails with a one-line user error, before any work starts, when the file <paramref name="path"/> could not be
    /// written (its directory cannot be created or refuses new files, or a directory stands on its path). Creates nothing.
    /// </summary>
    /// <param name="path">The output file (may not exist yet).</param>
    /// <param name="setting">How error messages name the setting (e.g. "output file").</param>
    public static void RequireWritableFile(string path, string setting = "output file")
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) throw new NagUserException($"{setting} '{path}' is a directory");
        string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is not null) RequireWritableDirectory(parent, setting + "'s directory");
    }

    private static void Probe(string existing, string dir, string setting)
    {
        string probe = Path.Combine(existing, $".nag-write-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NagUserException($"{setting} '{dir}' is not writable ({e.Message})");
        }
        finally { try { File.Delete(probe); } catch (IOException) { } catch (UnauthorizedAccessException) { } }
    }
}
