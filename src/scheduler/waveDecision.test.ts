import { describe, expect, it } from "vitest";
import type { ServerCounts } from "../lifecycle/statuses.ts";
import { decideWave, decideWaveStart, orderForStart } from "./waveDecision.ts";

const none: ServerCounts = {
  pending: 0,
  creating: 0,
  running: 0,
  syncing: 0,
  "cutting-over": 0,
  stopping: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  skipped: 0,
};
const halt = { maxFailedServers: 0, onWaveFailure: "halt" as const };
const tolerant = { maxFailedServers: 1, onWaveFailure: "continue" as const };

describe("decideWave", () => {
  it("admits while servers are pending", () => {
    expect(decideWave({ ...none, pending: 3, running: 2 }, halt)).toEqual({ kind: "admit" });
  });

  it("succeeds when every server succeeded", () => {
    expect(decideWave({ ...none, succeeded: 5 }, halt)).toEqual({
      kind: "done",
      outcome: "succeeded",
    });
  });

  it("under halt, stops admitting after a failure and waits for what is in flight", () => {
    const decision = decideWave({ ...none, pending: 4, running: 1, failed: 1 }, halt);
    expect(decision).toEqual({
      kind: "drain",
      reason: "1 server(s) failed, more than maxFailedServers (0)",
      inFlight: 1,
    });
  });

  it("counts incremental servers in sync or cutting over as in flight: the wave waits for them", () => {
    expect(decideWave({ ...none, succeeded: 2, syncing: 1 }, halt)).toEqual({ kind: "admit" });
    expect(decideWave({ ...none, "cutting-over": 1, failed: 1 }, halt)).toMatchObject({
      kind: "drain",
      inFlight: 1,
    });
  });

  it("under halt, fails once nothing is in flight, leaving pending servers for a retry", () => {
    expect(decideWave({ ...none, pending: 4, failed: 1 }, halt)).toMatchObject({
      kind: "done",
      outcome: "failed",
    });
  });

  it("tolerates up to maxFailedServers", () => {
    expect(decideWave({ ...none, succeeded: 9, failed: 1 }, tolerant)).toEqual({
      kind: "done",
      outcome: "succeeded",
    });
  });

  it("under continue, keeps admitting past the tolerance and then reports the failure", () => {
    expect(decideWave({ ...none, pending: 1, failed: 2 }, tolerant)).toEqual({ kind: "admit" });
    expect(decideWave({ ...none, succeeded: 1, failed: 2 }, tolerant)).toMatchObject({
      kind: "done",
      outcome: "failed",
    });
  });
});

describe("orderForStart", () => {
  const servers = [
    { index: 0, sizeBytes: 10 },
    { index: 1, sizeBytes: 300 },
    { index: 2, sizeBytes: 300 },
    { index: 3, sizeBytes: 50 },
  ];

  it("starts the largest first, ties in listed order", () => {
    expect(orderForStart(servers, "largestFirst").map((s) => s.index)).toEqual([1, 2, 3, 0]);
  });

  it("keeps the listed order when asked", () => {
    expect(orderForStart([...servers].reverse(), "asListed").map((s) => s.index)).toEqual([
      0, 1, 2, 3,
    ]);
  });
});

describe("decideWaveStart", () => {
  it("waits for notBefore while pending, then for the gate, then starts", () => {
    const wave = { notBefore: 1000, gate: "manual" as const };
    expect(decideWaveStart(wave, { status: "pending" }, 500)).toEqual({
      kind: "wait-not-before",
      until: 1000,
    });
    expect(decideWaveStart(wave, { status: "pending" }, 1000)).toEqual({ kind: "wait-approval" });
    expect(decideWaveStart(wave, { status: "pending", approvedAt: 10 }, 1000)).toEqual({
      kind: "start",
    });
    // Waiting for approval, it no longer looks at notBefore.
    expect(decideWaveStart(wave, { status: "waiting-approval", approvedAt: 10 }, 500)).toEqual({
      kind: "start",
    });
  });
});
