import { derivedSeed, seededRandom } from "../emulator/seededRandom.ts";
import type { ForecastSetup, PlanForecast, Quantiles } from "./forecastModel.ts";
import { preparePlan, type SimulatedJob, simulateRun } from "./simulateRun.ts";

/** Servers named as setting a wave's end, at most. */
const CRITICAL_SHOWN = 5;

const iso = (epochMs: number) => new Date(epochMs).toISOString();

/** The value at quantile `q` of sorted values, by nearest rank. */
function rank(count: number, q: number): number {
  return Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1));
}

function quantiles(values: number[]): Quantiles {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: iso(sorted[rank(sorted.length, 0.5)] ?? 0),
    p90: iso(sorted[rank(sorted.length, 0.9)] ?? 0),
  };
}

/**
 * The forecast: `samples` sampled runs of the plan (sample `i` draws from a generator seeded with
 * (seed, i), so a seed always gives the same answer), summarised as P50 and P90 per wave and for
 * the plan; the run whose finish is the median is replayed to show its jobs and quota use.
 */
export function runForecast(setup: ForecastSetup): PlanForecast {
  const prepared = preparePlan(setup);
  const samples = Math.max(1, Math.floor(setup.samples));
  const randomOf = (sample: number) => seededRandom(derivedSeed(setup.seed, sample)).next;
  const runs = Array.from({ length: samples }, (_, sample) =>
    simulateRun(prepared, randomOf(sample)),
  );
  const byFinish = runs.map((run, sample) => ({ finish: run.finish, sample }));
  byFinish.sort((a, b) => a.finish - b.finish || a.sample - b.sample);
  const median = byFinish[rank(samples, 0.5)]?.sample ?? 0;
  const jobs: SimulatedJob[] = [];
  const medianRun = simulateRun(prepared, randomOf(median), jobs);

  return {
    ...(setup.planId === undefined ? {} : { planId: setup.planId }),
    seed: setup.seed,
    samples,
    asOf: iso(setup.now),
    throughput: setup.throughput,
    finish: quantiles(runs.map((run) => run.finish)),
    waves: setup.waves.map((wave, index) => ({
      name: wave.name,
      start: quantiles(runs.map((run) => run.waveStarts[index] ?? 0)),
      finish: quantiles(runs.map((run) => run.waveFinishes[index] ?? 0)),
      criticalServers: criticalServers(
        jobs.filter((job) => job.wave === index),
        medianRun.waveFinishes[index] ?? 0,
        setup.pollIntervalMs,
      ),
    })),
    quotaUse: quotaUse(jobs),
    jobs: jobs.map((job) => ({
      wave: setup.waves[job.wave]?.name ?? "",
      server: job.server.label,
      create: iso(job.create),
      start: iso(job.start),
      finish: iso(job.finish),
      ...(job.cutover === undefined ? {} : { cutover: iso(job.cutover) }),
      end: iso(job.end),
    })),
    assumptions: setup.assumptions,
  };
}

/** The servers whose end sets the wave's: those ending within a poll of it, latest first. */
function criticalServers(jobs: SimulatedJob[], waveFinish: number, pollMs: number): string[] {
  return jobs
    .filter((job) => job.end >= waveFinish - pollMs)
    .sort((a, b) => b.end - a.end)
    .slice(0, CRITICAL_SHOWN)
    .map((job) => job.server.label);
}

/** Jobs held at each moment the count changes: +1 at a create, −1 at an end. */
function quotaUse(jobs: SimulatedJob[]): PlanForecast["quotaUse"] {
  const changes = new Map<number, number>();
  for (const job of jobs) {
    changes.set(job.create, (changes.get(job.create) ?? 0) + 1);
    changes.set(job.end, (changes.get(job.end) ?? 0) - 1);
  }
  const steps: PlanForecast["quotaUse"] = [];
  let held = 0;
  for (const at of [...changes.keys()].sort((a, b) => a - b)) {
    const delta = changes.get(at) ?? 0;
    if (delta === 0) continue;
    held += delta;
    steps.push({ at: iso(at), jobs: held });
  }
  return steps;
}
