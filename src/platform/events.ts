import { EventEmitter } from "node:events";
import type { PlanStatus, ServerStatus, WaveStatus } from "../orchestrator/views.ts";

/**
 * Everything that happens in a migration, as one typed event map. The logger, the metrics and the
 * tests subscribe to it; the orchestrator and the SMC client publish to it.
 */
export interface MigrationEventMap {
  "plan:submitted": { planId: string; servers: number };
  "plan:status": { planId: string; status: PlanStatus; reason?: string };
  "wave:status": { planId: string; wave: string; status: WaveStatus; reason?: string };
  "server:status": {
    planId: string;
    wave: string;
    key: string;
    sourceId?: string;
    status: ServerStatus;
    jobId?: string;
    reason?: string;
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
