import type { OrchestratorContext } from "./context.ts";
import { enqueueServer, serverJobId } from "./jobCatalogue.ts";
import type { PlanRecord } from "./store/storeRecords.ts";

/** How often a plan checks that each in-flight server still has a live BullMQ job. */
const AUDIT_INTERVAL_MS = 60_000;

/**
 * The safety net under "nothing lost": a server in flight must have a BullMQ job that will act on
 * it. A job can be gone (removed by hand, evicted), failed (past maxStalledCount after repeated
 * crashes) or completed early; either would strand the server forever, so it is put back.
 * Creating servers are checked on every pass (the dispatcher marks a server creating and then
 * adds its job: a daemon killed between the two leaves it with none, and waiting a minute would
 * stall a wave's tail); all in-flight servers at most once a minute per plan.
 */
export async function auditServerJobs(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveIndex: number,
): Promise<void> {
  const inFlight = await ctx.servers.inFlight(plan.id, waveIndex);
  const full = await ctx.store.auditDue(plan.id, ctx.realClock.now(), AUDIT_INTERVAL_MS);
  for (const [index, status] of inFlight) {
    if (!full && status !== "creating") continue;
    const server = await ctx.servers.getServer(plan.id, index);
    if (!server || server.status !== status) continue;
    const jobId = serverJobId(plan.id, index, server.generation);
    const job = await ctx.queues.servers.getJob(jobId);
    if (job && status === "creating") continue;
    const failed = job ? await job.isFailed() : false;
    const completed = job && !failed ? await job.isCompleted() : false;
    if (job && !failed && !completed) continue;
    // The index was read at the start of this pass: only the server's current record says whether
    // it is still in flight (one that ended since has a completed job, rightly).
    const current = await ctx.servers.getServer(plan.id, index);
    if (current?.generation !== server.generation || current.status !== status) continue;
    const bindings = { plan: plan.id, server: server.key, jobId };
    if (!job) {
      ctx.logger.warn(bindings, "in-flight server had no BullMQ job; adding it again");
      await enqueueServer(ctx.queues.servers, plan, server);
    } else if (failed) {
      ctx.logger.warn(bindings, "in-flight server's BullMQ job had failed; retrying it");
      await job.retry();
    } else {
      ctx.logger.warn(bindings, "in-flight server's BullMQ job had completed; adding it again");
      await job.remove();
      await enqueueServer(ctx.queues.servers, plan, server);
    }
  }
}
