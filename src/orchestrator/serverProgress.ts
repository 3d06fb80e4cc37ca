import type { Job } from "bullmq";
import { ends, waits } from "../lifecycle/reasons.ts";
import { classify, isSmcError } from "../smc/errors.ts";
import type { AccountRuntime, OrchestratorContext } from "./context.ts";
import { park } from "./jobCatalogue.ts";
import { JOB_GONE } from "./jobStateChange.ts";
import { endServer, failServer } from "./serverEnd.ts";
import type { ServerOutcome } from "./serverOutcome.ts";

/**
 * Starts the server's job if it has not been started, then acts on the status the batch poller
 * last stored: finish, restart, fail, clean up after a cancel, or park until the poller wakes it.
 * The fallback wake after two poll intervals covers a promote that raced with this job being active.
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
  const waitMs = 2 * ctx.settings.pollIntervalMs;

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
  await ctx.tracking.track(outcome.account, jobId, {
    kind: "server",
    planId: plan.id,
    index: outcome.server.index,
  });
  const incremental = outcome.settings?.runOnce === false;
  switch (outcome.server.jobStatus) {
    case "Finished":
      return endSucceeded(outcome, account);
    case "Waiting":
      // An incremental job waits between runs; its first image means the server has migrated, and
      // the job is kept so that its later runs go on.
      if (incremental && outcome.server.imageId)
        return endServer(outcome, account, {
          to: "succeeded",
          reasonCode: "Job.Synced",
          reason: `image ${outcome.server.imageId}`,
          keepJob: `incremental job ${jobId} keeps syncing every ${outcome.settings?.frequency ?? "?"} h until it is cut over or released`,
        });
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

/** Someone deleted the job: its slot and source are free; the server failed. */
async function endGone(
  ctx: OrchestratorContext,
  account: AccountRuntime,
  outcome: ServerOutcome,
  jobId: string,
): Promise<void> {
  await ctx.tracking.untrack(outcome.account, jobId);
  await ctx.ledger.releaseRunning(outcome.account, jobId);
  await ctx.ledger.releaseJob(outcome.account, outcome.plan.id, jobId);
  await ctx.ledger.releaseSource(outcome.slot);
  // Without its job the server holds nothing; the end then only moves its status.
  await outcome.update({ jobId: null, jobStatus: null });
  await outcome.record("job:gone", jobId);
  await failServer(outcome, ends.jobGone(jobId), account);
}

async function restartOrFail(
  ctx: OrchestratorContext,
  account: AccountRuntime,
  outcome: ServerOutcome,
  job: Job,
  token: string | undefined,
): Promise<void> {
  const jobId = outcome.server.jobId ?? "";
  const errorCode = outcome.server.jobErrorCode || "InternalError";
  const { jobRestarts } = outcome.plan.spec.policy;
  if (classify(errorCode) !== "transient" || outcome.server.restarts >= jobRestarts) {
    return failServer(
      outcome,
      ends.jobInError(
        jobId,
        errorCode,
        classify(errorCode) === "transient" ? outcome.server.restarts : 0,
        outcome.server.jobStatusInfo ?? "",
      ),
      account,
    );
  }
  if (!(await startIgnoringRepeat(account, jobId))) {
    // Not InError any more: an earlier, unanswered start of ours went through. Not a new restart.
    await outcome.update({ jobStatus: "Running" });
    return park(job, token, 2 * ctx.settings.pollIntervalMs);
  }
  const restarts = await ctx.servers.incrementServer(
    outcome.plan.id,
    outcome.server.index,
    "restarts",
  );
  // Until the poller says otherwise the job is running again; an InError seen before this start
  // must not restart it twice.
  await outcome.update({ jobStatus: "Running", restarts, retries: 0, throttles: 0 });
  await outcome.record("job:restarted", `${errorCode} (restart ${restarts} of ${jobRestarts})`);
  ctx.events.emit("job:restarted", {
    planId: outcome.plan.id,
    key: outcome.server.key,
    jobId,
    errorCode,
  });
  return park(job, token, 2 * ctx.settings.pollIntervalMs);
}

/**
 * A start repeated after a crash (or after a lost answer) finds the job already running: that is
 * success too. Returns false in that case, true when this call started the job.
 */
async function startIgnoringRepeat(account: AccountRuntime, jobId: string): Promise<boolean> {
  try {
    await account.client.startReplicationJob({ jobId });
    return true;
  } catch (error) {
    if (isSmcError(error) && error.code === "ReplicationJob.InvalidStatus") return false;
    throw error;
  }
}
