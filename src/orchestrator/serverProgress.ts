import type { Job } from "bullmq";
import { ends, waits } from "../lifecycle/reasons.ts";
import type { AccountRuntime, OrchestratorContext } from "./context.ts";
import { fallbackWakeMs, park } from "./jobCatalogue.ts";
import { endGone, restartOrFail, startIgnoringRepeat } from "./jobRecovery.ts";
import { JOB_GONE } from "./jobStateChange.ts";
import { lookBySweep } from "./poller.ts";
import { endCutOver } from "./serverCutover.ts";
import { endServer, failServer } from "./serverEnd.ts";
import type { ServerOutcome } from "./serverOutcome.ts";
import { enterSync } from "./serverSync.ts";

/**
 * Starts the server's job if it has not been started, then acts on the status the batch poller
 * last stored: finish, restart, fail, clean up after a cancel, or park until the poller wakes it.
 * A wake that comes while this step runs is kept (see `promoteWoken`); the long fallback covers
 * only a daemon killed between storing a status and waking the step.
 */
export async function watchJob(
  ctx: OrchestratorContext,
  account: AccountRuntime,
  outcome: ServerOutcome,
  job: Job,
  token: string | undefined,
): Promise<void> {
  const jobId = outcome.server.jobId;
  if (!jobId)
    return failServer(
      outcome,
      { code: "Orchestrator.NoJob", message: "the server is running but has no job id" },
      account,
    );
  const { plan } = outcome;
  const cancelled = plan.status === "cancelling" || plan.status === "cancelled";
  if (cancelled && plan.stopRunning) {
    // serverJob.ts goes on with the stopping step once this returns.
    await outcome.moveTo("stopping", { detail: "plan cancelled with --stop-running" });
    return;
  }
  const waitMs = fallbackWakeMs(ctx.settings);

  if (!outcome.server.startRequested) {
    // A job created but never started when the plan was cancelled: nothing new starts after a cancel.
    if (cancelled) return endCancelled(outcome, account);
    if (outcome.settings?.scheduledStartTime) {
      await outcome.update({ startRequested: true });
      await outcome.record(
        "job:scheduled",
        `the service starts it at ${outcome.settings.scheduledStartTime}`,
      );
      return park(job, token, waitMs);
    }
    const { maxRunningJobs } = account;
    const acquired =
      maxRunningJobs === undefined ||
      (await ctx.ledger.acquireRunning(
        outcome.account,
        jobId,
        maxRunningJobs,
        ctx.realClock.now(),
      ));
    if (!acquired) {
      await outcome.waitFor(waits.runningCap(outcome.account, maxRunningJobs ?? 0));
      return park(job, token, ctx.settings.pollIntervalMs);
    }
    await startIgnoringRepeat(account, jobId);
    await outcome.update({
      startRequested: true,
      startedAt: ctx.clock.now(),
      retries: 0,
      throttles: 0,
      waiting: null,
    });
    await outcome.record("job:started", jobId);
    return park(job, token, waitMs);
  }

  // Whatever happened to the tracking (a race, a hand-edited Redis), a waiting server's job is
  // watched again at its next wake: a job nobody polls would leave the server running forever.
  await ctx.tracking.track(
    outcome.account,
    jobId,
    { kind: "server", planId: plan.id, index: outcome.server.index },
    lookBySweep(ctx),
  );
  const incremental = outcome.settings?.runOnce === false;
  switch (outcome.server.jobStatus) {
    case "Finished":
      // Only a cut-over finishes an incremental job: a retried server's final sync, or one cut
      // over outside smc-waves.
      if (incremental) return endCutOver(outcome, account);
      return endSucceeded(outcome, account);
    case "Waiting":
      // An incremental job waits between runs: after its first full image it is in sync, and
      // serverJob.ts goes on with the syncing step (recording runs, cutting it over).
      if (incremental && outcome.server.imageId) {
        await enterSync(outcome);
        return;
      }
      return park(job, token, waitMs);
    case "InError":
      if (cancelled) return endCancelled(outcome, account);
      return restartOrFail(ctx, account, outcome, job, token);
    case "Stopped":
      if (cancelled) return endCancelled(outcome, account);
      return failServer(
        outcome,
        {
          code: "ReplicationJob.Stopped",
          message: `job ${jobId} was stopped outside smc-waves; retry-failed starts it again`,
        },
        account,
      );
    case "Expired":
      return failServer(outcome, ends.jobExpired(jobId), account);
    case JOB_GONE:
      return endGone(ctx, account, outcome, jobId);
    default:
      return park(job, token, waitMs);
  }
}

/** The job has an image: the server succeeded; its job is deleted or kept by `onFinish`. */
export async function endSucceeded(outcome: ServerOutcome, account: AccountRuntime): Promise<void> {
  return endServer(outcome, account, {
    to: "succeeded",
    reasonCode: "Job.Finished",
    reason: outcome.server.imageId ? `image ${outcome.server.imageId}` : "job finished",
  });
}

/** The plan was cancelled and the job will not (or did not) finish: clean it up and end cancelled. */
export async function endCancelled(outcome: ServerOutcome, account: AccountRuntime): Promise<void> {
  const jobId = outcome.server.jobId ?? "";
  const jobStatus = outcome.server.jobStatus ?? "Ready";
  const kept = outcome.plan.spec.policy.onFinish === "keep";
  const reason = ends.cancelledJobEnded(jobId, jobStatus, kept, outcome.plan.id);
  return endServer(outcome, account, {
    to: "cancelled",
    reasonCode: reason.code,
    reason: reason.message,
    retryCleanUp: true,
  });
}
