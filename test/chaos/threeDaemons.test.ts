import { afterEach, describe, expect, it } from "vitest";
import { type ChaosWorld, cleanVerdict, emulatorVerdict, startChaosWorld } from "./chaosWorld.ts";

/**
 * Invariant 4 of the orchestrator: several daemons on one Redis share a migration with no
 * coordination beyond Redis, and the quota and one-job-per-source rules hold across all of them.
 * Judged by the emulator's own counts and timeline.
 */

const TEST_TIMEOUT_MS = 90_000;
const PLAN_DEADLINE_MS = 75_000;

let world: ChaosWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("chaos: three daemons on one Redis prefix", () => {
  it(
    "migrate a 300-server, 3-wave plan within a quota of 100, each doing part of the work",
    async () => {
      const quota = 100;
      // 3,600×: a job lasts a few seconds, longer than admitting a hundred servers takes, and the
      // first wave has half as many servers again as the quota: the quota is really contended.
      world = await startChaosWorld({ sources: 300, quota, timeScale: 3_600 });
      const w = world;
      const daemons = await Promise.all([w.fleet.start(), w.fleet.start(), w.fleet.start()]);
      const { planId, servers } = await w.submit("three-daemons", [150, 100, 50]);
      const plan = await w.waitForEnd(planId, PLAN_DEADLINE_MS);

      expect(emulatorVerdict(w, plan, servers), w.fleet.diagnostics(10)).toEqual(
        cleanVerdict(servers),
      );
      const { highWater } = w.emulator.stats();
      expect(highWater.existingJobs).toBeLessThanOrEqual(quota);
      // From each child's own log lines: every daemon created some of the jobs.
      const created = daemons.map((daemon) => daemon.countEvents("job:created"));
      expect(
        created.every((count) => count > 0),
        `job:created per daemon: ${created}`,
      ).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "finish a plan after all three are killed at once mid-wave and three fresh ones start",
    async () => {
      world = await startChaosWorld({ sources: 45, quota: 10 });
      const w = world;
      await Promise.all([w.fleet.start(), w.fleet.start(), w.fleet.start()]);
      const { planId, servers } = await w.submit("all-killed", [15, 15, 15]);
      const deadline = Date.now() + 30_000;
      // Mid wave 2: the plan has jobs in every state when the whole fleet dies.
      while (w.emulator.stats().jobsCreated < 20) {
        if (Date.now() > deadline) throw new Error(`wave 2 never began\n${w.fleet.diagnostics()}`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await w.fleet.killAll();
      expect(await w.ended(planId)).toBe(false);

      await Promise.all([w.fleet.start(), w.fleet.start(), w.fleet.start()]);
      const plan = await w.waitForEnd(planId, PLAN_DEADLINE_MS);
      expect(emulatorVerdict(w, plan, servers), w.fleet.diagnostics(10)).toEqual(
        cleanVerdict(servers),
      );
    },
    TEST_TIMEOUT_MS,
  );
});
