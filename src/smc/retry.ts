/**
 * Retrying SMC calls, for the orchestrator (the client itself never retries). The policy is data,
 * validated once; the decision is a pure function; the loop only sleeps on the injected Clock.
 *
 * - transient (5xx, InternalError, timeouts, resets): exponential backoff with full jitter
 *   (delay = random × min(maxDelay, base × 2^(attempt−1)), AWS's "full jitter"), up to maxAttempts.
 * - throttled: wait at least throttleDelayMs (growing the same way) WITHOUT using an attempt; bounded
 *   separately by maxThrottleRetries so a permanently throttled account still ends.
 * - quota, conflict, permanent, and anything that is not an SmcError: thrown at once, unchanged.
 */
import { z } from "zod";
import type { Clock } from "../platform/clock.ts";
import { classify, type ErrorClass, isSmcError, type SmcError } from "./errors.ts";

const retryPolicySchema = z
  .object({
    /** Calls in total for transient errors, the first included. */
    maxAttempts: z.number().int().min(1).max(100),
    /** Ceiling of the first retry's delay, in ms; doubles per attempt. */
    baseDelayMs: z.number().min(0).max(3_600_000),
    /** No single delay exceeds this, in ms. */
    maxDelayMs: z.number().min(0).max(3_600_000),
    /** Minimum wait after throttling, in ms; the jittered backoff is added on top. */
    throttleDelayMs: z.number().min(0).max(3_600_000),
    /** Throttled retries allowed in one `withRetry` call (they do not use attempts). */
    maxThrottleRetries: z.number().int().min(0).max(1000),
  })
  .strict();

export type RetryPolicy = Readonly<z.infer<typeof retryPolicySchema>>;

/**
 * Attempt n's delay ceiling is min(120 s, 1 s × 2^(n−1)): 1 s, 2 s, 4 s … 64 s, and attempt 8 ≈ 2
 * minutes (the cap). With full jitter the expected total wait over 8 attempts is about one minute.
 * Throttling waits 1 s plus the same backoff, at most 30 times.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 1_000,
  maxDelayMs: 120_000,
  throttleDelayMs: 1_000,
  maxThrottleRetries: 30,
});

/**
 * Validates a policy (e.g. from config) and fills omitted fields from `DEFAULT_RETRY_POLICY`.
 * Throws a RangeError naming the bad field, its value and what would be valid.
 */
export function parseRetryPolicy(input: unknown, where = "retry policy"): RetryPolicy {
  const merged =
    typeof input === "object" && input !== null ? { ...DEFAULT_RETRY_POLICY, ...input } : input;
  const result = retryPolicySchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.join(".");
      const got = path === "" ? merged : (merged as Record<string, unknown>)[path];
      return `${path || "(root)"}: ${issue.message}, got ${JSON.stringify(got)}`;
    });
    throw new RangeError(`Invalid ${where}: ${problems.join("; ")}`);
  }
  if (result.data.maxDelayMs < result.data.baseDelayMs) {
    throw new RangeError(
      `Invalid ${where}: maxDelayMs (${result.data.maxDelayMs}) must be at least baseDelayMs (${result.data.baseDelayMs})`,
    );
  }
  return Object.freeze(result.data);
}

/**
 * Full-jitter backoff: a delay in [0, min(maxDelayMs, baseDelayMs × 2^(attempt−1))) ms, where
 * `attempt` is the 1-based number of the attempt that just failed (BullMQ's `attemptsMade`).
 * `random` returns [0, 1); pass a seeded one in tests.
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">,
  random: () => number,
): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2^exponent overflows to Infinity past ~1024, which min() then caps: no special case needed.
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/** The wait after the `throttles`-th throttled answer in a row (1-based), in ms. */
export function throttleDelay(
  throttles: number,
  policy: RetryPolicy,
  random: () => number,
): number {
  const jitter = backoffDelay(
    throttles,
    { baseDelayMs: policy.throttleDelayMs, maxDelayMs: policy.maxDelayMs },
    random,
  );
  return Math.min(policy.maxDelayMs, policy.throttleDelayMs + jitter);
}

/** Counters of one `withRetry` call. */
export interface RetryState {
  /**
   * Attempts started so far, the one that just failed included (1 after the first call). A throttled
   * call is retried as the same attempt, so it does not add one.
   */
  attempts: number;
  /** Throttled answers so far. */
  throttles: number;
}

export type RetryDecision =
  | { retry: true; delayMs: number; next: RetryState }
  | { retry: false; reason: "not-retryable" | "attempts-exhausted" | "throttle-limit" };

/** Whether and when to retry after a failure of class `errorClass`. Pure. */
export function decideRetry(
  errorClass: ErrorClass,
  state: RetryState,
  policy: RetryPolicy,
  random: () => number,
): RetryDecision {
  switch (errorClass) {
    case "transient": {
      if (state.attempts >= policy.maxAttempts)
        return { retry: false, reason: "attempts-exhausted" };
      const delayMs = backoffDelay(state.attempts, policy, random);
      return { retry: true, delayMs, next: { ...state, attempts: state.attempts + 1 } };
    }
    case "throttled": {
      if (state.throttles >= policy.maxThrottleRetries)
        return { retry: false, reason: "throttle-limit" };
      const throttles = state.throttles + 1;
      return {
        retry: true,
        delayMs: throttleDelay(throttles, policy, random),
        next: { ...state, throttles },
      };
    }
    case "quota":
    case "conflict":
    case "permanent":
      return { retry: false, reason: "not-retryable" };
    default: {
      const unreachable: never = errorClass;
      throw new Error(`unknown error class ${String(unreachable)}`);
    }
  }
}

/** What `onRetry` hears before each wait. @public */
export interface RetryEvent {
  error: SmcError;
  errorClass: ErrorClass;
  delayMs: number;
  state: RetryState;
}

export interface RetryOptions {
  /** @default DEFAULT_RETRY_POLICY */
  policy?: RetryPolicy;
  /** Sleeps between attempts happen on this clock. */
  clock: Clock;
  /** Returns [0, 1): the jitter source. Inject a seeded one; `Math.random` is fine in main.ts. */
  random: () => number;
  /** Stops waiting and retrying; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called before each wait, for logs and metrics. */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Runs `operation` until it succeeds or retrying stops (see the file comment); rejects with the last
 * error, unchanged, so the caller can still `classify()` it. `attempt` counts every call, 1-based.
 */
export async function withRetry<T>(
  operation: (context: { attempt: number; signal?: AbortSignal }) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  let state: RetryState = { attempts: 1, throttles: 0 };
  for (let call = 1; ; call++) {
    options.signal?.throwIfAborted();
    try {
      return await operation(
        options.signal ? { attempt: call, signal: options.signal } : { attempt: call },
      );
    } catch (error) {
      // Once aborted, the caller wants out, whatever the operation failed with meanwhile.
      if (options.signal?.aborted) throw options.signal.reason;
      if (!isSmcError(error)) throw error;
      const errorClass = classify(error);
      const decision = decideRetry(errorClass, state, policy, options.random);
      if (!decision.retry) throw error;
      options.onRetry?.({ error, errorClass, delayMs: decision.delayMs, state: decision.next });
      state = decision.next;
      await options.clock.sleep(decision.delayMs, options.signal);
    }
  }
}
