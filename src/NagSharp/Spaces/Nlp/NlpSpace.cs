using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NagSharp.Graphs;

namespace NagSharp.Spaces;

/// <summary>One operation node of a NAS-Bench-NLP recurrent cell.</summary>
/// <param name="Op">Index into <see cref="NlpSpace.Operations"/>.</param>
/// <param name="Inputs">References: -1 is <c>x</c>, -2 - k is <c>h_prev_k</c>, i &gt;= 0 is operation node i (earlier in
/// the cell). Commutative operations hold them sorted (x, h_prev_0, ..., node 0, ...); blend keeps (gate, first, second).</param>
public sealed record NlpNode(int Op, IReadOnlyList<int> Inputs);

/// <summary>
/// A NAS-Bench-NLP recurrent cell: operation nodes in topological order over the inputs <c>x</c> and
/// <c>h_prev_0..H-1</c>, H of which are the new hidden states <c>h_new_0..H-1</c>.
/// </summary>
public sealed class NlpArch : Arch
{
    private readonly string _text;

    internal NlpArch(int hidden, IReadOnlyList<NlpNode> nodes, IReadOnlyList<int> outputs)
    {
        Hidden = hidden; Nodes = nodes; Outputs = outputs;
        _text = NlpSpace.Format(this);
    }

    /// <summary>Hidden states H (1..3): inputs h_prev_0..H-1 and outputs h_new_0..H-1.</summary>
    public int Hidden { get; }

    /// <summary>Operation nodes in topological order.</summary>
    public IReadOnlyList<NlpNode> Nodes { get; }

    /// <summary>Outputs[k] is the node that is h_new_k.</summary>
    public IReadOnlyList<int> Outputs { get; }

    /// <summary>The recipe as NAS-Bench-NLP writes it (JSON, nodes in order), with intermediate nodes renamed
    /// <c>node_0</c>, <c>node_1</c>, ... by position and the output nodes named <c>h_new_k</c>.</summary>
    public override string ToString() => _text;
}

/// <summary>
/// NAS-Bench-NLP's space of recurrent cells: DAGs over x and up to three hidden states whose nodes are linear (1-3 inputs,
/// one weight matrix each plus a bias), blend (z * a + (1 - z) * b), elementwise product or sum (2 inputs), or tanh,
/// sigmoid, leaky-ReLU activations. Free topology: the discrete engine generates it directly, the score engine through its edge-token view.
/// </summary>
/// <remarks>
/// Graph encoding: <see cref="MaxSlots"/> slots, all present, at fixed places: slot 0 is x, slots 1-3 h_prev_0..2, slots
/// 4-24 the operation nodes in order, slots 25-27 the markers h_new_0..2, each fed by the node that is that hidden state;
/// a slot a cell does not use holds <c>unused</c> (no edges). Fixed places make the roles positional, which generators
/// learn easily; the first layout (present slots first, outputs after the last operation) gave 0 % valid samples because
/// where "last" falls depends on the drawn node count. Unused slots may sit anywhere among the operations. Blend's inputs
/// are ordered (gate, first, second), which an adjacency cannot say, so blend has six symbols: the position of the gate
/// among its three inputs in slot order, and whether the first input precedes the second. (An earlier layout routed the
/// gate and second input through marker nodes; half of the discrete engine's invalid samples broke a marker rule.)
/// Validity: every operation has its arity, inputs are distinct, every node reaches a new hidden state, x and every
/// h_prev are used, as many h_new as h_prev, and a node is at most one h_new. A decoded graph is held pruned, as NB101's
/// cells are: nodes that reach no new hidden state compute nothing the recurrence uses and are dropped before the rules
/// are checked (a recipe given as text must not have them: a user who wrote one most likely meant something else). So is a
/// state k &gt; 0 whose h_prev_k no remaining node reads, with its h_new_k (which only the next step's h_prev_k would read)
/// and the nodes that only feed it; the states left are numbered in slot order. The table's recipes need at most 19 of the
/// 21 operation slots. Perplexity columns are lower-is-better.
/// </remarks>
public sealed class NlpSpace : SearchSpace<NlpArch>, ISlotRoles, Diagrams.ICellDiagramSource
{
    /// <summary>Operation names as the recipes write them.</summary>
    public static readonly IReadOnlyList<string> Operations =
        ["linear", "blend", "elementwise_prod", "elementwise_sum", "activation_tanh", "activation_sigm", "activation_leaky_relu"];

    /// <summary>Most hidden states.</summary>
    public const int MaxHidden = 3;

    /// <summary>Node slots of the graph encoding.</summary>
    public const int MaxSlots = 28;

    private const int LinearOp = 0, BlendOp = 1;
    // Blend reads (gate, first, second) in that order, which an adjacency cannot say: its symbol says it instead. In slot
    // order of its three inputs, g<p> puts the gate at position p and ab/ba says whether the first input precedes the second.
    private static readonly string[] Vocabulary =
        ["unused", "x", "h_prev_0", "h_prev_1", "h_prev_2", .. Operations.Where(o => o != "blend"),
         "blend_g0_ab", "blend_g0_ba", "blend_g1_ab", "blend_g1_ba", "blend_g2_ab", "blend_g2_ba", "h_new_0", "h_new_1", "h_new_2"];
    private const int UnusedSym = 0, XSym = 1, HPrevSym = 2, OpSym = 5, BlendSym = 11, HNewSym = 17;

    private static int SymbolOf(int op) => op == BlendOp ? throw new ArgumentException("blend has six symbols") : OpSym + op - (op > BlendOp ? 1 : 0);

    private static int OpOf(int sym) => sym is >= BlendSym and < HNewSym ? BlendOp : sym - OpSym + (sym - OpSym >= BlendOp ? 1 : 0);

    private static bool IsOperation(int sym) => sym >= OpSym && sym < HNewSym;

    /// <summary>First and one-past-last slot of the operation region.</summary>
    public const int OpStart = 1 + MaxHidden, OpEnd = MaxSlots - MaxHidden;

    /// <summary>Vocabulary size of the language model (WikiText-2), used when <see cref="CostOptions.Classes"/> is null.</summary>
    public const int StandardVocabulary = 33278;
    /// <summary>Embedding width (tied with the decoder).</summary>
    public const int EmbeddingWidth = 400;
    /// <summary>Hidden width of the inner layers, used when <see cref="CostOptions.Width"/> is null.</summary>
    public const int StandardHidden = 600;
    /// <summary>Stacked recurrent layers, used when <see cref="CostOptions.CellsPerStage"/> is null.</summary>
    public const int StandardLayers = 3;

    /// <summary>Draws the cell without the encoding's unused slots, blend inputs labelled by role.</summary>
    public Diagrams.CellDiagram Diagram(Arch arch) => Diagrams.SpaceDiagrams.Nlp(this, Cast(arch));

    /// <inheritdoc />
    public override string Name => "nbnlp";
    /// <inheritdoc />
    public override string Description => "NAS-Bench-NLP recurrent cell: DAG of linear/blend/elementwise/activation nodes over x and 1-3 hidden states (free topology, 28 fixed slots); perplexity is lower-is-better";
    /// <inheritdoc />
    public override long? Size => null;
    /// <inheritdoc />
    public override IReadOnlyList<string> NodeVocabulary => Vocabulary;
    /// <inheritdoc />
    public override int MaxNodes => MaxSlots;
    /// <inheritdoc />
    public override bool[,]? FixedAdjacency => null;

    /// <summary>Keyless (one recipe id appears twice); the recipe JSON is the architecture; the run status and the
    /// recipe id are text; runs whose loss became NaN have no perplexity (empty cells).</summary>
    public override TableLayout? Tables { get; } = new("nbnlp", null, "recepie_json", CompleteTables: false)
    {
        TextColumns = ["recepie_id", "status"],
        LowerIsBetter = ["*_ppl*", "num_params", "*_ms"],
        MissingValues = true,
    };

    private static int Arity(int op) => op switch { LinearOp => -1, BlendOp => 3, 2 or 3 => 2, _ => 1 };

    private static bool Commutative(int op) => op != BlendOp;

    private static bool Accepts(int op, int inputs) => Arity(op) > 0 ? inputs == Arity(op) : inputs is >= 1 and <= 3;

    internal static string RefName(int r, NlpArch a) =>
        r == -1 ? "x" : r <= -2 ? $"h_prev_{-2 - r}" : NodeName(r, a);

    private static string NodeName(int i, NlpArch a)
    {
        for (int k = 0; k < a.Outputs.Count; k++) if (a.Outputs[k] == i) return $"h_new_{k}";
        return $"node_{i}";
    }

    internal static string Format(NlpArch a)
    {
        var sb = new StringBuilder("{");
        for (int i = 0; i < a.Nodes.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append('"').Append(NodeName(i, a)).Append("\": {\"op\": \"").Append(Operations[a.Nodes[i].Op]).Append("\", \"input\": [")
              .Append(string.Join(", ", a.Nodes[i].Inputs.Select(r => "\"" + RefName(r, a) + "\""))).Append("]}");
        }
        return sb.Append('}').ToString();
    }

    /// <summary>
    /// Checks a cell and returns it with commutative inputs sorted, or null with the reason. Rules: 1..3 hidden states;
    /// every operation's arity (linear 1-3); distinct inputs that exist and come earlier; each output a distinct node;
    /// every node reaching an output; x and every h_prev used; the encoding fitting in <see cref="MaxSlots"/> slots.
    /// </summary>
    internal static NlpArch? TryBuild(int hidden, IReadOnlyList<NlpNode> nodes, IReadOnlyList<int> outputs, out string? reason)
    {
        reason = null;
        if (hidden is < 1 or > MaxHidden) { reason = $"{hidden} hidden states, expected 1..{MaxHidden}"; return null; }
        if (outputs.Count != hidden) { reason = $"{outputs.Count} new hidden states for {hidden} previous ones"; return null; }
        var sorted = new NlpNode[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            if (n.Op < 0 || n.Op >= Operations.Count) { reason = $"node {i}: operation {n.Op} is outside 0..{Operations.Count - 1}"; return null; }
            int arity = Arity(n.Op);
            if (!Accepts(n.Op, n.Inputs.Count))
            {
                reason = $"node {i} ({Operations[n.Op]}) has {n.Inputs.Count} inputs, expected {(arity > 0 ? arity.ToString(CultureInfo.InvariantCulture) : "1..3")}";
                return null;
            }
            foreach (int r in n.Inputs)
                if (r >= i || r < -1 - hidden) { reason = $"node {i} ({Operations[n.Op]}) reads {(r >= 0 ? $"node {r}, which is not earlier" : $"h_prev_{-2 - r}, but there are {hidden} hidden states")}"; return null; }
            if (n.Inputs.Distinct().Count() != n.Inputs.Count) { reason = $"node {i} ({Operations[n.Op]}) reads the same input twice"; return null; }
            sorted[i] = Commutative(n.Op) ? n with { Inputs = n.Inputs.Order(Comparer<int>.Create(CompareRefs)).ToArray() } : n with { Inputs = n.Inputs.ToArray() };
        }
        for (int k = 0; k < outputs.Count; k++)
        {
            if (outputs[k] < 0 || outputs[k] >= nodes.Count) { reason = $"h_new_{k} is not an operation node"; return null; }
            for (int j = 0; j < k; j++) if (outputs[j] == outputs[k]) { reason = $"one node is both h_new_{j} and h_new_{k}"; return null; }
        }
        var live = new bool[nodes.Count];
        foreach (int o in outputs) live[o] = true;
        for (int i = nodes.Count - 1; i >= 0; i--)
            if (live[i]) foreach (int r in nodes[i].Inputs) if (r >= 0) live[r] = true;
        for (int i = 0; i < nodes.Count; i++)
            if (!live[i]) { reason = $"node {i} ({Operations[nodes[i].Op]}) does not reach any new hidden state"; return null; }
        var used = nodes.SelectMany(n => n.Inputs).Where(r => r < 0).ToHashSet();
        if (!used.Contains(-1)) { reason = "x is not used"; return null; }
        for (int k = 0; k < hidden; k++) if (!used.Contains(-2 - k)) { reason = $"h_prev_{k} is not used"; return null; }
        if (nodes.Count > OpEnd - OpStart) { reason = $"the cell has {nodes.Count} operations, at most {OpEnd - OpStart}"; return null; }
        return new NlpArch(hidden, sorted, outputs.ToArray());
    }

    /// <summary>
    /// The cell without the nodes that reach no new hidden state, renumbered. Such a node computes nothing the recurrence
    /// uses, so the cell means the same without it; NAS-Bench-NLP's recipes never contain one, and NAS-Bench-101 treats
    /// its off-path nodes the same way. Output indices out of range are kept as they are so that the rules report them.
    /// </summary>
    internal static (List<NlpNode> Nodes, int[] Outputs) DropDeadNodes(IReadOnlyList<NlpNode> nodes, IReadOnlyList<int> outputs)
    {
        var live = new bool[nodes.Count];
        foreach (int o in outputs) if (o >= 0 && o < nodes.Count) live[o] = true;
        for (int i = nodes.Count - 1; i >= 0; i--)
            if (live[i]) foreach (int r in nodes[i].Inputs) if (r >= 0 && r < i) live[r] = true;
        var index = new int[nodes.Count];
        var kept = new List<NlpNode>();
        for (int i = 0; i < nodes.Count; i++)
        {
            index[i] = kept.Count;
            if (live[i]) kept.Add(nodes[i] with { Inputs = nodes[i].Inputs.Select(r => r >= 0 && r < i ? index[r] : r).ToArray() });
        }
        return (kept, outputs.Select(o => o >= 0 && o < nodes.Count ? index[o] : o).ToArray());
    }

    // x first, then h_prev_0, h_prev_1, ..., then nodes by index.
    private static int CompareRefs(int a, int b) => RefRank(a).CompareTo(RefRank(b));
    private static int RefRank(int r) => r < 0 ? -r - 1 - 1000 : r;

    /// <summary>
    /// Parses a recipe: a JSON object of named nodes <c>{"name": {"op": "linear", "input": ["x", "h_prev_0"]}, ...}</c>
    /// over the inputs <c>x</c> and <c>h_prev_k</c>, with outputs named <c>h_new_0..H-1</c>. Nodes may be listed in any
    /// order; they are put in topological order (earliest listed first among the ready ones) and renamed by position.
    /// </summary>
    public override Arch Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        if (s.Length == 0) throw new ArchFormatException("empty NAS-Bench-NLP recipe");
        string what = $"NAS-Bench-NLP recipe '{(s.Length > 60 ? s[..60] + "..." : s)}'";
        JsonDocument doc;
        try { doc = JsonDocument.Parse(s); }
        catch (JsonException e) { throw new ArchFormatException($"{what}: not valid JSON ({e.Message})"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ArchFormatException($"{what}: expected a JSON object of nodes");
            var names = new List<string>();
            var ops = new List<int>();
            var inputNames = new List<string[]>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "x" || p.Name.StartsWith("h_prev_", StringComparison.Ordinal)) throw new ArchFormatException($"{what}: node '{p.Name}' redefines an input");
                if (names.Contains(p.Name)) throw new ArchFormatException($"{what}: node '{p.Name}' is defined twice");
                if (p.Value.ValueKind != JsonValueKind.Object || !p.Value.TryGetProperty("op", out var op) || op.ValueKind != JsonValueKind.String
                    || !p.Value.TryGetProperty("input", out var inp) || inp.ValueKind != JsonValueKind.Array)
                    throw new ArchFormatException($"{what}: node '{p.Name}' is not {{\"op\": \"...\", \"input\": [...]}}");
                int opIndex = SpaceText.IndexOf(Operations, op.GetString()!);
                if (opIndex < 0) throw new ArchFormatException($"{what}: node '{p.Name}': unknown operation '{op.GetString()}' (expected one of {string.Join(", ", Operations)})");
                var ins = inp.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()!
                    : throw new ArchFormatException($"{what}: node '{p.Name}': inputs must be node names")).ToArray();
                names.Add(p.Name); ops.Add(opIndex); inputNames.Add(ins);
            }
            int hidden = 0;
            while (names.Contains($"h_new_{hidden}")) hidden++;
            if (hidden == 0) throw new ArchFormatException($"{what}: no output node h_new_0");
            foreach (var n in names)
                if (n.StartsWith("h_new_", StringComparison.Ordinal) && int.TryParse(n[6..], NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k >= hidden)
                    throw new ArchFormatException($"{what}: output '{n}' without h_new_{hidden}");
            if (hidden > MaxHidden) throw new ArchFormatException($"{what}: {hidden} hidden states, at most {MaxHidden}");
            // Topological order, earliest listed first among the ready nodes.
            var order = new List<int>();
            var placed = new bool[names.Count];
            while (order.Count < names.Count)
            {
                int next = -1;
                for (int i = 0; i < names.Count && next < 0; i++)
                {
                    if (placed[i]) continue;
                    bool ready = true;
                    foreach (var r in inputNames[i])
                    {
                        if (r == "x" || (r.StartsWith("h_prev_", StringComparison.Ordinal))) continue;
                        int j = names.IndexOf(r);
                        if (j < 0) throw new ArchFormatException($"{what}: node '{names[i]}' reads '{r}', which is not defined");
                        if (!placed[j]) { ready = false; break; }
                    }
                    if (ready) next = i;
                }
                if (next < 0) throw new ArchFormatException($"{what}: the nodes form a cycle ({string.Join(", ", names.Where((_, i) => !placed[i]))})");
                placed[next] = true;
                order.Add(next);
            }
            var position = new int[names.Count];
            for (int p = 0; p < order.Count; p++) position[order[p]] = p;
            var nodes = new List<NlpNode>();
            foreach (int i in order)
            {
                var refs = new int[inputNames[i].Length];
                for (int q = 0; q < refs.Length; q++)
                {
                    string r = inputNames[i][q];
                    if (r == "x") refs[q] = -1;
                    else if (r.StartsWith("h_prev_", StringComparison.Ordinal))
                    {
                        if (!int.TryParse(r[7..], NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k >= hidden)
                            throw new ArchFormatException($"{what}: node '{names[i]}' reads '{r}', but the cell has {hidden} hidden state(s)");
                        refs[q] = -2 - k;
                    }
                    else refs[q] = position[names.IndexOf(r)];
                }
                nodes.Add(new NlpNode(ops[i], refs));
            }
            var outputs = Enumerable.Range(0, hidden).Select(k => position[names.IndexOf($"h_new_{k}")]).ToArray();
            return TryBuild(hidden, nodes, outputs, out string? reason) ?? throw new ArchFormatException($"{what}: {reason}");
        }
    }

    /// <summary>
    /// The roles <see cref="Encode"/> gives the slots: x in slot 0; h_prev_k (or unused) in slot 1 + k, where h_prev_0 is
    /// always present; an operation or unused in the operation slots; h_new_k (or unused) in slot <see cref="OpEnd"/> + k,
    /// h_new_0 always present. Every slot is present (unused is a symbol), so none may hold "no node".
    /// </summary>
    public bool[,] SlotSymbols()
    {
        var allowed = new bool[MaxSlots, NodeVocabulary.Count + 1];
        allowed[0, XSym] = true;
        for (int k = 0; k < MaxHidden; k++)
        {
            allowed[1 + k, HPrevSym + k] = true;
            allowed[OpEnd + k, HNewSym + k] = true;
            if (k > 0) allowed[1 + k, UnusedSym] = allowed[OpEnd + k, UnusedSym] = true;
        }
        for (int slot = OpStart; slot < OpEnd; slot++)
        {
            allowed[slot, UnusedSym] = true;
            for (int sym = OpSym; sym < HNewSym; sym++) allowed[slot, sym] = true;
        }
        return allowed;
    }

    /// <inheritdoc />
    public override ArchGraph Encode(NlpArch a)
    {
        var types = Enumerable.Repeat(UnusedSym, MaxSlots).ToArray();
        var adj = new bool[MaxSlots, MaxSlots];
        types[0] = XSym;
        for (int k = 0; k < a.Hidden; k++) types[1 + k] = HPrevSym + k;
        int slot = OpStart;
        var nodeSlot = new int[a.Nodes.Count];
        int SlotOf(int r) => r == -1 ? 0 : r <= -2 ? 1 + (-2 - r) : nodeSlot[r];
        for (int i = 0; i < a.Nodes.Count; i++)
        {
            var n = a.Nodes[i];
            if (n.Op == BlendOp)
            {
                // Inputs in slot order; the symbol records where the gate is and whether first precedes second.
                var slots = n.Inputs.Select(SlotOf).ToArray();                  // gate, first, second
                var order = slots.Order().ToArray();
                int gatePos = Array.IndexOf(order, slots[0]);
                types[slot] = BlendSym + 2 * gatePos + (slots[1] < slots[2] ? 0 : 1);
            }
            else types[slot] = SymbolOf(n.Op);
            foreach (int r in n.Inputs) adj[SlotOf(r), slot] = true;
            nodeSlot[i] = slot++;
        }
        for (int k = 0; k < a.Hidden; k++)
        {
            types[OpEnd + k] = HNewSym + k;
            adj[nodeSlot[a.Outputs[k]], OpEnd + k] = true;
        }
        return new ArchGraph(types, adj);
    }

    /// <summary>Decodes a graph laid out as <see cref="Encode"/> writes it (unused slots may also sit between operations,
    /// edges touching an unused slot are ignored, operations that reach no h_new are dropped, and so are states no node
    /// reads, see <see cref="DropDeadStates"/>); any other shape is invalid with the reason.</summary>
    public override Arch? TryDecode(ArchGraph graph, out string? reason)
    {
        reason = null;
        if (graph.NodeCount != MaxSlots) { reason = $"expected {MaxSlots} node slots, got {graph.NodeCount}"; return null; }
        var adj = graph.Adjacency;
        if (adj.GetLength(0) != MaxSlots || adj.GetLength(1) != MaxSlots) { reason = $"adjacency is {adj.GetLength(0)}x{adj.GetLength(1)}, expected {MaxSlots}x{MaxSlots}"; return null; }
        var t = graph.NodeTypes;
        for (int i = 0; i < MaxSlots; i++)
            if (t[i] < 0 || t[i] >= Vocabulary.Length) { reason = $"node {i} has symbol {t[i]}, outside 0..{Vocabulary.Length - 1} (every slot is present; unused marks empty ones)"; return null; }
        string Name(int i) => $"node {i} ({Vocabulary[t[i]]})";
        int[] Preds(int j) => Enumerable.Range(0, j).Where(i => adj[i, j]).ToArray();
        for (int i = 0; i < MaxSlots; i++)
            for (int j = 0; j <= i; j++)
                if (adj[i, j]) { reason = $"edge {i}->{j} goes backwards"; return null; }
        // An unused slot is empty: edges touching it mean nothing and are dropped (as NB101 drops nodes off every path).
        adj = (bool[,])adj.Clone();
        for (int i = 0; i < MaxSlots; i++)
            if (t[i] == UnusedSym)
                for (int j = 0; j < MaxSlots; j++) adj[i, j] = adj[j, i] = false;
        if (t[0] != XSym) { reason = $"node 0 is {Vocabulary[t[0]]}, expected x"; return null; }
        // State k is declared by h_prev_k in slot 1 + k and h_new_k in slot OpEnd + k, each there or unused.
        var prevOn = new bool[MaxHidden];
        var newOn = new bool[MaxHidden];
        for (int k = 0; k < MaxHidden; k++)
        {
            int sym = t[1 + k];
            if (sym == HPrevSym + k) prevOn[k] = true;
            else if (sym != UnusedSym) { reason = $"{Name(1 + k)}: slot {1 + k} holds h_prev_{k} or unused"; return null; }
            sym = t[OpEnd + k];
            if (sym == HNewSym + k) newOn[k] = true;
            else if (sym != UnusedSym) { reason = $"{Name(OpEnd + k)}: slot {OpEnd + k} holds h_new_{k} or unused"; return null; }
        }
        if (!prevOn[0]) { reason = "node 1 is not h_prev_0"; return null; }
        if (!newOn[0]) { reason = $"node {OpEnd} is not h_new_0"; return null; }
        for (int j = 0; j < OpStart; j++)
            if (Preds(j).Length > 0) { reason = $"{Name(j)} is an input but node {Preds(j)[0]} feeds it"; return null; }
        var refOfSlot = new Dictionary<int, int> { [0] = -1 };
        for (int k = 0; k < MaxHidden; k++) if (prevOn[k]) refOfSlot[1 + k] = -2 - k;
        var nodes = new List<NlpNode>();
        for (int j = OpStart; j < OpEnd; j++)
        {
            int sym = t[j];
            if (sym == UnusedSym) continue;
            if (!IsOperation(sym)) { reason = $"{Name(j)} is not an operation (slots {OpStart}-{OpEnd - 1} hold operations)"; return null; }
            int op = OpOf(sym);
            var preds = Preds(j);
            foreach (int i in preds)
                if (!refOfSlot.ContainsKey(i)) { reason = $"{Name(j)} reads {Name(i)}"; return null; }
            List<int> inputs;
            if (op == BlendOp)
            {
                if (preds.Length != 3) { reason = $"{Name(j)} has {preds.Length} inputs, expected 3"; return null; }
                int gatePos = (sym - BlendSym) / 2;
                bool firstBeforeSecond = (sym - BlendSym) % 2 == 0;
                var rest = preds.Where((_, q) => q != gatePos).ToArray();       // slot order
                var (first, second) = firstBeforeSecond ? (rest[0], rest[1]) : (rest[1], rest[0]);
                inputs = [refOfSlot[preds[gatePos]], refOfSlot[first], refOfSlot[second]];
            }
            else inputs = preds.Select(i => refOfSlot[i]).ToList();
            refOfSlot[j] = nodes.Count;
            nodes.Add(new NlpNode(op, inputs));
        }
        var writer = new int[MaxHidden];   // the node that is h_new_k
        for (int k = 0; k < MaxHidden; k++)
        {
            if (!newOn[k]) continue;
            int j = OpEnd + k;
            var p = Preds(j);
            if (p.Length != 1 || !refOfSlot.TryGetValue(p[0], out int r) || r < 0) { reason = $"{Name(j)} must have exactly one input, an operation node"; return null; }
            writer[k] = r;
        }
        var (live, liveOutputs, hidden, why) = DropDeadStates(nodes, prevOn, newOn, writer);
        if (why is not null) { reason = why; return null; }
        return TryBuild(hidden, live, liveOutputs, out reason);
    }

    /// <summary>
    /// Held pruned, like NB101's cells, and with states numbered in order. A node that reaches no h_new changes nothing
    /// the cell computes. Nor does a state k &gt; 0 that no remaining node reads: h_new_k only becomes the next step's
    /// h_prev_k (the cell's output is h_new_0), so an h_new_k without a reader of h_prev_k is dropped with the nodes that
    /// only feed it, which may leave another state unread; this runs until nothing changes. A state that is read but has
    /// no h_new stays an error. The remaining states are renumbered 0, 1, ... in slot order (state labels carry no
    /// meaning beyond pairing h_prev_k with h_new_k).
    /// </summary>
    private static (List<NlpNode> Nodes, int[] Outputs, int Hidden, string? Reason) DropDeadStates(List<NlpNode> nodes, bool[] prevOn, bool[] newOn, int[] writer)
    {
        var keep = Enumerable.Range(0, MaxHidden).Select(k => prevOn[k] && newOn[k]).ToArray();
        while (true)
        {
            var states = Enumerable.Range(0, MaxHidden).Where(k => keep[k]).ToArray();
            var (live, _) = DropDeadNodes(nodes, states.Select(k => writer[k]).ToArray());
            var read = live.SelectMany(n => n.Inputs).Where(r => r <= -2).Select(r => -2 - r).ToHashSet();
            int unread = Array.FindIndex(states, k => k > 0 && !read.Contains(k));
            if (unread >= 0) { keep[states[unread]] = false; continue; }
            foreach (int k in read)
                if (!keep[k]) return (live, [], 0, $"h_prev_{k} is read but there is no h_new_{k}");
            var index = new int[MaxHidden];
            for (int q = 0; q < states.Length; q++) index[states[q]] = q;
            var renamed = nodes.Select(n => n with { Inputs = n.Inputs.Select(r => r <= -2 ? -2 - index[-2 - r] : r).ToArray() }).ToList();
            var (kept, outputs) = DropDeadNodes(renamed, states.Select(k => writer[k]).ToArray());
            return (kept, outputs, states.Length, null);
        }
    }

    /// <summary>
    /// A key shared by recipes that compute the same recurrence up to node names and order: each node is the MD5 of its
    /// operation and its inputs' keys (sorted for linear and the elementwise operations, in order for blend), and the cell
    /// the keys of h_new_0..H-1 in order.
    /// </summary>
    public override string CanonicalForm(NlpArch a)
    {
        var key = new string[a.Nodes.Count];
        string Ref(int r) => r == -1 ? "x" : r <= -2 ? $"h{-2 - r}" : key[r];
        for (int i = 0; i < a.Nodes.Count; i++)
        {
            var n = a.Nodes[i];
            var ins = n.Inputs.Select(Ref);
            if (Commutative(n.Op)) ins = ins.Order(StringComparer.Ordinal);
            key[i] = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(Operations[n.Op] + "(" + string.Join(",", ins) + ")")));
        }
        return string.Join(";", a.Outputs.Select((o, k) => $"h_new_{k}={key[o]}"));
    }

    /// <summary>
    /// A random cell from a simple generative process (not NAS-Bench-NLP's own generator): H uniform in 1..3; 2H..12
    /// operation nodes, each with a uniform operation (linear taking 2 or 3 inputs) reading distinct uniform earlier
    /// nodes or inputs; the last H nodes are h_new_0..H-1 in random order; nodes that reach no output are dropped. Draws
    /// that still break a rule (an unused input) are redrawn.
    /// </summary>
    public override Arch Sample(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        while (true)
        {
            int hidden = 1 + rng.Next(MaxHidden), count = 2 * hidden + rng.Next(13 - 2 * hidden);
            var nodes = new List<NlpNode>();
            for (int i = 0; i < count; i++)
            {
                int op = rng.Next(Operations.Count);
                int arity = Arity(op) > 0 ? Arity(op) : 2 + rng.Next(2);
                var pool = new List<int> { -1 };
                for (int k = 0; k < hidden; k++) pool.Add(-2 - k);
                for (int j = 0; j < i; j++) pool.Add(j);
                if (pool.Count < arity) { op = 4 + rng.Next(3); arity = 1; }
                rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pool));
                nodes.Add(new NlpNode(op, pool.Take(arity).ToArray()));
            }
            var outputs = Enumerable.Range(count - hidden, hidden).ToArray();
            rng.Shuffle(outputs);
            var (kept, keptOutputs) = DropDeadNodes(nodes, outputs);
            if (TryBuild(hidden, kept, keptOutputs, out _) is NlpArch a) return a;
        }
    }

    /// <summary>Every valid cell one change away: one node's operation replaced by another that takes as many inputs, or one
    /// input of one node rewired to another earlier node or input; distinct, without the cell itself.</summary>
    public override IReadOnlyList<Arch> Neighbours(NlpArch a)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { a.ToString() };
        var list = new List<Arch>();
        void Add(List<NlpNode> nodes)
        {
            if (TryBuild(a.Hidden, nodes, a.Outputs, out _) is NlpArch b && seen.Add(b.ToString())) list.Add(b);
        }
        for (int i = 0; i < a.Nodes.Count; i++)
        {
            var n = a.Nodes[i];
            for (int op = 0; op < Operations.Count; op++)
                if (op != n.Op && Accepts(op, n.Inputs.Count))
                {
                    var nodes = a.Nodes.ToList();
                    nodes[i] = n with { Op = op };
                    Add(nodes);
                }
            for (int q = 0; q < n.Inputs.Count; q++)
                for (int r = -1 - a.Hidden; r < i; r++)
                {
                    if (n.Inputs.Contains(r)) continue;
                    var ins = n.Inputs.ToArray();
                    ins[q] = r;
                    var nodes = a.Nodes.ToList();
                    nodes[i] = n with { Inputs = ins };
                    Add(nodes);
                }
        }
        return list;
    }

    /// <summary>Not enumerable. Always throws.</summary>
    public override IEnumerable<Arch> Enumerate() =>
        throw new NagUserException("nbnlp cannot be enumerated (free-topology recurrent cells); sample it or use its benchmark table");

    /// <summary>
    /// Parameters of NAS-Bench-NLP's language model around the cell: a tied embedding/decoder of V x 400 with a decoder bias
    /// of V (V = 33,278 for WikiText-2), and L = 3 stacked cells whose widths go 400 -&gt; 600 -&gt; 600 -&gt; 400. In a layer
    /// every linear node has one weight matrix per input (x's matrix maps the layer's input width, every other input the
    /// layer's hidden width) and one bias. Equal to the table's <c>num_params</c> on every row. Classes = V, Width = the
    /// inner hidden width, CellsPerStage = L; the input size does not apply.
    /// </summary>
    public override IReadOnlyDictionary<string, double> ComputeCosts(NlpArch a, CostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.InputSize is not null) throw new NagUserException("nbnlp: the input-size option does not apply to a language model");
        if (options.Classes < 1 || options.Width < 1 || options.CellsPerStage < 1) throw new NagUserException($"invalid cost options {options}");
        long v = options.Classes ?? StandardVocabulary, hid = options.Width ?? StandardHidden;
        int layers = options.CellsPerStage ?? StandardLayers;
        double p = (double)v * EmbeddingWidth + v;
        for (int l = 0; l < layers; l++)
        {
            long inW = l == 0 ? EmbeddingWidth : hid, outW = l == layers - 1 ? EmbeddingWidth : hid;
            foreach (var n in a.Nodes.Where(n => n.Op == LinearOp))
            {
                p += outW;
                foreach (int r in n.Inputs) p += (r == -1 ? inW : outW) * outW;
            }
        }
        return new Dictionary<string, double> { ["num_params"] = p, ["params_M"] = p / 1e6 };
    }
}
