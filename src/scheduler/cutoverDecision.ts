import type { Cutover } from "../plan/compiledPlan.ts";
import { windowState } from "./waveWindow.ts";

/** Who asked for a cut-over outside the plan's own mode (`smc-waves cutover`, the API). */
export interface CutoverRequest {
  by: string;
  /** Epoch ms. */
  at: number;
}

export interface CutoverInput {
  cutover: Cutover;
  /** World time, epoch ms. */
  now: number;
  /** A person's request for this server or its wave; it cuts over whatever the mode. */
  request?: CutoverRequest;
  /** The job is between runs: CutOverReplicationJob accepts only a `Waiting` job. */
  jobWaiting: boolean;
  /** The plan is paused: the plan's own cut-overs (immediate, window) wait; a person's do not. */
  paused: boolean;
  /**
   * Set while a window's cut-over is due but the job was mid-sync: when that opening closes
   * (epoch ms). Past it, the opening was missed.
   */
  dueUntil?: number;
}

export type CutoverDecision =
  /** Cut over now; `by` says on whose word, `windowClosesAt` when a window's opening ends. */
  | { kind: "cutover"; by: string; windowClosesAt?: number; missed?: number }
  /** Due, but the job is mid-sync: look again when it waits; `until` the opening it is due in. */
  | { kind: "mid-sync"; until?: number; missed?: number }
  /** In sync; a person cuts it over (`manual`). */
  | { kind: "wait-person" }
  /** In sync; the plan is paused. */
  | { kind: "wait-resume" }
  /** In sync; the window opens at `opensAt`. `missed`: an opening closed before it could start. */
  | { kind: "wait-window"; opensAt: number; missed?: number }
  /** An opening closed at `closedAt` before its cut-over could start, and `onTimeout` is `fail`. */
  | { kind: "timeout"; closedAt: number };

/**
 * When an incremental server in sync is cut over. Pure: the server step reads the record, asks,
 * and acts. A person's request wins over the mode, at any time; `immediate` cuts over at once;
 * `window` only while the window is open. A cut-over always waits for the job to be between runs.
 * A window's opening that closes while the job was still mid-sync is missed: under
 * `onTimeout: wait` the server waits for the next (reported in `missed`), under `fail` it fails.
 */
export function decideCutover(input: CutoverInput): CutoverDecision {
  const { cutover, now, request, jobWaiting } = input;
  if (request !== undefined) {
    return jobWaiting ? { kind: "cutover", by: request.by } : { kind: "mid-sync" };
  }
  if (cutover.mode === "manual") return { kind: "wait-person" };
  if (input.paused) return { kind: "wait-resume" };
  if (cutover.mode === "immediate") {
    return jobWaiting ? { kind: "cutover", by: "immediate" } : { kind: "mid-sync" };
  }
  const missed = input.dueUntil !== undefined && now >= input.dueUntil ? input.dueUntil : undefined;
  if (missed !== undefined && cutover.onTimeout === "fail")
    return { kind: "timeout", closedAt: missed };
  const noted = missed === undefined ? {} : { missed };
  if (cutover.window === undefined) return { kind: "wait-person" };
  const state = windowState(cutover.window, now);
  if (!state.open) return { kind: "wait-window", opensAt: state.opensAt, ...noted };
  return jobWaiting
    ? { kind: "cutover", by: "window", windowClosesAt: state.closesAt, ...noted }
    : { kind: "mid-sync", until: state.closesAt, ...noted };
}
