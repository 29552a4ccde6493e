namespace NagSharp.Tests;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    /// <summary>Full path of the directory.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nagsharp-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>Creates the directory.</summary>
    public TempDir() => Directory.CreateDirectory(Path);

    /// <summary>A path inside the directory (sub-folders are created).</summary>
    public string File(params string[] parts)
    {
        string p = System.IO.Path.Combine([Path, .. parts]);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        return p;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Checkpoints as older builds wrote them.</summary>
public static class OldCheckpoints
{
    /// <summary>Loads the score generator at <paramref name="path"/> after removing header <paramref name="field"/> from
    /// the file, as a checkpoint written before that field existed.</summary>
    public static NagSharp.Diffusion.Score.ScoreGenerator LoadWithout(string path, string field)
    {
        var ck = NagSharp.Store.Checkpoint.Load(path);
        ck.Header.Remove(field);
        ck.Save(path);
        return NagSharp.Diffusion.Score.ScoreGenerator.Load(path);
    }
}
