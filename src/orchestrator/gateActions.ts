import { isEnded, type ServerStatus } from "../lifecycle/statuses.ts";
import { closestName } from "../plan/closestName.ts";
import type { OrchestratorContext } from "./context.ts";
import { planJobId, serverJobId, wake } from "./jobCatalogue.ts";
import { PlanStateError, PlanTargetError } from "./planErrors.ts";
import { waveIndexes } from "./store/planLayout.ts";
import type { PlanRecord, ServerRecord } from "./store/storeRecords.ts";
import type { Actor, CutoverResult } from "./views.ts";

/*
 * The two decisions a person takes during a run: letting a gated wave start, and cutting over
 * incremental servers. Each is written on the record first (who, when), then in the plan's and the
 * servers' histories, then the steps that act on it are woken.
 */

const iso = (epochMs: number) => new Date(epochMs).toISOString().replace(/\.000Z$/, "Z");

/**
 * Approves wave `waveName`'s gate: while it waits (`waiting-approval`), or in advance while it is
 * pending, so an approver need not stay up for it. Refused for a wave without a gate, one already
 * approved (saying by whom), one that has ended, or a plan that has.
 */
export async function approveWave(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveName: string,
  actor: Actor,
): Promise<void> {
  const waveIndex = findWave(plan, waveName);
  const wave = plan.spec.waves[waveIndex];
  if (!wave?.gate) {
    throw new PlanStateError(
      `wave ${waveName} has no gate (\`gate: manual\`): it starts without approval`,
    );
  }
  if (isEnded("plan", plan.status) || plan.status === "cancelling")
    throw new PlanStateError(`plan ${plan.id} is ${plan.status}; there is nothing to approve`);
  const record = await ctx.store.getWave(plan.id, waveIndex);
  if (record.approvedAt !== undefined) {
    throw new PlanStateError(
      `wave ${waveName} was already approved by ${record.approvedBy ?? "?"} at ${iso(record.approvedAt)}`,
    );
  }
  if (isEnded("wave", record.status))
    throw new PlanStateError(`wave ${waveName} is ${record.status}; there is nothing to approve`);
  const now = ctx.clock.now();
  const early = record.status === "pending";
  await ctx.store.patchWave(plan.id, waveIndex, { approvedBy: actor.name, approvedAt: now });
  await ctx.store.appendPlanHistory(plan.id, {
    at: now,
    event: "wave:approved",
    by: actor.name,
    detail: early
      ? `wave ${waveName}, in advance: it starts without waiting when its turn comes`
      : `wave ${waveName}, waiting since ${iso(record.waiting?.since ?? now)}`,
  });
  ctx.logger.info(
    { action: "approve", plan: plan.id, wave: waveName, by: actor.name },
    "operator: approve",
  );
  await wake(ctx.wakes, ctx.queues.plans, planJobId(plan.id, plan.generation));
}

/**
 * Asks for the cut-over of wave `waveName`'s incremental servers, or of one of them (by name,
 * source id or key). Servers in sync cut over as soon as their job is between runs; servers not
 * yet in sync as soon as they are, whatever the wave's mode. The request is written on the wave (or
 * the server), so servers that come in sync later read it too.
 */
export async function requestCutover(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  options: { wave: string; server?: string },
  actor: Actor,
): Promise<CutoverResult> {
  if (isEnded("plan", plan.status) || plan.status === "cancelling") {
    throw new PlanStateError(
      `plan ${plan.id} is ${plan.status}; a cut-over applies while it has not ended`,
    );
  }
  const waveIndex = findWave(plan, options.wave);
  const wave = plan.spec.waves[waveIndex];
  if (!wave?.cutover) {
    throw new PlanStateError(
      `wave ${options.wave} has no incremental servers (\`runOnce: false\`): there is nothing to cut over`,
    );
  }
  const servers = await ctx.servers.getServers(plan.id, waveIndexes(plan.spec, waveIndex));
  const incremental = servers.filter(
    (server) => wave.servers.find((entry) => entry.key === server.key)?.settings.runOnce === false,
  );
  const targets =
    options.server === undefined ? incremental : [findServer(servers, incremental, options)];
  const now = ctx.clock.now();
  const request = { by: actor.name, at: now };
  if (options.server === undefined) {
    await ctx.store.patchWave(plan.id, waveIndex, { cutoverRequest: request });
  } else {
    for (const server of targets)
      await ctx.servers.patchServer(plan.id, server.index, { cutoverRequest: request });
  }
  const what =
    options.server === undefined
      ? `every incremental server of wave ${wave.name}`
      : `server ${options.server} of wave ${wave.name}`;
  await ctx.store.appendPlanHistory(plan.id, {
    at: now,
    event: "cutover:requested",
    by: actor.name,
    detail: what,
  });
  const result: CutoverResult = {
    planId: plan.id,
    wave: wave.name,
    requestedBy: actor.name,
    servers: [],
  };
  for (const server of targets) {
    const outcome = outcomeOf(server.status);
    result.servers.push({ server: server.name ?? server.key, status: server.status, outcome });
    if (outcome === "ended" || outcome === "done") continue;
    await ctx.servers.appendHistory(plan.id, server.index, {
      at: now,
      event: "cutover:requested",
      by: actor.name,
      detail: outcome === "now" ? "cut over between two runs of its job" : "cut over once in sync",
    });
    await wake(
      ctx.wakes,
      ctx.queues.servers,
      serverJobId(plan.id, server.index, server.generation),
    );
  }
  ctx.logger.info(
    { action: "cutover", plan: plan.id, wave: wave.name, server: options.server, by: actor.name },
    "operator: cutover",
  );
  return result;
}

function outcomeOf(status: ServerStatus): CutoverResult["servers"][number]["outcome"] {
  switch (status) {
    case "syncing":
      return "now";
    case "cutting-over":
      return "under-way";
    case "succeeded":
      return "done";
    case "pending":
    case "creating":
    case "running":
      return "when-in-sync";
    default:
      return "ended";
  }
}

function findWave(plan: PlanRecord, name: string): number {
  const index = plan.spec.waves.findIndex((wave) => wave.name === name);
  if (index >= 0) return index;
  const names = plan.spec.waves.map((wave) => wave.name);
  const near = closestName(name, names);
  throw new PlanTargetError(
    `plan ${plan.id} has no wave ${name}${near ? `; did you mean ${near}?` : ""} (its waves: ${names.join(", ")})`,
  );
}

/** A server of the wave by its name, source id or key; it must be an incremental one. */
function findServer(
  servers: readonly ServerRecord[],
  incremental: readonly ServerRecord[],
  options: { wave: string; server?: string },
): ServerRecord {
  const wanted = options.server ?? "";
  const found = servers.find(
    (server) => server.name === wanted || server.sourceId === wanted || server.key === wanted,
  );
  if (found && incremental.includes(found)) return found;
  if (found) {
    throw new PlanStateError(
      `server ${wanted} of wave ${options.wave} is not incremental (\`runOnce: false\`): its job finishes on its own, there is no cut-over`,
    );
  }
  const names = incremental.map((server) => server.name ?? server.key);
  const near = closestName(wanted, names);
  throw new PlanTargetError(
    `wave ${options.wave} has no server ${wanted}${near ? `; did you mean ${near}?` : ""} (its incremental servers: ${names.join(", ") || "none"})`,
  );
}
