import { describe, expect, it } from "vitest";
import type { RetryPolicy } from "../smc/retry.ts";
import { stepRetry } from "./stepRetry.ts";

const policy: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  throttleDelayMs: 1_000,
  maxThrottleRetries: 3,
};
const transient = {
  errorClass: "transient" as const,
  code: "Network.Timeout",
  action: "CreateReplicationJob",
  message: "no answer",
};
const throttled = { ...transient, errorClass: "throttled" as const, code: "Throttling.User" };
const half = () => 0.5;

describe("stepRetry", () => {
  it("waits on throttling with a growing delay, without using an attempt, up to maxThrottleRetries", () => {
    const delays: number[] = [];
    let state = { retries: 2, throttles: 0 };
    for (let i = 0; i < 3; i++) {
      const decision = stepRetry(throttled, state, undefined, policy, half, 0);
      if (decision.kind !== "wait") throw new Error("gave up early");
      expect(decision.next.retries).toBe(2);
      expect(decision.waiting.code).toBe("Smc.Throttled");
      delays.push(decision.delayMs);
      state = decision.next;
    }
    expect(delays[1]).toBeGreaterThan(delays[0] ?? 0);
    expect(delays[2]).toBeGreaterThan(delays[1] ?? 0);
    expect(stepRetry(throttled, state, undefined, policy, half, 0)).toMatchObject({
      kind: "give-up",
      reason: { code: "Throttling.User" },
    });
  });

  it("counts transient failures while the service answers others, and gives up after maxAttempts", () => {
    let state = { retries: 0, throttles: 0 };
    for (let i = 0; i < 3; i++) {
      const decision = stepRetry(transient, state, undefined, policy, half, 0);
      if (decision.kind !== "wait") throw new Error("gave up early");
      state = decision.next;
    }
    expect(state.retries).toBe(3);
    const last = stepRetry(transient, state, undefined, policy, half, 0);
    expect(last.kind).toBe("give-up");
    if (last.kind === "give-up") expect(last.reason.message).toContain("gave up after 4 attempts");
  });

  it("waits without counting through an outage however long it lasts, the wait growing to maxDelay", () => {
    const outage = { since: 5_000, sinceReal: 0, code: "Network.Unreachable" };
    const state = { retries: 3, throttles: 0 };
    const early = stepRetry(transient, state, outage, policy, half, 1_000);
    const late = stepRetry(transient, state, outage, policy, half, 3_600_000);
    for (const decision of [early, late]) {
      expect(decision.kind).toBe("wait");
      if (decision.kind === "wait") {
        expect(decision.next).toEqual(state);
        expect(decision.waiting.code).toBe("Smc.Unreachable");
      }
    }
    if (early.kind === "wait" && late.kind === "wait") {
      expect(late.delayMs).toBeGreaterThan(early.delayMs);
      expect(late.delayMs).toBeLessThanOrEqual(policy.maxDelayMs);
      expect(late.waiting.message).toContain("as long as the outage lasts");
    }
  });
});
