import type { Job } from "bullmq";
import { ends, waits } from "../lifecycle/reasons.ts";
import type { Cutover } from "../plan/compiledPlan.ts";
import { decideCutover } from "../scheduler/cutoverDecision.ts";
import type { ReplicationJob } from "../smc/types.ts";
import type { AccountRuntime, OrchestratorContext } from "./context.ts";
import { park } from "./jobCatalogue.ts";
import { endGone, restartOrFail } from "./jobRecovery.ts";
import { JOB_GONE } from "./jobStateChange.ts";
import { lookBySweep } from "./poller.ts";
import { endServer, failServer } from "./serverEnd.ts";
import type { ServerOutcome } from "./serverOutcome.ts";

/** A wave with incremental servers but no `cutover` (a plan stored before it existed): manual. */
const MANUAL: Cutover = { mode: "manual", syncData: true, onTimeout: "wait" };

/** How the server's wave cuts its incremental servers over. */
export function cutoverOf(outcome: ServerOutcome): Cutover {
  return outcome.plan.spec.waves[outcome.server.wave]?.cutover ?? MANUAL;
}

/**
 * running → syncing: the incremental job has its first full image and waits for its next run. It
 * keeps its quota slot and its source until it is cut over. People who cut over by hand or in a
 * window are told it is ready, and once more for the wave when nothing of it is still copying.
 */
export async function enterSync(outcome: ServerOutcome): Promise<void> {
  const { server } = outcome;
  const frequency = outcome.settings?.frequency ?? 0;
  const moved = await outcome.moveTo("syncing", {
    detail: `in sync: first full image ${server.imageId ?? "?"}; job ${server.jobId ?? "?"} re-syncs every ${frequency} h until it is cut over`,
  });
  const { status } = outcome.plan;
  // Nobody is told to cut over what a cancel is about to clean up, or what cuts over by itself.
  if (!moved || status === "cancelling" || status === "cancelled") return;
  if (cutoverOf(outcome).mode === "immediate") return;
  const ctx = outcome.context;
  const ready = { planId: outcome.plan.id, wave: outcome.waveName };
  ctx.events.emit("cutover:ready", {
    ...ready,
    key: server.key,
    generation: server.generation,
    ...(server.jobId ? { jobId: server.jobId } : {}),
    ...(server.imageId ? { imageId: server.imageId } : {}),
  });
  const counts = await ctx.servers.waveCounts(outcome.plan.id, server.wave);
  // Counted after this server's move: the last one to come in sync sees none left (a tie between
  // two daemons emits twice, which the notification key absorbs).
  if (counts.pending + counts.creating + counts.running === 0)
    ctx.events.emit("cutover:ready", { ...ready, generation: outcome.plan.generation });
}

/**
 * The step of a server in sync: records each run of its job (image and times) in its history,
 * and starts its cut-over when a person, the plan's `immediate` or an open window says so and the
 * job is between runs. Failures and cancels end it as for a running job; a cancel without
 * --stop-running lets a run under way end, then deletes (or keeps) the job.
 */
export async function watchSync(
  ctx: OrchestratorContext,
  account: AccountRuntime,
  outcome: ServerOutcome,
  job: Job,
  token: string | undefined,
): Promise<void> {
  const { plan } = outcome;
  const jobId = outcome.server.jobId;
  if (!jobId)
    return failServer(
      outcome,
      { code: "Orchestrator.NoJob", message: "the server is syncing but has no job id" },
      account,
    );
  const cancelled = plan.status === "cancelling" || plan.status === "cancelled";
  if (cancelled && plan.stopRunning) {
    // serverJob.ts goes on with the stopping step once this returns.
    await outcome.moveTo("stopping", { detail: "plan cancelled with --stop-running" });
    return;
  }
  await ctx.tracking.track(
    outcome.account,
    jobId,
    { kind: "server", planId: plan.id, index: outcome.server.index },
    lookBySweep(ctx),
  );
  const waitMs = 2 * ctx.settings.pollIntervalMs;
  switch (outcome.server.jobStatus) {
    case "InError":
      if (cancelled) return endInSync(outcome, account);
      return restartOrFail(ctx, account, outcome, job, token);
    case "Stopped":
      if (cancelled) return endInSync(outcome, account);
      return failServer(
        outcome,
        {
          code: "ReplicationJob.Stopped",
          message: `job ${jobId} was stopped outside smc-waves while in sync; retry-failed starts it again`,
        },
        account,
      );
    case "Expired":
      return failServer(outcome, ends.jobExpired(jobId), account);
    case JOB_GONE:
      return endGone(ctx, account, outcome, jobId);
    case "Finished":
      // Only a cut-over finishes an incremental job: someone did it outside smc-waves. The cut-over
      // step records it (serverJob.ts goes on with it).
      await outcome.moveTo("cutting-over", {
        detail: `job ${jobId} finished: cut over outside smc-waves`,
        patch: {
          cutover: { by: "outside smc-waves", startedAt: ctx.clock.now(), syncData: false },
          cutoverDueUntil: null,
        },
      });
      return;
    default:
      break;
  }
  const between = outcome.server.jobStatus === "Waiting";
  if (between) await recordSyncs(outcome, account);
  if (cancelled) {
    if (between) return endInSync(outcome, account);
    await outcome.waitFor(waits.cancelMidSync(jobId));
    return park(job, token, waitMs);
  }
  await decideAndAct(ctx, account, outcome, job, token, between);
}

async function decideAndAct(
  ctx: OrchestratorContext,
  account: AccountRuntime,
  outcome: ServerOutcome,
  job: Job,
  token: string | undefined,
  between: boolean,
): Promise<void> {
  const { plan, server } = outcome;
  const jobId = server.jobId ?? "";
  const cutover = cutoverOf(outcome);
  const wave = await ctx.store.getWave(plan.id, server.wave);
  const request = server.cutoverRequest ?? wave.cutoverRequest;
  const now = ctx.clock.now();
  const decision = decideCutover({
    cutover,
    now,
    ...(request ? { request } : {}),
    jobWaiting: between,
    paused: plan.status === "paused",
    ...(server.cutoverDueUntil === undefined ? {} : { dueUntil: server.cutoverDueUntil }),
  });
  const waitMs = 2 * ctx.settings.pollIntervalMs;
  const until = (at: number) => Math.min(waitMs, Math.max(1, ctx.clock.realDelay(at - now)));
  if ("missed" in decision && decision.missed !== undefined) {
    await outcome.update({ cutoverDueUntil: null });
    await outcome.record(
      "cutover:missed",
      `the cut-over window closed at ${new Date(decision.missed).toISOString()} while job ${jobId} was mid-sync; onTimeout is wait: it cuts over in a later opening`,
    );
  }
  switch (decision.kind) {
    case "cutover":
      return startCutover(ctx, account, outcome, job, token, decision);
    case "mid-sync": {
      const dueUntil = decision.until ?? null;
      if ((server.cutoverDueUntil ?? null) !== dueUntil)
        await outcome.update({ cutoverDueUntil: dueUntil });
      await outcome.waitFor(
        waits.cutoverMidSync(jobId, server.businessStatus ?? "", decision.until),
      );
      return park(job, token, decision.until === undefined ? waitMs : until(decision.until));
    }
    case "wait-person":
      await outcome.waitFor(
        waits.cutoverManual(plan.id, outcome.waveName, server.lastSyncImageId ?? ""),
      );
      return park(job, token, waitMs);
    case "wait-resume":
      await outcome.waitFor(waits.cutoverPaused());
      return park(job, token, waitMs);
    case "wait-window":
      await outcome.waitFor(
        waits.cutoverWindow(decision.opensAt, cutover.window?.timezone ?? "UTC"),
      );
      return park(job, token, until(decision.opensAt));
    case "timeout":
      // A running job cannot be deleted: fail once this run ends, so nothing is left behind.
      if (!between) {
        await outcome.waitFor(waits.cutoverTimedOut(jobId, decision.closedAt));
        return park(job, token, waitMs);
      }
      return failServer(
        outcome,
        ends.cutoverWindowMissed(
          jobId,
          cutover.window?.cron ?? "",
          cutover.window?.timezone ?? "UTC",
          decision.closedAt,
        ),
        account,
      );
  }
}

/**
 * syncing → cutting-over, once a fresh look says the job is between runs (the poller's status may
 * be a poll old, and a scheduled run may have begun since). The cut-over step sends the call.
 */
async function startCutover(
  ctx: OrchestratorContext,
  account: AccountRuntime,
  outcome: ServerOutcome,
  job: Job,
  token: string | undefined,
  decision: { by: string; windowClosesAt?: number },
): Promise<void> {
  const jobId = outcome.server.jobId ?? "";
  const { items } = await account.client.describeReplicationJobs({ jobIds: [jobId] });
  const fresh = items.find((candidate) => candidate.jobId === jobId);
  if (fresh?.status !== "Waiting") {
    await outcome.update({
      jobStatus: fresh?.status ?? JOB_GONE,
      businessStatus: fresh?.businessStatus || null,
      ...(fresh ? { progress: Math.floor(fresh.progress) } : {}),
    });
    return park(job, token, ctx.settings.pollIntervalMs);
  }
  await recordSyncs(outcome, account, fresh);
  const { syncData } = cutoverOf(outcome);
  await outcome.moveTo("cutting-over", {
    detail: `cut-over by ${decision.by}, ${syncData ? "with a final sync" : "without a final sync"}`,
    patch: {
      cutover: {
        by: decision.by,
        startedAt: ctx.clock.now(),
        syncData,
        ...(decision.windowClosesAt === undefined
          ? {}
          : { windowClosesAt: decision.windowClosesAt }),
      },
      cutoverDueUntil: null,
      // The final sync is a run of its own: jobRestarts counts from here.
      restartsBeforeRun: outcome.server.restarts,
    },
  });
}

/**
 * Records each run of the job not yet in the server's history (its type, times and image; the
 * first is the full copy), when the job shows an image not yet recorded. `fresh` is the job as
 * just described, to save a call.
 */
export async function recordSyncs(
  outcome: ServerOutcome,
  account: AccountRuntime,
  fresh?: ReplicationJob,
): Promise<void> {
  const { jobId, imageId } = outcome.server;
  if (!jobId) return;
  if (fresh === undefined && (!imageId || imageId === outcome.server.lastSyncImageId)) return;
  const described =
    fresh ?? (await account.client.describeReplicationJobs({ jobIds: [jobId] })).items[0];
  if (described?.jobId !== jobId) return;
  const runs = described.replicationJobRuns;
  const recorded = outcome.server.syncRuns ?? 0;
  const last = runs.at(-1);
  if (last === undefined || runs.length <= recorded) return;
  for (let n = recorded; n < runs.length; n++) {
    const run = runs[n];
    if (run === undefined) continue;
    await outcome.record(
      "job:synced",
      `run ${n + 1} (${n === 0 ? "full" : run.type === "Manual" ? "final" : "incremental"}): ${run.startTime} → ${run.endTime}, image ${run.imageId}`,
    );
  }
  const endedAt = Date.parse(last.endTime);
  await outcome.update({
    syncRuns: runs.length,
    lastSyncImageId: last.imageId,
    ...(Number.isFinite(endedAt) ? { lastSyncAt: endedAt } : {}),
    ...(described.imageId ? { imageId: described.imageId } : {}),
    restartsBeforeRun: outcome.server.restarts,
  });
}

/** The plan was cancelled before the cut-over: the job is deleted (or kept by `onFinish: keep`). */
async function endInSync(outcome: ServerOutcome, account: AccountRuntime): Promise<void> {
  const { jobId = "", imageId = "" } = outcome.server;
  const kept = outcome.plan.spec.policy.onFinish === "keep";
  const reason = ends.cancelledInSync(jobId, imageId, kept, outcome.plan.id);
  return endServer(outcome, account, {
    to: "cancelled",
    reasonCode: reason.code,
    reason: reason.message,
    retryCleanUp: true,
  });
}
