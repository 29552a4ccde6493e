using System.Text.RegularExpressions;

namespace NagSharp.Spaces;

/// <summary>
/// The spaces NagSharp knows, by name: the built-in ones, then any a program adds with <see cref="Register"/>. Everything
/// that turns a name into a space goes through <see cref="Get"/> (generator and predictor checkpoints, which name their
/// space; exported network specs; the benchmark tables), so a registered space is found wherever a built-in one is.
/// Names are compared ignoring case.
/// </summary>
public static partial class SpaceRegistry
{
    private static readonly Lock Gate = new();

    // Replaced as a whole under Gate and read without it: readers always see a complete list.
    private static ISearchSpace[] _all = [new Nb201Space(), new Nb101Space(), new TnbMicroSpace(), new TnbMacroSpace(), new Nb301Space(), new AnbSpace(), new NlpSpace(), new OfaSpace()];

    /// <summary>Every registered space, built-in ones first, then in registration order.</summary>
    public static IReadOnlyList<ISearchSpace> Spaces => Volatile.Read(ref _all);

    /// <summary>Looks a space up by name; throws a user error listing the known names.</summary>
    public static ISearchSpace Get(string name)
    {
        var all = Volatile.Read(ref _all);
        return all.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new NagUserException($"unknown search space '{name}' (known: {string.Join(", ", all.Select(s => s.Name))})");
    }

    /// <summary>
    /// Adds a space of your own, so that it can be looked up by name like the built-in ones: a generator trained on it
    /// saves its name in the checkpoint, and loading the checkpoint finds the space here. Register it once at start-up,
    /// before loading anything that names it (registration lasts for the process). The name must be new (ignoring case)
    /// and made of letters, digits, <c>_</c>, <c>-</c> and <c>.</c>, starting with a letter or digit, since it ends up in
    /// checkpoints and file names.
    /// </summary>
    /// <param name="space">The space; its <see cref="ISearchSpace.Name"/> is read once, here.</param>
    /// <exception cref="ArgumentNullException"><paramref name="space"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is taken or malformed.</exception>
    /// <example>
    /// <code>
    /// SpaceRegistry.Register(new ChainSpace());            // e.g. a SearchSpace&lt;ChainArch&gt; of your own
    /// var space = SpaceRegistry.Get("chain4");
    /// var training = space.Enumerate().Select(a =&gt; a.ToString()).ToList();
    /// using var generator = new ScoreGenerator(space, new SdeConfig(), new NetworkConfig(), new TrainConfig(Steps: 200), training);
    /// generator.TrainToEnd();
    /// generator.Save("chain4.ckpt");
    /// using var loaded = ScoreGenerator.Load("chain4.ckpt");   // finds "chain4" through the registry
    /// </code>
    /// </example>
    public static void Register(ISearchSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        string? name = space.Name;
        if (name is null || !NamePattern().IsMatch(name))
            throw new ArgumentException($"cannot register space {space.GetType().Name}: its name '{name}' must be 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit", nameof(space));
        lock (Gate)
        {
            if (_all.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)) is { } taken)
                throw new ArgumentException($"cannot register space {space.GetType().Name}: the name '{name}' is already taken by {taken.GetType().Name} (names are compared ignoring case)", nameof(space));
            Volatile.Write(ref _all, [.. _all, space]);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex NamePattern();
}
