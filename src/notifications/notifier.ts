import { createHash } from "node:crypto";
import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Logger } from "pino";
import packageJson from "../../package.json" with { type: "json" };
import { EVENT_STREAM_LENGTH } from "../orchestrator/jobCatalogue.ts";
import { systemClock } from "../platform/clock.ts";
import type { MigrationEvents } from "../platform/events.ts";
import { duplicateForWorkers, type RedisClient } from "../platform/redisConnector.ts";
import {
  eventToNotification,
  failureGroupNotification,
  type MappedEvent,
  type Notification,
  serverFailureOf,
} from "./eventToNotification.ts";
import { type MessageContext, renderBody } from "./messageFormats.ts";
import type { NotificationsConfig, WebhookConfig } from "./notificationConfig.ts";
import { matchesEvent, type NotificationEvent } from "./notificationEvents.ts";
import { flushJobId, ServerFailureGroups } from "./serverFailureGroups.ts";
import { deliveryDelay, postWebhook } from "./webhookDelivery.ts";
import { dingTalkSignedUrl, SIGNATURE_HEADER, signatureHeader } from "./webhookSignature.ts";

export const NOTIFICATIONS_QUEUE = "notifications";

/** What the daemon knows of a plan for messages; the orchestrator's `PlanView` is one. */
interface PlanFacts {
  name: string;
  counts: Record<string, number>;
  waves: readonly { name: string; counts: Record<string, number> }[];
}

export interface NotifierOptions {
  /** Duplicated for the queue and its worker; the original is left alone. */
  redis: RedisClient;
  /** The one hash-tagged prefix of every queue and key. */
  prefix: string;
  config: NotificationsConfig;
  events: MigrationEvents;
  logger: Logger;
  /** Plan names and server counts for messages; without it messages name the plan id only. */
  describePlan?: (planId: string) => Promise<PlanFacts | undefined>;
  /** Wall-clock epoch ms: signature timestamps and "at" in messages. @default Date.now */
  now?: () => number;
  /** [0, 1) for backoff jitter. @default Math.random */
  random?: () => number;
  /**
   * A daemon that dies mid-delivery gives the delivery to another after this long, ms (BullMQ's
   * lock, renewed while a delivery runs). @default 30_000
   */
  lockDurationMs?: number;
  /** How often each daemon looks for deliveries of a daemon that died, ms. @default 30_000 */
  stalledIntervalMs?: number;
  /**
   * Sees every error event of the notifier's Redis connection, queue and worker first; one it
   * returns true for is not logged (the daemon's Redis health tracker logs an outage once).
   * @default none: every error is logged
   */
  onRedisError?: (error: Error) => boolean;
}

export interface Notifier {
  /** The delivery queue, for the dashboard and /metrics; absent when no webhook is configured. */
  queue?: Queue;
  /** Stops listening, lets deliveries in flight end (bounded by the delivery timeout), closes. */
  close(): Promise<void>;
}

interface DeliverJobData {
  webhook: string;
  /** For the dashboard's job names. */
  planId: string;
  wave?: string;
  notification: Notification;
  /** Looked up on the first try and kept, so every try sends the same words. */
  context?: MessageContext | null;
}

interface FlushJobData {
  planId: string;
  wave: string;
  groupId: string;
}

/** A failed try worth repeating; `retryAfterMs` is the receiver's Retry-After. */
class DeliveryError extends Error {
  override readonly name = "DeliveryError";
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Failed deliveries stay on the dashboard this long. */
const KEEP_FAILED_SECONDS = 7 * 86_400;
/** Enqueues still in flight at close get this long to reach Redis. */
const ENQUEUE_DRAIN_MS = 5_000;
/** A daemon that dies mid-delivery hands the job on; past this many such stalls it fails. */
const MAX_STALLED = 3;

/** One delivery per webhook and fact: every daemon enqueuing the same fact makes the same job. */
function deliveryJobId(webhook: string, key: string): string {
  return `n-${createHash("sha256").update(`${webhook}\0${key}`).digest("hex").slice(0, 32)}`;
}

function contextFor(n: Notification, facts: PlanFacts): MessageContext {
  const wave = n.wave === undefined ? undefined : facts.waves.find((w) => w.name === n.wave);
  return { planName: facts.name, counts: (wave ?? facts).counts };
}

/**
 * Sends migration events to the configured webhooks. The orchestrator's side is an event listener
 * that enqueues (one Redis write, not awaited by anyone): a slow, failing or absent receiver never
 * slows a migration step. A worker on every daemon delivers, at least once, with retries.
 */
export async function startNotifier(options: NotifierOptions): Promise<Notifier> {
  const { config, events, logger, prefix } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const webhooks = new Map(config.webhooks.map((hook) => [hook.name, hook]));
  if (webhooks.size === 0) return { close: async () => {} };

  const log = logger.child({ component: "notifications" });
  const handled = (error: Error) => options.onRedisError?.(error) === true;
  const connection = duplicateForWorkers(options.redis);
  connection.on("error", (error) => {
    if (!handled(error)) log.warn({ err: error }, "redis connection error; reconnecting");
  });
  const { delivery } = config;
  const queue = new Queue(NOTIFICATIONS_QUEUE, {
    connection,
    prefix,
    streams: { events: { maxLen: EVENT_STREAM_LENGTH } },
    defaultJobOptions: {
      attempts: delivery.attempts,
      backoff: { type: "webhook" },
      // Kept jobs are the deduplication: adding a kept job's id again is a no-op.
      removeOnComplete: { age: Math.ceil(delivery.dedupeWindowMs / 1000) },
      removeOnFail: { age: KEEP_FAILED_SECONDS },
    },
  });
  queue.on("error", (error) => {
    if (!handled(error)) log.warn({ err: error }, "queue connection error");
  });
  const groups = new ServerFailureGroups(connection, prefix);

  const hooksFor = (event: NotificationEvent): WebhookConfig[] =>
    [...webhooks.values()].filter((hook) => matchesEvent(hook.events, event));

  const enqueue = async (n: Notification): Promise<void> => {
    const hooks = hooksFor(n.event);
    if (hooks.length === 0) return;
    await queue.addBulk(
      hooks.map((hook) => ({
        name: "deliver",
        data: {
          webhook: hook.name,
          planId: n.planId,
          ...(n.wave === undefined ? {} : { wave: n.wave }),
          notification: n,
        } satisfies DeliverJobData,
        opts: { jobId: deliveryJobId(hook.name, n.key) },
      })),
    );
  };

  // Enqueues run detached from the emitter; close() waits for the ones in flight.
  let closing = false;
  const inFlight = new Set<Promise<void>>();
  const detach = (event: NotificationEvent, work: () => Promise<void>) => {
    if (closing) return;
    const promise = work().catch((error: unknown) => {
      log.warn({ err: error, event }, "notification not enqueued; it is lost");
      events.emit("notification:dropped", { event, reason: String(error) });
    });
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
  };
  const onMapped = (event: MappedEvent) => {
    const n = eventToNotification(event, now());
    if (n) detach(n.event, () => enqueue(n));
  };
  const offs = [
    events.on("plan:submitted", (payload) => onMapped({ name: "plan:submitted", payload })),
    events.on("plan:status", (payload) => onMapped({ name: "plan:status", payload })),
    events.on("wave:status", (payload) => onMapped({ name: "wave:status", payload })),
    events.on("gate:waiting", (payload) => onMapped({ name: "gate:waiting", payload })),
    events.on("cutover:ready", (payload) => onMapped({ name: "cutover:ready", payload })),
    events.on("cutover:done", (payload) => onMapped({ name: "cutover:done", payload })),
    events.on("server:status", (payload) => {
      const recorded = serverFailureOf(payload, now());
      if (!recorded || hooksFor("server.failed").length === 0) return;
      detach("server.failed", async () => {
        const groupId = await groups.record(recorded);
        // Every failure of the group adds the same job: the first add sets the delay, and a
        // group whose first add was lost (a crash) gets its flush from the next failure.
        const data: FlushJobData = { planId: recorded.planId, wave: recorded.wave, groupId };
        await queue.add("flush", data, {
          jobId: flushJobId(recorded.planId, recorded.wave, groupId),
          delay: config.serverFailureWindowMs,
        });
      });
    }),
  ];

  const flush = async (data: FlushJobData): Promise<void> => {
    const failures = await groups.take(data.planId, data.wave, data.groupId);
    if (failures.length > 0) await enqueue(failureGroupNotification(data, failures, now()));
    await groups.release(data.planId, data.wave, data.groupId);
  };

  const lookUpContext = async (n: Notification): Promise<MessageContext | null | undefined> => {
    if (!options.describePlan) return null;
    try {
      const facts = await options.describePlan(n.planId);
      return facts ? contextFor(n, facts) : null;
    } catch (error) {
      // The words can wait for the next try; the message goes now without them.
      log.debug({ err: error, plan: n.planId }, "plan facts unavailable for a notification");
      return undefined;
    }
  };

  const deliver = async (job: Job<DeliverJobData>): Promise<{ status: number }> => {
    const { notification: n } = job.data;
    const hook = webhooks.get(job.data.webhook);
    if (!hook) {
      throw new UnrecoverableError(`webhook "${job.data.webhook}" is no longer in the config`);
    }
    let context = job.data.context;
    if (context === undefined) {
      context = await lookUpContext(n);
      if (context !== undefined) await job.updateData({ ...job.data, context });
    }
    const body = renderBody(hook.format, n, context ?? {}, config.publicUrl);
    const sentAt = now();
    const attempt = job.attemptsMade + 1;
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      "user-agent": `smc-waves/${packageJson.version}`,
      "idempotency-key": n.key,
      "x-smc-waves-event": n.event,
      "x-smc-waves-delivery": job.id ?? "",
      "x-smc-waves-attempt": String(attempt),
    };
    let url = hook.url.reveal();
    if (hook.secret) {
      headers[SIGNATURE_HEADER] = signatureHeader(
        hook.secret.reveal(),
        body,
        Math.floor(sentAt / 1000),
      );
      if (hook.format === "dingtalk") url = dingTalkSignedUrl(url, hook.secret.reveal(), sentAt);
    }
    const outcome = await postWebhook({
      url,
      body,
      headers,
      format: hook.format,
      timeoutMs: delivery.timeoutMs,
      now,
    });
    const about = { webhook: hook.name, event: n.event, attempt };
    if (outcome.kind === "delivered") {
      events.emit("notification:delivered", { ...about, latencyMs: Math.max(0, now() - n.at) });
      log.debug({ ...about, key: n.key, status: outcome.status }, "notification delivered");
      return { status: outcome.status };
    }
    const final = outcome.kind === "reject" || attempt >= (job.opts.attempts ?? 1);
    events.emit("notification:failed", { ...about, final, reason: outcome.reason });
    const fields = { ...about, url: hook.displayUrl, key: n.key, reason: outcome.reason };
    if (final) log.warn(fields, "notification given up; it stays in the queue's failed jobs");
    else log.debug(fields, "notification try failed; retrying");
    if (outcome.kind === "reject") throw new UnrecoverableError(outcome.reason);
    throw new DeliveryError(outcome.reason, outcome.retryAfterMs);
  };

  const worker = new Worker(
    NOTIFICATIONS_QUEUE,
    async (job: Job) =>
      job.name === "flush" ? flush(job.data as FlushJobData) : deliver(job as Job<DeliverJobData>),
    {
      connection,
      prefix,
      concurrency: delivery.concurrency,
      maxStalledCount: MAX_STALLED,
      ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
      ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) =>
          deliveryDelay(
            attemptsMade,
            delivery,
            random,
            error instanceof DeliveryError ? error.retryAfterMs : undefined,
          ),
      },
    },
  );
  worker.on("error", (error) => {
    if (!handled(error)) log.error({ err: error }, "notification worker error");
  });

  return {
    queue,
    async close() {
      closing = true;
      for (const off of offs) off();
      await boundedWait(Promise.allSettled(inFlight), ENQUEUE_DRAIN_MS);
      // The drain is a pause, then a close forced past one delivery timeout (BullMQ ignores a
      // close(true) that follows a graceful close already under way); a delivery cut short stalls
      // and another daemon (or the next boot) sends it again under the same key.
      const drained = await boundedWait(worker.pause(), delivery.timeoutMs + 1_000);
      await worker.close(!drained);
      await queue.close();
      connection.disconnect();
    },
  };
}

/** Whether `promise` settled within `ms`. */
async function boundedWait(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      promise.then(() => true),
      systemClock.sleep(ms, timer.signal).then(
        () => false,
        () => false,
      ),
    ]);
  } finally {
    timer.abort();
  }
}
