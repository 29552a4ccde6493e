using System.Text.Json;
using System.Text.Json.Serialization;
using NagSharp.Evaluation;
using NagSharp.Search;

namespace NagSharp.Experiments;

/// <summary>
/// Settings of the model-based strategies, stored with an experiment so that a resumed run rebuilds the same
/// strategies. Field names are the stored JSON's (snake case), so experiments recorded earlier keep resuming.
/// </summary>
/// <param name="Acquisition">its, ucb or ei: independent Thompson sampling is BANANAS' default and needs no tuning.</param>
/// <param name="Guidance">Guidance scale of generator BO and transfer: strong enough to steer towards the acquisition's
/// optimum while the samples stay valid.</param>
/// <param name="Samples">Architectures generated per BO round: enough candidates for the acquisition to choose from at a
/// sampling cost below a query's.</param>
/// <param name="SampleSteps">Sampler steps per generation: BO re-scores every candidate, so fewer, faster steps pay.</param>
/// <param name="Generator">Generator checkpoint, or null for the default model of the space.</param>
/// <param name="TransferFrom">Source columns of the transfer strategy.</param>
/// <param name="Minimize">The objective is lower-is-better (perplexity, latency).</param>
/// <param name="RandomCandidates">Uniform candidates per round of bananas and gp-bo beside the mutations (a number near
/// the table size makes their acquisition optimisation near-exhaustive).</param>
/// <param name="CostInputs">gp-bo and generator-bo's GP ranker: the space's analytic costs join the GP's inputs.</param>
/// <param name="SurrogateEncoding">Inputs of the MLP ensemble of bananas, generator-bo and transfer (<see cref="EnsembleConfig.Encodings"/>).</param>
/// <param name="Ranker">generator-bo: what ranks the generated candidates (<see cref="BoConfig.Rankers"/>).</param>
/// <param name="Evaluator">What answers the queries (<see cref="Evaluators.Names"/>, or several joined by +); null: the
/// benchmark tables.</param>
/// <param name="Constraints">Bounds a candidate must meet (<c>column&lt;=value</c>, ...); null: none.</param>
/// <param name="Train">The train evaluator's dataset and training settings; null: no training.</param>
public sealed record SearchSettings(string Acquisition = "its", double Guidance = 10, int Samples = 64, int SampleSteps = 25,
    string? Generator = null, IReadOnlyList<string>? TransferFrom = null, bool Minimize = false, int RandomCandidates = 50,
    bool CostInputs = false, string SurrogateEncoding = "onehot", string Ranker = "ensemble",
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Evaluator = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Constraints = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TrainEvaluatorSettings? Train = null)
{
    /// <summary>The evaluator's name (<c>table</c> when none was given).</summary>
    [JsonIgnore] public string EvaluatorName => Evaluator ?? "table";

    /// <summary>The parsed constraints (a one-line user error for a malformed one).</summary>
    public IReadOnlyList<Constraint> ParsedConstraints() => (Constraints ?? []).Select(Constraint.Parse).ToArray();

    /// <summary>JSON form stored in the experiment store.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json.SerializerOptions);

    /// <summary>Reads the stored form; an empty object gives the defaults.</summary>
    public static SearchSettings FromJson(string json, string where)
    {
        try { return JsonSerializer.Deserialize<SearchSettings>(json, Json.SerializerOptions) ?? new SearchSettings(); }
        catch (JsonException e) { throw new NagDataException($"{where}: malformed strategy settings ({e.Message})"); }
    }

    /// <summary>
    /// The BO settings, validated: a user error naming the first unusable setting, so callers can check settings before
    /// they create an output directory.
    /// </summary>
    public BoConfig Bo()
    {
        if (RandomCandidates < 0) throw new NagUserException($"random candidates must be at least 0, got {RandomCandidates}");
        var bo = new BoConfig(Acquisition: Search.Acquisition.Validate(Acquisition), RandomCandidates: RandomCandidates,
            CostInputs: CostInputs, Ensemble: new EnsembleConfig(Encoding: SurrogateEncoding), Ranker: Ranker);
        bo.Validate();
        Guard.Positive(Samples, "samples");
        Guard.Positive(SampleSteps, "sample steps");
        Guard.NonNegative(Guidance, "guidance");
        Evaluators.Parts(EvaluatorName);
        ParsedConstraints();
        return bo;
    }
}
