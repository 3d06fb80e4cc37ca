/**
 * The statuses of a plan, a wave and a server, and which moves between them are allowed. Pure data
 * at the bottom of the import graph: the store refuses every write that this table does not allow,
 * the scheduler and the views read the same words, and nothing else defines a status.
 */

export const PLAN_STATUSES = [
  /** Submitted; no wave has started yet. */
  "pending",
  "running",
  /** An operator paused it: no new job starts; jobs already running go on. */
  "paused",
  /** Cancelled while jobs were in flight: it ends `cancelled` once each of them has settled. */
  "cancelling",
  "succeeded",
  "failed",
  "cancelled",
] as const;

export const WAVE_STATUSES = [
  "pending",
  /** Held before it starts until a person approves it (`gate: manual`). */
  "waiting-approval",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  /** Never started: an earlier wave failed and the plan halted. */
  "skipped",
] as const;

export const SERVER_STATUSES = [
  /** Not admitted yet; `waiting` on the record says why, when something holds it. */
  "pending",
  /** Holds a quota slot and its source; its replication job is being created (or found). */
  "creating",
  /** Its replication job exists and is being started or watched. */
  "running",
  /**
   * An incremental job (`runOnce: false`) has its first full image and re-syncs every `frequency`
   * hours: in sync, holding its quota slot and source until it is cut over.
   */
  "syncing",
  /** CutOverReplicationJob was asked for: the last sync (if any) runs, then the job finishes. */
  "cutting-over",
  /** Its plan was cancelled with --stop-running: its job is being stopped and cleaned up. */
  "stopping",
  "succeeded",
  "failed",
  "cancelled",
  /** Never started: its wave (or an earlier one) failed and the plan halted. */
  "skipped",
] as const;

export type PlanStatus = (typeof PLAN_STATUSES)[number];
export type WaveStatus = (typeof WAVE_STATUSES)[number];
export type ServerStatus = (typeof SERVER_STATUSES)[number];

/** How many servers are in each status (of a wave, a plan). */
export type ServerCounts = Record<ServerStatus, number>;

type Moves<S extends string> = Readonly<Record<S, readonly S[]>>;

/**
 * Every move a plan may make. Ended plans move again only through retry-failed, back to running;
 * a succeeded plan may too, when a wave tolerated failed servers (`maxFailedServers`).
 */
const PLAN_MOVES: Moves<PlanStatus> = {
  pending: ["running", "paused", "cancelling", "cancelled"],
  running: ["paused", "cancelling", "cancelled", "succeeded", "failed"],
  paused: ["running", "cancelling", "cancelled"],
  cancelling: ["cancelled"],
  succeeded: ["running"],
  failed: ["running"],
  cancelled: ["running"],
};

/** Waves go back to pending only through retry-failed. */
const WAVE_MOVES: Moves<WaveStatus> = {
  pending: ["waiting-approval", "running", "cancelled", "skipped"],
  "waiting-approval": ["running", "cancelled", "skipped"],
  running: ["succeeded", "failed", "cancelled"],
  succeeded: ["pending"],
  failed: ["pending"],
  cancelled: ["pending"],
  skipped: ["pending"],
};

/**
 * A server's moves. `creating → pending` hands a server back when its source or the quota turned
 * out to be taken; ended servers move again only through retry-failed (back to pending to start
 * over, or to running when its job is kept and restarted).
 */
const SERVER_MOVES: Moves<ServerStatus> = {
  pending: ["creating", "failed", "cancelled", "skipped"],
  creating: ["pending", "running", "failed", "cancelled"],
  running: ["succeeded", "failed", "syncing", "stopping", "cancelled"],
  syncing: ["cutting-over", "failed", "stopping", "cancelled"],
  // A cut-over under way is the migration's last step: a cancel lets it finish.
  "cutting-over": ["succeeded", "failed"],
  stopping: ["succeeded", "failed", "cancelled"],
  succeeded: [],
  failed: ["pending", "running"],
  cancelled: ["pending", "running"],
  skipped: ["pending"],
};

const ENDED_PLAN: ReadonlySet<PlanStatus> = new Set(["succeeded", "failed", "cancelled"]);
const ENDED_WAVE: ReadonlySet<WaveStatus> = new Set([
  "succeeded",
  "failed",
  "cancelled",
  "skipped",
]);
const ENDED_SERVER: ReadonlySet<ServerStatus> = new Set([
  "succeeded",
  "failed",
  "cancelled",
  "skipped",
]);

/** The three kinds of thing that have a status. */
export type Subject = "plan" | "wave" | "server";

export interface StatusOf {
  plan: PlanStatus;
  wave: WaveStatus;
  server: ServerStatus;
}

const MOVES: { [S in Subject]: Moves<StatusOf[S]> } = {
  plan: PLAN_MOVES,
  wave: WAVE_MOVES,
  server: SERVER_MOVES,
};

const ENDED: { [S in Subject]: ReadonlySet<StatusOf[S]> } = {
  plan: ENDED_PLAN,
  wave: ENDED_WAVE,
  server: ENDED_SERVER,
};

/** Whether `subject` may move from `from` to `to`. Staying put is not a move. */
export function canMove<S extends Subject>(
  subject: S,
  from: StatusOf[S],
  to: StatusOf[S],
): boolean {
  return (MOVES[subject][from] as readonly string[]).includes(to);
}

/** The statuses from which `to` may be reached: what the store's compare-and-set accepts. */
export function statusesBefore<S extends Subject>(subject: S, to: StatusOf[S]): StatusOf[S][] {
  const moves = MOVES[subject] as Moves<StatusOf[S]>;
  return (Object.keys(moves) as StatusOf[S][]).filter((from) => moves[from].includes(to));
}

/** Ended: nothing more happens unless an operator retries. */
export function isEnded<S extends Subject>(subject: S, status: StatusOf[S]): boolean {
  return ENDED[subject].has(status);
}

/** Servers whose job is being created or exists and is watched: the ones a wave waits for (and the store's in-flight index holds). */
export function isInFlight(status: ServerStatus): boolean {
  return IN_FLIGHT.has(status);
}

const IN_FLIGHT: ReadonlySet<ServerStatus> = new Set([
  "creating",
  "running",
  "syncing",
  "cutting-over",
  "stopping",
]);

/** What retry-failed puts back: servers that ended without migrating. */
export function isRetryable(status: ServerStatus): boolean {
  return status === "failed" || status === "cancelled" || status === "skipped";
}
