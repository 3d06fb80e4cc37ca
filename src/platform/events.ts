import { EventEmitter } from "node:events";
import type { PlanStatus, ServerStatus, WaveStatus } from "../lifecycle/statuses.ts";

/**
 * Everything that happens in a migration, as one typed event map. The logger, the metrics and the
 * tests subscribe to it; the orchestrator and the SMC client publish to it.
 */
export interface MigrationEventMap {
  "plan:submitted": { planId: string; servers: number };
  "plan:status": {
    planId: string;
    status: PlanStatus;
    reason?: string;
    /** The plan's run (0, then +1 per retry-failed): tells a second "succeeded" from a repeat. */
    generation: number;
    /** The status it left; `running` after `paused` is a resume, not a start. */
    previous: PlanStatus;
  };
  "wave:status": {
    planId: string;
    wave: string;
    status: WaveStatus;
    reason?: string;
    /** The plan's run; see plan:status. */
    generation: number;
  };
  "server:status": {
    planId: string;
    wave: string;
    key: string;
    sourceId?: string;
    status: ServerStatus;
    jobId?: string;
    /** For `failed`: `<code>: <message>`, as ServerOutcome.fail writes it. */
    reason?: string;
    /** The server's run (0, then +1 per retry). */
    generation: number;
  };
  "job:created": { planId: string; wave: string; key: string; sourceId: string; jobId: string };
  "job:adopted": { planId: string; wave: string; key: string; sourceId: string; jobId: string };
  "job:restarted": { planId: string; key: string; jobId: string; errorCode: string };
  "job:finished": {
    planId: string;
    wave: string;
    key: string;
    jobId: string;
    imageId: string;
    /** Emulated or real run time of the replication job, StartTime to EndTime. */
    durationMs: number;
  };
  "job:deleted": { planId: string; key: string; jobId: string };
  "quota:blocked": { account: string; used: number; limit: number };
  "poll:completed": { account: string; jobs: number; calls: number; lagMs: number };
  "reconcile:completed": { account: string; jobs: number; external: number };
  "smc:call": { action: string; durationMs: number; ok: boolean; code?: string };
  "smc:retry": { action: string; code: string; attempt: number; delayMs: number };
  /** A wave waits for a person (an approval, a check) before it goes on. */
  "gate:waiting": {
    planId: string;
    wave: string;
    /** What waits, in words: "approval before wave-2". */
    gate: string;
    reason?: string;
    generation?: number;
  };
  /** Replication is done and the target can be cut over: one server (`key`) or a whole wave. */
  "cutover:ready": {
    planId: string;
    wave: string;
    key?: string;
    jobId?: string;
    imageId?: string;
    generation?: number;
  };
  /** The cutover of one server (`key`) or a whole wave is done. */
  "cutover:done": {
    planId: string;
    wave: string;
    key?: string;
    jobId?: string;
    imageId?: string;
    generation?: number;
  };
  /** A webhook took a notification (2xx; for DingTalk, errcode 0). */
  "notification:delivered": { webhook: string; event: string; attempt: number; latencyMs: number };
  /** One delivery try failed; `final` when none is left (the job is in the queue's failed state). */
  "notification:failed": {
    webhook: string;
    event: string;
    attempt: number;
    final: boolean;
    reason: string;
  };
  /** A notification could not be enqueued (Redis refused it): it is lost, the migration goes on. */
  "notification:dropped": { event: string; reason: string };
}

export type MigrationEventName = keyof MigrationEventMap;

/** A typed wrapper over EventEmitter; listeners that throw do not break the publisher. */
export class MigrationEvents {
  readonly #emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    // Logger, metrics, tests and watchers subscribe; the default limit of 10 is too low for that.
    this.#emitter.setMaxListeners(100);
  }

  emit<E extends MigrationEventName>(event: E, payload: MigrationEventMap[E]): void {
    for (const listener of this.#emitter.listeners(event)) {
      try {
        (listener as (payload: MigrationEventMap[E]) => void)(payload);
      } catch {
        // A broken subscriber (a metrics label typo, a test assertion) must not stop a migration.
      }
    }
  }

  on<E extends MigrationEventName>(
    event: E,
    listener: (payload: MigrationEventMap[E]) => void,
  ): () => void {
    this.#emitter.on(event, listener);
    return () => this.#emitter.off(event, listener);
  }
}
