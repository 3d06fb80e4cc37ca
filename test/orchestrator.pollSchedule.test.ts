import { afterEach, describe, expect, it } from "vitest";
import type { MigrationEventMap } from "../src/platform/events.ts";
import { type Harness, planOverSources, startHarness } from "./support/migrationHarness.ts";

/**
 * The poller asks about a tracked job when it is due (soon after a change, near its predicted
 * finish) and sweeps every tracked job once per sweep interval, instead of asking about every job
 * at every tick. Counted by the emulator, never by the orchestrator.
 *
 * At 600× the daemon's 100 ms poll is one emulated minute, the plan's `pollInterval`; the sweep
 * (1 s real) is ten of them. Jobs run 20 emulated minutes to hours: tens to hundreds of polls.
 */
const TIME_SCALE = 600;
const WORLD_POLL_MS = 60_000;
/** No reconcile during a test: its listing would be a sweep of its own. */
const NO_RECONCILE = { reconcileIntervalMs: 3_600_000 };

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function describeCalls(h: Harness): number {
  return h.emulator.stats().actions.DescribeReplicationJobs?.calls ?? 0;
}

/** Resolves with the first event of `name` that `match` accepts. */
function nextEvent<K extends keyof MigrationEventMap>(
  h: Harness,
  name: K,
  match: (event: MigrationEventMap[K]) => boolean,
): Promise<MigrationEventMap[K]> {
  return new Promise((resolve) => {
    const stop = h.events.on(name, (event) => {
      if (!match(event)) return;
      stop();
      resolve(event);
    });
  });
}

describe("ETA-driven polling", () => {
  it("notices each finish and admits the next server with far fewer calls than a poll of every job at every tick", async () => {
    // 1 GiB/s: jobs are mostly their fixed phases, 20–30 emulated minutes.
    const h = await startHarness(
      { sources: 6, quota: 2, timeScale: TIME_SCALE, bandwidthBytesPerSecond: 1024 ** 3 },
      { quota: 2 },
    );
    harness = h;
    const account = h.accounts.get("default");
    if (account) account.throughputBytesPerSecond = 1024 ** 3;
    const daemon = await h.startDaemon(NO_RECONCILE);
    const plan = await planOverSources(h.client, "eta", [6], {
      maxJobs: 2,
      pollIntervalMs: WORLD_POLL_MS,
    });
    const ended = h.waitForPlanEnd((await daemon.migrations.submit(plan)).planId);
    const before = describeCalls(h);
    expect(await ended).toBe("succeeded");

    const calls = describeCalls(h) - before;
    const jobs = h.emulator.timeline();
    expect(jobs).toHaveLength(6);
    // Six servers through two slots: each later one was admitted after an earlier one finished.
    expect(h.emulator.stats().highWater.existingJobs).toBe(2);
    // Asking about every tracked job at every tick costs a call per tick while any job exists.
    const first = Math.min(...jobs.map((job) => Date.parse(job.createdAt)));
    const last = Math.max(...jobs.map((job) => Date.parse(job.deletedAt ?? job.createdAt)));
    const everyTick = (last - first) / WORLD_POLL_MS;
    expect(everyTick).toBeGreaterThan(60);
    expect(calls).toBeLessThan(everyTick / 3);
    // Still one batched call per look, never one per job: no more calls than looks can explain.
    expect(calls).toBeGreaterThanOrEqual(jobs.length);
  });

  it("sweeps up a job that fell InError long before its predicted finish", async () => {
    const h = await startHarness(
      {
        sources: 1,
        quota: 2,
        timeScale: TIME_SCALE,
        bandwidthBytesPerSecond: 1024 ** 3,
        faults: { jobErrorRate: 1 },
      },
      { quota: 2 },
    );
    harness = h;
    // A throughput that predicts years: only the sweep looks at the job while it runs.
    const account = h.accounts.get("default");
    if (account) account.throughputBytesPerSecond = 1;
    const daemon = await h.startDaemon(NO_RECONCILE);
    const plan = await planOverSources(h.client, "in-error", [1], {
      maxJobs: 2,
      pollIntervalMs: WORLD_POLL_MS,
      jobRestarts: 0,
    });
    const { planId } = await daemon.migrations.submit(plan);
    expect(await h.waitForPlanEnd(planId)).toBe("failed");
    const [server] = (await daemon.migrations.getPlan(planId))?.waves[0]?.servers ?? [];
    expect(server?.status).toBe("failed");
    expect(server?.reason?.message).toMatch(/is InError/);
    expect(h.emulator.stats().jobsFailed).toBe(1);
    expect(h.emulator.stats().current.existingJobs).toBe(0);
  });

  it("sweeps up a job deleted outside smc-waves", async () => {
    const h = await startHarness(
      { sources: 1, quota: 2, timeScale: TIME_SCALE, bandwidthBytesPerSecond: 1024 ** 3 },
      { quota: 2 },
    );
    harness = h;
    const account = h.accounts.get("default");
    if (account) account.throughputBytesPerSecond = 1;
    const daemon = await h.startDaemon(NO_RECONCILE);
    const plan = await planOverSources(h.client, "deleted", [1], {
      maxJobs: 2,
      pollIntervalMs: WORLD_POLL_MS,
    });
    const created = nextEvent(h, "job:created", () => true);
    const { planId } = await daemon.migrations.submit(plan);
    const ended = h.waitForPlanEnd(planId);
    await created;
    const [job] = await h.client.describeAllReplicationJobs({});
    if (!job) throw new Error("expected the plan's job");
    // Someone stops it in the console (only while it copies) and deletes it.
    for (;;) {
      const stopped = await h.client.stopReplicationJob({ jobId: job.jobId }).then(
        () => true,
        () => false,
      );
      if (stopped) break;
      h.emulator.advanceClock(60_000);
    }
    await h.client.deleteReplicationJob({ jobId: job.jobId });

    expect(await ended).toBe("failed");
    const [server] = (await daemon.migrations.getPlan(planId))?.waves[0]?.servers ?? [];
    expect(server?.status).toBe("failed");
    // Seen gone by a sweep; a look in the instant between the stop and the delete sees it Stopped.
    expect(server?.reason?.code).toMatch(/NotFound|Stopped/);
    expect(h.emulator.stats().current.existingJobs).toBe(0);
  });
});
