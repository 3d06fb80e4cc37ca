/**
 * The forecast's error (issue 10, item 8): the orchestrator, on the real Redis, runs a plan against
 * the in-process SMC emulator (seeded per-job jitter: ×0.8–1.25 on the copy, 15–25 min of fixed
 * phases) on the emulator's clock, as `daemon --emulator` does, with the HTTP API in front. A first
 * plan teaches the account its throughput; then the measured plan's forecast at submit
 * (GET /api/plans/:id/forecast) and again when half its servers ended are set against its actual
 * end. Also times a 10,000-server forecast and compares packed with largest-first order. Prints
 * figures; asserts nothing.
 *
 * Settings (environment): BENCH_TIME_SCALE (default 1800), BENCH_POLL_MS (the orchestrator's poll
 * in real ms, default 50), BENCH_FORECAST_SERVERS (the measured plan, default 300).
 */
import { randomUUID } from "node:crypto";
import { startApiServer } from "../src/api/server.ts";
import type { PlanForecast } from "../src/forecast/forecastModel.ts";
import { forecastPlan } from "../src/forecast/forecastPlan.ts";
import type { Migrations, PlanSummary } from "../src/orchestrator/views.ts";
import type { CompiledPlan } from "../src/plan/compiledPlan.ts";
import { envAccessToken } from "../src/platform/accessTokens.ts";
import type { SourceServer } from "../src/smc/types.ts";
import { benchPlan } from "./benchPlan.ts";
import { planEnded, startBenchWorld, waitForPlan } from "./benchWorld.ts";
import { packingFigures } from "./packingFigures.ts";

const QUOTA = 40;
const TRAINING = 40;
const HOUR = 3_600_000;
const REAL_TIMEOUT_MS = 15 * 60_000;
const TOKEN = `bench-${randomUUID()}`;

export async function run(): Promise<void> {
  timeLargeForecast();
  packingFigures();
  const timeScale = Number(process.env.BENCH_TIME_SCALE ?? 1800);
  const pollMs = Number(process.env.BENCH_POLL_MS ?? 50);
  const servers = Number(process.env.BENCH_FORECAST_SERVERS ?? 300);
  const worldPollMs = pollMs * timeScale;
  console.log(
    `\nforecast error: ${servers} servers in 2 waves after ${TRAINING} to learn from, quota ${QUOTA}; ` +
      `time scale ${timeScale}, poll ${pollMs} ms real = ${(worldPollMs / 1000).toFixed(0)} s emulated`,
  );
  const world = await startBenchWorld({
    redisUrl: process.env.SMC_WAVES_REDIS_URL ?? "redis://127.0.0.1:6379",
    sources: servers + TRAINING,
    quota: QUOTA,
    seed: 3,
    timeScale,
    settings: {
      pollIntervalMs: pollMs,
      sweepIntervalMs: 10 * pollMs,
      reconcileIntervalMs: 300_000,
      concurrency: 50,
      keepCompleted: { ageMs: 7 * 24 * HOUR, count: 10_000 },
      keepFailed: { ageMs: 30 * 24 * HOUR },
    },
    // This process works the plans, as `daemon --emulator` does.
    runWorkers: true,
  });
  const { emulator, client, events, logger, orchestrator: daemon } = world;
  const api = await startApiServer({
    host: "127.0.0.1",
    port: 0,
    migrations: daemon.migrations,
    queues: Object.values(daemon.queues),
    events,
    health: async () => ({
      status: "ok",
      ready: true,
      redis: { status: "reachable", since: new Date().toISOString() },
      smc: true,
      workers: "running",
    }),
    tokens: [envAccessToken(TOKEN)],
    dashboardReadOnly: true,
    logger,
    now: () => emulator.clock.now(),
  });
  const forecastOf = async (planId: string): Promise<PlanForecast> => {
    const response = await fetch(`${api.url}/api/plans/${planId}/forecast`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return (await response.json()) as PlanForecast;
  };
  try {
    const sources = (await client.describeAllSourceServers({})).filter(
      (source) => source.state === "Available",
    );
    const training = planOver("bench-learn", sources.slice(0, TRAINING), [TRAINING], worldPollMs);
    const learned = await daemon.migrations.submit(training);
    await waitFor(daemon.migrations, learned.planId, planEnded);

    const measured = planOver(
      "bench-forecast",
      sources.slice(TRAINING, TRAINING + servers),
      [servers / 2, servers / 2],
      worldPollMs,
    );
    const { planId } = await daemon.migrations.submit(measured);
    const submittedAt = emulator.clock.now();
    const realStart = Date.now();
    const atSubmit = await forecastOf(planId);
    const half = await waitFor(
      daemon.migrations,
      planId,
      (plan) => planEnded(plan) || plan.counts.succeeded + plan.counts.failed >= servers / 2,
    );
    const atHalf = await forecastOf(planId);
    const summary = await waitFor(daemon.migrations, planId, planEnded);
    const actual = summary.finishedAt ?? emulator.clock.now();
    const makespan = actual - submittedAt;

    console.log(
      `plan ${summary.status}: ${summary.counts.succeeded} migrated in ${fmtHours(makespan)} emulated ` +
        `(${((Date.now() - realStart) / 1000).toFixed(0)} s real); throughput at submit ` +
        `${(atSubmit.throughput.bytesPerSecond / 1024 ** 2).toFixed(1)} MiB/s ±${Math.round(atSubmit.throughput.spread * 100)} % ` +
        `+ ${(atSubmit.throughput.fixedMsPerJob / 60_000).toFixed(1)} min per job (${atSubmit.throughput.source}, ${atSubmit.throughput.learnedFromJobs} jobs)`,
    );
    report("at submit", atSubmit, submittedAt, actual, makespan);
    console.log(
      `  (half-way: ${half.counts.succeeded + half.counts.failed} of ${servers} ended, ${fmtHours(Date.parse(atHalf.asOf) - submittedAt)} in)`,
    );
    report("at half-way", atHalf, Date.parse(atHalf.asOf), actual, makespan);
    console.log(
      `reproduce: redis-server on 127.0.0.1:6379, then  BENCH_TIME_SCALE=${timeScale} BENCH_POLL_MS=${pollMs} BENCH_FORECAST_SERVERS=${servers} npm run bench -- forecast`,
    );
  } finally {
    await api.close();
    await world.close({ drainMs: 2_000, deleteKeys: true });
  }
}

/** The forecast's P50 and P90 against the actual end: error over the makespan and over what was left. */
function report(
  when: string,
  forecast: PlanForecast,
  from: number,
  actual: number,
  makespan: number,
): void {
  const p50 = Date.parse(forecast.finish.p50);
  const p90 = Date.parse(forecast.finish.p90);
  const left = actual - from;
  console.log(
    `  ${when.padEnd(12)} P50 ${fmtSigned(p50 - actual)} (${pct((p50 - actual) / makespan)} of the makespan, ` +
      `${pct((p50 - actual) / left)} of the ${fmtHours(left)} left); P90 ${fmtSigned(p90 - actual)} ` +
      `(${pct((p90 - actual) / makespan)}); actual end ${p90 >= actual ? "within" : "after"} P90`,
  );
}

/** How long a 10,000-server, 5-wave forecast takes (50 sampled runs), median of 5. */
function timeLargeForecast(): void {
  const keys = Array.from({ length: 10_000 }, (_, i) => `s-${i}`);
  const sizes = new Map(keys.map((key, i) => [key, (20 + ((i * 7919) % 480)) * 1024 ** 3]));
  const plan: CompiledPlan = {
    name: "large",
    regionId: "cn-hangzhou",
    account: "default",
    policy: {
      maxJobs: 100,
      pollIntervalMs: 30_000,
      jobRestarts: 3,
      onFinish: "delete",
      onWaveFailure: "halt",
      maxFailedServers: 0,
    },
    waves: Array.from({ length: 5 }, (_, wave) => ({
      name: `wave-${wave + 1}`,
      order: "largestFirst" as const,
      ...(wave === 2
        ? { window: { cron: "0 22 * * *", durationMs: 8 * HOUR, timezone: "Asia/Shanghai" } }
        : {}),
      servers: keys.slice(wave * 2000, (wave + 1) * 2000).map((key) => ({
        key,
        ref: { sourceId: key },
        settings: {
          systemDiskSize: 500,
        } as CompiledPlan["waves"][number]["servers"][number]["settings"],
      })),
    })),
  };
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    forecastPlan(plan, {
      now: Date.parse("2026-12-01T00:00:00Z"),
      sizes,
      quota: 100,
      throughput: {
        bytesPerSecond: 25 * 1024 ** 2,
        spread: 0.15,
        source: "default",
        learnedFromJobs: 0,
        fixedMsPerJob: 0,
      },
      seed: 1,
    });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(
    `10,000-server forecast (5 waves, one windowed, 50 sampled runs): ${(times[2] ?? 0).toFixed(0)} ms median of 5 ` +
      `(${(times[0] ?? 0).toFixed(0)}–${(times[4] ?? 0).toFixed(0)} ms)`,
  );
}

/** This process's orchestrator runs on the emulated clock, so the plan's poll is emulated too. */
const planOver = (
  name: string,
  sources: readonly SourceServer[],
  waveSizes: readonly number[],
  emulatedPollMs: number,
): CompiledPlan =>
  benchPlan({
    name,
    sources,
    waveSizes,
    maxJobs: QUOTA,
    pollIntervalMs: emulatedPollMs,
    refBy: "name",
  }).plan;

/** Polls often: the half-way forecast is read as soon as half the servers ended. */
const waitFor = (
  migrations: Migrations,
  planId: string,
  done: (plan: PlanSummary) => boolean,
): Promise<PlanSummary> =>
  waitForPlan(migrations, planId, done, { everyMs: 100, timeoutMs: REAL_TIMEOUT_MS });

const fmtHours = (ms: number) => `${(ms / HOUR).toFixed(2)} h`;
const fmtSigned = (ms: number) => `${ms >= 0 ? "+" : "−"}${(Math.abs(ms) / 60_000).toFixed(1)} min`;
const pct = (share: number) => `${share >= 0 ? "+" : "−"}${(Math.abs(share) * 100).toFixed(1)} %`;
