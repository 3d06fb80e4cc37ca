import { describe, expect, it } from "vitest";
import type { CompiledPlan, CompiledServer, CompiledWave } from "../plan/compiledPlan.ts";
import type { PlanForecast } from "./forecastModel.ts";
import { forecastPlan, type PlanForecastOptions } from "./forecastPlan.ts";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const HOUR = 3_600_000;
/** A Monday, 00:00 UTC. */
const NOW = Date.parse("2026-11-23T00:00:00Z");

function server(key: string, incremental = false): CompiledServer {
  return {
    ref: { sourceId: key },
    key,
    settings: {
      systemDiskSize: 80,
      ...(incremental ? { runOnce: false, frequency: 12 } : {}),
    } as CompiledServer["settings"],
  };
}

function wave(name: string, keys: string[], extra: Partial<CompiledWave> = {}): CompiledWave {
  return { name, order: "largestFirst", servers: keys.map((key) => server(key)), ...extra };
}

function plan(waves: CompiledWave[], maxJobs = 4): CompiledPlan {
  return {
    name: "p",
    regionId: "cn-hangzhou",
    account: "default",
    policy: {
      maxJobs,
      pollIntervalMs: 30_000,
      jobRestarts: 0,
      onFinish: "delete",
      onWaveFailure: "halt",
      maxFailedServers: 0,
    },
    waves,
  };
}

const keys = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

/** Sizes 20–200 GiB by key, fixed. */
function sizes(...groups: string[][]): Map<string, number> {
  return new Map(groups.flat().map((key, i) => [key, (20 + ((i * 37) % 181)) * GiB]));
}

const options = (sizesByKey: Map<string, number>, extra: Partial<PlanForecastOptions> = {}) => ({
  now: NOW,
  sizes: sizesByKey,
  quota: 100,
  throughput: {
    bytesPerSecond: 25 * MiB,
    spread: 0.15,
    source: "default" as const,
    learnedFromJobs: 0,
    fixedMsPerJob: 0,
  },
  seed: 7,
  samples: 40,
  ...extra,
});

const ms = (iso: string) => Date.parse(iso);

/** Most jobs the median run holds at once. */
const peak = (forecast: PlanForecast) => Math.max(...forecast.quotaUse.map((step) => step.jobs));

describe("forecastPlan", () => {
  const a = keys("a", 12);
  const b = keys("b", 6);
  const twoWaves = plan([wave("one", a), wave("two", b)]);

  it("gives the same answer for the same seed, and another for another seed", () => {
    const first = forecastPlan(twoWaves, options(sizes(a, b)));
    expect(forecastPlan(twoWaves, options(sizes(a, b)))).toEqual(first);
    const other = forecastPlan(twoWaves, options(sizes(a, b), { seed: 8 }));
    expect(other.finish).not.toEqual(first.finish);
  });

  it("never holds more jobs than maxJobs, nor than the quota others leave", () => {
    expect(peak(forecastPlan(twoWaves, options(sizes(a, b))))).toBe(4);
    expect(peak(forecastPlan(twoWaves, options(sizes(a, b), { heldByOthers: 98 })))).toBe(2);
  });

  it("runs waves in order: no job of a wave is created before the previous wave ended", () => {
    const forecast = forecastPlan(twoWaves, options(sizes(a, b)));
    const ends = forecast.jobs.filter((job) => job.wave === "one").map((job) => ms(job.end));
    const creates = forecast.jobs.filter((job) => job.wave === "two").map((j) => ms(j.create));
    expect(Math.min(...creates)).toBeGreaterThanOrEqual(Math.max(...ends));
    const [one, two] = forecast.waves;
    expect(ms(two?.start.p50 ?? "")).toBeGreaterThanOrEqual(ms(one?.finish.p50 ?? ""));
    expect(forecast.jobs).toHaveLength(18);
  });

  it("has P90 at or after P50, for every wave and the plan", () => {
    const forecast = forecastPlan(twoWaves, options(sizes(a, b)));
    expect(ms(forecast.finish.p90)).toBeGreaterThan(ms(forecast.finish.p50));
    for (const each of forecast.waves) {
      expect(ms(each.finish.p90)).toBeGreaterThanOrEqual(ms(each.finish.p50));
      expect(ms(each.start.p90)).toBeGreaterThanOrEqual(ms(each.start.p50));
    }
  });

  it("starts no job before the wave's window opens, and names the servers that end last", () => {
    // Opens at 10:00 UTC each day for 6 hours; the forecast starts at 00:00.
    const window = { cron: "0 10 * * *", durationMs: 6 * HOUR, timezone: "UTC" };
    const open = forecastPlan(plan([wave("one", a)]), options(sizes(a)));
    const windowed = forecastPlan(plan([wave("one", a, { window })]), options(sizes(a)));
    const opening = NOW + 10 * HOUR;
    for (const job of windowed.jobs) {
      const create = ms(job.create) - opening;
      // Created while an opening (10:00–16:00, every day) is open.
      expect(((create % (24 * HOUR)) + 24 * HOUR) % (24 * HOUR)).toBeLessThan(6 * HOUR);
      expect(create).toBeGreaterThanOrEqual(0);
    }
    expect(ms(windowed.finish.p50)).toBeGreaterThan(ms(open.finish.p50) + 9 * HOUR);
    expect(windowed.waves[0]?.criticalServers.length).toBeGreaterThan(0);
  });

  it("holds an incremental server's slot until its cut-over, which waits for the window", () => {
    const window = { cron: "0 2 * * *", durationMs: 2 * HOUR, timezone: "UTC" };
    const cutover = { mode: "window" as const, window, syncData: true, onTimeout: "wait" as const };
    const incremental = keys("i", 4);
    const syncing = wave("sync", incremental, {
      cutover,
      servers: incremental.map((key) => server(key, true)),
    });
    const forecast = forecastPlan(plan([syncing], 2), options(sizes(incremental)));
    const jobs = [...forecast.jobs].sort((x, y) => ms(x.create) - ms(y.create));
    for (const job of jobs) {
      expect(ms(job.cutover ?? "")).toBeGreaterThanOrEqual(ms(job.finish));
      expect(new Date(job.cutover ?? "").getUTCHours()).toBe(2);
    }
    // Two slots: the third server starts only once one of the first two is cut over and deleted.
    const firstEnds = jobs.slice(0, 2).map((job) => ms(job.end));
    expect(ms(jobs[2]?.create ?? "")).toBeGreaterThanOrEqual(Math.min(...firstEnds));
    expect(peak(forecast)).toBe(2);
  });

  it("starts a gated wave no earlier than its gate is taken as approved, and says so", () => {
    const approved = NOW + 48 * HOUR;
    const gated = plan([wave("one", a, { gate: "manual" })]);
    const forecast = forecastPlan(gated, options(sizes(a), { gatesApprovedAt: approved }));
    expect(ms(forecast.waves[0]?.start.p50 ?? "")).toBe(approved);
    expect(forecast.assumptions.join("\n")).toMatch(/gates of one .* approved at/);
  });
});
