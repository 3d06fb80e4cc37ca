import { describe, expect, it } from "vitest";
import type { ReplicationJob } from "../smc/types.ts";
import { JOB_GONE, jobStateChange } from "./jobStateChange.ts";
import type { ServerRecord } from "./store/storeRecords.ts";

const server = (patch: Partial<ServerRecord>): ServerRecord =>
  ({
    index: 0,
    wave: 0,
    key: "k",
    status: "running",
    jobId: "j-1",
    jobStatus: "Running",
    progress: 40,
    generation: 0,
    ...patch,
  }) as ServerRecord;
const job = (patch: Partial<ReplicationJob>): ReplicationJob =>
  ({
    jobId: "j-1",
    status: "Running",
    businessStatus: "Syncing",
    progress: 40,
    imageId: "",
    errorCode: "",
    statusInfo: "",
    startTime: "",
    endTime: "",
    ...patch,
  }) as ReplicationJob;

describe("jobStateChange", () => {
  it("writes nothing when neither status nor progress moved", () => {
    expect(jobStateChange(server({}), "j-1", job({ progress: 40.7 }))).toEqual({ kind: "none" });
  });

  it("stores progress without waking the server job", () => {
    expect(jobStateChange(server({}), "j-1", job({ progress: 55 }))).toMatchObject({
      kind: "update",
      patch: { progress: 55, jobStatus: "Running" },
      wake: false,
    });
  });

  it("wakes the server job when the job finished, with its image", () => {
    const change = jobStateChange(
      server({}),
      "j-1",
      job({ status: "Finished", businessStatus: "", progress: 100, imageId: "m-1" }),
    );
    expect(change).toMatchObject({
      kind: "update",
      wake: true,
      patch: { jobStatus: "Finished", imageId: "m-1", businessStatus: null },
    });
  });

  it("wakes a server in sync for a new image even when every poll saw the job Waiting", () => {
    const inSync = server({
      status: "syncing",
      jobStatus: "Waiting",
      progress: 100,
      imageId: "m-1",
    });
    expect(
      jobStateChange(inSync, "j-1", job({ status: "Waiting", progress: 100, imageId: "m-1" })),
    ).toEqual({ kind: "none" });
    expect(
      jobStateChange(inSync, "j-1", job({ status: "Waiting", progress: 100, imageId: "m-2" })),
    ).toMatchObject({ kind: "update", wake: true, patch: { imageId: "m-2" } });
    // A new image seen mid-run (the cut-over's final sync started) is stored, not acted on yet.
    expect(
      jobStateChange(inSync, "j-1", job({ status: "Running", progress: 10, imageId: "m-2" })),
    ).toMatchObject({ kind: "update", wake: false });
  });

  it("keeps the job's ErrorCode when it lands in InError", () => {
    const change = jobStateChange(
      server({}),
      "j-1",
      job({ status: "InError", errorCode: "InternalError", statusInfo: "{}" }),
    );
    expect(change).toMatchObject({
      kind: "update",
      wake: true,
      patch: { jobErrorCode: "InternalError", jobStatusInfo: "{}" },
    });
  });

  it("reports a job the service no longer lists as gone", () => {
    expect(jobStateChange(server({}), "j-1", undefined)).toMatchObject({
      kind: "update",
      wake: true,
      patch: { jobStatus: JOB_GONE },
    });
  });

  it("stops watching a job its server no longer has", () => {
    expect(jobStateChange(server({ jobId: "j-2" }), "j-1", job({}))).toEqual({ kind: "untrack" });
    expect(jobStateChange(undefined, "j-1", job({}))).toEqual({ kind: "untrack" });
  });

  it("keeps watching a job whose server is still recording it", () => {
    expect(
      jobStateChange(server({ status: "creating", jobId: undefined }), "j-1", job({})),
    ).toEqual({ kind: "none" });
  });

  it("keeps a job that finished with its image Finished when it is gone later, instead of a failure", () => {
    const finished = server({ jobStatus: "Finished", imageId: "m-1", progress: 100 });
    expect(jobStateChange(finished, "j-1", undefined)).toEqual({ kind: "none" });
    // Gone before anyone saw it finish: that is someone else's delete.
    expect(jobStateChange(server({}), "j-1", undefined)).toMatchObject({
      kind: "update",
      patch: { jobStatus: JOB_GONE },
      wake: true,
    });
  });
});
