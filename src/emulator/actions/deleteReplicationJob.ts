/**
 * DeleteReplicationJob (rule 6). [model] Any status but Running may be deleted (a Running job must
 * be stopped, fail or finish first: ReplicationJob.InvalidStatus); deletion is immediate and frees
 * the job's quota slot and its source. The produced image stays (the ImageId is not reused).
 */
import { ApiError } from "../errorCatalogue.ts";
import type { ActionHandler } from "./actionContext.ts";
import { findJob } from "./resourceLookup.ts";

export const deleteReplicationJob: ActionHandler = ({ store, params, now }) => {
  const job = findJob(store, params.required("JobId"));
  if (job.status === "Running") throw new ApiError("ReplicationJob.InvalidStatus");
  store.deleteJob(job.jobId, now);
  return {};
};
