/**
 * What a job shows as of a moment, derived rather than stored: Progress and BusinessStatus of a run
 * and the time spent Running. Pure, like jobLifecycle.ts, which applies the transitions.
 */
import type { BusinessStatus } from "../smc/types.ts";
import type { JobRecord, RunPhases } from "./records.ts";

/** Derived fields (Progress, BusinessStatus) as of `now`. Mutates the draft. */
export function refresh(job: JobRecord, now: number): void {
  const run = job.run;
  if (job.status === "Finished") {
    job.progress = 100;
    job.businessStatus = "";
    return;
  }
  if (job.status === "Waiting") {
    job.progress = 100;
    job.businessStatus = "";
    return;
  }
  if (!run) {
    job.progress = job.status === "Expired" ? job.progress : 0;
    job.businessStatus = "";
    return;
  }
  const position =
    run.segmentStartedAt === null
      ? run.doneMs
      : Math.min(run.workMs, run.doneMs + (now - run.segmentStartedAt));
  // Two decimals like the service's Float; never 100 before the run is really over.
  job.progress = Math.min(99.99, Math.floor((position / run.workMs) * 10_000) / 100);
  job.businessStatus = job.status === "Running" ? phaseAt(run.phases, position) : "";
}

/** The business status at a work position within a run. */
export function phaseAt(phases: RunPhases, position: number): BusinessStatus {
  if (position < phases.preparing) return "Preparing";
  if (position < phases.preparing + phases.syncing) return "Syncing";
  if (position < phases.preparing + phases.syncing + phases.processing) return "Processing";
  return "Cleaning";
}

/** The job with Progress and BusinessStatus as of `now` (a copy when they change). */
export function withProgress(job: JobRecord, now: number): JobRecord {
  if (job.status !== "Running") return job;
  const next = { ...job };
  refresh(next, now);
  return next;
}

/** The emulated time a job spent Running up to `now`, the open segment included. */
export function runningTime(job: JobRecord, now: number): number {
  const open =
    job.status === "Running" && job.run?.segmentStartedAt != null
      ? now - job.run.segmentStartedAt
      : 0;
  return job.runningMs + Math.max(0, open);
}
