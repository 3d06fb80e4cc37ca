import type { LiveForecasts } from "./liveForecast.ts";
import type { PlanSummary } from "./views.ts";

/** Plans the live ETA is given for: a paused plan starts nothing, so it has no finish to tell. */
const FORECAST_STATUSES = new Set<PlanSummary["status"]>(["pending", "running"]);

/**
 * The plan (summary or view) with its ETA and each unfinished wave's, from the cached live
 * forecast; unchanged for a plan that is not pending or running (its cached forecast is dropped).
 */
export async function withEta<T extends PlanSummary>(
  plan: T,
  forecasts: LiveForecasts,
): Promise<T> {
  if (!FORECAST_STATUSES.has(plan.status)) {
    forecasts.forget(plan.id);
    return plan;
  }
  const forecast = await forecasts.get(plan.id);
  if (!forecast) return plan;
  const byWave = new Map(forecast.waves.map((wave) => [wave.name, wave.finish]));
  return {
    ...plan,
    eta: { ...forecast.finish, asOf: forecast.asOf },
    waves: plan.waves.map((wave) => {
      const finish = byWave.get(wave.name);
      const open = wave.finishedAt === undefined && wave.status !== "skipped";
      return finish && open ? { ...wave, eta: { p50: finish.p50, p90: finish.p90 } } : wave;
    }),
  };
}
