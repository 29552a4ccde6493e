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
    public void EncodingPutsRolesAtFixedSlotsAndSaysBlendOrderInItsSymbol()
    {
        var g = Space.Encode(P(Gru));
        var v = Space.NodeVocabulary;
        // blend(gate = sigm at slot 5, first = h_prev_0 at slot 1, second = tanh at slot 7): in slot order 1, 5, 7 the gate
        // is at position 1 and first precedes second.
        string[] expected = ["x", "h_prev_0", "unused", "unused", "linear", "activation_sigm", "linear", "activation_tanh", "blend_g1_ab"];
        Assert.Equal(expected, g.NodeTypes.Take(expected.Length).Select(t => v[t]));
        Assert.All(g.NodeTypes[9..25], t => Assert.Equal("unused", v[t]));
        Assert.Equal(["h_new_0", "unused", "unused"], g.NodeTypes[25..].Select(t => v[t]));
        Assert.True(g.Adjacency[5, 8] && g.Adjacency[1, 8] && g.Adjacency[7, 8]);   // the blend's three inputs, directly
        Assert.True(g.Adjacency[8, 25]);
        Assert.Equal(20, v.Count);
        Assert.DoesNotContain("blend", v);
        // Every order of (gate, first, second) has its own symbol and round-trips.
        string[] names = ["z_act", "h_prev_0", "c_act"];
        var symbols = new HashSet<string>();
        foreach (var perm in new[] { new[] { 0, 1, 2 }, [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0] })
        {
            var a = P(Gru.Replace("[\"z_act\", \"h_prev_0\", \"c_act\"]", "[" + string.Join(", ", perm.Select(i => $"\"{names[i]}\"")) + "]"));
            var enc = Space.Encode(a);
            symbols.Add(v[enc.NodeTypes[8]]);
            Assert.Equal(a, Space.TryDecode(enc, out var why));
            Assert.Null(why);
        }
        Assert.Equal(6, symbols.Count);
    }

    /// <summary>The slot roles the score engine pins are sound (every encoding respects them) and tight where the layout
    /// is fixed (x, h_prev_0 and h_new_0 have one symbol each; no slot is ever absent).</summary>
    [Fact]
    public void SlotRolesHoldForEveryEncoding()
    {
        var roles = Space.SlotSymbols();
        int f = Space.NodeVocabulary.Count;
        Assert.Equal(new[] { Space.MaxNodes, f + 1 }, new[] { roles.GetLength(0), roles.GetLength(1) });
        var rng = new Random(3);
        var seen = new bool[Space.MaxNodes, f];
        foreach (var a in Enumerable.Range(0, 3000).Select(_ => Space.Sample(rng)).Append(P(Rnn)).Append(P(Gru)))
        {
            var types = Space.Encode(a).NodeTypes;
            for (int slot = 0; slot < types.Length; slot++) { Assert.True(roles[slot, types[slot]], $"slot {slot} holds {Space.NodeVocabulary[types[slot]]}"); seen[slot, types[slot]] = true; }
        }
        for (int slot = 0; slot < Space.MaxNodes; slot++) Assert.False(roles[slot, f]);
        foreach (int slot in new[] { 0, 1, NlpSpace.OpEnd })
            Assert.Equal(1, Enumerable.Range(0, f).Count(k => roles[slot, k]));
        // In the input and output slots the roles allow exactly what sampling produces. (Operation slots also allow
        // unused, which decoding accepts anywhere among the operations although encodings pack operations first.)
        foreach (int slot in new[] { 0, 1, 2, 3, NlpSpace.OpEnd, NlpSpace.OpEnd + 1, NlpSpace.OpEnd + 2 })
            for (int k = 0; k < f; k++) Assert.Equal(roles[slot, k], seen[slot, k]);
    }

    [Fact]
    public void DecodeRefusesMisplacedRolesAndDropsDeadNodes()
    {
        var a = P(Gru);
        var v = Space.NodeVocabulary.ToList();
        int unused = v.IndexOf("unused"), tanh = v.IndexOf("activation_tanh");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (_, adj) => adj[4, 8] = true), "has 4 inputs, expected 3");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (_, adj) => adj[5, 8] = false), "has 2 inputs, expected 3");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (_, adj) => adj[4, 25] = true), "must have exactly one input");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, adj) => { (t[25], t[26]) = (unused, v.IndexOf("h_new_1")); adj[8, 25] = false; adj[8, 26] = true; }), "node 25 is not h_new_0");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[3] = v.IndexOf("h_new_1")), "slot 3 holds h_prev_2 or unused");
        // A state that is read needs its h_new.
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, adj) => { t[2] = v.IndexOf("h_prev_1"); adj[2, 4] = true; }), "h_prev_1 is read but there is no h_new_1");
        // A state nobody reads is dead, with its h_new and the nodes that only feed it: the same cell.
        Assert.Equal(a, Space.TryDecode(SpaceContract.Mutate(Space, a, (t, _) => t[2] = v.IndexOf("h_prev_1")), out var unreadReason));
        Assert.Null(unreadReason);
        var deadState = SpaceContract.Mutate(Space, a, (t, adj) =>
        {
            (t[2], t[12], t[26]) = (v.IndexOf("h_prev_1"), tanh, v.IndexOf("h_new_1"));
            adj[0, 12] = true; adj[12, 26] = true;   // h_new_1 = tanh(x), and h_prev_1 is never read
        });
        Assert.Equal(a, Space.TryDecode(deadState, out var deadStateReason));
        Assert.Null(deadStateReason);
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (_, adj) => adj[0, 1] = true), "is an input but node 0 feeds it");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (_, adj) => adj[5, 7] = true), "has 2 inputs, expected 1");
        Assert.Equal(a, Space.TryDecode(SpaceContract.Mutate(Space, a, (_, adj) => adj[4, 12] = true), out _));   // edges of unused slots are ignored
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[4] = -1), "every slot is present");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[0] = tanh), "expected x");
        SpaceContract.AssertInvalid(Space, SpaceContract.Mutate(Space, a, (t, _) => t[12] = v.IndexOf("x")), "is not an operation");
        // Another blend symbol reads the same three inputs in another order: a different, still valid cell.
        var swapped = Space.TryDecode(SpaceContract.Mutate(Space, a, (t, _) => t[8] = v.IndexOf("blend_g1_ba")), out var swapReason);
        Assert.Null(swapReason);
        Assert.NotEqual(a, swapped);
        // An extra activation nobody reads is dead: cells are held pruned (as NB101's), so it is the same cell.
        Assert.Equal(a, Space.TryDecode(SpaceContract.Mutate(Space, a, (t, adj) => { t[12] = tanh; adj[8, 12] = true; }), out var deadReason));
        Assert.Null(deadReason);
        // A chain of dead nodes goes too, and a rule the pruned cell breaks is still reported: here x feeds only dead nodes.
        var onlyDeadReadX = SpaceContract.Mutate(Space, a, (t, adj) =>
        {
            for (int j = 0; j < NlpSpace.MaxSlots; j++) adj[0, j] = false;
            (t[13], t[14]) = (tanh, tanh);
            adj[0, 13] = true; adj[13, 14] = true;
        });
        SpaceContract.AssertInvalid(Space, onlyDeadReadX, "x is not used");
        // Unused slots between operations are fine: the same cell.
        var spread = SpaceContract.Mutate(Space, a, (t, adj) =>
        {
            // move the blend (slot 8) to slot 14
            (t[14], t[8]) = (t[8], unused);
            foreach (int i in new[] { 1, 5, 7 }) { adj[i, 8] = false; adj[i, 14] = true; }
            adj[8, 25] = false; adj[14, 25] = true;
        });
        Assert.Equal(a, Space.TryDecode(spread, out var reason));
        Assert.Null(reason);
    }

    [Fact]
    public void StatesAreRenumberedInSlotOrder()
    {
        var two = P("{\"a\": {\"op\": \"linear\", \"input\": [\"x\", \"h_prev_0\", \"h_prev_1\"]}, \"h_new_0\": {\"op\": \"activation_tanh\", \"input\": [\"a\"]},"
            + " \"h_new_1\": {\"op\": \"activation_sigm\", \"input\": [\"a\"]}}");
        var v = Space.NodeVocabulary.ToList();
        int unused = v.IndexOf("unused");
        var g = Space.Encode(two);
        Assert.Equal(v.IndexOf("h_prev_1"), g.NodeTypes[2]);
        Assert.True(g.Adjacency[2, 4] && g.Adjacency[6, 26]);   // a reads h_prev_1; h_new_1 is the sigmoid
        // The second state in the third pair of slots: the same recurrence.
        var moved = SpaceContract.Mutate(Space, two, (t, adj) =>
        {
            (t[2], t[3]) = (unused, v.IndexOf("h_prev_2"));
            adj[2, 4] = false; adj[3, 4] = true;
            (t[26], t[27]) = (unused, v.IndexOf("h_new_2"));
            adj[6, 26] = false; adj[6, 27] = true;
        });
        Assert.Equal(two, Space.TryDecode(moved, out var reason));
        Assert.Null(reason);
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
        Assert.All(data.Keys, k => Assert.True(Space.Encode(data.ArchOf(k)).NodeTypes[NlpSpace.OpStart..NlpSpace.OpEnd].Count(t => t != 0) <= 19));
    }
}
