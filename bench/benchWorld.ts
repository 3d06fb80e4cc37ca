/**
 * The world most benchmarks run in: the in-process SMC emulator, a client for it, a Redis
 * connection under a prefix of the bench's own and an orchestrator on the emulator's clock. Each
 * bench states its own choices (seed, time scale, quota, intervals, how much BullMQ keeps); only
 * what every bench sets alike is fixed here.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { type Logger, pino } from "pino";
import { type RunningEmulator, startEmulator } from "../src/emulator/startEmulator.ts";
import type { Account, OrchestratorSettings } from "../src/orchestrator/context.ts";
import { type Orchestrator, startOrchestrator } from "../src/orchestrator/orchestrator.ts";
import type { Migrations, PlanSummary } from "../src/orchestrator/views.ts";
import { MigrationEvents } from "../src/platform/events.ts";
import { deleteKeysUnder } from "../src/platform/redisConnector.ts";
import { SmcClient } from "../src/smc/client.ts";
import { DEFAULT_RETRY_POLICY } from "../src/smc/retry.ts";

/** The settings benches choose differently; the rest are the daemon's defaults. */
export type BenchSettings = Pick<
  OrchestratorSettings,
  | "pollIntervalMs"
  | "sweepIntervalMs"
  | "reconcileIntervalMs"
  | "concurrency"
  | "keepCompleted"
  | "keepFailed"
>;

export function benchSettings(chosen: BenchSettings): OrchestratorSettings {
  return {
    lockDurationMs: 60_000,
    stalledIntervalMs: 30_000,
    reservationLeaseMs: 600_000,
    retry: DEFAULT_RETRY_POLICY,
    ...chosen,
  };
}

export interface BenchWorldOptions {
  redisUrl: string;
  /** Sources the emulator generates from `seed`. */
  sources: number;
  /** The emulator's job quota, and the account's. */
  quota: number;
  seed: number;
  /** Emulated seconds per real second. */
  timeScale: number;
  settings: BenchSettings;
  /** False when a daemon in its own process does the work and this one only submits and reads. */
  runWorkers: boolean;
}

export interface BenchWorld {
  redisUrl: string;
  prefix: string;
  quota: number;
  settings: OrchestratorSettings;
  emulator: RunningEmulator;
  client: SmcClient;
  redis: Redis;
  orchestrator: Orchestrator;
  events: MigrationEvents;
  logger: Logger;
  /**
   * Stops the orchestrator (draining for up to `drainMs`), then the connections and the emulator.
   * `deleteKeys` for a shared Redis: the bench leaves none of its keys behind.
   */
  close(options: { drainMs: number; deleteKeys: boolean }): Promise<void>;
}

export async function startBenchWorld(options: BenchWorldOptions): Promise<BenchWorld> {
  const { redisUrl, quota } = options;
  const prefix = `{bench-${randomUUID()}}`;
  const emulator = await startEmulator({
    sources: options.sources,
    quota,
    seed: options.seed,
    timeScale: options.timeScale,
  });
  const client = new SmcClient({
    endpoint: emulator.url,
    credentials: emulator.credentials,
    regionId: "cn-hangzhou",
  });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const accounts = new Map<string, Account>([["default", { client, quota }]]);
  const settings = benchSettings(options.settings);
  const events = new MigrationEvents();
  const logger = pino({ level: "silent" });
  const orchestrator = await startOrchestrator({
    redis,
    prefix,
    accounts,
    settings,
    events,
    logger,
    clock: emulator.clock,
    runWorkers: options.runWorkers,
  });
  return {
    redisUrl,
    prefix,
    quota,
    settings,
    emulator,
    client,
    redis,
    orchestrator,
    events,
    logger,
    async close({ drainMs, deleteKeys }) {
      // Obliterated while the queues are open: a closed queue cannot be.
      if (deleteKeys)
        for (const queue of Object.values(orchestrator.queues))
          await queue.obliterate({ force: true }).catch(() => undefined);
      await orchestrator.close(drainMs);
      if (deleteKeys) await deleteKeysUnder(redis, prefix);
      redis.disconnect();
      client.close();
      await emulator.close();
    },
  };
}

/**
 * The environment of a daemon in its own process that works this world's plans: same Redis and
 * prefix, the emulator as its endpoint, the world's poll. `overrides` go last.
 */
export function daemonEnvironment(
  world: BenchWorld,
  overrides: Record<string, string>,
): Record<string, string> {
  return {
    SMC_WAVES_REDIS_URL: world.redisUrl,
    SMC_WAVES_PREFIX: world.prefix,
    SMC_WAVES_SMC_ENDPOINT: world.emulator.url,
    SMC_WAVES_QUOTA: String(world.quota),
    SMC_WAVES_ORCHESTRATOR_POLL_INTERVAL: String(world.settings.pollIntervalMs),
    SMC_WAVES_HTTP_PORT: "0",
    // The daemon is seen to start by its info line "smc-waves daemon started".
    SMC_WAVES_LOG_LEVEL: "info",
    SMC_WAVES_LOG_PRETTY: "false",
    ALIBABA_CLOUD_ACCESS_KEY_ID: world.emulator.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: world.emulator.credentials.accessKeySecret,
    ...overrides,
  };
}

export const planEnded = (plan: PlanSummary) =>
  ["succeeded", "failed", "cancelled"].includes(plan.status);

/**
 * Waits for the plan to end, looking once a real second: that only detects the end, the figures
 * come from the plan's own finishedAt and the emulator's timeline.
 */
export const waitForPlanEnd = (migrations: Migrations, planId: string, timeoutMs: number) =>
  waitForPlan(migrations, planId, planEnded, { everyMs: 1_000, timeoutMs });

/** Polls the plan list every `everyMs` real ms until `done`; throws after `timeoutMs` real ms. */
export async function waitForPlan(
  migrations: Migrations,
  planId: string,
  done: (plan: PlanSummary) => boolean,
  { everyMs, timeoutMs }: { everyMs: number; timeoutMs: number },
): Promise<PlanSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const plan = (await migrations.listPlans()).find((each) => each.id === planId);
    if (plan && done(plan)) return plan;
    if (Date.now() > deadline)
      throw new Error(
        `plan ${planId} did not get there within ${timeoutMs / 60_000} real minutes: ${JSON.stringify(plan?.counts)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
