import { afterEach, describe, expect, it } from "vitest";
import { cleanVerdict, emulatorVerdict } from "../chaos/chaosWorld.ts";
import { describeRun, migrateThroughFailovers, outageLog, readiness } from "./failoverScenario.ts";
import { type HaWorld, startHaWorld } from "./haWorld.ts";
import { type RedisClusterHandle, startRedisCluster } from "./redisCluster.ts";
import { missingRedisTools } from "./redisProcesses.ts";

/**
 * Redis Cluster: three masters and three replicas on loopback, two daemons configured by
 * SMC_WAVES_REDIS_CLUSTER alone (three of the six nodes; they discover the rest). The master
 * serving the prefix's hash slot is SIGKILLed mid-migration and its replica takes the slot over;
 * the killed node is restarted (it rejoins as a replica), and later the new master is killed too.
 * The daemons follow the slot map by themselves, and the emulator's counts show every server
 * migrated once, never two unfinished jobs per source, never more jobs than the quota.
 */

const QUOTA = 5;
const WAVES = [10, 10] as const;
const PREFIX = "{smc-waves-ha}";
// A test-only secret: it must reach Redis and never a log line.
const PASSWORD = "cluster-secret-7d3a";

let cluster: RedisClusterHandle | undefined;
let world: HaWorld | undefined;
afterEach(async () => {
  await world?.close();
  await cluster?.close();
  world = undefined;
  cluster = undefined;
});

const missing = missingRedisTools();

describe.skipIf(missing !== undefined)(`Redis Cluster failover ${missing ?? ""}`, () => {
  it("costs no server and no duplicate when the slot's master is killed, twice, mid-run", async () => {
    cluster = await startRedisCluster({ password: PASSWORD });
    const c = cluster;
    const seeds = c.nodes.slice(0, 3);
    world = await startHaWorld({
      redis: { mode: "cluster", nodes: seeds, prefix: PREFIX, password: PASSWORD },
      redisEnv: {
        SMC_WAVES_REDIS_CLUSTER: seeds.map((node) => `${node.host}:${node.port}`).join(","),
        SMC_WAVES_REDIS_PASSWORD: PASSWORD,
      },
      sources: 24,
      quota: QUOTA,
      timeScale: 3_600,
    });
    const w = world;

    const run = await migrateThroughFailovers(
      w,
      {
        killMaster: () => c.killMasterOf(PREFIX),
        waitForNewMaster: (old, timeoutMs) => c.waitForNewMasterOf(PREFIX, old, timeoutMs),
        restart: (port) => c.restart(port),
        waitForReplica: (port, timeoutMs) => c.waitForReplica(port, timeoutMs),
        diagnostics: () => c.diagnostics(),
      },
      "cluster-failover",
      WAVES,
    );
    console.info(`cluster failovers: ${describeRun(w, run)}`);

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
    for (const daemon of run.daemons) expect(daemon.output()).not.toContain(PASSWORD);
  }, 120_000);
});
