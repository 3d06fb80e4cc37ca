import { isEnded } from "../lifecycle/statuses.ts";
import { nextPollDelay } from "../scheduler/pollSchedule.ts";
import { withRetry } from "../smc/retry.ts";
import { type ReplicationJob, UNFINISHED_JOB_STATUSES } from "../smc/types.ts";
import { retryOptions } from "./callRetry.ts";
import type { OrchestratorContext } from "./context.ts";
import { planJobId, promoteWoken, serverJobId, wake } from "./jobCatalogue.ts";
import { jobStateChange } from "./jobStateChange.ts";
import type { DueJob, Watcher } from "./store/jobTracking.ts";
import type { ServerPatch } from "./store/serverStore.ts";
import type { ServerRecord } from "./store/storeRecords.ts";

/** The service's largest `JobId.N` list and page. */
const BATCH = 50;

/**
 * One batch poll of the tracked jobs that are due, of every account: DescribeReplicationJobs with
 * up to 50 `JobId.N` per call (each call retried on its own), never a call per job. Due jobs of
 * every plan of the account share the calls, and the last call is filled with the jobs due next.
 * Each result is stored on its server, a server job whose job reached a status it acts on is woken
 * at once, and each job is given its next due time (see `nextPollDelay`). Someone else's job that
 * holds a source a server waits for is asked about at every tick: once it is gone or finished, the
 * source is freed and the plans are woken, within a poll. Steps woken while they ran are promoted
 * first, now that they have parked.
 */
export async function pollTrackedJobs(
  ctx: OrchestratorContext,
  scheduledAt: number,
): Promise<void> {
  await promoteWoken(ctx.wakes, ctx.queues);
  for (const [accountName, account] of ctx.accounts) {
    const due = await ctx.tracking.due(accountName, ctx.realClock.now(), BATCH);
    let calls = 0;
    for (let start = 0; start < due.length; start += BATCH) {
      const batch = due.slice(start, start + BATCH);
      const { items } = await withRetry(
        () =>
          account.client.describeReplicationJobs({
            jobIds: batch.map((job) => job.jobId),
            pageSize: BATCH,
          }),
        retryOptions(ctx),
      );
      calls++;
      await storeBatch(ctx, accountName, batch, new Map(items.map((job) => [job.jobId, job])));
    }
    ctx.events.emit("poll:completed", {
      account: accountName,
      jobs: due.length,
      calls,
      lagMs: Math.max(0, ctx.realClock.now() - scheduledAt),
    });
  }
}

/**
 * One batch's results: its servers read in one round trip, written in one, then woken; each job's
 * next look scheduled in one more.
 */
async function storeBatch(
  ctx: OrchestratorContext,
  account: string,
  batch: readonly DueJob[],
  seen: ReadonlyMap<string, ReplicationJob>,
): Promise<void> {
  const refs = batch.flatMap(({ jobId, watcher }) =>
    watcher.kind === "server" ? [{ jobId, planId: watcher.planId, index: watcher.index }] : [],
  );
  const servers = await ctx.servers.getServersAt(refs);
  const untrack: string[] = [];
  const updates: { planId: string; index: number; patch: ServerPatch }[] = [];
  const wakes: string[] = [];
  refs.forEach((ref, position) => {
    const server = servers[position];
    const change = jobStateChange(server, ref.jobId, seen.get(ref.jobId));
    if (change.kind === "untrack") untrack.push(ref.jobId);
    if (change.kind !== "update" || !server) return;
    updates.push({ planId: ref.planId, index: ref.index, patch: change.patch });
    if (change.wake) wakes.push(serverJobId(ref.planId, ref.index, server.generation));
  });
  let blockersGone = false;
  for (const { jobId, watcher } of batch) {
    if (watcher.kind !== "blocker") continue;
    const job = seen.get(jobId);
    if (job && UNFINISHED_JOB_STATUSES.has(job.status)) continue;
    await ctx.ledger.releaseExternal(account, watcher.sourceId, jobId);
    untrack.push(jobId);
    blockersGone = true;
  }
  await ctx.tracking.untrack(account, ...untrack);
  await ctx.servers.patchServers(updates);
  await ctx.tracking.schedule(account, await nextLooks(ctx, account, batch, servers, seen));
  // The running figure follows every poll, not only the reconcile: Ready jobs keep their place.
  const observed = [...seen.values()];
  await ctx.ledger.observeRunning(
    account,
    observed.filter((job) => job.status === "Running").map((job) => job.jobId),
    [
      ...observed
        .filter((job) => job.status !== "Running" && job.status !== "Ready")
        .map((job) => job.jobId),
      ...batch.map(({ jobId }) => jobId).filter((jobId) => !seen.has(jobId)),
    ],
    ctx.realClock.now(),
  );
  for (const jobId of wakes) await wake(ctx.wakes, ctx.queues.servers, jobId);
  if (blockersGone) await wakePlans(ctx, account);
}

/**
 * The reconcile's listing of every job of the account is a sweep that costs no call: a tracked
 * job it shows as the poller last stored it is next due as if just polled; one it shows otherwise,
 * or does not show (deleted, or skipped by a page boundary moving), is due now, for a poll by id
 * to confirm. Nothing is written on the servers: a poll may have come since the listing.
 */
export async function sweepFromListing(
  ctx: OrchestratorContext,
  account: string,
  listed: readonly ReplicationJob[],
  tracked: ReadonlyMap<string, Watcher>,
): Promise<void> {
  const seen = new Map(listed.map((job) => [job.jobId, job]));
  const batch: DueJob[] = [];
  const refs: { planId: string; index: number }[] = [];
  for (const [jobId, watcher] of tracked) {
    if (watcher.kind !== "server") continue;
    batch.push({ jobId, watcher });
    refs.push({ planId: watcher.planId, index: watcher.index });
  }
  const servers = await ctx.servers.getServersAt(refs);
  const looks = await nextLooks(ctx, account, batch, servers, seen);
  const now = ctx.realClock.now();
  looks.forEach((look, position) => {
    const job = seen.get(look.jobId);
    if (!job || job.status !== servers[position]?.jobStatus) look.dueAt = now;
  });
  await ctx.tracking.schedule(account, looks);
}

/**
 * When each job of the batch is next due, real epoch ms: a blocker at the next tick; a server's
 * job by its plan's poll interval and its expected finish (world time, turned into real time), and
 * never later than the sweep interval.
 */
async function nextLooks(
  ctx: OrchestratorContext,
  account: string,
  batch: readonly DueJob[],
  servers: readonly (ServerRecord | undefined)[],
  seen: ReadonlyMap<string, ReplicationJob>,
): Promise<{ jobId: string; dueAt: number }[]> {
  const realNow = ctx.realClock.now();
  const worldNow = ctx.clock.now();
  const sweepAt = realNow + ctx.settings.sweepIntervalMs;
  const bytesPerSecond = ctx.accounts.get(account)?.throughputBytesPerSecond;
  const intervals = new Map<string, number>();
  const looks: { jobId: string; dueAt: number }[] = [];
  let position = 0;
  for (const { jobId, watcher } of batch) {
    if (watcher.kind === "blocker") {
      looks.push({ jobId, dueAt: realNow + ctx.settings.pollIntervalMs });
      continue;
    }
    const server = servers[position++];
    let interval = intervals.get(watcher.planId);
    if (interval === undefined) {
      const plan = await ctx.store.getPlan(watcher.planId);
      interval = plan?.spec.policy.pollIntervalMs ?? ctx.settings.pollIntervalMs;
      intervals.set(watcher.planId, interval);
    }
    const job = seen.get(jobId);
    const startedAt = server?.startedAt ?? Date.parse(job?.startTime ?? "");
    const run =
      job && server && Number.isFinite(startedAt)
        ? { startedAt, progress: job.progress, sizeBytes: server.sizeBytes }
        : undefined;
    const delay = nextPollDelay(
      { status: job?.status, ...(run ? { run } : {}) },
      worldNow,
      interval,
      bytesPerSecond,
    );
    looks.push({ jobId, dueAt: Math.min(sweepAt, realNow + ctx.clock.realDelay(delay)) });
  }
  return looks;
}

/** Wakes the dispatcher of every plan of the account that has not ended. */
async function wakePlans(ctx: OrchestratorContext, account: string): Promise<void> {
  for (const planId of await ctx.store.planIds()) {
    const plan = await ctx.store.getPlan(planId);
    if (!plan || plan.spec.account !== account || isEnded("plan", plan.status)) continue;
    await wake(ctx.wakes, ctx.queues.plans, planJobId(plan.id, plan.generation));
  }
}

/**
 * Real time of a look soon after a create (the step starts the job at once) or a kept job's
 * restart: two of the plan's poll intervals, time for the job to show it runs, and a window in
 * which another look's call (filled with the jobs due next) usually takes it for free.
 */
export function lookSoon(
  ctx: OrchestratorContext,
  plan: { spec: { policy: { pollIntervalMs: number } } },
): number {
  return ctx.realClock.now() + ctx.clock.realDelay(2 * plan.spec.policy.pollIntervalMs);
}

/**
 * Real time by which a job re-tracked at a step's wake is looked at anyway (the sweep): re-tracking
 * never moves a look that is due earlier.
 */
export function lookBySweep(ctx: OrchestratorContext): number {
  return ctx.realClock.now() + ctx.settings.sweepIntervalMs;
}
