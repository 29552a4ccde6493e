using System.Diagnostics;
using System.Globalization;
using System.Text;
using NagSharp.Benchmarks;
using NagSharp.Search;
using NagSharp.Spaces;

namespace NagSharp.Experiments;

/// <summary>Settings of <see cref="SurrogateBenchExperiment"/>.</summary>
public sealed record SurrogateBenchSettings
{
    /// <summary>Table column the surrogate predicts (no default: the question is always about one metric).</summary>
    public required string Column { get; init; }

    /// <summary>Input encodings to measure; null or empty measures every one of <see cref="EnsembleConfig.Encodings"/>, since
    /// the point of the bench is to choose among them.</summary>
    public IReadOnlyList<string>? Encodings { get; init; }

    /// <summary>Cross-validation folds: 5, so every row is predicted once by a surrogate fitted on 80 % of the table, the
    /// same share the margin bench's surrogate is fitted on.</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Adam steps per fit: the margin bench's surrogate's (<see cref="SurrogateOracle.DefaultConfig"/>), so the
    /// figures describe the surrogate that is used.</summary>
    public int SurrogateSteps { get; init; } = SurrogateOracle.DefaultConfig.FitSteps;

    /// <summary>Seed of the fold split and the initialisation; 0 as every NagSharp default seed.</summary>
    public int Seed { get; init; }

    /// <summary>Throws a <see cref="NagUserException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Folds < 2) throw new NagUserException($"{nameof(SurrogateBenchSettings)}.{nameof(Folds)} must be at least 2, got {Folds}");
        Guard.Positive(SurrogateSteps, $"{nameof(SurrogateBenchSettings)}.{nameof(SurrogateSteps)}");
    }
}

/// <summary>Cross-validated fidelity of one input encoding.</summary>
/// <param name="Encoding">Surrogate input encoding.</param>
/// <param name="Spearman">Spearman rank correlation of the out-of-fold predictions with the table.</param>
/// <param name="Kendall">Kendall tau of the same.</param>
/// <param name="Seconds">Wall time of the K fits.</param>
public sealed record EncodingFidelity(string Encoding, double Spearman, double Kendall, double Seconds);

/// <summary>What <see cref="SurrogateBenchExperiment"/> measured.</summary>
/// <param name="Space">Space name.</param>
/// <param name="Column">Column predicted.</param>
/// <param name="Folds">Folds.</param>
/// <param name="Rows">Table rows with a finite value (each predicted once).</param>
/// <param name="SurrogateSteps">Adam steps per fit.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Encodings">One entry per encoding, in the order asked.</param>
public sealed record SurrogateBenchResult(string Space, string Column, int Folds, int Rows, int SurrogateSteps, int Seed, IReadOnlyList<EncodingFidelity> Encodings)
{
    /// <summary>The result as the markdown table the bench saves and prints.</summary>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(inv, $"### {Space}: surrogate of `{Column}`, {Folds}-fold cross-validation on {Rows} rows");
        md.AppendLine();
        md.AppendLine("| encoding | Spearman | Kendall tau | seconds |");
        md.AppendLine("|---|---|---|---|");
        foreach (var r in Encodings) md.AppendLine(inv, $"| {r.Encoding} | {r.Spearman:F3} | {r.Kendall:F3} | {r.Seconds:F0} |");
        md.AppendLine();
        return md.ToString();
    }
}

/// <summary>
/// How well can a surrogate fitted on a table column rank architectures it was not fitted on? K-fold cross-validation
/// per input encoding, so the surrogate that scores generated samples off the table (<see cref="GuidedMarginExperiment"/>)
/// is chosen and reported on measured fidelity, not assumed.
/// </summary>
public static class SurrogateBenchExperiment
{
    /// <summary>Runs the cross-validation of every encoding asked for (progress stage "cross-validation").</summary>
    public static SurrogateBenchResult Run(ISearchSpace space, BenchmarkData data, SurrogateBenchSettings settings, IProgress<ExperimentEvent>? progress = null)
    {
        settings.Validate();
        data.RequireColumn(settings.Column);
        var asked = settings.Encodings is { Count: > 0 } e ? e : EnsembleConfig.Encodings.ToArray();
        var configs = asked.Select(name => SurrogateOracle.DefaultConfig with { Encoding = name, FitSteps = settings.SurrogateSteps }).ToArray();
        foreach (var c in configs) c.Validate();   // a bad encoding fails before any fitting
        using var oneThread = TorchThreads.One();
        var results = new List<EncodingFidelity>();
        int k = settings.Folds, rows = 0;
        for (int i = 0; i < configs.Length; i++)
        {
            var clock = Stopwatch.StartNew();
            var (rho, tau, n) = SurrogateOracle.CrossValidate(space, data, settings.Column, k, settings.Seed, configs[i],
                f => progress.Step("cross-validation", i * k + f, configs.Length * k, configs[i].Encoding));
            rows = n;
            results.Add(new EncodingFidelity(configs[i].Encoding, rho, tau, clock.Elapsed.TotalSeconds));
        }
        return new SurrogateBenchResult(space.Name, settings.Column, k, rows, settings.SurrogateSteps, settings.Seed, results);
    }
}
