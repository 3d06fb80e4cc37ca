import type { OrchestratorContext } from "./context.ts";
import { planSummary } from "./planViews.ts";
import type { DetailOptions, PlanDetail, PlanQuotaView } from "./views.ts";

/**
 * History entries a plan's detail carries, newest: a plan's history holds its and its waves'
 * status changes and people's actions (up to 5,000), and at ~150 bytes each 300 keep the answer
 * near 50 KB. The report's audit trail has every action.
 */
const DETAIL_HISTORY = 300;

/**
 * What `GET /api/plans/:id` answers and the view polls: the plan's summary (waves' counts and
 * reasons, from the waves' counters), its newest history and its account's quota. A few reads
 * whatever the plan's size; its servers come in pages (serverPages.ts).
 */
export async function planDetail(
  ctx: OrchestratorContext,
  planId: string,
  options: DetailOptions = {},
): Promise<PlanDetail | undefined> {
  const [summary, history] = await Promise.all([
    planSummary(ctx, planId),
    ctx.store.planHistory(planId, options.fullHistory ? undefined : DETAIL_HISTORY),
  ]);
  if (!summary) return undefined;
  const quota = ctx.accounts.has(summary.account)
    ? await accountQuota(ctx, summary.account, planId, ctx.realClock.now())
    : undefined;
  return { ...summary, history, ...(quota ? { quota } : {}) };
}

/** An account's quota slots used and running, and those `planId` holds (0 without one). */
export async function accountQuota(
  ctx: Pick<OrchestratorContext, "accounts" | "ledger">,
  account: string,
  planId: string | undefined,
  now: number,
): Promise<PlanQuotaView> {
  const settings = ctx.accounts.get(account);
  const usage = await ctx.ledger.usage(account, now);
  return {
    account,
    used: usage.used,
    limit: settings?.quota ?? 0,
    running: usage.running,
    ...(settings?.maxRunningJobs === undefined ? {} : { runningLimit: settings.maxRunningJobs }),
    heldByPlan: planId === undefined ? 0 : (usage.byPlan.get(planId) ?? 0),
  };
}
