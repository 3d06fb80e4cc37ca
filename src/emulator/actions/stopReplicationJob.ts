/** StopReplicationJob (rule 5): only while Running in the Syncing phase. */
import { ApiError } from "../errorCatalogue.ts";
import { stopJob } from "../jobLifecycle.ts";
import type { ActionHandler } from "./actionContext.ts";
import { findJob } from "./resourceLookup.ts";

export const stopReplicationJob: ActionHandler = ({ store, params, now }) => {
  const job = findJob(store, params.required("JobId"));
  if (job.status !== "Running" || job.businessStatus !== "Syncing")
    throw new ApiError("ReplicationJob.InvalidStatus");
  const stopped = stopJob(job, now);
  store.putJob(stopped.job);
  store.applyEvents(stopped.events);
  return {};
};
