using System.Globalization;
using System.Text;

namespace NagSharp.Diagrams;

/// <summary>
/// Writes a <see cref="CellDiagram"/> as a Graphviz DOT digraph (render with e.g. <c>dot -Tpdf cell.dot -o cell.pdf</c>):
/// one statement per node (<c>n0</c>, <c>n1</c>, ... with its label and a <c>class</c> attribute as in
/// <see cref="SvgDiagram"/>) and one per edge, left to right; each group becomes a cluster.
/// </summary>
public static class DotDiagram
{
    /// <summary>The DOT text of <paramref name="diagram"/>.</summary>
    public static string Write(CellDiagram diagram)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        _ = new DiagramLayout(diagram);   // the same checks as the SVG: edges join nodes, no cycle
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("digraph cell {");
        sb.AppendLine(inv, $"  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label={Quote(diagram.Title)}];");
        sb.AppendLine("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#aec7e8\", fontname=\"Helvetica\"];");
        sb.AppendLine("  edge [fontname=\"Helvetica\", fontsize=10];");
        var groups = diagram.Nodes.Select((node, i) => (node, i)).GroupBy(t => t.node.Group).ToList();
        for (int g = 0; g < groups.Count; g++)
        {
            string indent = groups[g].Key is null ? "  " : "    ";
            if (groups[g].Key is string name) sb.AppendLine(inv, $"  subgraph cluster_{g} {{").AppendLine(inv, $"    label={Quote(name)};");
            foreach (var (node, i) in groups[g])
            {
                string label = node.Detail is null ? node.Label : node.Label + "\n" + node.Detail;
                string style = node.Kind switch
                {
                    DiagramNodeKind.Operation => "",
                    DiagramNodeKind.Join => ", shape=ellipse, fillcolor=\"#ffffff\"",
                    _ => ", shape=ellipse, fillcolor=\"#eeeeee\"",
                };
                sb.AppendLine(inv, $"{indent}n{i} [label={Quote(label)}, class=\"{SvgDiagram.KindClass(node.Kind)}\"{style}];");
            }
            if (groups[g].Key is not null) sb.AppendLine("  }");
        }
        foreach (var e in diagram.Edges)
            sb.AppendLine(inv, $"  n{e.From} -> n{e.To}{(e.Label is null ? "" : $" [label={Quote(e.Label)}]")};");
        sb.AppendLine("}");
        return sb.ToString();
    }

    /// <summary>A DOT double-quoted string: backslashes and quotes escaped, line breaks as DOT's centred <c>\n</c>.</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in text.ReplaceLineEndings("\n"))
            sb.Append(c switch { '\\' => "\\\\", '"' => "\\\"", '\n' => "\\n", _ when char.IsControl(c) => " ", _ => c.ToString() });
        return sb.Append('"').ToString();
    }
}
