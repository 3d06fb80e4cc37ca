/**
 * The orchestrator's own reasons, each with a message a person understands: why something waits,
 * and why it ended. The service's own error codes (`SourceServerState.Invalid`, a job's
 * `InternalError`) pass through as they are; every code of ours is built here and nowhere else.
 */

/** Why a plan, a wave or a server that has not ended is not moving right now. */
export interface WaitReason {
  code: WaitCode;
  message: string;
  /** Epoch ms (world time) it has waited since. */
  since: number;
}

type WaitCode =
  | "SourceHeld.Plan"
  | "SourceHeld.External"
  | "SourceHeld.Kept"
  | "SourceHeld.InUse"
  | "Quota.Full"
  | "Quota.PlanLimit"
  | "Quota.RunningCap"
  | "Wave.Window"
  | "Wave.NotBefore"
  | "Wave.Earlier"
  | "Wave.Draining"
  | "Wave.Approval"
  | "Wave.Cutover"
  | "Cutover.Manual"
  | "Cutover.Window"
  | "Cutover.MidSync"
  | "Cutover.Paused"
  | "Cutover.Overrun"
  | "Cutover.Cancelling"
  | "Cutover.Source"
  | "Cutover.TimedOut"
  | "Plan.Paused"
  | "Plan.Cancelling"
  | "Job.Stopping"
  | "Smc.Unreachable"
  | "Smc.Throttled";

/** Why something ended (or failed): a code and a sentence. */
export interface EndReason {
  code: string;
  message: string;
}

type Wait = Omit<WaitReason, "since">;

const iso = (epochMs: number) => new Date(epochMs).toISOString().replace(/\.000Z$/, "Z");

/** Who holds a source's one unfinished-job slot, as the ledger records it and a person reads it. */
export type SourceHolder =
  | { kind: "plan"; planId: string; wave: string; server: string; jobId?: string }
  | { kind: "kept"; planId: string; server: string; jobId: string }
  | { kind: "external"; jobId: string; status?: string };

export const waits = {
  sourceHeld(sourceId: string, holder: SourceHolder): Wait {
    switch (holder.kind) {
      case "plan":
        return {
          code: "SourceHeld.Plan",
          message: `source ${sourceId} is being migrated by plan ${holder.planId} (wave ${holder.wave}, server ${holder.server}${holder.jobId ? `, job ${holder.jobId}` : ""}); this server starts when that migration ends`,
        };
      case "kept":
        return {
          code: "SourceHeld.Kept",
          message: `source ${sourceId} has job ${holder.jobId} left by plan ${holder.planId} (server ${holder.server}); free it with 'smc-waves release ${holder.planId}'`,
        };
      case "external":
        return {
          code: "SourceHeld.External",
          message: `source ${sourceId} has job ${holder.jobId}${holder.status ? ` (${holder.status})` : ""} not created by smc-waves; this server starts when that job finishes or is deleted`,
        };
      default:
        return assertNever(holder);
    }
  },
  sourceInUse(sourceId: string): Wait {
    return {
      code: "SourceHeld.InUse",
      message: `source ${sourceId} is InUse by a migration smc-waves cannot see; it is checked again at every poll`,
    };
  },
  quotaFull(account: string, used: number, limit: number, external: number): Wait {
    return {
      code: "Quota.Full",
      message: `account ${account}'s job quota is full (${used} of ${limit} jobs exist${external > 0 ? `, ${external} not created by smc-waves` : ""}); the next job starts when one is deleted`,
    };
  },
  planLimit(held: number, limit: number, maxJobs: number): Wait {
    return {
      code: "Quota.PlanLimit",
      message:
        limit < maxJobs
          ? `the plan holds ${held} jobs, its fair share (${limit}) of a quota other plans also want`
          : `the plan holds ${held} jobs, its maxJobs (${maxJobs})`,
    };
  },
  runningCap(account: string, limit: number): Wait {
    return {
      code: "Quota.RunningCap",
      message: `account ${account} already runs ${limit} jobs, its running cap; this job starts when one stops running`,
    };
  },
  window(wave: string, opensAt: number, timezone: string): Wait {
    return {
      code: "Wave.Window",
      message: `wave ${wave} starts new jobs only in its window, which opens at ${iso(opensAt)} (${timezone})`,
    };
  },
  notBefore(wave: string, at: number): Wait {
    return { code: "Wave.NotBefore", message: `wave ${wave} does not start before ${iso(at)}` };
  },
  earlierWave(wave: string): Wait {
    return { code: "Wave.Earlier", message: `waits for wave ${wave} to finish` };
  },
  draining(wave: string, why: string, inFlight: number): Wait {
    return {
      code: "Wave.Draining",
      message: `wave ${wave} starts nothing more (${why}); waiting for ${inFlight} server(s) in flight`,
    };
  },
  approval(wave: string, planId: string): Wait {
    return {
      code: "Wave.Approval",
      message: `wave ${wave} waits for approval before it starts: 'smc-waves approve ${planId} --wave ${wave}'`,
    };
  },
  waveCutover(wave: string, inSync: number, how: string): Wait {
    return {
      code: "Wave.Cutover",
      message: `${inSync} server(s) of wave ${wave} are in sync and wait for their cut-over (${how}); the wave ends once every one is cut over`,
    };
  },
  cutoverManual(planId: string, wave: string, imageId: string): Wait {
    return {
      code: "Cutover.Manual",
      message: `in sync (image ${imageId || "?"}); cut over with 'smc-waves cutover ${planId} --wave ${wave}' (it keeps syncing and holds its quota slot until then)`,
    };
  },
  cutoverWindow(opensAt: number, timezone: string): Wait {
    return {
      code: "Cutover.Window",
      message: `in sync; cuts over in its window, which opens at ${iso(opensAt)} (${timezone})`,
    };
  },
  cutoverMidSync(jobId: string, businessStatus: string, windowClosesAt?: number): Wait {
    return {
      code: "Cutover.MidSync",
      message: `cut-over due, but job ${jobId} is mid-sync (${businessStatus || "Running"}): CutOverReplicationJob is accepted only between runs, so it starts when this run ends${windowClosesAt === undefined ? "" : `, if before the window closes at ${iso(windowClosesAt)}`}`,
    };
  },
  cutoverPaused(): Wait {
    return {
      code: "Cutover.Paused",
      message: "in sync; the plan is paused, so its cut-over waits for resume",
    };
  },
  cutoverOverrun(jobId: string, closedAt: number): Wait {
    return {
      code: "Cutover.Overrun",
      message: `the cut-over window closed at ${iso(closedAt)}; the final sync of job ${jobId} cannot be stopped and goes on until the job finishes`,
    };
  },
  cutoverSource(jobId: string, message: string): Wait {
    return {
      code: "Cutover.Source",
      message: `the final sync of job ${jobId} needs its source, which the service refuses (${message}); asking again at every poll`,
    };
  },
  cutoverTimedOut(jobId: string, closedAt: number): Wait {
    return {
      code: "Cutover.TimedOut",
      message: `the cut-over window closed at ${iso(closedAt)} before job ${jobId}'s cut-over could start, and onTimeout is fail: the server fails once this run ends and its job can be deleted`,
    };
  },
  cancelMidSync(jobId: string): Wait {
    return {
      code: "Cutover.Cancelling",
      message: `the plan was cancelled; job ${jobId} is mid-sync, and is cleaned up when this run ends`,
    };
  },
  paused(): Wait {
    return { code: "Plan.Paused", message: "the plan is paused: no new job starts until resumed" };
  },
  cancelling(inFlight: number): Wait {
    return {
      code: "Plan.Cancelling",
      message: `cancelled; waiting for ${inFlight} server(s) in flight to settle`,
    };
  },
  stopping(jobId: string, businessStatus: string): Wait {
    return {
      code: "Job.Stopping",
      message: `stopping job ${jobId}: the service stops a job only while it is Syncing, and it is ${businessStatus || "not yet"}; asking again at every poll`,
    };
  },
  smcUnreachable(code: string, since: number, retryInMs: number): Wait {
    return {
      code: "Smc.Unreachable",
      message: `the SMC endpoint has not answered since ${iso(since)} (${code}); retrying in ${Math.ceil(retryInMs / 1000)} s, for as long as the outage lasts — a job that reached the service meanwhile is adopted, never made twice`,
    };
  },
  throttled(code: string, throttles: number, retryInMs: number): Wait {
    return {
      code: "Smc.Throttled",
      message: `SMC is throttling the account (${code}, ${throttles} time(s) in a row); retrying in ${Math.ceil(retryInMs / 1000)} s`,
    };
  },
};

export const ends = {
  sourceUnresolved(detail: string): EndReason {
    return { code: "Plan.SourceUnresolved", message: detail };
  },
  jobExpired(jobId: string): EndReason {
    return {
      code: "ReplicationJob.Expired",
      message: `job ${jobId} passed its ValidTime before it finished`,
    };
  },
  jobGone(jobId: string): EndReason {
    return {
      code: "ReplicationJob.NotFound",
      message: `job ${jobId} was deleted outside smc-waves`,
    };
  },
  jobInError(jobId: string, code: string, restarts: number, info: string): EndReason {
    return {
      code,
      message: `job ${jobId} is InError${restarts > 0 ? ` after ${restarts} restart(s)` : ""}: ${info || "no StatusInfo"}`,
    };
  },
  refused(code: string, action: string, message: string): EndReason {
    return { code, message: `${action}: ${message}` };
  },
  gaveUp(code: string, action: string, attempts: number, message: string): EndReason {
    return {
      code,
      message: `${action}: ${message} (gave up after ${attempts} attempts while the service answered other calls)`,
    };
  },
  throttledTooLong(code: string, action: string, throttles: number): EndReason {
    return {
      code,
      message: `${action}: throttled ${throttles} times in a row, more than maxThrottleRetries allows`,
    };
  },
  cancelledBeforeStart(): EndReason {
    return {
      code: "Cancelled.NotStarted",
      message: "the plan was cancelled before this server started",
    };
  },
  cancelledBeforeCreate(): EndReason {
    return {
      code: "Cancelled.NoJob",
      message: "the plan was cancelled before this server's job was created",
    };
  },
  cancelledJobEnded(jobId: string, jobStatus: string, kept: boolean, planId: string): EndReason {
    return {
      code: kept ? "Cancelled.JobKept" : "Cancelled.JobDeleted",
      message: kept
        ? `the plan was cancelled; job ${jobId} (${jobStatus}) is kept because onFinish is keep: free it with 'smc-waves release ${planId}'`
        : `the plan was cancelled; job ${jobId} (${jobStatus}) was deleted`,
    };
  },
  cutOver(by: string, imageId: string, syncData: boolean): EndReason {
    return {
      code: "Job.CutOver",
      message: `cut over (${by}) ${syncData ? "after a final sync" : "without a final sync"}: image ${imageId || "?"}`,
    };
  },
  cutoverWindowMissed(jobId: string, cron: string, timezone: string, closedAt: number): EndReason {
    return {
      code: "Cutover.WindowMissed",
      message: `the cut-over window ("${cron}" in ${timezone}) closed at ${iso(closedAt)} while job ${jobId} was mid-sync, so its cut-over could not start, and onTimeout is fail`,
    };
  },
  cancelledInSync(jobId: string, imageId: string, kept: boolean, planId: string): EndReason {
    return {
      code: kept ? "Cancelled.InSyncKept" : "Cancelled.InSync",
      message: kept
        ? `the plan was cancelled before the cut-over; incremental job ${jobId} (last image ${imageId || "?"}) is kept because onFinish is keep and goes on syncing: free it with 'smc-waves release ${planId}'`
        : `the plan was cancelled before the cut-over; incremental job ${jobId} was deleted (its images stay, the last ${imageId || "?"})`,
    };
  },
  skipped(wave: string): EndReason {
    return {
      code: "Skipped.Halted",
      message: `not started: wave ${wave} failed and the plan halts (onWaveFailure: halt)`,
    };
  },
  waveFailed(failed: number, tolerated: number): EndReason {
    return {
      code: "Wave.Failed",
      message: `${failed} server(s) failed, more than maxFailedServers (${tolerated})`,
    };
  },
  waveCancelled(): EndReason {
    return { code: "Wave.Cancelled", message: "the plan was cancelled" };
  },
  planCancelled(stopRunning: boolean, by: string): EndReason {
    return {
      code: "Plan.Cancelled",
      message: stopRunning
        ? `cancelled by ${by}; running jobs were stopped`
        : `cancelled by ${by}; jobs already running were let finish`,
    };
  },
  planHalted(wave: string, why: string, failures: readonly string[]): EndReason {
    return {
      code: "Plan.Halted",
      message: `wave ${wave} failed and onWaveFailure is halt: ${why}${failures.length > 0 ? `. ${failures.join("; ")}` : ""}`,
    };
  },
  wavesFailed(waves: readonly string[]): EndReason {
    return { code: "Plan.WavesFailed", message: `wave(s) ${waves.join(", ")} failed` };
  },
};

function assertNever(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}
