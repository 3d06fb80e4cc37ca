import type { OrchestratorContext } from "./context.ts";
import { planJobId, wake } from "./jobCatalogue.ts";
import type { ServerSlot } from "./quotaLedger.ts";
import type { PlanRecord, ServerRecord } from "./storeRecords.ts";
import type { ServerStatus } from "./views.ts";

/** Where a server's state changes are written, logged and announced, in one place. */
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

  get waveName(): string {
    return this.plan.spec.waves[this.server.wave]?.name ?? String(this.server.wave);
  }

  get slot(): ServerSlot {
    return {
      account: this.plan.spec.account,
      planId: this.plan.id,
      index: this.server.index,
      sourceId: this.server.sourceId ?? "",
    };
  }

  async record(event: string, detail?: string): Promise<void> {
    const at = this.#ctx.clock.now();
    await this.#ctx.store.appendHistory(this.plan.id, this.server.index, {
      at,
      event,
      ...(detail === undefined ? {} : { detail }),
    });
  }

  async update(patch: Parameters<OrchestratorContext["store"]["updateServer"]>[2]): Promise<void> {
    await this.#ctx.store.updateServer(this.plan.id, this.server.index, patch);
    this.server = applyPatch(this.server, patch);
  }

  async setStatus(status: ServerStatus, detail?: string): Promise<void> {
    await this.update({ status });
    await this.record(`server:${status}`, detail);
    this.#ctx.events.emit("server:status", {
      planId: this.plan.id,
      wave: this.waveName,
      key: this.server.key,
      status,
      ...(this.server.sourceId ? { sourceId: this.server.sourceId } : {}),
      ...(this.server.jobId ? { jobId: this.server.jobId } : {}),
      ...(detail ? { reason: detail } : {}),
    });
  }

  /**
   * The server failed for good. Its reservation goes back; a job that still exists keeps its quota
   * slot and source lock (it is unfinished), so a person can look at it or retry it.
   */
  async fail(code: string, message: string): Promise<void> {
    const { account } = this.plan.spec;
    if (!this.server.jobId) await this.#ctx.ledger.releaseReservation(this.slot);
    else await this.#ctx.ledger.releaseRunning(account, this.server.jobId);
    await this.update({
      errorCode: code,
      errorMessage: message,
      finishedAt: this.#ctx.clock.now(),
    });
    await this.setStatus("failed", `${code}: ${message}`);
    await this.wakeDispatcher();
  }

  /** The plan was cancelled before this server's job existed: give its reservation back. */
  async cancelBeforeCreate(): Promise<void> {
    await this.#ctx.ledger.releaseReservation(this.slot);
    await this.update({ finishedAt: this.#ctx.clock.now() });
    await this.setStatus("cancelled", "plan cancelled before the job was created");
    await this.wakeDispatcher();
  }

  /** Hand the server back to the dispatcher: it starts again from `pending` when admitted. */
  async requeue(code: string, message: string): Promise<void> {
    await this.#ctx.ledger.releaseReservation(this.slot);
    await this.update({ errorCode: code, errorMessage: message });
    await this.setStatus("pending", `${code}: ${message}`);
    await this.wakeDispatcher();
  }

  async wakeDispatcher(): Promise<void> {
    await wake(this.#ctx.queues.plans, planJobId(this.plan.id, this.plan.generation));
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
