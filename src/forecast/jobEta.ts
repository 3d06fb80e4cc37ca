/**
 * When a running job will finish, from what the service says of it (its `Progress` since it
 * started) and what the plan knows (the bytes it copies ÷ the account's throughput). Pure: the
 * poller asks it when to look next, the forecast and the live ETA ask it how much is left.
 */

export type RunningJob = {
  /** World time the job was started (ms). */
  startedAt: number;
  /** The service's `Progress`, 0–100. */
  progress: number;
  /** Bytes the job copies (system disk and the listed data disks). */
  sizeBytes: number;
};

/** A job's throughput before anything is configured or learned: the emulator's default too. */
const DEFAULT_BYTES_PER_SECOND = 25 * 1024 * 1024;

/**
 * How far a job's own progress is trusted over the size-based prior: at this many percent the two
 * weigh the same. Early progress is noisy (preparing runs at another rate than copying).
 */
const PROGRESS_HALF_TRUST = 10;

/** How long a job copying `sizeBytes` runs at `bytesPerSecond` (ms, at least one second). */
export function expectedDurationMs(sizeBytes: number, bytesPerSecond: number): number {
  if (!(bytesPerSecond > 0))
    throw new RangeError(`bytesPerSecond must be above 0, got ${bytesPerSecond}`);
  return Math.max(1000, (sizeBytes / bytesPerSecond) * 1000);
}

/**
 * The world time a running job is expected to finish, never before `now`. Its whole run length is a
 * blend of the length its progress rate implies and the length its size implies, leaning on the
 * progress as it grows.
 */
export function predictFinish(
  job: RunningJob,
  now: number,
  bytesPerSecond = DEFAULT_BYTES_PER_SECOND,
): number {
  const prior = expectedDurationMs(job.sizeBytes, bytesPerSecond);
  const elapsed = Math.max(0, now - job.startedAt);
  const progress = Math.min(100, Math.max(0, job.progress));
  if (progress <= 0 || elapsed === 0) return Math.max(now, job.startedAt + prior);
  const observed = (elapsed * 100) / progress;
  // The prior's weight fades with the work left, so near its end a job is judged by itself alone.
  const trust = progress / (progress + (PROGRESS_HALF_TRUST * (100 - progress)) / 100);
  return Math.max(now, job.startedAt + trust * observed + (1 - trust) * prior);
}
