import type { Job } from "bullmq";
import { classify, isSmcError } from "../smc/errors.ts";
import type { Account, OrchestratorContext } from "./context.ts";
import { park, type ServerJobData } from "./jobCatalogue.ts";
import { JOB_GONE } from "./jobStateChange.ts";
import type { ServerOutcome } from "./serverOutcome.ts";

/**
 * Starts the server's job if it has not been started, then acts on the status the batch poller
 * last stored: finish, restart, fail, or park until the poller wakes it. The fallback wake after two
 * poll intervals covers a promote that raced with this job being active.
 */
export async function watchJob(
  ctx: OrchestratorContext,
  account: Account,
  outcome: ServerOutcome,
  job: Job<ServerJobData>,
  token: string | undefined,
): Promise<void> {
  const jobId = outcome.server.jobId;
  if (!jobId) return outcome.fail("Orchestrator.NoJob", "the server is running but has no job id");
  const settings = outcome.plan.spec.waves[outcome.server.wave]?.servers.find(
    (server) => server.key === outcome.server.key,
  )?.settings;
  const waitMs = 2 * ctx.settings.pollIntervalMs;

  if (!outcome.server.startRequested) {
    if (settings?.scheduledStartTime) {
      await outcome.update({ startRequested: true });
      await outcome.record(
        "job:scheduled",
        `the service starts it at ${settings.scheduledStartTime}`,
      );
    } else {
      const { maxRunningJobs } = account;
      const acquired =
        maxRunningJobs === undefined ||
        (await ctx.ledger.acquireRunning(
          outcome.plan.spec.account,
          jobId,
          maxRunningJobs,
          ctx.realClock.now(),
        ));
      if (!acquired) return park(job, token, ctx.settings.pollIntervalMs);
      await startIgnoringRepeat(account, jobId);
      await outcome.update({ startRequested: true, startedAt: ctx.clock.now() });
      await outcome.record("job:started", jobId);
    }
    return park(job, token, waitMs);
  }

  const incremental = settings?.runOnce === false;
  if (outcome.server.finishing) {
    return finish(ctx, account, outcome, {
      deleteJob: !incremental && outcome.plan.spec.policy.onFinish === "delete",
    });
  }
  // Whatever happened to the tracking (a race, a hand-edited Redis), a waiting server's job is
  // watched again at its next wake: a job nobody polls would leave the server running forever.
  await ctx.redis.hset(
    ctx.store.keys.tracked(outcome.plan.spec.account),
    jobId,
    `${outcome.plan.id}|${outcome.server.index}`,
  );
  switch (outcome.server.jobStatus) {
    case "Finished":
      return finish(ctx, account, outcome, {
        deleteJob: outcome.plan.spec.policy.onFinish === "delete",
      });
    case "Waiting":
      // An incremental job waits between runs; its first image means the server has migrated, and
      // the job is kept so that its later runs go on.
      if (incremental && outcome.server.imageId)
        return finish(ctx, account, outcome, { deleteJob: false });
      return park(job, token, waitMs);
    case "InError":
      return restartOrFail(ctx, account, outcome, job, token);
    case "Expired":
      return outcome.fail(
        "ReplicationJob.Expired",
        `job ${jobId} passed its ValidTime before it finished`,
      );
    case JOB_GONE:
      await ctx.redis.hdel(ctx.store.keys.tracked(outcome.plan.spec.account), jobId);
      await ctx.ledger.releaseJob(outcome.plan.spec.account, outcome.plan.id, jobId);
      await ctx.ledger.releaseSource(outcome.slot);
      return outcome.fail("ReplicationJob.NotFound", `job ${jobId} was deleted outside smc-waves`);
    default:
      return park(job, token, waitMs);
  }
}

async function restartOrFail(
  ctx: OrchestratorContext,
  account: Account,
  outcome: ServerOutcome,
  job: Job<ServerJobData>,
  token: string | undefined,
): Promise<void> {
  const jobId = outcome.server.jobId ?? "";
  const errorCode = outcome.server.jobErrorCode || "InternalError";
  const { jobRestarts } = outcome.plan.spec.policy;
  if (classify(errorCode) !== "transient" || outcome.server.restarts >= jobRestarts) {
    const why =
      outcome.server.restarts >= jobRestarts && classify(errorCode) === "transient"
        ? ` after ${outcome.server.restarts} restart(s)`
        : "";
    return outcome.fail(
      errorCode,
      `job ${jobId} is InError${why}: ${outcome.server.jobStatusInfo || "no StatusInfo"}`,
    );
  }
  if (!(await startIgnoringRepeat(account, jobId))) {
    // Not InError any more: an earlier, unanswered start of ours went through. Not a new restart.
    await outcome.update({ jobStatus: "Running" });
    return park(job, token, 2 * ctx.settings.pollIntervalMs);
  }
  const restarts = await ctx.store.incrementServer(
    outcome.plan.id,
    outcome.server.index,
    "restarts",
  );
  // Until the poller says otherwise the job is running again; an InError seen before this start
  // must not restart it twice.
  await outcome.update({ jobStatus: "Running", restarts });
  await outcome.record("job:restarted", `${errorCode} (restart ${restarts} of ${jobRestarts})`);
  ctx.events.emit("job:restarted", {
    planId: outcome.plan.id,
    key: outcome.server.key,
    jobId,
    errorCode,
  });
  return park(job, token, 2 * ctx.settings.pollIntervalMs);
}

/** The job has an image: record it, free the source and (with onFinish: delete) the quota slot. */
async function finish(
  ctx: OrchestratorContext,
  account: Account,
  outcome: ServerOutcome,
  options: { deleteJob: boolean },
): Promise<void> {
  const { plan } = outcome;
  const jobId = outcome.server.jobId ?? "";
  const accountName = plan.spec.account;
  // Marked and untracked before the delete: a delete retried after a lost answer finds the job
  // gone, and the poller must not then report it as deleted by someone else.
  await outcome.update({ finishing: true });
  await ctx.redis.hdel(ctx.store.keys.tracked(accountName), jobId);
  await ctx.ledger.releaseRunning(accountName, jobId);
  await ctx.ledger.releaseSource(outcome.slot);
  if (options.deleteJob) {
    await deleteIgnoringGone(account, jobId);
    await ctx.ledger.releaseJob(accountName, plan.id, jobId);
    await outcome.record("job:deleted", jobId);
    ctx.events.emit("job:deleted", { planId: plan.id, key: outcome.server.key, jobId });
  }
  await outcome.update({ progress: 100, finishedAt: ctx.clock.now() });
  await outcome.setStatus(
    "succeeded",
    outcome.server.imageId ? `image ${outcome.server.imageId}` : undefined,
  );
  const started = Date.parse(outcome.server.jobStartTime ?? "");
  const ended = Date.parse(outcome.server.jobEndTime ?? "");
  ctx.events.emit("job:finished", {
    planId: plan.id,
    wave: outcome.waveName,
    key: outcome.server.key,
    jobId,
    imageId: outcome.server.imageId ?? "",
    durationMs: Number.isFinite(started) && Number.isFinite(ended) ? ended - started : 0,
  });
  await outcome.wakeDispatcher();
}

/**
 * A start repeated after a crash (or after a lost answer) finds the job already running: that is
 * success too. Returns false in that case, true when this call started the job.
 */
async function startIgnoringRepeat(account: Account, jobId: string): Promise<boolean> {
  try {
    await account.client.startReplicationJob({ jobId });
    return true;
  } catch (error) {
    if (isSmcError(error) && error.code === "ReplicationJob.InvalidStatus") return false;
    throw error;
  }
}

/** A delete repeated after a crash finds the job gone or going: that is success. */
async function deleteIgnoringGone(account: Account, jobId: string): Promise<void> {
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
