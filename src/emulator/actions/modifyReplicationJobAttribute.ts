/**
 * ModifyReplicationJobAttribute (rule 8): Name and Description any time; Frequency and
 * MaxNumberOfImageToKeep before the first run or while Waiting; ValidTime in Ready, Running,
 * Stopped, InError or Waiting; every other field only before the first run. The changed fields are
 * judged against the job they produce by the rules Create uses (jobConsistency.ts); a new Frequency
 * on a Waiting job moves its next run at once ([model], contract §5).
 */
import { ApiError } from "../errorCatalogue.ts";
import { rescheduleNextRun } from "../jobLifecycle.ts";
import type { JobRecord } from "../records.ts";
import { bytesToCopy } from "../sourceCatalogue.ts";
import type { ActionHandler } from "./actionContext.ts";
import { checkJobConsistency, withDefaultParts } from "./jobConsistency.ts";
import { type JobFields, readJobFields } from "./jobFields.ts";
import { findJob } from "./resourceLookup.ts";

const ANY_TIME: ReadonlySet<keyof JobFields> = new Set(["name", "description"]);
const BEFORE_RUN_OR_WAITING: ReadonlySet<keyof JobFields> = new Set([
  "frequency",
  "maxNumberOfImageToKeep",
]);
const VALID_TIME_STATUSES = new Set(["Ready", "Running", "Stopped", "InError", "Waiting"]);

export const modifyReplicationJobAttribute: ActionHandler = ({ store, params, now }) => {
  const job = findJob(store, params.required("JobId"));
  const fields = readJobFields(params, now, job.creationTime);
  const changed = new Set(Object.keys(fields) as Array<keyof JobFields>);
  const notRunYet = job.status === "Ready" && job.run === null && job.runs.length === 0;
  for (const key of changed) {
    if (ANY_TIME.has(key)) continue;
    const allowed =
      key === "validTime"
        ? VALID_TIME_STATUSES.has(job.status)
        : BEFORE_RUN_OR_WAITING.has(key)
          ? notRunYet || job.status === "Waiting"
          : notRunYet;
    if (!allowed) throw new ApiError("ReplicationJob.InvalidStatus");
  }
  if (
    fields.name &&
    [...store.jobs()].some((other) => other.jobId !== job.jobId && other.name === fields.name)
  ) {
    throw new ApiError("ReplicationJobName.Duplicate");
  }
  let merged = { ...job, ...fields } as JobRecord;
  const source = store.sources.get(job.sourceId);
  if (source) {
    if (fields.dataDisks) {
      merged.dataDisks = withDefaultParts(fields.dataDisks, source);
      merged.bytes = bytesToCopy(
        source,
        fields.dataDisks.map((disk) => disk.index),
      );
    }
    checkJobConsistency(merged, source, changed);
  }
  if (fields.frequency !== undefined && fields.frequency !== job.frequency) {
    merged = rescheduleNextRun(merged, now);
  }
  store.putJob(merged);
  return {};
};
