import { predictFinish, type RunningJob } from "../forecast/jobEta.ts";

/** What the poller last saw of a tracked job. */
export interface PolledJob {
  /** The status the service gave; undefined when it no longer lists the job. */
  status: string | undefined;
  /** A server's own job's start (world ms), progress and size; absent when unknown. */
  run?: RunningJob;
}

/**
 * From this `Progress` on, the job's own rate alone says when it ends: `predictFinish` still gives
 * the size-based prior about a tenth of its weight at half-way (fading only toward the end), and a
 * look aimed at that blend would miss the finish by the prior's error.
 */
const RATE_TRUSTED_FROM = 50;

/** Of a poll interval: how long after the expected finish the look comes (rounding, late ticks). */
const AFTER_FINISH_SHARE = 0.1;

/** The world time a running job is expected to finish, never before `now`. */
export function expectedFinish(run: RunningJob, now: number, bytesPerSecond?: number): number {
  const elapsed = now - run.startedAt;
  if (run.progress >= RATE_TRUSTED_FROM && elapsed > 0)
    return Math.max(now, run.startedAt + (elapsed * 100) / Math.min(100, run.progress));
  return predictFinish(run, now, bytesPerSecond);
}

/**
 * World ms from `now` until the poller should next ask about a job: one poll interval after a
 * start, a change or any status but Running (the next change comes soon, or is someone's to make).
 * A Running job whose prediction still leans on its size is looked at again half-way to its
 * expected finish (its own rate is known by then); one whose rate is known, just after its
 * expected finish; one past it, every interval until it is over. The caller caps it with the
 * sweep interval, so a prediction that is wrong never hides a finish for long.
 */
export function nextPollDelay(
  job: PolledJob,
  now: number,
  pollIntervalMs: number,
  bytesPerSecond?: number,
): number {
  if (job.status !== "Running" || !job.run) return pollIntervalMs;
  const remaining = expectedFinish(job.run, now, bytesPerSecond) - now;
  if (remaining <= 0) return pollIntervalMs;
  if (job.run.progress < RATE_TRUSTED_FROM && remaining > 2 * pollIntervalMs) return remaining / 2;
  return remaining + AFTER_FINISH_SHARE * pollIntervalMs;
}
