import { isInFlight, SERVER_STATUSES, type ServerCounts } from "../lifecycle/statuses.ts";
import type { CompiledWave, PlanPolicy } from "../plan/compiledPlan.ts";

export type WaveDecision =
  /** Keep starting pending servers. */
  | { kind: "admit" }
  /** Too many failures under `halt`: start nothing new, let in-flight servers finish. */
  | { kind: "drain"; reason: string; inFlight: number }
  | { kind: "done"; outcome: "succeeded" | "failed"; reason?: string };

/**
 * What a wave does next, from its servers' statuses alone. A wave is done when nothing is pending
 * or in flight; it failed when more servers failed than `maxFailedServers` allows. Under `halt`, a
 * wave that has failed starts nothing more; once nothing is in flight, its pending servers are
 * skipped (and retried by retry-failed).
 */
export function decideWave(
  counts: ServerCounts,
  policy: Pick<PlanPolicy, "maxFailedServers" | "onWaveFailure">,
): WaveDecision {
  const inFlight = SERVER_STATUSES.filter(isInFlight).reduce((sum, s) => sum + counts[s], 0);
  const overTolerance = counts.failed > policy.maxFailedServers;
  const failureReason = `${counts.failed} server(s) failed, more than maxFailedServers (${policy.maxFailedServers})`;

  if (overTolerance && policy.onWaveFailure === "halt") {
    if (inFlight > 0) return { kind: "drain", reason: failureReason, inFlight };
    return { kind: "done", outcome: "failed", reason: failureReason };
  }
  if (counts.pending + inFlight > 0) return { kind: "admit" };
  if (overTolerance) return { kind: "done", outcome: "failed", reason: failureReason };
  return { kind: "done", outcome: "succeeded" };
}

/** Largest first keeps a wave's tail short: the longest jobs start while every slot is free. */
export function orderForStart<T extends { sizeBytes: number; index: number }>(
  servers: readonly T[],
  order: "largestFirst" | "asListed",
): T[] {
  const byIndex = (a: T, b: T) => a.index - b.index;
  if (order === "asListed") return [...servers].sort(byIndex);
  return [...servers].sort((a, b) => b.sizeBytes - a.sizeBytes || byIndex(a, b));
}

export type WaveStartDecision =
  | { kind: "start" }
  /** `notBefore` has not come: look again at `until`. */
  | { kind: "wait-not-before"; until: number }
  /** `gate: manual` and nobody approved it yet. */
  | { kind: "wait-approval" };

/**
 * Whether a wave that has not started may start at `now`: not before its `notBefore` (checked
 * only while it is pending), and not before its gate is approved.
 */
export function decideWaveStart(
  wave: Pick<CompiledWave, "notBefore" | "gate">,
  record: { status: "pending" | "waiting-approval"; approvedAt?: number },
  now: number,
): WaveStartDecision {
  if (record.status === "pending" && wave.notBefore !== undefined && now < wave.notBefore)
    return { kind: "wait-not-before", until: wave.notBefore };
  if (wave.gate === "manual" && record.approvedAt === undefined) return { kind: "wait-approval" };
  return { kind: "start" };
}
