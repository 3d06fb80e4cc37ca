import { describe, expect, it } from "vitest";
import { estimateThroughput } from "./throughput.ts";

const MiB = 1024 ** 2;

describe("estimateThroughput", () => {
  const finished = [10, 20, 30, 40, 50].map((GiB, i) => ({
    bytes: GiB * 1024 * MiB,
    // 20 MiB/s, the third job at 10 MiB/s.
    ms: ((GiB * 1024) / (i === 2 ? 10 : 20)) * 1000,
  }));

  it("prefers the configured throughput, with the spread the finished jobs show", () => {
    const estimate = estimateThroughput(40 * MiB, finished);
    expect(estimate).toMatchObject({ bytesPerSecond: 40 * MiB, source: "configured" });
    expect(estimate.spread).toBeGreaterThan(0.2);
  });

  it("learns total bytes over total time from enough finished jobs", () => {
    const estimate = estimateThroughput(undefined, finished);
    const seconds = finished.reduce((sum, job) => sum + job.ms, 0) / 1000;
    expect(estimate.bytesPerSecond).toBeCloseTo((150 * 1024 * MiB) / seconds);
    expect(estimate).toMatchObject({ source: "learned", learnedFromJobs: 5 });
  });

  it("falls back to 25 MiB/s when too few jobs finished", () => {
    expect(estimateThroughput(undefined, finished.slice(0, 4))).toEqual({
      bytesPerSecond: 25 * MiB,
      spread: 0.15,
      source: "default",
      learnedFromJobs: 0,
    });
  });
});
