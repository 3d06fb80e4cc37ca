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
/** Sizes must vary by this (coefficient of variation) before a fixed part per job is fitted. */
const SIZES_VARIED = 0.2;
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
  const fit = learned ? fitLength(usable) : undefined;
  const spread = fit ? fit.spread : DEFAULT_SPREAD;
  const learnedFromJobs = learned ? usable.length : 0;
  if (configuredBytesPerSecond !== undefined && configuredBytesPerSecond > 0) {
    return {
      bytesPerSecond: configuredBytesPerSecond,
      spread,
      source: "configured",
      learnedFromJobs,
      fixedMsPerJob: 0,
    };
  }
  if (!fit) {
    return {
      bytesPerSecond: DEFAULT_BYTES_PER_SECOND,
      spread,
      source: "default",
      learnedFromJobs: 0,
      fixedMsPerJob: 0,
    };
  }
  return {
    bytesPerSecond: fit.bytesPerSecond,
    spread,
    source: "learned",
    learnedFromJobs,
    fixedMsPerJob: fit.fixedMs,
  };
}

/**
 * A job's length as a fixed part (preparing, building the image, cleaning up) plus its bytes over a
 * rate, fitted by least squares over the finished jobs; the plain ratio of total time to total bytes
 * when their sizes are too alike to tell the two apart. `spread` is the coefficient of variation of
 * each job's length over the fitted one.
 */
function fitLength(jobs: readonly JobRate[]): {
  bytesPerSecond: number;
  fixedMs: number;
  spread: number;
} {
  const n = jobs.length;
  const meanBytes = jobs.reduce((sum, job) => sum + job.bytes, 0) / n;
  const meanMs = jobs.reduce((sum, job) => sum + job.ms, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const job of jobs) {
    covariance += (job.bytes - meanBytes) * (job.ms - meanMs);
    variance += (job.bytes - meanBytes) ** 2;
  }
  const slope = variance > 0 ? covariance / variance : 0;
  const shortest = Math.min(...jobs.map((job) => job.ms));
  const varied = Math.sqrt(variance / n) > SIZES_VARIED * meanBytes;
  let fixedMs = varied && slope > 0 ? meanMs - slope * meanBytes : 0;
  fixedMs = Math.min(Math.max(0, fixedMs), shortest);
  const msPerByte = fixedMs > 0 ? slope : meanMs / meanBytes;
  const ratios = jobs.map((job) => job.ms / (fixedMs + msPerByte * job.bytes));
  const meanRatio = ratios.reduce((sum, value) => sum + value, 0) / n;
  const spreadVariance =
    ratios.reduce((sum, value) => sum + (value - meanRatio) ** 2, 0) / Math.max(1, n - 1);
  return {
    bytesPerSecond: 1000 / msPerByte,
    fixedMs,
    spread: Math.sqrt(spreadVariance) / meanRatio,
  };
}
