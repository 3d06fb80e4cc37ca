import type { PlanSummary, PlanView, ServerCounts } from "../orchestrator/views.ts";

const BAR_WIDTH = 24;

/** Servers that reached an end, of all servers: what a progress bar fills with. */
function done(counts: ServerCounts): { ended: number; total: number } {
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  return { ended: counts.succeeded + counts.failed + counts.cancelled, total };
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
  return `${plan.id}  ${plan.status.padEnd(9)}  ${ended}/${total} servers  (${tally(plan.counts) || "no servers"})${plan.reason ? `  — ${plan.reason}` : ""}`;
}

/** A plan with a line per wave: bars on a terminal, plain counts otherwise (logs, pipes). */
export function planReport(plan: PlanView, tty: boolean): string {
  const lines = [`plan ${plan.id}: ${plan.status}${plan.reason ? ` — ${plan.reason}` : ""}`];
  for (const wave of plan.waves) {
    const { ended, total } = done(wave.counts);
    const progress = tty ? `${bar(wave.counts)} ` : "";
    lines.push(
      `  ${wave.name.padEnd(24)} ${wave.status.padEnd(9)} ${progress}${ended}/${total}  ${tally(wave.counts)}`,
    );
    for (const server of wave.servers) {
      if (server.status !== "failed" && !(tty && server.status === "running")) continue;
      const what =
        server.status === "failed"
          ? `failed: ${server.lastError?.code ?? ""} ${server.lastError?.message ?? ""}`
          : `${server.jobStatus ?? "running"} ${server.progress}%`;
      lines.push(`      ${(server.name ?? server.key).padEnd(20)} ${server.jobId ?? ""} ${what}`);
    }
  }
  return lines.join("\n");
}

export function isEnded(status: string): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}
