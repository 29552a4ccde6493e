using System.Runtime;
using TorchSharp.Modules;

namespace NagSharp;

/// <summary>
/// Optimiser steps with the garbage collector held off. TorchSharp 0.107's optimisers pass their double
/// hyper-parameters to native code as temporary <c>Scalar</c>s that only the finalizer frees. A GC started by another
/// thread (the progress display allocates on its own) can finalize such a Scalar while the native call still reads it:
/// seen as "Expected false to be true" from c10::Scalar::toFloat inside Adam's step during <c>nag search</c>, once the
/// GP surrogate's allocations made collections frequent. No collection starts inside a no-GC region, so the step's
/// Scalars outlive their calls. The region costs nothing measurable beside a step (docs/decisions/0113-optimiser-steps-outside-gc.md).
/// </summary>
public static class TorchGc
{
    // What one step may allocate before the runtime ends the region on its own (then the step simply runs unprotected).
    private const long Budget = 16L << 20;

    // A no-GC region belongs to the process, not the thread: two overlapping steps would let the first one's end
    // uncover the second (whose own start failed). One step at a time keeps every step inside a region.
    private static readonly Lock Gate = new();

    /// <summary>Runs <paramref name="optimizer"/>'s step inside a no-GC region when one can be started.</summary>
    public static void Step(OptimizerHelper optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        lock (Gate) StepAlone(optimizer);
    }

    private static void StepAlone(OptimizerHelper optimizer)
    {
        bool region;
        try { region = GC.TryStartNoGCRegion(Budget); }
        catch (InvalidOperationException) { region = false; }   // another thread holds one: the process is already protected
        try { optimizer.step(); }
        finally
        {
            if (region && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
                try { GC.EndNoGCRegion(); } catch (InvalidOperationException) { }   // the budget ran out and the runtime ended it
        }
    }
}
