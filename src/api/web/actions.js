// The migration view's actions: who is signed in, the buttons their role allows (pause, resume,
// cancel, retry failed, release, approve a gate, cut over), the confirmations that say what will
// happen, submitting a plan file with its problems shown at their lines, and each plan's history.
// Loaded before app.js, whose helpers (el, api, badge, time, loop, SignInNeeded) it uses at run time.

/** GET /api/session: `{ name, role, open, actions, dashboard }`; undefined while signed out. */
let session;

/** Statuses whose server holds a job that is doing something. */
const IN_FLIGHT = ["creating", "running", "stopping", "syncing", "cutting-over"];
const ENDED_PLAN = new Set(["succeeded", "failed", "cancelled"]);

/** Whether the signed-in token's role allows `action` (as the daemon's routes declare it). */
function can(action) {
  return session?.actions.includes(action) === true;
}

function showSession(next) {
  session = next;
  const who = document.getElementById("whoami");
  who.replaceChildren();
  document.getElementById("submit").hidden = !can("submit");
  if (!session) return;
  who.append(
    el("span", {
      text: session.open ? "open daemon (no token)" : `${session.name} · ${session.role}`,
      attrs: { "data-role": session.role },
    }),
  );
  if (!session.open) {
    const out = el("button", { text: "Sign out", attrs: { type: "button", id: "sign-out" } });
    out.addEventListener("click", () => void signOut());
    who.append(out);
  }
  document.getElementById("link-dashboard").href = session.dashboard;
}

async function signOut() {
  await fetch("/api/session", { method: "DELETE" }).catch(() => undefined);
  showSession(undefined);
  void loop();
}

/** A failed action's answer, with its body (a 400's problems, a 409's message). */
class ActionFailed extends Error {
  constructor(status, body) {
    super(body.message ?? `the daemon answered ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    cache: "no-store",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  if (response.status === 401) throw new SignInNeeded();
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new ActionFailed(response.status, answer);
  return answer;
}

function showActionError(error) {
  const banner = document.getElementById("banner");
  banner.replaceChildren(
    el("div", {
      className: "card error-banner",
      text: error.message,
      attrs: { role: "alert", "data-action-error": String(error.status ?? "") },
    }),
  );
}

/** Runs an action, refreshes the page, and says why when the daemon refuses. */
async function act(button, path, body) {
  button.disabled = true;
  try {
    await post(path, body);
    document.getElementById("banner").replaceChildren();
  } catch (error) {
    if (error instanceof SignInNeeded) return void loop();
    showActionError(error);
    return;
  } finally {
    button.disabled = false;
  }
  await loop();
}

function actionButton(action, label, onClick, danger = false) {
  const button = el("button", {
    className: danger ? "action danger" : "action",
    text: label,
    attrs: { type: "button", "data-action": action },
  });
  button.addEventListener("click", () => void onClick(button));
  return button;
}

/**
 * Asks before an action that cannot be taken back. `option` adds a checkbox whose state changes
 * what will happen (`consequence(checked)`). Resolves with `{ ok, checked }`.
 */
function confirmDialog({ title, text, yes, option }) {
  const dialog = document.getElementById("confirm-dialog");
  const box = document.getElementById("confirm-option-box");
  const consequence = document.getElementById("confirm-consequence");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-yes").textContent = yes;
  document.getElementById("confirm-option").hidden = !option;
  box.checked = false;
  const explain = () => {
    consequence.textContent = option ? option.consequence(box.checked) : "";
  };
  box.onchange = explain;
  document.getElementById("confirm-option-label").textContent = option?.label ?? "";
  explain();
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => resolve({ ok: dialog.returnValue === "yes", checked: box.checked }),
      { once: true },
    );
  });
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What cancelling does to this plan's jobs, with or without stopping the running ones. */
function cancelConsequence(counts, stopRunning) {
  const running = IN_FLIGHT.reduce((sum, status) => sum + (counts[status] ?? 0), 0);
  const pending = counts.pending ?? 0;
  const rest = `${plural(pending, "pending server")} end cancelled at once; no new job starts.`;
  if (running === 0) return `No job is running. ${rest}`;
  return stopRunning
    ? `${plural(running, "job")} running will be stopped (only while Syncing: a job past that finishes), then deleted, or kept where the plan says onFinish: keep; their servers end cancelled. ${rest}`
    : `${plural(running, "job")} running will finish on their own and their servers end succeeded. ${rest}`;
}

const planPath = (plan, action) => `/api/plans/${encodeURIComponent(plan.id)}/${action}`;

/** The row of buttons under a plan: only what its status allows and the role may do. */
function planActions(plan, view) {
  const row = el("div", { className: "actions", attrs: { "data-plan-actions": plan.id } });
  const { status, counts } = plan;
  if (can("pause") && (status === "pending" || status === "running")) {
    row.append(actionButton("pause", "Pause", (b) => act(b, planPath(plan, "pause"))));
  }
  if (can("resume") && status === "paused") {
    row.append(actionButton("resume", "Resume", (b) => act(b, planPath(plan, "resume"))));
  }
  if (can("cancel") && !ENDED_PLAN.has(status) && status !== "cancelling") {
    row.append(
      actionButton(
        "cancel",
        "Cancel…",
        async (b) => {
          const answer = await confirmDialog({
            title: `Cancel plan ${plan.name}?`,
            text: "A cancelled plan starts no new job. It cannot be resumed; retry-failed runs its cancelled servers again once it has ended.",
            yes: "Cancel plan",
            option: {
              label: "Also stop the running jobs",
              consequence: (checked) => cancelConsequence(counts, checked),
            },
          });
          if (answer.ok) await act(b, planPath(plan, "cancel"), { stopRunning: answer.checked });
        },
        true,
      ),
    );
  }
  const retryable = (counts.failed ?? 0) + (counts.cancelled ?? 0) + (counts.skipped ?? 0);
  if (can("retry-failed") && ENDED_PLAN.has(status) && retryable > 0) {
    row.append(
      actionButton("retry-failed", "Retry failed…", async (b) => {
        const answer = await confirmDialog({
          title: `Retry plan ${plan.name}?`,
          text: `Puts back ${plural(retryable, "failed, cancelled or skipped server")} and runs their waves again; servers that succeeded stay as they are.`,
          yes: "Retry",
        });
        if (answer.ok) await act(b, planPath(plan, "retry-failed"));
      }),
    );
  }
  // Slots the ended plan still holds are the jobs it left in the account.
  const kept = view?.quota?.heldByPlan ?? 0;
  if (can("release") && ENDED_PLAN.has(status) && kept > 0) {
    row.append(
      actionButton(
        "release",
        "Release jobs…",
        async (b) => {
          const answer = await confirmDialog({
            title: `Release the jobs plan ${plan.name} left?`,
            text: `Deletes every replication job the plan left in the account (${plural(kept, "kept job")}), freeing their quota slots and sources. A job still running is listed, not deleted.`,
            yes: "Delete the jobs",
          });
          if (answer.ok) await act(b, planPath(plan, "release"));
        },
        true,
      ),
    );
  }
  const report = (rows, label) =>
    el("a", {
      text: label,
      attrs: {
        href: `${planPath(plan, "report")}?format=csv${rows ? `&rows=${rows}` : ""}`,
        download: "",
        "data-report": rows ?? "servers",
      },
    });
  row.append(report(undefined, "Report (CSV)"), report("actions", "Audit trail (CSV)"));
  return row;
}

/** A wave's gate: approve it while it waits (`POST …/approve {wave}`). */
function waveActions(plan, wave) {
  const row = el("div", { className: "actions", attrs: { "data-wave-actions": wave.name } });
  if (can("approve") && wave.status === "waiting-approval") {
    row.append(
      actionButton("approve", "Approve…", async (b) => {
        const answer = await confirmDialog({
          title: `Approve wave ${wave.name}?`,
          text: `Its servers start now, within the quota. Your name goes into the plan's history and report.`,
          yes: "Approve",
        });
        if (answer.ok) await act(b, planPath(plan, "approve"), { wave: wave.name });
      }),
    );
  }
  if (can("cutover") && wave.cutover?.mode === "manual" && wave.counts.syncing > 1) {
    row.append(
      cutoverButton(
        plan,
        wave,
        undefined,
        `every server of wave ${wave.name} in sync`,
        "Cut over wave…",
      ),
    );
  }
  return row;
}

/** A server in sync whose wave cuts over by hand (`cutover: manual`): cut it over. */
function serverActions(plan, wave, server) {
  if (!can("cutover") || wave.cutover?.mode !== "manual" || server.status !== "syncing")
    return null;
  if (server.cutover?.requestedBy)
    return el("span", { className: "muted", text: "cut-over asked" });
  const name = server.name ?? server.key;
  return cutoverButton(plan, wave, name, `server ${name}`, "Cut over…");
}

function cutoverButton(plan, wave, server, what, label) {
  return actionButton("cutover", label, async (b) => {
    const answer = await confirmDialog({
      title: `Cut over ${what}?`,
      text: "Each job runs its final sync (the source should be quiet by now) and ends with its image; the server then succeeds.",
      yes: "Cut over",
    });
    if (answer.ok) {
      await act(
        b,
        planPath(plan, "cutover"),
        server ? { wave: wave.name, server } : { wave: wave.name },
      );
    }
  });
}

/** The plan's history: every status change and every person's action, newest first. */
function historySection(view) {
  const entries = view.history.slice().reverse();
  const rows = entries.map((entry) =>
    el(
      "tr",
      { attrs: entry.by ? { "data-by": entry.by } : {} },
      el("td", { text: time(entry.at) }),
      el("td", { className: "mono", text: entry.event }),
      el("td", { text: entry.by ?? "" }),
      el("td", { text: entry.detail ?? "" }),
    ),
  );
  const table = el(
    "table",
    { className: "history" },
    el(
      "thead",
      {},
      el("tr", {}, ...["When", "What", "Who", "Detail"].map((h) => el("th", { text: h }))),
    ),
    el("tbody", {}, ...rows),
  );
  const summary = el("summary", { text: `History (${entries.length})` });
  return el(
    "div",
    { className: "wave", attrs: { "data-history": view.id } },
    collapsible(`${view.id}/history`, false, summary, table),
  );
}

// ---- Submitting a plan file: JSON {yaml, file}; a 400 lists problems with line and col, shown on
// the file's own lines.

/** Lines shown around each problem of a long file. */
const CONTEXT_LINES = 3;
/** A file up to this many lines is shown whole; a longer one around its problems only. */
const WHOLE_FILE_LINES = 300;

function planText(text, problems, className) {
  const lines = text.split(/\r?\n/);
  const byLine = new Map();
  for (const problem of problems) {
    const line = Math.min(Math.max(1, problem.line), lines.length);
    byLine.set(line, [...(byLine.get(line) ?? []), problem]);
  }
  const shown = (n) =>
    lines.length <= WHOLE_FILE_LINES ||
    [...byLine.keys()].some((line) => Math.abs(line - n) <= CONTEXT_LINES);
  const view = el("div", { className: `plan-text ${className}` });
  let skipped = false;
  lines.forEach((text, i) => {
    const n = i + 1;
    if (!shown(n)) {
      if (!skipped) view.append(el("div", { className: "line muted", text: "      …" }));
      skipped = true;
      return;
    }
    skipped = false;
    const found = byLine.get(n) ?? [];
    view.append(
      el(
        "div",
        {
          className: found.length ? "line problem-line" : "line",
          attrs: { "data-line": String(n) },
        },
        el("span", { className: "line-no", text: String(n) }),
        el("span", { text }),
      ),
    );
    for (const problem of found) {
      view.append(
        el("div", {
          className: "problem",
          text: `${problem.line}:${problem.col}  ${problem.message}`,
          attrs: { "data-problem-line": String(n) },
        }),
      );
    }
  });
  return view;
}

async function submitPlan(event) {
  event.preventDefault();
  const input = document.getElementById("submit-file");
  const result = document.getElementById("submit-result");
  const button = event.submitter ?? document.querySelector("#submit-form button");
  const file = input.files?.[0];
  if (!file) return;
  const yaml = await file.text();
  button.disabled = true;
  try {
    const answer = await post("/api/plans", { yaml, file: file.name });
    result.replaceChildren(
      el("p", {
        className: "submitted",
        text: `${answer.created ? "Submitted" : "Already submitted"}: plan ${answer.planId}`,
        attrs: { "data-submitted": answer.planId },
      }),
    );
    if (answer.warnings.length > 0) {
      result.append(
        el("p", { className: "muted", text: "Warnings (the plan runs; these servers wait):" }),
        planText(yaml, answer.warnings, "warnings"),
      );
    }
    input.value = "";
    await loop();
  } catch (error) {
    if (error instanceof SignInNeeded) return void loop();
    const problems = error.body?.problems;
    result.replaceChildren(
      el("p", {
        className: "reason",
        text: problems
          ? `${file.name}: ${plural(problems.length, "problem")}; nothing was submitted.`
          : `${file.name}: ${error.message}`,
        attrs: { "data-submit-error": String(error.status ?? "") },
      }),
    );
    if (problems) result.append(planText(yaml, problems, "problems"));
  } finally {
    button.disabled = false;
  }
}

document
  .getElementById("submit-form")
  .addEventListener("submit", (event) => void submitPlan(event));

/** What app.js calls; the one name this file adds to the page besides its own helpers. */
window.viewActions = {
  signedIn: () => session !== undefined,
  showSession,
  can,
  planActions,
  waveActions,
  serverActions,
  historySection,
};
