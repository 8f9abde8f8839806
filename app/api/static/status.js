// The status page's two interactive parts, in plain JavaScript (no library):
// - a click on a heatmap cell lists that month's gaps, from GET /api/v1/coverage;
// - the load chart draws actual vs day-ahead load as SVG paths, from GET /api/v1/energy-data
//   (format=columnar), for the area chosen in the select.
// Text from the API goes in with textContent only, never as markup.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";

  function el(name, attrs, parent, text) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  // --- gaps of one heatmap cell -------------------------------------------------------------
  const panel = document.getElementById("gaps");

  async function showGaps(cell) {
    const { area, type, month, start, end } = cell.dataset;
    document.querySelectorAll("td.selected").forEach((c) => c.classList.remove("selected"));
    cell.classList.add("selected");
    panel.hidden = false;
    panel.textContent = `Gaps of ${area} ${type} in ${month}: loading...`;
    const query = new URLSearchParams({ area, data_type: type, max_gaps: "10000" });
    const reply = await fetch(`/api/v1/coverage?${query}`);
    if (!reply.ok) {
      panel.textContent = `Gaps of ${area} ${type}: the service answered ${reply.status}.`;
      return;
    }
    const item = (await reply.json()).items[0];
    const lo = Date.parse(start), hi = Date.parse(end);
    const gaps = (item ? item.gaps : []).filter(
      (g) => Date.parse(g.start) < hi && Date.parse(g.end) > lo,
    );
    panel.textContent = "";
    const head = document.createElement("strong");
    head.textContent = `Gaps of ${area} ${type} in ${month} (UTC, [start, end)): ${gaps.length}`;
    panel.appendChild(head);
    if (!gaps.length) {
      const p = document.createElement("p");
      p.textContent = "None between stored points: the month's missing part lies before the"
        + " first or after the last stored point.";
      panel.appendChild(p);
      return;
    }
    const list = document.createElement("ul");
    for (const g of gaps) {
      const li = document.createElement("li");
      const kinds = g.business_types.concat(g.psr_types || []);
      li.textContent = `${g.start} .. ${g.end}: ${g.missing} points missing (${kinds.join(", ")})`;
      list.appendChild(li);
    }
    panel.appendChild(list);
  }

  document.querySelectorAll("td.cell.partial, td.cell.empty").forEach((cell) => {
    cell.addEventListener("click", () => showGaps(cell));
  });

  // --- the load chart -----------------------------------------------------------------------
  const chart = document.getElementById("load-chart");
  const select = document.getElementById("chart-area");
  const note = document.getElementById("chart-note");
  if (!chart || !select) return;
  const W = 900, H = 300, M = { left: 64, right: 12, top: 24, bottom: 28 };

  // One path per data type; a new "M" after a step longer than 1.5 native steps (a gap).
  function pathOf(points, x, y) {
    let step = Infinity;
    for (let i = 1; i < points.length; i++) step = Math.min(step, points[i][0] - points[i - 1][0]);
    let d = "";
    points.forEach(([t, q], i) => {
      const jump = i === 0 || t - points[i - 1][0] > 1.5 * step;
      d += `${jump ? "M" : "L"}${x(t).toFixed(1)},${y(q).toFixed(1)}`;
    });
    return d;
  }

  function draw(body) {
    const lo = Date.parse(chart.dataset.start), hi = Date.parse(chart.dataset.end);
    const series = {};
    const data = body.data;
    data.timestamp.forEach((stamp, i) => {
      const key = data.data_type[i];
      (series[key] = series[key] || []).push([Date.parse(stamp), data.quantity[i]]);
    });
    chart.textContent = "";
    const all = data.quantity;
    if (!all.length) {
      note.textContent = `No actual or day-ahead load stored for ${body.area.code} in this week.`;
      return;
    }
    let min = Math.min(...all), max = Math.max(...all);
    const pad = (max - min || Math.abs(max) || 1) * 0.05;
    min -= pad; max += pad;
    const x = (t) => M.left + ((t - lo) / (hi - lo)) * (W - M.left - M.right);
    const y = (q) => H - M.bottom - ((q - min) / (max - min)) * (H - M.top - M.bottom);
    for (let k = 0; k <= 4; k++) {
      const q = min + ((max - min) * k) / 4;
      el("line", { class: "grid", x1: M.left, x2: W - M.right, y1: y(q), y2: y(q) }, chart);
      el("text", { x: M.left - 6, y: y(q) + 4, "text-anchor": "end" }, chart, Math.round(q).toLocaleString("en"));
    }
    for (let t = Math.ceil(lo / 864e5) * 864e5; t < hi; t += 864e5) {
      el("line", { class: "grid", x1: x(t), x2: x(t), y1: M.top, y2: H - M.bottom }, chart);
      el("text", { x: x(t) + 3, y: H - 8 }, chart, new Date(t).toISOString().slice(5, 10));
    }
    el("line", { class: "axis", x1: M.left, x2: M.left, y1: M.top, y2: H - M.bottom }, chart);
    el("line", { class: "axis", x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom }, chart);
    let legend = M.left + 8;
    for (const key of chart.dataset.types.split(",")) {
      const points = series[key] || [];
      if (points.length) el("path", { class: key, d: pathOf(points, x, y) }, chart);
      el("line", { class: key, x1: legend, x2: legend + 22, y1: 12, y2: 12 }, chart);
      el("text", { x: legend + 26, y: 16 }, chart, `${key.replace("_", "-")} (${points.length})`);
      legend += 150;
    }
    const unit = body.unit === "MAW" ? "MW" : body.unit || "";
    el("text", { x: W - M.right, y: 16, "text-anchor": "end" }, chart, `${unit}, UTC`);
    note.textContent = `${body.area.name}: ${all.length.toLocaleString("en")} points,`
      + ` ${chart.dataset.start} .. ${chart.dataset.end}`;
  }

  async function load(area) {
    note.textContent = `Loading ${area}...`;
    const query = new URLSearchParams({
      area, data_type: chart.dataset.types, start: chart.dataset.start,
      end: chart.dataset.end, format: "columnar",
    });
    const reply = await fetch(`/api/v1/energy-data?${query}`);
    if (!reply.ok) {
      chart.textContent = "";
      note.textContent = `${area}: the service answered ${reply.status}.`;
      return;
    }
    draw(await reply.json());
  }

  select.addEventListener("change", () => load(select.value));
  load(select.value);
})();
