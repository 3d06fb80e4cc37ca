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
  /** `largestFirst` (by source bytes) keeps a wave's tail short; `asListed` keeps the YAML order. */
  order: "largestFirst" | "asListed";
  servers: CompiledServer[];
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
