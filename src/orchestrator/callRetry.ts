import type { PagedCallOptions } from "../smc/client.ts";
import { type RetryOptions, withRetry } from "../smc/retry.ts";
import type { OrchestratorContext } from "./context.ts";

/**
 * Retries of one SMC call that is not a server's step (a page of a listing, a poll batch): the
 * policy's attempts and throttle waits, slept on real time, announced as `smc:retry`.
 */
export function retryOptions(ctx: OrchestratorContext): RetryOptions {
  return {
    policy: ctx.settings.retry,
    clock: ctx.realClock,
    random: ctx.random,
    onRetry: (event) =>
      ctx.events.emit("smc:retry", {
        action: event.error.action,
        code: event.error.code,
        attempt: event.state.attempts,
        delayMs: event.delayMs,
      }),
  };
}

/** For the `describeAll…` readers: each page retried on its own (one throttled page loses nothing). */
export function eachPageRetried(ctx: OrchestratorContext): PagedCallOptions {
  return { eachCall: (call) => withRetry(call, retryOptions(ctx)) };
}
