import { afterEach, describe, expect, it } from "vitest";
import type { Orchestrator } from "../src/orchestrator/orchestrator.ts";
import type { CompiledPlan } from "../src/plan/compiledPlan.ts";
import {
  allServers,
  incrementalPlan,
  smallSources,
  standingClock,
  stepUntil,
  viewOf,
} from "./support/incrementalWorld.ts";
import { type Harness, startHarness } from "./support/migrationHarness.ts";

/**
 * How servers in sync end when no cut-over comes: a cancel (with and without --stop-running, under
 * `onFinish: delete` and `keep`), a job deleted outside smc-waves, and retry-failed afterwards.
 * Their jobs never finish on their own, so each path must clean them up (or say why it keeps
 * them), as the emulator's records show.
 */

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const START = Date.UTC(2030, 0, 7, 7, 0);
const STEP = 10 * 60_000;
const MANUAL = { mode: "manual", syncData: true, onTimeout: "wait" } as const;

async function inSync(
  h: Harness,
  policy: Partial<CompiledPlan["policy"]> = {},
  count = 2,
): Promise<{ daemon: Orchestrator; planId: string }> {
  const sources = await smallSources(h.client, count);
  const plan = incrementalPlan(
    "sync-ends",
    [{ name: "db", sources, incremental: { frequency: 1, cutover: MANUAL } }],
    policy,
  );
  const daemon = await h.startDaemon();
  const { planId } = await daemon.migrations.submit(plan);
  await stepUntil(
    h,
    "every server in sync",
    viewOf(daemon, planId),
    (view) => allServers(view).every((s) => s.status === "syncing" && (s.sync?.runs ?? 0) >= 2),
    { stepMs: STEP },
  );
  return { daemon, planId };
}

describe("servers in sync that are not cut over", () => {
  it("cancel without --stop-running: each job is deleted between runs, the servers end cancelled saying they were in sync", async () => {
    const h = await startHarness({ sources: 40, quota: 10, clock: standingClock(START) });
    harness = h;
    const { daemon, planId } = await inSync(h);
    await daemon.migrations.cancel(planId, { stopRunning: false });
    const view = await stepUntil(
      h,
      "the plan ends",
      viewOf(daemon, planId),
      (v) => v?.status === "cancelled",
      {
        stepMs: STEP,
      },
    );
    for (const server of allServers(view)) {
      expect(server.status).toBe("cancelled");
      expect(server.reason?.code).toBe("Cancelled.InSync");
      expect(server.reason?.message).toContain(`incremental job ${server.jobId} was deleted`);
    }
    const timeline = h.emulator.timeline();
    expect(timeline).toHaveLength(2);
    // Never cut over, never finished: deleted while Waiting, their slots free.
    expect(timeline.every((job) => job.finishedAt === null && job.deletedAt !== null)).toBe(true);
    expect(h.emulator.stats().cutOvers).toBe(0);
    expect(await daemon.migrations.quota()).toMatchObject([{ used: 0 }]);
  }, 120_000);

  it("cancel --stop-running: jobs mid-sync are stopped, the others deleted at once; nothing is left", async () => {
    const h = await startHarness({ sources: 40, quota: 10, clock: standingClock(START) });
    harness = h;
    const { daemon, planId } = await inSync(h, {}, 3);
    await daemon.migrations.cancel(planId, { stopRunning: true });
    const view = await stepUntil(
      h,
      "the plan ends",
      viewOf(daemon, planId),
      (v) => v?.status === "cancelled",
      {
        stepMs: 60_000,
      },
    );
    for (const server of allServers(view)) {
      expect(server.status).toBe("cancelled");
      expect(server.history.some((entry) => entry.event === "server:stopping")).toBe(true);
    }
    expect(h.emulator.timeline().every((job) => job.deletedAt !== null)).toBe(true);
    expect(await daemon.migrations.quota()).toMatchObject([{ used: 0 }]);
  }, 120_000);

  it("cancel under onFinish: keep keeps the syncing jobs, says so, and release deletes them", async () => {
    const h = await startHarness({ sources: 40, quota: 10, clock: standingClock(START) });
    harness = h;
    const { daemon, planId } = await inSync(h, { onFinish: "keep" });
    await daemon.migrations.cancel(planId, { stopRunning: false });
    const view = await stepUntil(
      h,
      "the plan ends",
      viewOf(daemon, planId),
      (v) => v?.status === "cancelled",
      {
        stepMs: STEP,
      },
    );
    for (const server of allServers(view)) {
      expect(server.reason?.code).toBe("Cancelled.InSyncKept");
      expect(server.reason?.message).toContain(`smc-waves release ${planId}`);
      expect(server.keptJob).toBeDefined();
    }
    expect(h.emulator.timeline().every((job) => job.deletedAt === null)).toBe(true);
    // A kept job still re-syncs: one mid-run cannot be deleted, and release says to come back.
    const deleted: string[] = [];
    await stepUntil(
      h,
      "every kept job released",
      async () => {
        const released = await daemon.migrations.release(planId);
        deleted.push(...(released?.deleted.map((job) => job.jobId) ?? []));
        for (const left of released?.remaining ?? []) expect(left.why).toContain("Running");
        return released?.remaining.length ?? -1;
      },
      (remaining) => remaining === 0,
      { stepMs: 5 * 60_000 },
    );
    expect(deleted.sort()).toEqual(
      allServers(view)
        .map((server) => server.jobId)
        .sort(),
    );
    expect(h.emulator.timeline().every((job) => job.deletedAt !== null)).toBe(true);
    expect(await daemon.migrations.quota()).toMatchObject([{ used: 0 }]);
  }, 120_000);

  it("a job deleted outside smc-waves fails its server; retry-failed starts it over, in sync again, then cut over", async () => {
    const h = await startHarness({ sources: 40, quota: 10, clock: standingClock(START) });
    harness = h;
    const { daemon, planId } = await inSync(h, {}, 1);
    const [server] = allServers(await daemon.migrations.getPlan(planId));
    await stepUntil(
      h,
      "the job between runs",
      async () =>
        (await h.client.describeReplicationJobs({ jobIds: [server?.jobId ?? ""] })).items[0],
      (job) => job?.status === "Waiting",
      { stepMs: 60_000 },
    );
    await h.client.deleteReplicationJob({ jobId: server?.jobId ?? "" });
    const failed = await stepUntil(
      h,
      "the plan fails",
      viewOf(daemon, planId),
      (v) => v?.status === "failed",
      {
        stepMs: STEP,
      },
    );
    expect(allServers(failed)[0]?.reason?.code).toBe("ReplicationJob.NotFound");

    await daemon.migrations.retryFailed(planId);
    const again = await stepUntil(
      h,
      "in sync again, its runs recorded",
      viewOf(daemon, planId),
      // The runs are recorded by the sync step right after the move: a view may fall in between.
      (v) => allServers(v)[0]?.status === "syncing" && allServers(v)[0]?.sync !== undefined,
      { stepMs: STEP },
    );
    const retried = allServers(again)[0];
    expect(retried?.jobId).not.toBe(server?.jobId);
    // The new job's runs only, never more than the service counts for it (the view may trail it
    // by a run): the old job's are not counted again.
    const [newJob] = (await h.client.describeReplicationJobs({ jobIds: [retried?.jobId ?? ""] }))
      .items;
    expect(retried?.sync?.runs).toBeGreaterThanOrEqual(1);
    expect(retried?.sync?.runs).toBeLessThanOrEqual(newJob?.replicationJobRuns.length ?? 0);
    await daemon.migrations.cutover(planId, { wave: "db" });
    const done = await stepUntil(
      h,
      "the plan ends",
      viewOf(daemon, planId),
      (v) => v?.status === "succeeded",
      {
        stepMs: STEP,
      },
    );
    expect(allServers(done)[0]?.cutover?.by).toBe("cli");
    const jobs = h.emulator.timeline();
    expect(jobs).toHaveLength(2);
    expect(jobs.every((job) => job.deletedAt !== null)).toBe(true);
    expect(h.emulator.stats().highWater.unfinishedJobsPerSource).toBe(1);
  }, 120_000);
});
