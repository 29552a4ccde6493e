using NagSharp.Benchmarks;
using NagSharp.Experiments;
using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Search;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Tests;

/// <summary>Surrogate ensembles, acquisitions and the BO strategies (BANANAS, generator BO, transfer).</summary>
[Collection(TorchCollection.Name)]
public sealed class BayesOptTests
{
    private const string Obj = "cifar10_valid_acc200", Rep = "cifar10_test_acc200";

    /// <summary>Small and fast settings: the tests check the protocol, not search quality.</summary>
    private static readonly BoConfig Fast = new(Ensemble: new EnsembleConfig(Hidden: 16, FitSteps: 30, RefitSteps: 10), MutantsPerParent: 5, RandomCandidates: 10);

    private static readonly Lazy<ScoreGenerator> TinyGenerator = new(() =>
    {
        var space = new Nb201Space();
        var train = space.Enumerate().Take(2000).Select(a => a.ToString()).ToList();
        var gen = new ScoreGenerator(space, new SdeConfig(), NetworkConfig.Preset("tiny"), new TrainConfig(Steps: 40, Batch: 64, Warmup: 5), train);
        gen.TrainToEnd();
        return gen;
    });

    private static readonly Lazy<IArchGenerator> TinyBo = new(() => TinyGenerator.Value);

    /// <summary>A discrete NB101 generator barely trained: enough to exercise guidance and the search protocol.</summary>
    private static readonly Lazy<DiscreteGenerator> TinyNb101 = new(() =>
    {
        var space = new Nb101Space();
        var rng = new Random(5);
        var set = Enumerable.Range(0, 300).Select(_ => new LabelledArch(space.Sample(rng).ToString(), [])).ToList();
        var gen = new DiscreteGenerator(space, new DiscreteConfig(DiffusionSteps: 20), DenoiserConfig.Preset("tiny"),
            new TrainConfig(Steps: 60, Batch: 32, Warmup: 5), [], set);
        gen.TrainToEnd();
        return gen;
    });

    private static StrategyOptions Options(BenchmarkData? data = null) => new()
    {
        Bo = Fast,
        GeneratorBo = new GeneratorBoConfig(Samples: 16, Sampler: new SamplerConfig(Steps: 4), Scale: 10, Attempts: 1),
        Generator = () => TinyBo.Value,
        Transfer = () => TransferPrior.Pretrain(new Nb201Space(), [("cifar100_valid_acc200", data!.ColumnEntries("cifar100_valid_acc200").ToList())],
            Fast.EnsembleOrDefault, TinyGenerator.Value.Sde, steps: 30, batch: 256),
    };

    [SkippableTheory]
    [InlineData("bananas")]
    [InlineData("gp-bo")]
    [InlineData("generator-bo")]
    [InlineData("transfer")]
    public void StrategiesSpendTheBudgetOnDistinctArchitecturesCountedOnceAndAreReproducible(string name)
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        var options = Options(data);
        var a = AssertSpendsTheBudgetOnDistinctCountedReproducibleQueries(() => StrategyRegistry.Create(name, space, 7, options), data, Obj, Rep, 7);
        Assert.All(a, t => Assert.Equal(name, t.Strategy));
    }

    [SkippableFact]
    public void GeneratorBoRankedByAGpWithCostsKeepsTheProtocolAndRanksWithTheGp()
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        var options = Options(data) with { Bo = Fast with { Ranker = "gp", CostInputs = true, Acquisition = "ei" } };
        GeneratorBoSearch? last = null;
        AssertSpendsTheBudgetOnDistinctCountedReproducibleQueries(() => last = (GeneratorBoSearch)StrategyRegistry.Create("generator-bo", space, 3, options),
            data, Obj, Rep, 3);
        // The GP was fitted (with the cost tail) rather than only the guiding ensemble.
        Assert.NotNull(last!.LastGp);
        Assert.True(double.IsFinite(last.LastGp!.TailWeight));
        Assert.Throws<NagUserException>(() => (Fast with { Ranker = "forest" }).Validate());
    }

    [SkippableTheory]
    [InlineData("ensemble")]
    [InlineData("gp")]
    public void GeneratorBoReplaysARecordedHistoryIntoTheSameProposals(string ranker)
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        var options = Options(data) with { Bo = Fast with { Ranker = ranker, CostInputs = ranker == "gp" } };
        using var first = (GeneratorBoSearch)StrategyRegistry.Create("generator-bo", space, 2, options);
        var full = SearchHarness.Run(first, data, Obj, Rep, 20, 2);
        using var second = (GeneratorBoSearch)StrategyRegistry.Create("generator-bo", space, 2, options);
        var resumed = SearchHarness.Run(second, data, Obj, Rep, 20, 2, full.Take(13).ToList());
        Assert.Equal(full, resumed);
    }

    [SkippableFact]
    public void TransferPriorRanksTheSourceAndProposesBeforeAnyTargetQuery()
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        var rows = data.ColumnEntries("cifar100_valid_acc200").ToList();
        using var prior = TransferPrior.Pretrain(space, [("cifar100_valid_acc200", rows)], new EnsembleConfig(Hidden: 32), TinyGenerator.Value.Sde, steps: 150, batch: 512);
        var probe = rows.Where((_, i) => i % 50 == 0).ToList();
        using var preds = prior.Pretrained.Predict(probe.Select(r => r.Arch).ToList());
        using var mean = preds.mean([0]);
        var m = mean.data<float>().Select(v => (double)v).ToArray();
        Assert.True(Stats.Spearman(m, probe.Select(r => r.Value).ToArray()) > 0.6);
        using var transfer = new GeneratorBoSearch(space, 0, TinyBo.Value, Fast,
            new GeneratorBoConfig(Samples: 16, Sampler: new SamplerConfig(Steps: 4), Scale: 10), prior);
        Assert.Equal("transfer", transfer.Name);
        // Before any target value is known the round is the top of the exact source ranking, in order.
        var firstRound = Enumerable.Range(0, Fast.BatchAt(0)).Select(_ => transfer.Ask().ToString()).ToList();
        Assert.Equal(prior.Ranked.Take(firstRound.Count).Select(a => a.ToString()), firstRound);
    }

    [SkippableFact]
    public void SourceScoresAverageOwnAndNeighbourhoodRankScores()
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        var rows = data.ColumnEntries("cifar100_valid_acc200").ToList();
        var scores = TransferPrior.SourceScores(space, [("cifar100_valid_acc200", rows)]);
        var z = Stats.RankScores(rows.Select(r => r.Value).ToArray());
        var byKey = rows.Select((r, i) => (r.Arch.ToString(), z[i])).ToDictionary(e => e.Item1, e => e.Item2);
        foreach (var arch in new[] { rows[0].Arch, rows[4321].Arch })
        {
            var near = space.Neighbours(arch).Select(n => byKey[n.ToString()]).Average();
            Assert.Equal((byKey[arch.ToString()] + near) / 2, scores[arch.ToString()].Score, 9);
        }
        Assert.Equal(rows.Count, scores.Count);
    }

    [Fact]
    public void SoftFeaturesOfAHardGraphAreItsFeatures()
    {
        var space = new Nb101Space();
        var rng = new Random(3);
        var archs = Enumerable.Range(0, 6).Select(_ => space.Sample(rng)).ToList();
        using var ens = new EnsembleSurrogate(space, new EnsembleConfig(Hidden: 8), 0);
        int n = space.MaxNodes, k = space.NodeVocabulary.Count, b = archs.Count;
        var nodes = new float[b * n * k];
        var edges = new float[b * n * n];
        for (int s = 0; s < b; s++)
        {
            var g = space.Encode(archs[s]);
            for (int i = 0; i < n; i++)
            {
                if (g.NodeTypes[i] >= 0) nodes[(s * n + i) * k + g.NodeTypes[i]] = 1;
                for (int j = i + 1; j < n; j++) edges[(s * n + i) * n + j] = g.Adjacency[i, j] ? 1 : 0;
            }
        }
        using var soft = ens.SoftFeatures(tensor(nodes).view(b, n, k), tensor(edges).view(b, n, n));
        using var hard = ens.Features(archs);
        Assert.Equal(hard.shape, soft.shape);
        Assert.True(soft.equal(hard).all().item<bool>());
    }

    [Fact]
    public void DiscreteAcquisitionGuidanceSteersSamplesTowardsWhatTheEnsembleRewards()
    {
        // A synthetic objective the ensemble learns exactly from one-hots: the number of conv3x3 nodes of a cell.
        var gen = TinyNb101.Value;
        var space = gen.Space;
        int conv = space.NodeVocabulary.ToList().IndexOf("conv3x3-bn-relu");
        Assert.True(conv >= 0);
        var rng = new Random(8);
        var archs = Enumerable.Range(0, 200).Select(_ => space.Sample(rng)).DistinctBy(a => a.ToString()).ToList();
        double Count(Graphs.ArchGraph g) => g.NodeTypes.Count(v => v == conv);
        using var ens = new EnsembleSurrogate(space, new EnsembleConfig(Hidden: 32, FitSteps: 300), 0);
        ens.Fit(archs, archs.Select(a => Count(space.Encode(a))).ToList(), 0);
        using var member = zeros(64, dtype: ScalarType.Int64);
        var steer = new DiscreteAcquisitionGuidance(new AcquisitionModel(ens, "ucb", 0, 0, 5, member));
        var stats = DisposeScopeManager.Statistics.TensorStatistics;
        gen.Sample(8, 2, 1, steer: steer);
        GC.Collect();
        GC.WaitForPendingFinalizers();   // garbage of earlier tests finalized inside the window would lower the count
        long baseline = stats.ThreadTotalLiveCount;
        var steered = gen.Sample(64, 10, 1, steer: steer);
        Assert.Equal(baseline, stats.ThreadTotalLiveCount);                // steering leaves no tensor behind
        var plain = gen.Sample(64, 10, 1);
        double Mean(IEnumerable<DecodedSample> s) => s.Average(d => Count(d.Graph!));
        Assert.True(Mean(steered) > Mean(plain) + 0.5, $"steered {Mean(steered):F2} conv nodes per cell vs {Mean(plain):F2} unsteered");
    }

    [SkippableFact]
    public void DiscreteGeneratorBoSearchesThePartialTableOfAFreeTopologySpace()
    {
        var data = TestData.Nb101;
        var table = new TableSpace(new Nb101Space(), data, "val_accuracy");
        var options = new StrategyOptions
        {
            Bo = Fast,
            GeneratorBo = new GeneratorBoConfig(Samples: 16, Sampler: new SamplerConfig(Steps: 5), Scale: 5, Attempts: 1),
            Generator = () => TinyNb101.Value,
        };
        AssertSpendsTheBudgetOnDistinctCountedReproducibleQueries(() => StrategyRegistry.Create("generator-bo", table, 3, options), data,
            "val_accuracy", "params_M", 3);
    }

    /// <summary>Runs a fresh strategy twice for 24 queries: distinct architectures, each counted once by the oracle on the
    /// objective only, and the same trials both times. Returns the first run.</summary>
    private static List<Trial> AssertSpendsTheBudgetOnDistinctCountedReproducibleQueries(Func<ISearchStrategy> create, BenchmarkData data,
        string objective, string report, int seed)
    {
        List<Trial> RunOnce(Oracle? oracle = null)
        {
            var s = create();
            try { return SearchHarness.Run(s, data, objective, report, 24, seed, oracle: oracle); }
            finally { (s as IDisposable)?.Dispose(); }
        }
        var oracle = new Oracle(data);
        var a = RunOnce(oracle);
        Assert.Equal(24, a.Count);
        Assert.Equal(24, a.Select(t => t.Arch).Distinct().Count());
        Assert.Equal(24, oracle.Queries);
        Assert.Equal(24, oracle.QueriesOf(objective));
        Assert.Equal(0, oracle.QueriesOf(report));
        Assert.Equal(a, RunOnce());
        return a;
    }

    [Fact]
    public void ShrunkLineIsLeastSquaresPulledTowardsUnitSlope()
    {
        // Sxy = 4, Sxx = 2 around means (1, 3): beta = (4 + 5) / (2 + 5); without shrinkage the exact line y = 1 + 2x.
        var (c, beta) = GeneratorBoSearch.ShrunkLine([0, 1, 2], [1, 3, 5], 5);
        Assert.Equal(9.0 / 7, beta, 12);
        Assert.Equal(3 - 9.0 / 7, c, 12);
        Assert.Equal((1.0, 2.0), GeneratorBoSearch.ShrunkLine([0, 1, 2], [1, 3, 5], 0));
    }

    [Fact]
    public void PathEncodingOfNb201MatchesTheHandCountedPaths()
    {
        var space = new Nb201Space();
        var paths = PathEncoding.TryCreate(space)!;
        // Input and output never vary, so sequences use the five operations; paths of 1, 2, 2 and 3 operations.
        Assert.Equal([2, 3, 4, 5, 6], paths.Alphabet);
        Assert.Equal(4, paths.Paths.Count);
        Assert.Equal(5 + 25 + 125, paths.FeatureCount);
        // Edges (0->1, 0->2, 1->2, 0->3, 1->3, 2->3) = (3x3, 3x3, 1x1, skip, 3x3, 3x3); op index = alphabet index.
        var arch = new Nb201Arch([3, 3, 2, 1, 3, 3]);
        var expected = new float[155];
        expected[1] = 1;                       // 0->3: skip
        expected[5 + 3 * 5 + 3] = 2;           // 0->1->3 and 0->2->3: both 3x3 then 3x3
        expected[30 + 3 * 25 + 2 * 5 + 3] = 1; // 0->1->2->3: 3x3, 1x1, 3x3
        using var x = Diffusion.GraphCodec.Encode(space, [arch]);
        using var f = paths.Compute(x);
        var got = f.data<float>().ToArray();
        Assert.Equal(155, got.Length);
        for (int i = 0; i < got.Length; i++) Assert.True(Math.Abs(got[i] - expected[i]) < 0.05, $"feature {i}: {got[i]} vs {expected[i]}");
    }

    [Fact]
    public void PathFeaturesPassGradientsToTheOperationNodesOnly()
    {
        var space = new Nb201Space();
        var paths = PathEncoding.TryCreate(space)!;
        var rng = new Random(3);
        using var clean = Diffusion.GraphCodec.Encode(space, [space.Sample(rng), space.Sample(rng)]);
        using var x = (clean + randn_like(clean) * 0.7f).requires_grad_(true);
        using var f = paths.Compute(x);
        using var weights = arange(f.shape[1], dtype: ScalarType.Float32);   // a sum would hide opposite-signed terms
        using var g = autograd.grad([(f * weights).sum()], [x])[0];
        Assert.True(g.isfinite().all().item<bool>());
        Assert.True(g[.., 1..7].abs().sum().item<float>() > 1e-3);             // the six operation nodes
        Assert.Equal(0f, g[.., 0].abs().sum().item<float>() + g[.., 7].abs().sum().item<float>());   // input and output are constant

        // Through a noise-aware surrogate on path features, as the generator's guidance uses it.
        using var ens = new EnsembleSurrogate(space, new EnsembleConfig(Hidden: 16, Encoding: "paths"), 0, new SdeConfig().Create());
        Assert.Equal(155, ens.ModelInputs);
        using var xs = x.detach().requires_grad_(true);
        using var preds = ens.Forward(xs.reshape(2, -1), full(2, 0.5f));
        using var gs = autograd.grad([preds.sum()], [xs])[0];
        Assert.True(gs.isfinite().all().item<bool>() && gs.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void PathEncodingFallsBackWhereItDoesNotFit()
    {
        Assert.Null(PathEncoding.TryCreate(new Nb101Space()));   // topology varies
        var ofa = new OfaSpace();                                 // one long chain: |alphabet|^nodes features
        Assert.Null(PathEncoding.TryCreate(ofa));
        using var ens = new EnsembleSurrogate(ofa, new EnsembleConfig(Hidden: 8, Encoding: "onehot+paths"), 0);
        Assert.Null(ens.Paths);
        Assert.Equal(ens.FeatureCount, ens.ModelInputs);
        Assert.Throws<NagUserException>(() => new EnsembleConfig(Encoding: "graph").Validate());
        Assert.Throws<NagUserException>(() => new BoConfig(ExploitFraction: 1.5).Validate());
        Assert.Throws<NagUserException>(() => new BoConfig(ExploitParents: 0).Validate());
    }

    [SkippableTheory]
    [InlineData("bananas")]
    [InlineData("generator-bo")]
    public void PathInputsAndExploitationKeepTheProtocol(string name)
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        var options = Options(data) with
        {
            Bo = Fast with { ExploitFraction = 0.6, Ensemble = Fast.EnsembleOrDefault with { Encoding = "onehot+paths" } },
        };
        List<Trial> RunOnce()
        {
            var s = StrategyRegistry.Create(name, space, 5, options);
            try { return SearchHarness.Run(s, data, Obj, Rep, 30, 5); }
            finally { (s as IDisposable)?.Dispose(); }
        }
        var a = RunOnce();
        Assert.Equal(30, a.Count);
        Assert.Equal(30, a.Select(t => t.Arch).Distinct().Count());
        Assert.Equal(a, RunOnce());
    }

    [Fact]
    public void ExpectedImprovementMatchesTheClosedForm()
    {
        // Two members per candidate: mean 1, std sqrt(2) (unbiased) for candidate 0; mean 0, std 0 -> clamped for 1.
        using var preds = tensor(new float[] { 0, 0, 2, 0 }).view(2, 2);
        using var ei = Acquisition.Rank("ei", preds, 0.5, 0);   // ranked by log EI (float64), which never underflows
        double s = Math.Sqrt(2), z = (1 - 0.5) / s;
        double cdf = 0.5 * (1 + Erf(z / Math.Sqrt(2))), pdf = Math.Exp(-z * z / 2) / Math.Sqrt(2 * Math.PI);
        Assert.Equal(Math.Log(s * (z * cdf + pdf)), ei[0].item<double>(), 4);
        Assert.True(ei[1].item<double>() < Math.Log(1e-4));
        Assert.True(double.IsFinite(ei[1].item<double>()));
        using var guide = Acquisition.Guide("ei", preds, 0.5, 0, tensor(new long[] { 0, 0 }));   // guidance: EI itself
        Assert.Equal(s * (z * cdf + pdf), guide[0].item<float>(), 4);
        using var ucb = Acquisition.Rank("ucb", preds, 0, 0.5);
        Assert.Equal(1 + 0.5 * s, ucb[0].item<float>(), 4);
        using var member = tensor(new long[] { 1, 0 });
        using var its = Acquisition.Guide("its", preds, 0, 0, member);
        Assert.Equal([2f, 0f], its.data<float>().ToArray());
        Assert.Throws<NagUserException>(() => Acquisition.Validate("pi"));
    }

    private static double Erf(double x)
    {
        // Abramowitz-Stegun 7.1.26, accurate to 1.5e-7: enough for a 4-digit check.
        double t = 1 / (1 + 0.3275911 * Math.Abs(x));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496735) * t + 0.254829592) * t * Math.Exp(-x * x);
        return Math.Sign(x) * y;
    }

    [SkippableFact]
    public void AcquisitionGuidanceClimbsTheAcquisition()
    {
        var data = TestData.Nb201;
        var space = new Nb201Space();
        var rng = new Random(1);
        var archs = Enumerable.Range(0, 60).Select(_ => space.Sample(rng)).ToList();
        var y = Stats.RankScores(archs.Select(a => data.Get(a, Obj)!.Value).ToArray());
        var sde = new SdeConfig().Create();
        using var ens = new EnsembleSurrogate(space, new EnsembleConfig(Hidden: 32), 0, sde);
        ens.Fit(archs, y, 0, steps: 100);
        using var x = Diffusion.GraphCodec.Encode(space, archs.Take(8).ToList()) + randn(8, space.MaxNodes, space.NodeVocabulary.Count) * 0.3f;
        using var member = zeros(8, dtype: ScalarType.Int64);
        var guidance = new AcquisitionGuidance(new AcquisitionModel(ens, "ucb", 0, 0.5, 1, member));
        double Value(Tensor at)
        {
            using var _ = no_grad();
            using var p = ens.Forward(at.reshape(8, -1), full(8, 0.3f));
            using var a = Acquisition.Guide("ucb", p, 0, 0.5, member);
            return a.sum().item<float>();
        }
        using var g = guidance.Gradient(x, 0.3, zeros_like(x));
        using var stepped = x + g * 0.01f;
        Assert.True(Value(stepped) > Value(x));
        Assert.Equal(x.shape, g.shape);
    }

    [Fact]
    public void EnsembleRefusesNonFiniteTargetsAndNoiseAwarenessOnFreeTopology()
    {
        var space = new Nb201Space();
        using var ens = new EnsembleSurrogate(space, new EnsembleConfig(Hidden: 8), 0);
        var rng = new Random(0);
        var archs = new[] { space.Sample(rng), space.Sample(rng) };
        Assert.Throws<NagDataException>(() => ens.Fit(archs, [1.0, double.NaN], 0));
        Assert.Throws<NagUserException>(() => new EnsembleSurrogate(new Nb101Space(), new EnsembleConfig(), 0, new SdeConfig().Create()));
        Assert.Throws<NagUserException>(() => new EnsembleConfig(Members: 1).Validate());
        // Free topology: node one-hots plus the upper-triangular adjacency.
        using var free = new EnsembleSurrogate(new Nb101Space(), new EnsembleConfig(Hidden: 8), 0);
        int n = new Nb101Space().MaxNodes;
        Assert.Equal(n * new Nb101Space().NodeVocabulary.Count + n * (n - 1) / 2, free.FeatureCount);
    }

    [SkippableFact]
    public void GeneratorBoRunsOnAFreeTopologyFromTheCommandLineWithADiscreteGenerator()
    {
        string data = TestData.RequireDir();
        using var dir = new TempDir();
        string discrete = dir.File("nb101-discrete.ckpt"), score = dir.File("nb201-score.ckpt");
        TinyNb101.Value.Save(discrete);
        TinyGenerator.Value.Save(score);
        string[] Args(string gen, string outDir) => ["search", "--space", "nb101", "--objective", "val_accuracy", "--report", "params_M",
            "--strategy", "generator-bo", "--generator", gen, "--generated-candidates", "16", "--sample-steps", "4", "--budget", "12", "--seeds", "1",
            "--out", Path.Combine(dir.Path, outDir), "--data-dir", data];
        var run = CliRunner.Run(Args(discrete, "s"));
        Assert.True(run.Code == 0, run.Err);
        var lines = File.ReadAllLines(dir.File("s", "trials.csv"));
        Assert.Equal(1 + 12, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("generator-bo,0,", l));
        // Ranked by the GP with cost inputs: the budget is spent on distinct architectures of the table.
        var ranked = CliRunner.Run([.. Args(discrete, "gp"), "--ranker", "gp", "--cost-inputs", "--acquisition", "ei"]);
        Assert.True(ranked.Code == 0, ranked.Err);
        var rankedArchs = File.ReadAllLines(dir.File("gp", "trials.csv")).Skip(1).Select(l => l.Split(',')[3]).ToList();
        Assert.Equal(12, rankedArchs.Count);
        Assert.Equal(12, rankedArchs.Distinct().Count());
        // A generator of another space is refused with a one-line error naming the file.
        var wrong = CliRunner.Run(Args(score, "bad"));
        Assert.Equal(1, wrong.Code);
        Assert.Contains("nb201-score.ckpt", wrong.Err);
    }

    [SkippableFact]
    public void SearchAndBenchSearchRunTheModelBasedStrategiesFromTheCommandLine()
    {
        string data = TestData.RequireDir();
        using var dir = new TempDir();
        string gen = dir.File("tiny.ckpt");
        TinyGenerator.Value.Save(gen);
        var fast = new[] { "--generated-candidates", "16", "--sample-steps", "4", "--data-dir", data };
        var run = CliRunner.Run([.. new[] { "search", "--objective", Obj, "--report", Rep, "--strategy", "generator-bo", "--strategy", "transfer",
            "--transfer-from", "cifar100_valid_acc200", "--generator", gen, "--budget", "12", "--seeds", "1", "--out", Path.Combine(dir.Path, "s") }, .. fast]);
        Assert.True(run.Code == 0, run.Err);
        var lines = File.ReadAllLines(dir.File("s", "trials.csv"));
        Assert.Equal(1 + 24, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("transfer,0,12,", StringComparison.Ordinal));

        // A transfer source may not be the objective; unknown acquisition and strategy names are refused.
        Assert.Equal(1, CliRunner.Run([.. new[] { "search", "--objective", Obj, "--report", Rep, "--strategy", "transfer", "--transfer-from", Obj,
            "--generator", gen, "--budget", "5", "--seeds", "1", "--out", Path.Combine(dir.Path, "bad") }, .. fast]).Code);
        Assert.Equal(1, CliRunner.Run("search", "--objective", Obj, "--report", Rep, "--strategy", "bananas", "--acquisition", "pi",
            "--budget", "5", "--seeds", "1", "--out", Path.Combine(dir.Path, "bad2"), "--data-dir", data).Code);
        Assert.Equal(1, CliRunner.Run("search", "--objective", Obj, "--report", Rep, "--strategy", "simulated-annealing",
            "--budget", "5", "--seeds", "1", "--out", Path.Combine(dir.Path, "bad3"), "--data-dir", data).Code);
        var negative = CliRunner.Run("search", "--objective", Obj, "--report", Rep, "--strategy", "gp-bo", "--random-candidates", "-1",
            "--budget", "5", "--seeds", "1", "--out", Path.Combine(dir.Path, "bad4"), "--data-dir", data);
        Assert.Equal(1, negative.Code);
        Assert.Equal("nag: error: --random-candidates must be at least 0, got -1", negative.Err.Trim());
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "bad4")));
        var badEncoding = CliRunner.Run("search", "--objective", Obj, "--report", Rep, "--strategy", "bananas", "--surrogate-encoding", "flops",
            "--budget", "5", "--seeds", "1", "--out", Path.Combine(dir.Path, "bad5"), "--data-dir", data);
        Assert.Equal(1, badEncoding.Code);
        Assert.StartsWith("nag: error: unknown surrogate encoding 'flops'", badEncoding.Err.Trim());
        Assert.Single(badEncoding.Err.Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "bad5")));
        var badRanker = CliRunner.Run([.. new[] { "search", "--objective", Obj, "--report", Rep, "--strategy", "generator-bo", "--ranker", "forest",
            "--generator", gen, "--budget", "5", "--seeds", "1", "--out", Path.Combine(dir.Path, "bad6") }, .. fast]);
        Assert.Equal(1, badRanker.Code);
        Assert.Equal("nag: error: unknown ranker 'forest' (expected one of: ensemble, gp)", badRanker.Err.Trim());
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "bad6")));
        var ranked = CliRunner.Run([.. new[] { "search", "--objective", Obj, "--report", Rep, "--strategy", "generator-bo", "--ranker", "gp", "--cost-inputs",
            "--generator", gen, "--budget", "14", "--seeds", "1", "--out", Path.Combine(dir.Path, "ranked") }, .. fast]);
        Assert.True(ranked.Code == 0, ranked.Err);
        Assert.Equal(1 + 14, File.ReadAllLines(dir.File("ranked", "trials.csv")).Length);
        // The summary records the settings that produced it.
        var stored = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.File("ranked", "summary.json"))).RootElement.GetProperty("settings");
        Assert.Equal("gp", stored.GetProperty("ranker").GetString());
        Assert.True(stored.GetProperty("cost_inputs").GetBoolean());
        Assert.Equal(16, stored.GetProperty("samples").GetInt32());
        var gp = CliRunner.Run("search", "--objective", Obj, "--report", Rep, "--strategy", "gp-bo", "--cost-inputs", "--acquisition", "ei",
            "--budget", "14", "--seeds", "1", "--out", Path.Combine(dir.Path, "gp"), "--data-dir", data);
        Assert.True(gp.Code == 0, gp.Err);
        Assert.Equal(1 + 14, File.ReadAllLines(dir.File("gp", "trials.csv")).Length);

        var bench = CliRunner.Run("bench", "search", "--strategy", "random,bananas", "--budget", "12", "--seeds", "2", "--out", Path.Combine(dir.Path, "b"),
            "--data-dir", data);
        Assert.True(bench.Code == 0, bench.Err);
        string md = File.ReadAllText(dir.File("b", "bench_search.md"));
        Assert.Contains("## objective cifar10_valid_acc200, report cifar10_test_acc200", md);
        Assert.Contains("## objective cifar100_valid_acc200, report cifar100_test_acc200", md);
        Assert.Contains("| bananas |", md);
        Assert.Contains("Settings: acquisition its, cost inputs off, generator-bo ranker ensemble.", md);
        var benchBad = CliRunner.Run("bench", "search", "--strategy", "random", "--ranker", "forest", "--budget", "12", "--seeds", "1",
            "--out", Path.Combine(dir.Path, "bb"), "--data-dir", data);
        Assert.Equal(1, benchBad.Code);
        Assert.Equal("nag: error: unknown ranker 'forest' (expected one of: ensemble, gp)", benchBad.Err.Trim());
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "bb")));
        Assert.True(File.Exists(dir.File("b", "cifar10_valid_acc200", "best_so_far.png")));
        // Querying in CIFAR-100 validation order reaches the CIFAR-10 validation optimum after a fixed number of queries.
        Assert.Equal(SearchBench.SourceOrderQueries(TestData.Nb201, ["cifar100_valid_acc200"], Obj),
            System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.File("b", "bench_search.json"))).RootElement.GetProperty("pairs")[0]
                .GetProperty("source_order_queries_to_optimum").GetInt32());
    }

    [SkippableFact]
    public void PairsAreDiscoveredFromColumnNamesAndSourceOrderIsComputedFromTheTable()
    {
        var data = TestData.Nb201;
        var pairs = SearchBench.DiscoverPairs(data);
        Assert.Contains((Obj, Rep), pairs);
        Assert.All(pairs, p => Assert.True(data.HasColumn(p.Objective) && data.HasColumn(p.Report)));
        // The objective's own order reaches its optimum first.
        Assert.Equal(1, SearchBench.SourceOrderQueries(data, [Obj], Obj));
    }

    [SkippableFact]
    public void TransferSourcesShareTheObjectivesDirection()
    {
        var data = TestData.Nb201;
        const string source = "cifar100_valid_acc200";
        var values = data.ColumnEntries(source).ToArray();
        string best = values.MaxBy(e => e.Value).Arch.ToString(), worst = values.MinBy(e => e.Value).Arch.ToString();
        string Top(bool lowerIsBetter) =>
            TransferPrior.MeanRankScores(TransferPrior.SourceRows(data, [source], lowerIsBetter)).MaxBy(kv => kv.Value.Score).Key;
        Assert.Equal(best, Top(lowerIsBetter: false));
        Assert.Equal(worst, Top(lowerIsBetter: true));
    }
}
