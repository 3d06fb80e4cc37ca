import { pino } from "pino";
import { type RunningEmulator, startEmulator } from "../../src/emulator/startEmulator.ts";
import { type Orchestrator, startOrchestrator } from "../../src/orchestrator/orchestrator.ts";
import type { PlanView } from "../../src/orchestrator/views.ts";
import { MigrationEvents } from "../../src/platform/events.ts";
import type { RedisConfig } from "../../src/platform/redisConfig.ts";
import { connectRedis } from "../../src/platform/redisConnector.ts";
import { SmcClient } from "../../src/smc/client.ts";
import { DaemonFleet, daemonEnv } from "../chaos/daemonProcess.ts";
import { FAST_SETTINGS, planOverSources } from "../support/migrationHarness.ts";
import { waitFor } from "./redisProcesses.ts";

const ENDED = new Set(["succeeded", "failed", "cancelled"]);

/**
 * A migration on a highly available Redis: the real emulator here, daemon child processes (the
 * real CLI, configured by environment alone) on a Sentinel set or a Cluster, and a read-only
 * orchestrator here, connected through the same connector, that submits plans and reads them.
 *
 * The emulator's own quota is far above the daemons': it never refuses a create, so its high-water
 * mark of existing jobs shows the daemons' discipline alone.
 */
export interface HaWorld {
  emulator: RunningEmulator;
  fleet: DaemonFleet;
  /** The daemons' quota. */
  quota: number;
  submit(name: string, waveSizes: readonly number[]): Promise<{ planId: string; servers: number }>;
  /** Jobs created plus jobs deleted so far: grows only while the daemons make progress. */
  progress(): number;
  waitForEnd(planId: string, timeoutMs: number): Promise<PlanView>;
  close(): Promise<void>;
}

export async function startHaWorld(options: {
  /** How this process reaches Redis. */
  redis: RedisConfig;
  /** How the daemons reach it: SMC_WAVES_REDIS_* variables (and secrets). */
  redisEnv: Record<string, string>;
  sources: number;
  quota: number;
  timeScale: number;
}): Promise<HaWorld> {
  const emulator = await startEmulator({
    sources: options.sources,
    quota: 1_000,
    timeScale: options.timeScale,
    seed: 5,
  });
  const client = new SmcClient({
    endpoint: emulator.url,
    credentials: emulator.credentials,
    regionId: "cn-hangzhou",
  });
  const redis = connectRedis(options.redis, "worker", { name: "smc-waves-ha-test" });
  redis.on("error", () => {});
  const reader: Orchestrator = await startOrchestrator({
    redis,
    prefix: options.redis.prefix,
    accounts: new Map([["default", { client, quota: options.quota }]]),
    settings: FAST_SETTINGS,
    events: new MigrationEvents(),
    logger: pino({ level: "silent" }),
    runWorkers: false,
  });
  const fleet = new DaemonFleet(
    daemonEnv({
      prefix: options.redis.prefix,
      endpoint: emulator.url,
      credentials: emulator.credentials,
      quota: options.quota,
      extra: options.redisEnv,
    }),
  );
  const status = async (planId: string) =>
    (await reader.migrations.listPlans()).find((plan) => plan.id === planId)?.status;

  return {
    emulator,
    fleet,
    quota: options.quota,
    async submit(name, waveSizes) {
      const plan = await planOverSources(client, name, waveSizes, { maxJobs: options.quota });
      const { planId } = await reader.migrations.submit(plan);
      return { planId, servers: waveSizes.reduce((sum, size) => sum + size, 0) };
    },
    progress() {
      const stats = emulator.stats();
      return stats.jobsCreated + stats.jobsDeleted;
    },
    async waitForEnd(planId, timeoutMs) {
      await waitFor(
        async () => ENDED.has((await status(planId)) ?? ""),
        timeoutMs,
        () =>
          `plan ${planId} did not end (status ${JSON.stringify(emulator.stats())})\n${fleet.diagnostics()}`,
      );
      const plan = await reader.migrations.getPlan(planId);
      if (!plan) throw new Error(`plan ${planId} vanished`);
      return plan;
    },
    async close() {
      await fleet.killAll();
      await reader.close(1_000);
      redis.disconnect();
      client.close();
      await emulator.close();
    },
  };
}
