// The migration view's timelines: per wave, one bar per job (created → started → finished →
// deleted), the window's openings shaded, the live forecast's bars for what has not run yet
// (dashed), a line at now, and the ETA (P50, P90) beside it; and the plan's ETA in its header.
// Drawn as SVG from GET /api/plans/:id/timeline?wave=W, fetched in the background: app.js redraws
// every 2 s, and a wave's picture is drawn at once from the last answer while the next one comes.
// Loaded before app.js; it adds one name to the page, `viewTimeline`.

(() => {
  const SVG = "http://www.w3.org/2000/svg";
  /** A running wave's timeline is asked for again at most this often (the view's refresh). */
  const FRESH_MS = 2000;
  /** Drawing units: the SVG scales to the page's width. */
  const WIDTH = 1000;
  const AXIS = 18;
  /** Bars get thinner as rows grow, so a capped wave of 200 jobs stays about 600 units tall. */
  const MAX_ROWS_HEIGHT = 600;

  /** plan/wave → { at, status, data, loading }: the last answer, and the wave status it was for. */
  const cache = new Map();

  function node(tag, attrs = {}, text) {
    const element = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function titled(element, text) {
    element.append(node("title", {}, text));
    return element;
  }

  /** `2026-12-01 03:10`, in the browser's time zone. */
  function when(ms) {
    const d = new Date(ms);
    const two = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
  }

  /** `ETA 2026-12-01 03:10 (P90 04:20)`: the P90's day only when it is another day. */
  function etaText(p50, p90) {
    const [day50, time50] = when(p50).split(" ");
    const [day90, time90] = when(p90).split(" ");
    return `ETA ${day50} ${time50} (P90 ${day90 === day50 ? time90 : `${day90} ${time90}`})`;
  }

  /** A plan's or wave's ETA for its header (`data-eta` holds its P50), or nothing without one. */
  function etaSpan(eta) {
    if (!eta) return null;
    const span = document.createElement("span");
    span.className = "eta";
    span.textContent = etaText(Date.parse(eta.p50), Date.parse(eta.p90));
    if (eta.asOf) span.title = `live forecast as of ${when(Date.parse(eta.asOf))}`;
    span.setAttribute("data-eta", eta.p50);
    return span;
  }

  function draw(container, data) {
    const { from, now } = data;
    const forecast = data.forecast;
    const to = Math.max(data.to, forecast?.finish.p90 ?? 0);
    const span = Math.max(1, to - from);
    const x = (t) => ((Math.min(Math.max(t, from), to) - from) / span) * WIDTH;
    // A job still running gets its forecast rest on its own row; the others get a row each below.
    const liveRow = new Map();
    data.jobs.forEach((job, i) => {
      if (job.deleted === undefined && job.finished === undefined) liveRow.set(job.server, i);
    });
    const ahead = (forecast?.jobs ?? []).filter((job) => !liveRow.has(job.server));
    const bars = data.jobs.length + ahead.length;
    const row = Math.max(2, Math.min(14, MAX_ROWS_HEIGHT / Math.max(1, bars)));
    const height = bars * row + AXIS + 4;
    const svg = node("svg", {
      viewBox: `0 0 ${WIDTH} ${height}`,
      preserveAspectRatio: "none",
      role: "img",
      "aria-label": `timeline of wave ${data.wave}`,
      class: "timeline-svg",
    });
    svg.style.height = `${Math.min(height, MAX_ROWS_HEIGHT + AXIS + 4)}px`;
    for (const [list, kind] of [
      [data.windows ?? [], "window"],
      [data.cutoverWindows ?? [], "cutover-window"],
    ]) {
      for (const w of list) {
        svg.append(
          titled(
            node("rect", {
              class: `tl-${kind}`,
              x: x(w.opensAt),
              y: 0,
              width: Math.max(1, x(w.closesAt) - x(w.opensAt)),
              height: height - AXIS,
            }),
            `${kind === "window" ? "window" : "cut-over window"} ${when(w.opensAt)} – ${when(w.closesAt)}`,
          ),
        );
      }
    }
    const segment = (parent, y, start, end, kind, label) => {
      if (start === undefined || end === undefined || end < start) return;
      parent.append(
        titled(
          node("rect", {
            class: `tl-${kind}`,
            x: x(start),
            y: y + row * 0.15,
            width: Math.max(1, x(end) - x(start)),
            height: row * 0.7,
          }),
          label,
        ),
      );
    };
    data.jobs.forEach((job, i) => {
      const y = i * row;
      const label = `${job.server} · ${job.jobId} · ${job.status}`;
      const g = node("g", { class: "tl-job", "data-job": job.jobId, "data-status": job.status });
      svg.append(g);
      const end = (t) => t ?? now;
      segment(
        g,
        y,
        job.created,
        end(job.started),
        "created",
        `${label}: created ${when(job.created)}`,
      );
      if (job.started !== undefined) {
        const run = job.status === "failed" ? "failed" : "running";
        segment(
          g,
          y,
          job.started,
          end(job.finished),
          run,
          `${label}: started ${when(job.started)}`,
        );
      }
      if (job.finished !== undefined)
        segment(
          g,
          y,
          job.finished,
          end(job.deleted),
          "finished",
          `${label}: finished ${when(job.finished)}`,
        );
      if (job.cutover !== undefined)
        g.append(
          titled(
            node("line", {
              class: "tl-cutover",
              x1: x(job.cutover),
              x2: x(job.cutover),
              y1: y,
              y2: y + row,
            }),
            `${label}: cut over ${when(job.cutover)}`,
          ),
        );
    });
    for (const job of forecast?.jobs ?? []) {
      const live = liveRow.get(job.server);
      const y = (live ?? data.jobs.length + ahead.indexOf(job)) * row;
      const from = live === undefined ? job.created : Math.max(now, job.created);
      svg.append(
        titled(
          node("rect", {
            class: "tl-forecast",
            "data-forecast": job.server,
            x: x(from),
            y: y + row * 0.15,
            width: Math.max(1, x(job.deleted) - x(from)),
            height: row * 0.7,
          }),
          `${job.server} (forecast): ${when(job.started)} – ${when(job.finished)}`,
        ),
      );
    }
    const axisY = height - AXIS;
    svg.append(node("line", { class: "tl-axis", x1: 0, x2: WIDTH, y1: axisY, y2: axisY }));
    svg.append(node("text", { class: "tl-label", x: 2, y: height - 4 }, when(from)));
    svg.append(
      node(
        "text",
        { class: "tl-label", x: WIDTH - 2, y: height - 4, "text-anchor": "end" },
        when(to),
      ),
    );
    if (forecast) {
      for (const [name, t] of [
        ["p50", forecast.finish.p50],
        ["p90", forecast.finish.p90],
      ]) {
        svg.append(
          titled(
            node("line", { class: `tl-${name}`, x1: x(t), x2: x(t), y1: 0, y2: axisY }),
            `wave ends (${name.toUpperCase()}) ${when(t)}`,
          ),
        );
      }
    }
    svg.append(
      titled(
        node("line", {
          class: "tl-now",
          "data-now": now,
          x1: x(now),
          x2: x(now),
          y1: 0,
          y2: axisY,
        }),
        `now ${when(now)}`,
      ),
    );
    const caption = document.createElement("p");
    caption.className = "timeline-caption muted";
    const parts = [`now ${when(now)}`];
    if (forecast) parts.push(etaText(forecast.finish.p50, forecast.finish.p90));
    if (data.omitted > 0) parts.push(`${data.omitted} more jobs not drawn`);
    caption.textContent = parts.join(" · ");
    container.replaceChildren(svg, caption);
  }

  /** Draws every container of this plan and wave on the page (app.js may have replaced them). */
  function drawAll(planId, wave) {
    const entry = cache.get(`${planId}/${wave}`);
    if (!entry?.data) return;
    for (const container of document.querySelectorAll(".timeline")) {
      if (container.dataset.plan === planId && container.dataset.timeline === wave)
        draw(container, entry.data);
    }
  }

  async function load(planId, wave, status) {
    const key = `${planId}/${wave}`;
    const entry = cache.get(key) ?? {};
    entry.loading = true;
    cache.set(key, entry);
    try {
      const query = `wave=${encodeURIComponent(wave)}`;
      const response = await fetch(`/api/plans/${encodeURIComponent(planId)}/timeline?${query}`, {
        cache: "no-store",
        headers: { accept: "application/json" },
      });
      if (response.ok) {
        entry.data = await response.json();
        entry.status = status;
        entry.at = Date.now();
        drawAll(planId, wave);
      }
    } finally {
      entry.loading = false;
    }
  }

  /**
   * A wave's timeline: drawn now from the last answer; asked for again while the wave runs (at
   * most every 2 s) and once when its status changed. Nothing for a wave that has not started.
   */
  function waveTimeline(plan, wave) {
    if (
      wave.status === "pending" ||
      wave.status === "skipped" ||
      wave.status === "waiting-approval"
    )
      return null;
    const container = document.createElement("div");
    container.className = "timeline";
    container.dataset.plan = plan.id;
    container.dataset.timeline = wave.name;
    const entry = cache.get(`${plan.id}/${wave.name}`);
    if (entry?.data) draw(container, entry.data);
    const stale =
      !entry?.data ||
      entry.status !== wave.status ||
      (wave.status === "running" && Date.now() - entry.at >= FRESH_MS);
    if (stale && !entry?.loading) void load(plan.id, wave.name, wave.status).catch(() => undefined);
    return container;
  }

  window.viewTimeline = {
    waveTimeline,
    planEta: (plan) => etaSpan(plan.eta),
    waveEta: (wave) => etaSpan(wave.eta),
  };
})();
