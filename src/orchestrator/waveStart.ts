import { ends } from "../lifecycle/reasons.ts";
import { resolveSources } from "../plan/resolveSources.ts";
import { orderForStart } from "../scheduler/waveDecision.ts";
import { eachPageRetried } from "./callRetry.ts";
import type { OrchestratorContext } from "./context.ts";
import { failServer } from "./serverEnd.ts";
import { ServerOutcome } from "./serverOutcome.ts";
import { jobBytes } from "./sourceBytes.ts";
import { waveIndexes } from "./store/planLayout.ts";
import type { ServerPatch } from "./store/serverStore.ts";
import type { PlanRecord } from "./store/storeRecords.ts";

/**
 * Starts a wave: resolves its servers' sources (by id when the plan gave ids, else one listing of
 * the account, each page retried on its own), records each source's size, fails the servers whose
 * source cannot be found, places the rest in start order, and moves the wave to running.
 */
export async function startWave(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveIndex: number,
): Promise<void> {
  const wave = plan.spec.waves[waveIndex];
  const account = ctx.accounts.get(plan.spec.account);
  if (!wave || !account) return;
  const { sources, problems } = await resolveSources(
    { ...plan.spec, waves: [wave] },
    account.client,
    eachPageRetried(ctx),
  );
  const servers = await ctx.servers.getServers(plan.id, waveIndexes(plan.spec, waveIndex));
  const pending = servers.filter((server) => server.status === "pending");
  const resolved: { index: number; sizeBytes: number; patch: ServerPatch }[] = [];
  for (const server of pending) {
    const source = sources.get(server.key);
    if (source) {
      const settings = wave.servers.find((candidate) => candidate.key === server.key)?.settings;
      const sizeBytes = jobBytes(source, settings?.dataDisks);
      resolved.push({
        index: server.index,
        sizeBytes,
        patch: { sourceId: source.sourceId, name: source.name, sizeBytes },
      });
    } else {
      const problem = problems.find((candidate) => candidate.key === server.key);
      await failServer(
        new ServerOutcome(ctx, plan, server),
        ends.sourceUnresolved(problem?.message ?? `no source server matches ${server.key}`),
        account,
      );
    }
  }
  const ordered = orderForStart(
    resolved,
    wave.order,
    Math.min(plan.spec.policy.maxJobs, account.quota),
  );
  await ctx.servers.setRanks(
    plan.id,
    waveIndex,
    ordered.map((server, rank) => ({ index: server.index, rank, patch: server.patch })),
  );
  const moved = await ctx.store.moveWave(plan.id, waveIndex, {
    to: "running",
    from: ["pending", "waiting-approval"],
    patch: { startedAt: ctx.clock.now(), waiting: null },
  });
  if (moved.ok)
    ctx.events.emit("wave:status", {
      planId: plan.id,
      wave: wave.name,
      status: "running",
      generation: plan.generation,
    });
}
