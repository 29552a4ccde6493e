using System.Globalization;
using System.Net;
using System.Text;

namespace NagSharp.Dashboard;

/// <summary>The dashboard's HTML, rendered on the server. Every value from the store is encoded; scripts read their
/// parameters from <c>data-</c> attributes (no inline script), so the pages run under a strict content security policy.</summary>
public static class Pages
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>HTML-encodes text.</summary>
    public static string H(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A number as the pages print it (up to 6 significant digits; a dash for none).</summary>
    public static string Num(double? v) => v is double d ? (double.IsFinite(d) ? d.ToString("G6", Inv) : d.ToString(Inv)) : "–";

    private static string Layout(string title, string storePath, string body, string? script = null) => $"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{H(title)} · NagSharp dashboard</title>
        <link rel="stylesheet" href="/static/vendor/uplot/uPlot.min.css">
        <link rel="stylesheet" href="/static/dashboard.css">
        </head>
        <body>
        <header><a class="brand" href="/experiments">NagSharp</a> <nav><a href="/experiments">Experiments</a></nav>
        <span class="store" title="read-only">{H(storePath)}</span></header>
        <main>
        {body}
        </main>
        <footer>Read-only view of the experiment store. JSON: <a href="/api/experiments">/api/experiments</a></footer>
        {(script is null ? "" : "<script src=\"/static/vendor/uplot/uPlot.iife.min.js\"></script>\n<script src=\"/static/dashboard.js\"></script>")}
        </body>
        </html>
        """;

    /// <summary>The experiments page: every run, filterable, refreshed while open.</summary>
    public static string Experiments(string storePath, IReadOnlyList<ExperimentSummary> list, string? status, string? space, string? text, double pollSeconds)
    {
        var b = new StringBuilder();
        b.Append("<h1>Experiments</h1>\n");
        b.Append($"""
            <form class="filters" method="get" action="/experiments">
            <label>Status <select name="status">{Option("", "any", status)}{Option("running", "running", status)}{Option("done", "done", status)}{Option("failed", "failed", status)}</select></label>
            <label>Space <input name="space" value="{H(space)}" size="8"></label>
            <label>Text <input name="q" value="{H(text)}" placeholder="objective, strategy…"></label>
            <button type="submit">Filter</button>
            </form>
            """);
        string query = string.Join("&", new[] { ("status", status), ("space", space), ("q", text) }
            .Where(p => !string.IsNullOrEmpty(p.Item2)).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
        b.Append($"<p><span id=\"experiment-count\">{list.Count}</span> experiment(s)</p>\n");
        b.Append($"<table id=\"experiments\" data-api=\"/api/experiments{(query.Length > 0 ? "?" + H(query) : "")}\" data-poll=\"{pollSeconds.ToString(Inv)}\">\n");
        b.Append("<thead><tr><th>id</th><th>kind</th><th>created</th><th>space</th><th>objective</th><th>evaluator</th><th>strategies</th><th>status</th><th>trials</th><th>best so far</th></tr></thead>\n<tbody>\n");
        foreach (var e in list) b.Append(ExperimentRow(e));
        b.Append("</tbody></table>\n");
        if (list.Count == 0) b.Append("<p class=\"empty\">No experiment matches.</p>\n");
        return Layout("Experiments", storePath, b.ToString(), "experiments");
    }

    private static string Option(string value, string label, string? selected) =>
        $"<option value=\"{H(value)}\"{(string.Equals(value, selected ?? "", StringComparison.OrdinalIgnoreCase) ? " selected" : "")}>{H(label)}</option>";

    /// <summary>One row of the experiments table (the script renders the same from <c>/api/experiments</c>).</summary>
    public static string ExperimentRow(ExperimentSummary e) =>
        $"<tr data-id=\"{e.Id}\"><td><a href=\"/experiments/{e.Id}\">{e.Id}</a></td><td>{H(e.Kind)}</td><td>{H(e.Created.Length >= 19 ? e.Created[..19].Replace('T', ' ') : e.Created)}</td>" +
        $"<td>{H(e.Space)}</td><td>{H(e.Objective)} {(e.Kind != "search" ? "" : e.Minimize ? "↓" : "↑")}</td><td>{H(e.Evaluator)}</td><td>{H(string.Join(", ", e.Strategies))}</td>" +
        $"<td><span class=\"status status-{H(e.Status)}\">{H(e.Status)}</span></td><td>{(e.Kind == "search" ? $"{e.Trials} / {e.Expected}" : "–")}</td><td>{Num(e.Best)}</td></tr>\n";

    /// <summary>A search's page: live curves, sortable paged trials.</summary>
    public static string Search(string storePath, SearchProgress p, double pollSeconds)
    {
        var e = p.Experiment;
        var b = new StringBuilder();
        b.Append($"<h1>Experiment {e.Id}: {H(e.Space)} · {H(e.Objective)}</h1>\n");
        b.Append($"""
            <section id="search" data-id="{e.Id}" data-poll="{pollSeconds.ToString(Inv)}" data-minimize="{(e.Minimize ? "true" : "false")}" data-objective="{H(e.Objective)}">
            <dl class="facts">
            <dt>Status</dt><dd><span id="status" class="status status-{H(e.Status)}">{H(e.Status)}</span></dd>
            <dt>Trials</dt><dd><span id="trial-count">{e.Trials}</span> / {e.Expected}</dd>
            <dt>Best so far</dt><dd id="best">{Num(e.Best)}</dd>
            <dt>Objective</dt><dd>{H(e.Objective)} ({(e.Minimize ? "lower" : "higher")} is better); report {H(e.Report)}</dd>
            <dt>Evaluator</dt><dd>{H(e.Evaluator)}</dd>
            <dt>Strategies</dt><dd>{H(string.Join(", ", e.Strategies))} · {e.Seeds} seed(s) × budget {e.Budget}</dd>
            <dt>Created</dt><dd>{H(e.Created)}</dd>
            </dl>
            <h2>Best so far</h2>
            <p class="note">Mean over runs of the best feasible {H(e.Objective)} after each query, ± one standard error.
            <span id="chart-points">{p.Points}</span> points.</p>
            <div id="best-chart" class="chart" data-points="{p.Points}"></div>
            """);
        if (p.Regret is not null)
            b.Append($"""
                <h2>Regret (log scale)</h2>
                <p class="note">Distance of the best so far from the table's best feasible value {Num(p.TableBest)}, mean ± one standard error; a run at the optimum has regret 0, which a log axis cannot show.</p>
                <div id="regret-chart" class="chart"></div>
                """);
        if (p.Pareto is ParetoView f)
            b.Append($"""
                <h2>{H(f.X)} against {H(f.Y)}</h2>
                <p class="note">Feasible trials whose evaluation recorded {H(f.Y)} ({(f.Directions[1] == Spaces.MetricDirection.LowerIsBetter ? "lower" : "higher")} is better);
                the line joins the <span id="front-size">{f.Points.Count(x => x.Front)}</span> on the Pareto front. Hypervolume <span id="hypervolume">{Num(f.Hypervolume)}</span>
                (reference {Num(f.Reference[0])}, {Num(f.Reference[1])}: the worst values among the points).</p>
                <div id="pareto-chart" class="chart"></div>
                """);
        b.Append("""
            <h2>Trials</h2>
            <div class="pager"><button type="button" id="prev">‹ previous</button> <span id="page-info"></span> <button type="button" id="next">next ›</button></div>
            <table id="trials" class="sortable">
            <thead><tr><th data-sort="strategy">strategy</th><th data-sort="seed">seed</th><th data-sort="query">query</th><th data-sort="arch">architecture</th><th data-sort="objective">objective</th><th data-sort="report">report</th><th data-sort="violation">violation</th><th data-sort="seconds">seconds</th></tr></thead>
            <tbody></tbody>
            </table>
            </section>
            """);
        return Layout($"Experiment {e.Id}", storePath, b.ToString(), "search");
    }

    /// <summary>An architecture's page: the cell drawing, metrics, where it was recorded, downloads.</summary>
    public static string Architecture(string storePath, ArchitectureInfo a)
    {
        string arch = a.Arch.ToString();
        string url = StoreView.ArchitectureUrl(a.Space.Name, arch);
        var b = new StringBuilder();
        b.Append($"<h1>{H(a.Space.Name)} architecture</h1>\n<p class=\"arch\"><code>{H(arch)}</code></p>\n");
        if (a.Canonical != arch) b.Append($"<p class=\"note\">Canonical form: <code>{H(a.Canonical)}</code></p>\n");
        b.Append($"<h2>Cell</h2>\n<figure id=\"cell\" data-operations=\"{a.Operations}\">{a.Svg}</figure>\n");
        b.Append($"""
            <h2>Downloads</h2>
            <p class="note">The space's standard network, weights freshly initialised (seed 0), as <code>nag export</code> writes it.</p>
            <ul class="downloads">
            <li><a id="download-json" href="{url}/export.json">JSON spec</a></li>
            <li><a id="download-onnx" href="{url}/export.onnx">ONNX model</a> (checked in ONNX Runtime)</li>
            <li><a id="download-py" href="{url}/export.py">PyTorch source</a></li>
            </ul>
            """);
        b.Append("<h2>Metrics</h2>\n");
        if (a.TableMetrics.Count == 0 && a.Costs.Count == 0) b.Append("<p class=\"empty\">No benchmark table values (no data found, or the tables lack this architecture).</p>\n");
        else
        {
            b.Append("<table id=\"metrics\"><thead><tr><th>metric</th><th>value</th><th>source</th></tr></thead><tbody>\n");
            foreach (var (k, v) in a.TableMetrics.OrderBy(kv => kv.Key, StringComparer.Ordinal)) b.Append($"<tr><td>{H(k)}</td><td>{Num(v)}</td><td>benchmark table</td></tr>\n");
            foreach (var (k, v) in a.Costs.OrderBy(kv => kv.Key, StringComparer.Ordinal)) b.Append($"<tr><td>{H(k)}</td><td>{Num(v)}</td><td>computed (standard network)</td></tr>\n");
            b.Append("</tbody></table>\n");
        }
        b.Append($"<h2>Recorded in the store</h2>\n");
        if (a.Recorded.Count == 0) b.Append("<p class=\"empty\">No experiment of this store queried it.</p>\n");
        else
        {
            b.Append("<table id=\"recorded\"><thead><tr><th>experiment</th><th>strategy</th><th>seed</th><th>query</th><th>objective</th><th>report</th></tr></thead><tbody>\n");
            foreach (var r in a.Recorded.Take(200))
                b.Append($"<tr><td><a href=\"/experiments/{r.ExperimentId}\">{r.ExperimentId}</a></td><td>{H(r.Trial.Strategy)}</td><td>{r.Trial.Seed}</td><td>{r.Trial.Query}</td>" +
                         $"<td>{H(r.Objective)} = {Num(r.Trial.Objective)}</td><td>{H(r.Report)} = {Num(r.Trial.Report)}</td></tr>\n");
            b.Append("</tbody></table>\n");
        }
        return Layout($"{a.Space.Name} architecture", storePath, b.ToString());
    }

    /// <summary>A recorded generation run or training: final figures, per-step metrics, the objective's distribution
    /// among the samples against the table's, and the samples.</summary>
    public static string Run(string storePath, RunView r)
    {
        var e = r.Experiment;
        var b = new StringBuilder();
        string kind = e.Kind switch { "generate" => "Generation run", "train" => "Training", _ => e.Kind };
        b.Append($"<h1>{H(kind)} {e.Id}: {H(e.Space)}{(e.Objective.Length > 0 ? " · " + H(e.Objective) : "")}</h1>\n");
        b.Append($"<section id=\"run\" data-id=\"{e.Id}\"><dl class=\"facts\"><dt>Status</dt><dd><span class=\"status status-{H(e.Status)}\">{H(e.Status)}</span></dd>" +
                 $"<dt>Created</dt><dd>{H(e.Created)}</dd></dl>\n");
        b.Append("<h2>Figures</h2>\n");
        if (r.Final.Count == 0) b.Append("<p class=\"empty\">No final figures recorded.</p>\n");
        else
        {
            b.Append("<table id=\"figures\"><thead><tr><th>figure</th><th>value</th></tr></thead><tbody>\n");
            foreach (var (k, v) in r.Final.OrderBy(kv => kv.Key, StringComparer.Ordinal)) b.Append($"<tr><td>{H(k)}</td><td>{Num(v)}</td></tr>\n");
            b.Append("</tbody></table>\n");
        }
        if (r.Steps.Count > 0)
        {
            b.Append("<h2>Per step</h2>\n<table id=\"steps\"><thead><tr><th>metric</th><th>steps</th><th>first</th><th>last</th><th>best (min)</th></tr></thead><tbody>\n");
            foreach (var st in r.Steps)
                b.Append($"<tr><td>{H(st.Name)}</td><td>{st.Steps.Length}</td><td>{Num(st.Values[0])}</td><td>{Num(st.Values[^1])}</td><td>{Num(st.Values.Min())}</td></tr>\n");
            b.Append("</tbody></table>\n");
        }
        if (r.Distributions.Count > 0)
        {
            b.Append("<h2>Generated vs the table</h2>\n<table id=\"distribution\"><thead><tr><th>column</th><th></th><th>count</th><th>mean</th><th>min</th><th>10%</th><th>median</th><th>90%</th><th>max</th></tr></thead><tbody>\n");
            foreach (var c in r.Distributions)
                foreach (var (name, d) in new[] { ("generated", c.Generated), ("table", c.Table) })
                    if (d is not null)
                        b.Append($"<tr><td>{H(c.Column)}</td><td>{name}</td><td>{d.Count}</td><td>{Num(d.Mean)}</td><td>{Num(d.Min)}</td><td>{Num(d.P10)}</td><td>{Num(d.Median)}</td><td>{Num(d.P90)}</td><td>{Num(d.Max)}</td></tr>\n");
            b.Append("</tbody></table>\n");
        }
        b.Append($"<h2>Samples</h2>\n<p><span id=\"sample-count\">{r.Samples.Count}</span> architecture(s).</p>\n");
        if (r.Samples.Count > 0)
        {
            var columns = r.Samples.SelectMany(x => x.Values.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(8).ToList();
            b.Append($"<table id=\"samples\"><thead><tr><th>architecture</th>{string.Concat(columns.Select(c => $"<th>{H(c)}</th>"))}</tr></thead><tbody>\n");
            foreach (var x in r.Samples.Take(500))
            {
                string arch = x.Href is null ? $"<code>{H(x.Arch)}</code>" : $"<a href=\"{H(x.Href)}\"><code>{H(x.Arch)}</code></a>";
                b.Append($"<tr><td>{arch}</td>{string.Concat(columns.Select(c => $"<td>{Num(x.Values.TryGetValue(c, out double v) ? v : null)}</td>"))}</tr>\n");
            }
            b.Append("</tbody></table>\n");
        }
        b.Append("</section>\n");
        return Layout($"{kind} {e.Id}", storePath, b.ToString());
    }

    /// <summary>An error page: the status and one line, never a stack trace.</summary>
    public static string Error(string storePath, int status, string message) =>
        Layout($"{status}", storePath, $"<h1>{status} {H(ReasonPhrase(status))}</h1>\n<p id=\"error\">{H(message)}</p>\n<p><a href=\"/experiments\">All experiments</a></p>\n");

    /// <summary>The standard phrase of an HTTP status.</summary>
    public static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
}
