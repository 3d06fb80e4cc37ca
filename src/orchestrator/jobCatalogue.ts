import { createHash } from "node:crypto";
import { DelayedError, type Job, type Queue } from "bullmq";

/**
 * BullMQ's side of smc-waves: queue names, job ids and job data. Ids are fixed per plan, server and
 * generation, so adding a job twice (two daemons, a retried submit) is a no-op. BullMQ forbids ':'
 * in ids and all-digit ids; plan ids are limited to [A-Za-z0-9_-].
 */
export const QUEUE_NAMES = { plans: "plans", servers: "servers", control: "control" } as const;

/** The step job that walks one plan's waves and admits its servers. */
export interface PlanJobData {
  planId: string;
  generation: number;
}

/** The step job that takes one server from reservation to a finished image. */
export interface ServerJobData {
  planId: string;
  index: number;
  generation: number;
  /** For people reading the queue dashboard; the processor reads the server's record instead. */
  wave?: string;
  key?: string;
}

/**
 * Adds (or, with the same id, finds) the step job of one server generation. Every place that
 * starts or revives a server goes through here, so the ids and data agree.
 */
export async function enqueueServer(
  queue: Queue<ServerJobData>,
  plan: { id: string; spec: { waves: readonly { name: string }[] } },
  server: { index: number; generation: number; wave: number; key: string },
): Promise<void> {
  await queue.add(
    "server",
    {
      planId: plan.id,
      index: server.index,
      generation: server.generation,
      wave: plan.spec.waves[server.wave]?.name ?? String(server.wave),
      key: server.key,
    },
    { jobId: serverJobId(plan.id, server.index, server.generation) },
  );
}

export type ControlJobName = "poll" | "reconcile";

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

/** Reads a plan id back out of a job name we gave; undefined for anyone else's job. */
export function planIdOfJobName(name: string): string | undefined {
  return /^sw-([A-Za-z0-9_-]+)-\d+(?:-r\d+)?$/.exec(name)?.[1];
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
 * Parks a step job until `delayMs` from now without using an attempt; the caller has already
 * persisted its step. Another process may wake it early with `promote()`.
 */
export async function park(job: Job, token: string | undefined, delayMs: number): Promise<never> {
  await job.moveToDelayed(Date.now() + Math.max(1, Math.round(delayMs)), token);
  throw new DelayedError();
}

/** Wakes a parked job now; a job that is running or gone needs no waking. */
export async function wake(queue: Queue, jobId: string): Promise<void> {
  const job = await queue.getJob(jobId);
  if (!job) return;
  try {
    await job.promote();
  } catch {
    // Not delayed (active, waiting or done): it will read the new state on its own.
  }
}
