import type { EndReason, WaitReason } from "../lifecycle/reasons.ts";
import { classify, isSmcError } from "../smc/errors.ts";
import { withRetry } from "../smc/retry.ts";
import { type ReplicationJobStatus, UNFINISHED_JOB_STATUSES } from "../smc/types.ts";
import { retryOptions } from "./callRetry.ts";
import type { AccountRuntime, OrchestratorContext } from "./context.ts";
import { lookSoon } from "./poller.ts";
import type { ServerOutcome } from "./serverOutcome.ts";
import type { PendingEnd } from "./store/storeRecords.ts";

/**
 * How a server ends, in two steps that survive a crash between them: the end is written on the
 * record first (`ending`), then its job is cleaned up and the status moves. A step that runs again
 * finds `ending` and finishes the same end; it never re-decides.
 */
export async function endServer(
  outcome: ServerOutcome,
  account: AccountRuntime,
  end: PendingEnd,
): Promise<void> {
  if (!outcome.server.ending) await outcome.update({ ending: end });
  await completeEnd(outcome, account);
}

/** Finishes the end written on the record: releases what the server holds, then moves it. */
export async function completeEnd(outcome: ServerOutcome, account: AccountRuntime): Promise<void> {
  const ctx = outcome.context;
  const end = outcome.server.ending;
  if (!end) return;
  const { jobId } = outcome.server;
  const patch: Parameters<ServerOutcome["update"]>[0] = {
    ending: null,
    finishedAt: ctx.clock.now(),
    retries: 0,
    throttles: 0,
  };
  if (!jobId) {
    await ctx.ledger.releaseReservation(outcome.slot);
  } else {
    await ctx.tracking.untrack(outcome.account, jobId);
    await ctx.ledger.releaseRunning(outcome.account, jobId);
    const kept = await cleanUpJob(outcome, account, jobId, end);
    if (kept) patch.keptJob = kept;
  }
  if (end.to === "succeeded") patch.progress = 100;
  const moved = await outcome.moveTo(end.to, {
    reason: { code: end.reasonCode, message: end.reason },
    patch,
  });
  if (!moved) return;
  if (end.to === "succeeded" && jobId) {
    const started = Date.parse(outcome.server.jobStartTime ?? "");
    const ended = Date.parse(outcome.server.jobEndTime ?? "");
    // A one-off job's run is what the forecast learns from; an incremental one waited for its cut-over.
    if (ended > started && outcome.server.sizeBytes > 0 && outcome.settings?.runOnce !== false)
      await ctx.store.recordJobRate(outcome.account, {
        bytes: outcome.server.sizeBytes,
        ms: ended - started,
      });
    ctx.events.emit("job:finished", {
      planId: outcome.plan.id,
      wave: outcome.waveName,
      key: outcome.server.key,
      jobId,
      imageId: outcome.server.imageId ?? "",
      durationMs: Number.isFinite(started) && Number.isFinite(ended) ? ended - started : 0,
    });
  }
  await outcome.wakeDispatcher();
}

/**
 * Deletes the ended server's job under `onFinish: delete`, else keeps it. Returns why it stays in
 * the account when it does (for the report and `release`), undefined when it is gone. A kept job
 * that is unfinished keeps its source locked, now in the kept job's name.
 */
async function cleanUpJob(
  outcome: ServerOutcome,
  account: AccountRuntime,
  jobId: string,
  end: PendingEnd,
): Promise<string | undefined> {
  const ctx = outcome.context;
  const jobStatus = (outcome.server.jobStatus ?? "Ready") as ReplicationJobStatus;
  const release = `'smc-waves release ${outcome.plan.id}' deletes it`;
  let keptBecause: string | undefined;
  if (end.keepJob) {
    keptBecause = end.keepJob;
  } else if (outcome.plan.spec.policy.onFinish === "keep") {
    keptBecause = `onFinish is keep: job ${jobId} (${jobStatus}) stays in the account and holds a quota slot; ${release}`;
  } else if (jobStatus === "Running" && end.to !== "succeeded") {
    keptBecause = `job ${jobId} was still Running and cannot be deleted; stop it in SMC, then ${release}`;
  } else {
    try {
      // Retried in place: a delete answered 500 once would otherwise keep the job, and its quota
      // slot, until an operator releases the plan, which cannot happen while the plan runs.
      await withRetry(() => deleteIgnoringGone(account, jobId), retryOptions(ctx));
      await ctx.ledger.releaseJob(outcome.account, outcome.plan.id, jobId);
      await ctx.ledger.releaseSource(outcome.slot);
      await outcome.record("job:deleted", jobId);
      ctx.events.emit("job:deleted", { planId: outcome.plan.id, key: outcome.server.key, jobId });
      return undefined;
    } catch (error) {
      if (!isSmcError(error)) throw error;
      // A cancel's clean-up waits for the service (the step retries); a failure does not hang on it.
      if (end.retryCleanUp && classify(error) !== "permanent") throw error;
      keptBecause = `job ${jobId} (${jobStatus}) could not be deleted (${error.code}: ${error.message}); ${release}`;
    }
  }
  if (UNFINISHED_JOB_STATUSES.has(jobStatus)) await ctx.ledger.keepSource(outcome.slot, jobId);
  else await ctx.ledger.releaseSource(outcome.slot);
  await outcome.record("job:kept", keptBecause);
  return keptBecause;
}

/** Ends the server as failed; a job it has is deleted or kept by the plan's `onFinish`. */
export async function failServer(
  outcome: ServerOutcome,
  reason: EndReason,
  account: AccountRuntime,
): Promise<void> {
  await endServer(outcome, account, {
    to: "failed",
    reasonCode: reason.code,
    reason: reason.message,
  });
}

/**
 * Hands a creating server back to the dispatcher: its reservation goes back, and it waits (with
 * the reason shown) until admitted again.
 */
export async function retryRequeue(
  outcome: ServerOutcome,
  waiting: Omit<WaitReason, "since">,
): Promise<void> {
  const ctx = outcome.context;
  await ctx.ledger.releaseReservation(outcome.slot);
  const moved = await outcome.moveTo("pending", {
    detail: `${waiting.code}: ${waiting.message}`,
    patch: { retries: 0, throttles: 0 },
  });
  if (moved) await outcome.waitFor(waiting);
  await outcome.wakeDispatcher();
}

/** The job exists: track it, confirm its quota slot, and move the server to running. */
export async function recordJob(
  ctx: OrchestratorContext,
  outcome: ServerOutcome,
  jobId: string,
  event: "job:created" | "job:adopted",
): Promise<boolean> {
  const { plan } = outcome;
  // Tracked before confirmed: a reconcile in between then counts the job as ours, never as a
  // stranger's that would hold the slot twice.
  await ctx.tracking.track(
    outcome.account,
    jobId,
    { kind: "server", planId: plan.id, index: outcome.server.index },
    lookSoon(ctx, plan),
  );
  await ctx.ledger.confirm(outcome.slot, jobId, ctx.realClock.now());
  await outcome.update({
    jobId,
    jobStatus: "Ready",
    startRequested: false,
    stopRequested: false,
    retries: 0,
    throttles: 0,
  });
  await outcome.record(event, jobId);
  const moved = await outcome.moveTo("running");
  ctx.events.emit(event, {
    planId: plan.id,
    wave: outcome.waveName,
    key: outcome.server.key,
    sourceId: outcome.server.sourceId ?? "",
    jobId,
  });
  return moved;
}

/** A delete repeated after a crash finds the job gone or going: that is success. */
export async function deleteIgnoringGone(account: AccountRuntime, jobId: string): Promise<void> {
  try {
    await account.client.deleteReplicationJob({ jobId });
  } catch (error) {
    if (!isSmcError(error) || classify(error) === "transient" || classify(error) === "throttled")
      throw error;
    const { items } = await account.client.describeReplicationJobs({ jobIds: [jobId] });
    if (items.length === 0 || items[0]?.status === "Deleting") return;
    throw error;
  }
}
