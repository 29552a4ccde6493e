using System.Runtime.InteropServices;

namespace NagSharp;

/// <summary>Process-wide settings for libtorch's native libraries (OpenMP thread pool, oneDNN kernels).</summary>
public static class OpenMp
{
    /// <summary>
    /// Runs when the library is first used, before any torch call of ours: native settings that keep results correct
    /// must not depend on the caller remembering them.
    /// </summary>
#pragma warning disable CA2255 // a library initializer on purpose: the setting must precede the first kernel
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void OnLoad() => CapOneDnnIsa();
#pragma warning restore CA2255

    /// <summary>
    /// Caps oneDNN (libtorch's convolution kernels) at SSE4.1 (<c>DNNL_MAX_CPU_ISA=SSE41</c>) on AMD CPUs with AVX-512,
    /// unless the user chose an ISA. On such a CPU (an AMD EPYC with Zen 5's AVX-512 flags) TorchSharp-cpu 0.107's
    /// oneDNN gave wrong convolutions: with its default kernels an NB201 network on the digits set diverged to NaN at its
    /// second SGD step; capped at AVX2 or AVX it trained, but its outputs still differed from ONNX Runtime's by 9.4e-3;
    /// capped at SSE4.1 every training and export check passed (docs/decisions, "oneDNN kernels on AMD AVX-512").
    /// Other CPUs keep oneDNN's own choice. oneDNN reads the variable lazily, at its first kernel.
    /// </summary>
    public static void CapOneDnnIsa()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") is not null) return;
        if (!AmdWithAvx512()) return;
        try { SetEnv("DNNL_MAX_CPU_ISA", "SSE41", 0); }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }

    private static bool AmdWithAvx512()
    {
        try
        {
            bool amd = false, avx512 = false;
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("vendor_id", StringComparison.Ordinal)) amd |= line.Contains("AuthenticAMD", StringComparison.Ordinal);
                else if (line.StartsWith("flags", StringComparison.Ordinal)) { avx512 |= line.Contains(" avx512f", StringComparison.Ordinal); break; }
            }
            return amd && avx512;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

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
