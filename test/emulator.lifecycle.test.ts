/**
 * Jobs living their lives on the emulated clock, seen through pop-core: whole runs in a fraction of
 * a real second through the time scale, InError and restart, incremental runs, reproducible faults,
 * exact stats and the timeline, and the admin routes.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  type RunningEmulator,
  type SourceSpec,
  startEmulator,
} from "../src/emulator/startEmulator.ts";
import { admin, type Body, popClient, rejects, waitFor } from "./emulatorKit.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const running: RunningEmulator[] = [];
async function emulatorWith(
  options: Parameters<typeof startEmulator>[0],
): Promise<RunningEmulator> {
  const emulator = await startEmulator(options);
  running.push(emulator);
  return emulator;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

const hundredGiB: SourceSpec[] = Array.from({ length: 12 }, (_, i) => ({
  name: `vm-${i + 10}`,
  systemDiskGiB: 100,
}));

async function sourceIds(smc: ReturnType<typeof popClient>): Promise<string[]> {
  const answer = await smc.call("DescribeSourceServers", { PageSize: 50 });
  return answer.SourceServers.SourceServer.map((source: Body) => source.SourceId);
}

async function createAndStart(
  smc: ReturnType<typeof popClient>,
  sourceId: string,
  extra: Record<string, string | number | boolean> = {},
) {
  const { JobId } = await smc.call("CreateReplicationJob", {
    RegionId: "cn-hangzhou",
    SourceId: sourceId,
    SystemDiskSize: 100,
    ...extra,
  });
  await smc.call("StartReplicationJob", { JobId });
  return JobId as string;
}

function describeJob(smc: ReturnType<typeof popClient>, jobId: string): () => Promise<Body> {
  return async () =>
    (await smc.call("DescribeReplicationJobs", { "JobId.1": jobId })).ReplicationJobs
      .ReplicationJob[0];
}

describe("a job's whole life through the time scale", () => {
  it("runs create → start → Finished with progress rising to 100 and an image", async () => {
    // 36,000×: ten emulated hours per real second; a 100 GiB run (~1.5–2 h) takes ~0.2 s.
    const emulator = await emulatorWith({ sourceList: hundredGiB, timeScale: 36_000 });
    const smc = popClient(emulator);
    const [sourceId = ""] = await sourceIds(smc);
    const jobId = await createAndStart(smc, sourceId);
    const progress: number[] = [];
    const statuses = new Set<string>();
    const finished = await waitFor(describeJob(smc, jobId), (job) => {
      progress.push(job.Progress);
      statuses.add(job.Status === "Running" ? job.BusinessStatus : job.Status);
      return job.Status === "Finished";
    });
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
    // Which phases a poll lands in depends on the machine's load (the whole run is ~0.2 s real);
    // every phase is covered exactly in jobLifecycle.test.ts. Whatever was seen is a real phase.
    for (const status of statuses) {
      expect(["Ready", "Preparing", "Syncing", "Processing", "Cleaning", "Finished"]).toContain(
        status,
      );
    }
    expect(finished.ImageId).toMatch(/^m-[a-z0-9]{20}$/);
    expect(Date.parse(finished.EndTime) - Date.parse(finished.StartTime)).toBeGreaterThan(HOUR);
    expect(finished.ReplicationJobRuns.ReplicationJobRun).toHaveLength(1);
    const source = (await smc.call("DescribeSourceServers", { "SourceId.1": sourceId }))
      .SourceServers.SourceServer[0];
    expect(source.State).toBe("Available");
  });

  it("drops to InError with ErrorCode=InternalError and finishes after Start", async () => {
    const emulator = await emulatorWith({
      sourceList: hundredGiB,
      timeScale: 36_000,
      faults: { jobErrorRate: 1 },
    });
    const smc = popClient(emulator);
    const [sourceId = ""] = await sourceIds(smc);
    const jobId = await createAndStart(smc, sourceId);
    const failed = await waitFor(describeJob(smc, jobId), (job) => job.Status === "InError");
    expect(failed.ErrorCode).toBe("InternalError");
    expect(failed.Progress).toBeGreaterThan(0);
    emulator.setFaults({ jobErrorRate: 0 });
    await smc.call("StartReplicationJob", { JobId: jobId });
    const finished = await waitFor(describeJob(smc, jobId), (job) => job.Status === "Finished");
    expect(finished.ErrorCode).toBe("");
    expect(emulator.stats()).toMatchObject({ jobsFailed: 1, jobsFinished: 1 });
  });

  it("re-runs an incremental job Frequency hours after each run, Waiting in between", async () => {
    const emulator = await emulatorWith({ sourceList: hundredGiB, timeScale: 36_000 });
    const smc = popClient(emulator);
    const [sourceId = ""] = await sourceIds(smc);
    const jobId = await createAndStart(smc, sourceId, {
      RunOnce: false,
      Frequency: 2,
      MaxNumberOfImageToKeep: 3,
    });
    const job = await waitFor(
      describeJob(smc, jobId),
      (j) => j.ReplicationJobRuns.ReplicationJobRun.length >= 3,
    );
    const runs = job.ReplicationJobRuns.ReplicationJobRun;
    expect(runs.map((run: Body) => run.Type).slice(0, 3)).toEqual([
      "Manual",
      "Schedule",
      "Schedule",
    ]);
    expect(Date.parse(runs[1].StartTime) - Date.parse(runs[0].EndTime)).toBe(2 * HOUR);
    await waitFor(describeJob(smc, jobId), (j) => j.Status === "Waiting");
  });
});

describe("the source while its job runs", () => {
  it("is InUse while Running and Available after", async () => {
    const emulator = await emulatorWith({ sourceList: hundredGiB });
    const smc = popClient(emulator);
    const [sourceId = ""] = await sourceIds(smc);
    await createAndStart(smc, sourceId);
    const state = async () =>
      (await smc.call("DescribeSourceServers", { "SourceId.1": sourceId })).SourceServers
        .SourceServer[0].State;
    expect(await state()).toBe("InUse");
    expect((await smc.call("DescribeSourceServers", { State: "InUse" })).TotalCount).toBe(1);
    emulator.advanceClock(DAY);
    expect(await state()).toBe("Available");
  });
});

describe("faults", () => {
  async function outcomes(seed: number): Promise<string[]> {
    const emulator = await emulatorWith({
      sources: 2,
      seed,
      faults: { internalErrorRate: 0.3, throttlingRate: 0.2 },
    });
    const smc = popClient(emulator);
    const codes: string[] = [];
    for (let i = 0; i < 40; i++) {
      codes.push(
        await smc.call("DescribeSourceServers").then(
          () => "ok",
          (error: { code: string }) => error.code,
        ),
      );
    }
    return codes;
  }

  it("fails the same calls for the same seed and other calls for another seed", async () => {
    const first = await outcomes(11);
    expect(await outcomes(11)).toEqual(first);
    expect(await outcomes(12)).not.toEqual(first);
    expect(new Set(first)).toEqual(new Set(["ok", "InternalError", "Throttling.User"]));
  });

  it("fails the same job runs for the same seed", async () => {
    async function statuses(seed: number): Promise<string[]> {
      const emulator = await emulatorWith({
        sourceList: hundredGiB,
        seed,
        faults: { jobErrorRate: 0.5 },
      });
      const smc = popClient(emulator);
      const ids: string[] = [];
      for (const sourceId of await sourceIds(smc)) ids.push(await createAndStart(smc, sourceId));
      emulator.advanceClock(DAY);
      return Promise.all(ids.map(async (id) => (await describeJob(smc, id)()).Status));
    }
    const first = await statuses(21);
    expect(await statuses(21)).toEqual(first);
    expect(new Set(first)).toEqual(new Set(["InError", "Finished"]));
  });

  it("adds latency and can be changed at runtime, never touching admin routes", async () => {
    const emulator = await emulatorWith({
      sources: 1,
      faults: { internalErrorRate: 1, latencyMs: 30 },
    });
    const smc = popClient(emulator);
    const started = performance.now();
    await rejects(smc.call("DescribeSourceServers"), "InternalError", 500);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect((await admin(emulator, "health")).status).toBe(200);
    const put = await admin(emulator, "faults", {
      method: "PUT",
      body: JSON.stringify({ internalErrorRate: 0, latencyMs: 0 }),
    });
    expect(put.body).toMatchObject({ internalErrorRate: 0, latencyMs: 0 });
    expect((await smc.call("DescribeSourceServers")).TotalCount).toBe(1);
    const bad = await admin(emulator, "faults", {
      method: "PUT",
      body: JSON.stringify({ throttlingRate: 2, nope: 1 }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain("throttlingRate must be a number from 0 to 1, got 2");
    expect(bad.body.error).toContain('unknown fault "nope"');
    expect(() => emulator.setFaults({ jobErrorRate: -1 })).toThrow(/jobErrorRate/);
    expect(emulator.stats().calls).toBe(2);
  });
});

describe("stats and timeline", () => {
  it("takes high-water marks at the instant of each transition, also for transitions found late", async () => {
    const emulator = await emulatorWith({ sourceList: hundredGiB });
    const smc = popClient(emulator);
    const ids = await sourceIds(smc);
    const at = (ms: number) => `${new Date(emulator.clock.now() + ms).toISOString().slice(0, 19)}Z`;
    // A runs from +1 h for ~1.5–2 h; B starts at +2 h, so they overlap; C starts at +10 h, alone.
    for (const [i, offset] of [HOUR, 2 * HOUR, 10 * HOUR].entries()) {
      await smc.call("CreateReplicationJob", {
        RegionId: "cn-hangzhou",
        SourceId: ids[i] ?? "",
        SystemDiskSize: 100,
        ScheduledStartTime: at(offset),
      });
    }
    emulator.advanceClock(2 * DAY);
    const stats = emulator.stats();
    expect(stats.highWater).toEqual({
      existingJobs: 3,
      unfinishedJobsPerSource: 1,
      runningJobs: 2,
    });
    expect(stats.current).toEqual({ existingJobs: 3, unfinishedJobs: 0, runningJobs: 0 });
    expect(stats.jobsFinished).toBe(3);

    const timeline = emulator.timeline();
    expect(timeline).toHaveLength(3);
    for (const entry of timeline) {
      expect(entry.bytes).toBeGreaterThan(99 * 1024 ** 3);
      expect(Date.parse(entry.finishedAt ?? "") - Date.parse(entry.startedAt ?? "")).toBe(
        entry.runDurationMs,
      );
      expect(entry.runDurationMs).toBeGreaterThan(HOUR);
    }
    const jobId = (await smc.call("DescribeReplicationJobs", {})).ReplicationJobs.ReplicationJob[0]
      .JobId;
    await smc.call("DeleteReplicationJob", { JobId: jobId });
    const deleted = emulator.timeline().find((entry) => entry.jobId === jobId);
    expect(Math.abs(Date.parse(deleted?.deletedAt ?? "") - emulator.clock.now())).toBeLessThan(
      1000,
    );
    expect(deleted?.status).toBe("Deleted");
    expect(emulator.stats()).toMatchObject({ jobsDeleted: 1, current: { existingJobs: 2 } });
  });

  it("expires a job at its ValidTime and removes it 7 days later, freeing its slot", async () => {
    const emulator = await emulatorWith({ sourceList: hundredGiB, quota: 1 });
    const smc = popClient(emulator);
    const [a = "", b = ""] = await sourceIds(smc);
    const validTime = `${new Date(emulator.clock.now() + 8 * DAY).toISOString().slice(0, 19)}Z`;
    const { JobId } = await smc.call("CreateReplicationJob", {
      RegionId: "cn-hangzhou",
      SourceId: a,
      SystemDiskSize: 100,
      ValidTime: validTime,
    });
    emulator.advanceClock(9 * DAY);
    expect((await describeJob(smc, JobId)()).Status).toBe("Expired");
    await rejects(
      smc.call("CreateReplicationJob", {
        RegionId: "cn-hangzhou",
        SourceId: b,
        SystemDiskSize: 100,
      }),
      "QuotaExceeded.ReplicationJob",
    );
    emulator.advanceClock(7 * DAY);
    expect((await smc.call("DescribeReplicationJobs", {})).TotalCount).toBe(0);
    await smc.call("CreateReplicationJob", {
      RegionId: "cn-hangzhou",
      SourceId: b,
      SystemDiskSize: 100,
    });
    expect(emulator.stats()).toMatchObject({ jobsExpired: 1, jobsRemoved: 1, quotaRejections: 1 });
  });
});

describe("admin routes", () => {
  it("adds sources, sets their state, moves the clock, lists jobs and resets", async () => {
    const emulator = await emulatorWith({ sources: 2, seed: 4 });
    const smc = popClient(emulator);
    expect((await admin(emulator, "health")).body).toMatchObject({
      status: "ok",
      sources: 2,
      jobs: 0,
    });

    const added = await admin(emulator, "sources", {
      method: "POST",
      body: JSON.stringify({ name: "legacy-db", systemDiskGiB: 300, dataDiskGiB: [1000] }),
    });
    expect(added.status).toBe(201);
    const source = added.body[0];
    expect(source).toMatchObject({ Name: "legacy-db", SystemDiskSize: 300, State: "Available" });
    const bad = await admin(emulator, "sources", {
      method: "POST",
      body: JSON.stringify({ name: "9lives", systemDiskGiB: 900 }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain("sources[0].systemDiskGiB");
    expect(bad.body.error).toContain("(got 900)");

    const offline = await admin(emulator, `sources/${source.SourceId}/state`, {
      method: "POST",
      body: JSON.stringify({ state: "Unavailable" }),
    });
    expect(offline.body).toMatchObject({ State: "Unavailable", ErrorCode: "SourceServer.Offline" });
    expect(
      (
        await admin(emulator, `sources/${source.SourceId}/state`, {
          method: "POST",
          body: JSON.stringify({ state: "Gone" }),
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await admin(emulator, "sources/s-nothere/state", {
          method: "POST",
          body: JSON.stringify({ state: "Available" }),
        })
      ).status,
    ).toBe(404);
    expect((await smc.call("DescribeSourceServers", {})).TotalCount).toBe(3);

    const before = (await admin(emulator, "clock")).body.now;
    const moved = await admin(emulator, "clock", {
      method: "POST",
      body: JSON.stringify({ advanceMs: DAY }),
    });
    expect(moved.body.now - before).toBeGreaterThanOrEqual(DAY);

    const [first] = (await smc.call("DescribeSourceServers", {})).SourceServers.SourceServer;
    const { JobId } = await smc.call("CreateReplicationJob", {
      RegionId: "cn-hangzhou",
      SourceId: first.SourceId,
      // Generated sources have 20–500 GiB system disks; a smaller target cannot hold them.
      SystemDiskSize: first.SystemDiskSize,
      ClientToken: "tok-1",
    });
    await smc.call("DeleteReplicationJob", { JobId });
    const jobs = (await admin(emulator, "jobs")).body;
    expect(jobs).toEqual([
      expect.objectContaining({
        JobId,
        ClientToken: "tok-1",
        DeletedTime: expect.stringMatching(/Z$/),
      }),
    ]);
    expect((await admin(emulator, "stats")).body).toMatchObject({ jobsCreated: 1, jobsDeleted: 1 });
    expect((await admin(emulator, "timeline")).body).toHaveLength(1);
    expect((await admin(emulator, "sources")).body).toHaveLength(3);

    expect((await admin(emulator, "reset", { method: "POST" })).body).toEqual({
      status: "reset",
      sources: 2,
    });
    expect((await admin(emulator, "jobs")).body).toEqual([]);
    expect((await admin(emulator, "stats")).body.calls).toBe(0);
    expect((await admin(emulator, "nothing")).status).toBe(404);
  });
});
