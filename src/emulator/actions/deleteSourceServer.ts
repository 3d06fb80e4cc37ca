/**
 * DeleteSourceServer (rule 7): refused while a related job is Running; related jobs in any other
 * state need Force=true, which deletes them too. [model] The source disappears at once (no lasting
 * Deleting state); a source an operator set to Deleting answers SourceServerState.Invalid.
 */
import { ApiError } from "../errorCatalogue.ts";
import type { ActionHandler } from "./actionContext.ts";
import { findSource } from "./resourceLookup.ts";

export const deleteSourceServer: ActionHandler = ({ store, params, now }) => {
  const source = findSource(store, params.required("SourceId"));
  const force = params.bool("Force") ?? false;
  if (source.baseState === "Deleting") throw new ApiError("SourceServerState.Invalid");
  const related = store.jobsOfSource(source.sourceId);
  if (related.some((job) => job.status === "Running"))
    throw new ApiError("SourceServer.WithRunningReplicationJob");
  if (related.length > 0 && !force) throw new ApiError("ReplicationJob.Related");
  for (const job of related) store.deleteJob(job.jobId, now);
  store.sources.delete(source.sourceId);
  store.tags.delete(`sourceserver/${source.sourceId}`);
  return {};
};
