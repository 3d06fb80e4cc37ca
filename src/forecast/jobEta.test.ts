import { describe, expect, it } from "vitest";
import { expectedDurationMs, predictFinish } from "./jobEta.ts";

const MiB = 1024 * 1024;
const hour = 3_600_000;

describe("expectedDurationMs", () => {
  it("is the bytes over the throughput", () => {
    expect(expectedDurationMs(3600 * MiB, MiB)).toBe(hour);
  });
  it("refuses a throughput that is not above zero", () => {
    expect(() => expectedDurationMs(MiB, 0)).toThrow(/above 0/);
  });
});

describe("predictFinish", () => {
  const job = { startedAt: 0, sizeBytes: 3600 * MiB };

  it("uses the size alone before any progress", () => {
    expect(predictFinish({ ...job, progress: 0 }, 10_000, MiB)).toBe(hour);
  });

  it("follows a job's own rate once it has progressed far", () => {
    // Half done after two hours: the job runs at half the configured throughput.
    const finish = predictFinish({ ...job, progress: 50 }, 2 * hour, MiB);
    expect(finish).toBeGreaterThan(3 * hour);
    expect(finish).toBeLessThan(4 * hour);
  });

  it("trusts a little progress less than the size", () => {
    const finish = predictFinish({ ...job, progress: 1 }, 0.1 * hour, MiB);
    // 1 % in 6 minutes alone would say 10 hours; the size says 1 hour.
    expect(finish).toBeLessThan(3 * hour);
    expect(finish).toBeGreaterThan(hour);
  });

  it("judges a job near its end by its own rate alone", () => {
    // 99 % after ten hours at a tenth of the configured throughput: about 10.1 hours in all.
    const finish = predictFinish({ ...job, progress: 99 }, 10 * hour, MiB);
    expect(finish).toBeGreaterThan(10.05 * hour);
  });

  it("never predicts a finish in the past", () => {
    // No progress yet, and longer than its size says already: due now, not an hour ago.
    expect(predictFinish({ ...job, progress: 0 }, 5 * hour, MiB)).toBe(5 * hour);
  });
});
