import { isEnded } from "../lifecycle/statuses.ts";
import { isSmcError } from "../smc/errors.ts";
import { eachPageRetried } from "./callRetry.ts";
import type { OrchestratorContext } from "./context.ts";
import { ownerOfJobName } from "./jobCatalogue.ts";
import { deleteIgnoringGone } from "./serverEnd.ts";
import { ServerOutcome } from "./serverOutcome.ts";
import { allIndexes } from "./store/planLayout.ts";
import type { PlanRecord } from "./store/storeRecords.ts";
import type { AccountJobView, Actor, ReleaseResult } from "./views.ts";

/**
 * Deletes every job an ended plan left in the account: jobs kept by `onFinish: keep`, stopped or
 * failed jobs, and jobs named by the plan that no server recorded (a crash between a create and its
 * record). Each one's quota slot, source lock and tracking go with it. Idempotent, and safe while
 * daemons run: a job already gone counts as deleted, and the plan has ended, so no step acts on
 * these servers. A job still Running cannot be deleted; it is listed with why.
 */
export async function releasePlan(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  actor: Actor,
): Promise<ReleaseResult> {
  const result: ReleaseResult = { planId: plan.id, deleted: [], remaining: [] };
  const account = ctx.accounts.get(plan.spec.account);
  if (!account) return result;
  const servers = await ctx.servers.getServers(plan.id, allIndexes(plan.spec));
  const byJob = new Map(
    servers.flatMap((server) => (server.jobId ? [[server.jobId, server]] : [])),
  );
  const jobs = await account.client.describeAllReplicationJobs({}, eachPageRetried(ctx));
  for (const job of jobs) {
    const named = ownerOfJobName(job.name);
    const server =
      byJob.get(job.jobId) ?? (named?.planId === plan.id ? servers[named.index] : undefined);
    if (!server && named?.planId !== plan.id) continue;
    const label = server ? (server.name ?? server.key) : job.name;
    if (server && !isEnded("server", server.status)) continue;
    if (job.status === "Running") {
      result.remaining.push({
        jobId: job.jobId,
        server: label,
        why: "it is Running: stop it in SMC (or wait for it to finish), then release again",
      });
      continue;
    }
    try {
      await deleteIgnoringGone(account, job.jobId);
    } catch (error) {
      if (!isSmcError(error)) throw error;
      result.remaining.push({
        jobId: job.jobId,
        server: label,
        why: `${error.code}: ${error.message}`,
      });
      continue;
    }
    await ctx.ledger.releaseJob(plan.spec.account, plan.id, job.jobId);
    await ctx.ledger.releaseRunning(plan.spec.account, job.jobId);
    await ctx.tracking.untrack(plan.spec.account, job.jobId);
    if (server) {
      const outcome = new ServerOutcome(ctx, plan, server);
      await ctx.ledger.releaseKept(outcome.slot, job.jobId);
      await ctx.ledger.releaseSource(outcome.slot);
      if (server.jobId === job.jobId) await outcome.update({ keptJob: null });
      await outcome.record("job:released", `${job.jobId} (${job.status}) deleted by ${actor.name}`);
    }
    result.deleted.push({ jobId: job.jobId, server: label, jobStatus: job.status });
  }
  return result;
}

/** Every job in the account with its owner: a plan's server, or nobody smc-waves knows. */
export async function accountJobs(
  ctx: OrchestratorContext,
  accountName: string,
): Promise<AccountJobView[] | undefined> {
  const account = ctx.accounts.get(accountName);
  if (!account) return undefined;
  const jobs = await account.client.describeAllReplicationJobs({}, eachPageRetried(ctx));
  const plans = new Map<string, PlanRecord | undefined>();
  const now = ctx.clock.now();
  const views: AccountJobView[] = [];
  for (const job of jobs) {
    const named = ownerOfJobName(job.name);
    let owner: AccountJobView["owner"];
    let leftBehind: string | undefined;
    if (named) {
      if (!plans.has(named.planId)) plans.set(named.planId, await ctx.store.getPlan(named.planId));
      const plan = plans.get(named.planId);
      const server = plan ? await ctx.servers.getServer(plan.id, named.index) : undefined;
      owner = {
        planId: named.planId,
        ...(server ? { server: server.name ?? server.key, serverStatus: server.status } : {}),
        ...(plan ? { planStatus: plan.status } : {}),
      };
      if (!plan)
        leftBehind = `plan ${named.planId} is not known to this daemon (another prefix, or deleted)`;
      else if (server?.keptJob && server.jobId === job.jobId) leftBehind = server.keptJob;
      else if (server && isEnded("server", server.status) && server.jobId !== job.jobId)
        leftBehind = `no server of plan ${plan.id} records this job (a crash between its create and its record?)`;
    }
    views.push({
      jobId: job.jobId,
      name: job.name,
      sourceId: job.sourceId,
      status: job.status,
      creationTime: job.creationTime,
      ageMs: Math.max(0, now - Date.parse(job.creationTime)),
      ...(job.businessStatus ? { businessStatus: job.businessStatus } : {}),
      ...(job.imageId ? { imageId: job.imageId } : {}),
      ...(owner ? { owner } : {}),
      ...(leftBehind ? { leftBehind } : {}),
    });
  }
  return views.sort((a, b) => a.creationTime.localeCompare(b.creationTime));
}
