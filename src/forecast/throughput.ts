import type { Throughput } from "./forecastModel.ts";

/** One finished job: the bytes it copied and how long it ran (ms). */
export interface JobRate {
  bytes: number;
  ms: number;
}

/** The emulator's default bandwidth, and what the forecast assumes with nothing better. */
const DEFAULT_BYTES_PER_SECOND = 25 * 1024 * 1024;
/** One job's rate varies about this much (coefficient of variation) when nothing was learned. */
export const DEFAULT_SPREAD = 0.15;
/** Finished jobs needed before their rate is trusted over the default. */
const LEAST_TO_LEARN = 5;

/**
 * The throughput a forecast uses: the account's configured one, else the rate of its finished
 * jobs (total bytes over total time, so big jobs weigh more), else the default. The spread comes
 * from the finished jobs' rates when there are enough of them.
 */
export function estimateThroughput(
  configuredBytesPerSecond: number | undefined,
  finished: readonly JobRate[],
): Throughput {
  const usable = finished.filter((job) => job.bytes > 0 && job.ms > 0);
  const learned = usable.length >= LEAST_TO_LEARN;
  const spread = learned ? rateSpread(usable) : DEFAULT_SPREAD;
  const learnedFromJobs = learned ? usable.length : 0;
  if (configuredBytesPerSecond !== undefined && configuredBytesPerSecond > 0) {
    return {
      bytesPerSecond: configuredBytesPerSecond,
      spread,
      source: "configured",
      learnedFromJobs,
    };
  }
  if (!learned) {
    return {
      bytesPerSecond: DEFAULT_BYTES_PER_SECOND,
      spread,
      source: "default",
      learnedFromJobs: 0,
    };
  }
  const bytes = usable.reduce((sum, job) => sum + job.bytes, 0);
  const ms = usable.reduce((sum, job) => sum + job.ms, 0);
  return { bytesPerSecond: (bytes * 1000) / ms, spread, source: "learned", learnedFromJobs };
}

/** Coefficient of variation of the jobs' durations relative to their sizes. */
function rateSpread(jobs: readonly JobRate[]): number {
  const perByte = jobs.map((job) => job.ms / job.bytes);
  const mean = perByte.reduce((sum, value) => sum + value, 0) / perByte.length;
  const variance =
    perByte.reduce((sum, value) => sum + (value - mean) ** 2, 0) / Math.max(1, perByte.length - 1);
  return Math.sqrt(variance) / mean;
}
