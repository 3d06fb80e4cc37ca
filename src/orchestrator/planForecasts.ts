import { forecastFromState } from "../forecast/forecastFromState.ts";
import type { ForecastRequest, PlanForecast } from "../forecast/forecastModel.ts";
import { forecastPlan, type PlanForecastOptions } from "../forecast/forecastPlan.ts";
import { estimateThroughput } from "../forecast/throughput.ts";
import type { CompiledPlan } from "../plan/compiledPlan.ts";
import { resolveSources } from "../plan/resolveSources.ts";
import { eachPageRetried } from "./callRetry.ts";
import type { OrchestratorContext } from "./context.ts";
import { jobBytes } from "./sourceBytes.ts";
import { allIndexes } from "./store/planLayout.ts";

export interface PlanForecasts {
  /** A plan not submitted, from now. */
  forecastNew(spec: CompiledPlan, request?: ForecastRequest): Promise<PlanForecast>;
  /** A submitted plan, from where it stands; undefined for an unknown plan. */
  forecast(planId: string, request?: ForecastRequest): Promise<PlanForecast | undefined>;
}

/** The seed a forecast uses unless asked for another: the same question gets the same answer. */
const DEFAULT_SEED = 1;
/** Plans whose servers' sizes are remembered; sources rarely change size during a plan. */
const SIZES_KEPT = 32;

/**
 * Forecasts as the daemon makes them: the account's quota less what others hold now, its running
 * cap, its configured or learned throughput, and the sizes of sources the plan has not reached yet
 * (listed once per plan through the account, then remembered).
 */
export function planForecasts(ctx: OrchestratorContext): PlanForecasts {
  const sizesByPlan = new Map<string, Map<string, number>>();

  async function sizesOf(spec: CompiledPlan, cacheKey?: string): Promise<Map<string, number>> {
    const cached = cacheKey === undefined ? undefined : sizesByPlan.get(cacheKey);
    if (cached) return cached;
    const account = ctx.accounts.get(spec.account);
    const sizes = new Map<string, number>();
    if (!account) return sizes;
    const { sources } = await resolveSources(spec, account.client, eachPageRetried(ctx));
    for (const wave of spec.waves)
      for (const server of wave.servers) {
        const source = sources.get(server.key);
        if (source) sizes.set(server.key, jobBytes(source, server.settings.dataDisks));
      }
    if (cacheKey !== undefined) {
      if (sizesByPlan.size >= SIZES_KEPT) sizesByPlan.delete(sizesByPlan.keys().next().value ?? "");
      sizesByPlan.set(cacheKey, sizes);
    }
    return sizes;
  }

  async function baseOptions(
    spec: CompiledPlan,
    planId: string | undefined,
    request: ForecastRequest,
    sizes: Map<string, number>,
  ): Promise<PlanForecastOptions> {
    const account = ctx.accounts.get(spec.account);
    const usage = await ctx.ledger.usage(spec.account, ctx.realClock.now());
    const own = planId === undefined ? 0 : (usage.byPlan.get(planId) ?? 0);
    const rates = await ctx.store.jobRates(spec.account);
    return {
      now: ctx.clock.now(),
      sizes,
      quota: account?.quota ?? spec.policy.maxJobs,
      heldByOthers: Math.max(0, usage.used - own),
      ...(account?.maxRunningJobs === undefined ? {} : { maxRunningJobs: account.maxRunningJobs }),
      throughput: estimateThroughput(account?.throughputBytesPerSecond, rates),
      seed: request.seed ?? DEFAULT_SEED,
      ...(request.samples === undefined ? {} : { samples: request.samples }),
      ...(request.gatesApprovedAt === undefined
        ? {}
        : { gatesApprovedAt: request.gatesApprovedAt }),
    };
  }

  return {
    /** A plan not submitted, from now. */
    async forecastNew(spec: CompiledPlan, request: ForecastRequest = {}): Promise<PlanForecast> {
      const sizes = await sizesOf(spec);
      return forecastPlan(spec, await baseOptions(spec, undefined, request, sizes));
    },

    /** A submitted plan, from where it stands; undefined for an unknown plan. */
    async forecast(
      planId: string,
      request: ForecastRequest = {},
    ): Promise<PlanForecast | undefined> {
      const plan = await ctx.store.getPlan(planId);
      if (!plan) return undefined;
      const [waves, servers, counts] = await Promise.all([
        ctx.store.getWaves(plan),
        ctx.servers.getServers(plan.id, allIndexes(plan.spec)),
        ctx.servers.allWaveCounts(plan),
      ]);
      // Sizes are recorded when a wave starts: list the sources once for the waves still to come.
      const unsized = servers.some((server) => server.status === "pending" && !server.sizeBytes);
      const sizes = unsized ? await sizesOf(plan.spec, `${plan.id}:${plan.specHash}`) : new Map();
      const options = await baseOptions(plan.spec, plan.id, request, sizes);
      return forecastFromState({ plan, waves, servers, counts }, options);
    },
  };
}
