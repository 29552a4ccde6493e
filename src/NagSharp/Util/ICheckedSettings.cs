namespace NagSharp;

/// <summary>
/// A settings record that checks its own values (ranges, and caps on sizes that would ask for absurd allocations).
/// Checkpoints check every such record they read, so a corrupt or hand-edited header is refused with the file and
/// field named before any network is built from it.
/// </summary>
public interface ICheckedSettings
{
    /// <summary>Throws a <see cref="NagUserException"/> naming the first value out of range.</summary>
    void Validate();
}
