import { describe, expect, it } from "vitest";
import type { Cutover } from "../plan/compiledPlan.ts";
import { decideCutover } from "./cutoverDecision.ts";

const HOUR = 3_600_000;
/** Monday 2030-01-07 00:00 UTC. */
const MIDNIGHT = Date.UTC(2030, 0, 7);
const window: Cutover = {
  mode: "window",
  window: { cron: "0 2 * * *", durationMs: 2 * HOUR, timezone: "UTC" },
  syncData: true,
  onTimeout: "wait",
};
const base = { now: MIDNIGHT + 3 * HOUR, jobWaiting: true, paused: false };

describe("decideCutover", () => {
  it("manual: waits for a person; a person's request cuts over, but only between runs", () => {
    const manual: Cutover = { mode: "manual", syncData: true, onTimeout: "wait" };
    expect(decideCutover({ ...base, cutover: manual })).toEqual({ kind: "wait-person" });
    const request = { by: "alice", at: base.now };
    expect(decideCutover({ ...base, cutover: manual, request })).toEqual({
      kind: "cutover",
      by: "alice",
    });
    expect(decideCutover({ ...base, cutover: manual, request, jobWaiting: false })).toEqual({
      kind: "mid-sync",
    });
  });

  it("a person's request wins over a closed window and over a pause", () => {
    const request = { by: "bob", at: 0 };
    const closed = MIDNIGHT + 5 * HOUR;
    expect(decideCutover({ ...base, now: closed, cutover: window, request, paused: true })).toEqual(
      { kind: "cutover", by: "bob" },
    );
  });

  it("immediate: at once between runs, after the run under way otherwise; held while paused", () => {
    const immediate: Cutover = { mode: "immediate", syncData: false, onTimeout: "wait" };
    expect(decideCutover({ ...base, cutover: immediate })).toEqual({
      kind: "cutover",
      by: "immediate",
    });
    expect(decideCutover({ ...base, cutover: immediate, jobWaiting: false })).toEqual({
      kind: "mid-sync",
    });
    expect(decideCutover({ ...base, cutover: immediate, paused: true })).toEqual({
      kind: "wait-resume",
    });
  });

  it("window: waits for the opening, cuts over inside it, and says until when a run may end", () => {
    expect(decideCutover({ ...base, now: MIDNIGHT + HOUR, cutover: window })).toEqual({
      kind: "wait-window",
      opensAt: MIDNIGHT + 2 * HOUR,
    });
    expect(decideCutover({ ...base, cutover: window })).toEqual({
      kind: "cutover",
      by: "window",
      windowClosesAt: MIDNIGHT + 4 * HOUR,
    });
    expect(decideCutover({ ...base, cutover: window, jobWaiting: false })).toEqual({
      kind: "mid-sync",
      until: MIDNIGHT + 4 * HOUR,
    });
  });

  it("a window's opening missed while mid-sync: fail under onTimeout fail, the next opening under wait", () => {
    const after = { ...base, now: MIDNIGHT + 4 * HOUR, dueUntil: MIDNIGHT + 4 * HOUR };
    expect(decideCutover({ ...after, cutover: { ...window, onTimeout: "fail" } })).toEqual({
      kind: "timeout",
      closedAt: MIDNIGHT + 4 * HOUR,
    });
    expect(decideCutover({ ...after, cutover: window })).toEqual({
      kind: "wait-window",
      opensAt: MIDNIGHT + 26 * HOUR,
      missed: MIDNIGHT + 4 * HOUR,
    });
    // Still before the close: not missed yet.
    expect(
      decideCutover({
        ...base,
        cutover: { ...window, onTimeout: "fail" },
        dueUntil: MIDNIGHT + 4 * HOUR,
      }),
    ).toMatchObject({ kind: "cutover" });
  });

  it("a missed opening followed at once by another: cuts over in the new one, reporting the miss", () => {
    const overlapping: Cutover = {
      ...window,
      window: { cron: "0 * * * *", durationMs: HOUR, timezone: "UTC" },
    };
    const now = MIDNIGHT + 3 * HOUR;
    expect(decideCutover({ ...base, now, cutover: overlapping, dueUntil: now })).toEqual({
      kind: "cutover",
      by: "window",
      windowClosesAt: now + HOUR,
      missed: now,
    });
  });
});
