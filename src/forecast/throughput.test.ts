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

  it("learns total bytes over total time from enough finished jobs of alike sizes", () => {
    const alike = [100, 101, 99, 100, 102].map((GiB, i) => ({
      bytes: GiB * 1024 * MiB,
      ms: ((GiB * 1024) / (i === 2 ? 10 : 20)) * 1000,
    }));
    const estimate = estimateThroughput(undefined, alike);
    const seconds = alike.reduce((sum, job) => sum + job.ms, 0) / 1000;
    const bytes = alike.reduce((sum, job) => sum + job.bytes, 0);
    expect(estimate.bytesPerSecond).toBeCloseTo(bytes / seconds);
    expect(estimate).toMatchObject({ source: "learned", learnedFromJobs: 5, fixedMsPerJob: 0 });
  });

  it("fits a fixed part per job when sizes vary, so small jobs are not taken for fast ones", () => {
    // 10 minutes each, plus 20 MiB/s.
    const jobs = [10, 50, 100, 200, 400].map((GiB) => ({
      bytes: GiB * 1024 * MiB,
      ms: 600_000 + ((GiB * 1024) / 20) * 1000,
    }));
    const estimate = estimateThroughput(undefined, jobs);
    expect(estimate.fixedMsPerJob).toBeCloseTo(600_000, -2);
    expect(estimate.bytesPerSecond).toBeCloseTo(20 * MiB, -3);
    expect(estimate.spread).toBeLessThan(0.001);
  });

  it("falls back to 25 MiB/s when too few jobs finished", () => {
    expect(estimateThroughput(undefined, finished.slice(0, 4))).toEqual({
      bytesPerSecond: 25 * MiB,
      spread: 0.15,
      source: "default",
      learnedFromJobs: 0,
      fixedMsPerJob: 0,
    });
  });
});
