import { afterEach, describe, expect, it } from "vitest";
import type { EmulatorStats } from "../../src/emulator/startEmulator.ts";
import type { CompiledPlan, Cutover } from "../../src/plan/compiledPlan.ts";
import { type ChaosWorld, cleanVerdict, emulatorVerdict, startChaosWorld } from "./chaosWorld.ts";

/**
 * `kill -9` of daemons while incremental servers are cut over: right after the emulator accepted a
 * CutOverReplicationJob (before the daemon could record it), and at random. The migration ends as
 * an undisturbed one would, by the emulator's counts: never above the quota, never two unfinished
 * jobs of one source, one job per server, each cut over exactly once and then deleted.
 */

const QUOTA = 10;
/** More incremental servers per wave than the quota: slots held until cut-over are contended. */
const WAVES = [12, 12] as const;
const SERVERS = WAVES[0] + WAVES[1];
const PLAN_DEADLINE_MS = 75_000;
const TEST_TIMEOUT_MS = 100_000;

let world: ChaosWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Wave 1 cuts over at once, wave 2 on a person's word; both re-sync hourly meanwhile. */
function incremental(plan: CompiledPlan): CompiledPlan {
  const cutovers: Cutover[] = [
    { mode: "immediate", syncData: true, onTimeout: "wait" },
    { mode: "manual", syncData: true, onTimeout: "wait" },
  ];
  return {
    ...plan,
    waves: plan.waves.map((wave, index) => ({
      ...wave,
      cutover: cutovers[index] ?? { mode: "immediate", syncData: true, onTimeout: "wait" },
      servers: wave.servers.map((server) => ({
        ...server,
        settings: { ...server.settings, runOnce: false, frequency: 1, maxNumberOfImageToKeep: 2 },
      })),
    })),
  };
}

const cutOverCalls = (stats: EmulatorStats) => stats.actions.CutOverReplicationJob?.calls ?? 0;

async function whenEmulator(
  w: ChaosWorld,
  condition: (stats: EmulatorStats) => boolean,
  what: string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition(w.emulator.stats())) {
    if (Date.now() > deadline) throw new Error(`waited 30 s for ${what}\n${w.fleet.diagnostics()}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** The emulator's verdict, plus: every job was cut over once, after at least its full copy. */
function cutoverVerdict(w: ChaosWorld) {
  const timeline = w.emulator.timeline();
  return {
    cutOvers: w.emulator.stats().cutOvers,
    jobsWithoutFinalSync: timeline.filter((job) => job.runs < 2).length,
  };
}

describe("chaos: kill -9 during cut-overs", () => {
  it(
    "right after CutOverReplicationJob was accepted, three times, then at random with two daemons",
    async () => {
      world = await startChaosWorld({ sources: SERVERS, quota: QUOTA });
      const w = world;
      const { planId } = await w.submit("cutover-kill", WAVES, incremental);
      // The second wave's cut-over asked for in advance: each server cuts over once in sync.
      await w.reader.migrations.cutover(planId, { wave: "wave-2" });

      for (let kill = 0; kill < 3; kill++) {
        const daemon = await w.fleet.start();
        const before = cutOverCalls(w.emulator.stats());
        await whenEmulator(w, (now) => cutOverCalls(now) > before, "a cut-over");
        await daemon.kill();
      }
      expect(await w.ended(planId)).toBe(false);
      // Two daemons, one killed every 300–900 ms while wave 2 is being cut over.
      await Promise.all([w.fleet.start(), w.fleet.start()]);
      let kills = 0;
      while (kills < 6 && !(await w.ended(planId))) {
        await new Promise((resolve) => setTimeout(resolve, 300 + ((kills * 211) % 600)));
        const victim = w.fleet.running[kills % w.fleet.running.length];
        if (victim) await victim.kill();
        kills++;
        w.fleet.spawn();
      }
      const plan = await w.waitForEnd(planId, PLAN_DEADLINE_MS);
      expect(emulatorVerdict(w, plan, SERVERS), w.fleet.diagnostics(10)).toEqual(
        cleanVerdict(SERVERS),
      );
      expect(cutoverVerdict(w)).toEqual({ cutOvers: SERVERS, jobsWithoutFinalSync: 0 });
      const servers = plan.waves.flatMap((wave) => wave.servers);
      expect(servers.every((server) => server.reason?.code === "Job.CutOver")).toBe(true);
      expect(
        servers.filter((server) => server.wave === "wave-2").every((s) => s.cutover?.by === "cli"),
      ).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
});
