import type { Logger } from "pino";
import { canMove, type StatusOf, type Subject, statusesBefore } from "../../lifecycle/statuses.ts";
import type { HistoryEntry } from "../views.ts";
import type { ScriptOutcome } from "./statusScripts.ts";

/** A requested move: to where, from which statuses only (by default, every one the table allows), and what else to write. */
export interface Move<S extends Subject, P> {
  to: StatusOf[S];
  /** Only from these statuses (a step that read the record says what it saw). */
  from?: readonly StatusOf[S][];
  patch?: P;
  /** History detail; the entry's event is `<subject>:<status>`. */
  detail?: string;
  by?: string;
}

export type Moved<S extends Subject> =
  | { ok: true; from: StatusOf[S] }
  | { ok: false; current?: StatusOf[S]; why: "refused" | "stale" | "missing" };

/** The statuses a move may start from: what the lifecycle allows, narrowed to what the caller saw. */
export function allowedFrom<S extends Subject>(subject: S, move: Move<S, object>): StatusOf[S][] {
  const legal = statusesBefore(subject, move.to);
  return move.from ? legal.filter((status) => move.from?.includes(status)) : legal;
}

export function historyEntry<S extends Subject>(
  subject: S,
  move: Move<S, object>,
  at: number,
): HistoryEntry {
  return {
    at,
    event: `${subject}:${move.to}`,
    ...(move.detail ? { detail: move.detail } : {}),
    ...(move.by ? { by: move.by } : {}),
  };
}

/**
 * A refusal the caller expected (it named the statuses it saw, and something else moved the
 * record meanwhile) is a race that was won elsewhere: debug. A move the lifecycle forbids from
 * where the record is, is a bug somewhere: refused all the same, and logged as a warning.
 */
export function moveResult<S extends Subject>(
  logger: Logger,
  subject: S,
  label: string,
  move: Move<S, object>,
  outcome: ScriptOutcome,
  previous: string,
): Moved<S> {
  if (outcome === "ok") return { ok: true, from: previous as StatusOf[S] };
  const current = previous === "" ? undefined : (previous as StatusOf[S]);
  if (outcome === "refused" && current !== undefined) {
    // The caller named what it saw and the record has moved since: a race lost, not a bug.
    const raced = move.from !== undefined && !move.from.includes(current);
    const illegal = !raced && !canMove(subject, current, move.to) && current !== move.to;
    const bindings = { subject, record: label, from: current, to: move.to };
    if (illegal) logger.warn(bindings, "illegal status change refused");
    else logger.debug(bindings, "status changed elsewhere first; move not applied");
  }
  return { ok: false, why: outcome, ...(current === undefined ? {} : { current }) };
}
