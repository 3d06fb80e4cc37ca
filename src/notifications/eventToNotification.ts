import type { MigrationEventMap } from "../platform/events.ts";
import type { NotificationEvent } from "./notificationEvents.ts";

/** One server that failed, as a failure message lists it. */
export interface ServerFailure {
  key: string;
  code: string;
  message: string;
  /** When a daemon saw it fail, epoch ms. */
  at: number;
}

/**
 * A fact worth telling people, before any message format. Plain data: it travels in BullMQ job
 * data and is rendered again on every delivery try.
 */
export interface Notification {
  event: NotificationEvent;
  /**
   * The fact's identity, the same on every daemon that sees it (`wave:<plan>:<wave>:g0:finished`):
   * the queue and the receiver drop repeats by it. Parts are URI-encoded, so it is ASCII.
   */
  key: string;
  /** When this daemon saw the fact, epoch ms. */
  at: number;
  planId: string;
  wave?: string;
  /** A server's key, for a message about one server. */
  server?: string;
  reason?: string;
  /** plan.submitted: servers in the plan. */
  servers?: number;
  /** gate.waiting: what waits. */
  gate?: string;
  jobId?: string;
  imageId?: string;
  /** server.failed: the first failures, oldest first (at most `FAILURES_LISTED`). */
  failures?: ServerFailure[];
  /** server.failed: failures in the group, listed or not. */
  failureCount?: number;
}

/** Servers one failure message names; the rest are "and N more". */
export const FAILURES_LISTED = 20;

/** The events mapped one to one; `server:status` failures are grouped instead (serverFailureOf). */
type MappedEventName =
  | "plan:submitted"
  | "plan:status"
  | "wave:status"
  | "gate:waiting"
  | "cutover:ready"
  | "cutover:done";

export type MappedEvent = {
  [E in MappedEventName]: { name: E; payload: MigrationEventMap[E] };
}[MappedEventName];

const part = (text: string | number): string => encodeURIComponent(String(text));
const keyOf = (...parts: (string | number)[]): string => parts.map(part).join(":");
/** Emitters that do not say the run yet are taken as the first; see `generation` in events.ts. */
const run = (generation: number | undefined): string => `g${generation ?? 0}`;

const PLAN_EVENTS: Partial<Record<string, NotificationEvent>> = {
  running: "plan.started",
  succeeded: "plan.succeeded",
  failed: "plan.failed",
  cancelled: "plan.cancelled",
};

const WAVE_EVENTS: Partial<Record<string, NotificationEvent>> = {
  running: "wave.started",
  // A wave that ended within its failure allowance; `failed` is the other ending.
  succeeded: "wave.finished",
  failed: "wave.failed",
};

/**
 * The notification a migration event makes, or undefined for events nobody is told about (a plan
 * paused, a resume, a wave cancelled with its plan). Pure: `at` is the caller's clock.
 */
export function eventToNotification(event: MappedEvent, at: number): Notification | undefined {
  switch (event.name) {
    case "plan:submitted": {
      const { planId, servers } = event.payload;
      return {
        event: "plan.submitted",
        key: keyOf("plan", planId, "submitted"),
        at,
        planId,
        servers,
      };
    }
    case "plan:status": {
      const { planId, status, reason, generation, previous } = event.payload;
      const kind = PLAN_EVENTS[status];
      // Running again after a pause is a resume: the people who paused it know.
      if (!kind || (status === "running" && previous === "paused")) return undefined;
      return {
        event: kind,
        key: keyOf("plan", planId, run(generation), status === "running" ? "started" : status),
        at,
        planId,
        ...(reason ? { reason } : {}),
      };
    }
    case "wave:status": {
      const { planId, wave, status, reason, generation } = event.payload;
      const kind = WAVE_EVENTS[status];
      if (!kind) return undefined;
      return {
        event: kind,
        key: keyOf("wave", planId, wave, run(generation), kind.slice("wave.".length)),
        at,
        planId,
        wave,
        ...(reason ? { reason } : {}),
      };
    }
    case "gate:waiting": {
      const { planId, wave, gate, reason, generation } = event.payload;
      return {
        event: "gate.waiting",
        key: keyOf("gate", planId, wave, gate, run(generation), "waiting"),
        at,
        planId,
        wave,
        gate,
        ...(reason ? { reason } : {}),
      };
    }
    case "cutover:ready":
    case "cutover:done": {
      const { planId, wave, key, jobId, imageId, generation } = event.payload;
      const what = event.name === "cutover:ready" ? "ready" : "done";
      return {
        event: event.name === "cutover:ready" ? "cutover.ready" : "cutover.done",
        key: keyOf("cutover", planId, wave, ...(key ? [key] : []), run(generation), what),
        at,
        planId,
        wave,
        ...(key ? { server: key } : {}),
        ...(jobId ? { jobId } : {}),
        ...(imageId ? { imageId } : {}),
      };
    }
  }
}

/** A failed server, with the field that identifies it within its wave's failure group. */
export interface RecordedFailure {
  planId: string;
  wave: string;
  /** The same server failing again in the same run overwrites, never repeats. */
  field: string;
  failure: ServerFailure;
}

/** `Code.Part: message` as ServerOutcome.fail writes a failed server's reason. */
const CODED_REASON = /^([A-Za-z][\w.]*): ([\s\S]*)$/;

/** The failure a `server:status` event reports, or undefined when it is not a failure. */
export function serverFailureOf(
  payload: MigrationEventMap["server:status"],
  at: number,
): RecordedFailure | undefined {
  if (payload.status !== "failed") return undefined;
  const coded = payload.reason ? CODED_REASON.exec(payload.reason) : null;
  return {
    planId: payload.planId,
    wave: payload.wave,
    field: `${payload.key}#${run(payload.generation)}`,
    failure: {
      key: payload.key,
      code: coded?.[1] ?? "Failed",
      message: coded?.[2] ?? payload.reason ?? "no reason given",
      at,
    },
  };
}

/** The one message of a wave's failure group `groupId` (see ServerFailureGroups). */
export function failureGroupNotification(
  group: { planId: string; wave: string; groupId: string },
  failures: readonly ServerFailure[],
  at: number,
): Notification {
  const ordered = [...failures].sort((a, b) => a.at - b.at || a.key.localeCompare(b.key));
  return {
    event: "server.failed",
    key: keyOf("servers-failed", group.planId, group.wave, group.groupId),
    at,
    planId: group.planId,
    wave: group.wave,
    failures: ordered.slice(0, FAILURES_LISTED),
    failureCount: ordered.length,
  };
}
