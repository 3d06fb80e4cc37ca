import type { EndReason, WaitReason } from "../lifecycle/reasons.ts";
import type { ServerStatus } from "../lifecycle/statuses.ts";
import type { JobSettings } from "../plan/compiledPlan.ts";
import type { OrchestratorContext } from "./context.ts";
import { planJobId, wake } from "./jobCatalogue.ts";
import type { ServerSlot } from "./store/quotaLedger.ts";
import type { ServerPatch, ServerRef } from "./store/serverStore.ts";
import type { Moved } from "./store/statusMoves.ts";
import type { PlanRecord, ServerRecord } from "./store/storeRecords.ts";

/**
 * Where one server's state changes are written, logged and announced. Every status change is a
 * compare-and-set from the status this step last saw, so a step that lost a race (an operator's
 * cancel, another daemon) learns it and stops instead of overwriting.
 */
export class ServerOutcome {
  readonly #ctx: OrchestratorContext;
  readonly plan: PlanRecord;
  server: ServerRecord;

  constructor(ctx: OrchestratorContext, plan: PlanRecord, server: ServerRecord) {
    this.#ctx = ctx;
    this.plan = plan;
    this.server = server;
  }

  get context(): OrchestratorContext {
    return this.#ctx;
  }

  get account(): string {
    return this.plan.spec.account;
  }

  get waveName(): string {
    return this.plan.spec.waves[this.server.wave]?.name ?? String(this.server.wave);
  }

  get ref(): ServerRef {
    return { planId: this.plan.id, index: this.server.index, wave: this.server.wave };
  }

  get slot(): ServerSlot {
    return {
      account: this.account,
      planId: this.plan.id,
      index: this.server.index,
      sourceId: this.server.sourceId ?? "",
    };
  }

  /** The server's job settings from the plan. */
  get settings(): JobSettings | undefined {
    return this.plan.spec.waves[this.server.wave]?.servers.find((s) => s.key === this.server.key)
      ?.settings;
  }

  async record(event: string, detail?: string): Promise<void> {
    await this.#ctx.servers.appendHistory(this.plan.id, this.server.index, {
      at: this.#ctx.clock.now(),
      event,
      ...(detail === undefined ? {} : { detail }),
    });
  }

  /** Fields other than the status; the step owns its server while it runs. */
  async update(patch: ServerPatch): Promise<void> {
    await this.#ctx.servers.patchServer(this.plan.id, this.server.index, patch);
    this.server = applyPatch(this.server, patch);
  }

  /** Says why the server is held up (or, with undefined, that it is not), writing only a change. */
  async waitFor(waiting: Omit<WaitReason, "since"> | undefined): Promise<void> {
    if (waiting === undefined) {
      if (this.server.waiting) await this.update({ waiting: null });
      return;
    }
    if (this.server.waiting?.message === waiting.message) return;
    const since =
      this.server.waiting?.code === waiting.code
        ? this.server.waiting.since
        : this.#ctx.clock.now();
    await this.update({ waiting: { ...waiting, since } });
  }

  /**
   * Moves the server from the status this step saw to `to`. False when something else moved it
   * first: the caller then stops, and the server's next step reads the new status.
   */
  async moveTo(
    to: ServerStatus,
    options: { patch?: ServerPatch; detail?: string; reason?: EndReason } = {},
  ): Promise<boolean> {
    const from = this.server.status;
    const patch: ServerPatch = {
      ...options.patch,
      ...(options.reason
        ? { reasonCode: options.reason.code, reason: options.reason.message }
        : {}),
      // Whatever held it up is over once it moves.
      waiting: null,
    };
    const moved: Moved<"server"> = await this.#ctx.servers.moveServer(this.ref, {
      to,
      from: [from],
      generation: this.server.generation,
      patch,
      ...((options.detail ?? options.reason)
        ? { detail: options.detail ?? `${options.reason?.code}: ${options.reason?.message}` }
        : {}),
    });
    if (!moved.ok) return false;
    this.server = applyPatch({ ...this.server, status: to }, patch);
    this.#ctx.events.emit("server:status", {
      planId: this.plan.id,
      wave: this.waveName,
      key: this.server.key,
      status: to,
      generation: this.server.generation,
      ...(this.server.sourceId ? { sourceId: this.server.sourceId } : {}),
      ...(this.server.jobId ? { jobId: this.server.jobId } : {}),
      ...(options.reason ? { reason: `${options.reason.code}: ${options.reason.message}` } : {}),
      ...(!options.reason && options.detail ? { reason: options.detail } : {}),
    });
    return true;
  }

  /** The step has nothing more to do for this server: wake the plan, which may now move on. */
  async wakeDispatcher(): Promise<void> {
    await wake(
      this.#ctx.wakes,
      this.#ctx.queues.plans,
      planJobId(this.plan.id, this.plan.generation),
    );
  }
}

/** The record as Redis now holds it: `null` deleted the field, `undefined` left it alone. */
function applyPatch(server: ServerRecord, patch: object): ServerRecord {
  const next: Record<string, unknown> = { ...server };
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete next[field];
    else if (value !== undefined) next[field] = value;
  }
  return next as unknown as ServerRecord;
}
