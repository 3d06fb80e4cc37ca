import { fairShares } from "../scheduler/fairShare.ts";
import type { Account, OrchestratorContext } from "./context.ts";
import type { PlanRecord } from "./storeRecords.ts";

/** A plan's claim older than this is from a plan that stopped asking (paused, done, or its daemon died). */
const CLAIM_LIFETIME_MS = 5 * 60_000;

/**
 * How many slots this plan may hold now: its `maxJobs`, cut to a max-min fair share when several
 * plans want the same account's quota. Each admitting plan publishes what it wants; shares are a
 * soft limit computed here, the quota itself is enforced atomically by the ledger.
 */
export async function planShare(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  account: Account,
  pendingCount: number,
): Promise<number> {
  const now = ctx.realClock.now();
  const accountName = plan.spec.account;
  const usage = await ctx.ledger.usage(accountName, now);
  const { maxJobs } = plan.spec.policy;
  const wants = Math.min(maxJobs, (usage.byPlan.get(plan.id) ?? 0) + pendingCount);
  const demandKey = ctx.store.keys.demand(accountName);
  await ctx.redis.hset(demandKey, plan.id, JSON.stringify({ wants, at: now }));

  const claims = Object.entries(await ctx.redis.hgetall(demandKey)).flatMap(([planId, raw]) => {
    const claim = JSON.parse(raw) as { wants: number; at: number };
    if (now - claim.at > CLAIM_LIFETIME_MS) return [];
    return [{ planId, held: usage.byPlan.get(planId) ?? 0, wants: claim.wants }];
  });
  const ours = [...usage.byPlan.values()].reduce((sum, held) => sum + held, 0);
  const othersJobs = usage.used - ours;
  const shares = fairShares(claims, account.quota - othersJobs);
  return Math.min(maxJobs, shares.get(plan.id) ?? maxJobs);
}
