import { afterEach, describe, expect, it } from "vitest";
import type { PlanView } from "../src/orchestrator/views.ts";
import { type Harness, planOverSources, startHarness } from "./support/migrationHarness.ts";
import { until } from "./support/until.ts";

/**
 * An SMC outage longer than the retry budget fails nothing: an unanswered create is an unknown
 * outcome, so servers wait (and say so) for as long as it lasts, then adopt what reached the
 * service. Throttling waits without using attempts, and says so too.
 */

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Turns the faults on the moment the first server is admitted, before its create goes out. */
function failOnFirstCreating(h: Harness, faults: Parameters<Harness["emulator"]["setFaults"]>[0]) {
  const stop = h.events.on("server:status", (event) => {
    if (event.status !== "creating") return;
    stop();
    h.emulator.setFaults(faults);
  });
}

const servers = (view: PlanView | undefined) => view?.waves.flatMap((wave) => wave.servers) ?? [];

/** A small budget: 3 attempts of a few ms, so an outage outlasts it at once. */
const SMALL_BUDGET = {
  retry: {
    maxAttempts: 3,
    baseDelayMs: 20,
    maxDelayMs: 200,
    throttleDelayMs: 20,
    maxThrottleRetries: 100,
  },
};

describe("an SMC outage", () => {
  it("outlasting the retry budget fails no server: they wait with the reason, then adopt the jobs that reached the service", async () => {
    harness = await startHarness({ sources: 8, quota: 8 });
    const plan = await planOverSources(harness.client, "through-outage", [6]);
    const daemon = await harness.startDaemon(SMALL_BUDGET);
    // The endpoint stops answering (half the calls after the action took effect) once the wave has
    // started and before any create: admission happens in Redis, the creates then meet the outage.
    failOnFirstCreating(harness, { unansweredRate: 1 });
    const { planId } = await daemon.migrations.submit(plan);
    // Wait past the budget: every server in flight has spent more attempts than it allows.
    const during = await until(
      "servers wait through the outage, far past the budget",
      () => daemon.migrations.getPlan(planId),
      (view) => {
        const inFlight = servers(view).filter((s) => s.status === "creating");
        return (
          inFlight.length === 6 &&
          inFlight.every((s) => s.waiting?.code === "Smc.Unreachable" && s.attempts >= 6)
        );
      },
    );
    expect(servers(during).some((s) => s.status === "failed")).toBe(false);
    expect(servers(during)[0]?.waiting?.message).toContain("as long as the outage lasts");

    const ended = harness.waitForPlanEnd(planId);
    harness.emulator.setFaults({ unansweredRate: 0 });
    expect(await ended).toBe("succeeded");
    // By the emulator's count: one job per server, whatever reached it during the outage; all
    // finished and deleted, none leaked.
    const timeline = harness.emulator.timeline();
    expect(new Set(timeline.map((job) => job.name)).size).toBe(timeline.length);
    expect(timeline).toHaveLength(6);
    expect(timeline.every((job) => job.deletedAt !== null)).toBe(true);
    expect(harness.emulator.stats().highWater.unfinishedJobsPerSource).toBe(1);
  });

  it("throttling waits without using attempts and shows it; the migration then completes", async () => {
    harness = await startHarness({ sources: 6, quota: 6 });
    const plan = await planOverSources(harness.client, "throttled", [3]);
    const daemon = await harness.startDaemon(SMALL_BUDGET);
    failOnFirstCreating(harness, { throttlingRate: 1 });
    const { planId } = await daemon.migrations.submit(plan);
    // More throttled calls than maxAttempts allows, and still creating: no attempt was used.
    await until(
      "servers wait on throttling past maxAttempts",
      () => daemon.migrations.getPlan(planId),
      (view) =>
        servers(view).some(
          (s) => s.status === "creating" && s.waiting?.code === "Smc.Throttled" && s.attempts > 3,
        ),
    );
    const ended = harness.waitForPlanEnd(planId);
    harness.emulator.setFaults({ throttlingRate: 0 });
    expect(await ended).toBe("succeeded");
    expect((await daemon.migrations.getPlan(planId))?.counts.succeeded).toBe(3);
  });
});
