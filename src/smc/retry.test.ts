import { describe, expect, it } from "vitest";
import type { Clock } from "../platform/clock.ts";
import { SmcError } from "./errors.ts";
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  decideRetry,
  parseRetryPolicy,
  type RetryPolicy,
  throttleDelay,
  withRetry,
} from "./retry.ts";

const policy: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  throttleDelayMs: 50,
  maxThrottleRetries: 3,
};

/** A clock whose sleeps return at once and move its time forward; it records every sleep. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    realDelay: (ms) => ms,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      now += ms;
    },
  };
}

const smcError = (code: string, httpStatus = 500) =>
  new SmcError({ code, httpStatus, message: code, requestId: "", recommend: "", action: "A" });

/** An operation that fails with `codes` in order, then returns "ok". */
function failing(codes: string[]) {
  let calls = 0;
  const op = async () => {
    const code = codes[calls++];
    if (code !== undefined) throw smcError(code);
    return "ok";
  };
  return { op, calls: () => calls };
}

describe("backoffDelay", () => {
  it("doubles the ceiling per attempt and caps it (full jitter over [0, ceiling))", () => {
    const top = () => 0.999999;
    expect(backoffDelay(1, policy, top)).toBe(99);
    expect(backoffDelay(2, policy, top)).toBe(199);
    expect(backoffDelay(4, policy, top)).toBe(799);
    expect(backoffDelay(5, policy, top)).toBe(999);
    expect(backoffDelay(2000, policy, top)).toBe(999);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
  });

  it("puts attempt 8 of the default policy at about two minutes", () => {
    expect(backoffDelay(8, DEFAULT_RETRY_POLICY, () => 0.999999)).toBeGreaterThan(119_000);
    expect(backoffDelay(8, DEFAULT_RETRY_POLICY, () => 0.999999)).toBeLessThanOrEqual(120_000);
  });

  it("waits at least throttleDelayMs after throttling", () => {
    expect(throttleDelay(1, policy, () => 0)).toBe(50);
    expect(throttleDelay(2, policy, () => 0.5)).toBe(100);
    expect(throttleDelay(10, policy, () => 0.999999)).toBe(1_000);
  });
});

describe("decideRetry", () => {
  const random = () => 0.5;
  it("retries transient errors until maxAttempts", () => {
    expect(decideRetry("transient", { attempts: 1, throttles: 0 }, policy, random)).toEqual({
      retry: true,
      delayMs: 50,
      next: { attempts: 2, throttles: 0 },
    });
    expect(decideRetry("transient", { attempts: 4, throttles: 0 }, policy, random)).toEqual({
      retry: false,
      reason: "attempts-exhausted",
    });
  });

  it("retries throttling without using an attempt, up to its own bound", () => {
    const decision = decideRetry("throttled", { attempts: 4, throttles: 0 }, policy, random);
    expect(decision).toMatchObject({ retry: true, next: { attempts: 4, throttles: 1 } });
    expect(decideRetry("throttled", { attempts: 1, throttles: 3 }, policy, random)).toEqual({
      retry: false,
      reason: "throttle-limit",
    });
  });

  it.each(["quota", "conflict", "permanent"] as const)("does not retry %s", (errorClass) => {
    expect(decideRetry(errorClass, { attempts: 1, throttles: 0 }, policy, random)).toEqual({
      retry: false,
      reason: "not-retryable",
    });
  });
});

describe("parseRetryPolicy", () => {
  it("fills defaults and accepts a full policy", () => {
    expect(parseRetryPolicy({})).toEqual(DEFAULT_RETRY_POLICY);
    expect(parseRetryPolicy(policy)).toEqual(policy);
  });

  it("quotes the bad field and value", () => {
    expect(() => parseRetryPolicy({ maxAttempts: 0 }, "smc.retry")).toThrow(
      /smc\.retry: maxAttempts: .*got 0/,
    );
    expect(() => parseRetryPolicy({ maxAttemps: 3 })).toThrow(/maxAttemps/);
    expect(() => parseRetryPolicy({ baseDelayMs: 5_000, maxDelayMs: 1_000 })).toThrow(
      /maxDelayMs \(1000\)/,
    );
  });
});

describe("withRetry", () => {
  it("retries transient errors with backoff on the injected clock, then succeeds", async () => {
    const clock = fakeClock();
    const { op, calls } = failing(["InternalError", "Network.Timeout"]);
    await expect(withRetry(op, { policy, clock, random: () => 0.5 })).resolves.toBe("ok");
    expect(calls()).toBe(3);
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it("gives up after maxAttempts with the last error, unchanged", async () => {
    const clock = fakeClock();
    const { op, calls } = failing([
      "InternalError",
      "InternalError",
      "InternalError",
      "ServiceUnavailable",
      "x",
    ]);
    await expect(withRetry(op, { policy, clock, random: () => 0 })).rejects.toMatchObject({
      code: "ServiceUnavailable",
    });
    expect(calls()).toBe(4);
  });

  it("does not burn attempts on throttling", async () => {
    const clock = fakeClock();
    const { op, calls } = failing([
      "Throttling.User",
      "InternalError",
      "Throttling",
      "InternalError",
      "Throttling.Api",
      "InternalError",
    ]);
    // 3 transient failures + 3 throttles: within maxAttempts 4 and maxThrottleRetries 3.
    await expect(withRetry(op, { policy, clock, random: () => 0 })).resolves.toBe("ok");
    expect(calls()).toBe(7);
    expect(clock.sleeps.filter((ms) => ms >= 50)).toHaveLength(3);
  });

  it("stops after maxThrottleRetries", async () => {
    const { op, calls } = failing([
      "Throttling",
      "Throttling",
      "Throttling",
      "Throttling",
      "Throttling",
    ]);
    await expect(
      withRetry(op, { policy, clock: fakeClock(), random: () => 0 }),
    ).rejects.toMatchObject({
      code: "Throttling",
    });
    expect(calls()).toBe(4);
  });

  it.each(["QuotaExceeded.ReplicationJob", "ReplicationJob.InvalidStatus", "InvalidParameter"])(
    "throws %s at once",
    async (code) => {
      const clock = fakeClock();
      const { op, calls } = failing([code]);
      await expect(withRetry(op, { policy, clock, random: () => 0 })).rejects.toMatchObject({
        code,
      });
      expect(calls()).toBe(1);
      expect(clock.sleeps).toEqual([]);
    },
  );

  it("rethrows errors that are not SmcError at once", async () => {
    let calls = 0;
    const op = async () => {
      calls++;
      throw new TypeError("bug");
    };
    await expect(withRetry(op, { policy, clock: fakeClock(), random: () => 0 })).rejects.toThrow(
      TypeError,
    );
    expect(calls).toBe(1);
  });

  it("stops when the signal aborts, with the signal's reason", async () => {
    const controller = new AbortController();
    let calls = 0;
    const op = async () => {
      calls++;
      if (calls === 2) controller.abort(new Error("shutting down"));
      throw smcError("InternalError");
    };
    await expect(
      withRetry(op, { policy, clock: fakeClock(), random: () => 0, signal: controller.signal }),
    ).rejects.toThrow("shutting down");
    expect(calls).toBe(2);
  });

  it("reports each retry and passes the attempt number", async () => {
    const events: string[] = [];
    const attempts: number[] = [];
    let calls = 0;
    const op = async ({ attempt }: { attempt: number }) => {
      attempts.push(attempt);
      if (calls++ === 0) throw smcError("Throttling.User", 400);
      return 1;
    };
    await withRetry(op, {
      policy,
      clock: fakeClock(),
      random: () => 0,
      onRetry: (e) => events.push(`${e.errorClass}:${e.delayMs}:${e.state.throttles}`),
    });
    expect(events).toEqual(["throttled:50:1"]);
    expect(attempts).toEqual([1, 2]);
  });
});
