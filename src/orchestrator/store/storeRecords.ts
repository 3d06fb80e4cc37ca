import type { WaitReason } from "../../lifecycle/reasons.ts";
import type { PlanStatus, ServerStatus, WaveStatus } from "../../lifecycle/statuses.ts";
import type { CompiledPlan } from "../../plan/compiledPlan.ts";
import type { CutoverRequest } from "../../scheduler/cutoverDecision.ts";

/**
 * The records the store keeps in Redis hashes, and their encoding: every field a string, absent
 * fields absent, numbers, booleans and objects as JSON.
 */

/** Why a plan, wave or server is in its status: an ended one's cause, a failure's code. */
interface Reasoned {
  /** A code of the service's or of ours (lifecycle/reasons.ts); absent while nothing went wrong. */
  reasonCode?: string;
  /** The sentence a person reads. */
  reason?: string;
  /** Set while something not ended is held up; absent when it is moving. */
  waiting?: WaitReason;
}

/** A plan's record: its spec plus what the dispatcher tracks. */
export interface PlanRecord extends Reasoned {
  id: string;
  spec: CompiledPlan;
  specHash: string;
  status: PlanStatus;
  submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Index of the wave the dispatcher is on. */
  wave: number;
  /** Bumped by retry-failed so that BullMQ job ids, which are kept for a while, are new. */
  generation: number;
  /** Set by `cancel --stop-running`: in-flight servers stop their jobs instead of letting them finish. */
  stopRunning: boolean;
  /**
   * Real time until which retry-failed may still be putting servers and waves back: the dispatcher
   * waits, so that it never walks past a wave that is about to go back to pending. A lease, not a
   * flag: a retry that crashed midway holds the plan up only until then.
   */
  retryingUntil?: number;
}

/** A server's record: everything the server job needs to resume after a crash. */
export interface ServerRecord extends Reasoned {
  index: number;
  wave: number;
  key: string;
  status: ServerStatus;
  sourceId?: string;
  name?: string;
  /** Position in the wave's start order, set when the wave starts; lower starts first. */
  rank?: number;
  jobId?: string;
  jobStatus?: string;
  businessStatus?: string;
  progress: number;
  imageId?: string;
  /** API calls of this server that failed transiently or were throttled, for the report. */
  attempts: number;
  /** Transient failures in a row of the current step while the service answered others. */
  retries: number;
  /** Throttled answers in a row of the current step. */
  throttles: number;
  restarts: number;
  /** Bytes to copy, from the source's partitions; orders a wave largest first. */
  sizeBytes: number;
  /** The job's own ErrorCode and StatusInfo when it lands in InError, as last polled. */
  jobErrorCode?: string;
  jobStatusInfo?: string;
  /** The job's StartTime and EndTime as the service reports them (ISO 8601). */
  jobStartTime?: string;
  jobEndTime?: string;
  /**
   * How the server ends, written before its job is cleaned up: from then on its step only
   * completes this end, whatever a late poll says (a retried delete makes the job vanish).
   */
  ending?: PendingEnd;
  /** Set before the first CreateReplicationJob: from then on a create looks for its job first. */
  createTried: boolean;
  /** Set once StartReplicationJob succeeded for the current job. */
  startRequested: boolean;
  /** Set once StopReplicationJob was accepted for the current job. */
  stopRequested: boolean;
  /** Why the server's job stays in the account after the server ended (report, `release`). */
  keptJob?: string;
  startedAt?: number;
  finishedAt?: number;
  generation: number;
  /** Runs of its incremental job recorded in its history, each with its image. */
  syncRuns?: number;
  /** The newest recorded run's end (epoch ms) and image: "in sync as of". */
  lastSyncAt?: number;
  lastSyncImageId?: string;
  /** `restarts` when the current run began: `jobRestarts` counts per run of a weeks-long job. */
  restartsBeforeRun?: number;
  /** A person asked for this server's cut-over (its wave's request is on the wave). */
  cutoverRequest?: CutoverRequest;
  /** Set while a window's cut-over is due but the job is mid-sync: when that opening closes. */
  cutoverDueUntil?: number;
  /** The cut-over, from its start (server `cutting-over`) to its image. */
  cutover?: CutoverRecord;
}

/** A server's cut-over as it happens; every time is epoch ms, world time. */
export interface CutoverRecord {
  /** On whose word: a person's name, `window` or `immediate`. */
  by: string;
  startedAt: number;
  syncData: boolean;
  /** When CutOverReplicationJob was accepted. */
  acceptedAt?: number;
  /** For a window's cut-over: when that opening closes (a final sync may run past it). */
  windowClosesAt?: number;
  /** The final sync ran past the window's close, and the history says so. */
  overran?: boolean;
  finishedAt?: number;
  /** The image the job ended with: the final sync's, or the newest before it. */
  imageId?: string;
}

export interface WaveRecord extends Reasoned {
  status: WaveStatus;
  startedAt?: number;
  finishedAt?: number;
  /** Who approved its gate (`gate: manual`) and when, epoch ms. */
  approvedBy?: string;
  approvedAt?: number;
  /** A person asked for the cut-over of every incremental server of the wave. */
  cutoverRequest?: CutoverRequest;
}

/** An end decided but not yet carried out (see orchestrator/serverEnd.ts). */
export interface PendingEnd {
  to: Extract<ServerStatus, "succeeded" | "failed" | "cancelled">;
  reasonCode: string;
  reason: string;
  /** Wait for the service to delete the job (a cancel's clean-up) rather than keep it on an error. */
  retryCleanUp?: boolean;
  /** Keep the job whatever `onFinish` says, for this reason (an incremental job that goes on). */
  keepJob?: string;
}

/** Fields a status change may set besides the status; `null` deletes one. */
export type Patch<T> = { [K in keyof T]?: T[K] | null };

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

function parseJson<T>(raw: string | undefined): T | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

function reasoned(raw: Record<string, string>): Reasoned {
  return {
    ...optional("reasonCode", raw.reasonCode),
    ...optional("reason", raw.reason),
    ...optional("waiting", parseJson<WaitReason>(raw.waiting)),
  };
}

export function decodePlan(raw: Record<string, string>, spec: CompiledPlan): PlanRecord {
  return {
    id: raw.id ?? "",
    spec,
    specHash: raw.specHash ?? "",
    status: (raw.status ?? "pending") as PlanStatus,
    submittedAt: int(raw.submittedAt) ?? 0,
    wave: int(raw.wave) ?? 0,
    generation: int(raw.generation) ?? 0,
    stopRunning: raw.stopRunning === "true",
    ...reasoned(raw),
    ...optional("startedAt", int(raw.startedAt)),
    ...optional("finishedAt", int(raw.finishedAt)),
    ...optional("retryingUntil", int(raw.retryingUntil)),
  };
}

export function decodeWave(raw: Record<string, string>): WaveRecord {
  return {
    status: (raw.status ?? "pending") as WaveStatus,
    ...reasoned(raw),
    ...optional("startedAt", int(raw.startedAt)),
    ...optional("finishedAt", int(raw.finishedAt)),
    ...optional("approvedBy", raw.approvedBy),
    ...optional("approvedAt", int(raw.approvedAt)),
    ...optional("cutoverRequest", parseJson<CutoverRequest>(raw.cutoverRequest)),
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
    retries: int(raw.retries) ?? 0,
    throttles: int(raw.throttles) ?? 0,
    restarts: int(raw.restarts) ?? 0,
    sizeBytes: int(raw.sizeBytes) ?? 0,
    startRequested: raw.startRequested === "true",
    stopRequested: raw.stopRequested === "true",
    createTried: raw.createTried === "true",
    generation: int(raw.generation) ?? 0,
    ...reasoned(raw),
    ...optional("rank", int(raw.rank)),
    ...optional("sourceId", raw.sourceId),
    ...optional("name", raw.name),
    ...optional("jobId", raw.jobId),
    ...optional("jobStatus", raw.jobStatus),
    ...optional("businessStatus", raw.businessStatus),
    ...optional("imageId", raw.imageId),
    ...optional("jobErrorCode", raw.jobErrorCode),
    ...optional("jobStatusInfo", raw.jobStatusInfo),
    ...optional("jobStartTime", raw.jobStartTime),
    ...optional("jobEndTime", raw.jobEndTime),
    ...optional("keptJob", raw.keptJob),
    ...optional("ending", parseJson<PendingEnd>(raw.ending)),
    ...optional("startedAt", int(raw.startedAt)),
    ...optional("finishedAt", int(raw.finishedAt)),
    ...optional("syncRuns", int(raw.syncRuns)),
    ...optional("lastSyncAt", int(raw.lastSyncAt)),
    ...optional("lastSyncImageId", raw.lastSyncImageId),
    ...optional("restartsBeforeRun", int(raw.restartsBeforeRun)),
    ...optional("cutoverRequest", parseJson<CutoverRequest>(raw.cutoverRequest)),
    ...optional("cutoverDueUntil", int(raw.cutoverDueUntil)),
    ...optional("cutover", parseJson<CutoverRecord>(raw.cutover)),
  };
}

/** Splits a patch into fields to set (as strings) and fields to delete (`null`). */
export function splitPatch(patch: object): { set: Record<string, string>; unset: string[] } {
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) unset.push(field);
    else set[field] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { set, unset };
}
