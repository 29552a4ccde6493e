using System.Runtime.InteropServices;

namespace NagSharp;

/// <summary>Process-wide OpenMP settings for libtorch's thread pool.</summary>
public static class OpenMp
{
    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int SetEnv(string name, string value, int overwrite);

    /// <summary>
    /// Makes idle OpenMP workers sleep instead of spinning (<c>OMP_WAIT_POLICY=PASSIVE</c>) unless the user set a
    /// policy. On a CPU shared with other processes spinning workers steal the cores their peers need: measured with two
    /// threads on a loaded 2-core machine, one training step of an NB201 network took 8.5 s spinning and 1.5 s passive.
    /// Must run before libtorch is loaded (libgomp reads the variable once); later calls change nothing. .NET's own
    /// environment API does not reach the native environment on Unix, hence setenv.
    /// </summary>
    public static void PreferPassiveWait()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return;
        try { SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0); }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }
}
