import { describe, expect, it } from "vitest";
import {
  eventToNotification,
  FAILURES_LISTED,
  failureGroupNotification,
  serverFailureOf,
} from "./eventToNotification.ts";
import { matchesEvent } from "./notificationEvents.ts";

const AT = Date.UTC(2025, 0, 2, 3, 4, 5);

describe("eventToNotification", () => {
  it("maps plan statuses to events, keyed by plan, run and outcome", () => {
    const started = eventToNotification(
      {
        name: "plan:status",
        payload: { planId: "dc1", status: "running", previous: "pending", generation: 0 },
      },
      AT,
    );
    expect(started).toEqual({
      event: "plan.started",
      key: "plan:dc1:g0:started",
      at: AT,
      planId: "dc1",
    });
    const failed = eventToNotification(
      {
        name: "plan:status",
        payload: {
          planId: "dc1",
          status: "failed",
          reason: "wave w2 failed",
          generation: 2,
          previous: "running",
        },
      },
      AT,
    );
    expect(failed).toMatchObject({
      event: "plan.failed",
      key: "plan:dc1:g2:failed",
      reason: "wave w2 failed",
    });
    for (const status of ["succeeded", "cancelled"] as const) {
      expect(
        eventToNotification(
          {
            name: "plan:status",
            payload: { planId: "p", status, previous: "running", generation: 0 },
          },
          AT,
        )?.event,
      ).toBe(`plan.${status}`);
    }
  });

  it("tells nobody about a pause, a resume or a pending plan", () => {
    for (const payload of [
      { planId: "p", status: "paused" as const, previous: "running" as const, generation: 0 },
      { planId: "p", status: "pending" as const, previous: "pending" as const, generation: 0 },
      { planId: "p", status: "running" as const, previous: "paused" as const, generation: 0 },
    ]) {
      expect(eventToNotification({ name: "plan:status", payload }, AT)).toBeUndefined();
    }
  });

  it("gives the same key to the same fact whenever and wherever it is seen", () => {
    const payload = { planId: "p", wave: "w1", status: "succeeded" as const, generation: 1 };
    const a = eventToNotification({ name: "wave:status", payload }, AT);
    const b = eventToNotification({ name: "wave:status", payload }, AT + 60_000);
    expect(a?.key).toBe("wave:p:w1:g1:finished");
    expect(b?.key).toBe(a?.key);
    // A retry run is a new fact.
    const retried = eventToNotification(
      { name: "wave:status", payload: { ...payload, generation: 2 } },
      AT,
    );
    expect(retried?.key).not.toBe(a?.key);
  });

  it("maps waves: running is started, succeeded is finished, failed is failed", () => {
    const event = (status: "running" | "succeeded" | "failed" | "cancelled") =>
      eventToNotification(
        { name: "wave:status", payload: { planId: "p", wave: "w", status, generation: 0 } },
        AT,
      )?.event;
    expect([event("running"), event("succeeded"), event("failed"), event("cancelled")]).toEqual([
      "wave.started",
      "wave.finished",
      "wave.failed",
      undefined,
    ]);
  });

  it("encodes key parts, so wave names with ':' or Chinese stay unambiguous ASCII", () => {
    const n = eventToNotification(
      {
        name: "wave:status",
        payload: { planId: "p", wave: "批次:1", status: "failed", generation: 0 },
      },
      AT,
    );
    expect(n?.key).toBe("wave:p:%E6%89%B9%E6%AC%A1%3A1:g0:failed");
    expect(n?.wave).toBe("批次:1");
  });

  it("maps submissions, gates and cutovers of a wave or of one server", () => {
    expect(
      eventToNotification({ name: "plan:submitted", payload: { planId: "p", servers: 12 } }, AT),
    ).toEqual({
      event: "plan.submitted",
      key: "plan:p:submitted",
      at: AT,
      planId: "p",
      servers: 12,
    });
    expect(
      eventToNotification(
        { name: "gate:waiting", payload: { planId: "p", wave: "w2", gate: "approval" } },
        AT,
      ),
    ).toMatchObject({
      event: "gate.waiting",
      key: "gate:p:w2:approval:g0:waiting",
      gate: "approval",
    });
    const one = eventToNotification(
      {
        name: "cutover:ready",
        payload: { planId: "p", wave: "w", key: "web-01", imageId: "m-1", jobId: "j-1" },
      },
      AT,
    );
    expect(one).toMatchObject({
      event: "cutover.ready",
      key: "cutover:p:w:web-01:g0:ready",
      server: "web-01",
      imageId: "m-1",
      jobId: "j-1",
    });
    const wave = eventToNotification(
      { name: "cutover:done", payload: { planId: "p", wave: "w", generation: 1 } },
      AT,
    );
    expect(wave).toMatchObject({ event: "cutover.done", key: "cutover:p:w:g1:done" });
    expect(wave?.server).toBeUndefined();
  });
});

describe("server failures", () => {
  it("reads the code and message out of a failed server's reason", () => {
    const recorded = serverFailureOf(
      {
        planId: "p",
        wave: "w",
        key: "db-01",
        status: "failed",
        reason: "SourceServerState.Invalid: the agent is offline: since 10:00",
        generation: 1,
      },
      AT,
    );
    expect(recorded).toEqual({
      planId: "p",
      wave: "w",
      field: "db-01#g1",
      failure: {
        key: "db-01",
        code: "SourceServerState.Invalid",
        message: "the agent is offline: since 10:00",
        at: AT,
      },
    });
    const plain = serverFailureOf(
      { planId: "p", wave: "w", key: "x", status: "failed", reason: "it broke", generation: 0 },
      AT,
    );
    expect(plain?.failure).toMatchObject({ code: "Failed", message: "it broke" });
    expect(
      serverFailureOf({ planId: "p", wave: "w", key: "x", status: "succeeded", generation: 0 }, AT),
    ).toBeUndefined();
  });

  it("lists the first failures oldest first and counts the rest", () => {
    const failures = Array.from({ length: FAILURES_LISTED + 5 }, (_, index) => ({
      key: `s-${String(index).padStart(2, "0")}`,
      code: "E",
      message: "m",
      at: AT + (FAILURES_LISTED + 5 - index),
    }));
    const n = failureGroupNotification({ planId: "p", wave: "w", groupId: "3" }, failures, AT);
    expect(n.key).toBe("servers-failed:p:w:3");
    expect(n.failureCount).toBe(FAILURES_LISTED + 5);
    expect(n.failures).toHaveLength(FAILURES_LISTED);
    expect(n.failures?.[0]?.key).toBe(`s-${FAILURES_LISTED + 4}`);
  });
});

describe("matchesEvent", () => {
  it("takes names, <subject>.* and *", () => {
    expect(matchesEvent(["*"], "server.failed")).toBe(true);
    expect(matchesEvent(["wave.*"], "wave.failed")).toBe(true);
    expect(matchesEvent(["wave.*"], "plan.failed")).toBe(false);
    expect(matchesEvent(["plan.failed", "wave.finished"], "wave.finished")).toBe(true);
    expect(matchesEvent(["plan.failed"], "plan.succeeded")).toBe(false);
    expect(matchesEvent([], "plan.failed")).toBe(false);
  });
});
