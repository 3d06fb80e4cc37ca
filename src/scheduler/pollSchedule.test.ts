import { describe, expect, it } from "vitest";
import { expectedFinish, nextPollDelay } from "./pollSchedule.ts";

const MINUTE = 60_000;
const POLL = 30_000;
/** 25 MiB/s: 1 GiB takes 40.96 s, so 100 GiB about 68 minutes. */
const GIB = 1024 ** 3;
const now = 10 * 3_600_000;

describe("nextPollDelay", () => {
  it("looks again one poll interval after a change, or at any status but Running", () => {
    for (const status of ["Ready", "Waiting", "InError", "Stopped", "Finished", undefined])
      expect(nextPollDelay({ status }, now, POLL)).toBe(POLL);
    // A Running job without a known start cannot be predicted either.
    expect(nextPollDelay({ status: "Running" }, now, POLL)).toBe(POLL);
  });

  it("looks half-way while the size leads the prediction, then just after the finish", () => {
    // Just started, 100 GiB: about 68 minutes by its size; looked at again half-way.
    const early = { startedAt: now, progress: 0, sizeBytes: 100 * GIB };
    expect(nextPollDelay({ status: "Running", run: early }, now, POLL)).toBe(2048_000);
    // Half-way after an hour: an hour left, by its own rate.
    const run = { startedAt: now - 60 * MINUTE, progress: 50, sizeBytes: 100 * GIB };
    expect(nextPollDelay({ status: "Running", run }, now, POLL)).toBe(60 * MINUTE + POLL / 10);
    // 99 % after 99 minutes: one minute left, within two intervals: looked at just after it.
    const near = { startedAt: now - 99 * MINUTE, progress: 99, sizeBytes: 100 * GIB };
    const delay = nextPollDelay({ status: "Running", run: near }, now, POLL);
    expect(delay).toBeGreaterThan(MINUTE);
    expect(delay).toBeLessThan(MINUTE + POLL / 2);
  });

  it("looks every interval once the expected finish has passed", () => {
    // Progress says done, yet the service still says Running.
    const run = { startedAt: now - 200 * MINUTE, progress: 100, sizeBytes: GIB };
    expect(nextPollDelay({ status: "Running", run }, now, POLL)).toBe(POLL);
  });
});

describe("expectedFinish", () => {
  it("follows the job's own rate once it is half done, whatever its size says", () => {
    // Sized for about 7 minutes, but 60 % took an hour: 40 minutes are left.
    const run = { startedAt: now - 60 * MINUTE, progress: 60, sizeBytes: 10 * GIB };
    expect(expectedFinish(run, now)).toBe(now + 40 * MINUTE);
  });

  it("leans on the size before that", () => {
    // Nothing reported yet: the size alone, 100 GiB at 25 MiB/s.
    const run = { startedAt: now, progress: 0, sizeBytes: 100 * GIB };
    expect(expectedFinish(run, now)).toBe(now + 4096_000);
  });
});
