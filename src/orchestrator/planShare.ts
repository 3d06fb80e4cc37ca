import { fairShares } from "../scheduler/fairShare.ts";
import type { AccountRuntime, OrchestratorContext } from "./context.ts";
import type { QuotaUsage } from "./store/quotaLedger.ts";
import type { PlanRecord } from "./store/storeRecords.ts";

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
  account: AccountRuntime,
  usage: QuotaUsage,
  pendingCount: number,
): Promise<number> {
  const { maxJobs } = plan.spec.policy;
  const wants = Math.min(maxJobs, (usage.byPlan.get(plan.id) ?? 0) + pendingCount);
  const claims = await runningClaims(
    ctx,
    plan.id,
    await ctx.ledger.claims(
      plan.spec.account,
      { planId: plan.id, wants },
      ctx.realClock.now(),
      CLAIM_LIFETIME_MS,
    ),
  );
  // Slots of plans that claim nothing now (ended, paused) are taken like anyone else's jobs.
  const claimed = claims.reduce((sum, claim) => sum + (usage.byPlan.get(claim.planId) ?? 0), 0);
  const shares = fairShares(
    claims.map((claim) => ({ ...claim, held: usage.byPlan.get(claim.planId) ?? 0 })),
    account.quota - (usage.used - claimed),
  );
  return Math.min(maxJobs, shares.get(plan.id) ?? maxJobs);
}

/**
 * The claims of plans that still admit: a plan's last claim outlives its run (it ended, was paused
 * or cancelled) by up to the claim's lifetime, and would hold back the plans still running.
 */
async function runningClaims<C extends { planId: string }>(
  ctx: OrchestratorContext,
  planId: string,
  claims: readonly C[],
): Promise<C[]> {
  const running = await Promise.all(
    claims.map(
      async (claim) =>
        claim.planId === planId || (await ctx.store.getPlan(claim.planId))?.status === "running",
    ),
  );
  return claims.filter((_, i) => running[i]);
}
