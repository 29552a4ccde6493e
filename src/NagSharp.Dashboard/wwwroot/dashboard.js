// NagSharp dashboard: refreshes the server-rendered pages from /api while they are open.
(function () {
  "use strict";
  const colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

  function esc(s) {
    return String(s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }
  function num(v) {
    if (v === null || v === undefined) return "–";
    if (typeof v !== "number") return String(v);
    return Number(v.toPrecision(6)).toString();
  }
  async function getJson(url) {
    const r = await fetch(url, { cache: "no-store" });
    if (!r.ok) throw new Error(url + ": " + r.status);
    return r.json();
  }
  function every(seconds, body) {
    let stopped = false;
    async function tick() {
      let again = true;
      try { again = await body(); } catch (e) { console.warn(e); }
      if (again !== false && !stopped) setTimeout(tick, seconds * 1000);
    }
    tick();
    return () => { stopped = true; };
  }

  // Experiments page
  function experimentRow(e) {
    const created = e.created.length >= 19 ? e.created.substring(0, 19).replace("T", " ") : e.created;
    return `<tr data-id="${e.id}"><td><a href="/experiments/${e.id}">${e.id}</a></td><td>${esc(e.kind)}</td><td>${esc(created)}</td><td>${esc(e.space)}</td>` +
      `<td>${esc(e.objective)} ${e.kind !== "search" ? "" : e.minimize ? "↓" : "↑"}</td><td>${esc(e.evaluator)}</td><td>${esc(e.strategies.join(", "))}</td>` +
      `<td><span class="status status-${esc(e.status)}">${esc(e.status)}</span></td><td>${e.kind === "search" ? `${e.trials} / ${e.expected}` : "–"}</td><td>${num(e.best)}</td></tr>`;
  }
  const list = document.getElementById("experiments");
  if (list) {
    every(Number(list.dataset.poll), async () => {
      const rows = await getJson(list.dataset.api);
      list.tBodies[0].innerHTML = rows.map(experimentRow).join("");
      document.getElementById("experiment-count").textContent = rows.length;
      const empty = document.querySelector("p.empty");
      if (empty) empty.hidden = rows.length > 0;
    });
  }

  // Search page
  const search = document.getElementById("search");
  if (search) {
    const id = search.dataset.id;
    const charts = {};
    function chartData(p, curves, positive) {
      const data = [p.queries];
      for (const c of curves) {
        const clean = a => a.map(v => (v === null || (positive && !(v > 0))) ? null : v);
        data.push(clean(c.mean), clean(c.lower), clean(c.upper));
      }
      return data;
    }
    function draw(key, element, p, curves, log, yLabel) {
      if (!element || !curves) return;
      const names = curves.map(c => c.strategy).join(",");
      const data = chartData(p, curves, log);
      const existing = charts[key];
      if (existing && existing.names === names) { existing.plot.setData(data); return; }
      if (existing) existing.plot.destroy();
      const series = [{ label: "query" }];
      const bands = [];
      curves.forEach((c, i) => {
        const colour = colours[i % colours.length];
        const at = 1 + 3 * i;
        series.push({ label: c.strategy, stroke: colour, width: 2, spanGaps: false });
        series.push({ label: c.strategy + " −SE", stroke: colour, width: 0, points: { show: false } });
        series.push({ label: c.strategy + " +SE", stroke: colour, width: 0, points: { show: false } });
        bands.push({ series: [at + 2, at + 1], fill: colour + "33" });
      });
      const opts = {
        width: Math.max(320, element.clientWidth || 800), height: 300,
        scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
        axes: [{ label: "query" }, { label: yLabel, size: 70 }],
        legend: { show: true }, series, bands,
      };
      charts[key] = { names, plot: new uPlot(opts, data, element) };
    }

    // Objective against a second metric: every feasible trial as a dot, the front as a line (x ascending, as uPlot needs).
    function drawPareto(f) {
      const element = document.getElementById("pareto-chart");
      if (!element || !f) return;
      const xs = f.points.map(q => q.x), all = f.points.map(q => q.y), front = f.points.map(q => q.front ? q.y : null);
      const data = [xs, all, front];
      document.getElementById("front-size").textContent = f.points.filter(q => q.front).length;
      document.getElementById("hypervolume").textContent = num(f.hypervolume);
      if (charts.pareto) { charts.pareto.plot.setData(data); return; }
      const opts = {
        width: Math.max(320, element.clientWidth || 800), height: 300, scales: { x: { time: false } },
        axes: [{ label: f.x }, { label: f.y, size: 70 }],
        series: [{ label: f.x }, { label: "trials", stroke: "#1f77b4", paths: () => null, points: { show: true, size: 6 } },
                 { label: "Pareto front", stroke: "#d62728", width: 2, spanGaps: true, points: { show: true, size: 7 } }],
      };
      charts.pareto = { plot: new uPlot(opts, data, element) };
    }

    let page = 1, sort = "query", desc = false;
    const table = document.getElementById("trials");
    async function loadTrials() {
      const t = await getJson(`/api/experiments/${id}/trials?sort=${sort}&dir=${desc ? "desc" : "asc"}&page=${page}&size=25`);
      page = t.page;
      table.tBodies[0].innerHTML = t.rows.map(r =>
        `<tr><td>${esc(r.strategy)}</td><td>${r.seed}</td><td>${r.query}</td><td><a href="${esc(r.href)}"><code>${esc(r.arch)}</code></a></td>` +
        `<td>${num(r.objective)}</td><td>${num(r.report)}</td><td>${num(r.violation)}</td><td>${num(r.seconds)}</td></tr>`).join("");
      document.getElementById("page-info").textContent = `page ${t.page} of ${t.pages} (${t.total} trials)`;
      document.getElementById("prev").disabled = t.page <= 1;
      document.getElementById("next").disabled = t.page >= t.pages;
      table.querySelectorAll("th[data-sort]").forEach(th => {
        th.classList.toggle("sorted", th.dataset.sort === sort);
        th.classList.toggle("desc", th.dataset.sort === sort && desc);
      });
    }
    table.querySelectorAll("th[data-sort]").forEach(th => th.addEventListener("click", () => {
      if (sort === th.dataset.sort) desc = !desc; else { sort = th.dataset.sort; desc = false; }
      page = 1; loadTrials();
    }));
    document.getElementById("prev").addEventListener("click", () => { page = Math.max(1, page - 1); loadTrials(); });
    document.getElementById("next").addEventListener("click", () => { page += 1; loadTrials(); });

    every(Number(search.dataset.poll), async () => {
      const p = await getJson(`/api/experiments/${id}`);
      const e = p.experiment;
      document.getElementById("trial-count").textContent = e.trials;
      const status = document.getElementById("status");
      status.textContent = e.status;
      status.className = "status status-" + e.status;
      document.getElementById("best").textContent = num(e.best);
      draw("best", document.getElementById("best-chart"), p, p.best_so_far, false, search.dataset.objective);
      draw("regret", document.getElementById("regret-chart"), p, p.regret, true, "regret");
      drawPareto(p.pareto);
      document.getElementById("chart-points").textContent = p.points;
      document.getElementById("best-chart").dataset.points = p.points;
      await loadTrials();
      return e.status === "running";
    });
  }
})();
