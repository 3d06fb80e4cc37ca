import { Redis } from "ioredis";
import { pino } from "pino";
import { type RunningEmulator, startEmulator } from "../../src/emulator/startEmulator.ts";
import { type Orchestrator, startOrchestrator } from "../../src/orchestrator/orchestrator.ts";
import { redisKeys } from "../../src/orchestrator/store/redisKeys.ts";
import type { Migrations } from "../../src/orchestrator/views.ts";
import { MigrationEvents } from "../../src/platform/events.ts";
import { SmcClient } from "../../src/smc/client.ts";
import type { Credentials } from "../../src/smc/credentials.ts";
import { FAST_SETTINGS } from "../support/migrationHarness.ts";
import { isolatedRedis, REDIS_URL } from "../support/redisPrefix.ts";
import { DaemonFleet, daemonEnv } from "./daemonProcess.ts";

/**
 * The world of the operator model test: the real emulator, a fresh Redis prefix, in-process
 * daemons that can be killed abruptly, and a read-only orchestrator (no workers, as the CLI) that
 * reads views. Each daemon has its own Redis connection and SMC client, so that a kill cuts both.
 */

/** One daemon. `kill` stops it the hard way: nothing it was doing goes any further. */
interface ModelDaemon {
  readonly name: string;
  /** Its operator actions: its own (in process), or the CLI's over the same Redis (a process). */
  readonly migrations: Migrations;
  readonly alive: boolean;
  kill(): Promise<void>;
}

/**
 * `in-process`: daemons in this process, killed by cutting their Redis connection and SMC calls at
 * once and forcing their workers closed. `processes`: `smc-waves daemon` children, killed with
 * SIGKILL (slower to start, so fewer seeds use them).
 */
export type DaemonKind = "in-process" | "processes";

export interface OperatorWorld {
  emulator: RunningEmulator;
  /** A client of the test's own, for reads (never faulted differently: faults are per emulator). */
  client: SmcClient;
  redis: Redis;
  prefix: string;
  /** The account quota the daemons enforce; the emulator allows far more, so it judges them. */
  quota: number;
  /** The CLI's view: submits and reads, runs no step. */
  reader: Orchestrator;
  daemons: ModelDaemon[];
  live(): ModelDaemon[];
  startDaemon(): Promise<ModelDaemon>;
  /** The ledger's keys under the prefix that must be empty once every plan was released. */
  ledgerLeft(): Promise<Record<string, string[]>>;
  /** The child daemons' last log lines, for a failure message (empty in process). */
  diagnostics(): string;
  close(): Promise<void>;
}

const ACCOUNT = "default";

export async function startOperatorWorld(options: {
  seed: number;
  sources: number;
  quota: number;
  daemons: DaemonKind;
}): Promise<OperatorWorld> {
  // 7,200×: an emulated hour is half a second; a server copies in 0.5–3 s, so plans live long
  // enough for operations to land while their jobs are in every state.
  const emulator = await startEmulator({
    timeScale: 7_200,
    seed: options.seed,
    sources: options.sources,
    // The service's own limit is far above the daemons' quota: the daemons alone must keep to it.
    quota: 100,
  });
  const client = new SmcClient({
    endpoint: emulator.url,
    credentials: emulator.credentials,
    regionId: "cn-hangzhou",
  });
  const { redis, prefix, cleanup } = await isolatedRedis();
  const logger = pino({ level: process.env.SMC_WAVES_TEST_LOG ?? "silent" });
  const reader = await startOrchestrator({
    redis,
    prefix,
    accounts: new Map([[ACCOUNT, { client, quota: options.quota }]]),
    settings: FAST_SETTINGS,
    events: new MigrationEvents(),
    logger,
    clock: emulator.clock,
    runWorkers: false,
  });
  const daemons: ModelDaemon[] = [];
  const keys = redisKeys(prefix);

  const fleet = new DaemonFleet(
    daemonEnv({
      redisUrl: REDIS_URL,
      prefix,
      endpoint: emulator.url,
      credentials: emulator.credentials,
      quota: options.quota,
    }),
  );
  const startProcess = async (name: string): Promise<ModelDaemon> => {
    const child = await fleet.start(name);
    return {
      name,
      migrations: reader.migrations,
      get alive() {
        return child.running;
      },
      kill: () => child.kill(),
    };
  };

  const startInProcess = async (name: string): Promise<ModelDaemon> => {
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    connection.on("error", () => {});
    let dead = false;
    // A killed daemon's calls never leave: a step cut off mid-way waits forever, as in a dead process.
    const credentials = (): Promise<Credentials> =>
      dead ? new Promise<never>(() => {}) : Promise.resolve(emulator.credentials);
    const daemonClient = new SmcClient({
      endpoint: emulator.url,
      credentials,
      regionId: "cn-hangzhou",
    });
    const orchestrator = await startOrchestrator({
      redis: connection,
      prefix,
      accounts: new Map([[ACCOUNT, { client: daemonClient, quota: options.quota }]]),
      settings: FAST_SETTINGS,
      events: new MigrationEvents(),
      logger: logger.child({ daemon: name }),
      clock: emulator.clock,
    });
    const daemon: ModelDaemon = {
      name,
      migrations: orchestrator.migrations,
      get alive() {
        return !dead;
      },
      async kill() {
        if (dead) return;
        dead = true;
        // Its own Redis connection goes first: a step that was mid-way writes nothing more. The
        // workers are then forced closed without a drain; their locks lapse and stalled-job
        // recovery hands their steps to the other daemons.
        connection.disconnect();
        await orchestrator.close(0);
        daemonClient.close();
      },
    };
    return daemon;
  };
  const startDaemon = async (): Promise<ModelDaemon> => {
    const name = `daemon-${daemons.length + 1}`;
    const daemon =
      options.daemons === "processes" ? await startProcess(name) : await startInProcess(name);
    daemons.push(daemon);
    return daemon;
  };

  return {
    emulator,
    client,
    redis,
    prefix,
    quota: options.quota,
    reader,
    daemons,
    live: () => daemons.filter((daemon) => daemon.alive),
    startDaemon,
    async ledgerLeft() {
      const locks: string[] = [];
      let cursor = "0";
      do {
        const [next, found] = await redis.scan(
          cursor,
          "MATCH",
          `${keys.sourceLock(ACCOUNT, "")}*`,
          "COUNT",
          1000,
        );
        cursor = next;
        for (const key of found) locks.push(`${key} = ${await redis.get(key)}`);
      } while (cursor !== "0");
      return {
        sourceLocks: locks,
        slots: await redis.zrange(keys.slots(ACCOUNT), "0", "-1"),
        slotTimes: await redis.hkeys(keys.slotTimes(ACCOUNT)),
        tracked: Object.entries(await redis.hgetall(keys.tracked(ACCOUNT))).map(
          ([jobId, watcher]) => `${jobId} by ${watcher}`,
        ),
        running: await redis.zrange(keys.running(ACCOUNT), "0", "-1"),
        keptLocks: await redis.smembers(keys.keptLocks(ACCOUNT)),
        externalLocks: await redis.smembers(keys.externalLocks(ACCOUNT)),
      };
    },
    diagnostics: () => (options.daemons === "processes" ? fleet.diagnostics(30) : ""),
    async close() {
      await fleet.killAll();
      await Promise.all(
        daemons.map((daemon) => (daemon.alive ? daemon.kill() : Promise.resolve())),
      );
      await reader.close(1_000);
      client.close();
      await emulator.close();
      await cleanup();
    },
  };
}
