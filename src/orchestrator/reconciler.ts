import { UNFINISHED_JOB_STATUSES } from "../smc/types.ts";
import type { OrchestratorContext } from "./context.ts";
import { planIdOfJobName, planJobId } from "./jobCatalogue.ts";
import type { ListedJob } from "./quotaLedger.ts";

/**
 * Makes the ledger agree with the service: every job in the account, ours or anyone else's, holds
 * a quota slot; sources with someone else's unfinished job are locked; slots of jobs that are gone
 * are freed. A job is ours when we track it or gave it its name (a crash can come between the
 * create and the tracking; the server job adopts it by name when it runs again).
 */
export async function reconcileAccounts(ctx: OrchestratorContext): Promise<void> {
  const knownPlans = new Set(await ctx.store.planIds());
  for (const [accountName, account] of ctx.accounts) {
    const listedAt = ctx.realClock.now();
    const jobs = await account.client.describeAllReplicationJobs({});
    const tracked = await ctx.redis.hgetall(ctx.store.keys.tracked(accountName));
    const listed: ListedJob[] = jobs.map((job) => {
      const trackedPlan = tracked[job.jobId]?.split("|")[0];
      const namedPlan = planIdOfJobName(job.name);
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
    if (
      !plan ||
      plan.status === "succeeded" ||
      plan.status === "failed" ||
      plan.status === "cancelled"
    )
      continue;
    const jobId = planJobId(plan.id, plan.generation);
    const existing = await ctx.queues.plans.getJob(jobId);
    if (existing && (await existing.isFailed())) await existing.retry();
    else if (!existing)
      await ctx.queues.plans.add("plan", { planId, generation: plan.generation }, { jobId });
  }
}
