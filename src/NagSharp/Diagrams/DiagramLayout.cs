namespace NagSharp.Diagrams;

/// <summary>A node's box in a laid-out diagram (top-left corner and size, in pixels).</summary>
public readonly record struct NodeBox(double X, double Y, double Width, double Height)
{
    /// <summary>Vertical centre.</summary>
    public double MidY => Y + Height / 2;
}

/// <summary>
/// A simple layered layout of a <see cref="CellDiagram"/>, left to right: a node's column is its depth (the longest path
/// to it from a node without inputs), outputs share the last column, and each column is ordered by the mean row of the
/// nodes feeding it, which removes most crossings in cells this small. Groups are laid out on their own, one below the
/// other, each under its caption.
/// </summary>
public sealed class DiagramLayout
{
    /// <summary>Font size of node labels; text widths are estimated from it (no font is measured, so layouts are the same
    /// on every machine).</summary>
    public const double FontSize = 13, DetailFontSize = 10;

    private const double CharWidth = 0.62 * FontSize, DetailCharWidth = 0.62 * DetailFontSize;
    private const double Margin = 16, ColumnGap = 48, RowGap = 18, PadX = 10, NodeHeight = 30, DetailHeight = 13, TitleHeight = 28, GroupTitleHeight = 22;

    /// <summary>Box of each node, by index.</summary>
    public IReadOnlyList<NodeBox> Boxes { get; }

    /// <summary>Column of each node within its group.</summary>
    public IReadOnlyList<int> Columns { get; }

    /// <summary>Each group's caption and the baseline it is written on (empty when the diagram has no groups).</summary>
    public IReadOnlyList<(string Name, double Y)> GroupTitles { get; }

    /// <summary>Size of the whole drawing.</summary>
    public double Width { get; }

    /// <inheritdoc cref="Width"/>
    public double Height { get; }

    /// <summary>Baseline of the diagram's title.</summary>
    public static double TitleBaseline => Margin + FontSize;

    /// <summary>Lays <paramref name="diagram"/> out; throws <see cref="ArgumentException"/> when an edge names a missing
    /// node or the edges form a cycle.</summary>
    public DiagramLayout(CellDiagram diagram)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        int n = diagram.Nodes.Count;
        foreach (var e in diagram.Edges)
            if (e.From < 0 || e.From >= n || e.To < 0 || e.To >= n || e.From == e.To)
                throw new ArgumentException($"diagram edge {e.From} -> {e.To} does not join two of its {n} nodes", nameof(diagram));
        var boxes = new NodeBox[n];
        var columns = new int[n];
        var titles = new List<(string, double)>();
        double y = Margin + TitleHeight, width = Margin + EstimateText(diagram.Title, CharWidth) + Margin;
        var groups = diagram.Nodes.Select((node, i) => (node.Group, i)).GroupBy(t => t.Group).ToList();
        foreach (var group in groups)
        {
            if (group.Key is string name)
            {
                titles.Add((name, y + FontSize));
                y += GroupTitleHeight;
            }
            var members = group.Select(t => t.i).ToArray();
            double right = LayOutGroup(diagram, members, boxes, columns, y, out double bottom);
            width = Math.Max(width, right + Margin);
            y = bottom + RowGap;
        }
        Boxes = boxes;
        Columns = columns;
        GroupTitles = titles;
        Width = Math.Ceiling(width);
        Height = Math.Ceiling(y - RowGap + Margin);
    }

    /// <summary>Estimated width of a label in pixels.</summary>
    public static double EstimateText(string text, double charWidth) => text.Length * charWidth;

    /// <summary>
    /// How far above its ends an edge bows: 0 between neighbouring columns; more the more columns it skips, so a skip
    /// connection arcs over the nodes it passes (which, in a chain, sit on the same row) and longer arcs nest over shorter ones.
    /// </summary>
    public double Lift(DiagramEdge edge)
    {
        ArgumentNullException.ThrowIfNull(edge);
        return LiftOf(Columns[edge.To] - Columns[edge.From], Boxes[edge.From].Height);
    }

    private static double LiftOf(int span, double rowHeight) => span > 1 ? Math.Min(rowHeight + 16 * span, 4 * rowHeight) : 0;

    private static double LayOutGroup(CellDiagram d, int[] members, NodeBox[] boxes, int[] columnOf, double top, out double bottom)
    {
        var inGroup = members.ToHashSet();
        var edges = d.Edges.Where(e => inGroup.Contains(e.From) && inGroup.Contains(e.To)).ToList();
        var depth = Depths(members, edges);
        int last = members.Length == 0 ? 0 : members.Max(i => depth[i]);
        foreach (int i in members)
            if (d.Nodes[i].Kind == DiagramNodeKind.Output && edges.Any(e => e.To == i)) depth[i] = last;
        var columns = members.GroupBy(i => depth[i]).OrderBy(c => c.Key).Select(c => c.ToList()).ToList();
        var row = new Dictionary<int, double>();
        foreach (var column in columns)
        {
            // Barycentre ordering: a node sits near the mean row of its inputs; ties keep the diagram's order.
            var ordered = column.OrderBy(i =>
            {
                var from = edges.Where(e => e.To == i && row.ContainsKey(e.From)).Select(e => row[e.From]).ToList();
                return from.Count == 0 ? double.MaxValue : from.Average();
            }).ThenBy(i => i).ToList();
            for (int r = 0; r < ordered.Count; r++) row[ordered[r]] = r - (ordered.Count - 1) / 2.0;
        }
        double rowHeight = members.Any(i => d.Nodes[i].Detail is not null) ? NodeHeight + DetailHeight : NodeHeight;
        foreach (int i in members) columnOf[i] = depth[i];
        int maxRows = columns.Count == 0 ? 0 : columns.Max(c => c.Count);
        double groupHeight = maxRows * rowHeight + Math.Max(0, maxRows - 1) * RowGap;
        double x = Margin;
        foreach (var column in columns)
        {
            double colWidth = column.Max(i => NodeWidth(d.Nodes[i]));
            foreach (int i in column)
            {
                double w = NodeWidth(d.Nodes[i]);
                double cy = top + groupHeight / 2 + row[i] * (rowHeight + RowGap);
                boxes[i] = new NodeBox(x + (colWidth - w) / 2, cy - rowHeight / 2, w, rowHeight);
            }
            x += colWidth + ColumnGap;
        }
        // Room for the arcs of skip edges: a cubic whose control points are lifted by L peaks at most 3/4 L above its ends.
        double highest = edges.Select(e => Math.Min(boxes[e.From].MidY, boxes[e.To].MidY) - 0.75 * LiftOf(depth[e.To] - depth[e.From], rowHeight)).DefaultIfEmpty(top).Min();
        double shift = Math.Max(0, top - highest);
        foreach (int i in members) boxes[i] = boxes[i] with { Y = boxes[i].Y + shift };
        bottom = top + shift + groupHeight;
        return x - ColumnGap;
    }

    private static double NodeWidth(DiagramNode node) =>
        Math.Ceiling(Math.Max(EstimateText(node.Label, CharWidth), node.Detail is null ? 0 : EstimateText(node.Detail, DetailCharWidth)) + 2 * PadX);

    // Longest-path depth by Kahn's algorithm; a cycle leaves nodes unvisited.
    private static Dictionary<int, int> Depths(int[] members, List<DiagramEdge> edges)
    {
        var depth = members.ToDictionary(i => i, _ => 0);
        var indegree = members.ToDictionary(i => i, i => edges.Count(e => e.To == i));
        var ready = new Queue<int>(members.Where(i => indegree[i] == 0));
        int seen = 0;
        while (ready.Count > 0)
        {
            int u = ready.Dequeue();
            seen++;
            foreach (var e in edges.Where(e => e.From == u))
            {
                depth[e.To] = Math.Max(depth[e.To], depth[u] + 1);
                if (--indegree[e.To] == 0) ready.Enqueue(e.To);
            }
        }
        if (seen != members.Length) throw new ArgumentException("diagram edges form a cycle; a cell diagram must be acyclic", "diagram");
        return depth;
    }
}
