import { type EndReason, ends, type WaitReason, waits } from "../lifecycle/reasons.ts";
import type { ErrorClass } from "../smc/errors.ts";
import { backoffDelay, decideRetry, type RetryPolicy } from "../smc/retry.ts";

/** A run of transient failures with no answer between them: the endpoint is unreachable. */
export interface Outage {
  /** World time (epoch ms) of the run's first failure, as people are shown it. */
  since: number;
  /** The same moment in real time, what waits are measured in. */
  sinceReal: number;
  /** The code of the failure that made it an outage. */
  code: string;
}

/** A step's retry counters, persisted on its record so a crash or a park does not reset them. */
export interface StepRetryState {
  /** Transient failures in a row while the service answered other calls. */
  retries: number;
  /** Throttled answers in a row. */
  throttles: number;
}

export type StepRetry =
  | {
      kind: "wait";
      delayMs: number;
      next: StepRetryState;
      waiting: Omit<WaitReason, "since">;
    }
  | { kind: "give-up"; reason: EndReason };

export interface StepFailure {
  errorClass: Extract<ErrorClass, "transient" | "throttled">;
  code: string;
  action: string;
  message: string;
}

/**
 * What a step does after an SMC call failed transiently or was throttled: wait (how long, and why,
 * in words) or give up. The one retry engine of the orchestrator's steps, over `decideRetry`:
 * - throttling waits a growing, jittered delay without using an attempt, up to maxThrottleRetries;
 * - a transient failure while the endpoint is in an outage waits without using an attempt, however
 *   long the outage lasts: the call's outcome is unknown, not failed (a create that reached the
 *   service is adopted afterwards). The wait grows with the outage, up to maxDelay;
 * - a transient failure while the service answers others uses an attempt, up to maxAttempts.
 * Pure: the caller persists `next`, parks for `delayMs` and shows `waiting`.
 */
export function stepRetry(
  failure: StepFailure,
  state: StepRetryState,
  outage: Outage | undefined,
  policy: RetryPolicy,
  random: () => number,
  realNow: number,
): StepRetry {
  if (failure.errorClass === "throttled") {
    const decision = decideRetry(
      "throttled",
      { attempts: state.retries + 1, throttles: state.throttles },
      policy,
      random,
    );
    if (!decision.retry)
      return {
        kind: "give-up",
        reason: ends.throttledTooLong(failure.code, failure.action, state.throttles),
      };
    const next = { retries: state.retries, throttles: decision.next.throttles };
    return {
      kind: "wait",
      delayMs: decision.delayMs,
      next,
      waiting: waits.throttled(failure.code, next.throttles, decision.delayMs),
    };
  }
  if (outage) {
    // Doubling from the first retry's delay with every 4 delays' worth of outage, capped.
    const elapsed = Math.max(0, realNow - outage.sinceReal);
    const step = Math.floor(Math.log2(1 + elapsed / Math.max(1, 4 * policy.baseDelayMs))) + 1;
    const delayMs = Math.min(
      policy.maxDelayMs,
      policy.baseDelayMs + backoffDelay(step, policy, random),
    );
    return {
      kind: "wait",
      delayMs,
      next: state,
      waiting: waits.smcUnreachable(outage.code, outage.since, delayMs),
    };
  }
  const decision = decideRetry(
    "transient",
    { attempts: state.retries + 1, throttles: state.throttles },
    policy,
    random,
  );
  if (!decision.retry)
    return {
      kind: "give-up",
      reason: ends.gaveUp(failure.code, failure.action, state.retries + 1, failure.message),
    };
  return {
    kind: "wait",
    delayMs: decision.delayMs,
    next: { retries: state.retries + 1, throttles: state.throttles },
    waiting: {
      code: "Smc.Unreachable",
      message: `${failure.action} failed (${failure.code}: ${failure.message}); retry ${state.retries + 1} of ${policy.maxAttempts - 1} in ${Math.ceil(decision.delayMs / 1000)} s`,
    },
  };
}
