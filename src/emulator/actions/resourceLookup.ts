/** Finding the source or job a request names, with the [model] NotFound errors of MODEL.md. */
import type { EmulatorStore } from "../emulatorStore.ts";
import { ApiError } from "../errorCatalogue.ts";
import type { JobRecord, SourceRecord } from "../records.ts";

export function findSource(store: EmulatorStore, sourceId: string): SourceRecord {
  const source = store.sources.get(sourceId);
  if (!source)
    throw new ApiError(
      "InvalidSourceId.NotFound",
      `The specified SourceId "${sourceId}" does not exist.`,
    );
  return source;
}

export function findJob(store: EmulatorStore, jobId: string): JobRecord {
  const job = store.job(jobId);
  if (!job)
    throw new ApiError("InvalidJobId.NotFound", `The specified JobId "${jobId}" does not exist.`);
  return job;
}
