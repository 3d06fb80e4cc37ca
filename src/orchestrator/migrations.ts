import { createHash } from "node:crypto";
import type { CompiledPlan } from "../plan/compiledPlan.ts";
import { isSmcError } from "../smc/errors.ts";
import type { OrchestratorContext } from "./context.ts";
import { enqueueServer, planJobId } from "./jobCatalogue.ts";
import { allIndexes } from "./migrationStore.ts";
import { ServerOutcome } from "./serverOutcome.ts";
import type { PlanRecord } from "./storeRecords.ts";
import type { Migrations, PlanSummary, QuotaView, SubmitResult } from "./views.ts";

/** Another plan with this name but other content exists: submitting would change a running plan. */
export class PlanConflictError extends Error {
  override readonly name = "PlanConflictError";
}

/** The operation does not apply to the plan in its current status. */
export class PlanStateError extends Error {
  override readonly name = "PlanStateError";
}

/** Plan ids are BullMQ-safe (no ':') and readable: the plan's name with anything else as '-'. */
function planIdOf(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64);
}

const ENDED = new Set(["succeeded", "failed", "cancelled"]);

/** The `Migrations` the API and CLI drive, over the store, the ledger and the queues. */
export function createMigrations(ctx: OrchestratorContext): Migrations {
  const summary = (planId: string) => ctx.store.summary(planId);
  const wakeDispatcher = async (plan: PlanRecord) => {
    const job = await ctx.queues.plans.getJob(planJobId(plan.id, plan.generation));
    await job?.promote().catch(() => undefined);
  };

  return {
    async submit(spec: CompiledPlan): Promise<SubmitResult> {
      const planId = planIdOf(spec.name);
      const specHash = createHash("sha256").update(JSON.stringify(spec)).digest("hex");
      const existing = await ctx.store.getPlan(planId);
      if (existing && existing.specHash !== specHash) {
        throw new PlanConflictError(
          `a different plan named "${spec.name}" was already submitted (id ${planId}); rename the new plan or cancel the old one`,
        );
      }
      const created =
        !existing &&
        (await ctx.store.createPlan({
          id: planId,
          spec,
          specHash,
          status: "pending",
          submittedAt: ctx.clock.now(),
          wave: 0,
          generation: 0,
        }));
      const plan = existing ?? { id: planId, generation: 0 };
      await ctx.queues.plans.add(
        "plan",
        { planId, generation: plan.generation },
        { jobId: planJobId(planId, plan.generation) },
      );
      if (created) ctx.events.emit("plan:submitted", { planId, servers: allIndexes(spec).length });
      return { planId, created };
    },

    async listPlans(): Promise<PlanSummary[]> {
      const summaries = await Promise.all((await ctx.store.planIds()).map(summary));
      return summaries
        .filter((plan): plan is PlanSummary => plan !== undefined)
        .sort((a, b) => b.submittedAt - a.submittedAt);
    },

    getPlan: (planId) => ctx.store.view(planId),

    async pause(planId) {
      const plan = await ctx.store.getPlan(planId);
      if (!plan) return undefined;
      if (plan.status !== "running" && plan.status !== "pending") {
        throw new PlanStateError(
          `plan ${planId} is ${plan.status}; only a pending or running plan can be paused`,
        );
      }
      await ctx.store.updatePlan(planId, {
        status: "paused",
        reason: "paused by an operator: no new jobs start",
      });
      ctx.events.emit("plan:status", { planId, status: "paused" });
      return summary(planId);
    },

    async resume(planId) {
      const plan = await ctx.store.getPlan(planId);
      if (!plan) return undefined;
      if (plan.status !== "paused")
        throw new PlanStateError(`plan ${planId} is ${plan.status}, not paused`);
      await ctx.store.updatePlan(planId, { status: "running", reason: null });
      ctx.events.emit("plan:status", { planId, status: "running" });
      await wakeDispatcher(plan);
      return summary(planId);
    },

    async cancel(planId, { stopRunning }) {
      const plan = await ctx.store.getPlan(planId);
      if (!plan) return undefined;
      if (ENDED.has(plan.status))
        throw new PlanStateError(`plan ${planId} has already ended (${plan.status})`);
      const reason = stopRunning
        ? "cancelled by an operator; running jobs were asked to stop"
        : "cancelled by an operator; jobs already running finish on their own";
      await ctx.store.updatePlan(planId, {
        status: "cancelled",
        reason,
        finishedAt: ctx.clock.now(),
      });
      ctx.events.emit("plan:status", { planId, status: "cancelled", reason });
      const servers = await ctx.store.getServers(planId, allIndexes(plan.spec));
      for (const server of servers) {
        const outcome = new ServerOutcome(ctx, { ...plan, status: "cancelled" }, server);
        if (server.status === "pending") await outcome.setStatus("cancelled", "plan cancelled");
        if (server.status === "running" && stopRunning && server.jobId) {
          await stopJob(ctx, outcome, server.jobId);
        }
      }
      return summary(planId);
    },

    async retryFailed(planId) {
      const plan = await ctx.store.getPlan(planId);
      if (!plan) return undefined;
      if (!ENDED.has(plan.status)) {
        throw new PlanStateError(
          `plan ${planId} is ${plan.status}; retry-failed applies once it has ended (failed or cancelled), so that waves never overlap`,
        );
      }
      const retried = await retryServers(ctx, plan);
      if (retried.length === 0) return summary(planId);
      const generation = plan.generation + 1;
      const firstWave = Math.min(...retried);
      for (const wave of new Set(retried))
        await ctx.store.updateWave(planId, wave, {
          status: "pending",
          finishedAt: null,
          reason: null,
        });
      await ctx.store.updatePlan(planId, {
        status: "running",
        reason: null,
        finishedAt: null,
        wave: firstWave,
        generation,
      });
      ctx.events.emit("plan:status", {
        planId,
        status: "running",
        reason: "retrying failed servers",
      });
      await ctx.queues.plans.add(
        "plan",
        { planId, generation },
        { jobId: planJobId(planId, generation) },
      );
      return summary(planId);
    },

    async quota(): Promise<QuotaView[]> {
      const now = ctx.realClock.now();
      return Promise.all(
        [...ctx.accounts].map(async ([account, settings]) => {
          const usage = await ctx.ledger.usage(account, now);
          return {
            account,
            used: usage.used,
            limit: settings.quota,
            running: usage.running,
            ...(settings.maxRunningJobs === undefined
              ? {}
              : { runningLimit: settings.maxRunningJobs }),
          };
        }),
      );
    },
  };
}

/**
 * Puts failed and cancelled servers back. A job that can be started again (InError, Stopped) is
 * kept and restarted by a new server job; any other job is deleted and the server starts over.
 * Returns the waves of the servers put back.
 */
async function retryServers(ctx: OrchestratorContext, plan: PlanRecord): Promise<number[]> {
  const account = ctx.accounts.get(plan.spec.account);
  const servers = await ctx.store.getServers(plan.id, allIndexes(plan.spec));
  const waves: number[] = [];
  for (const server of servers) {
    if (server.status !== "failed" && server.status !== "cancelled") continue;
    const generation = server.generation + 1;
    const outcome = new ServerOutcome(ctx, plan, server);
    const restartable =
      server.jobId && (server.jobStatus === "InError" || server.jobStatus === "Stopped");
    const reset = {
      generation,
      restarts: 0,
      errorCode: null,
      errorMessage: null,
      finishedAt: null,
      finishing: false,
      createTried: false,
    };
    if (restartable && server.jobId) {
      await ctx.redis.hset(
        ctx.store.keys.tracked(plan.spec.account),
        server.jobId,
        `${plan.id}|${server.index}`,
      );
      await outcome.update({ ...reset, startRequested: false });
      await outcome.setStatus("running", `retry: restarting job ${server.jobId}`);
      await enqueueServer(ctx.queues.servers, plan, { ...server, generation });
    } else {
      if (server.jobId && account) {
        await account.client
          .deleteReplicationJob({ jobId: server.jobId })
          .catch((error: unknown) => {
            if (!isSmcError(error)) throw error;
          });
        await ctx.ledger.releaseJob(plan.spec.account, plan.id, server.jobId);
        await ctx.redis.hdel(ctx.store.keys.tracked(plan.spec.account), server.jobId);
      }
      await ctx.ledger.releaseSource(outcome.slot);
      await outcome.update({
        ...reset,
        jobId: null,
        jobStatus: null,
        progress: 0,
        imageId: null,
        startRequested: false,
      });
      await outcome.setStatus("pending", "retry: starting over");
    }
    waves.push(server.wave);
  }
  return waves;
}

async function stopJob(
  ctx: OrchestratorContext,
  outcome: ServerOutcome,
  jobId: string,
): Promise<void> {
  const account = ctx.accounts.get(outcome.plan.spec.account);
  try {
    await account?.client.stopReplicationJob({ jobId });
    await outcome.record("job:stopped", jobId);
  } catch (error) {
    if (!isSmcError(error)) throw error;
    await outcome.record("job:stop-refused", `${error.code}: ${error.message}`);
  }
  // The stopped job still exists and is unfinished: it keeps its quota slot and source lock, and
  // the reconcile keeps counting it by its name. Only the watching ends.
  await ctx.redis.hdel(ctx.store.keys.tracked(outcome.plan.spec.account), jobId);
  await ctx.ledger.releaseRunning(outcome.plan.spec.account, jobId);
  await outcome.update({ finishedAt: ctx.clock.now() });
  await outcome.setStatus("cancelled", "plan cancelled with --stop-running");
}
