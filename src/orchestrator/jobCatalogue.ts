import { createHash } from "node:crypto";
import { DelayedError, type Job, type Queue, UnrecoverableError } from "bullmq";
import { z } from "zod";
import type { OrchestratorSettings } from "./context.ts";
import type { WakeRequests } from "./store/wakeRequests.ts";

/**
 * BullMQ's side of smc-waves, as one table: every queue, its job payload's schema, attempts,
 * backoff and concurrency, and the ids of its jobs. Ids are fixed per plan, server and generation,
 * so adding a job twice (two daemons, a retried submit) is a no-op. BullMQ forbids ':' in ids and
 * all-digit ids; plan ids are limited to [A-Za-z0-9_-].
 */

const planPayload = z.object({ planId: z.string().min(1), generation: z.number().int().min(0) });

const serverPayload = planPayload.extend({
  index: z.number().int().min(0),
  /** For people reading the queue dashboard; the processor reads the server's record instead. */
  wave: z.string().optional(),
  key: z.string().optional(),
});

const controlPayload = z.object({});

/** The step job that walks one plan's waves and admits its servers. */
type PlanJobData = z.infer<typeof planPayload>;
/** The step job that takes one server from reservation to a finished image. */
type ServerJobData = z.infer<typeof serverPayload>;

export type ControlJobName = "poll" | "reconcile";

interface QueueSpec<P extends z.ZodType> {
  name: string;
  payload: P;
  /**
   * BullMQ attempts, for what the step itself does not handle: a Redis blip, a bug. SMC errors are
   * handled inside the step (parked with a persisted retry state), never by failing the BullMQ job.
   */
  attempts: (settings: OrchestratorSettings) => number;
  /** Steps one daemon runs at once; parked (delayed) jobs do not count. */
  concurrency: (settings: OrchestratorSettings) => number;
  /**
   * Finished jobs BullMQ keeps, for the queue dashboard only: a step's record lives on the server's
   * and the plan's hashes, and a server whose step job is gone gets it back from the audit.
   */
  retention: (settings: OrchestratorSettings) => Retention;
}

interface Retention {
  removeOnComplete: { age?: number; count: number };
  removeOnFail: { age?: number; count: number };
}

/**
 * Entries BullMQ keeps in each queue's event stream (`XADD … MAXLEN ~`, so up to about one more
 * macro node of 100). Nothing of ours reads the stream; at BullMQ's default of 10,000 it held
 * 4.5 KiB per server of a 400-server plan.
 */
export const EVENT_STREAM_LENGTH = 100;

/** Failed step jobs kept (a bug's stack trace, for the dashboard), besides their configured age. */
const FAILED_JOBS_KEPT = 1_000;

/** The configured retention of finished step jobs: how long, and how many completed ones. */
const stepRetention = (settings: OrchestratorSettings): Retention => ({
  removeOnComplete: {
    age: Math.ceil(settings.keepCompleted.ageMs / 1000),
    count: settings.keepCompleted.count,
  },
  removeOnFail: { age: Math.ceil(settings.keepFailed.ageMs / 1000), count: FAILED_JOBS_KEPT },
});

export const QUEUES = {
  /** One step job per plan generation: walks the waves, admits servers, ends the plan. */
  plans: {
    name: "plans",
    payload: planPayload,
    attempts: (settings) => settings.retry.maxAttempts,
    concurrency: () => 5,
    retention: stepRetention,
  },
  /** One step job per server generation: create → start → watch → finish (or stop and clean up). */
  servers: {
    name: "servers",
    payload: serverPayload,
    attempts: (settings) => settings.retry.maxAttempts,
    concurrency: (settings) => settings.concurrency,
    retention: stepRetention,
  },
  /** The poll and reconcile schedulers' jobs. */
  control: {
    name: "control",
    payload: controlPayload,
    attempts: () => 1,
    concurrency: () => 2,
    // A poll every interval: at a 30 s poll a week's worth would be 20,000 jobs nobody reads.
    retention: () => ({ removeOnComplete: { count: 10 }, removeOnFail: { count: 100 } }),
  },
} as const satisfies Record<string, QueueSpec<z.ZodType>>;

export type QueueName = keyof typeof QUEUES;

/** A job's data checked against its queue's schema: a malformed job fails at once, saying why. */
export function payloadOf<N extends QueueName>(
  queue: N,
  job: Job,
): z.infer<(typeof QUEUES)[N]["payload"]> {
  const parsed = QUEUES[queue].payload.safeParse(job.data);
  if (!parsed.success) {
    throw new UnrecoverableError(
      `job ${job.id} of queue ${queue} has malformed data: ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"} ${issue.message}`).join("; ")}`,
    );
  }
  return parsed.data as z.infer<(typeof QUEUES)[N]["payload"]>;
}

/**
 * Adds (or, with the same id, finds) the step job of one server generation. Every place that
 * starts or revives a server goes through here, so the ids and data agree.
 */
export async function enqueueServer(
  queue: Queue,
  plan: { id: string; spec: { waves: readonly { name: string }[] } },
  server: { index: number; generation: number; wave: number; key: string },
): Promise<void> {
  const data: ServerJobData = {
    planId: plan.id,
    index: server.index,
    generation: server.generation,
    wave: plan.spec.waves[server.wave]?.name ?? String(server.wave),
    key: server.key,
  };
  await queue.add("server", data, {
    jobId: serverJobId(plan.id, server.index, server.generation),
  });
}

export async function enqueuePlan(queue: Queue, planId: string, generation: number): Promise<void> {
  const data: PlanJobData = { planId, generation };
  await queue.add("plan", data, { jobId: planJobId(planId, generation) });
}

export function planJobId(planId: string, generation: number): string {
  return `plan-${planId}-g${generation}`;
}

export function serverJobId(planId: string, index: number, generation: number): string {
  return `srv-${planId}-${index}-g${generation}`;
}

/** The replication job's name: unique per account, so it finds our job after any crash. */
export function replicationJobName(planId: string, index: number, generation: number): string {
  return `sw-${planId}-${index}${generation > 0 ? `-r${generation}` : ""}`;
}

/** Reads the plan id and server number back out of a job name we gave; undefined for anyone else's job. */
export function ownerOfJobName(name: string): { planId: string; index: number } | undefined {
  const match = /^sw-([A-Za-z0-9_-]+)-(\d+)(?:-r\d+)?$/.exec(name);
  return match?.[1] && match[2] ? { planId: match[1], index: Number(match[2]) } : undefined;
}

/** The same token on every retry of one server's create: the service then makes one job. */
export function clientToken(
  prefix: string,
  planId: string,
  index: number,
  generation: number,
): string {
  const digest = createHash("sha256")
    .update(`${prefix}|${planId}|${index}|${generation}`)
    .digest("hex");
  return `sw-${digest.slice(0, 40)}`;
}

/**
 * How long a step parked until the poller stores a change waits when no wake comes, real ms. Wakes
 * are not lost to a step that was running (see `promoteWoken`), so this only covers a daemon
 * killed between storing a status and waking the step: two sweeps, the most a change can wait.
 */
export function fallbackWakeMs(settings: OrchestratorSettings): number {
  return 2 * settings.sweepIntervalMs;
}

/**
 * Parks a step job until `delayMs` from now without using an attempt; the caller has already
 * persisted its step. Another process may wake it early with `promote()`.
 */
export async function park(job: Job, token: string | undefined, delayMs: number): Promise<never> {
  await job.moveToDelayed(Date.now() + Math.max(1, Math.round(delayMs)), token);
  throw new DelayedError();
}

/**
 * Wakes a step job now: promotes it if parked. The request is written first, so a step that is
 * running now (and may park on what it read before) is promoted at the poller's next tick.
 */
export async function wake(wakes: WakeRequests, queue: Queue, jobId: string): Promise<void> {
  await wakes.request(queue.name, jobId);
  const job = await queue.getJob(jobId);
  if (!job) return;
  try {
    await job.promote();
  } catch {
    // Not delayed (active, waiting or done): it reads the new state when it runs next.
  }
}

/**
 * Runs one step of a step job after clearing its wake request: what a request announced was
 * written before, so the step reads it. A request that comes while it runs stays for the poller.
 */
export async function stepWithWakes(
  wakes: WakeRequests,
  queue: Queue,
  job: Job,
  step: () => Promise<void>,
): Promise<void> {
  await wakes.clear(queue.name, job.id ?? "");
  await step();
}

/**
 * Promotes the steps woken while they ran, now that they have parked; forgets requests whose step
 * is waiting (it reads the new state when it runs), done or gone. A step still running keeps its
 * request for the next tick. Promoting from here, not from the step itself, never hands a job to
 * another worker while BullMQ is still finishing the step that parked it.
 */
export async function promoteWoken(
  wakes: WakeRequests,
  queues: Readonly<Record<string, Queue>>,
): Promise<void> {
  for (const request of await wakes.pending()) {
    const queue = Object.values(queues).find((candidate) => candidate.name === request.queue);
    const job = queue ? await queue.getJob(request.jobId) : undefined;
    const state = job ? await job.getState() : "unknown";
    if (state === "active") continue;
    // Cleared before the promote: a request made after it (the step ran again) stays.
    await wakes.clear(request.queue, request.jobId);
    if (state === "delayed") await job?.promote().catch(() => undefined);
  }
}
