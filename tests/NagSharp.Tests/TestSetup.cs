using System.Runtime.CompilerServices;

namespace NagSharp.Tests;

/// <summary>Process-wide settings applied when the test assembly loads, before any test touches TorchSharp.</summary>
internal static class TestSetup
{
    /// <summary>Idle OpenMP workers sleep rather than spin, as in the CLI (see <see cref="OpenMp.PreferPassiveWait"/>).</summary>
    [ModuleInitializer]
    internal static void Init() => OpenMp.PreferPassiveWait();
}
