import { isEnded, isRetryable } from "../lifecycle/statuses.ts";
import { withRetry } from "../smc/retry.ts";
import { retryOptions } from "./callRetry.ts";
import type { OrchestratorContext } from "./context.ts";
import { enqueueServer } from "./jobCatalogue.ts";
import { lookSoon } from "./poller.ts";
import { deleteIgnoringGone } from "./serverEnd.ts";
import { ServerOutcome } from "./serverOutcome.ts";
import type { PlanRecord, ServerRecord } from "./store/storeRecords.ts";

/** Job statuses StartReplicationJob accepts again: the job is kept and restarted, not made anew. */
const RESTARTABLE = new Set(["InError", "Stopped"]);

/**
 * Puts an ended plan's failed, cancelled and skipped servers back, in a new generation (new
 * BullMQ job ids). A server whose job is still in the account and can be started again (InError,
 * Stopped) takes that job back and restarts it; any other job of it is deleted and the server starts
 * over. Waves holding such servers go back to pending. `next` is the plan as it runs again.
 */
export async function retryServers(
  ctx: OrchestratorContext,
  next: PlanRecord,
  servers: readonly ServerRecord[],
): Promise<void> {
  const plan = next;
  const { generation } = next;
  const account = ctx.accounts.get(plan.spec.account);
  const waves = new Set<number>();
  for (const server of servers) {
    if (!isRetryable(server.status)) continue;
    const outcome = new ServerOutcome(ctx, next, server);
    const reset = {
      generation,
      restarts: 0,
      retries: 0,
      throttles: 0,
      reasonCode: null,
      reason: null,
      finishedAt: null,
      ending: null,
      createTried: false,
      stopRequested: false,
      startRequested: false,
      restartsBeforeRun: null,
      cutoverDueUntil: null,
    } as const;
    const jobId = server.keptJob ? server.jobId : undefined;
    if (jobId && server.jobStatus && RESTARTABLE.has(server.jobStatus)) {
      await ctx.ledger.reclaimKept(outcome.slot, jobId);
      await ctx.tracking.track(
        plan.spec.account,
        jobId,
        { kind: "server", planId: plan.id, index: server.index },
        lookSoon(ctx, plan),
      );
      const moved = await outcome.moveTo("running", {
        detail: `retry: restarting job ${jobId}`,
        patch: { ...reset, keptJob: null },
      });
      if (moved) await enqueueServer(ctx.queues.servers, next, outcome.server);
    } else {
      if (jobId && account) {
        await withRetry(() => deleteIgnoringGone(account, jobId), retryOptions(ctx));
        await ctx.ledger.releaseJob(plan.spec.account, plan.id, jobId);
        await ctx.ledger.releaseKept(outcome.slot, jobId);
        await ctx.tracking.untrack(plan.spec.account, jobId);
      }
      await outcome.moveTo("pending", {
        detail: "retry: starting over",
        patch: {
          ...reset,
          jobId: null,
          jobStatus: null,
          businessStatus: null,
          progress: 0,
          imageId: null,
          keptJob: null,
          // A new job: its runs, and any cut-over of the old one, start again from nothing.
          syncRuns: null,
          lastSyncAt: null,
          lastSyncImageId: null,
          cutoverRequest: null,
          cutover: null,
        },
      });
    }
    waves.add(server.wave);
  }
  for (const wave of waves) {
    const record = await ctx.store.getWave(plan.id, wave);
    if (!isEnded("wave", record.status)) continue;
    await ctx.store.moveWave(plan.id, wave, {
      to: "pending",
      from: [record.status],
      detail: "retry-failed",
      patch: { finishedAt: null, reasonCode: null, reason: null, waiting: null },
    });
  }
}
