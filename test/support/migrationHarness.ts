import { type Logger, pino } from "pino";
import { type RunningApiServer, startApiServer } from "../../src/api/server.ts";
import {
  type EmulatorOptions,
  type RunningEmulator,
  startEmulator,
} from "../../src/emulator/startEmulator.ts";
import type { Account, OrchestratorSettings } from "../../src/orchestrator/context.ts";
import { type Orchestrator, startOrchestrator } from "../../src/orchestrator/orchestrator.ts";
import type { PlanStatus } from "../../src/orchestrator/views.ts";
import type { CompiledPlan, CompiledServer, PlanPolicy } from "../../src/plan/compiledPlan.ts";
import { type AccessToken, envAccessToken } from "../../src/platform/accessTokens.ts";
import { MigrationEvents } from "../../src/platform/events.ts";
import { SmcClient } from "../../src/smc/client.ts";
import { isolatedRedis } from "./redisPrefix.ts";

/** Fast real-time settings: 100 ms polls, quick backoff, short locks so crashes recover in seconds. */
export const FAST_SETTINGS: OrchestratorSettings = {
  pollIntervalMs: 100,
  sweepIntervalMs: 1_000,
  reconcileIntervalMs: 2_000,
  concurrency: 20,
  lockDurationMs: 4_000,
  stalledIntervalMs: 1_000,
  reservationLeaseMs: 60_000,
  keepCompleted: { ageMs: 3_600_000, count: 10_000 },
  keepFailed: { ageMs: 3_600_000 },
  retry: {
    maxAttempts: 30,
    baseDelayMs: 20,
    maxDelayMs: 300,
    throttleDelayMs: 20,
    maxThrottleRetries: 100,
  },
};

export interface Harness {
  emulator: RunningEmulator;
  client: SmcClient;
  events: MigrationEvents;
  prefix: string;
  redis: Awaited<ReturnType<typeof isolatedRedis>>["redis"];
  accounts: Map<string, Account>;
  /** Starts one more orchestrator (a "daemon") on the same Redis prefix. */
  startDaemon(overrides?: Partial<OrchestratorSettings>): Promise<Orchestrator>;
  /** Resolves with the plan's final status once it ends. */
  waitForPlanEnd(planId: string): Promise<PlanStatus>;
  /**
   * Moves emulated time on by `stepMs` every 50 real ms until `done` settles, so slow jobs finish
   * without a test waiting for the world; resolves with `done`'s value.
   */
  fastForward<T>(done: Promise<T>, stepMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startHarness(
  emulatorOptions: EmulatorOptions,
  /** The account as the orchestrator sees it, and which Redis to use (default: the shared one). */
  options: {
    quota?: number;
    maxRunningJobs?: number;
    redisUrl?: string;
    /** The orchestrators' logger (a test reading their log lines). @default silent */
    logger?: Logger;
  } = {},
): Promise<Harness> {
  // 36,000× makes an emulated hour 0.1 s: a 100 GiB server migrates in about that.
  const emulator = await startEmulator({ timeScale: 36_000, seed: 7, ...emulatorOptions });
  const client = new SmcClient({
    endpoint: emulator.url,
    credentials: emulator.credentials,
    regionId: "cn-hangzhou",
  });
  const { redis, prefix, cleanup } = await isolatedRedis(options.redisUrl);
  const events = new MigrationEvents();
  const accounts = new Map<string, Account>([
    [
      "default",
      {
        client,
        quota: options.quota ?? emulatorOptions.quota ?? 100,
        ...(options.maxRunningJobs ? { maxRunningJobs: options.maxRunningJobs } : {}),
      },
    ],
  ]);
  const daemons: Orchestrator[] = [];
  const logger = options.logger ?? pino({ level: process.env.SMC_WAVES_TEST_LOG ?? "silent" });
  return {
    emulator,
    client,
    events,
    prefix,
    redis,
    accounts,
    async startDaemon(overrides = {}) {
      const daemon = await startOrchestrator({
        redis,
        prefix,
        accounts,
        settings: { ...FAST_SETTINGS, ...overrides },
        events,
        logger,
        clock: emulator.clock,
      });
      daemons.push(daemon);
      return daemon;
    },
    waitForPlanEnd(planId) {
      return new Promise((resolve) => {
        const stop = events.on("plan:status", (event) => {
          if (event.planId !== planId) return;
          if (
            event.status === "succeeded" ||
            event.status === "failed" ||
            event.status === "cancelled"
          ) {
            stop();
            resolve(event.status);
          }
        });
      });
    },
    async fastForward(done, stepMs = 10 * 60_000) {
      let settled = false;
      const watched = done.finally(() => {
        settled = true;
      });
      while (!settled) {
        emulator.advanceClock(stepMs);
        await Promise.race([watched, new Promise((resolve) => setTimeout(resolve, 50))]);
      }
      return watched;
    },
    async close() {
      await Promise.all(daemons.map((daemon) => daemon.close(2_000)));
      for (const queue of daemons[0] ? Object.values(daemons[0].queues) : []) {
        await queue.obliterate({ force: true }).catch(() => undefined);
      }
      client.close();
      await emulator.close();
      await cleanup();
    },
  };
}

const DEFAULT_POLICY: PlanPolicy = {
  maxJobs: 100,
  pollIntervalMs: 100,
  jobRestarts: 3,
  onFinish: "delete",
  onWaveFailure: "halt",
  maxFailedServers: 0,
};

/** A plan over the emulator's sources, split into waves of the given sizes, referenced by name. */
export async function planOverSources(
  client: SmcClient,
  name: string,
  waveSizes: readonly number[],
  policy: Partial<PlanPolicy> = {},
): Promise<CompiledPlan> {
  const sources = (await client.describeAllSourceServers({})).filter(
    (source) => source.state === "Available",
  );
  let next = 0;
  const waves = waveSizes.map((size, waveIndex) => {
    const servers: CompiledServer[] = sources.slice(next, next + size).map((source) => ({
      key: `name:${source.name}`,
      ref: { name: source.name },
      settings: {
        systemDiskSize: Math.max(20, source.systemDiskSize),
        targetType: "Image" as const,
      },
    }));
    next += size;
    return { name: `wave-${waveIndex + 1}`, order: "largestFirst" as const, servers };
  });
  if (next > sources.length)
    throw new Error(`plan wants ${next} sources, the emulator has ${sources.length} available`);
  return {
    name,
    regionId: "cn-hangzhou",
    account: "default",
    policy: { ...DEFAULT_POLICY, ...policy },
    waves,
  };
}

/**
 * The daemon's HTTP API over a harness daemon, on a free port: `access` is an admin token (as
 * SMC_WAVES_API_TOKEN is) or named tokens with their roles.
 */
export function startTestApi(
  h: Harness,
  daemon: Orchestrator,
  access: string | readonly AccessToken[],
  options: { dashboardReadOnly?: boolean } = {},
): Promise<RunningApiServer> {
  return startApiServer({
    host: "127.0.0.1",
    port: 0,
    migrations: daemon.migrations,
    queues: Object.values(daemon.queues),
    events: h.events,
    health: async () => ({
      status: "ok",
      ready: true,
      redis: { status: "reachable", since: new Date().toISOString() },
      smc: true,
      workers: "running",
    }),
    tokens: typeof access === "string" ? [envAccessToken(access)] : access,
    dashboardReadOnly: options.dashboardReadOnly ?? true,
    logger: pino({ level: process.env.SMC_WAVES_TEST_LOG ?? "silent" }),
    now: () => h.emulator.clock.now(),
  });
}
