using System.Globalization;
using System.Text;
using System.Xml;

namespace NagSharp.Diagrams;

/// <summary>
/// Writes a <see cref="CellDiagram"/> as a standalone SVG document (no XML declaration, so it can also be inlined into an
/// HTML page). Each node is one <c>&lt;g&gt;</c> whose class says its kind: <c>op-node</c> for operations,
/// <c>input-node</c>, <c>output-node</c>, <c>join-node</c> otherwise (all also have <c>node</c>), with the label in
/// <c>data-label</c>; edges are <c>&lt;path class="edge"&gt;</c>. Colours are presentation attributes, so the file looks
/// the same in any viewer and a page's CSS can still restyle the classes. Text goes through an XML writer, so labels
/// with markup characters stay text.
/// </summary>
public static class SvgDiagram
{
    /// <summary>The class of an operation node's element.</summary>
    public const string OperationClass = "op-node";

    // Fills for operations, assigned to distinct labels in order of first appearance: the same operation has the same
    // colour across a drawing. Pastel, so black text stays readable.
    private static readonly string[] Palette = ["#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5", "#c7c7c7"];

    /// <summary>The SVG text of <paramref name="diagram"/>.</summary>
    public static string Write(CellDiagram diagram)
    {
        var layout = new DiagramLayout(diagram);
        var sb = new StringBuilder();
        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true, IndentChars = "  ", Encoding = new UTF8Encoding(false) };
        using (var w = XmlWriter.Create(sb, settings))
        {
            const string ns = "http://www.w3.org/2000/svg";
            w.WriteStartElement("svg", ns);
            w.WriteAttributeString("width", N(layout.Width));
            w.WriteAttributeString("height", N(layout.Height));
            w.WriteAttributeString("viewBox", $"0 0 {N(layout.Width)} {N(layout.Height)}");
            w.WriteAttributeString("class", "cell-diagram");
            w.WriteAttributeString("role", "img");
            w.WriteAttributeString("font-family", "DejaVu Sans, Helvetica, Arial, sans-serif");
            w.WriteElementString("title", ns, Clean(diagram.Title));
            w.WriteStartElement("defs", ns);
            w.WriteStartElement("marker", ns);
            w.WriteAttributeString("id", "nag-arrow");
            w.WriteAttributeString("viewBox", "0 0 10 10");
            w.WriteAttributeString("refX", "10");
            w.WriteAttributeString("refY", "5");
            w.WriteAttributeString("markerWidth", "7");
            w.WriteAttributeString("markerHeight", "7");
            w.WriteAttributeString("orient", "auto");
            Element(w, "path", ("d", "M0,0 L10,5 L0,10 z"), ("fill", "#555"));
            w.WriteEndElement();
            w.WriteEndElement();
            Rect(w, 0, 0, layout.Width, layout.Height, "#ffffff", null, "background");
            Text(w, 16, DiagramLayout.TitleBaseline, diagram.Title, DiagramLayout.FontSize, "start", "title", bold: true);
            foreach (var (name, y) in layout.GroupTitles) Text(w, 16, y, name, DiagramLayout.FontSize, "start", "group-title", bold: true);

            w.WriteStartElement("g", ns);
            w.WriteAttributeString("class", "edges");
            foreach (var e in diagram.Edges) WriteEdge(w, layout.Boxes[e.From], layout.Boxes[e.To], layout.Lift(e), e.Label);
            w.WriteEndElement();

            var colours = new Dictionary<string, string>(StringComparer.Ordinal);
            w.WriteStartElement("g", ns);
            w.WriteAttributeString("class", "nodes");
            for (int i = 0; i < diagram.Nodes.Count; i++)
            {
                var node = diagram.Nodes[i];
                var box = layout.Boxes[i];
                string fill = node.Kind switch
                {
                    DiagramNodeKind.Operation => colours.TryGetValue(node.Label, out var c) ? c : colours[node.Label] = Palette[colours.Count % Palette.Length],
                    DiagramNodeKind.Join => "#ffffff",
                    _ => "#eeeeee",
                };
                w.WriteStartElement("g", ns);
                w.WriteAttributeString("class", "node " + KindClass(node.Kind));
                w.WriteAttributeString("id", string.Create(CultureInfo.InvariantCulture, $"node-{i}"));
                w.WriteAttributeString("data-label", Clean(node.Label));
                w.WriteElementString("title", ns, Clean(node.Detail is null ? node.Label : $"{node.Label} ({node.Detail})"));
                Rect(w, box.X, box.Y, box.Width, box.Height, fill, "#333333", null, rounded: node.Kind != DiagramNodeKind.Operation ? box.Height / 2 : 4);
                if (node.Detail is null)
                    Text(w, box.X + box.Width / 2, box.MidY + DiagramLayout.FontSize * 0.35, node.Label, DiagramLayout.FontSize, "middle", "label");
                else
                {
                    Text(w, box.X + box.Width / 2, box.Y + 6 + DiagramLayout.FontSize, node.Label, DiagramLayout.FontSize, "middle", "label");
                    Text(w, box.X + box.Width / 2, box.Y + box.Height - 7, node.Detail, DiagramLayout.DetailFontSize, "middle", "detail");
                }
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteEndElement();
        }
        return sb.AppendLine().ToString();
    }

    /// <summary>The class token naming a node kind (<c>op-node</c>, <c>input-node</c>, ...).</summary>
    public static string KindClass(DiagramNodeKind kind) => kind switch
    {
        DiagramNodeKind.Operation => OperationClass,
        DiagramNodeKind.Input => "input-node",
        DiagramNodeKind.Output => "output-node",
        _ => "join-node",
    };

    private static void WriteEdge(XmlWriter w, NodeBox from, NodeBox to, double lift, string? label)
    {
        double x1 = from.X + from.Width, y1 = from.MidY, x2 = to.X, y2 = to.MidY;
        if (x2 <= x1)
        {
            // Same or earlier column (an edge the layout could not put forward, e.g. between groups): leave from the bottom.
            (x1, y1) = (from.X + from.Width / 2, from.Y + from.Height);
            (x2, y2) = (to.X + to.Width / 2, to.Y);
        }
        double dx = Math.Max(20, (x2 - x1) / 2);
        string d = $"M{N(x1)},{N(y1)} C{N(x1 + dx)},{N(y1 - lift)} {N(x2 - dx)},{N(y2 - lift)} {N(x2)},{N(y2)}";
        Element(w, "path", ("class", "edge"), ("d", d), ("stroke", "#555555"), ("stroke-width", "1.3"), ("fill", "none"), ("marker-end", "url(#nag-arrow)"));
        if (label is not null)
        {
            w.WriteStartElement("text", "http://www.w3.org/2000/svg");
            w.WriteAttributeString("class", "edge-label");
            w.WriteAttributeString("x", N((x1 + x2) / 2));
            w.WriteAttributeString("y", N((y1 + y2) / 2 - 0.75 * lift - 3));
            w.WriteAttributeString("font-size", N(DiagramLayout.DetailFontSize));
            w.WriteAttributeString("text-anchor", "middle");
            w.WriteAttributeString("fill", "#333333");
            w.WriteAttributeString("stroke", "#ffffff");
            w.WriteAttributeString("stroke-width", "3");
            w.WriteAttributeString("paint-order", "stroke");
            w.WriteString(Clean(label));
            w.WriteEndElement();
        }
    }

    private static void Rect(XmlWriter w, double x, double y, double width, double height, string fill, string? stroke, string? cls, double rounded = 0)
    {
        w.WriteStartElement("rect", "http://www.w3.org/2000/svg");
        if (cls is not null) w.WriteAttributeString("class", cls);
        w.WriteAttributeString("x", N(x));
        w.WriteAttributeString("y", N(y));
        w.WriteAttributeString("width", N(width));
        w.WriteAttributeString("height", N(height));
        if (rounded > 0) w.WriteAttributeString("rx", N(rounded));
        w.WriteAttributeString("fill", fill);
        if (stroke is not null) w.WriteAttributeString("stroke", stroke);
        w.WriteEndElement();
    }

    private static void Text(XmlWriter w, double x, double y, string text, double size, string anchor, string cls, bool bold = false)
    {
        w.WriteStartElement("text", "http://www.w3.org/2000/svg");
        w.WriteAttributeString("class", cls);
        w.WriteAttributeString("x", N(x));
        w.WriteAttributeString("y", N(y));
        w.WriteAttributeString("font-size", N(size));
        w.WriteAttributeString("text-anchor", anchor);
        w.WriteAttributeString("fill", "#111111");
        if (bold) w.WriteAttributeString("font-weight", "bold");
        w.WriteString(Clean(text));
        w.WriteEndElement();
    }

    private static void Element(XmlWriter w, string name, params (string Name, string Value)[] attributes)
    {
        w.WriteStartElement(name, "http://www.w3.org/2000/svg");
        foreach (var (k, v) in attributes) w.WriteAttributeString(k, v);
        w.WriteEndElement();
    }

    // Characters XML 1.0 cannot hold at all (control characters) become U+FFFD; markup characters are escaped by the writer.
    private static string Clean(string s) => s.All(XmlConvert.IsXmlChar) ? s : new string(s.Select(c => XmlConvert.IsXmlChar(c) || char.IsSurrogate(c) ? c : '\uFFFD').ToArray());

    private static string N(double v) => Math.Round(v, 1).ToString("0.#", CultureInfo.InvariantCulture);
}
