using NagSharp.Spaces;

namespace NagSharp.Diagrams;

/// <summary>What a node of a cell diagram stands for; drawings style (and tests count) nodes by it.</summary>
public enum DiagramNodeKind
{
    /// <summary>Data entering the cell or network (the cell input, x, a previous hidden state, the image).</summary>
    Input,
    /// <summary>An operation or layer: the nodes a search chooses.</summary>
    Operation,
    /// <summary>A fixed node that only combines its inputs (a sum or concatenation), not chosen by the search.</summary>
    Join,
    /// <summary>Data leaving the cell or network.</summary>
    Output,
}

/// <summary>One node of a cell diagram.</summary>
/// <param name="Label">What the node is (an operation name, <c>input</c>, ...).</param>
/// <param name="Kind">Its role.</param>
/// <param name="Detail">A second, smaller line (e.g. a layer's stride and channels), or null.</param>
/// <param name="Group">The part of the architecture the node belongs to (NB301: the normal or the reduction cell), or null
/// when the diagram has a single part. Groups are drawn one below the other, in order of their first node.</param>
public sealed record DiagramNode(string Label, DiagramNodeKind Kind, string? Detail = null, string? Group = null);

/// <summary>Data flowing from node <paramref name="From"/> to node <paramref name="To"/> (indices into
/// <see cref="CellDiagram.Nodes"/>).</summary>
/// <param name="From">Source node.</param>
/// <param name="To">Target node.</param>
/// <param name="Label">What the input is to the target when its inputs are not interchangeable (e.g. a blend's gate), or null.</param>
public sealed record DiagramEdge(int From, int To, string? Label = null);

/// <summary>
/// An architecture as a picture-ready graph: nodes labelled by operation and edges by data flow, the model behind
/// <see cref="CellDiagrams.Svg(ISearchSpace, Arch)"/> and <see cref="CellDiagrams.Dot(ISearchSpace, Arch)"/>.
/// </summary>
/// <param name="Title">Caption (the space and the architecture).</param>
/// <param name="Nodes">The nodes.</param>
/// <param name="Edges">The edges; together with the nodes they must form a directed acyclic graph.</param>
public sealed record CellDiagram(string Title, IReadOnlyList<DiagramNode> Nodes, IReadOnlyList<DiagramEdge> Edges)
{
    /// <summary>Number of <see cref="DiagramNodeKind.Operation"/> nodes.</summary>
    public int OperationCount => Nodes.Count(n => n.Kind == DiagramNodeKind.Operation);

    /// <summary>A chain: <paramref name="input"/>, the nodes in order, <paramref name="output"/>, each feeding the next
    /// (the drawing of sequence spaces such as OFA and Accel-NASBench).</summary>
    public static CellDiagram Chain(string title, DiagramNode input, IEnumerable<DiagramNode> layers, DiagramNode output)
    {
        List<DiagramNode> nodes = [input, .. layers, output];
        return new CellDiagram(title, nodes, Enumerable.Range(0, nodes.Count - 1).Select(i => new DiagramEdge(i, i + 1)).ToArray());
    }
}

/// <summary>
/// A space that draws its architectures itself, because its graph encoding is not their data flow (NB301 encodes every
/// edge a cell could have, OFA keeps skipped layers as nodes). Spaces without it are drawn from
/// <see cref="ISearchSpace.Encode"/> (see <see cref="CellDiagrams.Of"/>).
/// </summary>
public interface ICellDiagramSource
{
    /// <summary>The diagram of one of the space's architectures.</summary>
    CellDiagram Diagram(Arch arch);
}

/// <summary>
/// Cell diagrams of any registered space's architectures, as SVG or Graphviz DOT text. One entry point for every caller
/// (<c>nag arch --svg/--dot</c>, a web page showing an architecture).
/// </summary>
public static class CellDiagrams
{
    /// <summary>Longest architecture string shown in a caption; longer ones (NB301 genotypes, NAS-Bench-NLP recipes) are cut; NB201 strings fit.</summary>
    public const int MaxTitleArch = 100;

    /// <summary>
    /// The diagram of <paramref name="arch"/>: the space's own (<see cref="ICellDiagramSource"/>) when it has one, else
    /// its graph encoding: every present node labelled by its symbol, the encoding's adjacency as the edges; nodes whose
    /// symbol is <c>input</c> or <c>output</c> are the cell's ends, every other node an operation.
    /// </summary>
    public static CellDiagram Of(ISearchSpace space, Arch arch)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(arch);
        if (space is EdgeTokenSpace tokens) return Of(tokens.Inner, arch);
        return space is ICellDiagramSource own ? own.Diagram(arch) : FromEncoding(space, arch);
    }

    /// <summary>The diagram as an SVG document (see <see cref="SvgDiagram"/>).</summary>
    public static string Svg(ISearchSpace space, Arch arch) => SvgDiagram.Write(Of(space, arch));

    /// <summary>The diagram as a Graphviz DOT digraph (see <see cref="DotDiagram"/>).</summary>
    public static string Dot(ISearchSpace space, Arch arch) => DotDiagram.Write(Of(space, arch));

    /// <summary>A caption naming the space and the architecture (cut to <see cref="MaxTitleArch"/> characters).</summary>
    public static string Title(ISearchSpace space, Arch arch)
    {
        string text = arch.ToString().ReplaceLineEndings(" ");
        if (text.Length > MaxTitleArch) text = text[..(MaxTitleArch - 1)] + "…";
        return $"{space.Name}: {text}";
    }

    /// <summary>The diagram read off the graph encoding (the fallback of <see cref="Of"/>).</summary>
    public static CellDiagram FromEncoding(ISearchSpace space, Arch arch)
    {
        var g = space.Encode(arch);
        var vocabulary = space.NodeVocabulary;
        var index = new int[g.NodeCount];
        var nodes = new List<DiagramNode>();
        for (int i = 0; i < g.NodeCount; i++)
        {
            index[i] = -1;
            if (g.NodeTypes[i] < 0) continue;
            string symbol = vocabulary[g.NodeTypes[i]];
            var kind = symbol switch { "input" => DiagramNodeKind.Input, "output" => DiagramNodeKind.Output, _ => DiagramNodeKind.Operation };
            index[i] = nodes.Count;
            nodes.Add(new DiagramNode(symbol, kind));
        }
        var edges = new List<DiagramEdge>();
        for (int i = 0; i < g.NodeCount; i++)
            for (int j = 0; j < g.NodeCount; j++)
                if (g.Adjacency[i, j] && index[i] >= 0 && index[j] >= 0) edges.Add(new DiagramEdge(index[i], index[j]));
        return new CellDiagram(Title(space, arch), nodes, edges);
    }
}
