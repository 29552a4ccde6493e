using NagSharp.Benchmarks;
using NagSharp.Spaces;

namespace NagSharp.Tests;

/// <summary>NAS-Bench-NLP: recipe parsing (any node order and names), the free-topology encoding with blend and output
/// markers, validity, sampling, neighbours, canonical form, parameter count; with data, the 345-run table.</summary>
public sealed class NlpSpaceTests
{
    private static readonly NlpSpace Space = new();

    /// <summary>Row 0 of the table: the plain RNN h = tanh(W [x, h]).</summary>
    private const string Rnn = "{\"f\": {\"op\": \"linear\", \"input\": [\"x\", \"h_prev_0\"]}, \"h_new_0\": {\"op\": \"activation_tanh\", \"input\": [\"f\"]}}";

    /// <summary>A GRU-like cell with a blend whose three inputs are all different.</summary>
    private const string Gru = "{\"z\": {\"op\": \"linear\", \"input\": [\"x\", \"h_prev_0\"]}, \"z_act\": {\"op\": \"activation_sigm\", \"input\": [\"z\"]},"
        + " \"c\": {\"op\": \"linear\", \"input\": [\"h_prev_0\", \"x\"]}, \"c_act\": {\"op\": \"activation_tanh\", \"input\": [\"c\"]},"
        + " \"h_new_0\": {\"op\": \"blend\", \"input\": [\"z_act\", \"h_prev_0\", \"c_act\"]}}";

    private static NlpArch P(string s) => (NlpArch)Space.Parse(s);

    [Fact]
    public void RecipesAreRenamedByPositionAndCommutativeInputsSorted()
    {
        var a = P(Rnn);
        Assert.Equal("{\"node_0\": {\"op\": \"linear\", \"input\": [\"x\", \"h_prev_0\"]}, \"h_new_0\": {\"op\": \"activation_tanh\", \"input\": [\"node_0\"]}}", a.ToString());
        var g = P(Gru);
        Assert.Equal(1, g.Hidden);
        Assert.Equal([-1, -2], g.Nodes[2].Inputs);           // linear(h_prev_0, x) sorted to (x, h_prev_0)
        Assert.Equal([1, -2, 3], g.Nodes[4].Inputs);         // blend keeps (gate, first, second)
        Assert.Equal(g, P(g.ToString()));
        // Listed out of order: topologically sorted, same cell.
        var shuffled = "{\"h_new_0\": {\"op\": \"activation_tanh\", \"input\": [\"f\"]}, \"f\": {\"op\": \"linear\", \"input\": [\"h_prev_0\", \"x\"]}}";
        Assert.Equal(a, P(shuffled));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("[1]", "expected a JSON object")]
    [InlineData("{\"f\": {\"op\": \"linear\", \"input\": [\"x\", \"h_prev_0\"]}", "not valid JSON")]
    [InlineData("{\"f\": {\"op\": \"conv\", \"input\": [\"x\"]}, \"h_new_0\": {\"op\": \"activation_tanh\", \"input\": [\"f\"]}}", "unknown operation 'conv'")]
    [InlineData("{\"f\": {\"op\": \"linear\", \"input\": [\"x\", \"h_prev_0\"]}}", "no output node h_new_0")]
    [InlineData("{\"h_new_0\": {\"op\": \"activation_tanh\", \"input\": [\"g\"]}}", "reads 'g', which is not defined")]
    [InlineData("{\"a\": {\"op\": \"activation_tanh\", \"input\": [\"h_new_0\"]}, \"h_new_0\": {\"op\": \"linear\", \"input\": [\"a\", \"x\", \"h_prev_0\"]}}", "cycle")]
    [InlineData("{\"h_new_0\": {\"op\": \"elementwise_sum\", \"input\": [\"x\"]}}", "has 1 inputs, expected 2")]
    [InlineData("{\"h_new_0\": {\"op\": \"linear\", \"input\": [\"x\", \"x\", \"h_prev_0\"]}}", "reads the same input twice")]
    [InlineData("{\"h_new_0\": {\"op\": \"linear\", \"input\": [\"x\", \"h_prev_1\"]}}", "but the cell has 1 hidden state")]
    [InlineData("{\"h_new_0\": {\"op\": \"activation_tanh\", \"input\": [\"x\"]}}", "h_prev_0 is not used")]
    [InlineData("{\"d\": {\"op\": \"activation_sigm\", \"input\": [\"x\"]}, \"h_new_0\": {\"op\": \"linear\", \"input\": [\"x\", \"h_prev_0\"]}}", "does not reach any new hidden state")]
    [InlineData("{\"h_new_0\": {\"op\": \"linear\", \"input\": [\"x\", \"h_prev_0\"]}, \"h_new_2\": {\"op\": \"activation_tanh\", \"input\": [\"h_new_0\"]}}", "output 'h_new_2' without h_new_1")]
    [InlineData("{\"x\": {\"op\": \"activation_tanh\", \"input\": [\"h_prev_0\"]}, \"h_new_0\": {\"op\": \"activation_tanh\", \"input\": [\"x\"]}}", "redefines an input")]
    public void BadRecipesAreRefused(string text, string expected)
    {
        var e = Assert.ThrowsAny<ArchFormatException>(() => Space.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodingRoutesBlendInputsThroughMarkersAndEndsWithTheOutputs()
    {
        var g = Space.Encode(P(Gru));
        var v = Space.NodeVocabulary;
        string[] expected = ["x", "h_prev_0", "linear", "activation_sigm", "linear", "activation_tanh", "blend_gate", "blend_second", "blend", "h_new_0"];
        Assert.Equal(expected, g.NodeTypes.Take(expected.Length).Select(t => v[t]));
        Assert.All(g.NodeTypes.Skip(expected.Length), t => Assert.Equal(-1, t));
        Assert.True(g.Adjacency[3, 6] && g.Adjacency[6, 8]);   // gate: sigm -> blend_gate -> blend
        Assert.True(g.Adjacency[1, 8]);                        // first input h_prev_0 directly
        Assert.True(g.Adjacency[5, 7] && g.Adjacency[7, 8]);   // second: tanh -> blend_second -> blend
        Assert.True(g.Adjacency[8, 9]);
        Assert.False(g.Adjacency[3, 8] || g.Adjacency[5, 8]);
    }

    [Fact]
    public void ContractOnSamplesAndHandWrittenCells()
    {
        var samples = SpaceContract.Samples(Space, 150);
        SpaceContract.Check(Space, samples.Append(P(Rnn)).Append(P(Gru)));
        Assert.Null(Space.FixedAdjacency);
        Assert.Contains(samples, a => ((NlpArch)a).Hidden == 3);
        Assert.Contains(samples, a => ((NlpArch)a).Nodes.Any(n => n.Op == 1));
        Assert.True(samples.Select(a => a.ToString()).Distinct().Count() > 140);
    }

    [Fact]
    public void DecodeRefusesMisplacedMarkersAndDeadNodes()
    {
        var a = P(Gru);
        var v = Space.NodeVocabulary.ToList();
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (_, adj) => adj[3, 8] = true), "needs one blend_gate");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (_, adj) => adj[2, 9] = true), "must have exactly one input");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[9] = v.IndexOf("h_new_1")), "must be h_new_0");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (_, adj) => adj[0, 1] = true), "is an input but node 0 feeds it");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (_, adj) => adj[6, 7] = true), "must feed exactly one blend");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[4] = -1), "present after absent");
        // An extra activation nobody reads is dead.
        var dead = SpaceContract.Mutate(Space, a, (t, adj) => { t[10] = t[9]; t[9] = v.IndexOf("activation_tanh"); adj[8, 9] = false; adj[8, 10] = true; adj[2, 9] = true; });
        SpaceContract.AssertInvalid(Space, dead, "does not reach any new hidden state");
    }

    [Fact]
    public void CanonicalFormIgnoresNamesAndOrderButNotBlendOrder()
    {
        var g = P(Gru);
        var reordered = P("{\"c\": {\"op\": \"linear\", \"input\": [\"h_prev_0\", \"x\"]}, \"z\": {\"op\": \"linear\", \"input\": [\"x\", \"h_prev_0\"]},"
            + " \"c_act\": {\"op\": \"activation_tanh\", \"input\": [\"c\"]}, \"z_act\": {\"op\": \"activation_sigm\", \"input\": [\"z\"]},"
            + " \"h_new_0\": {\"op\": \"blend\", \"input\": [\"z_act\", \"h_prev_0\", \"c_act\"]}}");
        Assert.NotEqual(g, reordered);
        Assert.Equal(Space.CanonicalForm(g), Space.CanonicalForm(reordered));
        var swapped = P(Gru.Replace("[\"z_act\", \"h_prev_0\", \"c_act\"]", "[\"z_act\", \"c_act\", \"h_prev_0\"]", StringComparison.Ordinal));
        Assert.NotEqual(Space.CanonicalForm(g), Space.CanonicalForm(swapped));
    }

    [Fact]
    public void ParameterCountOfTheLanguageModel()
    {
        // Table row 0: 15,066,078 = tied embedding 33,278 x 400 + decoder bias + one 2-input linear in 3 layers.
        Assert.Equal(15066078, Space.ComputeCosts(P(Rnn), new CostOptions())["num_params"]);
        Assert.Equal(15.066078, Space.ComputeCosts(P(Rnn), new CostOptions())["params_M"], 9);
        var three = Space.ComputeCosts(P("{\"h_new_0\": {\"op\": \"linear\", \"input\": [\"x\", \"h_prev_0\", \"h_prev_0\"]}}".Replace(", \"h_prev_0\"]", "]", StringComparison.Ordinal)), new CostOptions());
        Assert.Equal(15066078, three["num_params"]);
        Assert.True(Space.ComputeCosts(P(Gru), new CostOptions(CellsPerStage: 2))["num_params"] < Space.ComputeCosts(P(Gru), new CostOptions())["num_params"]);
        Assert.Throws<NagUserException>(() => Space.ComputeCosts(P(Rnn), new CostOptions(InputSize: 32)));
    }

    [Fact]
    public void NeighboursSwapOperationsOfTheSameArityOrRewireOneInput()
    {
        var g = P(Gru);
        var nb = Space.Neighbours(g).Cast<NlpArch>().ToList();
        Assert.NotEmpty(nb);
        Assert.Contains(nb, b => b.Nodes[1].Op == 4);   // sigmoid -> tanh
        Assert.All(nb, b => Assert.Equal(g.Nodes.Count, b.Nodes.Count));
    }

    [SkippableFact]
    public void TableLoadsWithFailedRunsAndExactParameterCounts()
    {
        var data = TestData.For("nbnlp");
        Assert.Equal(["epochs_logged", "num_params", "best_val_ppl", "test_ppl_at_best_val", "final_val_ppl", "final_test_ppl"], data.Columns);
        Assert.Equal(345, data.Keys.Count());
        Assert.True(data.Count < 345);                                   // some recipes were run twice
        Assert.Equal(343, data.ColumnEntries("best_val_ppl").Count());   // two NaN-loss runs have no perplexity
        Assert.Equal(186.02302735557842, data.Get(P(Rnn), "best_val_ppl")!.Value, 9);
        var costs = CostCheck.Run(data, new CostOptions());
        var np = costs.Single(r => r.Column == "num_params");
        Assert.Equal(0, np.MaxRelativeError);
        Assert.Equal(NlpSpace.StandardVocabulary, np.Classes);
        Assert.All(data.Keys, k => Assert.True(Space.Encode(data.ArchOf(k)).NodeTypes.Count(t => t >= 0) <= 26));
    }
}
