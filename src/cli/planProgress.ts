import { isEnded as isEndedStatus, type PlanStatus } from "../lifecycle/statuses.ts";
import type { PlanSummary, ServerCounts, ServerView, WaveSummary } from "../orchestrator/views.ts";
import { etaText } from "./etaText.ts";

const BAR_WIDTH = 24;
/** Server lines shown per wave and kind; the rest are counted ("… and 12 more"). */
export const LINES_PER_KIND = 10;

/** A server as a page lists it: its history only on request. */
export type ServerRow = Omit<ServerView, "history">;

/**
 * A plan with, per wave, the servers a person must look at (or all of them, in-process). Failed and
 * running ones are counted from the wave's counts; of the others, a list longer than
 * LINES_PER_KIND says there are more.
 */
export interface PlanWithServers extends Omit<PlanSummary, "waves"> {
  waves: (WaveSummary & { servers: readonly ServerRow[] })[];
}

/** Servers that reached an end, of all servers: what a progress bar fills with. */
function done(counts: ServerCounts): { ended: number; total: number } {
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  return { ended: counts.succeeded + counts.failed + counts.cancelled + counts.skipped, total };
}

function bar(counts: ServerCounts): string {
  const { ended, total } = done(counts);
  const filled = total === 0 ? 0 : Math.round((ended / total) * BAR_WIDTH);
  return `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}]`;
}

function tally(counts: ServerCounts): string {
  return (Object.entries(counts) as [keyof ServerCounts, number][])
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
}

/** One line per plan, for `smc-waves status` without an id. */
export function planLine(plan: PlanSummary): string {
  const { ended, total } = done(plan.counts);
  const why = plan.waiting?.message ?? plan.reason?.message;
  const eta = plan.eta ? `  ${etaText(plan.eta)}` : "";
  return `${plan.id}  ${plan.status.padEnd(10)}  ${ended}/${total} servers  (${tally(plan.counts) || "no servers"})${eta}${why ? `  — ${why}` : ""}`;
}

/**
 * A plan with a line per wave, then the servers a person must look at: the failed (why), the
 * waiting (for what), the ones whose job stays in the account (why), and on a terminal the running
 * ones with their progress. Bars on a terminal, plain counts otherwise (logs, pipes).
 */
export function planReport(plan: PlanWithServers, tty: boolean): string {
  const why = plan.waiting?.message ?? plan.reason?.message;
  const lines = [`plan ${plan.id}: ${plan.status}${why ? ` — ${why}` : ""}`];
  if (plan.eta) lines.push(`  ${etaText(plan.eta)}, as of ${plan.eta.asOf.slice(11, 16)}`);
  for (const wave of plan.waves) {
    const { ended, total } = done(wave.counts);
    const progress = tty ? `${bar(wave.counts)} ` : "";
    lines.push(
      `  ${wave.name.padEnd(24)} ${wave.status.padEnd(9)} ${progress}${ended}/${total}  ${tally(wave.counts)}`,
    );
    const waveWhy =
      wave.waiting?.message ??
      (wave.status === "failed" || wave.status === "skipped" ? wave.reason?.message : undefined);
    if (waveWhy) lines.push(`      ${waveWhy}`);
    if (wave.eta) lines.push(`      ${etaText(wave.eta)}`);
    if (wave.gate?.approvedBy)
      lines.push(
        `      approved by ${wave.gate.approvedBy} at ${new Date(wave.gate.approvedAt ?? 0).toISOString()}`,
      );
    const shown: [string, readonly ServerRow[], (server: ServerRow) => string, number?][] = [
      [
        "failed",
        wave.servers.filter((s) => s.status === "failed"),
        (s) => `failed: ${reasonText(s)}`,
        wave.counts.failed,
      ],
      [
        "waiting",
        // A wave-wide reason is printed once above; servers with their own reason are listed.
        wave.servers.filter(
          (s) =>
            s.waiting &&
            s.waiting.message !== wave.waiting?.message &&
            s.waiting.message !== plan.waiting?.message,
        ),
        (s) => `waiting (${s.status}${syncNote(s)}): ${s.waiting?.message ?? ""}`,
      ],
      ["kept", wave.servers.filter((s) => s.keptJob), (s) => `job kept: ${s.keptJob ?? ""}`],
      [
        "running",
        tty ? wave.servers.filter((s) => s.status === "running" && !s.waiting) : [],
        (s) => `${s.jobStatus ?? "running"} ${s.progress}%`,
      ],
    ];
    for (const [kind, servers, describe, counted] of shown) {
      for (const server of servers.slice(0, LINES_PER_KIND)) {
        lines.push(
          `      ${(server.name ?? server.key).padEnd(20)} ${(server.jobId ?? "").padEnd(12)} ${describe(server)}`,
        );
      }
      if (counted !== undefined && counted > LINES_PER_KIND && servers.length > 0)
        lines.push(`      … and ${counted - LINES_PER_KIND} more ${kind}`);
      else if (counted === undefined && servers.length > LINES_PER_KIND)
        lines.push(`      … and more ${kind}`);
    }
  }
  return lines.join("\n");
}

/** `, 3 runs, last 2h5m ago` for a server in sync: how fresh its newest image is. */
function syncNote(server: ServerRow): string {
  if (!server.sync) return "";
  const age = server.sync.ageMs === undefined ? "" : `, last ${formatAge(server.sync.ageMs)} ago`;
  return `, ${server.sync.runs} run${server.sync.runs === 1 ? "" : "s"}${age}`;
}

function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h${minutes % 60}m` : `${Math.floor(hours / 24)}d${hours % 24}h`;
}

function reasonText(server: ServerRow): string {
  return [server.reason?.code, server.reason?.message].filter(Boolean).join(" ");
}

export function isEnded(status: PlanStatus): boolean {
  return isEndedStatus("plan", status);
}
