namespace NagSharp.Experiments;

/// <summary>The experiments' torch thread policy.</summary>
public static class TorchThreads
{
    /// <summary>
    /// Runs torch on one thread until disposed, then restores the previous count. Sampling works on tensors of a few
    /// thousand elements, where a second thread only adds synchronisation: guided discrete sampling took 10.9-11.1 ms
    /// per unique valid cell on one thread against 15.1-17.1 ms on two (idle 2-core machine, <c>nag bench conditional</c>).
    /// The experiments take it at fixed points (the same for every run), so a seed gives the same numbers.
    /// </summary>
    public static IDisposable One()
    {
        int previous = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(1);
        return new Restore(() => TorchSharp.torch.set_num_threads(previous));
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
