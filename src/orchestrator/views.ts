import type { CompiledPlan } from "../plan/compiledPlan.ts";

/**
 * What the outside (HTTP API, CLI, migration view, report) sees of a migration. The orchestrator
 * builds these from its Redis state; nothing outside it reads that state directly.
 */

export type PlanStatus = "pending" | "running" | "paused" | "succeeded" | "failed" | "cancelled";
export type WaveStatus = PlanStatus;
export type ServerStatus =
  | "pending"
  | "creating"
  | "running"
  | "succeeded"
  | "failed"
  | "cancelled";

export interface HistoryEntry {
  /** Epoch ms. */
  at: number;
  /** What happened, e.g. `job:created`, `job:restarted`, `server:failed`. */
  event: string;
  detail?: string;
}

/** @public */
export interface ServerError {
  /** The service's code (`SourceServerState.Invalid`, a job's `ErrorCode`) or one of ours. */
  code: string;
  message: string;
}

export interface ServerView {
  key: string;
  wave: string;
  /** Resolved id; absent until a `name` reference is resolved. */
  sourceId?: string;
  name?: string;
  status: ServerStatus;
  jobId?: string;
  /** The SMC job's own status and business status, as last polled. */
  jobStatus?: string;
  businessStatus?: string;
  /** Percent, 0–100. */
  progress: number;
  imageId?: string;
  /** API attempts spent on this server (creates and starts that failed transiently). */
  attempts: number;
  /** StartReplicationJob calls after the job landed in InError. */
  restarts: number;
  lastError?: ServerError;
  startedAt?: number;
  finishedAt?: number;
  history: HistoryEntry[];
}

export type ServerCounts = Record<ServerStatus, number>;

export interface WaveSummary {
  name: string;
  index: number;
  status: WaveStatus;
  /** Why a wave or plan is held, failed or cancelled, in words a person understands. */
  reason?: string;
  counts: ServerCounts;
  startedAt?: number;
  finishedAt?: number;
}

/** @public */
export interface WaveView extends WaveSummary {
  servers: ServerView[];
}

export interface PlanSummary {
  id: string;
  name: string;
  regionId: string;
  account: string;
  status: PlanStatus;
  reason?: string;
  submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
  counts: ServerCounts;
  waves: WaveSummary[];
}

export interface PlanView extends Omit<PlanSummary, "waves"> {
  waves: WaveView[];
}

export interface QuotaView {
  account: string;
  /** Replication jobs that exist in the account, ours and others', as the quota counts them. */
  used: number;
  limit: number;
  running: number;
  /** Absent when the account has no running cap. */
  runningLimit?: number;
}

export interface SubmitResult {
  planId: string;
  /** False when the same plan was already submitted: submission is idempotent. */
  created: boolean;
}

/** The operations the service surface (API, CLI) drives. */
export interface Migrations {
  /** Rejects with `PlanConflictError` when another plan of the same name but other content exists. */
  submit(plan: CompiledPlan): Promise<SubmitResult>;
  listPlans(): Promise<PlanSummary[]>;
  getPlan(planId: string): Promise<PlanView | undefined>;
  pause(planId: string): Promise<PlanSummary | undefined>;
  resume(planId: string): Promise<PlanSummary | undefined>;
  cancel(planId: string, options: { stopRunning: boolean }): Promise<PlanSummary | undefined>;
  retryFailed(planId: string): Promise<PlanSummary | undefined>;
  quota(): Promise<QuotaView[]>;
}
