/**
 * What the view's timeline and the live ETA cost at plan sizes of 1,000, 5,000 and 10,000 servers
 * in one wave: a plan is written straight into a Redis prefix of its own (a tenth of its servers
 * ended with a job and a history, a hundred running, the rest pending with their sizes known), then
 * `GET /api/plans/:id/timeline` (its `Migrations` call: every server record of the wave, the chosen
 * servers' histories) and one live forecast (forecastFromState, 50 samples) are timed. Prints
 * figures; asserts nothing. No SMC calls: every size is known, so the forecast lists no source.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { pino } from "pino";
import type { Account } from "../src/orchestrator/context.ts";
import { startOrchestrator } from "../src/orchestrator/orchestrator.ts";
import { openStore } from "../src/orchestrator/store/openStore.ts";
import type { CompiledPlan } from "../src/plan/compiledPlan.ts";
import { MigrationEvents } from "../src/platform/events.ts";
import { deleteKeysUnder } from "../src/platform/redisConnector.ts";
import { SmcClient } from "../src/smc/client.ts";
import { benchSettings } from "./benchWorld.ts";

const SIZES = [1_000, 5_000, 10_000];
const RUNS = 5;
const RUNNING = 100;
const HOUR = 3_600_000;
const GIB = 1024 ** 3;

export async function run(): Promise<void> {
  const redisUrl = process.env.SMC_WAVES_REDIS_URL ?? "redis://127.0.0.1:6379";
  for (const servers of SIZES) await measure(redisUrl, servers);
}

async function measure(redisUrl: string, servers: number): Promise<void> {
  const prefix = `{bench-${randomUUID()}}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const now = Date.parse("2026-12-01T00:00:00Z");
  const clock = { now: () => now, sleep: async () => {}, realDelay: (ms: number) => ms };
  // Never called: every server's size is known, so the forecast lists no source.
  const client = new SmcClient({
    endpoint: "http://127.0.0.1:9",
    credentials: { accessKeyId: "bench", accessKeySecret: "bench" },
    regionId: "cn-hangzhou",
  });
  const accounts = new Map<string, Account>([["default", { client, quota: 100 }]]);
  const orchestrator = await startOrchestrator({
    redis,
    prefix,
    accounts,
    settings: benchSettings({
      pollIntervalMs: 30_000,
      sweepIntervalMs: 300_000,
      reconcileIntervalMs: 300_000,
      concurrency: 20,
      keepCompleted: { ageMs: HOUR, count: 100 },
      keepFailed: { ageMs: HOUR },
    }),
    events: new MigrationEvents(),
    logger: pino({ level: "silent" }),
    clock,
    runWorkers: false,
  });
  try {
    const spec: CompiledPlan = {
      name: `bench-${servers}`,
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
      waves: [
        {
          name: "all",
          order: "largestFirst",
          servers: Array.from({ length: servers }, (_, i) => ({
            key: `s-${i}`,
            ref: { sourceId: `s-${i}` },
            settings: { targetType: "Image" as const, systemDiskSize: 40 },
          })),
        },
      ],
    };
    const { planId } = await orchestrator.migrations.submit(spec);
    await shapeRun(redis, prefix, planId, servers, now);

    const timeline = await timed(() => orchestrator.migrations.timeline(planId, { wave: "all" }));
    const forecast = await timed(() => orchestrator.migrations.forecast(planId));
    console.log(
      `${String(servers).padStart(6)} servers: timeline ${timeline.median.toFixed(0)} ms median of ${RUNS} (${(timeline.bytes / 1024).toFixed(0)} KB, ${timeline.bars} bars, ${timeline.omitted} left out); live forecast ${forecast.median.toFixed(0)} ms median of ${RUNS} (${(forecast.bytes / 1024).toFixed(0)} KB)`,
    );
  } finally {
    await orchestrator.close(0);
    await deleteKeysUnder(redis, prefix);
    redis.disconnect();
    client.close();
  }
}

/** A tenth of the servers ended with a job and a history, RUNNING running, every size known. */
async function shapeRun(
  redis: Redis,
  prefix: string,
  planId: string,
  servers: number,
  now: number,
): Promise<void> {
  const store = openStore(redis, prefix, pino({ level: "silent" }), () => now);
  const ended = Math.floor(servers / 10);
  await store.servers.patchServers(
    Array.from({ length: servers }, (_, index) => ({
      planId,
      index,
      patch: { sizeBytes: (20 + (index % 480)) * GIB },
    })),
  );
  const batch = 500;
  for (let start = 0; start < ended + RUNNING; start += batch) {
    const indexes = Array.from(
      { length: Math.min(batch, ended + RUNNING - start) },
      (_, i) => start + i,
    );
    await Promise.all(
      indexes.map(async (index) => {
        const ref = { planId, index, wave: 0 };
        const jobId = `j-${index}`;
        const created = now - 10 * HOUR + index * 60_000;
        await store.servers.moveServer(ref, { to: "creating" });
        await store.servers.appendHistory(planId, index, {
          at: created,
          event: "job:created",
          detail: jobId,
        });
        await store.servers.moveServer(ref, {
          to: "running",
          patch: { jobId, createTried: true, startedAt: created + 60_000, progress: 40 },
        });
        await store.servers.appendHistory(planId, index, {
          at: created + 60_000,
          event: "job:started",
          detail: jobId,
        });
        if (index >= ended) return;
        await store.servers.appendHistory(planId, index, {
          at: created + 2 * HOUR,
          event: "job:deleted",
          detail: jobId,
        });
        await store.servers.moveServer(ref, {
          to: "succeeded",
          patch: { finishedAt: created + 2 * HOUR, jobStatus: "Finished", progress: 100 },
        });
      }),
    );
  }
}

async function timed<T extends object | undefined>(
  call: () => Promise<T>,
): Promise<{ median: number; bytes: number; bars: number; omitted: number }> {
  const times: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    last = await call();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const body = last as { jobs?: unknown[]; omitted?: number } | undefined;
  return {
    median: times[Math.floor(RUNS / 2)] ?? 0,
    bytes: Buffer.byteLength(JSON.stringify(last ?? {})),
    bars: body?.jobs?.length ?? 0,
    omitted: body?.omitted ?? 0,
  };
}
