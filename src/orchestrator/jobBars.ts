import type { ServerStatus } from "../lifecycle/statuses.ts";
import type { ServerRecord } from "./store/storeRecords.ts";
import type { JobBar } from "./timelineView.ts";
import type { HistoryEntry } from "./views.ts";

const ENDS = new Set(["server:succeeded", "server:failed", "server:cancelled"]);

/**
 * A server's jobs from its history (each `job:created` or `job:adopted` opens one) and its record
 * (the service's EndTime of the current job, its status). Pure: the timeline route and its tests.
 */
export function jobBars(server: ServerRecord, history: readonly HistoryEntry[]): JobBar[] {
  const label = server.name ?? server.key;
  const bars: (JobBar & { ended?: number })[] = [];
  const byJob = (jobId: string | undefined) =>
    bars.find((bar) => jobId !== undefined && bar.jobId === jobId) ?? bars.at(-1);
  for (const entry of history) {
    const { event, at, detail } = entry;
    if (event === "job:created" || event === "job:adopted") {
      if (detail && !bars.some((bar) => bar.jobId === detail))
        bars.push({ server: label, jobId: detail, status: "running", created: at });
      continue;
    }
    const current = bars.at(-1);
    if (!current) continue;
    if (event === "job:started") {
      const bar = byJob(detail);
      if (bar && bar.started === undefined) bar.started = at;
    } else if (event === "cutover:accepted") {
      current.cutover ??= at;
    } else if (event === "job:deleted" || event === "job:gone") {
      const bar = byJob(detail);
      if (bar) bar.deleted ??= at;
    } else if (event === "job:released") {
      // "<jobId> (<status>) deleted by <name>"
      const bar = byJob(detail?.split(" ")[0]);
      if (bar) bar.deleted ??= at;
    } else if (ENDS.has(event)) {
      current.status = event.slice("server:".length) as ServerStatus;
      current.ended ??= at;
    }
  }
  const current = bars.at(-1);
  if (current && current.jobId === server.jobId) {
    current.status = server.status;
    // The service's own EndTime once the job is Finished (an incremental job's, only after its
    // cut-over): between runs of an incremental job it is the last run's end, not the job's.
    const serviceEnd = Date.parse(server.jobEndTime ?? "");
    if (server.jobStatus === "Finished" && Number.isFinite(serviceEnd))
      current.finished = serviceEnd;
  }
  return bars.map(({ ended, ...bar }) =>
    bar.finished === undefined && ended !== undefined ? { ...bar, finished: ended } : bar,
  );
}
