import { afterEach, describe, expect, it } from "vitest";
import { type Harness, planOverSources, startHarness } from "./support/migrationHarness.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("orchestrator under faults", () => {
  it("migrates every server with 20% transient errors, 5% throttling and 10% of job runs dropping to InError", async () => {
    harness = await startHarness({
      sources: 40,
      quota: 10,
      seed: 11,
      faults: { internalErrorRate: 0.2, throttlingRate: 0.05, jobErrorRate: 0.1 },
    });
    // The plan is read before the faults start: building it is not under test.
    harness.emulator.setFaults({ internalErrorRate: 0, throttlingRate: 0 });
    const plan = await planOverSources(harness.client, "faulty", [20, 20], { jobRestarts: 5 });
    harness.emulator.setFaults({ internalErrorRate: 0.2, throttlingRate: 0.05 });
    const daemon = await harness.startDaemon();
    const { planId } = await daemon.migrations.submit(plan);
    const ended = await harness.waitForPlanEnd(planId);
    const view = await daemon.migrations.getPlan(planId);
    const servers = view?.waves.flatMap((wave) => wave.servers) ?? [];
    const failures = servers.filter((server) => server.status !== "succeeded");
    expect({
      ended,
      reason: view?.reason,
      failures: failures.map((s) => [s.key, s.reason]),
    }).toEqual({
      ended: "succeeded",
      reason: undefined,
      failures: [],
    });
    expect(servers.filter((server) => server.status === "succeeded")).toHaveLength(40);

    const stats = harness.emulator.stats();
    // The faults really happened...
    expect(stats.errorCodes.InternalServerError ?? 0).toBeGreaterThan(0);
    expect(stats.errorCodes["Throttling.User"] ?? 0).toBeGreaterThan(0);
    expect(stats.jobsFailed).toBeGreaterThan(0);
    // ...and InError runs were restarted. A retried first start can also restart a job that
    // dropped to InError in between, so restarts counted by us are at most the emulator's failures.
    const restarts = servers.reduce((sum, server) => sum + server.restarts, 0);
    expect(restarts).toBeGreaterThan(0);
    expect(restarts).toBeLessThanOrEqual(stats.jobsFailed);
    // One job per server even though creates were answered 500 after taking effect: the ClientToken.
    expect(stats.jobsCreated).toBe(40);
    expect(new Set(harness.emulator.timeline().map((job) => job.sourceId)).size).toBe(40);
    expect(stats.highWater.existingJobs).toBeLessThanOrEqual(10);
    expect(stats.highWater.unfinishedJobsPerSource).toBe(1);
    expect(stats.quotaRejections).toBe(0);
    // onFinish is delete: a delete answered 500 is tried again, never left holding a quota slot.
    expect(servers.filter((server) => server.keptJob).map((s) => [s.key, s.keptJob])).toEqual([]);
    expect(harness.emulator.timeline().filter((job) => job.deletedAt === null)).toEqual([]);
  });
});
