import { type Job, UnrecoverableError } from "bullmq";
import { classify, isSmcError, type SmcError } from "../smc/errors.ts";
import { throttleDelay } from "../smc/retry.ts";
import { type ReplicationJob, UNFINISHED_JOB_STATUSES } from "../smc/types.ts";
import type { Account, OrchestratorContext } from "./context.ts";
import { clientToken, park, replicationJobName, type ServerJobData } from "./jobCatalogue.ts";
import { createRequest } from "./jobRequest.ts";
import { ServerOutcome } from "./serverOutcome.ts";
import { watchJob } from "./serverProgress.ts";

/**
 * The step job of one server: create → start → watch → finish. Every step reads the server's
 * record first and is safe to run again, because BullMQ delivers at least once and a daemon can
 * die between any two lines: a create is found again by the job's unique name and its ClientToken,
 * a start of a running job is a no-op, a delete of a deleted job is done.
 */
export async function processServerJob(
  ctx: OrchestratorContext,
  job: Job<ServerJobData>,
  token: string | undefined,
): Promise<void> {
  const { planId, index, generation } = job.data;
  const [plan, server] = await Promise.all([
    ctx.store.getPlan(planId),
    ctx.store.getServer(planId, index),
  ]);
  // A job from before a retry-failed, or of a plan that is gone, has nothing left to do.
  if (!plan || !server || server.generation !== generation) return;
  const account = ctx.accounts.get(plan.spec.account);
  if (!account)
    throw new UnrecoverableError(`plan ${planId} names unknown account ${plan.spec.account}`);
  const outcome = new ServerOutcome(ctx, plan, server);

  try {
    if (outcome.server.status === "creating" && !(await createJob(ctx, account, outcome))) return;
    if (outcome.server.status === "running") await watchJob(ctx, account, outcome, job, token);
  } catch (error) {
    if (!isSmcError(error)) throw error;
    await handleApiError(ctx, outcome, job, token, error);
  }
}

/** Makes (or finds) the server's replication job; false when the server went back or failed. */
async function createJob(
  ctx: OrchestratorContext,
  account: Account,
  outcome: ServerOutcome,
): Promise<boolean> {
  const { plan } = outcome;
  const { index, generation, sourceId } = outcome.server;
  if (!sourceId) {
    await outcome.fail("Plan.SourceUnresolved", "the server's source was never resolved");
    return false;
  }
  const name = replicationJobName(plan.id, index, generation);
  // Only a create that may have reached the service (a crash or a lost answer after it) needs a
  // look first; a server's first create skips that call, and its ClientToken still guards it.
  if (outcome.server.createTried) {
    const settled = await settleExisting(account, outcome, name, sourceId);
    if (settled !== undefined) return settled;
  }
  if (plan.status === "cancelled") {
    await outcome.cancelBeforeCreate();
    return false;
  }
  const settings = plan.spec.waves[outcome.server.wave]?.servers.find(
    (s) => s.key === outcome.server.key,
  )?.settings;
  if (!settings)
    throw new UnrecoverableError(`server ${outcome.server.key} is missing from plan ${plan.id}`);
  await outcome.update({ createTried: true });
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
    await recordJob(ctx, outcome, jobId, "job:created");
    return true;
  } catch (error) {
    if (!isSmcError(error)) throw error;
    return handleCreateRefusal(ctx, account, outcome, error, name);
  }
}

/**
 * What the service already has on this server's source: our job, made before a crash (adopted,
 * true), someone else's unfinished job (the server waits, false), or nothing (undefined).
 */
async function settleExisting(
  account: Account,
  outcome: ServerOutcome,
  name: string,
  sourceId: string,
): Promise<boolean | undefined> {
  const { items } = await account.client.describeReplicationJobs({
    sourceIds: [sourceId],
    pageSize: 50,
  });
  const ours = items.find((candidate) => candidate.name === name);
  if (ours) {
    // The job exists whatever the plan's status now, so it is recorded and watched like any
    // running job of a cancelled plan.
    await recordJob(outcome.context, outcome, ours.jobId, "job:adopted");
    return true;
  }
  const blocking = items.find((candidate) => UNFINISHED_JOB_STATUSES.has(candidate.status));
  if (blocking) {
    await outcome.requeue("SourceBusy", describeBlocking(blocking));
    return false;
  }
  return undefined;
}

async function recordJob(
  ctx: OrchestratorContext,
  outcome: ServerOutcome,
  jobId: string,
  event: "job:created" | "job:adopted",
): Promise<void> {
  const { plan } = outcome;
  // Tracked before confirmed: a reconcile in between then counts the job as ours, never as a
  // stranger's that would hold the slot twice.
  await ctx.redis.hset(
    ctx.store.keys.tracked(plan.spec.account),
    jobId,
    `${plan.id}|${outcome.server.index}`,
  );
  await ctx.ledger.confirm(outcome.slot, jobId, ctx.realClock.now());
  await outcome.update({
    jobId,
    jobStatus: "Ready",
    startRequested: false,
    errorCode: null,
    errorMessage: null,
  });
  await outcome.record(event, jobId);
  await outcome.setStatus("running");
  ctx.events.emit(event, {
    planId: plan.id,
    wave: outcome.waveName,
    key: outcome.server.key,
    sourceId: outcome.server.sourceId ?? "",
    jobId,
  });
}

/** The service said no to a create: decide from its code whether to wait, adopt or fail. */
async function handleCreateRefusal(
  ctx: OrchestratorContext,
  account: Account,
  outcome: ServerOutcome,
  error: SmcError,
  name: string,
): Promise<boolean> {
  const errorClass = classify(error);
  if (errorClass === "quota") {
    const usage = await ctx.ledger.usage(outcome.plan.spec.account, ctx.realClock.now());
    ctx.events.emit("quota:blocked", {
      account: outcome.plan.spec.account,
      used: usage.used,
      limit: account.quota,
    });
    // Someone else holds slots we did not know of: learn them now rather than at the next tick.
    await ctx.queues.control.add(
      "reconcile",
      {},
      { jobId: `reconcile-${Math.floor(ctx.realClock.now() / 10_000)}` },
    );
    await outcome.requeue(error.code, error.message);
    return false;
  }
  if (error.code === "ReplicationJobName.Duplicate") {
    const named = await account.client.describeReplicationJobs({ name, pageSize: 50 });
    const ours = named.items.find((candidate) => candidate.name === name);
    if (ours && ours.sourceId === outcome.server.sourceId) {
      await recordJob(ctx, outcome, ours.jobId, "job:adopted");
      return true;
    }
  }
  if (error.code === "SourceServerState.Invalid" && outcome.server.sourceId) {
    // A job on the source we did not know of (ours from before a crash, or someone else's)?
    const settled = await settleExisting(account, outcome, name, outcome.server.sourceId);
    if (settled !== undefined) return settled;
    const sources = await account.client.describeSourceServers({
      sourceIds: [outcome.server.sourceId],
    });
    const state = sources.items[0]?.state;
    if (state === "InUse") {
      await outcome.requeue(
        "SourceBusy",
        `source ${outcome.server.sourceId} is InUse by another migration`,
      );
      return false;
    }
    await outcome.fail(
      error.code,
      `source ${outcome.server.sourceId} is ${state ?? "gone"}: ${error.message}`,
    );
    return false;
  }
  if (errorClass === "transient" || errorClass === "throttled") throw error;
  await outcome.fail(error.code, error.message);
  return false;
}

/**
 * Transient errors are thrown back to BullMQ, which retries with backoff until the attempts run
 * out; throttling parks the job without using an attempt; anything else fails the server.
 */
async function handleApiError(
  ctx: OrchestratorContext,
  outcome: ServerOutcome,
  job: Job<ServerJobData>,
  token: string | undefined,
  error: SmcError,
): Promise<void> {
  const errorClass = classify(error);
  const attempt = job.attemptsMade + 1;
  if (errorClass === "throttled") {
    const delayMs = throttleDelay(attempt, ctx.settings.retry, ctx.random);
    ctx.events.emit("smc:retry", { action: error.action, code: error.code, attempt, delayMs });
    return park(job, token, delayMs);
  }
  if (errorClass === "quota") {
    // A start refused for the running cap (someone else's jobs count too): wait for room, and let
    // the reconcile learn the jobs we did not know of.
    await outcome.record("quota:blocked", `${error.action}: ${error.message}`);
    return park(job, token, ctx.settings.reconcileIntervalMs);
  }
  if (errorClass === "transient" && attempt < (job.opts.attempts ?? 1)) {
    await ctx.store.incrementServer(outcome.plan.id, outcome.server.index, "attempts");
    await outcome.record("smc:retry", `${error.action} ${error.code} (attempt ${attempt})`);
    throw error;
  }
  const gaveUp = errorClass === "transient" ? ` (gave up after ${attempt} attempts)` : "";
  await outcome.fail(error.code, `${error.action}: ${error.message}${gaveUp}`);
}

function describeBlocking(job: ReplicationJob): string {
  return `source ${job.sourceId} already has unfinished job ${job.jobId} (${job.name || "unnamed"}, ${job.status}) that this plan did not create`;
}
