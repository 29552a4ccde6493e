using NagSharp.Diffusion;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Guidance;
using NagSharp.Diffusion.Score;
using NagSharp.Models;
using NagSharp.Spaces;
using TorchSharp;
using static TorchSharp.torch;

namespace NagSharp.Tests;

[Collection(TorchCollection.Name)]
public sealed class DiscreteEngineTests
{
    private static readonly double[] Marginals = [0.5, 0.3, 0.15, 0.05];

    [Fact]
    public void TransitionMatricesAreStochasticAndComposeToTheClosedForm()
    {
        using var scope = NewDisposeScope();
        var schedule = new CosineSchedule(100);
        var q = new MarginalTransition(Marginals);
        Assert.Equal(1.0, schedule.AlphaBar(0), 12);
        Assert.InRange(schedule.AlphaBar(100), 0, 1e-3);
        var product = eye(4);
        for (int t = 1; t <= 60; t++)
        {
            double alpha = schedule.AlphaBar(t) / schedule.AlphaBar(t - 1);
            var step = q.Matrix(alpha);                                          // one-step Q_t has the same form
            Assert.True(step.sum(1).allclose(ones(4), atol: 1e-6), "rows of Q_t must sum to 1");
            Assert.True((step >= 0).all().item<bool>());
            product = product.matmul(step);
        }
        Assert.True(product.allclose(q.Matrix(schedule.AlphaBar(60)), atol: 1e-5), "prod Q_t != Q_bar_t");
    }

    [Fact]
    public void ForwardSamplesMatchTheClosedFormMarginal()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(0);
        var q = new MarginalTransition(Marginals);
        const int m = 40000;
        var x0 = nn.functional.one_hot(full(m, 2L), 4).to_type(ScalarType.Float32);   // every x0 is class 2
        double ab = 0.3;
        var zt = MarginalTransition.SampleOneHot(q.ForwardProbs(x0, full(m, 1, (float)ab)));
        var freq = zt.mean([0]).data<float>().ToArray();
        for (int k = 0; k < 4; k++)
        {
            double expected = (k == 2 ? ab : 0) + (1 - ab) * Marginals[k];
            Assert.InRange(freq[k], expected - 0.01, expected + 0.01);
        }
    }

    [Fact]
    public void PosteriorIsADistributionAndRecoversACertainX0AtTheEnd()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(1);
        var q = new MarginalTransition(Marginals);
        var zt = MarginalTransition.SampleOneHot(full(16, 4, 0.25f));
        var x0 = rand(16, 4).softmax(-1);
        var post = q.Posterior(zt, x0, 0.2, 0.6);
        Assert.True(post.sum(-1).allclose(ones(16), atol: 1e-5));
        Assert.True((post >= 0).all().item<bool>());
        var certain = nn.functional.one_hot(full(16, 3L), 4).to_type(ScalarType.Float32);
        Assert.True(q.Posterior(zt, certain, 0.2, 1.0).allclose(certain, atol: 1e-5));
    }

    [Fact]
    public void ConditionDropoutHappensAtTheSetRate()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(2);
        var cond = full(20000, 3, 2L);
        var dropped = DiscreteGenerator.DropConditions(cond, 0.1);
        double rate = (dropped == 0).to_type(ScalarType.Float32).mean().item<float>();
        Assert.InRange(rate, 0.09, 0.11);
        Assert.True(((dropped == 0) | (dropped == 2)).all().item<bool>());
    }

    private static DiscreteGenerator TinyNb201(int steps = 3)
    {
        var space = new Nb201Space();
        var set = space.Enumerate().Take(300).Select((a, i) => new LabelledArch(a.ToString(), [(byte)(i % 3 == 0 ? 2 : 1)])).ToList();
        return new DiscreteGenerator(space, new DiscreteConfig(DiffusionSteps: 50), DenoiserConfig.Preset("tiny"),
            new TrainConfig(Steps: steps, Batch: 16, Warmup: 1), ["x>=1"], set);
    }

    [Fact]
    public void WeightZeroEqualsTheConditionalModel()
    {
        using var gen = TinyNb201();
        gen.TrainToEnd();
        byte[] ask = [2];
        var plain = gen.Sample(12, 5, 9, ask, 0).Select(d => d.Arch?.ToString() ?? d.Reason).ToArray();
        var tinyW = gen.Sample(12, 5, 9, ask, 1e-12).Select(d => d.Arch?.ToString() ?? d.Reason).ToArray();
        Assert.Equal(plain, tinyW);
        var again = gen.Sample(12, 5, 9, ask, 0).Select(d => d.Arch?.ToString() ?? d.Reason).ToArray();
        Assert.Equal(plain, again);  // same seed, same samples
    }

    [Fact]
    public void GuidanceStartZeroIsTheConditionalModelAndOutOfRangeIsAUserError()
    {
        using var gen = TinyNb201();
        gen.TrainToEnd();
        byte[] ask = [2];
        var plain = gen.Sample(12, 5, 9, ask, 0).Select(d => d.Arch?.ToString() ?? d.Reason).ToArray();
        var late = gen.Sample(12, 5, 9, ask, 3, guidanceStart: 0).Select(d => d.Arch?.ToString() ?? d.Reason).ToArray();
        Assert.Equal(plain, late);   // no step is late enough to be guided
        var full = gen.Sample(12, 5, 9, ask, 3).Select(d => d.Arch?.ToString() ?? d.Reason).ToArray();
        Assert.NotEqual(plain, full);
        Assert.Throws<NagUserException>(() => gen.Sample(4, 5, 9, ask, 3, guidanceStart: 1.5));
    }

    [Fact]
    public void SamplesNeverUseASymbolTheTrainingDataNeverPutsInThatSlot()
    {
        // Barely trained and strongly guided: the extrapolated logits are far off, yet every NB201 cell must keep its
        // input and output markers only at the ends, so every sample decodes.
        using var gen = TinyNb201(steps: 2);
        gen.TrainToEnd();
        Assert.False(gen.AllowedSymbols[1][gen.Space.NodeVocabulary.ToList().IndexOf("input")]);
        var samples = gen.Sample(64, 5, 3, [2], 20);
        Assert.All(samples, d => Assert.NotNull(d.Arch));
    }

    [Fact]
    public void CheckpointRoundTripAndUnknownConditionIsAUserError()
    {
        string path = Path.Combine(Path.GetTempPath(), "nagsharp-disc-" + Guid.NewGuid().ToString("N") + ".ckpt");
        try
        {
            using var gen = TinyNb201();
            gen.TrainToEnd();
            gen.Save(path);
            using var loaded = DiscreteGenerator.Load(path);
            Assert.Equal(gen.Conditions, loaded.Conditions);
            Assert.Equal(gen.Sample(6, 4, 1, [2], 2).Select(d => d.Arch?.ToString()), loaded.Sample(6, 4, 1, [2], 2).Select(d => d.Arch?.ToString()));
            Assert.Equal(new byte[] { 2 }, loaded.StatesFor(["x >= 1"]));
            Assert.Throws<NagUserException>(() => loaded.StatesFor(["y>=1"]));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LiveTensorCountStaysFlatAcrossSampling()
    {
        using var gen = TinyNb201();
        gen.TrainToEnd();
        var stats = DisposeScopeManager.Statistics.TensorStatistics;
        gen.Sample(4, 2, 0, [2], 2);
        long baseline = stats.ThreadTotalLiveCount;
        gen.Sample(4, 3, 0, [2], 2);
        gen.Sample(4, 20, 0, [2], 2);
        Assert.Equal(baseline, stats.ThreadTotalLiveCount);
    }
}

public sealed class ConditionTests
{
    [Theory]
    [InlineData("cifar10_valid_acc200>=top5%")]
    [InlineData("fpga_ms<2")]
    [InlineData("a >= 93.5")]
    [InlineData("x<=bottom10%")]
    [InlineData("cifar10_valid_acc200>=top5%@fpga_ms<2")]
    public void ParsesTheDocumentedForms(string text) => Assert.Equal(text.Trim(), Condition.Parse(text).Text);

    [Theory]
    [InlineData("acc")]
    [InlineData("acc>=")]
    [InlineData("acc>=abc")]
    [InlineData("acc<=top5%")]
    [InlineData("acc>=top0%")]
    [InlineData("acc>=top5%@b<2@c<1")]
    public void RejectsMalformedConditions(string text) => Assert.Throws<NagUserException>(() => Condition.Parse(text));

    [SkippableFact]
    public void HardwareConditionSelectsThe36CellsOfDiNAS()
    {
        var data = TestData.Nb201;
        var both = Condition.Parse("cifar10_valid_acc200>=top5%@fpga_ms<2").Evaluate(data);
        var fast = Condition.Parse("fpga_ms<2").Evaluate(data);
        Assert.Equal(15625, both.Count);
        Assert.Equal(36, both.Count(kv => kv.Value && fast[kv.Key]));
        Assert.Equal(688, fast.Count(kv => kv.Value));
        Assert.Throws<NagUserException>(() => Condition.Parse("no_such_column>=1").Evaluate(data));
    }
}

[Collection(TorchCollection.Name)]
public sealed class DiscreteFreeTopologyTests
{
    [Fact]
    public void SampledNb101GraphsAreDagsInTopologicalOrderWithMaskedSlots()
    {
        var space = new Nb101Space();
        var rng = new Random(4);
        var set = Enumerable.Range(0, 200).Select(_ => new LabelledArch(space.Sample(rng).ToString(), [])).ToList();
        using var gen = new DiscreteGenerator(space, new DiscreteConfig(DiffusionSteps: 20), DenoiserConfig.Preset("tiny"),
            new TrainConfig(Steps: 3, Batch: 16, Warmup: 1), [], set);
        gen.TrainToEnd();
        var samples = gen.Sample(32, 5, 1);
        var counts = set.Select(t => space.Encode(space.Parse(t.Arch)).NodeTypes.Count(v => v >= 0)).ToHashSet();
        foreach (var s in samples)
        {
            var g = s.Graph!;
            int present = g.NodeTypes.Count(v => v >= 0);
            Assert.Contains(present, counts);                                     // node count drawn from the training distribution
            Assert.All(g.NodeTypes.Skip(present), v => Assert.Equal(-1, v));     // present nodes fill the first slots
            for (int i = 0; i < g.NodeCount; i++)
                for (int j = 0; j <= i; j++) Assert.False(g.Adjacency[i, j], $"edge {i}->{j} is not in topological order");
            for (int i = 0; i < g.NodeCount; i++)
                for (int j = i + 1; j < g.NodeCount; j++)
                    if (g.NodeTypes[i] < 0 || g.NodeTypes[j] < 0) Assert.False(g.Adjacency[i, j], "edge touches an absent slot");
        }
    }

    [Fact]
    public void InDegreeDecodingGivesEveryNodeAnInDegreeTheDataShowsForItsSymbol()
    {
        // NAS-Bench-NLP: arities 1 (activations), 2 (elementwise), 3 (blend), 1-3 (linear); an untrained model's
        // independent edges almost never match them, the joint choice at the last step always does.
        var space = new NlpSpace();
        var rng = new Random(2);
        var set = Enumerable.Range(0, 300).Select(_ => new LabelledArch(space.Sample(rng).ToString(), [])).ToList();
        using var gen = new DiscreteGenerator(space, new DiscreteConfig(DiffusionSteps: 20), DenoiserConfig.Preset("tiny"),
            new TrainConfig(Steps: 2, Batch: 16, Warmup: 1), [], set);
        gen.TrainToEnd();
        var allowed = gen.AllowedInDegrees!;
        var blend = space.NodeVocabulary.ToList().IndexOf("blend_g0_ab");
        Assert.Equal([3], Enumerable.Range(0, space.MaxNodes).Where(d => allowed[blend][d]));
        int Mismatches(IEnumerable<DecodedSample> samples) => samples.Sum(s =>
        {
            var g = s.Graph!;
            return Enumerable.Range(0, g.NodeCount).Count(j => g.NodeTypes[j] >= 0
                && !allowed[g.NodeTypes[j]][Enumerable.Range(0, j).Count(i => g.NodeTypes[i] >= 0 && g.Adjacency[i, j])]);
        });
        Assert.Equal(0, Mismatches(gen.Sample(16, 4, 1)));
        gen.InDegreeDecoding = false;
        Assert.True(Mismatches(gen.Sample(16, 4, 1)) > 0);
        // Fixed topologies have no such table: their edges are never sampled.
        var nb201 = new Nb201Space();
        using var fixedGen = new DiscreteGenerator(nb201, new DiscreteConfig(DiffusionSteps: 20), DenoiserConfig.Preset("tiny"), new TrainConfig(Steps: 1),
            [], nb201.Enumerate().Take(20).Select(a => new LabelledArch(a.ToString(), [])).ToList());
        Assert.Null(fixedGen.AllowedInDegrees);
    }

    [Fact]
    public void BalancedSamplingGivesEachConditionPatternEqualWeight()
    {
        var space = new Nb201Space();
        var set = space.Enumerate().Take(100).Select((a, i) => new LabelledArch(a.ToString(), [(byte)(i < 10 ? 2 : 1)])).ToList();
        using var gen = new DiscreteGenerator(space, new DiscreteConfig(), DenoiserConfig.Preset("tiny"), new TrainConfig(Steps: 1), ["c>=1"], set);
        var w = gen.SamplingWeights();
        Assert.Equal(w.Take(10).Sum(), w.Skip(10).Sum(), 4);
        using var plain = new DiscreteGenerator(space, new DiscreteConfig(BalanceConditions: false), DenoiserConfig.Preset("tiny"), new TrainConfig(Steps: 1), ["c>=1"], set);
        Assert.All(plain.SamplingWeights(), v => Assert.Equal(1f, v));
    }
}
