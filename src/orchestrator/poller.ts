import type { ReplicationJob } from "../smc/types.ts";
import type { OrchestratorContext } from "./context.ts";
import { serverJobId, wake } from "./jobCatalogue.ts";
import { JOB_GONE } from "./serverProgress.ts";

/** The service's largest `JobId.N` list and page. */
const BATCH = 50;

/** Statuses a waiting server job acts on; others only update progress. */
const ACTIONABLE = new Set(["Finished", "InError", "Expired", "Waiting", JOB_GONE]);

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
      const seen = new Map(items.map((job) => [job.jobId, job]));
      for (const jobId of batch) {
        const [planId, index] = (tracked[jobId] ?? "").split("|");
        if (!planId || index === undefined) continue;
        await storeJobState(ctx, accountName, planId, Number(index), jobId, seen.get(jobId));
      }
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

async function storeJobState(
  ctx: OrchestratorContext,
  account: string,
  planId: string,
  index: number,
  jobId: string,
  job: ReplicationJob | undefined,
): Promise<void> {
  const server = await ctx.store.getServer(planId, index);
  // recordJob tracks a new job before it writes the job id on the server: a poll in between (on
  // any daemon) sees a creating server with no job id. Untracking the job then would leave it
  // unwatched for good and the server stuck running, so it stays tracked until the record is done.
  if (server?.status === "creating" && server.jobId === undefined) return;
  if (!server || server.jobId !== jobId) {
    // The server moved on (retried with a new job, or its plan is gone): stop watching this one.
    await ctx.redis.hdel(ctx.store.keys.tracked(account), jobId);
    return;
  }
  const status = job?.status ?? JOB_GONE;
  const progress = Math.floor(job?.progress ?? server.progress);
  if (status === server.jobStatus && progress === server.progress) return;
  await ctx.store.updateServer(planId, index, {
    jobStatus: status,
    businessStatus: job?.businessStatus || null,
    progress,
    ...(job?.imageId ? { imageId: job.imageId } : {}),
    ...(job?.errorCode ? { jobErrorCode: job.errorCode, jobStatusInfo: job.statusInfo } : {}),
    ...(job?.startTime ? { jobStartTime: job.startTime } : {}),
    ...(job?.endTime ? { jobEndTime: job.endTime } : {}),
  });
  if (status !== server.jobStatus && ACTIONABLE.has(status)) {
    await wake(ctx.queues.servers, serverJobId(planId, index, server.generation));
  }
}
