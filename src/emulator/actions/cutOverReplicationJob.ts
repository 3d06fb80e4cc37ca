/**
 * CutOverReplicationJob (contract §5): ends an incremental job between two runs. Only while
 * Waiting; any other status is ReplicationJob.InvalidStatus ([model]). SyncData=true (default false)
 * first runs one last synchronisation, so it needs what a Start needs ([model]): a source that is
 * not Unavailable or Deleting, and room under the running cap.
 */
import { ApiError } from "../errorCatalogue.ts";
import { cutOverJob } from "../jobLifecycle.ts";
import type { ActionHandler } from "./actionContext.ts";
import { findJob } from "./resourceLookup.ts";
import { checkRunningCap } from "./startReplicationJob.ts";

export const cutOverReplicationJob: ActionHandler = ({ store, params, now }) => {
  const job = findJob(store, params.required("JobId"));
  const syncData = params.bool("SyncData") ?? false;
  if (job.status !== "Waiting") throw new ApiError("ReplicationJob.InvalidStatus");
  if (syncData) {
    if (store.sources.get(job.sourceId)?.baseState !== "Available")
      throw new ApiError("SourceServerState.Invalid");
    checkRunningCap(store);
  }
  const cutOver = cutOverJob(job, now, syncData, store.settings.simulation);
  store.putJob(cutOver.job);
  store.stats.count("cutOvers");
  store.applyEvents(cutOver.events);
  return {};
};
