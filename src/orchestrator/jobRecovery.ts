import type { Job } from "bullmq";
import { ends } from "../lifecycle/reasons.ts";
import { classify, isSmcError } from "../smc/errors.ts";
import type { AccountRuntime, OrchestratorContext } from "./context.ts";
import { fallbackWakeMs, park } from "./jobCatalogue.ts";
import { failServer } from "./serverEnd.ts";
import type { ServerOutcome } from "./serverOutcome.ts";

/*
 * What a server step does when its job fails or vanishes, whatever the step (the first run, a sync
 * of an incremental job, a cut-over's final sync): restart it, or end the server saying why.
 */

/** Someone deleted the job: its slot and source are free; the server failed. */
export async function endGone(
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

/**
 * A job InError: restarted while its ErrorCode is transient and the current run has restarts left
 * (`jobRestarts` per run: an incremental job runs for weeks), else the server fails.
 */
export async function restartOrFail(
  ctx: OrchestratorContext,
  account: AccountRuntime,
  outcome: ServerOutcome,
  job: Job,
  token: string | undefined,
): Promise<void> {
  const jobId = outcome.server.jobId ?? "";
  const errorCode = outcome.server.jobErrorCode || "InternalError";
  const { jobRestarts } = outcome.plan.spec.policy;
  const restartsThisRun = outcome.server.restarts - (outcome.server.restartsBeforeRun ?? 0);
  if (classify(errorCode) !== "transient" || restartsThisRun >= jobRestarts) {
    return failServer(
      outcome,
      ends.jobInError(
        jobId,
        errorCode,
        classify(errorCode) === "transient" ? restartsThisRun : 0,
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
  const thisRun = restarts - (outcome.server.restartsBeforeRun ?? 0);
  await outcome.record("job:restarted", `${errorCode} (restart ${thisRun} of ${jobRestarts})`);
  ctx.events.emit("job:restarted", {
    planId: outcome.plan.id,
    key: outcome.server.key,
    jobId,
    errorCode,
  });
  // The poller wakes it at the job's next status worth acting on.
  return park(job, token, fallbackWakeMs(ctx.settings));
}

/**
 * A start repeated after a crash (or after a lost answer) finds the job already running: that is
 * success too. Returns false in that case, true when this call started the job.
 */
export async function startIgnoringRepeat(
  account: AccountRuntime,
  jobId: string,
): Promise<boolean> {
  try {
    await account.client.startReplicationJob({ jobId });
    return true;
  } catch (error) {
    if (isSmcError(error) && error.code === "ReplicationJob.InvalidStatus") return false;
    throw error;
  }
}
