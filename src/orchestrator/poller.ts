import { isEnded } from "../lifecycle/statuses.ts";
import { withRetry } from "../smc/retry.ts";
import { type ReplicationJob, UNFINISHED_JOB_STATUSES } from "../smc/types.ts";
import { retryOptions } from "./callRetry.ts";
import type { OrchestratorContext } from "./context.ts";
import { planJobId, serverJobId, wake } from "./jobCatalogue.ts";
import { jobStateChange } from "./jobStateChange.ts";
import type { Watcher } from "./store/jobTracking.ts";
import type { ServerPatch } from "./store/serverStore.ts";

/** The service's largest `JobId.N` list and page. */
const BATCH = 50;

/**
 * One batch poll of every tracked job of every account: DescribeReplicationJobs with up to 50
 * `JobId.N` per call (each call retried on its own), never a call per job. Each result is stored on
 * its server, and a server job whose job reached a status it acts on is woken at once. Someone
 * else's job that holds a source a server waits for is watched too: once it is gone or finished,
 * the source is freed and the plans are woken, within a poll.
 */
export async function pollTrackedJobs(
  ctx: OrchestratorContext,
  scheduledAt: number,
): Promise<void> {
  for (const [accountName, account] of ctx.accounts) {
    const tracked = await ctx.tracking.tracked(accountName);
    const jobIds = await dueJobIds(ctx, accountName, tracked);
    let calls = 0;
    for (let start = 0; start < jobIds.length; start += BATCH) {
      const batch = jobIds.slice(start, start + BATCH);
      const { items } = await withRetry(
        () => account.client.describeReplicationJobs({ jobIds: batch, pageSize: BATCH }),
        retryOptions(ctx),
      );
      calls++;
      await storeBatch(
        ctx,
        accountName,
        batch,
        tracked,
        new Map(items.map((job) => [job.jobId, job])),
      );
    }
    ctx.events.emit("poll:completed", {
      account: accountName,
      jobs: jobIds.length,
      calls,
      lagMs: Math.max(0, ctx.realClock.now() - scheduledAt),
    });
  }
}

/**
 * The tracked jobs whose plan's `pollInterval` has passed since their last poll, and every
 * blocker. The scheduler ticks at the daemon's `orchestrator.pollInterval`, the floor; a plan may
 * ask for less often.
 */
async function dueJobIds(
  ctx: OrchestratorContext,
  account: string,
  tracked: ReadonlyMap<string, Watcher>,
): Promise<string[]> {
  const now = ctx.realClock.now();
  const polledAt = await ctx.tracking.polledAt(account);
  const due = new Set<string>();
  const planIds = new Set<string>();
  for (const watcher of tracked.values())
    if (watcher.kind === "server") planIds.add(watcher.planId);
  for (const planId of planIds) {
    const plan = await ctx.store.getPlan(planId);
    // The plan speaks world time (an emulator may run it faster); the ticks are real time.
    const interval = ctx.clock.realDelay(plan?.spec.policy.pollIntervalMs ?? 0);
    // Half a tick of slack, so a plan polling at the daemon's own interval is due on every tick.
    if (now - (polledAt.get(planId) ?? 0) >= interval - ctx.settings.pollIntervalMs / 2)
      due.add(planId);
  }
  await ctx.tracking.markPolled(account, [...due], now);
  return [...tracked].flatMap(([jobId, watcher]) =>
    watcher.kind === "blocker" || due.has(watcher.planId) ? [jobId] : [],
  );
}

/** One batch's results: its servers read in one round trip, written in one, then woken. */
async function storeBatch(
  ctx: OrchestratorContext,
  account: string,
  jobIds: readonly string[],
  tracked: ReadonlyMap<string, Watcher>,
  seen: ReadonlyMap<string, ReplicationJob>,
): Promise<void> {
  const refs = jobIds.flatMap((jobId) => {
    const watcher = tracked.get(jobId);
    return watcher?.kind === "server"
      ? [{ jobId, planId: watcher.planId, index: watcher.index }]
      : [];
  });
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
  for (const jobId of jobIds) {
    const watcher = tracked.get(jobId);
    if (watcher?.kind !== "blocker") continue;
    const job = seen.get(jobId);
    if (job && UNFINISHED_JOB_STATUSES.has(job.status)) continue;
    await ctx.ledger.releaseExternal(account, watcher.sourceId, jobId);
    untrack.push(jobId);
    blockersGone = true;
  }
  await ctx.tracking.untrack(account, ...untrack);
  await ctx.servers.patchServers(updates);
  // The running figure follows every poll, not only the reconcile: Ready jobs keep their place.
  const observed = [...seen.values()];
  await ctx.ledger.observeRunning(
    account,
    observed.filter((job) => job.status === "Running").map((job) => job.jobId),
    [
      ...observed
        .filter((job) => job.status !== "Running" && job.status !== "Ready")
        .map((job) => job.jobId),
      ...jobIds.filter((jobId) => !seen.has(jobId)),
    ],
    ctx.realClock.now(),
  );
  for (const jobId of wakes) await wake(ctx.queues.servers, jobId);
  if (blockersGone) await wakePlans(ctx, account);
}

/** Wakes the dispatcher of every plan of the account that has not ended. */
async function wakePlans(ctx: OrchestratorContext, account: string): Promise<void> {
  for (const planId of await ctx.store.planIds()) {
    const plan = await ctx.store.getPlan(planId);
    if (!plan || plan.spec.account !== account || isEnded("plan", plan.status)) continue;
    await wake(ctx.queues.plans, planJobId(plan.id, plan.generation));
  }
}
