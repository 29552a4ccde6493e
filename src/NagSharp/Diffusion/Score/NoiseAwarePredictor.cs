using System.Text.Json.Serialization;
using NagSharp.Models;
using NagSharp.Spaces;
using NagSharp.Store;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Diffusion.Score;

/// <summary>How a noise-aware predictor maps table values to model units (see <see cref="NoiseAwarePredictor"/>).</summary>
[JsonConverter(typeof(KebabEnumConverter<TargetTransform>))]
public enum TargetTransform
{
    /// <summary>Empirical CDF of the training targets, standardised (<c>rank</c>): the documented default.</summary>
    Rank,
    /// <summary>Normal scores of the ranks (<c>normal</c>).</summary>
    Normal,
    /// <summary>Standardised values (<c>zscore</c>).</summary>
    Zscore,
}

/// <summary>
/// A property predictor trained on noised graphs x_t (same SDE as the generator) so that its gradient can steer
/// the reverse diffusion at every noise level. Targets are mapped to model units by <see cref="Transform"/>:
/// <c>zscore</c> standardizes them; <c>rank</c> uses their empirical CDF (standardized), which stops the long tail of
/// broken architectures from squeezing the top of the range, where guidance needs resolution; <c>normal</c> maps the same
/// ranks to normal scores, which also spreads the top percent over about a unit (the predictor's own best cells improve;
/// docs/results/generate-nb201.md).
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
    /// <summary>How targets map to model units.</summary>
    public TargetTransform Transform { get; }
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

    /// <summary>The target transform of a predictor built without one: <see cref="TargetTransform.Rank"/>, the documented
    /// default (the CLI's <c>--target-transform</c> default reads it from here).</summary>
    public const TargetTransform DefaultTransform = TargetTransform.Rank;

    private readonly Sde _sde;
    private readonly SymbolPins? _pins;   // the generator's pinned entries, so training inputs look like its samples

    /// <summary>Creates an untrained predictor; <paramref name="taskDim"/> &gt; 0 makes it take a task embedding of that
    /// length (see <see cref="FitTasks"/> and <see cref="TaskEmbedding"/>).</summary>
    public NoiseAwarePredictor(ISearchSpace space, SdeConfig sde, NetworkConfig network, TrainConfig train, string target, TargetTransform transform = DefaultTransform, int taskDim = 0)
    {
        if (!Enum.IsDefined(transform)) throw new NagUserException($"NoiseAwarePredictor target transform: unknown value {(int)transform}");
        // The score engine's view of the space (edge tokens where the topology varies), so the predictor reads the same
        // x_t the generator samples.
        space = EdgeTokenSpace.ForScoreEngine(space);
        Space = space; SdeConfig = sde; Network = network; Train = train; Target = target; Transform = transform;
        train.Validate();
        _sde = sde.Create();
        _pins = SymbolPins.For(space);
        var adjacency = space.FixedAdjacency!;
        torch.manual_seed(train.Seed);
        if (taskDim < 0) throw new NagUserException($"task embedding length must be non-negative, got {taskDim}");
        Model = new PropertyPredictor(network, space.MaxNodes, space.NodeVocabulary.Count, adjacency, taskDim);
    }

    /// <summary>Length of the task embedding the predictor takes (0: task-free).</summary>
    public int TaskDim => Model.TaskDim;

    private double[]? _task;

    /// <summary>
    /// The task embedding every prediction and guidance gradient uses (length <see cref="TaskDim"/>); null on task-free
    /// predictors. Set it to the new task's embedding before generating for that task.
    /// </summary>
    public double[]? TaskEmbedding
    {
        get => _task;
        set
        {
            if (value is not null && (value.Length != TaskDim || value.Any(v => !double.IsFinite(v))))
                throw new NagUserException($"task embedding must be {TaskDim} finite numbers, got [{string.Join(", ", value)}]");
            _task = value?.ToArray();
        }
    }

    // The current task embedding repeated for a batch: [B, P], or null for a task-free predictor.
    private Tensor? TaskBatch(long batch)
    {
        if (TaskDim == 0) return null;
        var task = _task ?? throw new NagUserException($"predictor of {Target} takes a task embedding of length {TaskDim}; none is set");
        return tensor(task.Select(v => (float)v).ToArray(), dtype: ScalarType.Float32).unsqueeze(0).expand(batch, TaskDim);   // [B, P]
    }

    /// <summary>
    /// Fits a task-conditioned predictor on S tasks at once: <paramref name="targets"/>[i, s] is architecture i's value on
    /// task s, already in model units (standardized, higher better), and <paramref name="embeddings"/>[s, :] task s's
    /// embedding. Each row of a batch is one architecture under one task; with probability <paramref name="mixShare"/> the
    /// row's task is instead a random mixture of the S tasks (Dirichlet(1) weights w): embedding sum_s w_s e_s, target
    /// sum_s w_s y_s. Six or so training tasks are six points in embedding space; the mixtures teach the network to
    /// interpolate between them, which is what a new task's embedding asks of it.
    /// </summary>
    public void FitTasks(IReadOnlyList<Arch> archs, double[,] targets, double[,] embeddings, double mixShare = 0.5, Action<TrainProgress>? progress = null)
    {
        int m = archs.Count, tasks = targets.GetLength(1);
        if (TaskDim == 0) throw new InvalidOperationException("FitTasks needs a predictor created with a task dimension");
        if (m < 2 || targets.GetLength(0) != m) throw new NagUserException($"need at least 2 architectures with one target row each, got {m} and {targets.GetLength(0)}");
        if (tasks < 1 || embeddings.GetLength(0) != tasks || embeddings.GetLength(1) != TaskDim)
            throw new NagUserException($"embeddings are {embeddings.GetLength(0)}x{embeddings.GetLength(1)}, expected {tasks}x{TaskDim}");
        if (!(mixShare is >= 0 and <= 1)) throw new NagUserException($"mixture share must be in [0, 1], got {mixShare}");
        var flat = new float[m * tasks];
        for (int i = 0; i < m; i++)
            for (int k = 0; k < tasks; k++)
                flat[i * tasks + k] = double.IsFinite(targets[i, k]) ? (float)targets[i, k] : throw new NagUserException($"target of architecture {i} on task {k} is not finite");
        var emb = new float[tasks * TaskDim];
        for (int k = 0; k < tasks; k++)
            for (int d = 0; d < TaskDim; d++) emb[k * TaskDim + d] = (float)embeddings[k, d];
        Mean = 0; Std = 1;
        SortedTargets = flat.Select(v => (double)v).Order().ToArray();
        TrainingSet = archs.Select(a => a.ToString()).ToList();
        torch.manual_seed(Train.Seed);
        using var x = GraphCodec.Encode(Space, archs);                                         // [M, N, F]
        using var y = tensor(flat, [m, tasks], dtype: ScalarType.Float32);                      // [M, S]
        using var e = tensor(emb, [tasks, TaskDim], dtype: ScalarType.Float32);                 // [S, P]
        int batch = Math.Min(Train.Batch, m);
        Optimise(() =>
        {
            var idx = randint(m, [batch]);
            var oneHot = nn.functional.one_hot(randint(tasks, [batch]), tasks).to_type(ScalarType.Float32);     // [B, S]
            var gamma = -log(rand(batch, tasks) + 1e-12f);                                                      // Exp(1): normalised, Dirichlet(1)
            var mixture = gamma / gamma.sum(1, keepdim: true);                                                  // [B, S]
            var w = where((rand(batch) < (float)mixShare).unsqueeze(1), mixture, oneHot);                       // [B, S]
            var target = (w * y.index_select(0, idx)).sum(1);                                                   // [B]
            var t = rand(batch) * (1 - _sde.Epsilon) + _sde.Epsilon;
            var xt = Noised(x.index_select(0, idx), t);
            return nn.functional.mse_loss(Model.Forward(xt, t, w.matmul(e)), target);
        }, progress);
    }

    // x_t for clean x0 [B, N, F] at times t [B], with the entries the generator pins held at their noised mean.
    private Tensor Noised(Tensor x0, Tensor t)
    {
        var (xt, _) = _sde.ApplyNoise(x0, t);
        return _pins is null ? xt : _pins.Pin(xt, _sde.MeanCoefficient(t).view(-1, 1, 1));
    }

    // Adam with warm-up and gradient clipping over Train.Steps, without an EMA: the shared loop of the generators.
    private void Optimise(Func<Tensor> loss, Action<TrainProgress>? progress)
    {
        using var opt = optim.Adam(Model.parameters(), lr: Train.LearningRate);
        int step = 0;
        TrainLoop.Run(ref step, Model, null, opt, Train, loss, progress);
    }

    /// <summary>Fits the predictor on (architecture, value) pairs with noised inputs at t ~ U(epsilon, 1).</summary>
    public void Fit(IReadOnlyList<Arch> archs, IReadOnlyList<double> values, Action<TrainProgress>? progress = null)
    {
        if (TaskDim > 0) throw new InvalidOperationException("a task-conditioned predictor is fitted with FitTasks");
        if (archs.Count != values.Count || archs.Count < 2) throw new NagUserException($"need at least 2 labelled architectures, got {archs.Count}");
        Mean = values.Average();
        Std = Math.Sqrt(values.Sum(v => (v - Mean) * (v - Mean)) / values.Count);
        if (Std == 0) Std = 1;
        SortedTargets = values.Order().ToArray();
        TrainingSet = archs.Select(a => a.ToString()).ToList();
        torch.manual_seed(Train.Seed);
        using var x = GraphCodec.Encode(Space, archs);                                                            // [M, N, F]
        using var y = tensor(values.Select(v => (float)ToModel(v)).ToArray(), dtype: ScalarType.Float32);          // [M]
        long m = x.shape[0];
        int batch = (int)Math.Min(Train.Batch, m);
        Optimise(() =>
        {
            var idx = randint(m, [batch]);
            var t = rand(batch) * (1 - _sde.Epsilon) + _sde.Epsilon;
            var xt = Noised(x.index_select(0, idx), t);
            return nn.functional.mse_loss(Model.forward(xt, t), y.index_select(0, idx));
        }, progress);
    }

    /// <summary>Predictions in table units for clean architectures (t = epsilon), batched.</summary>
    public double[] Predict(IReadOnlyList<Arch> archs, int batch = 1024) => PredictScores(archs, batch).Select(FromModel).ToArray();

    /// <summary>
    /// Predictions in model units, before mapping back to table values: with a rank or normal-score target, table
    /// values saturate at the best training target for every strong architecture, while the score still orders them.
    /// </summary>
    public double[] PredictScores(IReadOnlyList<Arch> archs, int batch = 1024)
    {
        Model.eval();
        var result = new double[archs.Count];
        for (int start = 0; start < archs.Count; start += batch)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var chunk = archs.Skip(start).Take(batch).ToArray();
            var x = GraphCodec.Encode(Space, chunk);
            var p = Model.Forward(x, full(chunk.Length, _sde.Epsilon, dtype: ScalarType.Float32), TaskBatch(chunk.Length)).data<float>().ToArray();
            for (int i = 0; i < p.Length; i++) result[start + i] = p[i];
        }
        return result;
    }

    private const double UniformStd = 0.28867513459481287; // std of U(0, 1): puts rank targets on the z-score scale

    /// <summary>Maps a table value to model units.</summary>
    public double ToModel(double v)
    {
        if (Transform == TargetTransform.Zscore) return (v - Mean) / Std;
        var sorted = SortedTargets;
        int lo = LowerBound(sorted, v), hi = LowerBound(sorted, Math.BitIncrement(v));   // [lo, hi) equal to v
        double rank = hi > lo ? (lo + hi - 1) / 2.0 : lo - 0.5;                           // ties share the mean rank
        if (Transform == TargetTransform.Normal)
        {
            // Normal scores: the (rank + 1/2) / M quantile of N(0, 1), which spreads the top and bottom percent over
            // about a unit each instead of 1/100 of the range.
            double q = sorted.Count == 0 ? 0.5 : Math.Clamp((rank + 0.5) / sorted.Count, 0.5 / sorted.Count, 1 - 0.5 / sorted.Count);
            return MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, q);
        }
        double u = sorted.Count <= 1 ? 0.5 : Math.Clamp(rank / (sorted.Count - 1), 0, 1);
        return (u - 0.5) / UniformStd;
    }

    /// <summary>Maps model units back to table units (the inverse of <see cref="ToModel"/>, interpolated).</summary>
    public double FromModel(double m)
    {
        if (Transform == TargetTransform.Zscore) return m * Std + Mean;
        var sorted = SortedTargets;
        double pos = Transform == TargetTransform.Normal
            ? Math.Clamp(MathNet.Numerics.Distributions.Normal.CDF(0, 1, m) * sorted.Count - 0.5, 0, sorted.Count - 1)
            : Math.Clamp(m * UniformStd + 0.5, 0, 1) * (sorted.Count - 1);
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
    public Tensor Forward(Tensor x, double t) => Model.Forward(x, full(x.shape[0], t, dtype: ScalarType.Float32), TaskBatch(x.shape[0]));

    /// <summary>Writes weights, configs, normalisation and training set.</summary>
    public void Save(string path)
    {
        var ck = new Checkpoint(Kind);
        ck.Header["space"] = Space.Name;
        ck.Header["target"] = Target;
        ck.Header["mean"] = Mean;
        ck.Header["std"] = Std;
        ck.Header["transform"] = SettingNames.Name(Transform);
        ck.Header["task_dim"] = TaskDim;
        if (_task is not null) ck.Set("task", _task);
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
            // Checkpoints written before the transform was stored were trained on z-scores.
            ck.Header["transform"] is null ? TargetTransform.Zscore : ck.Get<TargetTransform>("transform", path),
            ck.Header["task_dim"] is null ? 0 : ck.Get<int>("task_dim", path))
        {
            SortedTargets = ck.Header["sorted_targets"] is null ? [] : ck.Get<List<double>>("sorted_targets", path),
            Mean = ck.Get<double>("mean", path),
            Std = ck.Get<double>("std", path),
            TrainingSet = ck.Get<List<string>>("training_set", path),
        };
        try { p.TaskEmbedding = ck.Header["task"] is null ? null : ck.Get<double[]>("task", path); }
        catch (NagUserException e) { p.Dispose(); throw new NagDataException($"{path}: field 'task': {e.Message}"); }
        try { TorchState.LoadModule(p.Model, ck.Section("model", path)); }
        catch (Exception e) when (e is not NagDataException) { p.Dispose(); throw new NagDataException($"{path}: cannot restore weights ({e.Message})"); }
        p.Model.eval();
        return p;
    }

    /// <inheritdoc />
    public void Dispose() { Model.Dispose(); _pins?.Dispose(); }
}

/// <summary>How the guidance scale changes over successive sampling rounds.</summary>
/// <param name="Scale">Scale s of the first round.</param>
/// <param name="DecayPerRound">Amount subtracted per round (the reference lowers 10,000 by 300 per round); never below 0.</param>
public sealed record GuidanceSchedule(double Scale, double DecayPerRound = 0)
{
    /// <summary>Scale s of the first round; must be finite.</summary>
    public double Scale { get; init; } = Guard.Finite(Scale, "guidance scale");

    /// <summary>Amount subtracted per round; finite and zero or positive.</summary>
    public double DecayPerRound { get; init; } = Guard.NonNegative(DecayPerRound, "guidance decay per round");

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
        _predictors = predictors;
        _target = target is double y ? Guard.Finite(y, "guidance target value") : null;
        Scale = scale;
    }

    /// <summary>Current scale (rounds may lower it); must be finite.</summary>
    public double Scale { get => _scale; set => _scale = Guard.Finite(value, "guidance scale"); }
    private double _scale;

    /// <summary>
    /// When set (a quantile q in (0, 1) of the predictor's training targets), guidance raises
    /// log P(y above the q-quantile | x_t) = log sigmoid((f - f_q) / T) instead of f itself. The gradient fades once a
    /// sample is predicted above the threshold, so samples spread over the whole top set instead of collapsing onto
    /// the predictor's single favourite. T is the model-unit distance from the q- to the (1 + q) / 2-quantile.
    /// </summary>
    public double? AboveQuantile
    {
        get => _aboveQuantile;
        init => _aboveQuantile = value is double q && !(q > 0 && q < 1)
            ? throw new NagUserException($"guidance quantile (above-top) must be in (0, 1), got {q}") : value;
    }
    private readonly double? _aboveQuantile;

    /// <summary>Below this time no guidance is added, so the score alone settles samples onto valid one-hot graphs.</summary>
    public double StopTime { get => _stopTime; init => _stopTime = Guard.InRange(value, 0, 1, "guidance stop time"); }
    private readonly double _stopTime;

    /// <summary>
    /// Above this time no guidance is added: at high noise the predictor's gradient is nearly the same for every
    /// sample, so guiding there pushes the whole batch into one basin and costs diversity.
    /// </summary>
    public double StartTime { get => _startTime; init => _startTime = Guard.InRange(value, 0, 1, "guidance start time"); }
    private readonly double _startTime = 1;

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
