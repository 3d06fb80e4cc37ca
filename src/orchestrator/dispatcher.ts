import type { Job } from "bullmq";
import { matchSources } from "../plan/resolveSources.ts";
import { decideWave, orderForStart } from "../scheduler/waveDecision.ts";
import { windowState } from "../scheduler/waveWindow.ts";
import type { OrchestratorContext } from "./context.ts";
import { enqueueServer, type PlanJobData, park } from "./jobCatalogue.ts";
import { countStatuses, waveIndexes } from "./migrationStore.ts";
import { planShare } from "./planShare.ts";
import { auditServerJobs } from "./serverJobAudit.ts";
import { ServerOutcome } from "./serverOutcome.ts";
import { jobBytes } from "./sourceBytes.ts";
import type { PlanRecord } from "./storeRecords.ts";

/** How long a paused plan sleeps between looks; resume wakes it at once. */
const PAUSED_RECHECK_MS = 60_000;

/**
 * The step job of one plan: it walks the waves in order, admits servers of the current wave into
 * free quota slots (largest first), and parks until a server finishes, a window opens or the
 * fallback interval passes. One BullMQ job per plan means one admitter per plan, on any daemon.
 */
export async function processPlanJob(
  ctx: OrchestratorContext,
  job: Job<PlanJobData>,
  token: string | undefined,
): Promise<void> {
  for (;;) {
    const plan = await ctx.store.getPlan(job.data.planId);
    if (!plan || plan.generation !== job.data.generation) return;
    if (plan.status === "succeeded" || plan.status === "failed" || plan.status === "cancelled")
      return;
    if (plan.status === "paused") return park(job, token, PAUSED_RECHECK_MS);
    if (plan.status === "pending")
      await setPlanStatus(ctx, plan, "running", { startedAt: ctx.clock.now() });

    const waveIndex = plan.wave;
    const wave = plan.spec.waves[waveIndex];
    if (!wave) {
      const failedWaves = await failedWaveNames(ctx, plan);
      if (failedWaves.length > 0) {
        return setPlanStatus(ctx, plan, "failed", {
          reason: `wave(s) ${failedWaves.join(", ")} failed`,
        });
      }
      return setPlanStatus(ctx, plan, "succeeded");
    }

    const now = ctx.clock.now();
    const waveRecord = await ctx.store.getWave(plan.id, waveIndex);
    if (waveRecord.status === "pending") {
      if (wave.notBefore !== undefined && now < wave.notBefore) {
        await ctx.store.updatePlan(plan.id, {
          reason: `wave ${wave.name} holds until ${new Date(wave.notBefore).toISOString()}`,
        });
        return park(
          job,
          token,
          Math.min(ctx.clock.realDelay(wave.notBefore - now), ctx.settings.reconcileIntervalMs),
        );
      }
      await startWave(ctx, plan, waveIndex);
    }

    const servers = await ctx.store.getServers(plan.id, waveIndexes(plan.spec, waveIndex));
    const decision = decideWave(countStatuses(servers), plan.spec.policy);
    if (decision.kind === "done") {
      await ctx.store.updateWave(plan.id, waveIndex, {
        status: decision.outcome,
        finishedAt: now,
        reason: decision.reason ?? null,
      });
      ctx.events.emit("wave:status", {
        planId: plan.id,
        wave: wave.name,
        status: decision.outcome,
        ...(decision.reason ? { reason: decision.reason } : {}),
      });
      if (decision.outcome === "failed" && plan.spec.policy.onWaveFailure === "halt") {
        const reason = await haltReason(ctx, plan, waveIndex, decision.reason ?? "");
        return setPlanStatus(ctx, plan, "failed", { reason });
      }
      await ctx.store.updatePlan(plan.id, { wave: waveIndex + 1, reason: null });
      continue;
    }

    await auditServerJobs(ctx, plan, servers);
    if (decision.kind === "drain") {
      await ctx.store.updatePlan(plan.id, { reason: `wave ${wave.name}: ${decision.reason}` });
      return park(job, token, 2 * ctx.settings.pollIntervalMs);
    }
    let waitMs = 2 * ctx.settings.pollIntervalMs;
    const window = wave.window ? windowState(wave.window, now) : undefined;
    if (window && !window.open) {
      await ctx.store.updatePlan(plan.id, {
        reason: `wave ${wave.name} waits for its window at ${new Date(window.opensAt).toISOString()}`,
      });
      return park(job, token, Math.min(ctx.clock.realDelay(window.opensAt - now), waitMs));
    }
    if (window?.open) waitMs = Math.min(waitMs, ctx.clock.realDelay(window.closesAt - now));
    // Whatever held the plan (a window, notBefore, a drain) has passed.
    if (plan.reason) await ctx.store.updatePlan(plan.id, { reason: null });
    await admit(ctx, plan, waveIndex, servers);
    return park(job, token, waitMs);
  }
}

async function startWave(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveIndex: number,
): Promise<void> {
  const wave = plan.spec.waves[waveIndex];
  const account = ctx.accounts.get(plan.spec.account);
  if (!wave || !account) return;
  const servers = await ctx.store.getServers(plan.id, waveIndexes(plan.spec, waveIndex));
  // One listing per wave (50 sources a call) resolves names and gives every source's size.
  const { sources, problems } = matchSources(
    plan.spec,
    await account.client.describeAllSourceServers({}),
  );
  for (const server of servers) {
    if (server.status !== "pending") continue;
    const source = sources.get(server.key);
    if (source) {
      const settings = wave.servers.find((candidate) => candidate.key === server.key)?.settings;
      await ctx.store.updateServer(plan.id, server.index, {
        sourceId: source.sourceId,
        name: source.name,
        sizeBytes: jobBytes(source, settings?.dataDisks),
      });
    } else {
      const problem = problems.find((candidate) => candidate.key === server.key);
      await new ServerOutcome(ctx, plan, server).fail(
        "Plan.SourceUnresolved",
        problem?.message ?? `no source server matches ${server.key}`,
      );
    }
  }
  await ctx.store.updateWave(plan.id, waveIndex, { status: "running", startedAt: ctx.clock.now() });
  ctx.events.emit("wave:status", { planId: plan.id, wave: wave.name, status: "running" });
}

/** Reserves slots for pending servers in start order until the quota, the plan's share or the list runs out. */
async function admit(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveIndex: number,
  servers: Awaited<ReturnType<OrchestratorContext["store"]["getServers"]>>,
): Promise<void> {
  const wave = plan.spec.waves[waveIndex];
  const account = ctx.accounts.get(plan.spec.account);
  if (!wave || !account) return;
  const pending = orderForStart(
    servers.filter((server) => server.status === "pending" && server.sourceId),
    wave.order,
  );
  const share = await planShare(ctx, plan, account, pending.length);
  for (const server of pending) {
    const outcome = new ServerOutcome(ctx, plan, server);
    const result = await ctx.ledger.reserve(
      outcome.slot,
      { account: account.quota, plan: share },
      ctx.realClock.now(),
      ctx.settings.reservationLeaseMs,
    );
    if (result.ok) {
      await outcome.update({ errorCode: null, errorMessage: null });
      await outcome.setStatus("creating");
      await enqueueServer(ctx.queues.servers, plan, server);
      continue;
    }
    if (result.reason === "source-busy") {
      if (server.errorCode !== "SourceBusy") {
        await outcome.update({
          errorCode: "SourceBusy",
          errorMessage: `source ${server.sourceId} is held by ${result.holder}`,
        });
      }
      continue;
    }
    // Paused or cancelled since this step began: the ledger refused atomically, admit no more.
    if (result.reason === "plan-not-running") break;
    ctx.events.emit("quota:blocked", {
      account: plan.spec.account,
      used: result.used,
      limit: account.quota,
    });
    break;
  }
}

async function setPlanStatus(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  status: PlanRecord["status"],
  extra: { startedAt?: number; reason?: string } = {},
): Promise<void> {
  const terminal = status === "succeeded" || status === "failed" || status === "cancelled";
  await ctx.store.updatePlan(plan.id, {
    status,
    reason: extra.reason ?? null,
    ...(extra.startedAt ? { startedAt: extra.startedAt } : {}),
    ...(terminal ? { finishedAt: ctx.clock.now() } : {}),
  });
  plan.status = status;
  ctx.events.emit("plan:status", {
    planId: plan.id,
    status,
    ...(extra.reason ? { reason: extra.reason } : {}),
  });
}

async function failedWaveNames(ctx: OrchestratorContext, plan: PlanRecord): Promise<string[]> {
  const waves = await Promise.all(
    plan.spec.waves.map((_, index) => ctx.store.getWave(plan.id, index)),
  );
  return plan.spec.waves
    .filter((_, index) => waves[index]?.status === "failed")
    .map((wave) => wave.name);
}

/** "wave-2 failed: 2 server(s) failed, more than maxFailedServers (0). db-01: SourceServerState.Invalid …" */
async function haltReason(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveIndex: number,
  why: string,
): Promise<string> {
  const servers = await ctx.store.getServers(plan.id, waveIndexes(plan.spec, waveIndex));
  const failures = servers
    .filter((server) => server.status === "failed")
    .slice(0, 5)
    .map((server) =>
      `${server.name ?? server.key}: ${server.errorCode ?? "?"} ${server.errorMessage ?? ""}`.trim(),
    );
  const name = plan.spec.waves[waveIndex]?.name ?? String(waveIndex);
  return `wave ${name} failed and onWaveFailure is halt: ${why}. ${failures.join("; ")}`;
}
