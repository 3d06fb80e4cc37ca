import type { ReplicationJob } from "../smc/types.ts";
import type { ServerPatch } from "./store/serverStore.ts";
import type { ServerRecord } from "./store/storeRecords.ts";

/** What the poller stores for a tracked job that the service no longer lists. */
export const JOB_GONE = "Gone";

/** Statuses a waiting server job acts on; others only update progress. */
const ACTIONABLE = new Set(["Finished", "InError", "Expired", "Waiting", "Stopped", JOB_GONE]);

export type JobStateChange =
  /** Nothing to write. */
  | { kind: "none" }
  /** The server moved on (retried with a new job, or its plan is gone): stop watching the job. */
  | { kind: "untrack" }
  /** Store what the service said; `wake` when the server job has something to act on. */
  | { kind: "update"; patch: ServerPatch; wake: boolean };

/**
 * What one poll result means for the server that tracks the job. Pure: the poller reads the
 * servers of a batch at once, decides with this, and writes the batch at once.
 */
export function jobStateChange(
  server: ServerRecord | undefined,
  jobId: string,
  job: ReplicationJob | undefined,
): JobStateChange {
  // recordJob tracks a new job before it writes the job id on the server: a poll in between (on
  // any daemon) sees a creating server with no job id. Untracking the job then would leave it
  // unwatched for good and the server stuck running, so it stays tracked until the record is done.
  if (server?.status === "creating" && server.jobId === undefined) return { kind: "none" };
  if (!server || server.jobId !== jobId) return { kind: "untrack" };
  // A job last seen Finished with its image has migrated, whoever deleted it since (our own delete,
  // whose record a Redis failover lost): it stays Finished rather than becoming a failure.
  const finishedThenGone = !job && server.jobStatus === "Finished" && server.imageId !== undefined;
  const status = job?.status ?? (finishedThenGone ? "Finished" : JOB_GONE);
  const progress = Math.floor(job?.progress ?? server.progress);
  // An incremental job's next run can start and end between two polls: Waiting both times, with
  // only a new image to show for it. The server step records each run, so a new image wakes it.
  const newImage = (job?.imageId ?? "") !== "" && job?.imageId !== server.imageId;
  if (status === server.jobStatus && progress === server.progress && !newImage)
    return { kind: "none" };
  return {
    kind: "update",
    patch: {
      jobStatus: status,
      businessStatus: job?.businessStatus || null,
      progress,
      ...(job?.imageId ? { imageId: job.imageId } : {}),
      ...(job?.errorCode ? { jobErrorCode: job.errorCode, jobStatusInfo: job.statusInfo } : {}),
      ...(job?.startTime ? { jobStartTime: job.startTime } : {}),
      ...(job?.endTime ? { jobEndTime: job.endTime } : {}),
    },
    wake:
      (status !== server.jobStatus && ACTIONABLE.has(status)) || (newImage && status === "Waiting"),
  };
}
