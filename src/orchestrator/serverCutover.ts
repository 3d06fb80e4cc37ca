import type { Job } from "bullmq";
import { ends, waits } from "../lifecycle/reasons.ts";
import { isSmcError } from "../smc/errors.ts";
import type { AccountRuntime, OrchestratorContext } from "./context.ts";
import { park } from "./jobCatalogue.ts";
import { endGone, restartOrFail } from "./jobRecovery.ts";
import { JOB_GONE } from "./jobStateChange.ts";
import { lookBySweep } from "./poller.ts";
import { endServer, failServer } from "./serverEnd.ts";
import type { ServerOutcome } from "./serverOutcome.ts";
import { cutoverOf, recordSyncs } from "./serverSync.ts";
import type { CutoverRecord } from "./store/storeRecords.ts";

const iso = (epochMs: number) => new Date(epochMs).toISOString().replace(/\.000Z$/, "Z");

/**
 * The step of a server being cut over: CutOverReplicationJob while its job is between runs, then
 * the final sync (with `syncData`) until the job is Finished; its image and time are recorded, the
 * job deleted or kept by `onFinish`, and the server succeeds. The service accepts the call only
 * from `Waiting`, so sending it again is safe: a repeat after a lost answer is refused, and the
 * job is then found running its final sync or finished. A cancel lets a cut-over finish. A final
 * sync still running when its window closes cannot be stopped: the history says so, and it goes on.
 */
export async function watchCutover(
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
      { code: "Orchestrator.NoJob", message: "the server is cutting over but has no job id" },
      account,
    );
  await ctx.tracking.track(
    outcome.account,
    jobId,
    { kind: "server", planId: outcome.plan.id, index: outcome.server.index },
    lookBySweep(ctx),
  );
  switch (outcome.server.jobStatus) {
    case "Finished":
      return endCutOver(outcome, account);
    case "InError":
      return restartOrFail(ctx, account, outcome, job, token);
    case "Stopped":
      return failServer(
        outcome,
        {
          code: "ReplicationJob.Stopped",
          message: `job ${jobId} was stopped outside smc-waves during its cut-over's final sync; retry-failed starts it again`,
        },
        account,
      );
    case "Expired":
      return failServer(outcome, ends.jobExpired(jobId), account);
    case JOB_GONE:
      return endGone(ctx, account, outcome, jobId);
    case "Waiting":
      return sendCutover(ctx, account, outcome, job, token);
    default:
      return watchFinalSync(ctx, outcome, job, token);
  }
}

/** CutOverReplicationJob with the plan's SyncData, within the running cap when it syncs. */
async function sendCutover(
  ctx: OrchestratorContext,
  account: AccountRuntime,
  outcome: ServerOutcome,
  job: Job,
  token: string | undefined,
): Promise<void> {
  const jobId = outcome.server.jobId ?? "";
  const cut: CutoverRecord = outcome.server.cutover ?? {
    by: "?",
    startedAt: ctx.clock.now(),
    syncData: cutoverOf(outcome).syncData,
  };
  const { maxRunningJobs } = account;
  if (
    cut.syncData &&
    maxRunningJobs !== undefined &&
    !(await ctx.ledger.acquireRunning(outcome.account, jobId, maxRunningJobs, ctx.realClock.now()))
  ) {
    await outcome.waitFor(waits.runningCap(outcome.account, maxRunningJobs));
    return park(job, token, ctx.settings.pollIntervalMs);
  }
  try {
    await account.client.cutOverReplicationJob({ jobId, syncData: cut.syncData });
  } catch (error) {
    if (!isSmcError(error)) throw error;
    if (error.code === "SourceServerState.Invalid") {
      await outcome.waitFor(waits.cutoverSource(jobId, error.message));
      return park(job, token, ctx.settings.pollIntervalMs);
    }
    if (error.code !== "ReplicationJob.InvalidStatus") throw error;
    // Not between runs: a scheduled run began since the last look (the cut-over follows when it
    // ends), or an earlier call of ours went through and its answer was lost (the job is running
    // its final sync, or finished). A fresh look tells the next step which.
    await refreshStatus(account, outcome);
    return park(job, token, ctx.settings.pollIntervalMs);
  }
  await outcome.update({
    cutover: { ...cut, acceptedAt: ctx.clock.now() },
    jobStatus: "Running",
    retries: 0,
    throttles: 0,
    waiting: null,
  });
  await outcome.record(
    "cutover:accepted",
    `CutOverReplicationJob ${jobId}, SyncData=${cut.syncData}: ${cut.syncData ? "the final sync runs" : "the job finishes with the images it has"}`,
  );
  // Without a final sync the job is Finished at once: no need to wait a poll for it.
  if (!cut.syncData) {
    await refreshStatus(account, outcome);
    if (outcome.server.jobStatus === "Finished") return endCutOver(outcome, account);
  }
  return park(job, token, 2 * ctx.settings.pollIntervalMs);
}

/** The final sync is running: note once if it outlasts its window, and wait for the job to finish. */
async function watchFinalSync(
  ctx: OrchestratorContext,
  outcome: ServerOutcome,
  job: Job,
  token: string | undefined,
): Promise<void> {
  const waitMs = 2 * ctx.settings.pollIntervalMs;
  const cut = outcome.server.cutover;
  const closesAt = cut?.windowClosesAt;
  if (cut === undefined || closesAt === undefined) return park(job, token, waitMs);
  const now = ctx.clock.now();
  if (now < closesAt)
    return park(job, token, Math.min(waitMs, Math.max(1, ctx.clock.realDelay(closesAt - now))));
  const jobId = outcome.server.jobId ?? "";
  if (!cut.overran) {
    await outcome.update({ cutover: { ...cut, overran: true } });
    await outcome.record(
      "cutover:overran",
      `the cut-over window closed at ${iso(closesAt)} with the final sync of job ${jobId} still running; a cut-over cannot be stopped, so it goes on until the job finishes`,
    );
  }
  await outcome.waitFor(waits.cutoverOverrun(jobId, closesAt));
  return park(job, token, waitMs);
}

/**
 * The job finished its cut-over: its image and time are recorded (with the final run in the
 * history), then the server succeeds and the job is deleted or kept by `onFinish`, freeing its
 * quota slot and source.
 */
export async function endCutOver(outcome: ServerOutcome, account: AccountRuntime): Promise<void> {
  const ctx = outcome.context;
  await recordSyncs(outcome, account);
  const { jobId = "", imageId = "", jobEndTime } = outcome.server;
  const cut: CutoverRecord = outcome.server.cutover ?? {
    by: "outside smc-waves",
    startedAt: ctx.clock.now(),
    syncData: false,
  };
  if (cut.finishedAt === undefined) {
    const ended = Date.parse(jobEndTime ?? "");
    const finishedAt = Number.isFinite(ended) ? ended : ctx.clock.now();
    await outcome.update({ cutover: { ...cut, finishedAt, imageId }, waiting: null });
    await outcome.record(
      "cutover:done",
      `job ${jobId} finished at ${iso(finishedAt)}${cut.syncData ? " after its final sync" : ""}: image ${imageId || "?"}`,
    );
    ctx.events.emit("cutover:done", {
      planId: outcome.plan.id,
      wave: outcome.waveName,
      key: outcome.server.key,
      generation: outcome.server.generation,
      ...(jobId ? { jobId } : {}),
      ...(imageId ? { imageId } : {}),
    });
  }
  const reason = ends.cutOver(cut.by, imageId, cut.syncData);
  return endServer(outcome, account, {
    to: "succeeded",
    reasonCode: reason.code,
    reason: reason.message,
  });
}

/** The job's status as the service says now, written on the record. */
async function refreshStatus(account: AccountRuntime, outcome: ServerOutcome): Promise<void> {
  const jobId = outcome.server.jobId ?? "";
  const { items } = await account.client.describeReplicationJobs({ jobIds: [jobId] });
  const fresh = items.find((candidate) => candidate.jobId === jobId);
  await outcome.update({
    jobStatus: fresh?.status ?? JOB_GONE,
    businessStatus: fresh?.businessStatus || null,
    ...(fresh?.imageId ? { imageId: fresh.imageId } : {}),
    ...(fresh?.endTime ? { jobEndTime: fresh.endTime } : {}),
    ...(fresh ? { progress: Math.floor(fresh.progress) } : {}),
  });
}
