using NagSharp.Benchmarks;
using NagSharp.Networks;
using NagSharp.Spaces;

namespace NagSharp.Evaluation;

/// <summary>What <see cref="Evaluators.Create"/> needs beyond the space.</summary>
/// <param name="Name">An evaluator name, or several joined by <c>+</c> (a composite: <c>model+latency</c>).</param>
/// <param name="DataDir">Benchmark data directory (null: the default lookup).</param>
/// <param name="ExtraTables">Extra metric tables loaded beside the space's own.</param>
/// <param name="Columns">Columns the search needs (objective, report, constraints): the ones a table surrogate is fitted
/// for (a surrogate per column costs a fit, so only these are made).</param>
/// <param name="Predictor">The OFA accuracy predictor (null: the data directory's <c>ofa_mbv3/acc_predictor.safetensors</c>).</param>
/// <param name="Seed">Seed of the surrogates' fit and the latency networks' weights: fixed per search, so every strategy
/// and seed asks the same oracle.</param>
/// <param name="Network">Network shape the latency evaluator times (null: the space's standard network).</param>
/// <param name="Meter">How the latency evaluator times (null: <c>nag latency</c>'s defaults).</param>
/// <param name="Train">The train evaluator's dataset and training settings (required by it, refused by the others).</param>
public sealed record EvaluatorSettings(string Name = "table", string? DataDir = null, IReadOnlyList<string>? ExtraTables = null,
    IReadOnlyList<string>? Columns = null, string? Predictor = null, int Seed = 0, NetworkOptions? Network = null, LatencySettings? Meter = null,
    TrainEvaluatorSettings? Train = null);

/// <summary>Creates evaluators by name.</summary>
public static class Evaluators
{
    /// <summary>
    /// The evaluators: <c>table</c> (the space's benchmark tables), <c>model</c> (the OFA accuracy predictor and latency
    /// lookup tables on ofa_mbv3; elsewhere a surrogate fitted to the tables, which scores architectures they lack),
    /// <c>latency</c> (measured on this machine), <c>train</c> (each candidate trained on a user's images). Join names
    /// with <c>+</c> for a composite.
    /// </summary>
    public static readonly IReadOnlyList<string> Names = ["table", "model", "latency", "train"];

    /// <summary>The names a composite name is made of; a user error for an unknown or repeated one.</summary>
    public static IReadOnlyList<string> Parts(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Split('+', StringSplitOptions.TrimEntries);
        foreach (var p in parts)
            if (!Names.Contains(p)) throw new NagUserException($"unknown evaluator '{SafePath.Shorten(p)}' (available: {string.Join(", ", Names)}, or several joined by +)");
        if (parts.Distinct().Count() != parts.Length) throw new NagUserException($"evaluator '{SafePath.Shorten(name)}' names a part twice");
        return parts;
    }

    /// <summary>
    /// The column a search with evaluator <paramref name="name"/> optimises when none is named: what the evaluator exists
    /// to measure (the train evaluator's validation accuracy, the OFA accuracy predictor's top-1), or null where the
    /// user must choose (tables and surrogates hold many columns; latency alone is rarely the goal). A composite takes
    /// its first part's.
    /// </summary>
    public static string? DefaultObjective(string name, ISearchSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        foreach (var part in Parts(name))
        {
            if (part == "train") return TrainEvaluator.ValidationColumn;
            if (part == "model" && space.Sample(new Random(0)) is OfaArch) return OfaModelEvaluator.AccuracyColumn;
        }
        return null;
    }

    /// <summary>
    /// Creates the evaluator <paramref name="settings"/> names on <paramref name="space"/>. <paramref name="data"/> is the
    /// space's loaded tables when the caller has them (loaded here when a part needs them). <paramref name="note"/>
    /// receives progress lines (a surrogate's fit and fidelity).
    /// </summary>
    public static IEvaluator Create(ISearchSpace space, EvaluatorSettings settings, BenchmarkData? data = null, Action<string>? note = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(settings);
        var names = Parts(settings.Name);
        if (settings.Train is not null && !names.Contains("train"))
            throw new NagUserException($"a training dataset is given, but evaluator {settings.Name} trains nothing (use train, or e.g. train+latency)");
        BenchmarkData Data() => data ??= BenchmarkData.Load(space, DataLocator.Resolve(settings.DataDir), settings.ExtraTables ?? []);
        var parts = new List<IEvaluator>();
        try
        {
            foreach (var n in names)
                parts.Add(n switch
                {
                    "table" => new TableEvaluator(Data()),
                    "model" => Model(space, settings, Data),
                    "train" => new TrainEvaluator(space, settings.Train ?? throw new NagUserException("evaluator train needs a dataset (TrainEvaluatorSettings.Dataset)")),
                    _ => new LatencyEvaluator(space, settings.Network, settings.Meter, settings.Seed),
                });
        }
        catch { foreach (var p in parts) p.Dispose(); throw; }
        return parts.Count == 1 ? parts[0] : new CompositeEvaluator(parts);

        IEvaluator Model(ISearchSpace s, EvaluatorSettings st, Func<BenchmarkData> tables)
        {
            if (s.Sample(new Random(0)) is OfaArch)
            {
                string dir = DataLocator.Resolve(st.DataDir);
                return new OfaModelEvaluator(s, st.Predictor ?? Path.Combine(dir, "ofa_mbv3", "acc_predictor.safetensors"), dir);
            }
            if (s.Tables is null) throw new NagUserException($"evaluator model: space {s.Name} has neither a model oracle nor tables to fit a surrogate to");
            var d = tables();
            var columns = (st.Columns ?? []).Where(d.HasColumn).ToList();
            if (columns.Count == 0)
                throw new NagUserException($"evaluator model on {s.Name}: name a table column to fit a surrogate of (available: {string.Join(", ", d.Columns)})");
            return new SurrogateEvaluator(d, columns, st.Seed, note);
        }
    }
}
