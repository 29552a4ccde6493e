using System.Text.Json;
using NagSharp.Cli.Commands;
using NagSharp.Diffusion.Guidance;
using NagSharp.Experiments;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>The experiment settings records: defaults valid, bad numbers refused once in the library with the setting named,
/// and the CLI's mapping of those names to its flags.</summary>
public sealed class ExperimentSettingsTests
{
    [Fact]
    public void DefaultsAreValid()
    {
        new TaskTransferSettings().Validate();
        new GuidedMarginSettings { Conditions = ["a>=top5%"] }.Validate();
        new ConditionalBenchSettings { Conditions = ["a>=top5%"] }.Validate();
        new SurrogateBenchSettings { Column = "a" }.Validate();
    }

    public static TheoryData<Action, string> BadSettings => new()
    {
        { () => new TaskTransferSettings { TopPercent = double.NaN }.Validate(), "TaskTransferSettings.TopPercent" },
        { () => new TaskTransferSettings { TopPercent = 0 }.Validate(), "TaskTransferSettings.TopPercent" },
        { () => new TaskTransferSettings { GuidanceWeight = double.PositiveInfinity }.Validate(), "TaskTransferSettings.GuidanceWeight" },
        { () => new TaskTransferSettings { GuidanceScale = -1 }.Validate(), "TaskTransferSettings.GuidanceScale" },
        { () => new TaskTransferSettings { ProbeSpan = double.NaN }.Validate(), "TaskTransferSettings.ProbeSpan" },
        { () => new TaskTransferSettings { ConditionTop = double.NaN }.Validate(), "TaskTransferSettings.ConditionTop" },
        { () => new TaskTransferSettings { K = 5, MaxSamples = 4 }.Validate(), "TaskTransferSettings.MaxSamples" },
        { () => new TaskTransferSettings { Probes = 6 }.Validate(), "TaskTransferSettings.Probes" },
        { () => new TaskTransferSettings { Preset = "huge" }.Validate(), "TaskTransferSettings.Preset" },
        { () => new TaskTransferSettings { MinSupport = 0 }.Validate(), "TaskTransferSettings.MinSupport" },
        { () => TaskTransferSettings.ParseDesign("bogus"), "TaskTransferSettings.Design" },
        { () => new GuidedMarginSettings { Conditions = ["a>=top5%"], HeldOut = double.NaN }.Validate(), "GuidedMarginSettings.HeldOut" },
        { () => new GuidedMarginSettings { Conditions = ["a>=top5%"], GuidanceWeight = double.NaN }.Validate(), "GuidedMarginSettings.GuidanceWeight" },
        { () => new GuidedMarginSettings { Conditions = ["a>=top5%"], Samples = 0 }.Validate(), "GuidedMarginSettings.Samples" },
        { () => new GuidedMarginSettings { Conditions = ["a>=top5%"], SurrogateEncoding = "wl" }.Validate(), "GuidedMarginSettings.SurrogateEncoding" },
        { () => new ConditionalBenchSettings { Conditions = ["a>=top5%"], GuidanceStart = double.NaN }.Validate(), "ConditionalBenchSettings.GuidanceStart" },
        { () => new ConditionalBenchSettings { Conditions = ["a>=top5%"], TimingRepeats = 0 }.Validate(), "ConditionalBenchSettings.TimingRepeats" },
        { () => new SurrogateBenchSettings { Column = "a", Folds = 1 }.Validate(), "SurrogateBenchSettings.Folds" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void BadSettingsAreRefusedWithTheSettingNamed(Action validate, string setting)
    {
        var e = Assert.Throws<NagUserException>(validate);
        Assert.Contains(setting, e.Message);
        Assert.DoesNotContain("--", e.Message);
    }

    [Fact]
    public void DesignNamesRoundTrip()
    {
        foreach (var d in Enum.GetValues<TaskTransferDesign>())
            Assert.Equal(d, TaskTransferSettings.ParseDesign(TaskTransferSettings.DesignName(d)));
        Assert.Equal("mean-rank", TaskTransferSettings.DesignName(new TaskTransferSettings().Design));
    }

    [Fact]
    public void TheCliNamesItsFlagsForTheSettings()
    {
        Assert.Equal("--max-samples must be at least -n (5), got 4",
            ExperimentHost.ToFlags("TaskTransferSettings.MaxSamples must be at least TaskTransferSettings.K (5), got 4"));
        Assert.Equal("-n must be at least 1, got 0",
            ExperimentHost.ToFlags("GuidedMarginSettings.Samples must be at least 1, got 0", new Dictionary<string, string> { ["Samples"] = "-n" }));
        Assert.Equal("--surrogate-encoding: unknown", ExperimentHost.ToFlags("GuidedMarginSettings.SurrogateEncoding: unknown"));
        Assert.Equal("no setting here", ExperimentHost.ToFlags("no setting here"));
    }
}

/// <summary>The experiments called as a library (tiny models), without the CLI.</summary>
[Collection(TorchCollection.Name)]
public sealed class ExperimentLibraryTests
{
    [SkippableFact]
    public void TaskTransferRunsFromTheLibraryAndIsReproducible()
    {
        var data = TestData.For("tnb101_micro");
        var space = SpaceRegistry.Get("tnb101_micro");
        using var dir = new TempDir();
        var settings = new TaskTransferSettings { Tasks = ["jigsaw"], TrainSteps = 3, Batch = 16, SampleSteps = 3, K = 5, Seed = 2 };
        var events = new List<ExperimentEvent>();
        var first = TaskTransferExperiment.Run(space, data, settings, dir.File("a"), TestData.RequireDir(), ExperimentProgress.Of(events.Add));
        var task = Assert.Single(first.Tasks);
        Assert.Equal("jigsaw", task.Task);
        Assert.DoesNotContain("jigsaw", task.Sources);
        Assert.All(task.Conditions, c => Assert.NotEqual("jigsaw", Condition.Parse(c).Column));
        Assert.Equal(5, task.Random.Archs.Count);
        Assert.Equal(0, first.QueriesTotal);
        Assert.Null(first.WeightedRankMet);
        Assert.Contains(events, e => e is ExperimentStep { Stage: "train without jigsaw" });
        Assert.Contains(events, e => e is ExperimentNote n && n.Text.StartsWith("jigsaw: conditions", StringComparison.Ordinal));

        // Same seed, fresh cache: the same architectures; the cached generator is reused on a rerun (no training time).
        var second = TaskTransferExperiment.Run(space, data, settings, dir.File("b"), TestData.RequireDir());
        Assert.Equal(task.Generated?.Archs, second.Tasks[0].Generated?.Archs);
        Assert.Equal(task.MeanRank.Archs, second.Tasks[0].MeanRank.Archs);
        var cached = TaskTransferExperiment.Run(space, data, settings, dir.File("b"), TestData.RequireDir());
        Assert.Null(cached.Tasks[0].TrainSeconds);
        Assert.Equal(task.Generated?.Archs, cached.Tasks[0].Generated?.Archs);

        // The JSON of the result record keeps the field names the docs and tests read.
        using var doc = JsonDocument.Parse(ExperimentHost.Json(first));
        var root = doc.RootElement;
        Assert.Equal("mean-rank", root.GetProperty("design").GetString());
        Assert.Equal(2.0, root.GetProperty("guidance_weight").GetDouble());
        Assert.False(root.TryGetProperty("guidance_scale", out _));
        var t = root.GetProperty("tasks")[0];
        Assert.Equal(task.RandomExpected, t.GetProperty("random_expected_probability").GetDouble());
        Assert.Equal(task.MeanRank.BestRank, t.GetProperty("mean_rank").GetProperty("best_rank").GetInt32());
        Assert.Equal(JsonValueKind.Null, t.GetProperty("weighted_rank").ValueKind);
    }

    [SkippableFact]
    public void ConditionalBenchRunsFromTheLibrary()
    {
        var data = TestData.Nb201;
        using var dir = new TempDir();
        var settings = new ConditionalBenchSettings { Conditions = ["fpga_ms<2"], Preset = "tiny", TrainSteps = 3, Samples = 6, SampleSteps = 2, Seeds = 2, TimingRepeats = 1, Seed = 4 };
        var r = ConditionalBenchExperiment.Run(new Nb201Space(), data, settings, dir.Path, TestData.RequireDir());
        Assert.Equal(["unconditional", "conditional", "guided"], r.Rows.Select(x => x.Mode));
        Assert.Equal([4, 5], r.GuidedBySeed.Select(x => x.Seed));
        Assert.Equal(r.Rows[2].Satisfying, r.GuidedBySeed[0].Satisfying);
        Assert.Equal(["fpga_ms<2", "all"], r.Rows[0].Satisfaction.Keys);
        Assert.InRange(r.TableBaseRate, 0, 1);
        Assert.True(File.Exists(r.Generator));
        Assert.Contains("over 2 seeds", r.ToMarkdown());
    }

    [SkippableFact]
    public void SurrogateBenchReportsEveryFold()
    {
        var data = TestData.For("nb301");
        var events = new List<ExperimentStep>();
        var r = SurrogateBenchExperiment.Run(SpaceRegistry.Get("nb301"), data,
            new SurrogateBenchSettings { Column = "val_accuracy", Encodings = ["onehot"], Folds = 2, SurrogateSteps = 20 },
            ExperimentProgress.Of(e => { if (e is ExperimentStep s) events.Add(s); }));
        Assert.Equal(1218, r.Rows);
        Assert.Equal("onehot", Assert.Single(r.Encodings).Encoding);
        Assert.InRange(r.Encodings[0].Spearman, -1, 1);
        Assert.Equal([1, 2], events.Select(e => e.Done));
        Assert.Throws<NagUserException>(() => SurrogateBenchExperiment.Run(SpaceRegistry.Get("nb301"), data,
            new SurrogateBenchSettings { Column = "no_such_column" }));
    }
}
