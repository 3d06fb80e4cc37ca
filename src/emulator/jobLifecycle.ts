/**
 * The replication job state machine as pure functions of (job, now, settings): no clock, no store,
 * no generator state. Seeded draws come from `derivedSeed(seed, jobId, counter)`, so replaying the
 * same calls at the same emulated times gives the same jobs. The store advances every job lazily to
 * "now" on each request instead of keeping a timer per job; what a job shows between transitions
 * (Progress, BusinessStatus) is derived in jobProgress.ts. See MODEL.md for the choices.
 */
import { refresh } from "./jobProgress.ts";
import type { ActiveRun, JobRecord, RunPhases } from "./records.ts";
import { derivedSeed, seededRandom } from "./seededRandom.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Expired jobs are kept this long, then removed (contract rule 9). */
export const EXPIRED_RETENTION_MS = 7 * DAY;

export interface SimulationSettings {
  /** Seeds every draw of the simulation. */
  seed: number;
  /** Copy speed of the Syncing phase, bytes per emulated second. */
  bandwidthBytesPerSecond: number;
  /** Probability (0–1) that a Running segment drops to InError with ErrorCode=InternalError. */
  jobErrorRate: number;
}

type JobEventKind =
  | "started"
  | "stopped"
  | "runCompleted"
  | "imagePruned"
  | "finished"
  | "failed"
  | "expired"
  | "removed";

export interface JobEvent {
  kind: JobEventKind;
  jobId: string;
  /** Emulated time of the transition (not of the request that noticed it). */
  at: number;
  /** +1 when the job entered Running, -1 when it left Running, 0 otherwise. */
  runningDelta: -1 | 0 | 1;
}

export interface Advanced {
  job: JobRecord;
  events: JobEvent[];
}

/** Statuses a passing ValidTime turns into Expired (every unfinished one but Expired itself). */
const EXPIRABLE = new Set(["Ready", "Running", "Stopped", "InError", "Waiting"]);

/** Copy the parts of a job the transitions change, so callers' records are never mutated. */
function draft(job: JobRecord): JobRecord {
  return { ...job, runs: [...job.runs], run: job.run ? { ...job.run } : null };
}

/**
 * Phase durations of one run: Preparing 3–7 min (transition instance, agent handshake), Syncing the
 * bytes over the bandwidth (at least one minute, so a Stop always has a window), Processing 8–12 min
 * plus 5% of the sync (image building), Cleaning 2–4 min. Syncing carries a ×0.8–1.25 jitter.
 */
function planPhases(bytes: number, settings: SimulationSettings, draw: () => number): RunPhases {
  const jitter = 0.8 + draw() * 0.45;
  const syncing = Math.max(
    MINUTE,
    Math.round((bytes / settings.bandwidthBytesPerSecond) * 1000 * jitter),
  );
  return {
    preparing: Math.round(3 * MINUTE + draw() * 4 * MINUTE),
    syncing,
    processing: Math.round(8 * MINUTE + draw() * 4 * MINUTE + syncing * 0.05),
    cleaning: Math.round(2 * MINUTE + draw() * 2 * MINUTE),
  };
}

/** Incremental runs after the first copy only the changes: this share of the full bytes. */
const INCREMENTAL_SHARE = 0.1;

function beginRun(
  job: JobRecord,
  at: number,
  type: "Manual" | "Schedule",
  settings: SimulationSettings,
): ActiveRun {
  const runNumber = job.runs.length + 1;
  const random = seededRandom(derivedSeed(settings.seed, job.jobId, "run", runNumber));
  const bytes = job.runs.length === 0 ? job.bytes : Math.round(job.bytes * INCREMENTAL_SHARE);
  const phases = planPhases(bytes, settings, random.next);
  return {
    type,
    startedAt: at,
    phases,
    workMs: phases.preparing + phases.syncing + phases.processing + phases.cleaning,
    doneMs: 0,
    segmentStartedAt: null,
    failAtMs: null,
    imageId: `m-${random.chars(20)}`,
  };
}

/** Enter Running at `at`: draws whether (and where) this segment fails. Mutates the draft. */
function beginSegment(
  job: JobRecord,
  run: ActiveRun,
  at: number,
  settings: SimulationSettings,
): JobEvent {
  job.segments += 1;
  const random = seededRandom(derivedSeed(settings.seed, job.jobId, "segment", job.segments));
  const fails = random.next() < settings.jobErrorRate;
  const remaining = run.workMs - run.doneMs;
  run.segmentStartedAt = at;
  // The failure lands strictly inside the remaining work so that it is observable as Running first.
  run.failAtMs = fails
    ? run.doneMs + Math.max(1, Math.floor(remaining * (0.1 + 0.8 * random.next())))
    : null;
  job.run = run;
  job.status = "Running";
  job.errorCode = "";
  job.statusInfo = "";
  job.firstStartedAt ??= at;
  if (job.transitionInstanceId === "") job.transitionInstanceId = `i-${random.chars(20)}`;
  return { kind: "started", jobId: job.jobId, at, runningDelta: 1 };
}

/** Start (or resume) a job that is Ready, Stopped or InError. The caller has checked the rules. */
export function startJob(
  job: JobRecord,
  at: number,
  settings: SimulationSettings,
  type: "Manual" | "Schedule" = "Manual",
): Advanced {
  const next = draft(job);
  const run = next.run ?? beginRun(next, at, type, settings);
  if (next.run === null) next.startTime = at;
  const event = beginSegment(next, run, at, settings);
  refresh(next, at);
  return { job: next, events: [event] };
}

function closeSegment(job: JobRecord, run: ActiveRun, at: number): void {
  if (run.segmentStartedAt === null) return;
  job.runningMs += at - run.segmentStartedAt;
  run.doneMs = Math.min(run.workMs, run.doneMs + (at - run.segmentStartedAt));
  run.segmentStartedAt = null;
  run.failAtMs = null;
}

/** Pause a Running job (the caller has checked it is Syncing). */
export function stopJob(job: JobRecord, at: number): Advanced {
  const next = draft(job);
  if (next.run) closeSegment(next, next.run, at);
  next.status = "Stopped";
  refresh(next, at);
  return { job: next, events: [{ kind: "stopped", jobId: job.jobId, at, runningDelta: -1 }] };
}

/** The next transition due for `job`, or null when nothing is scheduled. */
function nextTransition(
  job: JobRecord,
): { at: number; apply: (j: JobRecord, s: SimulationSettings) => JobEvent[] } | null {
  const candidates: Array<{
    at: number;
    apply: (j: JobRecord, s: SimulationSettings) => JobEvent[];
  }> = [];
  const run = job.run;
  if (job.status === "Running" && run && run.segmentStartedAt !== null) {
    const segmentStart = run.segmentStartedAt;
    if (run.failAtMs !== null) {
      const failAt = run.failAtMs;
      candidates.push({
        at: segmentStart + (failAt - run.doneMs),
        apply: (j) => fail(j, segmentStart + (failAt - run.doneMs)),
      });
    } else {
      const doneAt = segmentStart + (run.workMs - run.doneMs);
      candidates.push({ at: doneAt, apply: (j) => completeRun(j, doneAt) });
    }
  }
  if (job.status === "Ready" && job.scheduledStartTime !== null && job.run === null) {
    const at = job.scheduledStartTime;
    candidates.push({ at, apply: (j, s) => scheduledStart(j, at, s) });
  }
  if (job.status === "Waiting" && job.nextRunAt !== null) {
    const at = job.nextRunAt;
    candidates.push({ at, apply: (j, s) => scheduledStart(j, at, s) });
  }
  if (EXPIRABLE.has(job.status) && job.validTime !== null) {
    const at = job.validTime;
    candidates.push({ at, apply: (j) => expire(j, at) });
  }
  if (job.status === "Expired" && job.expiredAt !== null) {
    const at = job.expiredAt + EXPIRED_RETENTION_MS;
    candidates.push({ at, apply: (j) => remove(j, at) });
  }
  // Earliest first; on a tie the run's own end wins over expiry (pushed first, stable sort).
  candidates.sort((a, b) => a.at - b.at);
  return candidates[0] ?? null;
}

function scheduledStart(job: JobRecord, at: number, settings: SimulationSettings): JobEvent[] {
  job.nextRunAt = null;
  const run = beginRun(job, at, "Schedule", settings);
  job.startTime = at;
  return [beginSegment(job, run, at, settings)];
}

function fail(job: JobRecord, at: number): JobEvent[] {
  if (job.run) closeSegment(job, job.run, at);
  job.status = "InError";
  job.errorCode = "InternalError";
  job.statusInfo = JSON.stringify({
    error_code: "InternalError",
    error_msg: "The replication failed due to an internal error; start the job again to resume.",
  });
  return [{ kind: "failed", jobId: job.jobId, at, runningDelta: -1 }];
}

function completeRun(job: JobRecord, at: number): JobEvent[] {
  const run = job.run;
  if (!run) return [];
  closeSegment(job, run, at);
  job.runs.push({
    startTime: run.startedAt,
    endTime: at,
    imageId: run.imageId,
    type: run.type,
    imageDeletedAt: null,
  });
  job.imageId = run.imageId;
  job.endTime = at;
  job.run = null;
  const pruned = job.runOnce ? [] : pruneImages(job, at);
  if (job.runOnce || job.cutOverAt !== null) {
    finish(job, at);
    return [{ kind: "finished", jobId: job.jobId, at, runningDelta: -1 }, ...pruned];
  }
  job.status = "Waiting";
  job.nextRunAt = at + job.frequency * HOUR;
  return [{ kind: "runCompleted", jobId: job.jobId, at, runningDelta: -1 }, ...pruned];
}

/** Finished: no more runs. A cut-over job also gives back its transition instance (contract §5). */
function finish(job: JobRecord, at: number): void {
  job.status = "Finished";
  job.finishedAt = at;
  job.nextRunAt = null;
  // [model] the released transition instance shows as an empty TransitionInstanceId. A RunOnce job
  // keeps it until it is deleted (rule 6).
  if (job.cutOverAt !== null) job.transitionInstanceId = "";
}

/**
 * [model] An incremental job keeps at most MaxNumberOfImageToKeep images: after each run the oldest
 * ones beyond that are deleted. Their runs stay in ReplicationJobRuns with their ImageId.
 */
function pruneImages(job: JobRecord, at: number): JobEvent[] {
  const kept = job.runs.filter((run) => run.imageDeletedAt === null);
  const excess = kept.length - Math.max(1, job.maxNumberOfImageToKeep);
  if (excess <= 0) return [];
  const doomed = new Set(kept.slice(0, excess));
  // Runs are shared with the record the draft was made from: replace them, never mutate.
  job.runs = job.runs.map((run) => (doomed.has(run) ? { ...run, imageDeletedAt: at } : run));
  return [...doomed].map(() => ({ kind: "imagePruned", jobId: job.jobId, at, runningDelta: 0 }));
}

/**
 * CutOverReplicationJob on a Waiting job (the caller has checked the status): no more scheduled
 * runs. With `syncData` one last run (Type Manual) starts now and the job finishes when it ends;
 * without, the job finishes at once with the images it has.
 */
export function cutOverJob(
  job: JobRecord,
  at: number,
  syncData: boolean,
  settings: SimulationSettings,
): Advanced {
  const next = draft(job);
  next.nextRunAt = null;
  next.cutOverAt = at;
  if (!syncData) {
    finish(next, at);
    refresh(next, at);
    return { job: next, events: [{ kind: "finished", jobId: job.jobId, at, runningDelta: 0 }] };
  }
  const run = beginRun(next, at, "Manual", settings);
  next.startTime = at;
  const event = beginSegment(next, run, at, settings);
  refresh(next, at);
  return { job: next, events: [event] };
}

/**
 * A Waiting job after its Frequency changed: [model] (contract §5) the next run starts at
 * max(now, last run's end + Frequency), so a shorter Frequency takes effect at once.
 */
export function rescheduleNextRun(job: JobRecord, now: number): JobRecord {
  const lastEnd = job.runs.at(-1)?.endTime;
  if (job.status !== "Waiting" || lastEnd === undefined) return job;
  return { ...job, nextRunAt: Math.max(now, lastEnd + job.frequency * HOUR) };
}

function expire(job: JobRecord, at: number): JobEvent[] {
  const wasRunning = job.status === "Running";
  if (job.run) closeSegment(job, job.run, at);
  job.status = "Expired";
  job.expiredAt = at;
  job.nextRunAt = null;
  return [{ kind: "expired", jobId: job.jobId, at, runningDelta: wasRunning ? -1 : 0 }];
}

function remove(job: JobRecord, at: number): JobEvent[] {
  job.deletedAt = at;
  return [{ kind: "removed", jobId: job.jobId, at, runningDelta: 0 }];
}

/**
 * When the job's next transition is due (run end or failure, scheduled start, next incremental
 * run, expiry, removal); null when nothing is scheduled. Cheap: lets the store skip idle jobs.
 */
export function nextTransitionAt(job: JobRecord): number | null {
  if (job.deletedAt !== null) return null;
  // The same candidates as nextTransition, without building them: this runs for every job on
  // every request.
  let at = Number.POSITIVE_INFINITY;
  const run = job.run;
  if (job.status === "Running" && run && run.segmentStartedAt !== null) {
    at = run.segmentStartedAt + ((run.failAtMs ?? run.workMs) - run.doneMs);
  }
  if (job.status === "Ready" && job.scheduledStartTime !== null && run === null) {
    at = Math.min(at, job.scheduledStartTime);
  }
  if (job.status === "Waiting" && job.nextRunAt !== null) at = Math.min(at, job.nextRunAt);
  if (EXPIRABLE.has(job.status) && job.validTime !== null) at = Math.min(at, job.validTime);
  if (job.status === "Expired" && job.expiredAt !== null)
    at = Math.min(at, job.expiredAt + EXPIRED_RETENTION_MS);
  return Number.isFinite(at) ? at : null;
}

/**
 * Every transition due up to `now`, in order, then the derived fields as of `now`. A deleted job
 * is returned unchanged.
 */
export function advance(job: JobRecord, now: number, settings: SimulationSettings): Advanced {
  if (job.deletedAt !== null) return { job, events: [] };
  const next = draft(job);
  const events: JobEvent[] = [];
  for (
    let transition = nextTransition(next);
    transition && transition.at <= now;
    transition = nextTransition(next)
  ) {
    events.push(...transition.apply(next, settings));
    if (next.deletedAt !== null) return { job: next, events };
  }
  refresh(next, now);
  return { job: next, events };
}
