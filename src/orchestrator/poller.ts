import type { ReplicationJob } from "../smc/types.ts";
import type { OrchestratorContext } from "./context.ts";
import { serverJobId, wake } from "./jobCatalogue.ts";
import { jobStateChange } from "./jobStateChange.ts";
import type { ServerPatch } from "./migrationStore.ts";

/** The service's largest `JobId.N` list and page. */
const BATCH = 50;

/**
 * One batch poll of every tracked job of every account: DescribeReplicationJobs with up to 50
 * `JobId.N` per call, never a call per job. Each result is stored on its server, and a server job
 * whose job reached a status it acts on is woken at once.
 */
export async function pollTrackedJobs(
  ctx: OrchestratorContext,
  scheduledAt: number,
): Promise<void> {
  for (const [accountName, account] of ctx.accounts) {
    const tracked = await ctx.redis.hgetall(ctx.store.keys.tracked(accountName));
    const jobIds = await dueJobIds(ctx, accountName, tracked);
    let calls = 0;
    for (let start = 0; start < jobIds.length; start += BATCH) {
      const batch = jobIds.slice(start, start + BATCH);
      const { items } = await account.client.describeReplicationJobs({
        jobIds: batch,
        pageSize: BATCH,
      });
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
 * The tracked jobs whose plan's `pollInterval` has passed since their last poll. The scheduler
 * ticks at the daemon's `orchestrator.pollInterval`, the floor; a plan may ask for less often.
 */
async function dueJobIds(
  ctx: OrchestratorContext,
  account: string,
  tracked: Record<string, string>,
): Promise<string[]> {
  const now = ctx.realClock.now();
  const polledKey = ctx.store.keys.polledAt(account);
  const polledAt = await ctx.redis.hgetall(polledKey);
  const due = new Map<string, boolean>();
  for (const planId of new Set(
    Object.values(tracked).map((holder) => holder.split("|")[0] ?? ""),
  )) {
    const plan = await ctx.store.getPlan(planId);
    // The plan speaks world time (an emulator may run it faster); the ticks are real time.
    const interval = ctx.clock.realDelay(plan?.spec.policy.pollIntervalMs ?? 0);
    // Half a tick of slack, so a plan polling at the daemon's own interval is due on every tick.
    const isDue = now - Number(polledAt[planId] ?? 0) >= interval - ctx.settings.pollIntervalMs / 2;
    due.set(planId, isDue);
    if (isDue) await ctx.redis.hset(polledKey, planId, String(now));
  }
  return Object.keys(tracked).filter(
    (jobId) => due.get(tracked[jobId]?.split("|")[0] ?? "") === true,
  );
}

/** One batch's results: its servers read in one round trip, written in one, then woken. */
async function storeBatch(
  ctx: OrchestratorContext,
  account: string,
  jobIds: readonly string[],
  tracked: Record<string, string>,
  seen: ReadonlyMap<string, ReplicationJob>,
): Promise<void> {
  const refs = jobIds.flatMap((jobId) => {
    const [planId, index] = (tracked[jobId] ?? "").split("|");
    return planId && index !== undefined ? [{ jobId, planId, index: Number(index) }] : [];
  });
  const servers = await ctx.store.getServersAt(refs);
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
  if (untrack.length > 0) await ctx.redis.hdel(ctx.store.keys.tracked(account), ...untrack);
  await ctx.store.updateServers(updates);
  for (const jobId of wakes) await wake(ctx.queues.servers, jobId);
}
