import { afterEach, describe, expect, it } from "vitest";
import { seededRandom } from "../../src/emulator/seededRandom.ts";
import type { EmulatorStats } from "../../src/emulator/startEmulator.ts";
import { type ChaosWorld, cleanVerdict, emulatorVerdict, startChaosWorld } from "./chaosWorld.ts";

/**
 * Invariant 2 of the orchestrator: `kill -9` of a daemon at any point, then a restart, reaches the
 * same end state as an undisturbed run. The daemons are real child processes killed with SIGKILL;
 * the verdict comes from the emulator's own counts and timeline.
 */

const QUOTA = 10;
const WAVES = [12, 12] as const;
const SERVERS = WAVES[0] + WAVES[1];
/** Generous: an undisturbed run takes a few seconds; each crash costs a lock expiry (2 s). */
const PLAN_DEADLINE_MS = 60_000;
const TEST_TIMEOUT_MS = 90_000;

let world: ChaosWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/**
 * Polls the emulator (in this process) every millisecond until `condition` holds. Checked this
 * often, a kill lands within a millisecond or two of the emulator answering the call that made
 * the condition true: before the daemon has read the answer, let alone recorded it.
 */
async function whenEmulator(
  w: ChaosWorld,
  condition: (stats: EmulatorStats) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition(w.emulator.stats())) {
    if (Date.now() > deadline)
      throw new Error(`waited ${timeoutMs} ms for ${what}\n${w.fleet.diagnostics()}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const calls = (stats: EmulatorStats, action: string) => stats.actions[action]?.calls ?? 0;

/** Three times: start a daemon, kill it the moment `trigger` fires; then one more finishes the plan. */
async function killAtPoint(
  w: ChaosWorld,
  trigger: (before: EmulatorStats, now: EmulatorStats) => boolean,
  what: string,
): Promise<void> {
  const { planId } = await w.submit(`kill-${what.replace(/\W+/g, "-")}`, WAVES);
  let kills = 0;
  while (kills < 3 && !(await w.ended(planId))) {
    const daemon = await w.fleet.start();
    const before = w.emulator.stats();
    await whenEmulator(w, (now) => trigger(before, now), what);
    await daemon.kill();
    kills++;
  }
  // Three crashes cannot finish a plan of 24 servers: the kills all landed mid-plan.
  expect(await w.ended(planId)).toBe(false);
  await w.fleet.start("finisher");
  const plan = await w.waitForEnd(planId, PLAN_DEADLINE_MS);
  expect(emulatorVerdict(w, plan, SERVERS), w.fleet.diagnostics(10)).toEqual(cleanVerdict(SERVERS));
  expect(kills).toBe(3);
}

describe("chaos: kill -9 of a daemon, then a restart", () => {
  it(
    "between the emulator creating a job and the daemon recording its id",
    async () => {
      world = await startChaosWorld({ sources: SERVERS, quota: QUOTA });
      await killAtPoint(world, (before, now) => now.jobsCreated > before.jobsCreated, "create");
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "right after a DeleteReplicationJob, mid-finish",
    async () => {
      world = await startChaosWorld({ sources: SERVERS, quota: QUOTA });
      await killAtPoint(world, (before, now) => now.jobsDeleted > before.jobsDeleted, "delete");
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "mid-poll, while slow calls are in flight and jobs are running",
    async () => {
      // 30 ms per call: the batch poll is spread over its fan-out, and jobs run meanwhile.
      world = await startChaosWorld({ sources: SERVERS, quota: QUOTA, faults: { latencyMs: 30 } });
      await killAtPoint(
        world,
        (before, now) =>
          now.current.runningJobs > 0 &&
          calls(now, "DescribeReplicationJobs") > calls(before, "DescribeReplicationJobs") + 2,
        "poll",
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "at random every 300–900 ms, two daemons, a replacement spawned at once for each one killed",
    async () => {
      // Twice the servers of the other cases, so that the plan outlives many kills.
      world = await startChaosWorld({ sources: 2 * SERVERS, quota: QUOTA });
      const w = world;
      const random = seededRandom(2024);
      const { planId, servers } = await w.submit("kill-random", [2 * WAVES[0], 2 * WAVES[1]]);
      await Promise.all([w.fleet.start(), w.fleet.start()]);
      const deadline = Date.now() + PLAN_DEADLINE_MS;
      let kills = 0;
      while (kills < 20 && Date.now() < deadline && !(await w.ended(planId))) {
        await new Promise((resolve) => setTimeout(resolve, random.int(300, 900)));
        // Booting daemons are fair game too: a crash during startup is a crash.
        await random.pick(w.fleet.running).kill();
        kills++;
        w.fleet.spawn();
      }
      const plan = await w.waitForEnd(planId, Math.max(1_000, deadline - Date.now()));
      expect(emulatorVerdict(w, plan, servers), w.fleet.diagnostics(10)).toEqual(
        cleanVerdict(servers),
      );
      expect(kills).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );
});
