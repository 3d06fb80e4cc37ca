import type { Job } from "bullmq";
import { type WaitReason, waits } from "../lifecycle/reasons.ts";
import { isEnded, type ServerCounts } from "../lifecycle/statuses.ts";
import { decideWave, decideWaveStart } from "../scheduler/waveDecision.ts";
import { windowState } from "../scheduler/waveWindow.ts";
import { classify, isSmcError } from "../smc/errors.ts";
import { admit } from "./admission.ts";
import type { OrchestratorContext } from "./context.ts";
import { fallbackWakeMs, park, payloadOf } from "./jobCatalogue.ts";
import { endPlan, endWave, haltPlan, settleCancel } from "./planEnd.ts";
import { auditServerJobs } from "./serverJobAudit.ts";
import type { PlanRecord } from "./store/storeRecords.ts";
import { startWave } from "./waveStart.ts";

/** How long a paused plan sleeps between looks; resume wakes it at once. */
const PAUSED_RECHECK_MS = 60_000;

/**
 * The step job of one plan: it walks the waves in order, admits servers of the current wave into
 * free quota slots in start order, ends waves and the plan, and parks until a server ends, a window
 * opens or the fallback interval passes. One BullMQ job per plan means one admitter per plan, on
 * any daemon.
 */
export async function processPlanJob(
  ctx: OrchestratorContext,
  job: Job,
  token: string | undefined,
): Promise<void> {
  const { planId, generation } = payloadOf("plans", job);
  for (;;) {
    const plan = await ctx.store.getPlan(planId);
    if (!plan || plan.generation !== generation || isEnded("plan", plan.status)) return;
    if (plan.status === "cancelling") {
      if (await settleCancel(ctx, plan)) return;
      return park(job, token, 2 * ctx.settings.pollIntervalMs);
    }
    if (plan.status === "paused") return park(job, token, PAUSED_RECHECK_MS);
    if (plan.status === "pending") {
      const moved = await ctx.store.movePlan(plan.id, {
        to: "running",
        from: ["pending"],
        patch: { startedAt: ctx.clock.now() },
      });
      if (moved.ok)
        ctx.events.emit("plan:status", {
          planId,
          status: "running",
          previous: moved.from,
          generation,
        });
      continue;
    }
    try {
      const next = await stepWave(ctx, plan);
      if (next === "again") continue;
      if (next === "ended") return;
      return park(job, token, next.parkMs);
    } catch (error) {
      if (!isSmcError(error) || classify(error) === "permanent") throw error;
      // Every call already retried on its own; the service is still away. Say so and look again.
      const retryInMs = 2 * ctx.settings.pollIntervalMs;
      const waiting =
        classify(error) === "throttled"
          ? waits.throttled(error.code, 1, retryInMs)
          : waits.smcUnreachable(error.code, ctx.clock.now(), retryInMs);
      await setWaveWaiting(ctx, plan, plan.wave, { ...waiting, since: ctx.clock.now() });
      return park(job, token, 2 * ctx.settings.pollIntervalMs);
    }
  }
}

type Next = "again" | "ended" | { parkMs: number };

/** One look at the plan's current wave: start it, end it, or admit into it. */
async function stepWave(ctx: OrchestratorContext, plan: PlanRecord): Promise<Next> {
  const waveIndex = plan.wave;
  const wave = plan.spec.waves[waveIndex];
  if (!wave) {
    await endPlan(ctx, plan);
    return "ended";
  }
  const now = ctx.clock.now();
  const fallbackMs = 2 * ctx.settings.pollIntervalMs;
  const retryingFor = (plan.retryingUntil ?? 0) - ctx.realClock.now();
  // Retry-failed is still putting waves back: one that looks ended now may be pending in a moment.
  if (retryingFor > 0) return { parkMs: Math.min(retryingFor, ctx.settings.pollIntervalMs) };
  const record = await ctx.store.getWave(plan.id, waveIndex);
  if (isEnded("wave", record.status)) {
    // A wave that ended before a retry-failed put back only later waves' servers.
    await ctx.store.patchPlan(plan.id, { wave: waveIndex + 1 });
    return "again";
  }
  if (record.status === "pending" || record.status === "waiting-approval") {
    const start = decideWaveStart(wave, { ...record, status: record.status }, now);
    if (start.kind === "wait-not-before") {
      await setWaveWaiting(ctx, plan, waveIndex, {
        ...waits.notBefore(wave.name, start.until),
        since: now,
      });
      return {
        parkMs: Math.min(ctx.clock.realDelay(start.until - now), ctx.settings.reconcileIntervalMs),
      };
    }
    if (start.kind === "wait-approval") {
      await holdForApproval(ctx, plan, waveIndex, record.status);
      // `approve` wakes the plan; the recheck only covers a wake lost to a race with this step.
      return { parkMs: fallbackMs };
    }
    await startWave(ctx, plan, waveIndex);
  }

  const counts = await ctx.servers.waveCounts(plan.id, waveIndex);
  const decision = decideWave(counts, plan.spec.policy);
  if (decision.kind === "done") {
    await endWave(ctx, plan, waveIndex, decision);
    if (decision.outcome === "failed" && plan.spec.policy.onWaveFailure === "halt") {
      await haltPlan(ctx, plan, waveIndex, decision.reason ?? "");
      return "ended";
    }
    await ctx.store.patchPlan(plan.id, { wave: waveIndex + 1 });
    return "again";
  }

  await auditServerJobs(ctx, plan, waveIndex);
  if (decision.kind === "drain") {
    await setWaveWaiting(ctx, plan, waveIndex, {
      ...waits.draining(wave.name, decision.reason, decision.inFlight),
      since: now,
    });
    return { parkMs: fallbackMs };
  }
  const window = wave.window ? windowState(wave.window, now) : undefined;
  if (window && !window.open) {
    await setWaveWaiting(ctx, plan, waveIndex, {
      ...waits.window(wave.name, window.opensAt, wave.window?.timezone ?? "UTC"),
      since: now,
    });
    return { parkMs: Math.min(ctx.clock.realDelay(window.opensAt - now), fallbackMs) };
  }
  const held =
    (await admit(ctx, plan, waveIndex, counts.pending, window?.closesAt)) ??
    cutoverHold(plan, waveIndex, counts, now);
  await setWaveWaiting(ctx, plan, waveIndex, held && { ...held, since: now });
  // Nothing pending: only a server put back (which wakes the plan) or one ending (which wakes it
  // too) changes the wave. With servers pending, a slot another plan frees or a source another
  // plan's server releases wakes nobody, so the plan looks again soon.
  const idleMs = counts.pending === 0 && !held ? fallbackWakeMs(ctx.settings) : fallbackMs;
  const parkMs = window?.open
    ? Math.min(idleMs, ctx.clock.realDelay(window.closesAt - now))
    : idleMs;
  return { parkMs };
}

/**
 * Nothing of the wave is copying any more, and servers in sync wait for their cut-over: say how it
 * comes, since that is all the wave waits for.
 */
function cutoverHold(
  plan: PlanRecord,
  waveIndex: number,
  counts: ServerCounts,
  now: number,
): Omit<WaitReason, "since"> | undefined {
  const wave = plan.spec.waves[waveIndex];
  const copying = counts.pending + counts.creating + counts.running;
  if (!wave?.cutover || copying > 0 || counts.syncing === 0) return undefined;
  const { mode, window } = wave.cutover;
  let how = `'smc-waves cutover ${plan.id} --wave ${wave.name}'`;
  if (mode === "immediate") how = "at once, each between two runs of its job";
  if (mode === "window" && window) {
    const state = windowState(window, now);
    how = state.open
      ? `its window is open until ${isoTime(state.closesAt)}`
      : `its window opens at ${isoTime(state.opensAt)} (${window.timezone})`;
  }
  return waits.waveCutover(wave.name, counts.syncing, how);
}

const isoTime = (epochMs: number) => new Date(epochMs).toISOString().replace(/\.000Z$/, "Z");

/**
 * pending → waiting-approval, saying since when and how to approve; the people who approve are
 * told once (`gate:waiting`), by whichever daemon made the move.
 */
async function holdForApproval(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveIndex: number,
  status: "pending" | "waiting-approval",
): Promise<void> {
  if (status === "waiting-approval") return;
  const wave = plan.spec.waves[waveIndex]?.name ?? String(waveIndex);
  const waiting = waits.approval(wave, plan.id);
  const moved = await ctx.store.moveWave(plan.id, waveIndex, {
    to: "waiting-approval",
    from: ["pending"],
    detail: waiting.message,
    patch: { waiting: { ...waiting, since: ctx.clock.now() } },
  });
  if (!moved.ok) return;
  ctx.events.emit("wave:status", {
    planId: plan.id,
    wave,
    status: "waiting-approval",
    generation: plan.generation,
  });
  ctx.events.emit("gate:waiting", {
    planId: plan.id,
    wave,
    gate: `approval before ${wave}`,
    reason: waiting.message,
    generation: plan.generation,
  });
}

/** Writes why the wave is held (or clears it), keeping `since` while the reason stays the same. */
async function setWaveWaiting(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveIndex: number,
  waiting: WaitReason | undefined,
): Promise<void> {
  const record = await ctx.store.getWave(plan.id, waveIndex);
  if (waiting === undefined) {
    if (record.waiting) await ctx.store.patchWave(plan.id, waveIndex, { waiting: null });
    return;
  }
  if (record.waiting?.message === waiting.message) return;
  const since = record.waiting?.code === waiting.code ? record.waiting.since : waiting.since;
  await ctx.store.patchWave(plan.id, waveIndex, { waiting: { ...waiting, since } });
}
