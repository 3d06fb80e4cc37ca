import { type Job, UnrecoverableError } from "bullmq";
import { ends, waits } from "../lifecycle/reasons.ts";
import { stepRetry } from "../scheduler/stepRetry.ts";
import { classify, isSmcError, type SmcError } from "../smc/errors.ts";
import { type ReplicationJob, UNFINISHED_JOB_STATUSES } from "../smc/types.ts";
import type { AccountRuntime, OrchestratorContext } from "./context.ts";
import { clientToken, park, payloadOf, replicationJobName } from "./jobCatalogue.ts";
import { createRequest } from "./jobRequest.ts";
import { watchCutover } from "./serverCutover.ts";
import { completeEnd, failServer, recordJob, retryRequeue } from "./serverEnd.ts";
import { ServerOutcome } from "./serverOutcome.ts";
import { watchJob } from "./serverProgress.ts";
import { stopJob } from "./serverStop.ts";
import { watchSync } from "./serverSync.ts";

/**
 * The step job of one server: create → start → watch → finish (an incremental job: → in sync →
 * cut over → finish), or stop and clean up when its plan is cancelled. Every step reads the server's record first and is safe to run again, because
 * BullMQ delivers at least once and a daemon can die between any two lines: a create is found
 * again by the job's unique name and its ClientToken, a start of a running job is a no-op, a
 * delete of a deleted job is done. SMC errors never fail the BullMQ job: the step waits (with its
 * retry state on the server's record, and a reason anyone can read) or ends the server.
 */
export async function processServerJob(
  ctx: OrchestratorContext,
  job: Job,
  token: string | undefined,
): Promise<void> {
  const { planId, index, generation } = payloadOf("servers", job);
  const [plan, server] = await Promise.all([
    ctx.store.getPlan(planId),
    ctx.servers.getServer(planId, index),
  ]);
  // A job from before a retry-failed, or of a plan that is gone, has nothing left to do.
  if (!plan || !server || server.generation !== generation) return;
  const account = ctx.accounts.get(plan.spec.account);
  if (!account)
    throw new UnrecoverableError(`plan ${planId} names unknown account ${plan.spec.account}`);
  const outcome = new ServerOutcome(ctx, plan, server);

  try {
    // An end decided before a crash is carried out before anything else.
    if (outcome.server.ending) return completeEnd(outcome, account);
    if (outcome.server.status === "creating" && !(await createJob(ctx, account, outcome))) return;
    // Each step may hand the server on to the next within one run: running → syncing (first
    // image of an incremental job) → cutting-over (`immediate`), or → stopping after a cancel.
    if (outcome.server.status === "running") await watchJob(ctx, account, outcome, job, token);
    if (outcome.server.status === "syncing") await watchSync(ctx, account, outcome, job, token);
    if (outcome.server.status === "cutting-over")
      await watchCutover(ctx, account, outcome, job, token);
    if (outcome.server.status === "stopping") await stopJob(ctx, account, outcome, job, token);
  } catch (error) {
    if (!isSmcError(error)) throw error;
    await handleApiError(ctx, account, outcome, job, token, error);
  }
}

/** Makes (or finds) the server's replication job; false when the server went back or ended. */
async function createJob(
  ctx: OrchestratorContext,
  account: AccountRuntime,
  outcome: ServerOutcome,
): Promise<boolean> {
  const { plan } = outcome;
  const { index, generation, sourceId } = outcome.server;
  if (!sourceId) {
    await failServer(
      outcome,
      ends.sourceUnresolved("the server's source was never resolved"),
      account,
    );
    return false;
  }
  const name = replicationJobName(plan.id, index, generation);
  // Only a create that may have reached the service (a crash or a lost answer after it) needs a
  // look first; a server's first create skips that call, and its ClientToken still guards it.
  if (outcome.server.createTried) {
    const settled = await settleExisting(ctx, account, outcome, name, sourceId);
    if (settled !== undefined) return settled;
  }
  if (plan.status === "cancelling" || plan.status === "cancelled") {
    await ctx.ledger.releaseReservation(outcome.slot);
    await outcome.moveTo("cancelled", {
      reason: ends.cancelledBeforeCreate(),
      patch: { finishedAt: ctx.clock.now() },
    });
    await outcome.wakeDispatcher();
    return false;
  }
  const settings = outcome.settings;
  if (!settings)
    throw new UnrecoverableError(`server ${outcome.server.key} is missing from plan ${plan.id}`);
  if (!outcome.server.createTried) await outcome.update({ createTried: true });
  try {
    const { jobId } = await account.client.createReplicationJob(
      createRequest(settings, {
        regionId: plan.spec.regionId,
        sourceId,
        name,
        clientToken: clientToken(ctx.prefix, plan.id, index, generation),
        description: `smc-waves plan ${plan.id}, wave ${outcome.waveName}, server ${outcome.server.key}`,
        now: ctx.clock.now(),
      }),
    );
    return recordJob(ctx, outcome, jobId, "job:created");
  } catch (error) {
    if (!isSmcError(error)) throw error;
    return handleCreateRefusal(ctx, account, outcome, error, name);
  }
}

/**
 * What the service already has on this server's source: our job, made before a crash or by a
 * create whose answer was lost (adopted, true), someone else's unfinished job (the server waits,
 * false), or nothing (undefined).
 */
async function settleExisting(
  ctx: OrchestratorContext,
  account: AccountRuntime,
  outcome: ServerOutcome,
  name: string,
  sourceId: string,
): Promise<boolean | undefined> {
  const { items } = await account.client.describeReplicationJobs({
    sourceIds: [sourceId],
    pageSize: 50,
  });
  const ours = items.find((candidate) => candidate.name === name);
  // The job exists whatever the plan's status now: recorded and watched like any other, so a
  // cancelled plan's server adopts (and then cleans up) the job it made before a crash.
  if (ours) return recordJob(ctx, outcome, ours.jobId, "job:adopted");
  const blocking = items.find((candidate) => UNFINISHED_JOB_STATUSES.has(candidate.status));
  if (blocking) {
    await waitForBlocker(ctx, outcome, blocking);
    return false;
  }
  return undefined;
}

/** Someone else's unfinished job holds the source: hold the source for it, and wait for it to go. */
async function waitForBlocker(
  ctx: OrchestratorContext,
  outcome: ServerOutcome,
  blocking: ReplicationJob,
): Promise<void> {
  const holder = await ctx.ledger.holdForExternal(
    outcome.account,
    blocking.sourceId,
    blocking.jobId,
  );
  if (holder.kind === "external") {
    await ctx.tracking.track(
      outcome.account,
      holder.jobId,
      { kind: "blocker", sourceId: blocking.sourceId },
      ctx.realClock.now(),
    );
  }
  await retryRequeue(
    outcome,
    waits.sourceHeld(blocking.sourceId, {
      kind: "external",
      jobId: blocking.jobId,
      status: blocking.status,
    }),
  );
}

/** The service said no to a create: decide from its code whether to wait, adopt or fail. */
async function handleCreateRefusal(
  ctx: OrchestratorContext,
  account: AccountRuntime,
  outcome: ServerOutcome,
  error: SmcError,
  name: string,
): Promise<boolean> {
  const errorClass = classify(error);
  if (errorClass === "quota") {
    const usage = await ctx.ledger.usage(outcome.account, ctx.realClock.now());
    ctx.events.emit("quota:blocked", {
      account: outcome.account,
      used: usage.used,
      limit: account.quota,
    });
    // Someone else holds slots we did not know of: learn them now rather than at the next tick.
    await ctx.queues.control.add(
      "reconcile",
      {},
      { jobId: `reconcile-${Math.floor(ctx.realClock.now() / 10_000)}` },
    );
    await retryRequeue(
      outcome,
      waits.quotaFull(outcome.account, usage.used, account.quota, usage.externalJobs.length),
    );
    return false;
  }
  if (error.code === "ReplicationJobName.Duplicate") {
    const named = await account.client.describeReplicationJobs({ name, pageSize: 50 });
    const ours = named.items.find((candidate) => candidate.name === name);
    if (ours && ours.sourceId === outcome.server.sourceId)
      return recordJob(ctx, outcome, ours.jobId, "job:adopted");
  }
  if (error.code === "SourceServerState.Invalid" && outcome.server.sourceId) {
    // A job on the source we did not know of (ours from before a crash, or someone else's)?
    const settled = await settleExisting(ctx, account, outcome, name, outcome.server.sourceId);
    if (settled !== undefined) return settled;
    const sources = await account.client.describeSourceServers({
      sourceIds: [outcome.server.sourceId],
    });
    const state = sources.items[0]?.state;
    if (state === "InUse") {
      await retryRequeue(outcome, waits.sourceInUse(outcome.server.sourceId));
      return false;
    }
    await failServer(
      outcome,
      ends.refused(
        error.code,
        error.action,
        `source ${outcome.server.sourceId} is ${state ?? "gone"}: ${error.message}`,
      ),
      account,
    );
    return false;
  }
  if (errorClass === "transient" || errorClass === "throttled") throw error;
  await failServer(outcome, ends.refused(error.code, error.action, error.message), account);
  return false;
}

/**
 * Transient errors and throttling wait, with the retry state on the server's record (see
 * stepRetry): the server shows why, and its step parks. Giving up on a create first looks for the
 * job (the create may have reached the service); anything else the service refused ends the server.
 */
async function handleApiError(
  ctx: OrchestratorContext,
  account: AccountRuntime,
  outcome: ServerOutcome,
  job: Job,
  token: string | undefined,
  error: SmcError,
): Promise<void> {
  const errorClass = classify(error);
  if (errorClass === "quota") {
    // A start refused for the running cap (someone else's jobs count too): wait for room, and let
    // the reconcile learn the jobs we did not know of.
    await outcome.waitFor(waits.runningCap(outcome.account, account.maxRunningJobs ?? 0));
    return park(job, token, ctx.settings.reconcileIntervalMs);
  }
  if (errorClass !== "transient" && errorClass !== "throttled") {
    await failServer(outcome, ends.refused(error.code, error.action, error.message), account);
    return;
  }
  await ctx.servers.incrementServer(outcome.plan.id, outcome.server.index, "attempts");
  const decision = stepRetry(
    { errorClass, code: error.code, action: error.action, message: error.message },
    { retries: outcome.server.retries, throttles: outcome.server.throttles },
    account.health.outage,
    ctx.settings.retry,
    ctx.random,
    ctx.realClock.now(),
  );
  ctx.events.emit("smc:retry", {
    action: error.action,
    code: error.code,
    attempt: outcome.server.retries + 1,
    delayMs: decision.kind === "wait" ? decision.delayMs : 0,
  });
  if (decision.kind === "wait") {
    await outcome.update({ retries: decision.next.retries, throttles: decision.next.throttles });
    await outcome.waitFor(decision.waiting);
    return park(job, token, decision.delayMs);
  }
  // A create whose answers were all lost may still have made the job: never fail what may exist.
  if (outcome.server.status === "creating" && outcome.server.sourceId) {
    const name = replicationJobName(
      outcome.plan.id,
      outcome.server.index,
      outcome.server.generation,
    );
    const settled = await settleExisting(ctx, account, outcome, name, outcome.server.sourceId);
    if (settled !== undefined) return;
  }
  await failServer(outcome, decision.reason, account);
}
