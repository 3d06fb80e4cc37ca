/**
 * The makespan benchmark's arithmetic, from the emulator's own timeline: pure functions of the
 * jobs' emulated times, so the figures never depend on the orchestrator's counters.
 */
import type { JobTimelineEntry } from "../src/emulator/emulatorStore.ts";

/** One replication job as the emulator's `timeline()` tells it, times in emulated epoch ms. */
export interface TimedJob {
  /** Index of the plan wave whose server the job migrates. */
  wave: number;
  createdAt: number;
  /** When the job was deleted; null while it still exists (counted to the end of the window). */
  deletedAt: number | null;
  /** Emulated time the job spent Running. */
  runDurationMs: number;
  /** First StartReplicationJob that took effect; null if never started. */
  startedAt: number | null;
  /** When the job reached Finished; null if it never did. */
  finishedAt: number | null;
}

export interface WaveBound {
  longestMs: number;
  /** Total Running time of the wave's jobs ÷ slots. */
  workPerSlotMs: number;
  /** max(longest, work ÷ slots): no schedule of this wave on `slots` slots is shorter. */
  boundMs: number;
}

/** Per wave: the larger of the longest job and total job time ÷ slots; and their sum. */
export function makespanLowerBound(
  jobs: readonly TimedJob[],
  waves: number,
  slots: number,
): { waves: WaveBound[]; totalMs: number } {
  const perWave = Array.from({ length: waves }, (_, wave) => {
    const durations = jobs.filter((job) => job.wave === wave).map((job) => job.runDurationMs);
    const longestMs = Math.max(0, ...durations);
    const workPerSlotMs = durations.reduce((sum, ms) => sum + ms, 0) / slots;
    return { longestMs, workPerSlotMs, boundMs: Math.max(longestMs, workPerSlotMs) };
  });
  return { waves: perWave, totalMs: perWave.reduce((sum, wave) => sum + wave.boundMs, 0) };
}

/** A half-open span of emulated time [from, to). */
export interface Span {
  from: number;
  to: number;
}

/**
 * Mean of (jobs existing ÷ quota) over the given spans, weighted by time: the share of quota slots
 * that held a job. Jobs still existing at a span's end count until then.
 */
export function slotUtilisation(
  jobs: readonly TimedJob[],
  quota: number,
  spans: readonly Span[],
): number {
  let held = 0;
  let length = 0;
  for (const span of spans) {
    if (span.to <= span.from) continue;
    length += span.to - span.from;
    for (const job of jobs) {
      const from = Math.max(span.from, job.createdAt);
      const to = Math.min(span.to, job.deletedAt ?? span.to);
      if (to > from) held += to - from;
    }
  }
  return length === 0 ? 0 : held / (length * quota);
}

/**
 * The spans in which work was pending: for each wave, from its start until its last job was
 * created (some server of the running wave still waited for a slot). Time between waves, when
 * only the previous wave's tail runs, is excluded: the wave barrier holds that work, not the quota.
 */
export function pendingSpans(jobs: readonly TimedJob[], waveStarts: readonly number[]): Span[] {
  return waveStarts.flatMap((from, wave) => {
    const creates = jobs.filter((job) => job.wave === wave).map((job) => job.createdAt);
    return creates.length === 0 ? [] : [{ from, to: Math.max(...creates) }];
  });
}

/**
 * Slot time spent around the Running phase, per job: existence (create to delete) minus Running.
 * It is what the orchestrator adds: Ready before the start, Finished until the poll sees it and the
 * delete frees the slot.
 */
export function meanSlotOverheadMs(jobs: readonly TimedJob[]): number {
  const ended = jobs.filter((job) => job.deletedAt !== null);
  if (ended.length === 0) return 0;
  const overhead = ended.reduce(
    (sum, job) => sum + ((job.deletedAt ?? 0) - job.createdAt - job.runDurationMs),
    0,
  );
  return overhead / ended.length;
}

/** Mean and 95th percentile of a list of durations, in ms. */
export interface Spread {
  meanMs: number;
  p95Ms: number;
}

function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { meanMs: 0, p95Ms: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    meanMs: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    p95Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0,
  };
}

/**
 * Where a job's slot time outside Running goes: created → started (the start step after the
 * create) and finished → deleted (the poll noticing Finished, then the delete).
 */
export function slotPhases(jobs: readonly TimedJob[]): {
  createToStart: Spread;
  finishToDelete: Spread;
} {
  return {
    createToStart: spread(
      jobs.flatMap((job) => (job.startedAt === null ? [] : [job.startedAt - job.createdAt])),
    ),
    finishToDelete: spread(
      jobs.flatMap((job) =>
        job.finishedAt === null || job.deletedAt === null ? [] : [job.deletedAt - job.finishedAt],
      ),
    ),
  };
}

/**
 * Idle slot time while work was pending: for each span, quota × length minus the slot time jobs
 * held, in emulated ms. Zero means every slot held a job whenever a server waited.
 */
export function idleSlotMsWhilePending(
  jobs: readonly TimedJob[],
  quota: number,
  spans: readonly Span[],
): number {
  const length = spans.reduce((sum, span) => sum + Math.max(0, span.to - span.from), 0);
  return length * quota * (1 - slotUtilisation(jobs, quota, spans));
}

/**
 * The makespan of each wave if its jobs ran in the order they were created with no overhead at all
 * (each starts the instant a slot frees, and frees it the instant it finishes), summed: what the
 * order alone allows, so the rest of a ratio is the orchestrator's overhead.
 */
export function orderOnlyMakespanMs(jobs: readonly TimedJob[], waves: number, slots: number) {
  let total = 0;
  for (let wave = 0; wave < waves; wave++) {
    const ordered = jobs
      .filter((job) => job.wave === wave)
      .sort((a, b) => a.createdAt - b.createdAt);
    const freeAt = Array.from({ length: slots }, () => 0);
    let end = 0;
    for (const job of ordered) {
      // The slot that frees first takes the next job.
      let earliest = 0;
      for (let slot = 1; slot < slots; slot++)
        if ((freeAt[slot] ?? 0) < (freeAt[earliest] ?? 0)) earliest = slot;
      const finish = (freeAt[earliest] ?? 0) + job.runDurationMs;
      freeAt[earliest] = finish;
      end = Math.max(end, finish);
    }
    total += end;
  }
  return total;
}

/** The emulator's timeline as timed jobs, each placed in the wave of its source. */
export function timedJobs(
  timeline: readonly JobTimelineEntry[],
  waveOfSource: ReadonlyMap<string, number>,
): TimedJob[] {
  return timeline.map((job) => ({
    wave: waveOfSource.get(job.sourceId) ?? -1,
    createdAt: Date.parse(job.createdAt),
    deletedAt: job.deletedAt ? Date.parse(job.deletedAt) : null,
    runDurationMs: job.runDurationMs,
    startedAt: job.startedAt ? Date.parse(job.startedAt) : null,
    finishedAt: job.finishedAt ? Date.parse(job.finishedAt) : null,
  }));
}

/**
 * Maps a real-clock time onto the emulator's clock. A daemon in its own process stamps plan and
 * wave times with the real clock, while the emulator's timeline is in emulated time.
 */
export function realToEmulated(emulatedNow: number, realNow: number, timeScale: number) {
  return (realMs: number) => emulatedNow - (realNow - realMs) * timeScale;
}
