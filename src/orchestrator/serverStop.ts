import type { Job } from "bullmq";
import { waits } from "../lifecycle/reasons.ts";
import { isSmcError } from "../smc/errors.ts";
import type { AccountRuntime, OrchestratorContext } from "./context.ts";
import { park } from "./jobCatalogue.ts";
import { JOB_GONE } from "./jobStateChange.ts";
import { endServer } from "./serverEnd.ts";
import type { ServerOutcome } from "./serverOutcome.ts";
import { endCancelled, endSucceeded } from "./serverProgress.ts";

/**
 * The step of a server whose plan was cancelled with --stop-running: stop its job (the service
 * accepts a stop only while the job is Syncing, so it asks again at every poll), then delete or keep
 * the stopped job by `onFinish`, and end cancelled. A job that finishes first has migrated: the
 * server then ends succeeded, with its image.
 */
export async function stopJob(
  ctx: OrchestratorContext,
  account: AccountRuntime,
  outcome: ServerOutcome,
  job: Job,
  token: string | undefined,
): Promise<void> {
  const { jobId, jobStatus } = outcome.server;
  if (!jobId || jobStatus === JOB_GONE) {
    if (jobId) {
      await ctx.tracking.untrack(outcome.account, jobId);
      await ctx.ledger.releaseJob(outcome.account, outcome.plan.id, jobId);
      await outcome.update({ jobId: null, jobStatus: null });
    }
    return endServer(outcome, account, {
      to: "cancelled",
      reasonCode: "Cancelled.NoJob",
      reason: "the plan was cancelled with --stop-running and the job was already gone",
    });
  }
  if (jobStatus === "Finished") return endSucceeded(outcome, account);
  if (jobStatus !== "Running") return endCancelled(outcome, account);
  if (outcome.server.stopRequested) return park(job, token, 2 * ctx.settings.pollIntervalMs);
  try {
    await account.client.stopReplicationJob({ jobId });
  } catch (error) {
    if (!isSmcError(error) || error.code !== "ReplicationJob.InvalidStatus") throw error;
    // Not Syncing (yet, or any more): ask again at the next poll; if it finishes, it succeeded.
    await outcome.waitFor(waits.stopping(jobId, outcome.server.businessStatus ?? ""));
    return park(job, token, ctx.settings.pollIntervalMs);
  }
  await outcome.update({ stopRequested: true, retries: 0, throttles: 0, waiting: null });
  await outcome.record("job:stopped", jobId);
  return park(job, token, 2 * ctx.settings.pollIntervalMs);
}
