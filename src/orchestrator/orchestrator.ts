import { type Job, Queue, Worker } from "bullmq";
import type { Logger } from "pino";
import { type Clock, systemClock } from "../platform/clock.ts";
import type { MigrationEvents } from "../platform/events.ts";
import { duplicateForWorkers, type RedisClient } from "../platform/redisConnector.ts";
import { classify, isSmcError } from "../smc/errors.ts";
import { backoffDelay } from "../smc/retry.ts";
import type {
  Account,
  AccountRuntime,
  OrchestratorContext,
  OrchestratorSettings,
} from "./context.ts";
import { processPlanJob } from "./dispatcher.ts";
import {
  type ControlJobName,
  EVENT_STREAM_LENGTH,
  payloadOf,
  QUEUES,
  type QueueName,
  stepWithWakes,
} from "./jobCatalogue.ts";
import { LiveForecasts } from "./liveForecast.ts";
import { createMigrations } from "./migrations.ts";
import { planForecasts } from "./planForecasts.ts";
import { pollTrackedJobs } from "./poller.ts";
import { reconcileAccounts } from "./reconciler.ts";
import { processServerJob } from "./serverJob.ts";
import { SmcHealth } from "./smcHealth.ts";
import { openStore } from "./store/openStore.ts";
import type { Migrations } from "./views.ts";

export interface OrchestratorOptions {
  /** A connection for our own keys (standalone, Sentinel or Cluster); BullMQ gets a duplicate. */
  redis: RedisClient;
  /** The one hash-tagged prefix for every queue and key. @default "{smc-waves}" */
  prefix: string;
  accounts: ReadonlyMap<string, Account>;
  settings: OrchestratorSettings;
  events: MigrationEvents;
  logger: Logger;
  /** The world's clock; pass the emulator's scaled clock to run against it. @default systemClock */
  clock?: Clock;
  random?: () => number;
  /** False to only submit and read (the CLI): no workers, no schedulers. @default true */
  runWorkers?: boolean;
  /**
   * Sees every error event of the orchestrator's Redis connection, queues and workers first; one it
   * returns true for is not logged (the daemon's Redis health tracker logs an outage once instead
   * of a line per queue and worker per reconnect attempt). @default none: every error is logged
   */
  onRedisError?: (error: Error) => boolean;
}

export interface Orchestrator {
  migrations: Migrations;
  queues: OrchestratorContext["queues"];
  /** Stops taking work, lets active steps finish for up to `drainTimeoutMs`, then closes. */
  close(drainTimeoutMs?: number): Promise<void>;
}

/**
 * Builds the orchestrator: queues, store, ledger, and (unless `runWorkers` is false) the workers
 * and the poll and reconcile schedulers. Every daemon runs the same; they share work through
 * Redis alone, with no leader.
 */
export async function startOrchestrator(options: OrchestratorOptions): Promise<Orchestrator> {
  const { redis, prefix, settings, logger } = options;
  const handled = (error: Error) => options.onRedisError?.(error) === true;
  const connection = duplicateForWorkers(redis);
  // ioredis reconnects by itself; without a listener each failed attempt is an unhandled error.
  connection.on("error", (error) => {
    if (!handled(error)) logger.warn({ err: error }, "redis connection error; reconnecting");
  });
  const queueOptions = {
    connection,
    prefix,
    streams: { events: { maxLen: EVENT_STREAM_LENGTH } },
  };
  const queueOf = (name: QueueName) =>
    new Queue(QUEUES[name].name, {
      ...queueOptions,
      defaultJobOptions: {
        ...QUEUES[name].retention(settings),
        attempts: QUEUES[name].attempts(settings),
        backoff: { type: "smc" },
      },
    });
  const queues = {
    plans: queueOf("plans"),
    servers: queueOf("servers"),
    control: queueOf("control"),
  };
  for (const queue of Object.values(queues)) {
    // BullMQ prints a queue's connection errors to the console unless someone listens.
    queue.on("error", (error) => {
      if (!handled(error)) logger.warn({ queue: queue.name, err: error }, "queue connection error");
    });
  }
  const { ctx, stopListening } = createContext(options, queues);

  const workers: Worker[] = [];
  if (options.runWorkers !== false) {
    await reconcileAccounts(ctx).catch((error: unknown) =>
      logger.error({ err: error }, "first reconcile failed; the scheduler retries"),
    );
    const workerOptions = {
      connection,
      prefix,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      // Parked step jobs count a start each time they wake; only stalls after a crash count here.
      maxStalledCount: 10,
      settings: {
        backoffStrategy: (attemptsMade: number) =>
          backoffDelay(attemptsMade, settings.retry, ctx.random),
      },
    };
    const processors: Record<QueueName, (job: Job, token: string | undefined) => Promise<void>> = {
      plans: (job, token) =>
        stepWithWakes(ctx.wakes, queues.plans, job, () => processPlanJob(ctx, job, token)),
      servers: (job, token) =>
        stepWithWakes(ctx.wakes, queues.servers, job, () => processServerJob(ctx, job, token)),
      control: (job) => runControlJob(ctx, job),
    };
    for (const name of Object.keys(QUEUES) as QueueName[]) {
      workers.push(
        new Worker(QUEUES[name].name, processors[name], {
          ...workerOptions,
          concurrency: QUEUES[name].concurrency(settings),
        }),
      );
    }
    for (const worker of workers) {
      worker.on("failed", (job, error) =>
        logger.warn({ queue: worker.name, jobId: job?.id, err: error }, "step failed"),
      );
      worker.on("error", (error) => {
        if (!handled(error)) logger.error({ queue: worker.name, err: error }, "worker error");
      });
    }
    // Idempotent: every daemon upserts the same two schedulers at boot, and one pending job each remains.
    await queues.control.upsertJobScheduler(
      "poll",
      { every: settings.pollIntervalMs },
      { name: "poll" },
    );
    await queues.control.upsertJobScheduler(
      "reconcile",
      { every: settings.reconcileIntervalMs },
      { name: "reconcile" },
    );
  }

  const forecasts = planForecasts(ctx);
  // The ETA: recomputed at most every 30 s of real time, and after status changes (LiveForecasts).
  // On an emulator's fast clock 30 real seconds are hours of the world: there, every ten world
  // minutes.
  const live = new LiveForecasts({
    forecast: (planId) => forecasts.forecast(planId),
    events: options.events,
    now: systemClock.now,
    isPast: (forecast) => Date.parse(forecast.finish.p50) < ctx.clock.now(),
    maxAgeMs: Math.min(30_000, ctx.clock.realDelay(10 * 60_000)),
  });
  return {
    migrations: createMigrations(ctx, { forecasts, live }),
    queues,
    async close(drainTimeoutMs = 30_000) {
      // The drain is a pause (no new step starts; resolves once the active ones finished), not a
      // close: BullMQ answers a second close(true) with the graceful close already under way, so a
      // stuck step would hold the shutdown past any bound.
      const drained = Promise.all(workers.map((worker) => worker.pause()));
      const deadline = new AbortController();
      const timedOut = await Promise.race([
        drained.then(() => false),
        systemClock.sleep(drainTimeoutMs, deadline.signal).then(
          () => true,
          () => false,
        ),
      ]);
      deadline.abort();
      // Past the bound the close is forced: stalled-job recovery hands the active steps to another
      // daemon once their locks lapse.
      await Promise.all(workers.map((worker) => worker.close(timedOut)));
      await Promise.all(Object.values(queues).map((queue) => queue.close()));
      stopListening();
      live.close();
      connection.disconnect();
    },
  };
}

/**
 * The processors' dependencies: the store over `redis`, each account with the health its client's
 * calls report, the clocks. `stopListening` detaches the health listeners from the clients.
 */
export function createContext(
  options: Omit<OrchestratorOptions, "runWorkers">,
  queues: OrchestratorContext["queues"],
): { ctx: OrchestratorContext; stopListening: () => void } {
  const clock = options.clock ?? systemClock;
  const accounts = new Map<string, AccountRuntime>();
  const listeners: (() => void)[] = [];
  for (const [name, account] of options.accounts) {
    const health = new SmcHealth(() => clock.now(), systemClock.now);
    listeners.push(account.client.addCallListener((call) => health.observe(call)));
    accounts.set(name, { ...account, health });
  }
  const store = openStore(options.redis, options.prefix, options.logger, () => clock.now());
  const ctx: OrchestratorContext = {
    prefix: options.prefix,
    store: store.migrations,
    servers: store.servers,
    ledger: store.ledger,
    tracking: store.tracking,
    wakes: store.wakes,
    accounts,
    clock,
    realClock: systemClock,
    random: options.random ?? Math.random,
    events: options.events,
    logger: options.logger,
    settings: options.settings,
    queues,
  };
  return {
    ctx,
    stopListening: () => {
      for (const stop of listeners) stop();
    },
  };
}

/**
 * A poll or a reconcile. Each SMC call in them has already been retried; one that still failed
 * (an outage, lasting throttling) is said in one line, and the scheduler's next run tries again:
 * failing the BullMQ job would only log a stack trace per tick.
 */
async function runControlJob(ctx: OrchestratorContext, job: Job): Promise<void> {
  payloadOf("control", job);
  const name = job.name as ControlJobName;
  try {
    switch (name) {
      case "poll":
        return await pollTrackedJobs(ctx, job.timestamp + (job.opts.delay ?? 0));
      case "reconcile":
        return await reconcileAccounts(ctx);
    }
  } catch (error) {
    if (!isSmcError(error) || classify(error) === "permanent") throw error;
    ctx.logger.warn(
      { step: name, code: error.code, action: error.action },
      `${name}: the SMC endpoint did not answer (${error.code}); the next ${name} tries again`,
    );
  }
}
