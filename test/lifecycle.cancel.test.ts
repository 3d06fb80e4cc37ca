import { afterEach, describe, expect, it } from "vitest";
import { reportRows } from "../src/api/planReport.ts";
import type { Orchestrator } from "../src/orchestrator/orchestrator.ts";
import type { PlanView } from "../src/orchestrator/views.ts";
import { type Harness, planOverSources, startHarness } from "./support/migrationHarness.ts";
import { until } from "./support/until.ts";

/**
 * Cancel, with and without --stop-running, ends clean: every server and wave ends with a reason,
 * nothing holds a slot or a source that nothing owns, and a later plan over the same sources runs.
 * Judged by the emulator's own records, not the orchestrator's.
 */

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const servers = (view: PlanView | undefined) => view?.waves.flatMap((wave) => wave.servers) ?? [];

async function syncing(daemon: Orchestrator, planId: string): Promise<void> {
  await until(
    "a job Syncing",
    () => daemon.migrations.getPlan(planId),
    (view) => servers(view).some((s) => s.businessStatus === "Syncing"),
  );
}

describe("cancel", () => {
  it("without --stop-running lets running jobs finish as succeeded, cancels the rest, and frees every source", async () => {
    // Slow enough that jobs are mid-copy when the cancel comes.
    harness = await startHarness({ sources: 12, quota: 2, timeScale: 600 });
    const plan = await planOverSources(harness.client, "let-finish", [3, 3]);
    const daemon = await harness.startDaemon();
    const { planId } = await daemon.migrations.submit(plan);
    await syncing(daemon, planId);
    const ended = harness.waitForPlanEnd(planId);
    const atCancel = await daemon.migrations.cancel(planId, { stopRunning: false });
    expect(atCancel?.status).toBe("cancelling");
    expect(await harness.fastForward(ended)).toBe("cancelled");

    const view = await daemon.migrations.getPlan(planId);
    expect(view?.finishedAt).toBeGreaterThan(0);
    expect(view?.reason?.message).toContain("let finish");
    expect(view?.waves.map((w) => [w.status, w.finishedAt !== undefined])).toEqual([
      ["cancelled", true],
      ["cancelled", true],
    ]);
    const migrated = servers(view).filter((s) => s.status === "succeeded");
    const notStarted = servers(view).filter((s) => s.status === "cancelled");
    expect(migrated.length + notStarted.length).toBe(6);
    expect(migrated.length).toBeGreaterThanOrEqual(1);
    // A job that finished after the cancel has its image, and the report says so.
    for (const server of migrated) {
      expect(server.imageId).toMatch(/^m-/);
      expect(server.reason?.message).toBe(`image ${server.imageId}`);
    }
    for (const server of notStarted) expect(server.reason?.code).toBe("Cancelled.NotStarted");
    const rows = reportRows(view as PlanView);
    expect(rows.filter((row) => row.status === "succeeded").every((row) => row.imageId)).toBe(true);

    // The emulator: every job the plan made finished and was deleted; nothing holds the quota.
    const timeline = harness.emulator.timeline();
    expect(timeline).toHaveLength(migrated.length);
    expect(timeline.every((job) => job.finishedAt !== null && job.deletedAt !== null)).toBe(true);
    expect(await daemon.migrations.quota()).toMatchObject([{ used: 0, running: 0 }]);

    // A later plan over the very same sources starts at once and succeeds: no lock was left.
    const again = await daemon.migrations.submit({ ...plan, name: "same-sources" });
    expect(again.warnings).toEqual([]);
    expect(await harness.fastForward(harness.waitForPlanEnd(again.planId))).toBe("succeeded");
  });

  it("with --stop-running under onFinish: keep keeps the stopped jobs, names them, holds their sources for them until released", async () => {
    harness = await startHarness({ sources: 8, quota: 4, timeScale: 60 });
    const plan = await planOverSources(harness.client, "keep-stopped", [3], { onFinish: "keep" });
    const daemon = await harness.startDaemon();
    const { planId } = await daemon.migrations.submit(plan);
    await syncing(daemon, planId);
    const ended = harness.waitForPlanEnd(planId);
    await daemon.migrations.cancel(planId, { stopRunning: true });
    expect(await ended).toBe("cancelled");

    const view = await daemon.migrations.getPlan(planId);
    const kept = servers(view).filter((s) => s.keptJob);
    expect(kept.length).toBeGreaterThanOrEqual(1);
    for (const server of kept) {
      expect(server.status).toBe("cancelled");
      expect(server.reason?.code).toBe("Cancelled.JobKept");
      expect(server.keptJob).toContain(server.jobId);
      expect(server.keptJob).toContain(`smc-waves release ${planId}`);
    }
    const rows = reportRows(view as PlanView);
    expect(rows.filter((row) => row.keptJob).map((row) => row.jobId)).toEqual(
      kept.map((s) => s.jobId),
    );
    const jobs = (await daemon.migrations.accountJobs("default")) ?? [];
    expect(
      jobs
        .filter((job) => job.leftBehind)
        .map((job) => job.jobId)
        .sort(),
    ).toEqual(kept.map((s) => s.jobId).sort());

    // Another plan listing a kept job's source waits for it, saying whose job and how to free it.
    const heldName = kept[0]?.name ?? "";
    const first = plan.waves[0];
    if (!first) throw new Error("the plan has no wave");
    const second = await daemon.migrations.submit({
      ...plan,
      name: "after-keep",
      policy: { ...plan.policy, onFinish: "delete" },
      waves: [{ ...first, servers: first.servers.filter((s) => s.ref.name === heldName) }],
    });
    const waiting = await until(
      "the second plan's server waits for the kept job",
      async () => servers(await daemon.migrations.getPlan(second.planId))[0],
      (server) => server?.waiting?.code === "SourceHeld.Kept",
    );
    expect(waiting?.waiting?.message).toContain(kept[0]?.jobId ?? "?");
    expect(waiting?.waiting?.message).toContain(`smc-waves release ${planId}`);

    const released = await daemon.migrations.release(planId);
    expect(released?.deleted.map((job) => job.jobId).sort()).toEqual(
      kept.map((s) => s.jobId).sort(),
    );
    expect(await harness.fastForward(harness.waitForPlanEnd(second.planId))).toBe("succeeded");
    // Release is idempotent, and the first plan's jobs are gone from the account.
    expect((await daemon.migrations.release(planId))?.deleted).toEqual([]);
    const names = (await harness.client.describeAllReplicationJobs({})).map((job) => job.name);
    expect(names.filter((name) => name.startsWith(`sw-${planId}-`))).toEqual([]);
  });
});
