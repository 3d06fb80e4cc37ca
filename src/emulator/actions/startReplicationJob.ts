/**
 * StartReplicationJob (rule 4): only from Ready, Stopped or InError; the source must not be
 * Unavailable or Deleting. A Stopped or InError job resumes where its run stopped. With a running
 * cap set, a start past it answers QuotaExceeded.ReplicationJob ([model], MODEL.md).
 */

import type { EmulatorStore } from "../emulatorStore.ts";
import { ApiError } from "../errorCatalogue.ts";
import { startJob } from "../jobLifecycle.ts";
import type { ActionHandler } from "./actionContext.ts";
import { findJob } from "./resourceLookup.ts";

const STARTABLE = new Set(["Ready", "Stopped", "InError"]);

export const startReplicationJob: ActionHandler = ({ store, params, now }) => {
  const job = findJob(store, params.required("JobId"));
  if (!STARTABLE.has(job.status)) throw new ApiError("ReplicationJob.InvalidStatus");
  const source = store.sources.get(job.sourceId);
  if (source?.baseState !== "Available") throw new ApiError("SourceServerState.Invalid");
  checkRunningCap(store);
  const started = startJob(job, now, store.settings.simulation);
  store.putJob(started.job);
  store.applyEvents(started.events);
  return {};
};

/** [model] The running cap (off by default) refuses a caller's start past it. */
export function checkRunningCap(store: EmulatorStore): void {
  const cap = store.settings.maxRunningJobs;
  if (cap !== undefined && store.runningCount() >= cap) {
    store.stats.count("runningCapRejections");
    throw new ApiError(
      "QuotaExceeded.ReplicationJob",
      `The maximum number of running replication jobs (${cap}) is reached. Start the job when another one has finished.`,
    );
  }
}
