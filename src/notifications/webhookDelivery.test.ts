import { describe, expect, it } from "vitest";
import { classifyResponse, deliveryDelay, parseRetryAfter } from "./webhookDelivery.ts";

const NOW = Date.UTC(2025, 0, 1);
const answer = (status: number, body = "", retryAfter: string | null = null) => ({
  status,
  body,
  retryAfter,
  format: "json" as const,
  nowMs: NOW,
});

describe("classifyResponse", () => {
  it("takes any 2xx as delivered", () => {
    expect(classifyResponse(answer(200))).toEqual({ kind: "delivered", status: 200 });
    expect(classifyResponse(answer(204))).toEqual({ kind: "delivered", status: 204 });
  });

  it("retries 5xx, 408 and 429, honouring Retry-After", () => {
    expect(classifyResponse(answer(503, "down for maintenance"))).toEqual({
      kind: "retry",
      reason: "HTTP 503: down for maintenance",
    });
    expect(classifyResponse(answer(408)).kind).toBe("retry");
    expect(classifyResponse(answer(429, "", "30"))).toEqual({
      kind: "retry",
      reason: "HTTP 429",
      retryAfterMs: 30_000,
    });
  });

  it("gives up on other 4xx and on redirects", () => {
    expect(classifyResponse(answer(404, "no_service"))).toEqual({
      kind: "reject",
      reason: "HTTP 404: no_service",
    });
    expect(classifyResponse(answer(400)).kind).toBe("reject");
    expect(classifyResponse(answer(302)).kind).toBe("reject");
  });

  it("reads DingTalk's errcode: 0 delivered, busy and too-fast retried, the rest refused", () => {
    const ding = (body: string) => classifyResponse({ ...answer(200, body), format: "dingtalk" });
    expect(ding('{"errcode":0,"errmsg":"ok"}').kind).toBe("delivered");
    expect(ding('{"errcode":-1,"errmsg":"system busy"}').kind).toBe("retry");
    expect(ding('{"errcode":130101,"errmsg":"send too fast"}')).toMatchObject({
      kind: "retry",
      retryAfterMs: 60_000,
    });
    expect(ding('{"errcode":310000,"errmsg":"sign not match"}')).toEqual({
      kind: "reject",
      reason: "DingTalk refused it: errcode 310000 (sign not match)",
    });
    expect(ding("<html>").kind).toBe("reject");
  });

  it("quotes at most 200 characters of a response body", () => {
    const outcome = classifyResponse(answer(500, "e".repeat(5_000)));
    expect(outcome.kind === "retry" && outcome.reason.length).toBe("HTTP 500: ".length + 200);
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates, and ignores anything else", () => {
    expect(parseRetryAfter("120", NOW)).toBe(120_000);
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter(new Date(NOW - 90_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter("soon", NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });
});

describe("deliveryDelay", () => {
  const policy = { backoffMs: 2_000, maxBackoffMs: 600_000 };

  it("doubles a ceiling per try and waits between half of it and all of it", () => {
    expect(deliveryDelay(1, policy, () => 0)).toBe(1_000);
    expect(deliveryDelay(1, policy, () => 0.999_999)).toBe(2_000);
    expect(deliveryDelay(4, policy, () => 0)).toBe(8_000);
    expect(deliveryDelay(20, policy, () => 0.999_999)).toBe(600_000);
    expect(deliveryDelay(2_000, policy, () => 0.5)).toBe(450_000);
  });

  it("waits as long as Retry-After asks, up to the longest backoff", () => {
    expect(deliveryDelay(1, policy, () => 0, 30_000)).toBe(30_000);
    expect(deliveryDelay(1, policy, () => 0, 3_600_000)).toBe(600_000);
    // A Retry-After shorter than the backoff does not shorten it.
    expect(deliveryDelay(6, policy, () => 0, 1_000)).toBe(32_000);
  });

  it("spans 34 to 67 minutes over the default 15 tries", () => {
    const total = (random: () => number) =>
      Array.from({ length: 14 }, (_, i) => deliveryDelay(i + 1, policy, random)).reduce(
        (a, b) => a + b,
      );
    expect(total(() => 0) / 60_000).toBeCloseTo(33.5, 0);
    expect(total(() => 0.999_999) / 60_000).toBeCloseTo(67, 0);
  });
});
