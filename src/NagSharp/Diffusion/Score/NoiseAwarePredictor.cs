using NagSharp.Models;
using NagSharp.Spaces;
using NagSharp.Store;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Diffusion.Score;

/// <summary>
/// A property predictor trained on noised graphs x_t (same SDE as the generator) so that its gradient can steer
/// the reverse diffusion at every noise level. Targets are mapped to model units by <see cref="Transform"/>:
/// <c>zscore</c> standardizes them; <c>rank</c> uses their empirical CDF (standardized), which stops the long tail of
/// broken architectures from squeezing the top of the range, where guidance needs resolution.
/// </summary>
public sealed class NoiseAwarePredictor : IDisposable
{
    /// <summary>Checkpoint kind.</summary>
    public const string Kind = "score-predictor";

    /// <summary>Space of the inputs.</summary>
    public ISearchSpace Space { get; }
    /// <summary>Noise process it was trained under.</summary>
    public SdeConfig SdeConfig { get; }
    /// <summary>Network size.</summary>
    public NetworkConfig Network { get; }
    /// <summary>Training settings.</summary>
    public TrainConfig Train { get; }
    /// <summary>Table column it predicts.</summary>
    public string Target { get; }
    /// <summary><c>zscore</c> or <c>rank</c>.</summary>
    public string Transform { get; }
    /// <summary>Training targets in ascending order (defines the rank transform).</summary>
    public IReadOnlyList<double> SortedTargets { get; private set; } = [];
    /// <summary>Mean of the training targets.</summary>
    public double Mean { get; private set; }
    /// <summary>Standard deviation of the training targets.</summary>
    public double Std { get; private set; } = 1;
    /// <summary>Architectures it was trained on.</summary>
    public IReadOnlyList<string> TrainingSet { get; private set; } = [];
    /// <summary>The network.</summary>
    public PropertyPredictor Model { get; }

    private readonly Sde _sde;

    /// <summary>Creates an untrained predictor.</summary>
    public NoiseAwarePredictor(ISearchSpace space, SdeConfig sde, NetworkConfig network, TrainConfig train, string target, string transform = "zscore")
    {
        if (transform is not ("zscore" or "rank")) throw new NagUserException($"unknown target transform '{transform}' (expected zscore or rank)");
        Space = space; SdeConfig = sde; Network = network; Train = train; Target = target; Transform = transform;
        train.Validate();
        _sde = sde.Create();
        var adjacency = space.FixedAdjacency ?? throw new NagUserException($"the score engine needs a fixed-topology space; {space.Name} is not");
        torch.manual_seed(train.Seed);
        Model = new PropertyPredictor(network, space.MaxNodes, space.NodeVocabulary.Count, adjacency);
    }

    /// <summary>Fits the predictor on (architecture, value) pairs with noised inputs at t ~ U(epsilon, 1).</summary>
    public void Fit(IReadOnlyList<Arch> archs, IReadOnlyList<double> values, Action<TrainProgress>? progress = null)
    {
        if (archs.Count != values.Count || archs.Count < 2) throw new NagUserException($"need at least 2 labelled architectures, got {archs.Count}");
        Mean = values.Average();
        Std = Math.Sqrt(values.Sum(v => (v - Mean) * (v - Mean)) / values.Count);
        if (Std == 0) Std = 1;
        SortedTargets = values.Order().ToArray();
        TrainingSet = archs.Select(a => a.ToString()).ToList();
        torch.manual_seed(Train.Seed);
        using var x = GraphCodec.Encode(Space, archs);                                                            // [M, N, F]
        using var y = tensor(values.Select(v => (float)ToModel(v)).ToArray(), dtype: ScalarType.Float32);          // [M]
        using var opt = optim.Adam(Model.parameters(), lr: Train.LearningRate);
        Model.train();
        long m = x.shape[0];
        int batch = (int)Math.Min(Train.Batch, m);
        double running = double.NaN;
        for (int step = 0; step < Train.Steps; step++)
        {
            using var scope = NewDisposeScope();
            foreach (var g in opt.ParamGroups) g.LearningRate = Train.RateAt(step);
            var idx = randint(m, [batch]);
            var t = rand(batch) * (1 - _sde.Epsilon) + _sde.Epsilon;
            var (xt, _) = _sde.ApplyNoise(x.index_select(0, idx), t);
            var loss = nn.functional.mse_loss(Model.forward(xt, t), y.index_select(0, idx));
            opt.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(Model.parameters(), Train.GradClip);
            opt.step();
            double l = loss.item<float>();
            running = double.IsNaN(running) ? l : 0.98 * running + 0.02 * l;
            progress?.Invoke(new TrainProgress(step + 1, Train.Steps, running));
        }
        Model.eval();
    }

    /// <summary>Predictions in table units for clean architectures (t = epsilon), batched.</summary>
    public double[] Predict(IReadOnlyList<Arch> archs, int batch = 1024)
    {
        Model.eval();
        var result = new double[archs.Count];
        for (int start = 0; start < archs.Count; start += batch)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var chunk = archs.Skip(start).Take(batch).ToArray();
            var x = GraphCodec.Encode(Space, chunk);
            var p = Model.forward(x, full(chunk.Length, _sde.Epsilon, dtype: ScalarType.Float32)).data<float>().ToArray();
            for (int i = 0; i < p.Length; i++) result[start + i] = FromModel(p[i]);
        }
        return result;
    }

    private const double UniformStd = 0.28867513459481287; // std of U(0, 1): puts rank targets on the z-score scale

    /// <summary>Maps a table value to model units.</summary>
    public double ToModel(double v)
    {
        if (Transform == "zscore") return (v - Mean) / Std;
        var sorted = SortedTargets;
        int lo = LowerBound(sorted, v), hi = LowerBound(sorted, Math.BitIncrement(v));   // [lo, hi) equal to v
        double rank = hi > lo ? (lo + hi - 1) / 2.0 : lo - 0.5;                           // ties share the mean rank
        double u = sorted.Count <= 1 ? 0.5 : Math.Clamp(rank / (sorted.Count - 1), 0, 1);
        return (u - 0.5) / UniformStd;
    }

    /// <summary>Maps model units back to table units (the inverse of <see cref="ToModel"/>, interpolated).</summary>
    public double FromModel(double m)
    {
        if (Transform == "zscore") return m * Std + Mean;
        var sorted = SortedTargets;
        double pos = Math.Clamp(m * UniformStd + 0.5, 0, 1) * (sorted.Count - 1);
        int i = (int)Math.Floor(pos);
        return i >= sorted.Count - 1 ? sorted[^1] : sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]);
    }

    /// <summary>The q-quantile of the training targets (linear interpolation).</summary>
    public double TargetQuantile(double q)
    {
        if (SortedTargets.Count == 0) throw new InvalidOperationException("predictor has no training targets");
        double pos = Math.Clamp(q, 0, 1) * (SortedTargets.Count - 1);
        int i = (int)Math.Floor(pos);
        return i >= SortedTargets.Count - 1 ? SortedTargets[^1] : SortedTargets[i] + (pos - i) * (SortedTargets[i + 1] - SortedTargets[i]);
    }

    private static int LowerBound(IReadOnlyList<double> sorted, double v)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi) { int mid = (lo + hi) / 2; if (sorted[mid] < v) lo = mid + 1; else hi = mid; }
        return lo;
    }

    /// <summary>Standardized prediction for noised inputs: x [B, N, F], time t -&gt; [B].</summary>
    public Tensor Forward(Tensor x, double t) => Model.forward(x, full(x.shape[0], t, dtype: ScalarType.Float32));

    /// <summary>Writes weights, configs, normalisation and training set.</summary>
    public void Save(string path)
    {
        var ck = new Checkpoint(Kind);
        ck.Header["space"] = Space.Name;
        ck.Header["target"] = Target;
        ck.Header["mean"] = Mean;
        ck.Header["std"] = Std;
        ck.Header["transform"] = Transform;
        ck.Set("sorted_targets", SortedTargets);
        ck.Set("sde", SdeConfig);
        ck.Set("network", Network);
        ck.Set("train", Train);
        ck.Set("training_set", TrainingSet);
        ck.Sections["model"] = TorchState.ModuleBytes(Model);
        ck.Save(path);
    }

    /// <summary>Loads a predictor checkpoint.</summary>
    public static NoiseAwarePredictor Load(string path)
    {
        var ck = Checkpoint.Load(path, Kind);
        var p = new NoiseAwarePredictor(SpaceRegistry.Get(ck.Get<string>("space", path)), ck.Get<SdeConfig>("sde", path),
            ck.Get<NetworkConfig>("network", path), ck.Get<TrainConfig>("train", path), ck.Get<string>("target", path),
            ck.Header["transform"] is null ? "zscore" : ck.Get<string>("transform", path))
        {
            SortedTargets = ck.Header["sorted_targets"] is null ? [] : ck.Get<List<double>>("sorted_targets", path),
            Mean = ck.Get<double>("mean", path),
            Std = ck.Get<double>("std", path),
            TrainingSet = ck.Get<List<string>>("training_set", path),
        };
        try { TorchState.LoadModule(p.Model, ck.Section("model", path)); }
        catch (Exception e) when (e is not NagDataException) { p.Dispose(); throw new NagDataException($"{path}: cannot restore weights ({e.Message})"); }
        p.Model.eval();
        return p;
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}

/// <summary>How the guidance scale changes over successive sampling rounds.</summary>
/// <param name="Scale">Scale s of the first round.</param>
/// <param name="DecayPerRound">Amount subtracted per round (the reference lowers 10,000 by 300 per round); never below 0.</param>
public sealed record GuidanceSchedule(double Scale, double DecayPerRound = 0)
{
    /// <summary>Scale in round <paramref name="round"/> (0-based).</summary>
    public double At(int round) => Math.Max(0, Scale - DecayPerRound * round);
}

/// <summary>
/// Classifier guidance by noise-aware predictors: adds s * grad_x log p(y | x_t). To maximise the property the
/// log-likelihood is taken as the (standardized) prediction itself, averaged over the predictors given (an
/// ensemble smooths the gradient); to steer to a target value it is the Gaussian -(f - y*)^2 / 2 in standardized
/// units.
/// </summary>
public sealed class PredictorGuidance : IGuidance
{
    private readonly IReadOnlyList<NoiseAwarePredictor> _predictors;
    private readonly double? _target;

    /// <summary>Guidance by one predictor.</summary>
    public PredictorGuidance(NoiseAwarePredictor predictor, double scale, double? target = null)
        : this([predictor], scale, target) { }

    /// <summary>Guidance by the mean of several predictors of the same column.</summary>
    public PredictorGuidance(IReadOnlyList<NoiseAwarePredictor> predictors, double scale, double? target = null)
    {
        if (predictors.Count == 0) throw new ArgumentException("no predictor", nameof(predictors));
        _predictors = predictors; _target = target; Scale = scale;
    }

    /// <summary>Current scale (rounds may lower it).</summary>
    public double Scale { get; set; }

    /// <summary>
    /// When set (a quantile q in (0, 1) of the predictor's training targets), guidance raises
    /// log P(y above the q-quantile | x_t) = log sigmoid((f - f_q) / T) instead of f itself. The gradient fades once a
    /// sample is predicted above the threshold, so samples spread over the whole top set instead of collapsing onto
    /// the predictor's single favourite. T is the model-unit distance from the q- to the (1 + q) / 2-quantile.
    /// </summary>
    public double? AboveQuantile { get; init; }

    /// <summary>Below this time no guidance is added, so the score alone settles samples onto valid one-hot graphs.</summary>
    public double StopTime { get; init; }

    /// <summary>
    /// Above this time no guidance is added: at high noise the predictor's gradient is nearly the same for every
    /// sample, so guiding there pushes the whole batch into one basin and costs diversity.
    /// </summary>
    public double StartTime { get; init; } = 1;

    /// <inheritdoc />
    public Tensor Gradient(Tensor x, double t, Tensor score)
    {
        if (t < StopTime || t > StartTime) return zeros_like(x);
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var xg = x.detach().requires_grad_(true);
        Tensor? logp = null;
        foreach (var p in _predictors)
        {
            var f = p.Forward(xg, t);                                                                  // [B]
            Tensor term;
            if (AboveQuantile is double q)
            {
                double fq = p.ToModel(p.TargetQuantile(q)), temperature = Math.Max(p.ToModel(p.TargetQuantile((1 + q) / 2)) - fq, 1e-3);
                term = nn.functional.logsigmoid((f - (float)fq) / (float)temperature);
            }
            else term = _target is double y ? (f - (float)p.ToModel(y)).square() * -0.5f : f;
            logp = logp is null ? term : logp + term;
        }
        var g = autograd.grad([(logp! / _predictors.Count).sum()], [xg])[0];                          // [B, N, F]
        return (g * Scale).detach().MoveToOuterDisposeScope();
    }
}
