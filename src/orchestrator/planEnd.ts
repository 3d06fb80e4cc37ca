import { ends } from "../lifecycle/reasons.ts";
import {
  isEnded,
  isInFlight,
  type PlanStatus,
  SERVER_STATUSES,
  type WaveStatus,
} from "../lifecycle/statuses.ts";
import type { WaveDecision } from "../scheduler/waveDecision.ts";
import type { OrchestratorContext } from "./context.ts";
import type { WavePatch } from "./store/migrationStore.ts";
import { allEnded, waveIndexes } from "./store/planLayout.ts";
import type { PlanRecord } from "./store/storeRecords.ts";

/**
 * How waves and plans end: succeeded or failed by their servers, halted (later servers and waves
 * skipped), or cancelled once every server has settled. Every end writes a finish time and a
 * reason, through the lifecycle's compare-and-set.
 */

export async function endWave(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveIndex: number,
  decision: Extract<WaveDecision, { kind: "done" }>,
): Promise<void> {
  const reason =
    decision.outcome === "failed"
      ? { reasonCode: "Wave.Failed", reason: decision.reason ?? "servers failed" }
      : {};
  await moveWave(ctx, plan, waveIndex, decision.outcome, {
    finishedAt: ctx.clock.now(),
    waiting: null,
    ...reason,
  });
}

/**
 * The wave failed under `onWaveFailure: halt`: its servers that never started and every later
 * wave's are skipped, the later waves too, and the plan fails with the first failures named.
 */
export async function haltPlan(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveIndex: number,
  why: string,
): Promise<void> {
  const wave = plan.spec.waves[waveIndex]?.name ?? String(waveIndex);
  const skipped = ends.skipped(wave);
  for (let later = waveIndex; later < plan.spec.waves.length; later++) {
    await endPendingServers(ctx, plan, later, "skipped", skipped);
    if (later > waveIndex) {
      await moveWave(ctx, plan, later, "skipped", {
        reasonCode: skipped.code,
        reason: skipped.message,
        finishedAt: ctx.clock.now(),
        waiting: null,
      });
    }
  }
  const servers = await ctx.servers.getServers(plan.id, waveIndexes(plan.spec, waveIndex));
  const failures = servers
    .filter((server) => server.status === "failed")
    .slice(0, 5)
    .map((server) =>
      `${server.name ?? server.key}: ${server.reasonCode ?? "?"} ${server.reason ?? ""}`.trim(),
    );
  const halted = ends.planHalted(wave, why, failures);
  await movePlan(ctx, plan, "failed", halted.code, halted.message);
}

/**
 * A cancelled plan: servers still pending (some may have been handed back since the cancel) are
 * cancelled; each wave whose servers have all ended is cancelled (or keeps the end it had); once
 * every server has ended the plan is `cancelled`. True when the plan has ended.
 */
export async function settleCancel(ctx: OrchestratorContext, plan: PlanRecord): Promise<boolean> {
  const counts = await ctx.servers.allWaveCounts(plan);
  let inFlight = 0;
  for (let waveIndex = 0; waveIndex < plan.spec.waves.length; waveIndex++) {
    const waveCounts = counts[waveIndex];
    if (!waveCounts) continue;
    if (waveCounts.pending > 0) {
      await endPendingServers(ctx, plan, waveIndex, "cancelled", ends.cancelledBeforeStart());
      waveCounts.cancelled += waveCounts.pending;
      waveCounts.pending = 0;
    }
    if (!allEnded(waveCounts)) {
      inFlight += SERVER_STATUSES.filter(isInFlight).reduce((sum, s) => sum + waveCounts[s], 0);
      continue;
    }
    const cancelled = ends.waveCancelled();
    await moveWave(ctx, plan, waveIndex, "cancelled", {
      reasonCode: cancelled.code,
      reason: cancelled.message,
      finishedAt: ctx.clock.now(),
      waiting: null,
    });
  }
  if (inFlight > 0) return false;
  await movePlan(ctx, plan, "cancelled", plan.reasonCode ?? "Plan.Cancelled", plan.reason ?? "");
  return true;
}

/** Every wave has had its turn: the plan succeeded, or failed when a wave did. */
export async function endPlan(ctx: OrchestratorContext, plan: PlanRecord): Promise<void> {
  const waves = await ctx.store.getWaves(plan);
  const failed = plan.spec.waves
    .filter((_, index) => waves[index]?.status === "failed")
    .map((wave) => wave.name);
  if (failed.length === 0) return movePlan(ctx, plan, "succeeded");
  const reason = ends.wavesFailed(failed);
  return movePlan(ctx, plan, "failed", reason.code, reason.message);
}

async function endPendingServers(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveIndex: number,
  to: "cancelled" | "skipped",
  reason: { code: string; message: string },
): Promise<void> {
  const servers = await ctx.servers.getServers(plan.id, waveIndexes(plan.spec, waveIndex));
  const refs = servers
    .filter((server) => server.status === "pending")
    .map((server) => ({ planId: plan.id, index: server.index, wave: waveIndex }));
  await ctx.servers.moveServers(refs, {
    to,
    from: ["pending"],
    detail: `${reason.code}: ${reason.message}`,
    patch: {
      reasonCode: reason.code,
      reason: reason.message,
      waiting: null,
      finishedAt: ctx.clock.now(),
    },
  });
}

async function moveWave(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveIndex: number,
  to: WaveStatus,
  patch: WavePatch,
): Promise<void> {
  const record = await ctx.store.getWave(plan.id, waveIndex);
  if (isEnded("wave", record.status)) return;
  const moved = await ctx.store.moveWave(plan.id, waveIndex, {
    to,
    from: [record.status],
    patch,
    ...(patch.reason ? { detail: patch.reason } : {}),
  });
  if (!moved.ok) return;
  ctx.events.emit("wave:status", {
    planId: plan.id,
    wave: plan.spec.waves[waveIndex]?.name ?? String(waveIndex),
    status: to,
    generation: plan.generation,
    ...(patch.reason ? { reason: patch.reason } : {}),
  });
}

async function movePlan(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  to: PlanStatus,
  reasonCode?: string,
  reason?: string,
): Promise<void> {
  const moved = await ctx.store.movePlan(plan.id, {
    to,
    from: [plan.status],
    patch: {
      finishedAt: ctx.clock.now(),
      waiting: null,
      reasonCode: reasonCode ?? null,
      reason: reason ?? null,
    },
    ...(reason ? { detail: reason } : {}),
  });
  if (!moved.ok) return;
  plan.status = to;
  ctx.events.emit("plan:status", {
    planId: plan.id,
    status: to,
    previous: moved.from,
    generation: plan.generation,
    ...(reason ? { reason } : {}),
  });
}
