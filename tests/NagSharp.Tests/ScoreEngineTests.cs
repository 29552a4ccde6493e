using NagSharp.Diffusion;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Tests;

[Collection(TorchCollection.Name)]
public sealed class ScoreEngineTests
{
    private static readonly Nb201Space Space = new();
    private static readonly NetworkConfig Tiny = new(Layers: 1, Dim: 16, Heads: 2, Ffn: 32, HeadHidden: 32);

    private static ScoreGenerator TinyGenerator(int steps = 10, int seed = 0, bool selfCondition = false, string sde = "ve") =>
        new(Space, new SdeConfig(Kind: SettingNames.Parse<SdeKind>(sde, "sde")), Tiny, new TrainConfig(Steps: steps, Batch: 32, Warmup: 2, Seed: seed),
            Space.Enumerate().Take(500).Select(a => a.ToString()).ToList(), selfCondition);

    [Theory]
    [InlineData("ve")]
    [InlineData("vp")]
    public void SdeMarginalsMatchTheClosedForm(string kind)
    {
        // Simulate the forward SDE with Euler-Maruyama from the t = 0 marginal and compare with mean(t) x0, std(t).
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        var sde = new SdeConfig(Kind: SettingNames.Parse<SdeKind>(kind, "sde")).Create();
        const double x0 = 0.7, tEnd = 0.6;
        const int particles = 20000, steps = 600;
        var x = full(particles, x0, dtype: ScalarType.Float64) * sde.MeanCoefficient(0) + randn(particles, dtype: ScalarType.Float64) * sde.Std(0);
        double dt = tEnd / steps;
        for (int i = 0; i < steps; i++)
        {
            double t = i * dt;
            x = x + sde.Drift(x, t) * dt + randn(particles, dtype: ScalarType.Float64) * (sde.Diffusion(t) * Math.Sqrt(dt));
        }
        double mean = x.mean().item<double>(), std = x.std().item<double>();
        Assert.InRange(mean, x0 * sde.MeanCoefficient(tEnd) - 0.03, x0 * sde.MeanCoefficient(tEnd) + 0.03);
        Assert.InRange(std / sde.Std(tEnd), 0.97, 1.03);

        // ApplyNoise samples the same closed form.
        var (xt, _) = sde.ApplyNoise(full(particles, 1, x0, dtype: ScalarType.Float32), full(particles, tEnd, dtype: ScalarType.Float32));
        Assert.InRange(xt.mean().item<float>(), x0 * sde.MeanCoefficient(tEnd) - 0.03, x0 * sde.MeanCoefficient(tEnd) + 0.03);
        Assert.InRange(xt.std().item<float>() / sde.Std(tEnd), 0.97, 1.03);
    }

    [Fact]
    public void VeAndVpScheduleValues()
    {
        var ve = new VeSde(0.1, 5, 1e-5);
        Assert.Equal(0.1, ve.Std(0), 10);
        Assert.Equal(5, ve.Std(1), 10);
        Assert.Equal(0.1 * Math.Pow(50, 0.3), ve.Std(0.3), 10);
        var vp = new VpSde(0.1, 20, 1e-5);
        double lm = -0.25 * 0.5 * 0.5 * 19.9 - 0.5 * 0.5 * 0.1;
        Assert.Equal(Math.Exp(lm), vp.MeanCoefficient(0.5), 10);
        Assert.Equal(Math.Sqrt(1 - Math.Exp(2 * lm)), vp.Std(0.5), 10);
    }

    [Theory]
    [InlineData("adjacency")]
    [InlineData("closure")]
    public void AttentionMaskIsRespected(string mask)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var adjacency = Space.FixedAdjacency!;
        using var net = new ScoreNetwork(Tiny with { Mask = mask }, 8, 7, adjacency);
        net.eval();
        var x = randn(1, 8, 7);
        var t = full(1, 0.5f);
        var y1 = net.forward(x, t);
        // Graph nodes 1 (edge 0->1) and 2 (edge 0->2) are siblings: neither reaches the other, so in a one-layer
        // network node 1 cannot see node 2. The input node (0) is connected to node 2 and must see the change.
        var x2 = x.clone();
        x2[0, 2] = randn(7);
        var y2 = net.forward(x2, t);
        Assert.True(y1[0, 1].allclose(y2[0, 1], rtol: 0, atol: 1e-6), "node 1 changed although it cannot attend to node 2");
        Assert.False(y1[0, 0].allclose(y2[0, 0], rtol: 0, atol: 1e-6), "node 0 did not change although it attends to node 2");
    }

    [Fact]
    public void SparseAttentionEqualsDenseMaskedAttentionOnTheEdgeTokenWiring()
    {
        // NAS-Bench-NLP's token view: 406 tokens, so the encoder switches to the sparse path; the block's output and its
        // input gradient must be those of the dense masked attention with the same weights.
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        var tokens = new EdgeTokenSpace(new NlpSpace());
        int n = tokens.MaxNodes;
        var biasValues = Tiny.AttentionBias(tokens.FixedAdjacency!);
        using var pattern = SparseAttentionPattern.TryCreate(biasValues, n);
        Assert.NotNull(pattern);
        Assert.Null(SparseAttentionPattern.TryCreate(Tiny.AttentionBias(Space.FixedAdjacency!), 8));   // NB201 stays dense
        using var block = new AttentionBlock("b", 32, 4, 64, 0);
        var bias = tensor(biasValues).view(n, n);
        var x = randn(2, n, 32).requires_grad_(true);
        var dense = block.forward(x, bias);
        var gd = autograd.grad([dense.square().sum()], [x])[0];
        var sparse = block.Forward(x, pattern!);
        var gs = autograd.grad([sparse.square().sum()], [x])[0];
        Assert.True(dense.allclose(sparse, rtol: 1e-4, atol: 1e-5), $"max difference {(dense - sparse).abs().max().item<float>()}");
        Assert.True(gd.allclose(gs, rtol: 1e-4, atol: 1e-4), $"max gradient difference {(gd - gs).abs().max().item<float>()}");
        using var net = new ScoreNetwork(Tiny, n, tokens.NodeVocabulary.Count, tokens.FixedAdjacency!);
        Assert.Contains(net.modules(), m => m is GraphEncoder { SparseAttention: true });
    }

    [Fact]
    public void ClosureMaskReachesAlongPaths()
    {
        var adjacency = Space.FixedAdjacency!;
        var adj = Tiny.AttentionBias(adjacency);
        var clo = (Tiny with { Mask = "closure" }).AttentionBias(adjacency);
        // Input (0) reaches edge (1->2) (node 3) only through a path; output (7) reaches the input only through paths.
        Assert.True(float.IsNegativeInfinity(adj[0 * 8 + 3]));
        Assert.Equal(0f, clo[0 * 8 + 3]);
        Assert.Equal(0f, clo[7 * 8 + 0]);
        Assert.True(float.IsNegativeInfinity(clo[1 * 8 + 2]));
    }

    [Fact]
    public void SameSeedGivesSameSamplesAndDifferentSeedsDiffer()
    {
        using var gen = TinyGenerator();
        gen.TrainToEnd();
        var sampler = new SamplerConfig(Steps: 5);
        using var a = gen.Sample(8, sampler, seed: 7);
        using var b = gen.Sample(8, sampler, seed: 7);
        using var c = gen.Sample(8, sampler, seed: 8);
        Assert.True(a.equal(b).all().item<bool>(), $"max diff {(a - b).abs().max().item<float>()}");
        Assert.False(a.allclose(c));
    }

    [Fact]
    public void CheckpointRoundTripGivesIdenticalSamplesAndResumesExactly()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nagsharp-ckpt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var sampler = new SamplerConfig(Steps: 4);
            string path = Path.Combine(dir, "g.ckpt");
            using (var gen = TinyGenerator(steps: 6))
            {
                gen.TrainToEnd();
                gen.Save(path);
                using var before = gen.Sample(6, sampler, seed: 3);
                using var loaded = ScoreGenerator.Load(path);
                using var after = loaded.Sample(6, sampler, seed: 3);
                Assert.Equal(6, loaded.Step);
                Assert.True(before.equal(after).all().item<bool>());
            }

            // 6 steps, save, reload, 6 more == 12 steps straight (optimiser, EMA and RNG state all restored).
            using var straight = TinyGenerator(steps: 12);
            straight.TrainToEnd();
            using var resumed = ScoreGenerator.Load(path, new TrainConfig(Steps: 12, Batch: 32, Warmup: 2, Seed: 0));
            resumed.TrainToEnd();
            foreach (var (p, q) in straight.Ema.parameters().Zip(resumed.Ema.parameters()))
                Assert.True(p.allclose(q, rtol: 1e-5, atol: 1e-6));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void UnreadableCheckpointIsADataErrorNamingTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), "nagsharp-bad-" + Guid.NewGuid().ToString("N") + ".ckpt");
        File.WriteAllText(path, "not a checkpoint");
        try
        {
            var e = Assert.Throws<NagDataException>(() => ScoreGenerator.Load(path));
            Assert.Contains(path, e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LiveTensorCountStaysFlatAcrossSampling()
    {
        using var gen = TinyGenerator(steps: 2);
        gen.TrainToEnd();
        var stats = DisposeScopeManager.Statistics.TensorStatistics;
        gen.Sample(4, new SamplerConfig(Steps: 2), 0).Dispose(); // warm-up: lazy allocations
        long baseline = stats.ThreadTotalLiveCount;
        gen.Sample(4, new SamplerConfig(Steps: 3), 0).Dispose();
        long afterShort = stats.ThreadTotalLiveCount;
        gen.Sample(4, new SamplerConfig(Steps: 30), 0).Dispose();
        gen.Sample(4, new SamplerConfig(Kind: SamplerKind.Ode, Steps: 30), 0).Dispose();
        long afterLong = stats.ThreadTotalLiveCount;
        Assert.Equal(baseline, afterShort);
        Assert.Equal(baseline, afterLong);
    }

    [Fact]
    public void VpCorrectorStaysFiniteWithFewSteps()
    {
        // With fewer steps than beta_max, the first-order 1 - beta dt of the Langevin step size is negative: every
        // sample used to come out NaN.
        using var gen = TinyGenerator(steps: 2, sde: "vp");
        gen.TrainToEnd();
        foreach (int steps in new[] { 1, 4, 19 })
        {
            using var x = gen.Sample(4, new SamplerConfig(Steps: steps), seed: 1);
            Assert.False(x.isnan().any().item<bool>(), $"NaN with {steps} steps");
        }
        Assert.True(new VpSde(0.1, 20, 1e-5).CorrectorAlpha(1.0, 0.25) > 0);
    }

    [Theory]
    [InlineData("ve")]
    [InlineData("vp")]
    public void SelfConditionedGeneratorReadsItsEstimateRoundTripsAndKeepsTensorCountFlat(string sde)
    {
        using var gen = TinyGenerator(steps: 6, selfCondition: true, sde: sde);
        using var plain = TinyGenerator(steps: 6, sde: sde);
        Assert.True(gen.SelfCondition);
        Assert.True(gen.ParameterCount > plain.ParameterCount);   // the input layer also reads the F estimate channels
        gen.TrainToEnd();

        // The estimate is an input that matters: the same x_t with and without it scores differently.
        using (NewDisposeScope())
        {
            var x = randn(3, Space.MaxNodes, Space.NodeVocabulary.Count);
            var none = gen.Score(x, 0.3);
            var some = gen.Score(x, 0.3, ones_like(x), out var next);
            Assert.False(none.allclose(some));
            Assert.NotNull(next);
            Assert.True(next!.abs().max().item<float>() <= 1f);   // a clean estimate stays in the data range
        }

        var sampler = new SamplerConfig(Steps: 4);
        using var a = gen.Sample(6, sampler, seed: 3);
        using var b = gen.Sample(6, sampler, seed: 3);
        Assert.True(a.equal(b).all().item<bool>());

        string path = Path.Combine(Path.GetTempPath(), "nagsharp-selfcond-" + Guid.NewGuid().ToString("N") + ".ckpt");
        try
        {
            gen.Save(path);
            using (var loaded = ScoreGenerator.Load(path))
            {
                Assert.True(loaded.SelfCondition);
                using var c = loaded.Sample(6, sampler, seed: 3);
                Assert.True(a.equal(c).all().item<bool>());
            }
            // A checkpoint written before self-conditioning existed has no flag and a plain network.
            plain.Save(path);
            using var old = OldCheckpoints.LoadWithout(path, "self_condition");
            Assert.False(old.SelfCondition);
        }
        finally { File.Delete(path); }

        var stats = DisposeScopeManager.Statistics.TensorStatistics;
        gen.Sample(4, new SamplerConfig(Steps: 2), 0).Dispose();   // warm-up: lazy allocations
        long baseline = stats.ThreadTotalLiveCount;
        gen.Sample(4, new SamplerConfig(Steps: 30), 0).Dispose();
        gen.Sample(4, new SamplerConfig(Steps: 30, CorrectorSteps: 0), 0).Dispose();
        gen.Sample(4, new SamplerConfig(Kind: SamplerKind.Ode, Steps: 30), 0).Dispose();
        Assert.Equal(baseline, stats.ThreadTotalLiveCount);
    }

    [Fact]
    public void GuidanceRaisesThePredictedProperty()
    {
        // Property: number of nor_conv_3x3 edges. A tiny predictor learns it; guided samples score higher.
        var rng = new Random(0);
        var archs = Enumerable.Range(0, 400).Select(_ => Space.Sample(rng)).ToArray();
        int conv3 = Nb201Space.Operations.ToList().IndexOf("nor_conv_3x3");
        var y = archs.Select(a => (double)((Nb201Arch)a).Ops.Count(o => o == conv3)).ToArray();
        using var predictor = new NoiseAwarePredictor(Space, new SdeConfig(), Tiny, new TrainConfig(Steps: 150, Batch: 64, Warmup: 10, LearningRate: 3e-3), "conv3", TargetTransform.Zscore);
        predictor.Fit(archs, y);
        using var gen = TinyGenerator(steps: 2);
        gen.TrainToEnd();
        var sampler = new SamplerConfig(Steps: 20);
        double Score(Tensor x)
        {
            using var _ = no_grad();
            return predictor.Forward(x, 1e-5).mean().item<float>();
        }
        using var plain = gen.Sample(32, sampler, 5);
        using var guided = gen.Sample(32, sampler, 5, new PredictorGuidance(predictor, 50));
        Assert.True(Score(guided) > Score(plain) + 0.5, $"guided {Score(guided)} vs plain {Score(plain)}");
    }

    [Fact]
    public void RepulsionIsTheGradientOfTheKernelPotentialAndSeparatesSamples()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var x = randn(6, 3, 2, dtype: ScalarType.Float64);
        var rep = new RepulsionGuidance(null, 0.7);
        var g = rep.Gradient(x, 0.5, zeros_like(x));                                        // [6, 3, 2]
        // Reference: autograd of -0.7 * sum_{i,j} exp(-|x_i - x_j|^2 / h) with the median-heuristic bandwidth.
        var flat = x.reshape(6, -1);
        var d2 = (flat.unsqueeze(1) - flat.unsqueeze(0)).square().sum(-1);
        double h = d2.median().item<double>() / Math.Log(6);
        var xg = x.detach().requires_grad_(true);
        var fg = xg.reshape(6, -1);
        var potential = (fg.unsqueeze(1) - fg.unsqueeze(0)).square().sum(-1).div(-h).exp().sum() * -0.7 / 2;
        var expected = torch.autograd.grad([potential], [xg])[0];
        Assert.True(g.allclose(expected, rtol: 1e-6, atol: 1e-9), $"max diff {(g - expected).abs().max().item<double>()}");
        // Two close samples move apart; a pair of identical samples feels no force from each other.
        var pair = tensor(new double[] { 0, 0, 0.1, 0, 5, 5, 5, 5 }).reshape(4, 2, 1);
        var step = pair + rep.Gradient(pair, 0.5, zeros_like(pair)) * 0.01;
        Assert.True((step[1] - step[0]).norm().item<double>() > 0.1);
        Assert.True((step[3] - step[2]).norm().item<double>() < 1e-12);
        Assert.Equal(0, new RepulsionGuidance(null, 0.7) { StopTime = 0.6 }.Gradient(x, 0.5, zeros_like(x)).abs().max().item<double>());
        Assert.Throws<NagUserException>(() => new RepulsionGuidance(null, -1));
    }

    [Fact]
    public void DecodeFollowsTheThresholdRule()
    {
        var a = Space.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|");
        using var x = GraphCodec.Encode(Space, [a, a, a]);
        x[1, 3, 0] = tensor(0.5f);   // a second entry above 0.5 in row 3 -> invalid
        x[2, 0, 0] = tensor(-1f);    // input row empty -> invalid
        var d = GraphCodec.Decode(Space, x);
        Assert.Equal(a, d[0].Arch);
        Assert.False(d[1].Valid);
        Assert.Contains("node 3", d[1].Reason);
        Assert.False(d[2].Valid);
    }

    [Fact]
    public void MetricsFlagUniqueAndNovel()
    {
        var a = Space.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|");
        var b = Space.Parse("|none~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|");
        var records = GenerationMetrics.Flag([new(a, null), new(a, null), new(b, null), new(null, "bad")], new HashSet<string> { a.ToString() });
        var (valid, unique, novel) = GenerationMetrics.Rates(records);
        Assert.Equal(0.75, valid, 10);
        Assert.Equal(2.0 / 3, unique, 10);
        Assert.Equal(0.5, novel, 10);
    }

    [Fact]
    public void UniformUniquenessMatchesTheClosedFormAndASimulation()
    {
        Assert.Equal(0.1, GenerationMetrics.UniformUniqueness(1, 10), 12);       // one architecture: one distinct of ten
        Assert.Equal(1.0, GenerationMetrics.UniformUniqueness(1, 1), 12);
        Assert.Equal(1.0, GenerationMetrics.UniformUniqueness(1L << 60, 256), 9);
        Assert.Equal(0.9617, GenerationMetrics.UniformUniqueness(3256, 256), 3);
        // Against draws: the mean distinct fraction of 2,000 runs of 256 uniform draws from 3,256 items.
        var rng = new Random(0);
        double sum = 0;
        for (int run = 0; run < 2000; run++)
            sum += Enumerable.Range(0, 256).Select(_ => rng.Next(3256)).Distinct().Count() / 256.0;
        Assert.Equal(GenerationMetrics.UniformUniqueness(3256, 256), sum / 2000, 3);
    }
}

[Collection(TorchCollection.Name)]
public sealed class PredictorTransformTests
{
    [Theory]
    [InlineData("zscore")]
    [InlineData("rank")]
    [InlineData("normal")]
    public void TransformIsMonotoneAndInvertible(string transform)
    {
        var space = new Nb201Space();
        var rng = new Random(2);
        var archs = Enumerable.Range(0, 40).Select(_ => space.Sample(rng)).ToArray();
        // A skewed target with ties and a long low tail, like benchmark accuracies.
        var y = archs.Select((_, i) => i % 7 == 0 ? 10.0 : 80 + (i % 13) * 0.9).ToArray();
        using var p = new NoiseAwarePredictor(space, new SdeConfig(), new NetworkConfig(Layers: 1, Dim: 8, Heads: 2, Ffn: 8, HeadHidden: 8),
            new TrainConfig(Steps: 1, Batch: 8, Warmup: 0), "y", SettingNames.Parse<TargetTransform>(transform, "transform"));
        p.Fit(archs, y);
        var distinct = y.Distinct().Order().ToArray();
        for (int i = 1; i < distinct.Length; i++) Assert.True(p.ToModel(distinct[i]) > p.ToModel(distinct[i - 1]));
        if (transform is "zscore" or "normal")
            foreach (var v in distinct) Assert.Equal(v, p.FromModel(p.ToModel(v)), 6);
        if (transform == "normal")
        {
            // Normal scores: the six tied lowest values share mean rank 2.5 -> the 3/40 quantile of N(0, 1); the top
            // three share rank 38 -> the 38.5/40 quantile. Far outside, predictions clamp to the training range.
            Assert.Equal(-1.4395, p.ToModel(distinct[0]), 3);
            Assert.Equal(1.7805, p.ToModel(distinct[^1]), 3);
            Assert.Equal(distinct[^1], p.FromModel(10), 6);
            Assert.Equal(distinct[0], p.FromModel(-10), 6);
        }
        else if (transform == "rank")
        {
            // Ranks land on the z-score scale of U(0, 1) and map back inside the training range.
            Assert.InRange(p.ToModel(distinct[0]), -1.8, -1.5);
            Assert.InRange(p.ToModel(distinct[^1]), 1.5, 1.8);
            Assert.Equal(distinct[^1], p.FromModel(10), 6);
            Assert.Equal(distinct[0], p.FromModel(-10), 6);
            double mid = p.FromModel(0);
            Assert.InRange(mid, distinct[0], distinct[^1]);
        }
    }
}

[Collection(TorchCollection.Name)]
public sealed class TaskPredictorTests
{
    private static readonly Nb201Space Space = new();
    private static readonly NetworkConfig Tiny = new(Layers: 1, Dim: 16, Heads: 2, Ffn: 32, HeadHidden: 32);

    /// <summary>Two opposite tasks (more 3x3 convolutions is better; fewer is better) and their embeddings [1, 0], [0, 1].</summary>
    private static (Arch[] Archs, double[,] Y, double[,] E, double[] Conv3) OppositeTasks()
    {
        var rng = new Random(0);
        var archs = Enumerable.Range(0, 300).Select(_ => Space.Sample(rng)).ToArray();
        int conv3 = Nb201Space.Operations.ToList().IndexOf("nor_conv_3x3");
        var count = archs.Select(a => (double)((Nb201Arch)a).Ops.Count(o => o == conv3)).ToArray();
        double mean = count.Average(), std = Math.Sqrt(count.Average(c => (c - mean) * (c - mean)));
        var y = new double[archs.Length, 2];
        for (int i = 0; i < archs.Length; i++) { y[i, 0] = (count[i] - mean) / std; y[i, 1] = -y[i, 0]; }
        return (archs, y, new double[,] { { 1, 0 }, { 0, 1 } }, count);
    }

    [Fact]
    public void TheTaskEmbeddingDecidesWhichTaskIsPredictedAndSurvivesACheckpoint()
    {
        var (archs, y, e, conv3) = OppositeTasks();
        using var p = new NoiseAwarePredictor(Space, new SdeConfig(), Tiny, new TrainConfig(Steps: 300, Batch: 64, Warmup: 10, LearningRate: 3e-3), "two tasks", TargetTransform.Zscore, taskDim: 2);
        Assert.Equal(2, p.TaskDim);
        p.FitTasks(archs, y, e, mixShare: 0.5);
        Assert.Throws<NagUserException>(() => p.Predict(archs));                 // no embedding set: refused, not guessed
        p.TaskEmbedding = [1, 0];
        var first = p.Predict(archs);
        p.TaskEmbedding = [0, 1];
        var second = p.Predict(archs);
        Assert.True(Stats.Spearman(first, conv3) > 0.6, $"task 0: Spearman {Stats.Spearman(first, conv3)}");
        Assert.True(Stats.Spearman(second, conv3) < -0.6, $"task 1: Spearman {Stats.Spearman(second, conv3)}");
        // The mixture halfway between the two tasks predicts neither: its spread is much smaller.
        p.TaskEmbedding = [0.5, 0.5];
        var middle = p.Predict(archs);
        Assert.True(Std(middle) < 0.5 * Std(first), $"middle std {Std(middle)} vs {Std(first)}");

        p.TaskEmbedding = [1, 0];
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "p.ckpt");
        p.Save(path);
        using var q = NoiseAwarePredictor.Load(path);
        Assert.Equal(2, q.TaskDim);
        Assert.Equal(new[] { 1.0, 0.0 }, q.TaskEmbedding);
        Assert.Equal(first, q.Predict(archs));
    }

    [Fact]
    public void LiveTensorCountStaysFlatAcrossTaskGuidedSamplingAndPrediction()
    {
        var (archs, y, e, _) = OppositeTasks();
        using var p = new NoiseAwarePredictor(Space, new SdeConfig(), Tiny, new TrainConfig(Steps: 2, Batch: 8, Warmup: 0), "t", taskDim: 2);
        p.FitTasks(archs, y, e);
        p.TaskEmbedding = [0.3, 0.7];
        using var gen = new ScoreGenerator(Space, new SdeConfig(), Tiny, new TrainConfig(Steps: 1, Batch: 8, Warmup: 0), archs.Select(a => a.ToString()).ToList());
        gen.TrainToEnd();
        var guidance = new PredictorGuidance(p, 5);
        var stats = DisposeScopeManager.Statistics.TensorStatistics;
        gen.Sample(4, new SamplerConfig(Steps: 2), 0, guidance).Dispose();   // warm-up: lazy allocations
        p.Predict(archs.Take(5).ToArray());
        long baseline = stats.ThreadTotalLiveCount;
        gen.Sample(4, new SamplerConfig(Steps: 10), 1, guidance).Dispose();
        p.Predict(archs);
        Assert.Equal(baseline, stats.ThreadTotalLiveCount);
    }

    private static double Std(double[] v) => Math.Sqrt(v.Average(x => (x - v.Average()) * (x - v.Average())));

    [Fact]
    public void WrongEmbeddingsAndWrongFitsAreRefused()
    {
        var (archs, y, e, _) = OppositeTasks();
        using var p = new NoiseAwarePredictor(Space, new SdeConfig(), Tiny, new TrainConfig(Steps: 1, Batch: 8, Warmup: 0), "t", taskDim: 2);
        Assert.Throws<NagUserException>(() => p.TaskEmbedding = [1, 0, 0]);
        Assert.Throws<NagUserException>(() => p.TaskEmbedding = [double.NaN, 0]);
        Assert.Throws<InvalidOperationException>(() => p.Fit(archs, archs.Select(_ => 1.0).ToArray()));
        Assert.Throws<NagUserException>(() => p.FitTasks(archs, y, new double[,] { { 1, 0, 0 }, { 0, 1, 0 } }));
        var bad = (double[,])y.Clone();
        bad[3, 1] = double.PositiveInfinity;
        Assert.Throws<NagUserException>(() => p.FitTasks(archs, bad, e));
        using var free = new NoiseAwarePredictor(Space, new SdeConfig(), Tiny, new TrainConfig(Steps: 1, Batch: 8, Warmup: 0), "t");
        Assert.Throws<InvalidOperationException>(() => free.FitTasks(archs, y, e));
        Assert.Throws<NagUserException>(() => free.TaskEmbedding = [1.0]);
    }
}
