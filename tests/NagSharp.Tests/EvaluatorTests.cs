using NagSharp.Benchmarks;
using NagSharp.Diffusion;
using NagSharp.Evaluation;
using NagSharp.Experiments;
using NagSharp.Networks;
using NagSharp.Search;
using NagSharp.Spaces;
using NagSharp.Store;

namespace NagSharp.Tests;

/// <summary>Evaluators, column directions and constraints: what a search may ask and how it reads the answers.</summary>
[Collection(TorchCollection.Name)]   // the model evaluators load torch modules; searches set torch's thread count
public sealed class EvaluatorTests
{
    [Theory]
    [InlineData("*_ms", "fpga_ms", true)]
    [InlineData("*_ms", "fpga_msx", false)]
    [InlineData("*_ppl*", "test_ppl_at_best_val", true)]
    [InlineData("latency_*", "latency_zcu102", true)]
    [InlineData("params_M", "cifar10_params_M", false)]
    [InlineData("?_ms", "a_ms", true)]
    public void ColumnPatternsMatchWholeNames(string pattern, string name, bool matches) =>
        Assert.Equal(matches, ColumnPattern.Matches(pattern, name));

    [SkippableTheory]
    [InlineData("nb201", "fpga_ms", MetricDirection.LowerIsBetter)]
    [InlineData("nb201", "cifar10_params_M", MetricDirection.LowerIsBetter)]
    [InlineData("nb201", "cifar10_valid_acc200", MetricDirection.HigherIsBetter)]
    [InlineData("nbnlp", "best_val_ppl", MetricDirection.LowerIsBetter)]
    [InlineData("anb", "latency_zcu102", MetricDirection.LowerIsBetter)]
    [InlineData("anb", "throughput_a100", MetricDirection.HigherIsBetter)]
    [InlineData("tnb101_micro", "room_layout", MetricDirection.HigherIsBetter)]
    public void TableLayoutsDeclareEachColumnsDirection(string space, string column, MetricDirection direction)
    {
        var data = TestData.For(space);
        Assert.Equal(direction, data.DirectionOf(column));
        using var table = new TableEvaluator(data);
        Assert.Equal(direction, table.Column(column).Direction);
    }

    [SkippableFact]
    public void TableEvaluatorReturnsEveryDeclaredColumnCountsQueriesAndRefusesBadInput()
    {
        var data = TestData.Nb201;
        var oracle = new Oracle(data);
        using var table = new TableEvaluator(data, oracle, "cifar10_valid_acc200");
        var arch = data.ArchOf(123);
        var e = table.Evaluate(arch);
        Assert.Equal(table.Columns.Select(c => c.Name).Order(), e.Metrics.Keys.Order());
        Assert.Equal(data.Get(arch, "fpga_ms"), e.Metrics["fpga_ms"]);
        Assert.Equal(1, oracle.QueriesOf("cifar10_valid_acc200"));
        var unknown = Assert.Throws<NagUserException>(() => new SearchGoal("no_such_column", "cifar10_test_acc200").Validate(table));
        Assert.Contains("unknown metric column 'no_such_column'", unknown.Message);
        Assert.DoesNotContain('\n', unknown.Message);
        var foreign = Assert.Throws<NagUserException>(() => table.Evaluate(new OfaSpace().Sample(new Random(1))));
        Assert.Contains("is not a nb201 architecture", foreign.Message);
        Assert.DoesNotContain('\n', foreign.Message);
    }

    [SkippableFact]
    public void ALowerIsBetterObjectiveIsMinimisedByDefault()
    {
        TestData.RequireDir();
        using var models = new TempDir();
        var result = SearchRun.Run(new SearchRunSettings("nb201", "fpga_ms", "fpga_ms", ["evolution"], Budget: 60, Seeds: 1, ModelsDir: models.Path));
        Assert.True(result.Minimize);
        Assert.True(result.Settings!.Minimize);   // stored, so a resume searches the same way
        var trials = result.Trials;
        Assert.Equal(trials.Min(t => t.Objective), result.Summaries[0].BestReport[60].Mean);
        // Evolution concentrates on fast cells: its later proposals are faster than its random start.
        Assert.True(trials.Skip(40).Average(t => t.Objective) < trials.Take(20).Average(t => t.Objective));
        var lowest = TestData.Nb201.ColumnEntries("fpga_ms").Min(e => e.Value);
        Assert.Equal(trials.Any(t => t.Objective == lowest) ? 1 : 0, result.Summaries[0].FoundOptimum);
    }

    [SkippableTheory]
    [InlineData("random")]
    [InlineData("evolution")]
    [InlineData("local")]
    public void ConstraintsAreCheckedOnEveryTrialAndOnlyFeasibleTrialsCountAsFound(string strategy)
    {
        var data = TestData.Nb201;
        var fpga = data.ColumnEntries("fpga_ms").Select(e => e.Value).Order().ToArray();
        double bound = fpga[fpga.Length / 5];   // about a fifth of the cells meet it
        var constraint = Constraint.Parse($"fpga_ms<={bound.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
        using var table = new TableEvaluator(data, null, "cifar10_valid_acc200");
        var goal = new SearchGoal("cifar10_valid_acc200", "cifar10_test_acc200", false, [constraint]);
        var trials = SearchHarness.Run(StrategyRegistry.Create(strategy, data.Space, 2), table, goal, 60, 2);
        Assert.Equal(60, trials.Count);
        foreach (var t in trials)
            Assert.Equal(data.Get(data.Space.Parse(t.Arch), "fpga_ms") <= bound, t.Feasible);
        Assert.Contains(trials, t => !t.Feasible);
        var summary = SearchHarness.Summarise(strategy, trials, SearchHarness.OptimumArchs(data, goal.Objective, false, goal.Bounds), 60);
        Assert.Equal(trials.Count(t => !t.Feasible), summary.Infeasible);
        var bestFeasible = trials.Where(t => t.Feasible).MaxBy(t => t.Objective)!;
        Assert.Equal(bestFeasible.Report, summary.BestReport[60].Mean);
        Assert.Equal(1, summary.FeasibleRuns![60]);
        Assert.True(trials.Max(t => t.Objective) >= bestFeasible.Objective);
    }

    [Fact]
    public void InfeasiblePenaltiesSitBelowEverythingSeenAndDeepenWithTheViolation()
    {
        double[] seen = [0.2, 0.9, 0.5];
        double mild = SearchHarness.Penalty(seen, 0.05), severe = SearchHarness.Penalty(seen, 3);
        Assert.True(mild < 0.2);
        Assert.True(severe < mild);
        Assert.Equal(SearchHarness.Penalty(seen, 1), severe);   // capped: a missing metric counts as a full miss
        Assert.True(double.IsFinite(SearchHarness.Penalty([4.0], 0.5)) && SearchHarness.Penalty([4.0], 0.5) < 4);
    }

    [Theory]
    [InlineData("note10_lut_ms<=25", "note10_lut_ms", "<=", 25)]
    [InlineData(" acc >= 0.5 ", "acc", ">=", 0.5)]
    [InlineData("x<1e-3", "x", "<", 1e-3)]
    [InlineData("x>-2", "x", ">", -2)]
    public void ConstraintsParse(string text, string column, string op, double bound) =>
        Assert.Equal(new Constraint(column, op, bound), Constraint.Parse(text));

    [Theory]
    [InlineData("note10_lut_ms")]
    [InlineData("<=5")]
    [InlineData("x<=abc")]
    [InlineData("x<=NaN")]
    [InlineData("x<==5")]
    public void MalformedConstraintsAreOneLineUserErrors(string text)
    {
        var e = Assert.Throws<NagUserException>(() => Constraint.Parse(text));
        Assert.Contains("constraint", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ViolationIsZeroWhenMetRelativeWhenMissedAndFullWhenUnmeasurable()
    {
        var le = Constraint.Parse("ms<=10");
        Assert.Equal(0, le.Violation(10));
        Assert.Equal(0.5, le.Violation(15), 12);
        Assert.Equal(1, le.Violation(double.NaN));
        Assert.True(Constraint.Parse("ms<10").Violation(10) > 0);
        Assert.Equal(0.5, Constraint.Parse("acc>=80").Violation(40), 12);
        var metrics = new Dictionary<string, double> { ["ms"] = 12, ["acc"] = 90 };
        Assert.Equal(0.2, Constraint.Violation([le, Constraint.Parse("acc>=80")], metrics), 12);
        Assert.Equal(1, Constraint.Violation([Constraint.Parse("absent<=1")], metrics));
    }

    [SkippableFact]
    public void OfaModelEvaluatorGivesThePredictorsAccuracyCostsAndLookupLatencies()
    {
        string dir = TestData.RequireDir();
        var space = new OfaSpace();
        string predictor = OfaOracleExperiment.PredictorPath(null, dir);
        using var model = new OfaModelEvaluator(space, predictor, dir);
        Assert.Equal(["ofa_pred_top1", "params_M", "flops_M", "note10_lut_ms", "i7_8700k_lut_ms"], model.Columns.Select(c => c.Name));
        Assert.Equal(MetricDirection.HigherIsBetter, model.Column("ofa_pred_top1").Direction);
        Assert.Equal(MetricDirection.LowerIsBetter, model.Column("note10_lut_ms").Direction);
        var rng = new Random(3);
        var at160 = Enumerable.Range(0, 200).Select(_ => (OfaArch)space.Sample(rng)).First(a => a.Resolution == 160);
        var at132 = OfaSpace.Create(at160.Kernels, at160.Expands, at160.Depths, 132);
        var e = model.Evaluate(at160);
        Assert.Equal(model.Columns.Select(c => c.Name).Order(), e.Metrics.Keys.Order());
        var reference = OfaOracleExperiment.Predict([at160], 0, 1, predictor, dir).Results[0];
        Assert.Equal(reference.PredictedTop1, e.Metrics["ofa_pred_top1"], 9);
        Assert.Equal((double)reference.Metrics!["note10_lut_ms"], e.Metrics["note10_lut_ms"], 9);
        Assert.True(double.IsNaN(model.Evaluate(at132).Metrics["note10_lut_ms"]));   // no Note10 table at 132
        Assert.False(double.IsNaN(model.Evaluate(at132).Metrics["i7_8700k_lut_ms"]));
        Assert.Equal(3, model.Queries);
        var foreign = Assert.Throws<NagUserException>(() => model.Evaluate(new Nb201Space().Sample(new Random(0))));
        Assert.DoesNotContain('\n', foreign.Message);
        Assert.Throws<NagUserException>(() => new SearchGoal("ofa_top1", "ofa_pred_top1").Validate(model));
        Assert.Throws<NagUserException>(() => new OfaModelEvaluator(new Nb201Space(), predictor, dir));
    }

    [SkippableFact]
    public void AConstrainedModelSearchOnMobileNetV3RunsEndToEndAndRecordsFeasibility()
    {
        TestData.RequireDir();
        using var tmp = new TempDir();
        var settings = new SearchRunSettings("ofa_mbv3", "ofa_pred_top1", null, ["random", "evolution"], Budget: 12, Seeds: 1,
            Strategy: new SearchSettings(Evaluator: "model", Constraints: ["note10_lut_ms<=30"]), ModelsDir: tmp.Path, Store: tmp.File("store.db"));
        var result = SearchRun.Run(settings);
        Assert.Equal("model", result.Evaluator);
        Assert.False(result.Minimize);
        Assert.Equal("ofa_pred_top1", result.Report);
        Assert.Equal(24, result.Trials.Count);
        Assert.Contains(result.Trials, t => !t.Feasible);   // most resolutions have no Note10 table: unmeasurable counts as a miss
        Assert.All(result.Summaries, s => Assert.True(double.IsNaN(s.QueriesToOptimum)));
        using (var store = new ExperimentStore(tmp.File("store.db")))
            Assert.Equal(result.Trials.Select(t => (t.Arch, t.Violation)), store.Trials(result.ExperimentId!.Value).OrderBy(t => t.Strategy == "random" ? 0 : 1).ThenBy(t => t.Query).Select(t => (t.Arch, t.Violation)));
        string outDir = tmp.File("out");
        SearchOutput.Write(outDir, result);
        var (header, read) = SearchOutput.Read(outDir);
        Assert.Equal(result.Trials.Select(t => t.Feasible), read.Select(t => t.Feasible));
        Assert.Contains("\"evaluator\":\"model\"", File.ReadAllText(Path.Combine(outDir, "summary.json")));
        Assert.Equal("ofa_pred_top1", header.Objective);
        var unknown = Assert.Throws<NagUserException>(() => SearchRun.Run(settings with { Objective = "top1", Store = null }));
        Assert.Contains("unknown metric column 'top1' for evaluator model on ofa_mbv3", unknown.Message);
    }

    [SkippableFact]
    public void CompositesJoinTheirPartsColumnsAndMeasureLatencyOnTheSameCandidate()
    {
        var data = TestData.Nb201;
        var meter = new LatencySettings(Warmup: 0, Repeats: 3, Interleave: 1, TurnPasses: 1);
        using var both = new CompositeEvaluator([new TableEvaluator(data), new LatencyEvaluator(data.Space, new NetworkOptions(10, 3, 8, 4, 1), meter)]);
        Assert.Equal("table+latency", both.Name);
        Assert.Equal(MetricDirection.LowerIsBetter, both.Column("local_ms").Direction);
        var e = both.Evaluate(data.ArchOf(7));
        Assert.Equal(both.Columns.Select(c => c.Name).Order(), e.Metrics.Keys.Order());
        Assert.True(e.Metrics["local_ms"] > 0);
        Assert.True(e.Seconds > 0);
        var twice = Assert.Throws<NagUserException>(() => new CompositeEvaluator([new TableEvaluator(data), new TableEvaluator(data)]));
        Assert.Contains("comes from both", twice.Message);
        Assert.Throws<NagUserException>(() => Evaluators.Parts("table+table"));
        Assert.Throws<NagUserException>(() => Evaluators.Parts("table+magic"));
    }

    [SkippableFact]
    public void TheTableSurrogateScoresArchitecturesTheTableLacksAndReportsItsFidelity()
    {
        var data = TestData.For("nb301");
        using var model = new SurrogateEvaluator(data, ["val_accuracy"], 0, config: new EnsembleConfig(Hidden: 32, FitSteps: 100));
        Assert.Equal(["val_accuracy"], model.Columns.Select(c => c.Name));
        Assert.Single(model.Notes);
        Assert.Contains("held-out Spearman", model.Notes[0]);
        var rng = new Random(5);
        var fresh = Enumerable.Range(0, 100).Select(_ => data.Space.Sample(rng)).First(a => data.KeyOf(a) is null);
        var e = model.Evaluate(fresh);
        double v = e.Metrics["val_accuracy"];
        var column = data.ColumnEntries("val_accuracy").Select(x => x.Value).ToArray();
        Assert.InRange(v, column.Min(), column.Max());   // rank predictions map back inside the measured range
        Assert.True(((IEvaluator)model).Capacity("val_accuracy") is null or > 1218);   // not limited to the table's rows
        Assert.Throws<NagUserException>(() => model.Evaluate(new Nb201Space().Sample(rng)));
    }

    [SkippableFact]
    public void GenerationTopKOfALowerIsBetterColumnListsTheLowestValues()
    {
        var data = TestData.Nb201;
        var records = Enumerable.Range(0, 40).Select(k => new SampleRecord(data.ArchOf(k * 97), true, true, true, null)).ToList();
        var values = records.Select(r => data.Get(r.Arch!, "fpga_ms")!.Value).Order().ToArray();
        var s = GenerationMetrics.Summarise(records, new Oracle(data), "fpga_ms", k: 10)!;
        Assert.True(s.LowerIsBetter);
        Assert.Equal(values.Take(10).Average(), s.TopK, 9);
        Assert.Equal(values[0], s.Best);
        var acc = GenerationMetrics.Summarise(records, new Oracle(data), "cifar10_valid_acc200", k: 10)!;
        var accs = records.Select(r => data.Get(r.Arch!, "cifar10_valid_acc200")!.Value).Order().ToArray();
        Assert.Equal(accs.TakeLast(10).Average(), acc.TopK, 9);
    }

    [SkippableFact]
    public void TheSearchCommandRunsTheOfaModelEvaluatorWithAConstraintAndRefusesBadInputInOneLine()
    {
        string data = TestData.RequireDir();
        using var tmp = new TempDir();
        string outDir = tmp.File("out");
        var ok = CliRunner.Run("search", "--space", "ofa_mbv3", "--evaluator", "model", "--objective", "ofa_pred_top1", "--constraint", "note10_lut_ms<=30.5",
            "--strategy", "random", "--budget", "6", "--seeds", "1", "--out", outDir, "--data-dir", data, "--models-dir", tmp.File("models"));
        Assert.True(ok.Code == 0, ok.Err);
        Assert.Contains("ofa_pred_top1 (higher is better), evaluator model, constraints note10_lut_ms<=30.5", ok.Out);
        Assert.StartsWith("strategy,seed,query,arch,objective,report,violation\n", File.ReadAllText(Path.Combine(outDir, "trials.csv")));
        foreach (var args in new[]
        {
            new[] { "--evaluator", "model", "--objective", "top1" },
            new[] { "--evaluator", "oracle", "--objective", "ofa_pred_top1" },
            new[] { "--evaluator", "model", "--objective", "ofa_pred_top1", "--constraint", "note10_lut_ms<=fast" },
            new[] { "--evaluator", "model", "--objective", "ofa_pred_top1", "--constraint", "nope<=3" },
        })
        {
            var bad = CliRunner.Run(["search", "--space", "ofa_mbv3", .. args, "--budget", "3", "--seeds", "1", "--out", tmp.File("bad"), "--data-dir", data]);
            Assert.Equal(1, bad.Code);
            Assert.Single(bad.Err.Trim().Split('\n'));
        }
    }

    [SkippableFact]
    public void TheMedianPrunerStopsAHopelessCandidateAtItsFirstEpochAndLetsAnEqualOneFinish()
    {
        string digits = Path.Combine(TestData.RequireDir(), "images", "sklearn_digits.csv.gz");
        var settings = new TrainEvaluatorSettings(digits, new TrainSettings(2, Batch: 64, Augment: "none"), Width: 4, Cells: 1, Pruner: PrunerKind.Median);
        using var train = new TrainEvaluator(new Nb201Space(), settings);
        var good = new Nb201Space().Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|");
        var hopeless = new Nb201Space().Parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
        for (int i = 0; i < MedianPruner.DefaultWarmupTrials; i++) Assert.Equal(2, train.Evaluate(good).Metrics["epochs"]);
        Assert.Equal(2, train.Evaluate(good).Metrics["epochs"]);       // equal to the median: not below it
        var stopped = train.Evaluate(hopeless);
        Assert.Equal(1, stopped.Metrics["epochs"]);
        Assert.InRange(stopped.Metrics["val_acc"], 0, 1);
    }

    [SkippableFact]
    public void TheAshaPrunerLetsTheFirstCandidateFinishAndStopsAWorseOneAtTheFirstRung()
    {
        string digits = Path.Combine(TestData.RequireDir(), "images", "sklearn_digits.csv.gz");
        var settings = new TrainEvaluatorSettings(digits, new TrainSettings(2, Batch: 64, Augment: "none"), Width: 4, Cells: 1, Pruner: PrunerKind.Asha);
        using var train = new TrainEvaluator(new Nb201Space(), settings);
        var good = new Nb201Space().Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|");
        var hopeless = new Nb201Space().Parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
        Assert.Equal(2, train.Evaluate(good).Metrics["epochs"]);       // alone at rung 1: the best there
        var stopped = train.Evaluate(hopeless);                         // below the only other value at rung 1
        Assert.Equal(1, stopped.Metrics["epochs"]);
        Assert.InRange(stopped.Metrics["val_acc"], 0, 1);
    }

    [SkippableFact]
    public void TheTrainEvaluatorTrainsOnAValidationSplitCarvedFromTheTrainingImagesAndReportsTheTestSplit()
    {
        string digits = Path.Combine(TestData.RequireDir(), "images", "sklearn_digits.csv.gz");
        var settings = new TrainEvaluatorSettings(digits, new TrainSettings(1, Batch: 64, Augment: "none"), Width: 4, Cells: 1);
        using var train = new TrainEvaluator(new Nb201Space(), settings);
        Assert.Equal(["val_acc", "test_acc", "params_M", "flops_M", "epochs"], train.Columns.Select(c => c.Name));
        Assert.Equal("test_acc", train.ReportFor("val_acc"));
        var arch = new Nb201Space().Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|");
        var a = train.Evaluate(arch);
        Assert.Equal(train.Columns.Select(c => c.Name).Order(), a.Metrics.Keys.Order());
        Assert.InRange(a.Metrics["val_acc"], 0, 1);
        Assert.InRange(a.Metrics["test_acc"], 0, 1);
        Assert.True(a.Metrics["params_M"] > 0 && a.Metrics["flops_M"] > 0);
        Assert.Equal(a.Metrics, train.Evaluate(arch).Metrics);   // the training seed fixes every candidate's run
        Assert.Throws<NagUserException>(() => train.Evaluate(new OfaSpace().Sample(new Random(0))));
        var missing = Assert.Throws<NagUserException>(() => new TrainEvaluator(new Nb201Space(), settings with { Dataset = "/no/such/dataset" }));
        Assert.DoesNotContain('\n', missing.Message);
        Assert.Throws<NagUserException>(() => Evaluators.Create(new Nb201Space(), new EvaluatorSettings("train")));
        Assert.Throws<NagUserException>(() => Evaluators.Create(new Nb201Space(), new EvaluatorSettings("model", Train: settings)));
        var full = ImageDataset.Load(digits);
        var carved = full.WithValidationSplit(0.1, 0);
        Assert.Equal(full.Train.Count, carved.Train.Count + carved.Test.Count);
        Assert.Equal((int)Math.Round(full.Train.Count * 0.1), carved.Test.Count);
    }

    [SkippableFact]
    public void TheSearchBenchmarkRunsAgainstAnEvaluatorUnderAConstraint()
    {
        TestData.RequireDir();
        using var tmp = new TempDir();
        var result = SearchBench.Run(new SearchBenchSettings("ofa_mbv3", [("ofa_pred_top1", "")], ["random", "evolution"], Budget: 8, Seeds: 1,
            Strategy: new SearchSettings(Evaluator: "model", Constraints: ["i7_8700k_lut_ms<=14"]), OutDir: tmp.Path, ModelsDir: tmp.File("models")));
        var run = Assert.Single(result.Pairs).Run;
        Assert.Equal(["random", "evolution"], run.Summaries.Select(x => x.Strategy));
        Assert.Equal(16, run.Trials.Count);
        Assert.Equal(run.Trials.Count(t => !t.Feasible), run.Summaries.Sum(x => x.Infeasible));
        string md = File.ReadAllText(Path.Combine(tmp.Path, "bench_search.md"));
        Assert.Contains("Evaluator model, constraints `i7_8700k_lut_ms<=14`", md);
        Assert.Contains("\"queries_to_optimum\":null", File.ReadAllText(Path.Combine(tmp.Path, "bench_search.json")));
        Assert.Throws<NagUserException>(() => SearchBench.Run(new SearchBenchSettings("ofa_mbv3", null, ["random"], Budget: 4, Seeds: 1,
            Strategy: new SearchSettings(Evaluator: "model"), OutDir: tmp.File("none"))));
    }

    [Fact]
    public void AStoreWrittenBeforeConstraintsOpensWithEveryTrialFeasible()
    {
        using var tmp = new TempDir();
        string db = tmp.File("old.db");
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE experiments (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, space TEXT NOT NULL, objective TEXT NOT NULL,
                    report TEXT NOT NULL, strategies TEXT NOT NULL, budget INTEGER NOT NULL, seeds INTEGER NOT NULL, first_seed INTEGER NOT NULL,
                    status TEXT NOT NULL, settings TEXT NOT NULL DEFAULT '{}');
                CREATE TABLE trials (experiment_id INTEGER NOT NULL, strategy TEXT NOT NULL, seed INTEGER NOT NULL, query INTEGER NOT NULL,
                    arch TEXT NOT NULL, objective REAL NOT NULL, report REAL NOT NULL, started TEXT NOT NULL, finished TEXT NOT NULL,
                    PRIMARY KEY (experiment_id, strategy, seed, query));
                INSERT INTO experiments (created, space, objective, report, strategies, budget, seeds, first_seed, status)
                    VALUES ('2026-01-01', 'nb201', 'a', 'b', 'random', 5, 1, 0, 'running');
                INSERT INTO trials VALUES (1, 'random', 0, 1, 'x', 0.5, 0.6, 't', 't');
                """;
            cmd.ExecuteNonQuery();
        }
        using var store = new ExperimentStore(db);
        var t = Assert.Single(store.Trials(1));
        Assert.True(t.Feasible);
        store.Finish(1, new Trial("random", 0, 2, "y", 0.1, 0.2, Violation: 0.25, Seconds: 1.5), "t");
        Assert.Equal(0.25, store.Trials(1)[1].Violation);
        Assert.Equal(1.5, store.Trials(1)[1].Seconds);
    }

    [Fact]
    public void AnEvaluatorThatMeasuresOneThingNamesTheDefaultObjective()
    {
        var nb201 = SpaceRegistry.Get("nb201");
        Assert.Equal("val_acc", Evaluators.DefaultObjective("train", nb201));
        Assert.Equal("val_acc", Evaluators.DefaultObjective("latency+train", nb201));
        Assert.Equal("ofa_pred_top1", Evaluators.DefaultObjective("model", SpaceRegistry.Get("ofa_mbv3")));
        Assert.Null(Evaluators.DefaultObjective("table", nb201));          // many columns: the user chooses
        Assert.Null(Evaluators.DefaultObjective("model", nb201));          // a surrogate of whichever column is named
        Assert.Throws<NagUserException>(() => Evaluators.DefaultObjective("oracle", nb201));
        var e = Assert.Throws<NagUserException>(() => SearchRun.Run(new SearchRunSettings(Space: "nb201", Strategies: ["random"], Budget: 2, Seeds: 1,
            Strategy: new SearchSettings { Evaluator = "latency" })));
        Assert.Contains("objective is required", e.Message);
    }
}
