using NagSharp.Models;
using NagSharp.Spaces;
using NagSharp.Store;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Diffusion.Score;

/// <summary>
/// A property predictor trained on noised graphs x_t (same SDE as the generator) so that its gradient can steer
/// the reverse diffusion at every noise level. Targets are standardized; <see cref="Mean"/> and <see cref="Std"/>
/// map back to table units.
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
    public NoiseAwarePredictor(ISearchSpace space, SdeConfig sde, NetworkConfig network, TrainConfig train, string target)
    {
        Space = space; SdeConfig = sde; Network = network; Train = train; Target = target;
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
        TrainingSet = archs.Select(a => a.ToString()).ToList();
        torch.manual_seed(Train.Seed);
        using var x = GraphCodec.Encode(Space, archs);                                                            // [M, N, F]
        using var y = tensor(values.Select(v => (float)((v - Mean) / Std)).ToArray(), dtype: ScalarType.Float32); // [M]
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
            for (int i = 0; i < p.Length; i++) result[start + i] = p[i] * Std + Mean;
        }
        return result;
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
        ck.Set("sde", SdeConfig);
        ck.Set("network", Network);
        ck.Set("train", Train);
        ck.Set("training_set", TrainingSet);
        ck.Sections["model"] = ScoreGenerator.ModuleBytes(Model);
        ck.Save(path);
    }

    /// <summary>Loads a predictor checkpoint.</summary>
    public static NoiseAwarePredictor Load(string path)
    {
        var ck = Checkpoint.Load(path, Kind);
        var p = new NoiseAwarePredictor(SpaceRegistry.Get(ck.Get<string>("space", path)), ck.Get<SdeConfig>("sde", path),
            ck.Get<NetworkConfig>("network", path), ck.Get<TrainConfig>("train", path), ck.Get<string>("target", path))
        {
            Mean = ck.Get<double>("mean", path),
            Std = ck.Get<double>("std", path),
            TrainingSet = ck.Get<List<string>>("training_set", path),
        };
        try { ScoreGenerator.LoadModule(p.Model, ck.Section("model", path)); }
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
/// Classifier guidance by a noise-aware predictor: adds s * grad_x log p(y | x_t). To maximise the property the
/// log-likelihood is taken as the (standardized) prediction itself; to steer to a target value it is the Gaussian
/// -(f - y*)^2 / 2 in standardized units.
/// </summary>
public sealed class PredictorGuidance(NoiseAwarePredictor predictor, double scale, double? target = null) : IGuidance
{
    /// <summary>Current scale (rounds may lower it).</summary>
    public double Scale { get; set; } = scale;

    /// <inheritdoc />
    public Tensor Gradient(Tensor x, double t)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var xg = x.detach().requires_grad_(true);
        var f = predictor.Forward(xg, t);                                                         // [B]
        var logp = target is double y ? (f - (float)((y - predictor.Mean) / predictor.Std)).square() * -0.5f : f;
        var g = autograd.grad([logp.sum()], [xg])[0];                                              // [B, N, F]
        return (g * Scale).detach().MoveToOuterDisposeScope();
    }
}
