import type { OrchestratorContext } from "./context.ts";
import { enqueueServer, serverJobId } from "./jobCatalogue.ts";
import type { PlanRecord, ServerRecord } from "./storeRecords.ts";

/** How often a plan checks that each in-flight server still has a live BullMQ job. */
const AUDIT_INTERVAL_MS = 60_000;

/**
 * The safety net under "nothing lost": a server that is creating or running must have a BullMQ
 * job that will act on it. A job can be gone (removed by hand, evicted), failed (past
 * maxStalledCount after repeated crashes) or completed early; either would strand the server forever, so it is put
 * back. Runs at most once a minute per plan.
 */
export async function auditServerJobs(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  servers: readonly ServerRecord[],
): Promise<void> {
  await requeueUnqueuedCreates(ctx, plan, servers);
  const now = ctx.realClock.now();
  const planKey = ctx.store.keys.plan(plan.id);
  const last = Number(await ctx.redis.hget(planKey, "auditedAt"));
  if (Number.isFinite(last) && now - last < AUDIT_INTERVAL_MS) return;
  await ctx.redis.hset(planKey, "auditedAt", String(now));

  for (const server of servers) {
    if (server.status !== "creating" && server.status !== "running") continue;
    const jobId = serverJobId(plan.id, server.index, server.generation);
    const job = await ctx.queues.servers.getJob(jobId);
    const failed = job ? await job.isFailed() : false;
    const completed = job && !failed ? await job.isCompleted() : false;
    if (job && !failed && !completed) continue;
    // `servers` was read at the start of the dispatcher's pass: a server that finished since then
    // has a completed job and is not in flight any more. Only the server's current record says.
    if (!(await stillInFlight(ctx, plan, server))) continue;
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

async function stillInFlight(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  server: ServerRecord,
): Promise<boolean> {
  const current = await ctx.store.getServer(plan.id, server.index);
  return (
    current?.generation === server.generation &&
    (current.status === "creating" || current.status === "running")
  );
}

/**
 * The dispatcher marks a server `creating` and then adds its step job: a daemon killed between the
 * two leaves the server with no job at all, and it is never admitted again (it is not `pending`).
 * Waiting a minute for the audit above would stall a wave's tail behind one crash, so every pass
 * looks at the creating servers (few: admitted and not yet created) and adds what is missing.
 * Adding a job that exists is a no-op, so a second dispatcher racing this one does no harm.
 */
async function requeueUnqueuedCreates(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  servers: readonly ServerRecord[],
): Promise<void> {
  for (const server of servers) {
    if (server.status !== "creating") continue;
    const jobId = serverJobId(plan.id, server.index, server.generation);
    if (await ctx.queues.servers.getJob(jobId)) continue;
    ctx.logger.warn(
      { plan: plan.id, server: server.key, jobId },
      "creating server had no BullMQ job (its dispatcher died); adding it",
    );
    await enqueueServer(ctx.queues.servers, plan, server);
  }
}
