/**
 * The composition root: builds every part of a daemon from its config, wires them, starts them.
 * Nothing else happens here; the CLI's `daemon` and `quickstart` commands call `startDaemon`.
 *
 * Boot order: inputs (config, credentials, the bind check) are checked before anything touches
 * Redis or SMC; then the HTTP API listens at once, Redis or not, so `/healthz` answers from the first
 * second; the workers start in the background as soon as Redis answers. While Redis is away the API
 * answers 503 saying so, and the log says so once.
 */
import { assertSafeBind } from "./api/apiAuth.ts";
import { createHealthCheck, type WorkersStatus } from "./api/healthCheck.ts";
import { type RunningApiServer, startApiServer } from "./api/server.ts";
import type { RunningEmulator } from "./emulator/startEmulator.ts";
import { startNotifier } from "./notifications/notifier.ts";
import type { Account, OrchestratorSettings } from "./orchestrator/context.ts";
import { type Orchestrator, startOrchestrator } from "./orchestrator/orchestrator.ts";
import type { Migrations } from "./orchestrator/views.ts";
import type { DaemonConfig } from "./platform/config.ts";
import { startHeartbeat, thisDaemon } from "./platform/daemonHeartbeat.ts";
import { MigrationEvents } from "./platform/events.ts";
import { type Logger, logMigrationEvents } from "./platform/logger.ts";
import { describeRedis } from "./platform/redisConfig.ts";
import { connectRedis, healthProbeTarget } from "./platform/redisConnector.ts";
import { RedisHealth } from "./platform/redisHealth.ts";
import { inspectRedis } from "./platform/redisPreflight.ts";
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
  /** Submits, reads and controls plans, as the API does (failing fast while Redis is away). */
  migrations: Migrations;
  events: MigrationEvents;
  /** The API's base URL, when it listens. */
  apiUrl?: string;
  /** Resolves once Redis answered and the workers run; rejects if the daemon is closed first. */
  ready: Promise<void>;
  /** Drains within the config's bound and closes everything it opened. */
  close(): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, logger, emulator } = options;
  const startedAt = Date.now();
  if (options.http !== false) assertSafeBind(config.http.host, config.http.tokens);
  const events = new MigrationEvents();
  const accounts = await buildAccounts(options, events);
  const stopLogging = logMigrationEvents(events, logger);

  // The request path's connection (fail fast): the API's reads and writes, the heartbeat, and the
  // one the health tracker probes. Every other connection's errors go to the tracker too.
  const requestRedis = connectRedis(config.redis, "request", {
    name: "smc-waves-api",
  });
  const redisHealth = new RedisHealth({
    redis: healthProbeTarget(requestRedis, config.redis.prefix),
    url: describeRedis(config.redis),
    logger,
  });
  const onRedisError = (error: Error) => redisHealth.noteError(error);
  const shared = {
    prefix: config.redis.prefix,
    accounts,
    events,
    logger,
    settings: {
      ...config.orchestrator,
      reservationLeaseMs: 10 * 60_000,
      retry: DEFAULT_RETRY_POLICY,
    } satisfies OrchestratorSettings,
    onRedisError,
    ...(emulator ? { clock: emulator.clock } : {}),
  };
  // The API's side holds no workers, so it starts at once whether Redis answers or not.
  const front = await startOrchestrator({ ...shared, redis: requestRedis, runWorkers: false });
  // Workers block on Redis and must ride out reconnects: a connection whose commands wait.
  const workerRedis = connectRedis(config.redis, "worker", { name: "smc-waves" });
  workerRedis.on("error", (error) => {
    if (!onRedisError(error)) logger.warn({ err: error }, "redis connection error");
  });

  // Notifications (issue 9.5): listening before the API takes a plan and the workers start, so no
  // event is missed; their deliveries wait for Redis like the workers do.
  const notifier = await startNotifier({
    redis: workerRedis,
    prefix: config.redis.prefix,
    config: config.notifications,
    events,
    logger,
    // The summary: a full view would read every server of the plan for each notification.
    describePlan: (planId) => front.migrations.planDetail(planId),
    lockDurationMs: config.orchestrator.lockDurationMs,
    stalledIntervalMs: config.orchestrator.stalledIntervalMs,
    onRedisError,
  });

  let workersStatus: WorkersStatus = "starting";
  let api: RunningApiServer | undefined;
  if (options.http !== false) {
    try {
      api = await startApiServer({
        host: config.http.host,
        port: config.http.port,
        migrations: front.migrations,
        queues: [...Object.values(front.queues), ...(notifier.queue ? [notifier.queue] : [])],
        events,
        logger,
        redis: redisHealth,
        dashboardReadOnly: config.http.dashboardReadOnly,
        now: () => (emulator?.clock ?? Date).now(),
        tokens: config.http.tokens,
        health: createHealthCheck({
          redis: () => redisHealth.state,
          workers: () => workersStatus,
          clients: [...accounts.values()].map((account) => account.client),
          now: Date.now,
        }),
      });
    } catch (error) {
      await notifier.close();
      await front.close(0);
      for (const account of accounts.values()) account.client.close();
      redisHealth.close();
      workerRedis.disconnect();
      requestRedis.disconnect();
      stopLogging();
      throw error;
    }
    logger.info({ url: api.url }, "HTTP API listening");
  }
  const heartbeat = startHeartbeat({
    redis: requestRedis,
    prefix: config.redis.prefix,
    presence: thisDaemon(api?.url, startedAt),
  });

  // The workers start once Redis answers; until then the API says why it cannot serve.
  const stopping = new AbortController();
  let workers: Orchestrator | undefined;
  const ready = (async () => {
    await redisHealth.whenReachable(stopping.signal);
    // In the background: a finding is a log line for the operator, never a reason not to start.
    void inspectRedis(workerRedis, config.redis.prefix).then((findings) => {
      for (const finding of findings)
        logger.warn({ redis: describeRedis(config.redis), node: finding.node }, finding.message);
    });
    workers = await startOrchestrator({ ...shared, redis: workerRedis });
    workersStatus = "running";
  })();
  // A daemon closed before Redis ever answered never starts its workers; that is not an error.
  ready.catch(() => undefined);

  return {
    migrations: front.migrations,
    events,
    ...(api ? { apiUrl: api.url } : {}),
    ready,
    async close() {
      const drainMs = config.orchestrator.drainTimeoutMs;
      workersStatus = "stopping";
      stopping.abort(new Error("the daemon is stopping"));
      await api?.close();
      // Workers part-way through starting (Redis went away meanwhile) get the drain bound to finish.
      await settlesWithin(ready, drainMs);
      // The orchestrator bounds its drain, then forces its workers closed; a forced close can still
      // hang (BullMQ's worker.close(true) right after Redis restarted), so that is bounded too.
      if (workers && !(await settlesWithin(workers.close(drainMs), drainMs + FORCED_CLOSE_MS))) {
        logger.warn(
          `the workers did not close within ${(drainMs + FORCED_CLOSE_MS) / 1000} s; stopping without them (their steps go to another daemon after orchestrator.lockDuration)`,
        );
      }
      // After the workers (their last steps may still notify), before Redis. Its own close waits
      // out enqueues and one delivery; past that (the same BullMQ hang) it is abandoned too.
      const notifierMs = config.notifications.delivery.timeoutMs + drainMs + FORCED_CLOSE_MS;
      if (!(await settlesWithin(notifier.close(), notifierMs))) {
        logger.warn(
          `the notifier did not close within ${notifierMs / 1000} s; stopping without it`,
        );
      }
      await heartbeat.stop();
      await settlesWithin(front.close(0), FORCED_CLOSE_MS);
      for (const account of accounts.values()) account.client.close();
      redisHealth.close();
      workerRedis.disconnect();
      requestRedis.disconnect();
      stopLogging();
    },
  };
}

/** How long a forced close may take beyond the drain bound, ms. */
const FORCED_CLOSE_MS = 5_000;

/** Whether `promise` settles (either way) within `ms`; it is left running otherwise. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
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
      ...(account.throughputMiBPerSecond === undefined
        ? {}
        : { throughputBytesPerSecond: account.throughputMiBPerSecond * 1024 * 1024 }),
    });
  }
  return accounts;
}
