import { isEnded } from "../lifecycle/statuses.ts";
import { UNFINISHED_JOB_STATUSES } from "../smc/types.ts";
import { eachPageRetried } from "./callRetry.ts";
import type { OrchestratorContext } from "./context.ts";
import { enqueuePlan, ownerOfJobName, planJobId } from "./jobCatalogue.ts";
import { sweepFromListing } from "./poller.ts";
import type { ListedJob } from "./store/quotaLedger.ts";

/**
 * Makes the ledger agree with the service: every job in the account, ours or anyone else's, holds
 * a quota slot; sources with someone else's unfinished job are locked; slots and locks of jobs that
 * are gone are freed. A job is ours when we track it or gave it its name (a crash can come between
 * the create and the tracking; the server job adopts it by name when it runs again). Each page of
 * the listing is retried on its own. The listing is also the poller's sweep of the jobs it tracks.
 */
export async function reconcileAccounts(ctx: OrchestratorContext): Promise<void> {
  const knownPlans = new Set(await ctx.store.planIds());
  for (const [accountName, account] of ctx.accounts) {
    const listedAt = ctx.realClock.now();
    const jobs = await account.client.describeAllReplicationJobs({}, eachPageRetried(ctx));
    const tracked = await ctx.tracking.tracked(accountName);
    const listed: ListedJob[] = jobs.map((job) => {
      const watcher = tracked.get(job.jobId);
      const trackedPlan = watcher?.kind === "server" ? watcher.planId : undefined;
      const namedPlan = ownerOfJobName(job.name)?.planId;
      const planId =
        trackedPlan ?? (namedPlan && knownPlans.has(namedPlan) ? namedPlan : undefined);
      return {
        jobId: job.jobId,
        sourceId: job.sourceId,
        unfinished: UNFINISHED_JOB_STATUSES.has(job.status),
        running: job.status === "Running",
        ...(planId ? { owner: { planId } } : {}),
      };
    });
    await ctx.ledger.reconcile(accountName, listed, listedAt);
    await sweepFromListing(ctx, accountName, jobs, tracked);
    ctx.events.emit("reconcile:completed", {
      account: accountName,
      jobs: listed.length,
      external: listed.filter((job) => !job.owner).length,
    });
  }
  await ensureDispatchers(ctx);
}

/** Every plan that has not ended has its dispatcher job; adding an existing id is a no-op. */
async function ensureDispatchers(ctx: OrchestratorContext): Promise<void> {
  for (const planId of await ctx.store.planIds()) {
    const plan = await ctx.store.getPlan(planId);
    if (!plan || isEnded("plan", plan.status)) continue;
    const existing = await ctx.queues.plans.getJob(planJobId(plan.id, plan.generation));
    if (existing && (await existing.isFailed())) await existing.retry();
    else if (!existing) await enqueuePlan(ctx.queues.plans, plan.id, plan.generation);
  }
}
