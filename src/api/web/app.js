// The migration view: plans → waves → servers, polled from the JSON API every 2 s. No build step,
// no framework; every value from the API is written with textContent, never parsed as HTML.
// Authentication is the daemon's session cookie (HttpOnly: this script never sees the token, and
// no link carries it); when the API answers 401 the page shows a sign-in form once and waits.
// What the signed-in token may do comes from GET /api/session: only those buttons are drawn.

const REFRESH_MS = 2000;
const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);
/** Servers per page of a wave: a plan's summary has no servers, an opened wave pages them in. */
const PAGE_SIZE = 100;

/** Which plans and waves the operator has opened (or closed), kept across refreshes. */
const opened = new Map();
/** Per wave (`planId/wave`): the cursor of the page shown and those of the pages before it. */
const paging = new Map();
/** Per wave: its page as last fetched; a closed wave keeps it until it is opened again. */
const pages = new Map();

class SignInNeeded extends Error {}

async function api(path) {
  const response = await fetch(path, {
    cache: "no-store",
    headers: { accept: "application/json" },
  });
  if (response.status === 401) throw new SignInNeeded();
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.message ?? `${path} answered ${response.status}`);
  }
  return response.json();
}

function el(tag, options = {}, ...children) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = String(options.text);
  for (const [name, value] of Object.entries(options.attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

function badge(status) {
  return el("span", {
    className: `badge ${status}`,
    text: status,
    attrs: { "data-status": status },
  });
}

function pct(part, whole) {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0;
}

/** A bar of finished work: succeeded in green, failed and cancelled in red. */
function countsBar(counts, label) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const good = pct(counts.succeeded, total);
  const bad = pct(counts.failed + counts.cancelled, total);
  const bar = el("div", {
    className: "bar grow",
    attrs: {
      role: "progressbar",
      "aria-label": label,
      "aria-valuemin": "0",
      "aria-valuemax": "100",
      "aria-valuenow": String(Math.round(good + bad)),
      title: `${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.cancelled} cancelled of ${total}`,
    },
  });
  const done = el("span", { className: "done" });
  done.style.left = "0";
  done.style.width = `${good}%`;
  const failed = el("span", { className: "bad" });
  failed.style.left = `${good}%`;
  failed.style.width = `${bad}%`;
  bar.append(done, failed);
  return bar;
}

function fillBar(percent, label, extraClass = "") {
  const value = Math.max(0, Math.min(100, percent));
  const bar = el("div", {
    className: `bar ${extraClass}`,
    attrs: {
      role: "progressbar",
      "aria-label": label,
      "aria-valuemin": "0",
      "aria-valuemax": "100",
      "aria-valuenow": String(Math.round(value)),
    },
  });
  const fill = el("span", { className: "fill" });
  fill.style.width = `${value}%`;
  bar.append(fill);
  return bar;
}

function countsText(counts) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  return `${total} servers${parts.length ? ` · ${parts.join(", ")}` : ""}`;
}

function reasonText(reason) {
  if (!reason) return "";
  return reason.code ? `${reason.code}: ${reason.message}` : reason.message;
}

function time(epochMs) {
  return epochMs ? new Date(epochMs).toLocaleString() : "";
}

/** `onOpen` runs when the person opens it (not when a refresh draws it open). */
function collapsible(key, defaultOpen, summary, body, onOpen) {
  const details = el("details", {}, summary, body);
  let shown = opened.has(key) ? opened.get(key) : defaultOpen;
  details.open = shown;
  details.addEventListener("toggle", () => {
    opened.set(key, details.open);
    if (details.open && !shown) onOpen?.();
    shown = details.open;
  });
  return details;
}

function isWaveOpen(plan, wave) {
  const key = `${plan.id}/${wave.name}`;
  // Open while it runs, and while it waits for a person (its gate's Approve button is inside).
  return opened.has(key)
    ? opened.get(key)
    : wave.status === "running" || wave.status === "waiting-approval";
}

async function loadPage(plan, wave) {
  const key = `${plan.id}/${wave.name}`;
  const { cursor } = paging.get(key) ?? { cursor: "0", before: [] };
  const query = new URLSearchParams({ wave: wave.name, limit: String(PAGE_SIZE), cursor });
  pages.set(
    key,
    await api(`/api/plans/${encodeURIComponent(plan.id)}/servers?${query.toString()}`),
  );
}

/** Which servers of the wave are shown, and buttons to the pages before and after. */
function pager(plan, wave, page) {
  const key = `${plan.id}/${wave.name}`;
  const state = paging.get(key) ?? { cursor: "0", before: [] };
  const total = Object.values(wave.counts).reduce((a, b) => a + b, 0);
  const from = Number(state.cursor);
  const go = (next) => {
    paging.set(key, next);
    void loop();
  };
  const previous = el("button", { text: "‹ Previous", attrs: { type: "button" } });
  previous.disabled = state.before.length === 0;
  previous.addEventListener("click", () =>
    go({ cursor: state.before.at(-1) ?? "0", before: state.before.slice(0, -1) }),
  );
  const next = el("button", { text: "Next ›", attrs: { type: "button" } });
  next.disabled = page.nextCursor === undefined;
  next.addEventListener("click", () =>
    go({ cursor: page.nextCursor, before: [...state.before, state.cursor] }),
  );
  return el(
    "div",
    { className: "actions pager", attrs: { "data-pager": wave.name } },
    previous,
    el("span", {
      className: "muted",
      text: `servers ${Math.min(total, from + 1)}–${from + page.servers.length} of ${total}`,
    }),
    next,
  );
}

function renderQuota(accounts) {
  const section = document.getElementById("quota");
  section.replaceChildren();
  if (accounts.length === 0) section.append(el("p", { className: "notice", text: "No accounts." }));
  for (const q of accounts) {
    const running =
      q.runningLimit === undefined
        ? `${q.running} running`
        : `${q.running} of ${q.runningLimit} running`;
    section.append(
      el(
        "div",
        { className: "card row", attrs: { "data-account": q.account } },
        el("strong", { text: q.account }),
        fillBar(pct(q.used, q.limit), `quota ${q.account}`, "quota grow"),
        el("span", { className: "quota-text", text: `${q.used} of ${q.limit} slots used` }),
        el("span", { className: "muted", text: running }),
      ),
    );
  }
}

/** The image, and for an incremental server its runs and how old the newest is, or its cut-over. */
function imageText(s) {
  const image = s.imageId ?? "";
  if (s.cutover?.finishedAt) return `${image} (cut over by ${s.cutover.by})`;
  if (!s.sync) return image;
  const age =
    s.sync.ageMs === undefined ? "" : `, last ${Math.round(s.sync.ageMs / 60_000)} min ago`;
  return `${image} (${s.sync.runs} syncs${age})`;
}

function serverTable(servers, actionsOf = () => null) {
  const actions = servers.map(actionsOf);
  const withActions = actions.some(Boolean);
  const head = el(
    "tr",
    {},
    ...["Server", "Source", "Status", "Job", "Progress", "Image", "Attempts", "Reason"].map((h) =>
      el("th", { text: h }),
    ),
    withActions ? el("th", { text: "" }) : null,
  );
  const rows = servers.map((s, i) =>
    el(
      "tr",
      { attrs: { "data-server": s.key, "data-status": s.status } },
      el("td", { text: s.name ?? s.key }),
      el("td", { className: "mono", text: s.sourceId ?? "" }),
      el("td", {}, badge(s.status)),
      el("td", { className: "mono", text: s.jobId ?? "", attrs: { title: s.jobStatus ?? "" } }),
      el("td", {}, fillBar(s.progress, `progress ${s.key}`)),
      el("td", { className: "mono", text: imageText(s) }),
      el("td", {
        text: s.restarts ? `${s.attempts} (+${s.restarts} restarts)` : String(s.attempts),
      }),
      el("td", {
        className: "err",
        text: s.status === "failed" ? reasonText(s.reason) : "",
      }),
      withActions ? el("td", {}, actions[i]) : null,
    ),
  );
  return el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows));
}

function renderWave(plan, wave) {
  const summary = el(
    "summary",
    { className: "row" },
    el("strong", { text: wave.name }),
    badge(wave.status),
    countsBar(wave.counts, `wave ${wave.name}`),
    el("span", { className: "muted", text: countsText(wave.counts) }),
    viewTimeline.waveEta(wave),
  );
  const body = el("div", {});
  if (wave.reason) body.append(el("p", { className: "reason", text: reasonText(wave.reason) }));
  body.append(viewActions.waveActions(plan, wave));
  const timeline = viewTimeline.waveTimeline(plan, wave);
  if (timeline) body.append(timeline);
  const page = pages.get(`${plan.id}/${wave.name}`);
  if (page) {
    body.append(serverTable(page.servers, (s) => viewActions.serverActions(plan, wave, s)));
    if (page.nextCursor !== undefined || page.servers.length < (page.total ?? 0))
      body.append(pager(plan, wave, page));
  }
  return el(
    "div",
    { className: "wave", attrs: { "data-wave": wave.name, "data-status": wave.status } },
    // Opening a wave fetches its servers at once rather than at the next refresh.
    collapsible(`${plan.id}/${wave.name}`, isWaveOpen(plan, wave), summary, body, () => {
      void loop();
    }),
  );
}

function renderPlan(plan, view) {
  const summary = el(
    "summary",
    { className: "row" },
    el("span", { className: "plan-title", text: plan.name }),
    badge(plan.status),
    countsBar(plan.counts, `plan ${plan.name}`),
    el("span", { className: "muted", text: countsText(plan.counts) }),
    viewTimeline.planEta(plan),
  );
  const meta = el("p", {
    className: "muted",
    text: `${plan.id} · ${plan.regionId} · account ${plan.account} · submitted ${time(plan.submittedAt)}${
      plan.finishedAt ? ` · finished ${time(plan.finishedAt)}` : ""
    }`,
  });
  const body = el("div", {}, meta);
  if (plan.reason) body.append(el("p", { className: "reason", text: reasonText(plan.reason) }));
  for (const wave of (view ?? plan).waves) body.append(renderWave(plan, wave));
  if (view) body.append(viewActions.historySection(view));
  return el(
    "article",
    { className: "card", attrs: { "data-plan-id": plan.id, "data-status": plan.status } },
    collapsible(plan.id, !TERMINAL.has(plan.status), summary, body),
    viewActions.planActions(plan, view),
  );
}

async function refresh() {
  if (!viewActions.signedIn()) viewActions.showSession(await api("/api/session"));
  const [{ plans }, { accounts }] = await Promise.all([api("/api/plans"), api("/api/quota")]);
  // Each opened plan's summary (its waves, history and quota), and a page of servers of each of
  // its opened waves: what one refresh reads stays small whatever the plans' sizes.
  const isOpen = (plan) => (opened.has(plan.id) ? opened.get(plan.id) : !TERMINAL.has(plan.status));
  const views = new Map(
    await Promise.all(
      plans
        .filter(isOpen)
        .map(async (plan) => [plan.id, await api(`/api/plans/${encodeURIComponent(plan.id)}`)]),
    ),
  );
  await Promise.all(
    [...views.values()].flatMap((view) =>
      view.waves.filter((wave) => isWaveOpen(view, wave)).map((wave) => loadPage(view, wave)),
    ),
  );
  for (const view of views.values())
    for (const wave of view.waves) wave.servers = pages.get(`${view.id}/${wave.name}`)?.servers;
  renderQuota(accounts);
  const section = document.getElementById("plans");
  section.replaceChildren();
  if (plans.length === 0) {
    section.append(
      el("p", {
        className: "notice",
        text: viewActions.can("submit")
          ? "No plans yet. Submit one above, or: smc-waves submit plan.yaml"
          : "No plans yet.",
      }),
    );
  }
  const newestFirst = plans.slice().sort((a, b) => b.submittedAt - a.submittedAt);
  for (const plan of newestFirst) section.append(renderPlan(plan, views.get(plan.id)));
}

let timer;

async function loop() {
  clearTimeout(timer);
  const banner = document.getElementById("banner");
  const updated = document.getElementById("updated");
  try {
    await refresh();
    banner.replaceChildren();
    updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    if (error instanceof SignInNeeded) {
      viewActions.showSession(undefined);
      // Asked once: the refresh waits for the form instead of asking again every 2 s.
      showSignIn("");
      updated.textContent = "signed out";
      return;
    }
    banner.replaceChildren(el("div", { className: "card error-banner", text: error.message }));
    updated.textContent = "not updating";
  }
  timer = setTimeout(() => void loop(), REFRESH_MS);
}

function showSignIn(message) {
  document.getElementById("signin").hidden = false;
  document.getElementById("signin-error").textContent = message;
  document.getElementById("signin-token").focus();
}

async function signIn(event) {
  event.preventDefault();
  const input = document.getElementById("signin-token");
  const token = input.value.trim();
  // The token goes to the daemon once, which answers with an HttpOnly cookie; the page keeps nothing.
  input.value = "";
  const response = await fetch("/api/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  }).catch(() => undefined);
  if (response?.status === 204) {
    document.getElementById("signin").hidden = true;
    void loop();
  } else {
    showSignIn(
      response?.status === 401
        ? "That is not this daemon's token."
        : "The daemon did not answer; try again.",
    );
  }
}

document.getElementById("signin-form").addEventListener("submit", (event) => void signIn(event));
void loop();
