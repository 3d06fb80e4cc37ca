import type { PlanForecast } from "../forecast/forecastModel.ts";
import { isInFlight } from "../lifecycle/statuses.ts";
import { openingsBetween } from "../scheduler/windowOpenings.ts";
import type { OrchestratorContext } from "./context.ts";
import { jobBars } from "./jobBars.ts";
import { PlanTargetError } from "./planErrors.ts";
import { waveIndexes } from "./store/planLayout.ts";
import type { WaveTimeline } from "./timelineView.ts";

/** Bars a timeline shows unless asked for fewer or more. */
export const DEFAULT_BARS = 200;
/** The most bars a timeline shows whatever is asked: a wave of 10,000 is drawn from a sample. */
export const MAX_BARS = 1_000;
/** Window openings shaded at most (a `* * * * *` window over a month is 43,200). */
const MAX_OPENINGS = 500;

const ms = (iso: string) => Date.parse(iso);

/**
 * One wave's jobs as they happened (from each server's record and history), its windows and the
 * forecast's bars, bounded: at most `limit` servers' jobs, in flight ones first, then the most
 * recently ended; the wave's servers are chosen from four fields each, and only the chosen ones'
 * records and histories are read.
 */
export async function waveTimeline(
  ctx: OrchestratorContext,
  planId: string,
  waveName: string,
  options: { limit: number; forecast?: PlanForecast },
): Promise<WaveTimeline | undefined> {
  const plan = await ctx.store.getPlan(planId);
  if (!plan) return undefined;
  const index = plan.spec.waves.findIndex((wave) => wave.name === waveName);
  const spec = plan.spec.waves[index];
  if (!spec) {
    throw new PlanTargetError(
      `plan ${planId} has no wave "${waveName}"; its waves: ${plan.spec.waves.map((w) => w.name).join(", ")}`,
    );
  }
  const [waves, summaries] = await Promise.all([
    ctx.store.getWaves(plan),
    ctx.servers.jobSummaries(planId, waveIndexes(plan.spec, index)),
  ]);
  const record = waves[index] ?? { status: "pending" as const };
  const limit = Math.max(0, Math.min(MAX_BARS, options.limit));
  const withJobs = summaries.filter((s) => s.hadJob);
  const picked = [...withJobs].sort(shownFirst).slice(0, limit);
  const indexes = picked.map((s) => s.index);
  const [chosen, histories] = await Promise.all([
    ctx.servers.getServers(planId, indexes),
    ctx.servers.histories(planId, indexes),
  ]);
  const historyOf = new Map(indexes.map((at, i) => [at, histories[i] ?? []]));
  const jobs = chosen
    .flatMap((server) => jobBars(server, historyOf.get(server.index) ?? []))
    .sort((a, b) => a.created - b.created);
  const now = ctx.clock.now();
  const forecast = options.forecast ? forecastOf(options.forecast, waveName, limit) : undefined;
  const from = Math.min(now, record.startedAt ?? now, ...jobs.map((job) => job.created));
  const to = Math.max(
    now,
    record.finishedAt ?? now,
    forecast?.finish.p90 ?? now,
    ...jobs.map((job) => job.deleted ?? job.finished ?? now),
  );
  return {
    planId,
    wave: waveName,
    status: record.status,
    now,
    from,
    to,
    ...(spec.window ? { windows: openingsBetween(spec.window, from, to, MAX_OPENINGS) } : {}),
    ...(spec.cutover?.window
      ? { cutoverWindows: openingsBetween(spec.cutover.window, from, to, MAX_OPENINGS) }
      : {}),
    jobs,
    omitted: withJobs.length - chosen.length,
    ...(forecast ? { forecast } : {}),
  };
}

type Summary = Awaited<ReturnType<OrchestratorContext["servers"]["jobSummaries"]>>[number];

/** In flight first (what is happening now), then the most recently ended. */
function shownFirst(a: Summary, b: Summary): number {
  const live = Number(isInFlight(b.status)) - Number(isInFlight(a.status));
  return live || b.finishedAt - a.finishedAt || a.index - b.index;
}

function forecastOf(
  forecast: PlanForecast,
  wave: string,
  limit: number,
): WaveTimeline["forecast"] | undefined {
  const waveForecast = forecast.waves.find((w) => w.name === wave);
  if (!waveForecast) return undefined;
  return {
    asOf: ms(forecast.asOf),
    start: { p50: ms(waveForecast.start.p50), p90: ms(waveForecast.start.p90) },
    finish: { p50: ms(waveForecast.finish.p50), p90: ms(waveForecast.finish.p90) },
    jobs: forecast.jobs
      .filter((job) => job.wave === wave)
      .slice(0, limit)
      .map((job) => ({
        server: job.server,
        created: ms(job.create),
        started: ms(job.start),
        finished: ms(job.finish),
        ...(job.cutover ? { cutover: ms(job.cutover) } : {}),
        deleted: ms(job.end),
      })),
  };
}
