import type { ForecastRequest, PlanForecast } from "../forecast/forecastModel.ts";
import type { WaitReason } from "../lifecycle/reasons.ts";
import type { PlanStatus, ServerCounts, ServerStatus, WaveStatus } from "../lifecycle/statuses.ts";
import type { CompiledPlan } from "../plan/compiledPlan.ts";
import type { WaveTimeline } from "./timelineView.ts";

/**
 * What the outside (HTTP API, CLI, migration view, report) sees of a migration. The orchestrator
 * builds these from its Redis state; nothing outside it reads that state directly.
 */

export type { PlanStatus, ServerCounts };

export interface HistoryEntry {
  /** Epoch ms. */
  at: number;
  /** What happened, e.g. `job:created`, `job:restarted`, `server:failed`, `plan:paused`. */
  event: string;
  detail?: string;
  /** Who did it, for operator actions (the API token's name). */
  by?: string;
}

/** Why something is in its status: a failure's code and message, or how it ended. @public */
export interface StatusReason {
  /** The service's code (`SourceServerState.Invalid`, a job's `ErrorCode`) or one of ours. */
  code?: string;
  message: string;
}

export interface ServerView {
  /** Its number in the plan: servers are numbered wave by wave, in the order the plan lists them. */
  index: number;
  key: string;
  wave: string;
  /** Resolved id; absent until a `name` reference is resolved. */
  sourceId?: string;
  name?: string;
  status: ServerStatus;
  /** Why it is in this status (why it failed, was cancelled, skipped; its image once succeeded). */
  reason?: StatusReason;
  /** Why it is not moving, while it has not ended: its own reason, else its wave's or plan's. */
  waiting?: WaitReason;
  jobId?: string;
  /** The SMC job's own status and business status, as last polled. */
  jobStatus?: string;
  businessStatus?: string;
  /** Percent, 0–100. */
  progress: number;
  imageId?: string;
  /** Why the job is still in the account although the server ended (`smc-waves release` frees it). */
  keptJob?: string;
  /** API calls that failed transiently or were throttled. */
  attempts: number;
  /** StartReplicationJob calls after the job landed in InError. */
  restarts: number;
  startedAt?: number;
  finishedAt?: number;
  /** An incremental server's syncs, once it has its first image. */
  sync?: SyncView;
  /** An incremental server's cut-over: asked for, under way or done. */
  cutover?: CutoverView;
  history: HistoryEntry[];
}

/** The runs of an incremental job: how many, and how fresh its newest image is. */
interface SyncView {
  runs: number;
  /** When the newest run ended, epoch ms (world time). */
  lastAt?: number;
  /** Milliseconds since then, on the daemon's clock, while the server is in sync. */
  ageMs?: number;
  lastImageId?: string;
}

/** Who asked for a cut-over and how it went; times are epoch ms (world time). */
interface CutoverView {
  /** On whose word it ran: a person's name, `window`, `immediate` or `outside smc-waves`. */
  by?: string;
  /** A person's request (for the server or its wave), while it waits or after. */
  requestedBy?: string;
  requestedAt?: number;
  startedAt?: number;
  acceptedAt?: number;
  finishedAt?: number;
  /** The image the job ended with. */
  imageId?: string;
  syncData?: boolean;
  /** The final sync ran past its window's close. */
  overran?: boolean;
}

/** A wave's gate and cut-over as the plan says them, with what people did about them. */
interface WaveGateView {
  /** Who approved it and when (epoch ms); absent while it waits. */
  approvedBy?: string;
  approvedAt?: number;
}

export interface WaveCutoverView {
  mode: "immediate" | "manual" | "window";
  window?: { cron: string; timezone: string; durationMs: number };
  syncData: boolean;
  onTimeout: "wait" | "fail";
  /** A person asked for every incremental server of the wave to be cut over. */
  requestedBy?: string;
  requestedAt?: number;
}

/**
 * When a plan or wave is expected to finish, from the daemon's live forecast of where it stands:
 * ISO 8601 world times, the median (P50) and the late case (P90).
 */
interface Eta {
  p50: string;
  p90: string;
}

export interface WaveSummary {
  name: string;
  index: number;
  status: WaveStatus;
  /** How it ended, when it has. */
  reason?: StatusReason;
  /** Why it is held (a window, notBefore, a full quota, a failure draining), while not ended. */
  waiting?: WaitReason;
  counts: ServerCounts;
  startedAt?: number;
  finishedAt?: number;
  /** Present when the wave has `gate: manual`. */
  gate?: WaveGateView;
  /** Present when the wave has incremental servers. */
  cutover?: WaveCutoverView;
  /** While its plan runs and the wave has not ended. */
  eta?: Eta;
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
  reason?: StatusReason;
  waiting?: WaitReason;
  submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
  counts: ServerCounts;
  waves: WaveSummary[];
  /** While the plan is pending or running: when it is expected to end, and as of when. */
  eta?: Eta & { asOf: string };
}

/**
 * A plan as `GET /api/plans/:id` answers it: its waves' counts and reasons, its history and its
 * account's quota, and no servers (those come in pages), so its size does not grow with the plan.
 */
export interface PlanDetail extends PlanSummary {
  /** Operator actions and status changes of the plan and its waves, oldest first. */
  history: HistoryEntry[];
  quota?: PlanQuotaView;
}

/** The plan's account's quota, with the slots this plan holds (its jobs, kept ones included). */
export interface PlanQuotaView extends QuotaView {
  heldByPlan: number;
}

export interface DetailOptions {
  /** Every entry of the plan's history (the report's audit trail), not only the newest 300. */
  fullHistory?: boolean;
}

/** Which of a plan's servers a page holds; `cursor` and `limit` are checked by the API. */
export interface ServerQuery {
  /** One wave's servers (its name); absent: the whole plan's, wave by wave. */
  wave?: string;
  /** Only servers in one of these statuses. */
  statuses?: readonly ServerStatus[];
  /** Only servers waiting for something of their own (a held source, a retry). */
  waiting?: boolean;
  /** Only servers that left a job in the account. */
  kept?: boolean;
  /** Include each server's history. */
  history?: boolean;
  /** Position in plan order to start at: 0, or a page's `nextCursor`. */
  cursor: number;
  limit: number;
}

export interface ServerPage {
  planId: string;
  wave?: string;
  servers: (Omit<ServerView, "history"> & { history?: HistoryEntry[] })[];
  /** Where the next page starts; absent on the last page. */
  nextCursor?: string;
  /** Servers the query matches in all, where the counts say it (not with `waiting` or `kept`). */
  total?: number;
}

export interface PlanView extends Omit<PlanSummary, "waves"> {
  waves: WaveView[];
  /** Operator actions and status changes of the plan and its waves, oldest first. */
  history: HistoryEntry[];
}

export interface QuotaView {
  account: string;
  /** Replication jobs that exist in the account, ours and others', as the quota counts them. */
  used: number;
  limit: number;
  /** Jobs running now in the account, ours and others', as last polled. */
  running: number;
  /** Absent when the account has no running cap. */
  runningLimit?: number;
}

/** A problem with a plan that does not stop it from running, placed at the server's line. */
export interface PlanWarning {
  line: number;
  col: number;
  message: string;
}

export interface SubmitResult {
  planId: string;
  /** False when the same plan was already submitted: submission is idempotent. */
  created: boolean;
  /** Sources also listed by other plans that have not ended: this plan's servers wait for them. */
  warnings: PlanWarning[];
}

/** One replication job in the account, with who it belongs to. */
export interface AccountJobView {
  jobId: string;
  name: string;
  sourceId: string;
  status: string;
  businessStatus?: string;
  /** The plan and server that made it; absent for a job smc-waves did not create. */
  owner?: { planId: string; server?: string; planStatus?: PlanStatus; serverStatus?: ServerStatus };
  /** Why it is still there when its server has ended, else absent. */
  leftBehind?: string;
  imageId?: string;
  /** ISO 8601, as the service reports it. */
  creationTime: string;
  /** Milliseconds since creation, on the daemon's clock. */
  ageMs: number;
}

export interface ReleaseResult {
  planId: string;
  /** Jobs deleted by this call. */
  deleted: { jobId: string; server: string; jobStatus: string }[];
  /** Jobs that could not be deleted now (running ones), with why. */
  remaining: { jobId: string; server: string; why: string }[];
}

/** What `cutover` did for each incremental server it names. */
export interface CutoverResult {
  planId: string;
  wave: string;
  requestedBy: string;
  servers: {
    server: string;
    status: ServerStatus;
    /**
     * `now`: in sync, its cut-over starts (between two runs of its job); `when-in-sync`: once its
     * first image exists; `under-way`: already cutting over; `done`: cut over before; `ended`:
     * failed, cancelled or skipped (retry-failed first).
     */
    outcome: "now" | "when-in-sync" | "under-way" | "done" | "ended";
  }[];
}

/** Who asked for an operator action, as the history and the log record it. */
export interface Actor {
  /** The API token's name, `operator` for the single SMC_WAVES_API_TOKEN, `cli` in-process. */
  name: string;
}

/** The operations the service surface (API, CLI) drives. */
export interface Migrations {
  /** Rejects with `PlanConflictError` when another plan of the same name but other content exists. */
  submit(plan: CompiledPlan, actor?: Actor): Promise<SubmitResult>;
  /** What submitting would warn about, without submitting. */
  check(plan: CompiledPlan): Promise<PlanWarning[]>;
  listPlans(): Promise<PlanSummary[]>;
  /** Every server with its history: in-process readers, and the report (a download). */
  getPlan(planId: string): Promise<PlanView | undefined>;
  /**
   * One wave's jobs as they happened, its windows and the forecast of the rest, at most `limit`
   * servers' jobs; rejects with `PlanTargetError` for a wave the plan lacks.
   */
  timeline(
    planId: string,
    options: { wave: string; limit?: number },
  ): Promise<WaveTimeline | undefined>;
  /** The plan without its servers, whatever its size: what the API and the view poll. */
  planDetail(planId: string, options?: DetailOptions): Promise<PlanDetail | undefined>;
  /** A page of the plan's servers; rejects with `PlanTargetError` for a wave the plan lacks. */
  serverPage(planId: string, query: ServerQuery): Promise<ServerPage | undefined>;
  pause(planId: string, actor?: Actor): Promise<PlanSummary | undefined>;
  resume(planId: string, actor?: Actor): Promise<PlanSummary | undefined>;
  cancel(
    planId: string,
    options: { stopRunning: boolean },
    actor?: Actor,
  ): Promise<PlanSummary | undefined>;
  retryFailed(planId: string, actor?: Actor): Promise<PlanSummary | undefined>;
  /**
   * Approves a wave's gate (`gate: manual`), while it waits or in advance; rejects with
   * `PlanTargetError` for a wave the plan lacks, `PlanStateError` for one with no gate or approved.
   */
  approve(
    planId: string,
    options: { wave: string },
    actor?: Actor,
  ): Promise<PlanSummary | undefined>;
  /** Cuts over a wave's incremental servers (or one of them) now, or as soon as each is in sync. */
  cutover(
    planId: string,
    options: { wave: string; server?: string },
    actor?: Actor,
  ): Promise<CutoverResult | undefined>;
  /** Deletes every job the plan left in the account; the plan must have ended. */
  release(planId: string, actor?: Actor): Promise<ReleaseResult | undefined>;
  quota(): Promise<QuotaView[]>;
  /** When the plan will finish, from where it stands now; undefined for an unknown plan. */
  forecast(planId: string, request?: ForecastRequest): Promise<PlanForecast | undefined>;
  /** When a plan not submitted would finish if it started now. */
  forecastNew(plan: CompiledPlan, request?: ForecastRequest): Promise<PlanForecast>;
  /** Every job in the account, ours and others'; undefined for an unknown account. */
  accountJobs(account: string): Promise<AccountJobView[] | undefined>;
}
