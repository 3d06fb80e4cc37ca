import { describe, expect, it } from "vitest";
import { estimateFinish } from "./liveEstimate.ts";

const T = Date.parse("2026-12-01T00:00:00Z");
const GIB = 1024 ** 3;
/** 25 MiB/s: one GiB copies in 40.96 s. */
const BPS = 25 * 1024 * 1024;
const secondsOf = (gib: number) => (gib * GIB) / BPS;

describe("estimateFinish", () => {
  it("fills free slots with the remaining servers, waves one after another", () => {
    const forecast = estimateFinish({
      now: T,
      slots: 2,
      bytesPerSecond: BPS,
      waves: [
        { name: "done", ended: true, servers: [] },
        {
          name: "w1",
          ended: false,
          servers: [
            { label: "a", status: "pending", sizeBytes: 100 * GIB, progress: 0 },
            { label: "b", status: "pending", sizeBytes: 50 * GIB, progress: 0 },
            { label: "c", status: "pending", sizeBytes: 50 * GIB, progress: 0 },
          ],
        },
        {
          name: "w2",
          ended: false,
          servers: [{ label: "d", status: "pending", sizeBytes: 10 * GIB, progress: 0 }],
        },
      ],
    });
    const w1End = T + secondsOf(100) * 1000;
    expect(forecast.waves.map((w) => w.name)).toEqual(["w1", "w2"]);
    expect(Date.parse(forecast.waves[0]?.finish.p50 ?? "")).toBe(w1End);
    expect(Date.parse(forecast.waves[1]?.start.p50 ?? "")).toBe(w1End);
    expect(Date.parse(forecast.finish.p50)).toBe(w1End + secondsOf(10) * 1000);
    expect(Date.parse(forecast.finish.p90)).toBeGreaterThan(Date.parse(forecast.finish.p50));
    expect(forecast.jobs.map((job) => job.server)).toEqual(["a", "b", "c", "d"]);
    expect(forecast.asOf).toBe(new Date(T).toISOString());
  });

  it("ends a running job when its progress says, not its size", () => {
    const hour = 3_600_000;
    const forecast = estimateFinish({
      now: T,
      slots: 1,
      bytesPerSecond: BPS,
      waves: [
        {
          name: "w1",
          ended: false,
          servers: [
            // Half done after 4 h although its size says 41 s: leaning on its progress, hours remain.
            {
              label: "slow",
              status: "running",
              sizeBytes: GIB,
              startedAt: T - 4 * hour,
              progress: 50,
            },
          ],
        },
      ],
    });
    const remaining = Date.parse(forecast.finish.p50) - T;
    expect(remaining).toBeGreaterThan(2 * hour);
    expect(remaining).toBeLessThan(4 * hour);
  });
});
