import { fairShares } from "../scheduler/fairShare.ts";
import type { AccountRuntime, OrchestratorContext } from "./context.ts";
import type { QuotaUsage } from "./store/quotaLedger.ts";
import type { PlanRecord } from "./store/storeRecords.ts";

/** A plan's claim older than this is from a plan that stopped asking (paused, done, or its daemon died). */
const CLAIM_LIFETIME_MS = 5 * 60_000;

/**
 * How many slots this plan may hold now: its `maxJobs`, cut to a max-min fair share when several
 * plans want the same account's quota. Each admitting plan publishes what it could use after each
 * pass (`publishWants`); shares are a soft limit computed here from the others' claims and this
 * plan's `wants`; the quota itself is enforced atomically by the ledger.
 */
export async function planShare(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  account: AccountRuntime,
  usage: QuotaUsage,
  wants: number,
): Promise<number> {
  const { maxJobs } = plan.spec.policy;
  const published = await ctx.ledger.claims(
    plan.spec.account,
    ctx.realClock.now(),
    CLAIM_LIFETIME_MS,
  );
  const claims = await runningClaims(ctx, plan.id, [
    ...published.filter((claim) => claim.planId !== plan.id),
    { planId: plan.id, wants: Math.min(maxJobs, wants) },
  ]);
  // Slots of plans that claim nothing now (ended, paused) are taken like anyone else's jobs.
  const claimed = claims.reduce((sum, claim) => sum + (usage.byPlan.get(claim.planId) ?? 0), 0);
  const shares = fairShares(
    claims.map((claim) => ({ ...claim, held: usage.byPlan.get(claim.planId) ?? 0 })),
    account.quota - (usage.used - claimed),
  );
  return Math.min(maxJobs, shares.get(plan.id) ?? maxJobs);
}

/**
 * What the plan could use after an admission pass: the slots it holds, plus the servers it could
 * still start if it had room. Servers waiting for their source are not counted: a plan whose
 * remaining servers all wait for sources another plan holds must not hold that plan to a share.
 */
export async function publishWants(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  wants: number,
): Promise<void> {
  await ctx.ledger.publishClaim(
    plan.spec.account,
    { planId: plan.id, wants: Math.min(plan.spec.policy.maxJobs, wants) },
    ctx.realClock.now(),
  );
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
