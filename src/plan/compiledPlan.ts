import type { CreateReplicationJobRequest } from "../smc/types.ts";

/**
 * A plan after validation: defaults merged into every server, durations in milliseconds, names kept
 * for resolution. This is what the orchestrator stores and runs; the YAML never reaches it.
 */
export interface CompiledPlan {
  name: string;
  regionId: string;
  /** Which configured SMC account runs it. @default "default" */
  account: string;
  policy: PlanPolicy;
  waves: CompiledWave[];
}

export interface PlanPolicy {
  /** Replication jobs this plan may hold at once; the account quota caps it further. */
  maxJobs: number;
  pollIntervalMs: number;
  /** Restarts of a job that lands in InError with a transient ErrorCode. */
  jobRestarts: number;
  /** `delete` frees the quota slot once the image exists; `keep` leaves the SMC job in place. */
  onFinish: "delete" | "keep";
  onWaveFailure: "halt" | "continue";
  /** Failed servers a wave tolerates before `onWaveFailure` applies. */
  maxFailedServers: number;
}

export interface CompiledWave {
  name: string;
  /** New jobs start only while a window is open. */
  window?: WaveWindow;
  /** Epoch ms before which the wave does not start. */
  notBefore?: number;
  /**
   * `largestFirst` (by source bytes) keeps a wave's tail short; `packed` plans which jobs share a
   * slot so all slots end together; `asListed` keeps the YAML order.
   */
  order: "largestFirst" | "packed" | "asListed";
  /** `manual`: the wave waits for a person's approval before it starts. */
  gate?: "manual";
  /** How its incremental (`runOnce: false`) servers are cut over; absent when it has none. */
  cutover?: Cutover;
  servers: CompiledServer[];
}

/**
 * When an incremental server's job is cut over (CutOverReplicationJob) once it is in sync:
 * at once (`immediate`), when a person says so (`manual`), or inside a window.
 */
export interface Cutover {
  mode: "immediate" | "manual" | "window";
  /** For `window`: cut-overs start only while it is open. */
  window?: WaveWindow;
  /** Run one last sync before finishing (SyncData). @default true */
  syncData: boolean;
  /** A window that closes before a server's cut-over could start: wait for the next, or fail it. */
  onTimeout: "wait" | "fail";
}

export interface WaveWindow {
  cron: string;
  durationMs: number;
  /** IANA time zone the cron is read in. */
  timezone: string;
}

/** Exactly one of `sourceId` and `name` identifies the source; `name` resolves through SMC. */
export interface ServerRef {
  sourceId?: string;
  name?: string;
}

export interface CompiledServer {
  ref: ServerRef;
  /** Unique within the plan: `sourceId` if given, else `name:<name>`. */
  key: string;
  settings: JobSettings;
  /** Where the server is listed in the plan file (1-based), for messages that point back at it. */
  at?: { line: number; col: number };
}

/**
 * CreateReplicationJob parameters for one server, minus what the orchestrator supplies itself.
 * `validForMs` is relative to creation: the plan says "30d", the API wants a timestamp.
 */
export type JobSettings = Omit<
  CreateReplicationJobRequest,
  "regionId" | "sourceId" | "clientToken" | "validTime"
> & { validForMs?: number };
