import { createHash } from "node:crypto";
import { ends, waits } from "../lifecycle/reasons.ts";
import { isEnded, isInFlight, isRetryable } from "../lifecycle/statuses.ts";
import type { CompiledPlan } from "../plan/compiledPlan.ts";
import { quotaGroupWarnings } from "../plan/cutoverRules.ts";
import type { OrchestratorContext } from "./context.ts";
import { approveWave, requestCutover } from "./gateActions.ts";
import { enqueuePlan, planJobId, serverJobId, wake } from "./jobCatalogue.ts";
import type { LiveForecasts } from "./liveForecast.ts";
import { accountQuota, planDetail } from "./planDetail.ts";
import { settleCancel } from "./planEnd.ts";
import { PlanConflictError, PlanStateError } from "./planErrors.ts";
import { withEta } from "./planEta.ts";
import type { PlanForecasts } from "./planForecasts.ts";
import { accountJobs, releasePlan } from "./planRelease.ts";
import { retryServers } from "./planRetry.ts";
import { planSummary, planView } from "./planViews.ts";
import { serverPage } from "./serverPages.ts";
import { noteSharedSources, sharedSourceWarnings } from "./sharedSources.ts";
import { allIndexes } from "./store/planLayout.ts";
import type { PlanRecord } from "./store/storeRecords.ts";
import type { Actor, Migrations, PlanSummary, QuotaView, SubmitResult } from "./views.ts";
import { DEFAULT_BARS, waveTimeline } from "./waveTimeline.ts";

/** Plan ids are BullMQ-safe (no ':') and readable: the plan's name with anything else as '-'. */
function planIdOf(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64);
}

const IN_PROCESS: Actor = { name: "cli" };

/**
 * How long a retry-failed may take to put a plan's servers and waves back before the dispatcher
 * goes on without waiting for it (real ms): it takes a few Redis writes and deletes per server.
 */
const RETRY_LEASE_MS = 60_000;

/**
 * The `Migrations` the API and CLI drive, over the store, the ledger and the queues; plans that run
 * carry their ETA from the cached `live` forecasts.
 */
export function createMigrations(
  ctx: OrchestratorContext,
  { forecasts, live }: { forecasts: PlanForecasts; live: LiveForecasts },
): Migrations {
  const summary = (planId: string) => planSummary(ctx, planId);
  const wakeDispatcher = (plan: PlanRecord) =>
    wake(ctx.wakes, ctx.queues.plans, planJobId(plan.id, plan.generation));
  const history = (planId: string, event: string, actor: Actor, detail?: string) =>
    ctx.store.appendPlanHistory(planId, {
      at: ctx.clock.now(),
      event,
      by: actor.name,
      ...(detail ? { detail } : {}),
    });
  const audit = (action: string, planId: string, actor: Actor, extra: object = {}) =>
    ctx.logger.info({ action, plan: planId, by: actor.name, ...extra }, `operator: ${action}`);

  return {
    async submit(spec: CompiledPlan, actor = IN_PROCESS): Promise<SubmitResult> {
      const planId = planIdOf(spec.name);
      const specHash = createHash("sha256").update(JSON.stringify(spec)).digest("hex");
      const existing = await ctx.store.getPlan(planId);
      if (existing && existing.specHash !== specHash) {
        throw new PlanConflictError(
          `a different plan named "${spec.name}" was already submitted (id ${planId}); rename the new plan or cancel the old one`,
        );
      }
      const shared = await sharedSourceWarnings(ctx, spec, planId);
      const quota = ctx.accounts.get(spec.account)?.quota;
      const grouped = quota === undefined ? [] : quotaGroupWarnings(spec, quota);
      const servers = allIndexes(spec).length;
      if (!existing && quota !== undefined && spec.policy.onFinish === "keep" && servers > quota) {
        // Every finished job keeps its slot: past `quota` servers none can ever start.
        throw new PlanConflictError(
          `plan "${spec.name}" keeps every finished job (onFinish: keep), but account ${spec.account}'s quota is ${quota} jobs and the plan has ${servers} servers: it would stop for good after ${quota}. Use onFinish: delete, split the plan, or raise the account's quota`,
        );
      }
      const created =
        !existing &&
        (await ctx.store.createPlan(
          {
            id: planId,
            spec,
            specHash,
            status: "pending",
            submittedAt: ctx.clock.now(),
            wave: 0,
            generation: 0,
            stopRunning: false,
          },
          { at: ctx.clock.now(), event: "plan:submitted", by: actor.name },
        ));
      const plan = existing ?? { id: planId, generation: 0 };
      await enqueuePlan(ctx.queues.plans, planId, plan.generation);
      if (created) {
        await noteSharedSources(ctx, planId, shared);
        audit("submit", planId, actor, { servers: allIndexes(spec).length });
        ctx.events.emit("plan:submitted", { planId, servers: allIndexes(spec).length });
      }
      return {
        planId,
        created,
        warnings: [...shared.map((share) => share.warning), ...grouped],
      };
    },

    async check(spec) {
      const shared = await sharedSourceWarnings(ctx, spec, planIdOf(spec.name));
      const quota = ctx.accounts.get(spec.account)?.quota;
      return [
        ...shared.map((share) => share.warning),
        ...(quota === undefined ? [] : quotaGroupWarnings(spec, quota)),
      ];
    },

    async listPlans(): Promise<PlanSummary[]> {
      const summaries = await Promise.all(
        (await ctx.store.planIds()).map(async (planId) => {
          const plan = await summary(planId);
          return plan && withEta(plan, live);
        }),
      );
      return summaries
        .filter((plan): plan is PlanSummary => plan !== undefined)
        .sort((a, b) => b.submittedAt - a.submittedAt);
    },

    async getPlan(planId) {
      const view = await planView(ctx, planId);
      return view && withEta(view, live);
    },

    async planDetail(planId, options) {
      const detail = await planDetail(ctx, planId, options);
      return detail && withEta(detail, live);
    },

    serverPage: (planId, query) => serverPage(ctx, planId, query),

    async timeline(planId, { wave, limit = DEFAULT_BARS }) {
      const plan = await ctx.store.getPlan(planId);
      if (!plan) return undefined;
      const running = plan.status === "pending" || plan.status === "running";
      const forecast = running ? await live.get(planId) : undefined;
      return waveTimeline(ctx, planId, wave, { limit, ...(forecast ? { forecast } : {}) });
    },

    async pause(planId, actor = IN_PROCESS) {
      const plan = await ctx.store.getPlan(planId);
      if (!plan) return undefined;
      const moved = await ctx.store.movePlan(planId, {
        to: "paused",
        from: ["pending", "running"],
        by: actor.name,
        detail: "no new job starts; running jobs go on",
        patch: { waiting: { ...waits.paused(), since: ctx.clock.now() } },
      });
      if (!moved.ok) {
        throw new PlanStateError(
          `plan ${planId} is ${moved.current ?? plan.status}; only a pending or running plan can be paused`,
        );
      }
      audit("pause", planId, actor);
      if (moved.ok)
        ctx.events.emit("plan:status", {
          planId,
          status: "paused",
          previous: moved.from,
          generation: plan.generation,
        });
      return summary(planId);
    },

    async resume(planId, actor = IN_PROCESS) {
      const plan = await ctx.store.getPlan(planId);
      if (!plan) return undefined;
      const moved = await ctx.store.movePlan(planId, {
        to: "running",
        from: ["paused"],
        by: actor.name,
        patch: { waiting: null },
      });
      if (!moved.ok)
        throw new PlanStateError(`plan ${planId} is ${moved.current ?? plan.status}, not paused`);
      audit("resume", planId, actor);
      ctx.events.emit("plan:status", {
        planId,
        status: "running",
        previous: "paused",
        generation: plan.generation,
      });
      await wakeDispatcher(plan);
      return summary(planId);
    },

    async cancel(planId, { stopRunning }, actor = IN_PROCESS) {
      const plan = await ctx.store.getPlan(planId);
      if (!plan) return undefined;
      const reason = ends.planCancelled(stopRunning, actor.name);
      const moved = await ctx.store.movePlan(planId, {
        to: "cancelling",
        from: ["pending", "running", "paused"],
        by: actor.name,
        detail: stopRunning ? "running jobs stopped" : "running jobs finish",
        patch: {
          stopRunning,
          reasonCode: reason.code,
          reason: reason.message,
          waiting: { ...waits.cancelling(0), since: ctx.clock.now() },
        },
      });
      if (!moved.ok) {
        throw new PlanStateError(
          `plan ${planId} is ${moved.current ?? plan.status}; ${isEnded("plan", moved.current ?? plan.status) ? "it has already ended" : "it is already being cancelled"}`,
        );
      }
      audit("cancel", planId, actor, { stopRunning });
      ctx.events.emit("plan:status", {
        planId,
        status: "cancelling",
        reason: reason.message,
        previous: moved.from,
        generation: plan.generation,
      });
      const cancelling: PlanRecord = {
        ...plan,
        status: "cancelling",
        stopRunning,
        reasonCode: reason.code,
        reason: reason.message,
      };
      // Servers not started end at once; those in flight are woken to stop or settle.
      if (!(await settleCancel(ctx, cancelling))) {
        await wakeInFlight(ctx, cancelling);
        await wakeDispatcher(cancelling);
      }
      return summary(planId);
    },

    async retryFailed(planId, actor = IN_PROCESS) {
      const plan = await ctx.store.getPlan(planId);
      if (!plan) return undefined;
      if (!isEnded("plan", plan.status)) {
        throw new PlanStateError(
          `plan ${planId} is ${plan.status}; retry-failed applies once it has ended (failed or cancelled), so that waves never overlap`,
        );
      }
      const generation = plan.generation + 1;
      const servers = await ctx.servers.getServers(planId, allIndexes(plan.spec));
      const waves = [...new Set(servers.filter((s) => isRetryable(s.status)).map((s) => s.wave))];
      if (waves.length === 0) {
        throw new PlanStateError(
          `plan ${planId} ${plan.status} with nothing to retry: no server failed, was cancelled or skipped`,
        );
      }
      // The plan first: a crash after this leaves a running plan whose servers not yet put back
      // stay ended (and are retried again by the next retry-failed), never servers of an ended plan.
      const moved = await ctx.store.movePlan(planId, {
        to: "running",
        from: [plan.status],
        by: actor.name,
        detail: `retrying servers of wave(s) ${waves.map((w) => plan.spec.waves[w]?.name).join(", ")}`,
        patch: {
          reasonCode: null,
          reason: null,
          finishedAt: null,
          waiting: null,
          stopRunning: false,
          wave: Math.min(...waves),
          generation,
          retryingUntil: ctx.realClock.now() + RETRY_LEASE_MS,
        },
      });
      if (!moved.ok) throw new PlanStateError(`plan ${planId} changed status while retrying`);
      await retryServers(ctx, { ...plan, status: "running", generation }, servers);
      await ctx.store.patchPlan(planId, { retryingUntil: null });
      audit("retry-failed", planId, actor, { waves: waves.length });
      ctx.events.emit("plan:status", {
        planId,
        status: "running",
        reason: "retrying failed servers",
        previous: plan.status,
        generation,
      });
      await enqueuePlan(ctx.queues.plans, planId, generation);
      return summary(planId);
    },

    async approve(planId, { wave }, actor = IN_PROCESS) {
      const plan = await ctx.store.getPlan(planId);
      if (!plan) return undefined;
      await approveWave(ctx, plan, wave, actor);
      return summary(planId);
    },

    async cutover(planId, options, actor = IN_PROCESS) {
      const plan = await ctx.store.getPlan(planId);
      if (!plan) return undefined;
      return requestCutover(ctx, plan, options, actor);
    },

    async release(planId, actor = IN_PROCESS) {
      const plan = await ctx.store.getPlan(planId);
      if (!plan) return undefined;
      if (!isEnded("plan", plan.status)) {
        throw new PlanStateError(
          `plan ${planId} is ${plan.status}; release applies once it has ended (cancel it first)`,
        );
      }
      const result = await releasePlan(ctx, plan, actor);
      await history(
        planId,
        "plan:released",
        actor,
        `${result.deleted.length} job(s) deleted${result.remaining.length > 0 ? `, ${result.remaining.length} left` : ""}`,
      );
      audit("release", planId, actor, { deleted: result.deleted.length });
      return result;
    },

    async quota(): Promise<QuotaView[]> {
      const now = ctx.realClock.now();
      return Promise.all(
        [...ctx.accounts.keys()].map(async (account) => {
          const { heldByPlan: _, ...view } = await accountQuota(ctx, account, undefined, now);
          return view;
        }),
      );
    },

    accountJobs: (account) => accountJobs(ctx, account),
    forecast: forecasts.forecast,
    forecastNew: forecasts.forecastNew,
  };
}

/** Wakes the step of every server of the plan in flight, so each reads the cancel now. */
async function wakeInFlight(ctx: OrchestratorContext, plan: PlanRecord): Promise<void> {
  for (let waveIndex = 0; waveIndex < plan.spec.waves.length; waveIndex++) {
    for (const [index, status] of await ctx.servers.inFlight(plan.id, waveIndex)) {
      if (!isInFlight(status)) continue;
      const server = await ctx.servers.getServer(plan.id, index);
      if (server)
        await wake(ctx.wakes, ctx.queues.servers, serverJobId(plan.id, index, server.generation));
    }
  }
}
