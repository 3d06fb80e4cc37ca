/**
 * The emulator's one in-memory store: sources, jobs, tags, ClientTokens and the stats about them.
 * `sync(now)` brings every job to `now` through the pure state machine before any request looks at
 * the store, so state is always exactly what the emulated clock says. Single-threaded by nature:
 * each request runs to completion on the event loop, so there are no races between requests.
 */
import { UNFINISHED_JOB_STATUSES } from "../smc/types.ts";
import {
  advance,
  type JobEvent,
  nextTransitionAt,
  type SimulationSettings,
} from "./jobLifecycle.ts";
import { runningTime, withProgress } from "./jobProgress.ts";
import type { JobRecord, SourceRecord } from "./records.ts";
import { derivedSeed, type SeededRandom, seededRandom } from "./seededRandom.ts";
import { StatsRecorder } from "./statsRecorder.ts";

export type ResourceType = "sourceserver" | "replicationjob";

/** Per job, on the emulated clock: what the orchestrator's tests judge a run by. */
export interface JobTimelineEntry {
  jobId: string;
  sourceId: string;
  name: string;
  clientToken: string;
  status: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  deletedAt: string | null;
  /** Bytes a full run copies. */
  bytes: number;
  /** Emulated time spent Running (ms), over all runs and segments. */
  runDurationMs: number;
  runs: number;
}

/** One image a job's run produced: it outlives its job (rule 6) unless the job pruned it. */
interface ImageEntry {
  imageId: string;
  jobId: string;
  sourceId: string;
  /** The run that made it: its end on the emulated clock. */
  createdAt: string;
  /** When the job deleted it to keep MaxNumberOfImageToKeep; null while it exists. */
  deletedAt: string | null;
  runType: "Manual" | "Schedule";
}

export interface StoreSettings {
  /** Jobs that may exist at once (QuotaExceeded.ReplicationJob past it). */
  quota: number;
  /** Jobs that may be Running at once; undefined for no cap. */
  maxRunningJobs: number | undefined;
  simulation: SimulationSettings;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export class EmulatorStore {
  readonly settings: StoreSettings;
  readonly stats = new StatsRecorder();
  readonly sources = new Map<string, SourceRecord>();
  /** Jobs that exist (any status); deleted ones move to `#deleted`. Insertion order = creation order. */
  readonly #jobs = new Map<string, JobRecord>();
  #deleted: JobRecord[] = [];
  /** ClientToken → JobId, kept after the job is deleted so a late retry never makes a second job. */
  readonly tokens = new Map<string, string>();
  /** `type/id` → tag key → value, in insertion order. */
  readonly tags = new Map<string, Map<string, string>>();
  #ids: SeededRandom;
  #syncedTo = Number.NEGATIVE_INFINITY;
  /** Sources with a Running job; rebuilt on demand after any change to jobs (null = stale). */
  #runningSources: Set<string> | null = null;

  constructor(settings: StoreSettings) {
    this.settings = settings;
    this.#ids = seededRandom(derivedSeed(settings.simulation.seed, "ids"));
  }

  /** A fresh `prefix-` + 20 lowercase alphanumerics id, seeded. */
  newId(prefix: string): string {
    return `${prefix}-${this.#ids.chars(20)}`;
  }

  /** Replaces everything with `sources` and forgets jobs, tags, tokens and stats. */
  reset(sources: readonly SourceRecord[]): void {
    this.sources.clear();
    for (const source of sources) this.sources.set(source.sourceId, structuredClone(source));
    this.#jobs.clear();
    this.#runningSources = null;
    this.#deleted = [];
    this.tokens.clear();
    this.tags.clear();
    this.stats.reset();
    this.#ids = seededRandom(derivedSeed(this.settings.simulation.seed, "ids"));
  }

  /**
   * Advances every job with a transition due by `now`, applying the transitions to the stats in
   * time order. Idle jobs are not touched: Progress of Running jobs is derived on read (`view`).
   */
  sync(now: number): void {
    if (now < this.#syncedTo) now = this.#syncedTo; // the clock never runs backwards for the store
    this.#syncedTo = now;
    const events: JobEvent[] = [];
    for (const job of this.#jobs.values()) {
      const due = nextTransitionAt(job);
      if (due === null || due > now) continue;
      const advanced = advance(job, now, this.settings.simulation);
      events.push(...advanced.events);
      if (advanced.job.deletedAt !== null) {
        this.#jobs.delete(job.jobId);
        this.#deleted.push(advanced.job);
        this.tags.delete(`replicationjob/${job.jobId}`);
      } else {
        this.#jobs.set(job.jobId, advanced.job);
      }
    }
    this.applyEvents(events);
  }

  /** Applies transitions to the stats; sorted so the running peak is the true peak. */
  applyEvents(events: readonly JobEvent[]): void {
    if (events.length === 0) return;
    this.#runningSources = null;
    const ordered = [...events].sort((a, b) => a.at - b.at || a.runningDelta - b.runningDelta);
    for (const event of ordered) {
      if (event.runningDelta !== 0) this.stats.running(event.runningDelta);
      if (event.kind === "finished") this.stats.count("jobsFinished");
      if (event.kind === "failed") this.stats.count("jobsFailed");
      if (event.kind === "expired") this.stats.count("jobsExpired");
      if (event.kind === "removed") this.stats.count("jobsRemoved");
      if (event.kind === "runCompleted") this.stats.count("runsCompleted");
      if (event.kind === "imagePruned") this.stats.count("imagesPruned");
    }
    this.recordJobCounts();
  }

  /** Refreshes current job counts and their peaks; call after every change to the set of jobs. */
  recordJobCounts(): void {
    const perSource = new Map<string, number>();
    let unfinished = 0;
    for (const job of this.#jobs.values()) {
      if (!UNFINISHED_JOB_STATUSES.has(job.status)) continue;
      unfinished += 1;
      perSource.set(job.sourceId, (perSource.get(job.sourceId) ?? 0) + 1);
    }
    this.stats.jobs(this.#jobs.size, unfinished, Math.max(0, ...perSource.values()));
  }

  jobs(): IterableIterator<JobRecord> {
    return this.#jobs.values();
  }

  /** A job with Progress and BusinessStatus as of the last sync. */
  job(jobId: string): JobRecord | undefined {
    const job = this.#jobs.get(jobId);
    return job && this.view(job);
  }

  /** `job` with its derived fields (Progress, BusinessStatus) as of the last sync. */
  view(job: JobRecord): JobRecord {
    return withProgress(job, this.#syncedTo);
  }

  /** Stores a new or changed job record (records are replaced, never mutated in place). */
  putJob(job: JobRecord): void {
    this.#jobs.set(job.jobId, job);
    this.#runningSources = null;
  }

  /** Deletes a job now: it leaves the quota, frees its source, and its tags go with it. */
  deleteJob(jobId: string, now: number): void {
    const job = this.#jobs.get(jobId);
    if (!job) return;
    this.#jobs.delete(jobId);
    this.#runningSources = null;
    this.#deleted.push({ ...job, deletedAt: now });
    this.tags.delete(`replicationjob/${jobId}`);
    this.stats.count("jobsDeleted");
    this.recordJobCounts();
  }

  get jobCount(): number {
    return this.#jobs.size;
  }

  runningCount(): number {
    let running = 0;
    for (const job of this.#jobs.values()) if (job.status === "Running") running += 1;
    return running;
  }

  jobsOfSource(sourceId: string): JobRecord[] {
    return [...this.#jobs.values()].filter((job) => job.sourceId === sourceId);
  }

  /** The state the service reports: InUse while one of the source's jobs is Running. */
  sourceState(source: SourceRecord): SourceRecord["baseState"] | "InUse" {
    if (source.baseState !== "Available") return source.baseState;
    if (this.#runningSources === null) {
      this.#runningSources = new Set();
      for (const job of this.#jobs.values()) {
        if (job.status === "Running") this.#runningSources.add(job.sourceId);
      }
    }
    return this.#runningSources.has(source.sourceId) ? "InUse" : "Available";
  }

  /** Every job ever created, deleted ones included (admin route, tests). */
  allJobs(): JobRecord[] {
    return [...this.#deleted, ...this.#jobs.values()].sort(
      (a, b) => a.creationTime - b.creationTime,
    );
  }

  timeline(now: number): JobTimelineEntry[] {
    return this.allJobs().map((job) => ({
      jobId: job.jobId,
      sourceId: job.sourceId,
      name: job.name,
      clientToken: job.clientToken,
      status: job.deletedAt === null ? job.status : "Deleted",
      createdAt: new Date(job.creationTime).toISOString(),
      startedAt: iso(job.firstStartedAt),
      finishedAt: iso(job.finishedAt),
      deletedAt: iso(job.deletedAt),
      bytes: job.bytes,
      runDurationMs: runningTime(job, job.deletedAt ?? now),
      runs: job.runs.length,
    }));
  }

  /** Every image ever produced, oldest first; `jobId` narrows to one job's. */
  images(jobId?: string): ImageEntry[] {
    return this.allJobs()
      .filter((job) => jobId === undefined || job.jobId === jobId)
      .flatMap((job) =>
        job.runs.map((run) => ({
          imageId: run.imageId,
          jobId: job.jobId,
          sourceId: job.sourceId,
          createdAt: new Date(run.endTime).toISOString(),
          deletedAt: iso(run.imageDeletedAt),
          runType: run.type,
        })),
      )
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  tagsOf(type: ResourceType, id: string): Map<string, string> {
    const key = `${type}/${id}`;
    const tags = this.tags.get(key) ?? new Map<string, string>();
    this.tags.set(key, tags);
    return tags;
  }

  resourceExists(type: ResourceType, id: string): boolean {
    return type === "sourceserver" ? this.sources.has(id) : this.#jobs.has(id);
  }
}
