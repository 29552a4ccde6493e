using System.Globalization;
using System.Text.Json;
using NagSharp.Benchmarks;
using NagSharp.Diffusion.Discrete;
using NagSharp.Diffusion.Guidance;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>The model-free parts of <c>nag bench task-transfer</c>: ranks, top-P % membership, baselines, condition strictness.</summary>
public sealed class TaskTransferTests
{
    [Fact]
    public void RandomHitProbabilityIsHypergeometric()
    {
        Assert.Equal(0.5, TaskTransfer.RandomHitProbability(4, 1, 2), 12);
        Assert.Equal(1 - 3.0 / 5 * 2.0 / 4, TaskTransfer.RandomHitProbability(5, 2, 2), 12);
        Assert.Equal(1, TaskTransfer.RandomHitProbability(10, 1, 10));
        Assert.Equal(0, TaskTransfer.RandomHitProbability(10, 0, 3));
        // 205 of 4,096 in the top 5 %, best of 10: about 0.40.
        Assert.InRange(TaskTransfer.RandomHitProbability(4096, 205, 10), 0.39, 0.41);
    }

    [Fact]
    public void RandomDrawIsSeededAndDistinct()
    {
        var pool = Enumerable.Range(0, 100).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var a = TaskTransfer.RandomDraw(pool, 10, 3);
        Assert.Equal(a, TaskTransfer.RandomDraw(pool, 10, 3));
        Assert.Equal(10, a.Distinct().Count());
        Assert.NotEqual(a, TaskTransfer.RandomDraw(pool, 10, 4));
        Assert.Equal(3, TaskTransfer.RandomDraw(pool[..3], 10, 0).Count);
    }

    [SkippableFact]
    public void TopPercentMembershipIsTheConditionsRule()
    {
        var data = TestData.For("tnb101_micro");
        foreach (var column in TaskTransfer.TaskColumns(data))
        {
            var ranking = new ColumnRanking(data, column);
            var condition = Condition.Parse(TaskTransfer.SourceCondition(column, 5)).Evaluate(data);
            foreach (var (arch, value) in data.ColumnEntries(column))
                Assert.Equal(condition[arch.ToString()], ranking.InTop(value, 5));
            Assert.Equal(condition.Count(kv => kv.Value), ranking.CountInTop(5));
        }
    }

    [SkippableFact]
    public void TaskColumnsAreEveryMetricColumnAndTheConditionPercentReadsSourcesOnly()
    {
        var data = TestData.For("tnb101_micro");
        var tasks = TaskTransfer.TaskColumns(data);
        Assert.Equal(data.Columns, tasks);
        Assert.Equal(7, tasks.Count);
        var sources = tasks.Skip(1).ToArray();
        var (q, support) = TaskTransfer.ChooseConditionPercent(data, sources, 5, 20);
        Assert.True(support >= 20);
        Assert.Equal(0, q % 5, 9);
        // The next stricter level would not have had enough support.
        if (q > 5)
            Assert.True(TaskTransfer.Support(data, sources.Select(c => Condition.Parse(TaskTransfer.SourceCondition(c, q - 5))).ToArray()) < 20);
        var rankings = sources.Select(c => new ColumnRanking(data, c)).ToArray();
        var order = TaskTransfer.MeanRankOrder(rankings);
        Assert.Equal(data.Count, order.Count);
        var scores = TaskTransfer.MeanRankScores(rankings);
        var best = TaskTransfer.MeanRankTop(scores, 5);
        Assert.InRange(best.Count, 205, 260);   // ceil(5 % of 4,096) plus ties with the 205th
        Assert.True(order.Take(205).All(best.Contains));
        Assert.Equal(5, TaskTransfer.ChooseMeanRankPercent(scores, 5, 20).Percent);
    }

    [Fact]
    public void RankNormaliseSharesTiesAndMapsToTheUnitInterval()
    {
        Assert.Equal(new[] { 0.0, 1.0, 0.5 }, TaskTransfer.RankNormalise([1, 30, 2]));
        // 5 and 5 share ranks 2 and 3 (average 2.5): (2.5 - 1) / 3.
        Assert.Equal(new[] { 0.0, 0.5, 0.5, 1.0 }, TaskTransfer.RankNormalise([-7, 5, 5, 9]));
        Assert.Equal(new[] { 0.5 }, TaskTransfer.RankNormalise([42]));
        Assert.Equal(new[] { 0.5, 0.5, 0.5 }, TaskTransfer.RankNormalise([1, 1, 1]));
    }

    [Fact]
    public void ProbeWeightsAreClippedRankCorrelationsWithEqualWeightsAsTheFallback()
    {
        double[] target = TaskTransfer.RankNormalise([0.1, 0.5, 0.3, 0.9, 0.7]);
        IReadOnlyList<double> same = TaskTransfer.RankNormalise([1, 5, 3, 9, 7]);            // same order, other units
        IReadOnlyList<double> reversed = TaskTransfer.RankNormalise([9, 5, 7, 1, 3]);
        IReadOnlyList<double> constant = TaskTransfer.RankNormalise([2, 2, 2, 2, 2]);
        IReadOnlyList<double> partly = TaskTransfer.RankNormalise([1, 5, 3, 7, 9]);           // last two swapped
        var w = TaskTransfer.ProbeWeights([same, reversed, constant, partly], target);
        Assert.Equal(1, w[0], 12);
        Assert.Equal(0, w[1]);
        Assert.Equal(0, w[2]);
        Assert.Equal(0.9, w[3], 12);   // Spearman with one adjacent swap of five: 1 - 6 * 2 / (5 * 24)
        Assert.Equal(new[] { 1.0, 1.0 }, TaskTransfer.ProbeWeights([reversed, constant], target));
        // One probe has no order: every source counts the same, which is the mean-rank design.
        Assert.Equal(new[] { 1.0, 1.0 }, TaskTransfer.ProbeWeights([TaskTransfer.RankNormalise([3]), TaskTransfer.RankNormalise([4])], TaskTransfer.RankNormalise([5])));
    }

    [Fact]
    public void ChooseProbesTakesOnePerStratumOfTheSpanSeeded()
    {
        var order = Enumerable.Range(0, 100).Select(i => i.ToString("D3", CultureInfo.InvariantCulture)).ToArray();
        var a = TaskTransfer.ChooseProbes(order, 5, 100, 7);
        Assert.Equal(a, TaskTransfer.ChooseProbes(order, 5, 100, 7));
        for (int i = 0; i < 5; i++)
            Assert.InRange(Array.IndexOf(order, a[i]), 20 * i, 20 * i + 19);
        Assert.NotEqual(a, TaskTransfer.ChooseProbes(order, 5, 100, 8));
        var top = TaskTransfer.ChooseProbes(order, 4, 20, 0);
        Assert.All(top, x => Assert.InRange(Array.IndexOf(order, x), 0, 19));
        Assert.Equal(4, top.Distinct().Count());
        Assert.Single(TaskTransfer.ChooseProbes(order, 1, 100, 0));
        Assert.Equal(order[..3], TaskTransfer.ChooseProbes(order, 3, 1, 0));   // a span below P still gives P strata of one
    }

    [SkippableFact]
    public void WeightedRankWithEqualWeightsIsTheMeanRankAndOneWeightIsThatSourcesRank()
    {
        var data = TestData.For("tnb101_micro");
        var rankings = TaskTransfer.TaskColumns(data).Skip(1).Select(c => new ColumnRanking(data, c)).ToArray();
        var mean = TaskTransfer.MeanRankScores(rankings);
        var equal = TaskTransfer.WeightedRankScores(rankings, Enumerable.Repeat(1.0, rankings.Length).ToArray());
        var twos = TaskTransfer.WeightedRankScores(rankings, Enumerable.Repeat(2.0, rankings.Length).ToArray());
        var only = TaskTransfer.WeightedRankScores(rankings, rankings.Select((_, i) => i == 2 ? 0.7 : 0.0).ToArray());
        foreach (var (arch, m) in mean)
        {
            Assert.Equal(m, equal[arch]);
            Assert.Equal(m, twos[arch], 12);
            double v = rankings[2].ValueOf(arch)!.Value;
            Assert.Equal(rankings[2].RankOf(v) / (double)rankings[2].Count, only[arch], 12);
        }
        Assert.Throws<ArgumentException>(() => TaskTransfer.WeightedRankScores(rankings, new double[rankings.Length]));
        Assert.Throws<ArgumentException>(() => TaskTransfer.WeightedRankScores(rankings, [1.0]));
    }
}

/// <summary><c>nag bench task-transfer</c> end to end on tiny models (a few training steps).</summary>
[Collection(TorchCollection.Name)]
public sealed class TaskTransferCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nagsharp-transfer-" + Guid.NewGuid().ToString("N"));

    public TaskTransferCliTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A tiny run's arguments; a flag in <paramref name="more"/> replaces the default given here.</summary>
    private static string[] Tiny(string data, string outDir, params string[] more)
    {
        string[] defaults = ["--space", "tnb101_micro", "--preset", "tiny", "--train-steps", "3", "--batch", "16", "--sample-steps", "3",
            "-n", "5", "--seed", "2", "--out", outDir, "--data-dir", data];
        var overridden = more.Where(a => a.StartsWith('-')).ToHashSet();
        var kept = defaults.Chunk(2).Where(pair => !overridden.Contains(pair[0])).SelectMany(pair => pair);
        return ["bench", "task-transfer", .. kept, .. more];
    }

    /// <summary>A copy of the micro table whose <paramref name="column"/> is negated: any read of it before scoring
    /// would change what is generated. Rows of the NASLib architectures in <paramref name="keep"/> keep their value.</summary>
    private string NegatedCopy(string data, string column, IReadOnlySet<string>? keep = null, string name = "negated")
    {
        string src = Path.Combine(data, "transnas101", "tnb101_micro_val_metrics.csv");
        string dst = Path.Combine(_dir, name, "transnas101", "tnb101_micro_val_metrics.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(dst)!);
        var lines = File.ReadAllLines(src);
        var header = lines[0].Split(',');
        int c = Array.IndexOf(header, column);
        Assert.True(c > 0);
        var output = new List<string> { lines[0] };
        foreach (var line in lines.Skip(1))
        {
            // The architecture is the first, quoted field ("(0, 1, ...)"); the metrics follow, unquoted.
            int close = line.IndexOf("\",", StringComparison.Ordinal);
            if (keep is not null && keep.Contains(line[1..close])) { output.Add(line); continue; }
            var metrics = line[(close + 2)..].Split(',');
            double v = double.Parse(metrics[c - 1], CultureInfo.InvariantCulture);
            metrics[c - 1] = (-v).ToString("R", CultureInfo.InvariantCulture);
            output.Add(line[..(close + 2)] + string.Join(',', metrics));
        }
        File.WriteAllLines(dst, output);
        return Path.Combine(_dir, name);
    }

    [SkippableTheory]
    [InlineData("per-task", 6)]
    [InlineData("mean-rank", 1)]
    public void HeldOutColumnIsNeitherAConditionNorReadBeforeScoring(string design, int conditionCount)
    {
        string data = TestData.RequireDir();
        var (code, stdout, err) = CliRunner.Run(Tiny(data, Path.Combine(_dir, "a"), "--tasks", "jigsaw", "--design", design));
        Assert.True(code == 0, err);
        Assert.Contains("| jigsaw |", stdout);
        var first = ReadTask(Path.Combine(_dir, "a"), "jigsaw");
        var conditions = first.GetProperty("conditions").EnumerateArray().Select(x => x.GetString()!).ToArray();
        Assert.Equal(conditionCount, conditions.Length);
        Assert.All(conditions, c => Assert.NotEqual("jigsaw", Condition.Parse(c).Column));
        var sources = first.GetProperty("sources").EnumerateArray().Select(x => x.GetString()!).ToArray();
        Assert.Equal(TaskTransfer.TaskColumns(TestData.For("tnb101_micro")).Where(c => c != "jigsaw"), sources);
        using (var gen = DiscreteGenerator.Load(first.GetProperty("generator").GetString()!))
            Assert.All(gen.Conditions, c => Assert.NotEqual("jigsaw", Condition.Parse(c).Column));

        // The same run on a table whose jigsaw column is negated generates the same architectures with the same
        // baselines' choices; only the scores differ.
        var (code2, _, err2) = CliRunner.Run(Tiny(NegatedCopy(data, "jigsaw"), Path.Combine(_dir, "b"), "--tasks", "jigsaw", "--design", design));
        Assert.True(code2 == 0, err2);
        var second = ReadTask(Path.Combine(_dir, "b"), "jigsaw");
        foreach (var method in new[] { "generated", "random", "mean_rank" })
            Assert.Equal(Archs(first, method), Archs(second, method));
        Assert.Equal(conditions, second.GetProperty("conditions").EnumerateArray().Select(x => x.GetString()!));
        Assert.NotEqual(first.GetProperty("generated").GetProperty("best_value").GetDouble(), second.GetProperty("generated").GetProperty("best_value").GetDouble());
    }

    /// <summary>
    /// The probes design reads the held-out column through its P probe queries only: negating every other held-out value
    /// changes nothing before scoring (same probes, weights, conditions and architectures), while negating the probe
    /// values reverses the task embedding. The probes themselves are chosen without the held-out column.
    /// </summary>
    [SkippableFact]
    public void ProbesDesignReadsTheHeldOutColumnOnlyThroughTheProbeQueries()
    {
        string data = TestData.RequireDir();
        var (code, stdout, err) = CliRunner.Run(Tiny(data, Path.Combine(_dir, "p"), "--tasks", "jigsaw", "--design", "probes"));
        Assert.True(code == 0, err);
        Assert.Contains("| jigsaw |", stdout);
        Assert.Contains("Task embeddings", stdout);
        var first = ReadTask(Path.Combine(_dir, "p"), "jigsaw");
        Assert.Equal(5, first.GetProperty("queries").GetInt32());
        var probes = Strings(first, "probes");
        Assert.Equal(5, probes.Length);
        var conditions = Strings(first, "conditions");
        Assert.StartsWith("sources_weighted_rank>=", Assert.Single(conditions), StringComparison.Ordinal);
        var weights = first.GetProperty("source_weights");
        Assert.Equal(Strings(first, "sources"), weights.EnumerateObject().Select(x => x.Name));
        Assert.All(weights.EnumerateObject(), x => Assert.True(x.Value.GetDouble() >= 0));
        using (var gen = DiscreteGenerator.Load(first.GetProperty("generator").GetString()!))
            Assert.All(gen.Conditions, c => Assert.NotEqual("jigsaw", Condition.Parse(c).Column));

        // Every jigsaw value but the probes' negated: nothing before scoring may change.
        var space = SpaceRegistry.Get("tnb101_micro");
        var keep = probes.Select(a => ((TnbMicroArch)space.Parse(a)).NaslibForm).ToHashSet(StringComparer.Ordinal);
        var (code2, _, err2) = CliRunner.Run(Tiny(NegatedCopy(data, "jigsaw", keep, "negated-but-probes"), Path.Combine(_dir, "q"), "--tasks", "jigsaw", "--design", "probes"));
        Assert.True(code2 == 0, err2);
        var second = ReadTask(Path.Combine(_dir, "q"), "jigsaw");
        Assert.Equal(probes, Strings(second, "probes"));
        Assert.Equal(Numbers(first, "probe_values"), Numbers(second, "probe_values"));
        Assert.Equal(weights.ToString(), second.GetProperty("source_weights").ToString());
        Assert.Equal(conditions, Strings(second, "conditions"));
        Assert.Equal(Path.GetFileName(first.GetProperty("generator").GetString()), Path.GetFileName(second.GetProperty("generator").GetString()));
        foreach (var method in new[] { "generated", "random", "mean_rank", "weighted_rank" })
            Assert.Equal(Archs(first, method), Archs(second, method));

        // Every jigsaw value negated: the same probes (chosen from the sources), the embedding reversed.
        var (code3, _, err3) = CliRunner.Run(Tiny(NegatedCopy(data, "jigsaw"), Path.Combine(_dir, "r"), "--tasks", "jigsaw", "--design", "probes", "--probes", "3"));
        Assert.True(code3 == 0, err3);
        var third = ReadTask(Path.Combine(_dir, "r"), "jigsaw");
        Assert.Equal(3, third.GetProperty("queries").GetInt32());
        var probes3 = Strings(third, "probes");
        Assert.Equal(3, probes3.Length);
        var (code4, _, err4) = CliRunner.Run(Tiny(data, Path.Combine(_dir, "s"), "--tasks", "jigsaw", "--design", "probes", "--probes", "3"));
        Assert.True(code4 == 0, err4);
        var fourth = ReadTask(Path.Combine(_dir, "s"), "jigsaw");
        Assert.Equal(Strings(fourth, "probes"), probes3);
        Assert.Equal(Numbers(fourth, "task_embedding").Select(e => 1 - e), Numbers(third, "task_embedding"));
    }

    /// <summary>
    /// The score design: a predictor with task input guides the score generator; the held-out task is read through the
    /// probe queries only (negating every other held-out value changes no generated or baseline architecture), and the
    /// task-free predictor's run is reported beside it.
    /// </summary>
    [SkippableFact]
    public void ScoreDesignReadsTheHeldOutColumnOnlyThroughTheProbeQueries()
    {
        string data = TestData.RequireDir();
        string[] score = ["--tasks", "jigsaw", "--design", "score", "--train-steps", "300", "--batch", "32", "--sample-steps", "10", "--guidance-scale", "10"];
        var (code, stdout, err) = CliRunner.Run(Tiny(data, Path.Combine(_dir, "sc"), score));
        Assert.True(code == 0, err);
        Assert.Contains("without task input", stdout);
        var first = ReadTask(Path.Combine(_dir, "sc"), "jigsaw");
        Assert.Equal(5, first.GetProperty("queries").GetInt32());
        var probes = Strings(first, "probes");
        Assert.Equal(5, probes.Length);
        Assert.EndsWith(".ckpt", first.GetProperty("generator").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Object, first.GetProperty("no_task").ValueKind);
        var json = Directory.GetFiles(Path.Combine(_dir, "sc"), "task_transfer_tnb101_micro_*.json").Single();
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
            Assert.Equal(10, doc.RootElement.GetProperty("guidance_scale").GetDouble());   // the score design's s, not the discrete W

        var space = SpaceRegistry.Get("tnb101_micro");
        var keep = probes.Select(a => ((TnbMicroArch)space.Parse(a)).NaslibForm).ToHashSet(StringComparer.Ordinal);
        var (code2, _, err2) = CliRunner.Run(Tiny(NegatedCopy(data, "jigsaw", keep, "negated-but-probes-score"), Path.Combine(_dir, "sd"), score));
        Assert.True(code2 == 0, err2);
        var second = ReadTask(Path.Combine(_dir, "sd"), "jigsaw");
        Assert.Equal(Numbers(first, "task_embedding"), Numbers(second, "task_embedding"));
        foreach (var method in new[] { "generated", "no_task", "random", "mean_rank", "weighted_rank" })
            Assert.Equal(Archs(first, method), Archs(second, method));

    }

    [SkippableFact]
    public void CollectsKUniqueValidArchitecturesOrSaysHowManyAndWritesEveryField()
    {
        string data = TestData.RequireDir();
        string outDir = Path.Combine(_dir, "k");
        var (code, stdout, err) = CliRunner.Run(Tiny(data, outDir, "--tasks", "normal,room_layout", "--condition-top", "30"));
        Assert.True(code == 0, err);
        Assert.Contains("of 2** held-out tasks", stdout);
        var json = Directory.GetFiles(outDir, "task_transfer_tnb101_micro_*.json").Single();
        Assert.True(File.Exists(Path.ChangeExtension(json, ".md")));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        foreach (var field in new[] { "space", "top_percent", "k", "seed", "preset", "train_steps", "sample_steps", "guidance_weight", "condition_top",
                     "direction", "tasks_count", "generated_met", "random_met", "random_expected_met", "mean_rank_met", "tasks", "probes", "probe_span", "queries_total", "weighted_rank_met" })
            Assert.True(root.TryGetProperty(field, out _), field);
        Assert.Equal(2, root.GetProperty("tasks_count").GetInt32());
        foreach (var task in root.GetProperty("tasks").EnumerateArray())
        {
            foreach (var field in new[] { "task", "sources", "conditions", "condition_percent", "support", "generator", "train_seconds", "drawn", "valid",
                         "unique_valid", "unknown_to_table", "kept", "complete", "satisfying_sources", "generated", "random_expected_probability", "random", "mean_rank",
                         "queries", "probes", "probe_values", "task_embedding", "source_weights", "weighted_rank" })
                Assert.True(task.TryGetProperty(field, out _), field);
            Assert.Equal(0, task.GetProperty("queries").GetInt32());   // mean-rank: no query of the held-out task
            Assert.Equal(JsonValueKind.Null, task.GetProperty("weighted_rank").ValueKind);
            Assert.Equal(30, task.GetProperty("condition_percent").GetDouble());
            Assert.True(task.GetProperty("complete").GetBoolean());
            var archs = Archs(task, "generated");
            Assert.Equal(5, archs.Length);
            Assert.Equal(5, archs.Distinct().Count());
            Assert.Equal(5, task.GetProperty("kept").GetInt32());
            Assert.True(task.GetProperty("drawn").GetInt32() >= 5);
            foreach (var method in new[] { "generated", "random", "mean_rank" })
            {
                var m = task.GetProperty(method);
                foreach (var field in new[] { "archs", "best_arch", "best_value", "best_rank", "of", "best_top_percent", "in_top" })
                    Assert.True(m.TryGetProperty(field, out _), $"{method}.{field}");
                Assert.Equal(4096, m.GetProperty("of").GetInt32());
            }
        }

        // A budget smaller than what K needs is reported, not hidden: macro skeletons are often invalid after 3 steps.
        string shortDir = Path.Combine(_dir, "short");
        var (sc, sout, serr) = CliRunner.Run(["bench", "task-transfer", "--space", "tnb101_macro", "--preset", "tiny", "--train-steps", "3", "--batch", "16",
            "--sample-steps", "3", "-n", "30", "--max-samples", "30", "--sample-batch", "30", "--tasks", "jigsaw", "--seed", "0", "--out", shortDir, "--data-dir", data]);
        Assert.True(sc == 0, serr);
        using var sdoc = JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(shortDir, "*.json").Single()));
        var st = sdoc.RootElement.GetProperty("tasks")[0];
        int kept = st.GetProperty("kept").GetInt32();
        Assert.Equal(30, st.GetProperty("drawn").GetInt32());
        Assert.Equal(kept == 30, st.GetProperty("complete").GetBoolean());
        Assert.Equal(kept, Archs(st, "generated").Length);
        if (kept < 30)
        {
            Assert.Contains($"only {kept} of 30", sout);
            Assert.Contains($"only {kept} unique valid scored architectures after 30 samples", serr);
        }
    }

    [SkippableFact]
    public void BadFlagsAreOneLineUserErrors()
    {
        string data = TestData.RequireDir();
        string outDir = Path.Combine(_dir, "bad");
        string[][] bad =
        [
            ["--top-percent", "0"], ["--top-percent", "101"], ["-n", "0"], ["--train-steps", "0"], ["--batch", "0"], ["--sample-steps", "0"], ["--sample-steps", "501"],
            ["--guidance-weight", "-1"], ["--sample-batch", "0"], ["--max-samples", "4"], ["--min-support", "0"], ["--unlabelled", "-1"],
            ["--condition-top", "abc"], ["--condition-top", "0"], ["--condition-top", "150"], ["--tasks", "no_such_task"], ["--preset", "huge"], ["--design", "bogus"],
            ["--probes", "0"], ["--probes", "6"], ["--probe-span", "0"], ["--probe-span", "101"], ["--guidance-scale", "-1"],
            ["--design", "score", "--space", "nb101"],   // the score engine needs a fixed topology
        ];
        foreach (var flags in bad)
        {
            var (code, _, err) = CliRunner.Run(Tiny(data, outDir, flags));
            Assert.True(code == 1, $"{string.Join(' ', flags)}: exit {code}, {err}");
            Assert.StartsWith("nag: error:", err, StringComparison.Ordinal);
            Assert.Single(err.Trim().Split('\n'));
            Assert.Contains(flags[0], err);
        }
        var space = CliRunner.Run(["bench", "task-transfer", "--space", "nosuch", "--data-dir", data, "--out", outDir]);
        Assert.Equal(1, space.Code);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFiles(outDir, "*.ckpt").Any(), "no generator is trained for refused flags");
    }

    private static JsonElement ReadTask(string outDir, string task)
    {
        var json = Directory.GetFiles(outDir, "task_transfer_tnb101_micro_*.json").Single();
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        return doc.RootElement.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("task").GetString() == task).Clone();
    }

    private static string[] Archs(JsonElement task, string method) =>
        task.GetProperty(method).GetProperty("archs").EnumerateArray().Select(x => x.GetString()!).ToArray();

    private static string[] Strings(JsonElement task, string field) => task.GetProperty(field).EnumerateArray().Select(x => x.GetString()!).ToArray();

    private static double[] Numbers(JsonElement task, string field) => task.GetProperty(field).EnumerateArray().Select(x => x.GetDouble()).ToArray();
}
