import { describe, expect, it } from "vitest";
import { jobBars } from "./jobBars.ts";
import type { ServerRecord } from "./store/storeRecords.ts";

const T = Date.parse("2026-12-01T00:00:00Z");
const MIN = 60_000;

function server(patch: Partial<ServerRecord>): ServerRecord {
  return {
    index: 0,
    wave: 0,
    key: "name:web-1",
    name: "web-1",
    status: "running",
    progress: 0,
    attempts: 0,
    retries: 0,
    throttles: 0,
    restarts: 0,
    sizeBytes: 0,
    createTried: true,
    startRequested: true,
    stopRequested: false,
    generation: 0,
    ...patch,
  };
}

describe("jobBars", () => {
  it("reads a finished job's create, start and delete from the history and its end from the service", () => {
    const bars = jobBars(
      server({
        status: "succeeded",
        jobId: "j-1",
        jobStatus: "Finished",
        jobEndTime: new Date(T + 50 * MIN).toISOString(),
      }),
      [
        { at: T - MIN, event: "server:creating" },
        { at: T, event: "job:created", detail: "j-1" },
        { at: T + MIN, event: "job:started", detail: "j-1" },
        { at: T + 20 * MIN, event: "job:restarted", detail: "InternalError (restart 1 of 3)" },
        { at: T + 52 * MIN, event: "job:deleted", detail: "j-1" },
        { at: T + 52 * MIN, event: "server:succeeded" },
      ],
    );
    expect(bars).toEqual([
      {
        server: "web-1",
        jobId: "j-1",
        status: "succeeded",
        created: T,
        started: T + MIN,
        finished: T + 50 * MIN,
        deleted: T + 52 * MIN,
      },
    ]);
  });

  it("gives a retried server a bar per job, the first ending when its server failed", () => {
    const bars = jobBars(server({ status: "running", jobId: "j-2", jobStatus: "Running" }), [
      { at: T, event: "job:created", detail: "j-1" },
      { at: T + MIN, event: "job:started", detail: "j-1" },
      { at: T + 9 * MIN, event: "server:failed", detail: "InError" },
      { at: T + 9 * MIN, event: "job:deleted", detail: "j-1" },
      { at: T + 30 * MIN, event: "server:pending" },
      { at: T + 31 * MIN, event: "job:adopted", detail: "j-2" },
      { at: T + 32 * MIN, event: "job:started", detail: "j-2" },
    ]);
    expect(bars).toEqual([
      {
        server: "web-1",
        jobId: "j-1",
        status: "failed",
        created: T,
        started: T + MIN,
        finished: T + 9 * MIN,
        deleted: T + 9 * MIN,
      },
      {
        server: "web-1",
        jobId: "j-2",
        status: "running",
        created: T + 31 * MIN,
        started: T + 32 * MIN,
      },
    ]);
  });

  it("marks an incremental job's cut-over and takes no EndTime of a run between syncs", () => {
    const bars = jobBars(
      server({
        status: "cutting-over",
        jobId: "j-1",
        jobStatus: "Running",
        jobEndTime: new Date(T + 40 * MIN).toISOString(),
      }),
      [
        { at: T, event: "job:created", detail: "j-1" },
        { at: T + MIN, event: "job:started", detail: "j-1" },
        { at: T + 41 * MIN, event: "server:syncing" },
        { at: T + 90 * MIN, event: "cutover:accepted", detail: "CutOverReplicationJob j-1" },
      ],
    );
    expect(bars).toEqual([
      {
        server: "web-1",
        jobId: "j-1",
        status: "cutting-over",
        created: T,
        started: T + MIN,
        cutover: T + 90 * MIN,
      },
    ]);
  });

  it("has no bar for a server that never had a job", () => {
    expect(jobBars(server({ status: "pending" }), [{ at: T, event: "server:pending" }])).toEqual(
      [],
    );
  });
});
