import { afterEach, describe, expect, it } from "vitest";
import { cleanVerdict, emulatorVerdict } from "../chaos/chaosWorld.ts";
import { describeRun, migrateThroughFailovers, outageLog, readiness } from "./failoverScenario.ts";
import { type HaWorld, startHaWorld } from "./haWorld.ts";
import { missingRedisTools } from "./redisProcesses.ts";
import { type SentinelSet, startSentinelSet } from "./sentinelSet.ts";

/**
 * Redis Sentinel: a master, a replica and three sentinels on loopback, two daemons configured by
 * SMC_WAVES_REDIS_SENTINELS alone. The master is SIGKILLed mid-migration and the sentinels promote
 * the replica; the killed node is restarted (the sentinels make it a replica), and later the new
 * master is killed too. The daemons find each master by themselves, and the emulator's counts
 * show every server migrated once, never two unfinished jobs per source, never more jobs than the
 * quota.
 */

const QUOTA = 5;
const WAVES = [10, 10] as const;
const MASTER_NAME = "smc-waves-ha";
// Test-only secrets: they must reach Redis and never a log line.
const PASSWORD = "data-node-secret-1f4c";
const SENTINEL_PASSWORD = "sentinel-secret-9b2e";

let sentinels: SentinelSet | undefined;
let world: HaWorld | undefined;
afterEach(async () => {
  await world?.close();
  await sentinels?.close();
  world = undefined;
  sentinels = undefined;
});

const missing = missingRedisTools();

describe.skipIf(missing !== undefined)(`Redis Sentinel failover ${missing ?? ""}`, () => {
  it("costs no server and no duplicate when the master is killed, twice, mid-run", async () => {
    sentinels = await startSentinelSet({
      masterName: MASTER_NAME,
      password: PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
    });
    const set = sentinels;
    world = await startHaWorld({
      redis: {
        mode: "sentinel",
        sentinels: set.sentinels,
        masterName: MASTER_NAME,
        prefix: "{smc-waves-ha}",
        password: PASSWORD,
        sentinelPassword: SENTINEL_PASSWORD,
      },
      redisEnv: {
        SMC_WAVES_REDIS_SENTINELS: set.sentinels.map((s) => `${s.host}:${s.port}`).join(","),
        SMC_WAVES_REDIS_MASTER_NAME: MASTER_NAME,
        SMC_WAVES_REDIS_PASSWORD: PASSWORD,
        SMC_WAVES_REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
      },
      sources: 24,
      quota: QUOTA,
      timeScale: 3_600,
    });
    const w = world;
    const run = await migrateThroughFailovers(
      w,
      {
        killMaster: () => set.killMaster(),
        waitForNewMaster: async (old, timeoutMs) =>
          (await set.waitForNewMaster(old, timeoutMs)).port,
        restart: (port) => set.restart(port),
        waitForReplica: (port, timeoutMs) => set.waitForReplica(port, timeoutMs),
        diagnostics: () => set.diagnostics(),
      },
      "sentinel-failover",
      WAVES,
    );
    console.info(`sentinel failovers: ${describeRun(w, run)}`);

    // Two real failovers, the second back onto the node killed first (restarted, now a replica).
    const [first, second] = run.failovers;
    expect(second?.newMaster).toBe(first?.oldMaster);
    expect(second?.oldMaster).toBe(first?.newMaster);
    expect(emulatorVerdict(w, run.plan, run.servers), w.fleet.diagnostics(10)).toEqual(
      cleanVerdict(run.servers),
    );
    // Nobody restarted or reconfigured them: the same two processes carried on to the end.
    expect(run.daemons.map((daemon) => daemon.running)).toEqual([true, true]);
    for (const daemon of run.daemons) {
      expect(await readiness(daemon)).toEqual({ code: 200, ready: true, redis: "reachable" });
      // Each outage is a line when it starts and one when it ends, not one per reconnect attempt.
      const { outages, noise } = outageLog(daemon);
      expect(noise).toEqual([]);
      expect(outages.length).toBeGreaterThanOrEqual(4);
      expect(outages.length).toBeLessThanOrEqual(8);
      expect(outages.filter((line) => line === "Redis unreachable").length).toBe(
        outages.length / 2,
      );
    }
    for (const daemon of run.daemons) {
      expect(daemon.output()).not.toContain(PASSWORD);
      expect(daemon.output()).not.toContain(SENTINEL_PASSWORD);
    }
  }, 120_000);
});
