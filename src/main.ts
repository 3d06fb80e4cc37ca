/**
 * The composition root: builds every part of a daemon from its config, wires them, starts them.
 * Nothing else happens here; the CLI's `daemon` and `quickstart` commands call `startDaemon`.
 */
import type { Redis } from "ioredis";
import { createHealthCheck } from "./api/healthCheck.ts";
import { type RunningApiServer, startApiServer } from "./api/server.ts";
import type { RunningEmulator } from "./emulator/startEmulator.ts";
import { startNotifier } from "./notifications/notifier.ts";
import type { Account } from "./orchestrator/context.ts";
import { type Orchestrator, startOrchestrator } from "./orchestrator/orchestrator.ts";
import type { Migrations } from "./orchestrator/views.ts";
import type { DaemonConfig } from "./platform/config.ts";
import { MigrationEvents } from "./platform/events.ts";
import { type Logger, logMigrationEvents } from "./platform/logger.ts";
import { createRedisConnection } from "./platform/redis.ts";
import { SmcClient } from "./smc/client.ts";
import { resolveCredentials } from "./smc/credentials.ts";
import { DEFAULT_RETRY_POLICY } from "./smc/retry.ts";

export interface DaemonOptions {
  config: DaemonConfig;
  logger: Logger;
  env: Readonly<Record<string, string | undefined>>;
  /** Run every account against this emulator, on its clock, instead of the configured endpoints. */
  emulator?: RunningEmulator;
  /** False for a daemon without the HTTP API (tests of the orchestrator alone). @default true */
  http?: boolean;
}

export interface Daemon {
  orchestrator: Orchestrator;
  events: MigrationEvents;
  /** The API's base URL, when it listens. */
  apiUrl?: string;
  /** Drains within the config's bound and closes everything it opened. */
  close(): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, logger, emulator } = options;
  const events = new MigrationEvents();
  const stopLogging = logMigrationEvents(events, logger);
  const accounts = await buildAccounts(options, events);
  const redis: Redis = createRedisConnection(config.redis.url, "worker", { name: "smc-waves" });
  redis.on("error", (error) => logger.warn({ err: error }, "redis connection error; reconnecting"));

  // Notifications (issue 9.5): listening before the orchestrator's workers start, so no event of
  // boot is missed; plan names and counts come from the orchestrator once it exists.
  let migrations: Migrations | undefined;
  const notifier = await startNotifier({
    redis,
    prefix: config.redis.prefix,
    config: config.notifications,
    events,
    logger,
    describePlan: async (planId) => migrations?.getPlan(planId),
    lockDurationMs: config.orchestrator.lockDurationMs,
    stalledIntervalMs: config.orchestrator.stalledIntervalMs,
  });

  const orchestrator = await startOrchestrator({
    redis,
    prefix: config.redis.prefix,
    accounts,
    events,
    logger,
    settings: {
      ...config.orchestrator,
      reservationLeaseMs: 10 * 60_000,
      retry: DEFAULT_RETRY_POLICY,
    },
    ...(emulator ? { clock: emulator.clock } : {}),
  });
  migrations = orchestrator.migrations;

  let api: RunningApiServer | undefined;
  // Health probes must answer while Redis is away, so they get a fail-fast connection of their own.
  const probeRedis = createRedisConnection(config.redis.url, "request", {
    name: "smc-waves-health",
  });
  probeRedis.on("error", () => {});
  if (options.http !== false) {
    api = await startApiServer({
      host: config.http.host,
      port: config.http.port,
      migrations: orchestrator.migrations,
      queues: [...Object.values(orchestrator.queues), ...(notifier.queue ? [notifier.queue] : [])],
      events,
      logger,
      dashboardReadOnly: config.http.dashboardReadOnly,
      now: () => (emulator?.clock ?? Date).now(),
      ...(config.http.token ? { token: config.http.token } : {}),
      health: createHealthCheck({
        redis: probeRedis,
        clients: [...accounts.values()].map((account) => account.client),
        now: Date.now,
      }),
    });
    logger.info({ url: api.url }, "HTTP API listening");
  }

  return {
    orchestrator,
    events,
    ...(api ? { apiUrl: api.url } : {}),
    async close() {
      await api?.close();
      await orchestrator.close(config.orchestrator.drainTimeoutMs);
      // After the orchestrator (its last steps may still notify), before Redis.
      await notifier.close();
      for (const account of accounts.values()) account.client.close();
      redis.disconnect();
      probeRedis.disconnect();
      stopLogging();
    },
  };
}

async function buildAccounts(
  options: DaemonOptions,
  events: MigrationEvents,
): Promise<Map<string, Account>> {
  const accounts = new Map<string, Account>();
  for (const [name, account] of Object.entries(options.config.accounts)) {
    const env = account.credentials.profile
      ? { ...options.env, ALIBABA_CLOUD_PROFILE: account.credentials.profile }
      : options.env;
    const credentials = options.emulator
      ? options.emulator.credentials
      : (await resolveCredentials({ env })).credentials;
    const client = new SmcClient({
      endpoint: options.emulator?.url ?? account.endpoint,
      credentials,
      method: account.method,
      timeoutMs: account.timeoutMs,
      ...(account.regionId ? { regionId: account.regionId } : {}),
      onCall: (call) =>
        events.emit("smc:call", {
          action: call.action,
          durationMs: call.durationMs,
          ok: call.ok,
          ...(call.code ? { code: call.code } : {}),
        }),
    });
    accounts.set(name, {
      client,
      quota: account.quota,
      ...(account.maxRunningJobs === undefined ? {} : { maxRunningJobs: account.maxRunningJobs }),
    });
  }
  return accounts;
}
