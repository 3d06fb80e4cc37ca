import type { CompiledPlan } from "../plan/compiledPlan.ts";
import type { PlanStatus, ServerStatus, WaveStatus } from "./views.ts";

/**
 * The records the store keeps in Redis hashes, and their encoding: every field a string, absent
 * fields absent, numbers and booleans as JSON.
 */

/** A plan's record: its spec plus what the dispatcher tracks. */
export interface PlanRecord {
  id: string;
  spec: CompiledPlan;
  specHash: string;
  status: PlanStatus;
  reason?: string;
  submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Index of the wave the dispatcher is on. */
  wave: number;
  /** Bumped by retry-failed so that BullMQ job ids, which are kept for a while, are new. */
  generation: number;
}

/** A server's record: everything the server job needs to resume after a crash. */
export interface ServerRecord {
  index: number;
  wave: number;
  key: string;
  status: ServerStatus;
  sourceId?: string;
  name?: string;
  jobId?: string;
  jobStatus?: string;
  businessStatus?: string;
  progress: number;
  imageId?: string;
  attempts: number;
  restarts: number;
  errorCode?: string;
  errorMessage?: string;
  /** Bytes to copy, from the source's partitions; orders a wave largest first. */
  sizeBytes: number;
  /** The job's own ErrorCode and StatusInfo when it lands in InError, as last polled. */
  jobErrorCode?: string;
  jobStatusInfo?: string;
  /** The job's StartTime and EndTime as the service reports them (ISO 8601). */
  jobStartTime?: string;
  jobEndTime?: string;
  /**
   * Set once the job was seen Finished: from then on the server only finishes, whatever a late
   * poll says (a retried delete makes the job vanish from the poller's view).
   */
  finishing: boolean;
  /** Set before the first CreateReplicationJob: from then on a create looks for its job first. */
  createTried: boolean;
  /** Set once StartReplicationJob succeeded for the current job. */
  startRequested: boolean;
  startedAt?: number;
  finishedAt?: number;
  generation: number;
}

export interface WaveRecord {
  status: WaveStatus;
  reason?: string;
  startedAt?: number;
  finishedAt?: number;
}

export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function planFields(plan: PlanRecord): Record<string, unknown> {
  return { ...plan, spec: JSON.stringify(plan.spec) };
}

export function encode(record: object): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [field, value] of Object.entries(record)) {
    if (value === undefined || value === null) continue;
    fields[field] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return fields;
}

const int = (value: string | undefined): number | undefined =>
  value === undefined || value === "" ? undefined : Number(value);

export function decodePlan(raw: Record<string, string>, spec: CompiledPlan): PlanRecord {
  return {
    id: raw.id ?? "",
    spec,
    specHash: raw.specHash ?? "",
    status: (raw.status ?? "pending") as PlanStatus,
    submittedAt: int(raw.submittedAt) ?? 0,
    wave: int(raw.wave) ?? 0,
    generation: int(raw.generation) ?? 0,
    ...optional("reason", raw.reason),
    ...optional("startedAt", int(raw.startedAt)),
    ...optional("finishedAt", int(raw.finishedAt)),
  };
}

export function decodeWave(raw: Record<string, string>): WaveRecord {
  return {
    status: (raw.status ?? "pending") as WaveStatus,
    ...optional("reason", raw.reason),
    ...optional("startedAt", int(raw.startedAt)),
    ...optional("finishedAt", int(raw.finishedAt)),
  };
}

export function decodeServer(raw: Record<string, string>): ServerRecord {
  return {
    index: int(raw.index) ?? 0,
    wave: int(raw.wave) ?? 0,
    key: raw.key ?? "",
    status: (raw.status ?? "pending") as ServerStatus,
    progress: int(raw.progress) ?? 0,
    attempts: int(raw.attempts) ?? 0,
    restarts: int(raw.restarts) ?? 0,
    sizeBytes: int(raw.sizeBytes) ?? 0,
    startRequested: raw.startRequested === "true",
    finishing: raw.finishing === "true",
    createTried: raw.createTried === "true",
    generation: int(raw.generation) ?? 0,
    ...optional("sourceId", raw.sourceId),
    ...optional("name", raw.name),
    ...optional("jobId", raw.jobId),
    ...optional("jobStatus", raw.jobStatus),
    ...optional("businessStatus", raw.businessStatus),
    ...optional("imageId", raw.imageId),
    ...optional("errorCode", raw.errorCode),
    ...optional("jobErrorCode", raw.jobErrorCode),
    ...optional("jobStatusInfo", raw.jobStatusInfo),
    ...optional("jobStartTime", raw.jobStartTime),
    ...optional("jobEndTime", raw.jobEndTime),
    ...optional("errorMessage", raw.errorMessage),
    ...optional("startedAt", int(raw.startedAt)),
    ...optional("finishedAt", int(raw.finishedAt)),
  };
}
