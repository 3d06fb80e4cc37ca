import { isEnded } from "../lifecycle/statuses.ts";
import type { CompiledPlan, CompiledServer } from "../plan/compiledPlan.ts";
import type { OrchestratorContext } from "./context.ts";
import { allIndexes } from "./store/planLayout.ts";
import type { PlanWarning } from "./views.ts";

/** A source a new plan lists that another plan, not ended, also lists. */
export interface SharedSource {
  warning: PlanWarning;
  /** The new plan's server number, and the other plan's. */
  index: number;
  other: { planId: string; index: number; wave: string; key: string };
}

/**
 * Sources the plan shares with plans that have not ended, matched by source id (given or resolved)
 * or by name. The plan still runs: its server waits for the source, and says so. Warned about at
 * the server's line, naming the other plan and wave.
 */
export async function sharedSourceWarnings(
  ctx: OrchestratorContext,
  spec: CompiledPlan,
  planId: string,
): Promise<SharedSource[]> {
  const claims = new Map<string, SharedSource["other"]>();
  for (const otherId of await ctx.store.planIds()) {
    if (otherId === planId) continue;
    const other = await ctx.store.getPlan(otherId);
    if (!other || isEnded("plan", other.status) || other.spec.account !== spec.account) continue;
    const servers = await ctx.servers.getServers(otherId, allIndexes(other.spec));
    for (const server of servers) {
      if (isEnded("server", server.status)) continue;
      const claim = {
        planId: otherId,
        index: server.index,
        wave: other.spec.waves[server.wave]?.name ?? String(server.wave),
        key: server.name ?? server.key,
      };
      if (server.sourceId) claims.set(`id:${server.sourceId}`, claim);
      if (server.name) claims.set(`name:${server.name}`, claim);
    }
  }
  if (claims.size === 0) return [];
  const shared: SharedSource[] = [];
  let index = 0;
  for (const wave of spec.waves) {
    for (const server of wave.servers) {
      const other = claimOf(claims, server);
      if (other) {
        const what = server.ref.sourceId ?? server.ref.name ?? server.key;
        shared.push({
          index,
          other,
          warning: {
            line: server.at?.line ?? 1,
            col: server.at?.col ?? 1,
            message: `source ${what} is also in plan ${other.planId} (wave ${other.wave}, server ${other.key}), which has not ended; this server waits until that migration of it ends`,
          },
        });
      }
      index++;
    }
  }
  return shared;
}

function claimOf(
  claims: ReadonlyMap<string, SharedSource["other"]>,
  server: CompiledServer,
): SharedSource["other"] | undefined {
  if (server.ref.sourceId) return claims.get(`id:${server.ref.sourceId}`);
  if (server.ref.name) return claims.get(`name:${server.ref.name}`);
  return undefined;
}

/** Each shared source appears in both servers' histories: who else migrates it, and where. */
export async function noteSharedSources(
  ctx: OrchestratorContext,
  planId: string,
  shared: readonly SharedSource[],
): Promise<void> {
  const at = ctx.clock.now();
  for (const { index, other } of shared) {
    await ctx.servers.appendHistory(planId, index, {
      at,
      event: "source:shared",
      detail: `also in plan ${other.planId} (wave ${other.wave}, server ${other.key}); this server waits for that migration`,
    });
    await ctx.servers.appendHistory(other.planId, other.index, {
      at,
      event: "source:shared",
      detail: `also in plan ${planId}, submitted later; its server waits for this migration`,
    });
  }
}
