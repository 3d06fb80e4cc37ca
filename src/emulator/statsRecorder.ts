/**
 * What the emulator counts, for people and for the orchestrator's invariant tests: calls and errors
 * per action and code, job lifecycle counts, and exact high-water marks. High-water marks are taken
 * at the emulated instant of each change (transitions found lazily are replayed in time order), so
 * a brief overlap between two requests is never missed.
 */

interface ActionStats {
  calls: number;
  /** Error answers by code (including injected faults). */
  errors: Record<string, number>;
}

export interface EmulatorStats {
  /** Signed API calls answered (admin routes are not counted). */
  calls: number;
  errors: number;
  actions: Record<string, ActionStats>;
  /** Error answers by code over all actions. */
  errorCodes: Record<string, number>;
  jobsCreated: number;
  /** Deleted by DeleteReplicationJob or a forced DeleteSourceServer. */
  jobsDeleted: number;
  /** Reached Finished (a RunOnce=true job's run, or an incremental job's cut-over). */
  jobsFinished: number;
  /** Runs that dropped to InError. */
  jobsFailed: number;
  jobsExpired: number;
  /** Expired jobs removed after their 7 days. */
  jobsRemoved: number;
  /** Incremental runs completed (RunOnce=false jobs going to Waiting). */
  runsCompleted: number;
  /** Images incremental jobs deleted to keep at most MaxNumberOfImageToKeep. */
  imagesPruned: number;
  /** CutOverReplicationJob calls accepted. */
  cutOvers: number;
  /** CreateReplicationJob calls rejected with QuotaExceeded.ReplicationJob for the job quota. */
  quotaRejections: number;
  /** StartReplicationJob calls rejected because the running cap was reached. */
  runningCapRejections: number;
  /** CreateReplicationJob calls answered from an earlier call's ClientToken. */
  idempotentReplays: number;
  current: { existingJobs: number; unfinishedJobs: number; runningJobs: number };
  highWater: {
    /** Most jobs existing at once (what the quota counts). */
    existingJobs: number;
    /** Most unfinished jobs one source had at once, over all sources. */
    unfinishedJobsPerSource: number;
    /** Most jobs Running at once. */
    runningJobs: number;
  };
}

export type CounterName =
  | "jobsCreated"
  | "jobsDeleted"
  | "jobsFinished"
  | "jobsFailed"
  | "jobsExpired"
  | "jobsRemoved"
  | "runsCompleted"
  | "imagesPruned"
  | "cutOvers"
  | "quotaRejections"
  | "runningCapRejections"
  | "idempotentReplays";

export class StatsRecorder {
  #stats: EmulatorStats = StatsRecorder.empty();

  static empty(): EmulatorStats {
    return {
      calls: 0,
      errors: 0,
      actions: {},
      errorCodes: {},
      jobsCreated: 0,
      jobsDeleted: 0,
      jobsFinished: 0,
      jobsFailed: 0,
      jobsExpired: 0,
      jobsRemoved: 0,
      runsCompleted: 0,
      imagesPruned: 0,
      cutOvers: 0,
      quotaRejections: 0,
      runningCapRejections: 0,
      idempotentReplays: 0,
      current: { existingJobs: 0, unfinishedJobs: 0, runningJobs: 0 },
      highWater: { existingJobs: 0, unfinishedJobsPerSource: 0, runningJobs: 0 },
    };
  }

  /** One answered API call; `errorCode` null on success. */
  call(action: string, errorCode: string | null): void {
    const stats = this.#stats;
    stats.calls += 1;
    const entry = stats.actions[action] ?? { calls: 0, errors: {} };
    entry.calls += 1;
    if (errorCode !== null) {
      stats.errors += 1;
      entry.errors[errorCode] = (entry.errors[errorCode] ?? 0) + 1;
      stats.errorCodes[errorCode] = (stats.errorCodes[errorCode] ?? 0) + 1;
    }
    stats.actions[action] = entry;
  }

  count(name: CounterName): void {
    this.#stats[name] += 1;
  }

  /** Moves the running count by `delta` (+1 entering Running, -1 leaving) and keeps its peak. */
  running(delta: number): void {
    const current = this.#stats.current;
    current.runningJobs += delta;
    this.#stats.highWater.runningJobs = Math.max(
      this.#stats.highWater.runningJobs,
      current.runningJobs,
    );
  }

  /** The job counts right after a change, kept for their peaks. */
  jobs(existing: number, unfinished: number, unfinishedForOneSource: number): void {
    const stats = this.#stats;
    stats.current.existingJobs = existing;
    stats.current.unfinishedJobs = unfinished;
    stats.highWater.existingJobs = Math.max(stats.highWater.existingJobs, existing);
    stats.highWater.unfinishedJobsPerSource = Math.max(
      stats.highWater.unfinishedJobsPerSource,
      unfinishedForOneSource,
    );
  }

  snapshot(): EmulatorStats {
    return structuredClone(this.#stats);
  }

  reset(): void {
    this.#stats = StatsRecorder.empty();
  }
}
