using System.Globalization;
using NagSharp.Spaces;

namespace NagSharp.Diagrams;

/// <summary>
/// The diagrams of the built-in spaces whose graph encoding is not their data flow (the others are drawn from their
/// encoding by <see cref="CellDiagrams.FromEncoding"/>). Each space's <see cref="ICellDiagramSource.Diagram"/> calls
/// its builder here.
/// </summary>
internal static class SpaceDiagrams
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Both DARTS cells, each as its two inputs, the eight chosen operations, the four intermediate nodes (sums)
    /// and the output (their concatenation). The encoding instead lists every edge a cell could have.</summary>
    public static CellDiagram Nb301(Nb301Space space, Nb301Arch a)
    {
        var nodes = new List<DiagramNode>();
        var edges = new List<DiagramEdge>();
        for (int c = 0; c < 2; c++)
        {
            string group = c == 0 ? "normal cell" : "reduction cell";
            int first = nodes.Count;
            nodes.Add(new DiagramNode("c_{k-2}", DiagramNodeKind.Input, Group: group));
            nodes.Add(new DiagramNode("c_{k-1}", DiagramNodeKind.Input, Group: group));
            int sums = nodes.Count;
            for (int i = 0; i < Nb301Space.IntermediateNodes; i++) nodes.Add(new DiagramNode(string.Create(Inv, $"node {i}"), DiagramNodeKind.Join, "sum", group));
            int output = nodes.Count;
            nodes.Add(new DiagramNode("c_{k}", DiagramNodeKind.Output, "concat", group));
            var cell = a.Cell(c);
            for (int k = 0; k < cell.Count; k++)
            {
                int op = nodes.Count;
                nodes.Add(new DiagramNode(Nb301Space.Operations[cell[k].Op], DiagramNodeKind.Operation, Group: group));
                int source = cell[k].Source;
                edges.Add(new DiagramEdge(source < 2 ? first + source : sums + source - 2, op));
                edges.Add(new DiagramEdge(op, sums + k / 2));
            }
            for (int i = 0; i < Nb301Space.IntermediateNodes; i++) edges.Add(new DiagramEdge(sums + i, output));
        }
        return new CellDiagram(CellDiagrams.Title(space, a), nodes, edges);
    }

    /// <summary>The recurrent cell: x and the previous hidden states in, one node per operation, the new hidden states out;
    /// a blend's inputs are labelled z, a and b (it computes z * a + (1 - z) * b).</summary>
    public static CellDiagram Nlp(NlpSpace space, NlpArch a)
    {
        var nodes = new List<DiagramNode> { new("x", DiagramNodeKind.Input) };
        for (int k = 0; k < a.Hidden; k++) nodes.Add(new DiagramNode(string.Create(Inv, $"h_prev_{k}"), DiagramNodeKind.Input));
        int opStart = nodes.Count;
        int NodeOf(int reference) => reference == -1 ? 0 : reference <= -2 ? 1 + (-2 - reference) : opStart + reference;
        var edges = new List<DiagramEdge>();
        for (int i = 0; i < a.Nodes.Count; i++)
        {
            var node = a.Nodes[i];
            string op = NlpSpace.Operations[node.Op];
            nodes.Add(new DiagramNode(op, DiagramNodeKind.Operation));
            string[]? roles = op == "blend" ? ["z", "a", "b"] : null;
            for (int r = 0; r < node.Inputs.Count; r++) edges.Add(new DiagramEdge(NodeOf(node.Inputs[r]), opStart + i, roles?[r]));
        }
        for (int k = 0; k < a.Hidden; k++)
        {
            edges.Add(new DiagramEdge(opStart + a.Outputs[k], nodes.Count));
            nodes.Add(new DiagramNode(string.Create(Inv, $"h_new_{k}"), DiagramNodeKind.Output));
        }
        return new CellDiagram(CellDiagrams.Title(space, a), nodes, edges);
    }

    /// <summary>The layer sequence of an OFA subnet: the input at its resolution, every layer that exists (skipped layers
    /// are not drawn), the head. Channels are those of the standard width (<see cref="OfaSpace.StandardStem"/>).</summary>
    public static CellDiagram Ofa(OfaSpace space, OfaArch a)
    {
        var channels = OfaSpace.Widths(OfaSpace.StandardStem).Stage;
        var layers = new List<DiagramNode>();
        for (int slot = 0; slot < OfaSpace.Slots; slot++)
        {
            if (!a.Present(slot)) continue;
            int stage = slot / OfaSpace.MaxDepth, layer = slot % OfaSpace.MaxDepth;
            string stride = layer == 0 && OfaSpace.StageStrides[stage] != 1 ? string.Create(Inv, $", stride {OfaSpace.StageStrides[stage]}") : "";
            string se = OfaSpace.StageSe[stage] ? ", SE" : "";
            layers.Add(new DiagramNode(MbConv(a.Expands[slot], a.Kernels[slot]), DiagramNodeKind.Operation,
                string.Create(Inv, $"stage {stage + 1}, {channels[stage]} ch{stride}{se}")));
        }
        return CellDiagram.Chain(CellDiagrams.Title(space, a), new DiagramNode("input", DiagramNodeKind.Input, string.Create(Inv, $"{a.Resolution}x{a.Resolution}")),
            layers, new DiagramNode("output", DiagramNodeKind.Output));
    }

    /// <summary>The layer sequence of an Accel-NASBench network: every MBConv layer of the seven blocks.</summary>
    public static CellDiagram Anb(AnbSpace space, AnbArch a)
    {
        var layers = new List<DiagramNode>();
        for (int b = 0; b < AnbSpace.BlockCount; b++)
        {
            var block = a.Blocks[b];
            for (int l = 0; l < block.Layers; l++)
            {
                string stride = l == 0 && AnbSpace.Strides[b] != 1 ? string.Create(Inv, $", stride {AnbSpace.Strides[b]}") : "";
                layers.Add(new DiagramNode(MbConv(block.Expand, block.Kernel) + (block.Se ? " SE" : ""), DiagramNodeKind.Operation,
                    string.Create(Inv, $"block {b + 1}, {AnbSpace.Channels[b]} ch{stride}")));
            }
        }
        return CellDiagram.Chain(CellDiagrams.Title(space, a), new DiagramNode("input", DiagramNodeKind.Input, "224x224"), layers, new DiagramNode("output", DiagramNodeKind.Output));
    }

    /// <summary>The module sequence of a TransNAS-Bench-101 macro skeleton (the encoding's absent slots are not drawn).</summary>
    public static CellDiagram TnbMacro(TnbMacroSpace space, TnbMacroArch a) =>
        CellDiagram.Chain(CellDiagrams.Title(space, a), new DiagramNode("input", DiagramNodeKind.Input),
            a.Modules.Select((m, i) => new DiagramNode(TnbMacroSpace.ModuleKinds[m - 1], DiagramNodeKind.Operation, string.Create(Inv, $"module {i + 1}"))),
            new DiagramNode("output", DiagramNodeKind.Output));

    private static string MbConv(int expand, int kernel) => string.Create(Inv, $"MBConv{expand} {kernel}x{kernel}");
}
