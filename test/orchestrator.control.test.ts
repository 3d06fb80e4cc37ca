import { afterEach, describe, expect, it } from "vitest";
import { PlanConflictError } from "../src/orchestrator/planErrors.ts";
import { type Harness, planOverSources, startHarness } from "./support/migrationHarness.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("plan control", () => {
  it("submitting the same plan twice is one plan and one job per server; other content under the same name is refused", async () => {
    harness = await startHarness({ sources: 6, quota: 10 });
    const plan = await planOverSources(harness.client, "twice", [3]);
    const daemon = await harness.startDaemon();
    const first = await daemon.migrations.submit(plan);
    const again = await daemon.migrations.submit(plan);
    expect(again).toEqual({ planId: first.planId, created: false, warnings: [] });
    await expect(
      daemon.migrations.submit({ ...plan, policy: { ...plan.policy, maxJobs: 1 } }),
    ).rejects.toBeInstanceOf(PlanConflictError);
    expect(await harness.waitForPlanEnd(first.planId)).toBe("succeeded");
    expect(harness.emulator.stats().jobsCreated).toBe(3);
    expect((await daemon.migrations.listPlans()).map((p) => p.id)).toEqual(["twice"]);
  });

  it("refuses a plan that keeps its finished jobs with more servers than the account's quota: it could never finish", async () => {
    harness = await startHarness({ sources: 8, quota: 3 });
    const plan = await planOverSources(harness.client, "keeps-too-many", [4], {
      onFinish: "keep",
      maxJobs: 10,
    });
    const daemon = await harness.startDaemon();
    await expect(daemon.migrations.submit(plan)).rejects.toThrow(
      /quota is 3 jobs and the plan has 4 servers: it would stop for good after 3/,
    );
    expect(await daemon.migrations.listPlans()).toEqual([]);
    // Within the quota it runs, and its kept jobs are named.
    const fits = await planOverSources(harness.client, "keeps-three", [3], { onFinish: "keep" });
    const { planId } = await daemon.migrations.submit(fits);
    expect(await harness.waitForPlanEnd(planId)).toBe("succeeded");
  });

  it("pause starts no new job while running ones finish; resume completes the plan", async () => {
    harness = await startHarness({ sources: 12, quota: 2 });
    const plan = await planOverSources(harness.client, "pausable", [8]);
    const daemon = await harness.startDaemon();
    const firstJob = new Promise<void>((resolve) => {
      const stop = harness?.events.on("job:created", () => {
        stop?.();
        resolve();
      });
    });
    const { planId } = await daemon.migrations.submit(plan);
    await firstJob;
    const atPause = await daemon.migrations.pause(planId);
    // Servers already admitted when the pause came go on; nothing else may start.
    const admitted =
      (atPause?.counts.creating ?? 0) +
      (atPause?.counts.running ?? 0) +
      (atPause?.counts.succeeded ?? 0);
    // Wait until nothing is in flight: every job created so far has finished.
    await new Promise<void>((resolve) => {
      const check = async () => {
        const view = await daemon.migrations.getPlan(planId);
        if (view && view.counts.creating + view.counts.running === 0) resolve();
        else setTimeout(() => void check(), 50);
      };
      void check();
    });
    const paused = await daemon.migrations.getPlan(planId);
    expect(paused?.status).toBe("paused");
    expect(paused?.waves[0]?.waiting?.code).toBe("Plan.Paused");
    expect(paused?.waves[0]?.servers.find((s) => s.status === "pending")?.waiting?.code).toBe(
      "Plan.Paused",
    );
    expect(paused?.counts.pending).toBeGreaterThan(0);
    expect(harness.emulator.stats().jobsCreated).toBe(admitted);

    const ended = harness.waitForPlanEnd(planId);
    await daemon.migrations.resume(planId);
    expect(await ended).toBe("succeeded");
    expect(harness.emulator.stats().jobsCreated).toBe(8);
  });

  it("cancel with stopRunning stops running jobs, deletes them, and leaves nothing held", async () => {
    // A slow copy keeps jobs in Syncing, the only state Stop accepts.
    harness = await startHarness({ sources: 8, quota: 2, timeScale: 60 });
    const plan = await planOverSources(harness.client, "cancellable", [6]);
    const daemon = await harness.startDaemon();
    const syncing = new Promise<void>((resolve) => {
      const check = async () => {
        const view = await daemon.migrations.getPlan("cancellable");
        if (view?.waves[0]?.servers.some((s) => s.businessStatus === "Syncing")) resolve();
        else setTimeout(() => void check(), 50);
      };
      void check();
    });
    await daemon.migrations.submit(plan);
    await syncing;
    const ended = harness.waitForPlanEnd("cancellable");
    const summary = await daemon.migrations.cancel("cancellable", { stopRunning: true });
    expect(summary?.status).toBe("cancelling");
    expect(await ended).toBe("cancelled");
    const view = await daemon.migrations.getPlan("cancellable");
    expect(view?.reason?.message).toContain("running jobs were stopped");
    expect(view?.finishedAt).toBeGreaterThan(0);
    expect(view?.waves[0]?.status).toBe("cancelled");
    expect(view?.waves[0]?.finishedAt).toBeGreaterThan(0);
    const servers = view?.waves[0]?.servers ?? [];
    expect(servers.every((s) => s.status === "cancelled" && s.reason?.message)).toBe(true);
    const stopped = servers.filter((s) => s.reason?.code === "Cancelled.JobDeleted");
    expect(stopped.length).toBeGreaterThanOrEqual(1);
    expect(stopped.every((s) => s.history.some((entry) => entry.event === "job:stopped"))).toBe(
      true,
    );
    // By the emulator's own count: every job the plan made was deleted, none was left behind.
    const timeline = harness.emulator.timeline();
    expect(timeline.length).toBe(stopped.length);
    expect(timeline.every((job) => job.deletedAt !== null)).toBe(true);
    expect(await harness.client.describeAllReplicationJobs({})).toEqual([]);
    expect(await daemon.migrations.quota()).toMatchObject([{ used: 0, running: 0 }]);
  });
});
