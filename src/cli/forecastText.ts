import type { PlanForecast } from "../forecast/forecastModel.ts";

const MiB = 1024 ** 2;
const MINUTE = 60_000;

/** `3 h 20 min`, `45 min`, `2 d 4 h`: how far a moment is from the forecast's start. */
function span(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / MINUTE));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${rest} min`;
  return `${rest} min`;
}

/** `2026-11-30 14:05Z (+3 h 20 min)`. */
function moment(iso: string, from: number): string {
  return `${iso.slice(0, 16).replace("T", " ")}Z (+${span(Date.parse(iso) - from)})`;
}

/** The forecast as an operator reads it: each wave's start and finish, the plan's, quota use. */
export function formatForecast(forecast: PlanForecast, name: string): string {
  const from = Date.parse(forecast.asOf);
  const { throughput } = forecast;
  const source =
    throughput.source === "learned"
      ? `learned from ${throughput.learnedFromJobs} finished jobs`
      : throughput.source;
  const lines = [
    `forecast of plan ${name} from ${forecast.asOf} (${forecast.samples} sampled runs, seed ${forecast.seed})`,
    `throughput: ${(throughput.bytesPerSecond / MiB).toFixed(1)} MiB/s per job ±${Math.round(throughput.spread * 100)} % (${source})`,
  ];
  forecast.waves.forEach((wave, index) => {
    lines.push(
      "",
      `wave ${index + 1}/${forecast.waves.length} ${wave.name}`,
      `  starts    P50 ${moment(wave.start.p50, from)}   P90 ${moment(wave.start.p90, from)}`,
      `  finishes  P50 ${moment(wave.finish.p50, from)}   P90 ${moment(wave.finish.p90, from)}`,
    );
    if (wave.criticalServers.length > 0)
      lines.push(`  its end is set by: ${wave.criticalServers.join(", ")}`);
  });
  lines.push(
    "",
    `plan finishes  P50 ${moment(forecast.finish.p50, from)}   P90 ${moment(forecast.finish.p90, from)}`,
    quotaSummary(forecast),
  );
  if (forecast.assumptions.length > 0) {
    lines.push("", "assumed:");
    for (const assumption of forecast.assumptions) lines.push(`  - ${assumption}`);
  }
  return lines.join("\n");
}

/** Peak jobs held and how much of the run the plan holds that many (the median run). */
function quotaSummary(forecast: PlanForecast): string {
  const steps = forecast.quotaUse;
  if (steps.length === 0) return "quota use: no jobs left to run";
  const peak = Math.max(...steps.map((step) => step.jobs));
  let busy = 0;
  let atPeak = 0;
  for (let i = 0; i + 1 < steps.length; i++) {
    const step = steps[i];
    const next = steps[i + 1];
    if (!step || !next) continue;
    const length = Date.parse(next.at) - Date.parse(step.at);
    if (step.jobs > 0) busy += length;
    if (step.jobs === peak) atPeak += length;
  }
  const share = busy > 0 ? Math.round((atPeak / busy) * 100) : 100;
  return `quota use (median run): at most ${peak} job${peak === 1 ? "" : "s"} at once, held at that peak ${share} % of the ${span(busy)} jobs run`;
}
