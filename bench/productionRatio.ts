/**
 * Polling and makespan at a production ratio (issue 10, item 8): the real daemon, in its own
 * process, on the real Redis, runs a 400-server, 2-wave plan under a 100-job quota against the
 * in-process emulator, at a time scale where its poll is 30 emulated seconds against jobs of
 * hours. Twice: without faults, then with 10 % API errors, 5 % throttling and 10 % of running
 * segments dropping to InError. Every figure comes from the emulator's stats and timeline. Prints
 * figures; asserts nothing.
 *
 * Settings (environment): BENCH_TIME_SCALE (emulated seconds per real second, default 300),
 * BENCH_POLL_MS (the daemon's poll in real ms, default 100: 30 emulated seconds at 300×),
 * BENCH_SERVERS (default 400), BENCH_RUNS (`clean,faults`, the default, or one of them).
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { pino } from "pino";
import type { FaultSettings } from "../src/emulator/faultInjector.ts";
import { startEmulator } from "../src/emulator/startEmulator.ts";
import type { Account } from "../src/orchestrator/context.ts";
import { startOrchestrator } from "../src/orchestrator/orchestrator.ts";
import type { PlanSummary } from "../src/orchestrator/views.ts";
import type { CompiledPlan } from "../src/plan/compiledPlan.ts";
import { MigrationEvents } from "../src/platform/events.ts";
import { deleteKeysUnder } from "../src/platform/redisConnector.ts";
import { SmcClient } from "../src/smc/client.ts";
import { DEFAULT_RETRY_POLICY } from "../src/smc/retry.ts";
import type { SourceServer } from "../src/smc/types.ts";
import { startDaemonProcess } from "./daemonProcess.ts";
import {
  makespanLowerBound,
  orderOnlyMakespanMs,
  pendingSpans,
  slotPhases,
  slotUtilisation,
  type TimedJob,
} from "./makespanFigures.ts";

const WAVES = 2;
const QUOTA = 100;
const HOUR = 3_600_000;
const REAL_TIMEOUT_MS = 15 * 60_000;
/**
 * The least that still notices every finish, per server: create, start and delete, one batched
 * DescribeReplicationJobs per group of finishes and a slow sweep for InError (issue 10).
 */
const PHYSICAL_MINIMUM = 3.8;

const RUNS: Record<string, Partial<FaultSettings>> = {
  clean: {},
  faults: { internalErrorRate: 0.1, throttlingRate: 0.05, jobErrorRate: 0.1 },
};

export async function run(): Promise<void> {
  const timeScale = Number(process.env.BENCH_TIME_SCALE ?? 300);
  const pollMs = Number(process.env.BENCH_POLL_MS ?? 100);
  const servers = Number(process.env.BENCH_SERVERS ?? 400);
  const runs = (process.env.BENCH_RUNS ?? "clean,faults").split(",");
  console.log(
    `${servers} servers in ${WAVES} waves, quota ${QUOTA}; time scale ${timeScale}; daemon poll ${pollMs} ms real = ` +
      `${((pollMs * timeScale) / 1000).toFixed(0)} s emulated, sweep and reconcile every 10 polls`,
  );
  for (const name of runs) {
    const faults = RUNS[name];
    if (!faults) throw new Error(`unknown run ${name}; known: ${Object.keys(RUNS).join(", ")}`);
    console.log(`\n-- ${name}: faults ${JSON.stringify(faults)}`);
    await runOnce({ timeScale, pollMs, servers, faults });
  }
  console.log(
    `\nreproduce: redis-server on 127.0.0.1:6379, npm run build, then  BENCH_TIME_SCALE=${timeScale} BENCH_POLL_MS=${pollMs} npm run bench -- production`,
  );
}

async function runOnce(options: {
  timeScale: number;
  pollMs: number;
  servers: number;
  faults: Partial<FaultSettings>;
}): Promise<void> {
  const { timeScale, pollMs, servers } = options;
  const redisUrl = process.env.SMC_WAVES_REDIS_URL ?? "redis://127.0.0.1:6379";
  const prefix = `{bench-${randomUUID()}}`;
  const emulator = await startEmulator({ sources: servers, quota: QUOTA, seed: 5, timeScale });
  const client = new SmcClient({
    endpoint: emulator.url,
    credentials: emulator.credentials,
    regionId: "cn-hangzhou",
  });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const accounts = new Map<string, Account>([["default", { client, quota: QUOTA }]]);
  const submitter = await startOrchestrator({
    redis,
    prefix,
    accounts,
    settings: {
      pollIntervalMs: pollMs,
      sweepIntervalMs: 10 * pollMs,
      reconcileIntervalMs: 10 * pollMs,
      concurrency: 20,
      lockDurationMs: 60_000,
      stalledIntervalMs: 30_000,
      reservationLeaseMs: 600_000,
      keepCompleted: { ageMs: 7 * 24 * HOUR, count: 10_000 },
      keepFailed: { ageMs: 30 * 24 * HOUR },
      retry: DEFAULT_RETRY_POLICY,
    },
    events: new MigrationEvents(),
    logger: pino({ level: "silent" }),
    clock: emulator.clock,
    runWorkers: false,
  });
  let daemon: Awaited<ReturnType<typeof startDaemonProcess>> | undefined;
  try {
    const { plan, waveOfSource } = buildPlan(
      await client.describeAllSourceServers({}),
      servers,
      pollMs,
    );
    emulator.setFaults(options.faults);
    const before = emulator.stats();
    const realStart = Date.now();
    daemon = await startDaemonProcess({
      SMC_WAVES_REDIS_URL: redisUrl,
      SMC_WAVES_PREFIX: prefix,
      SMC_WAVES_SMC_ENDPOINT: emulator.url,
      SMC_WAVES_QUOTA: String(QUOTA),
      SMC_WAVES_ORCHESTRATOR_POLL_INTERVAL: String(pollMs),
      SMC_WAVES_ORCHESTRATOR_RECONCILE_INTERVAL: String(10 * pollMs),
      SMC_WAVES_HTTP_PORT: "0",
      SMC_WAVES_LOG_LEVEL: process.env.BENCH_DAEMON_LOG_LEVEL ?? "info",
      SMC_WAVES_LOG_PRETTY: "false",
      ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.credentials.accessKeySecret,
    });
    const submittedAt = emulator.clock.now();
    const { planId } = await submitter.migrations.submit(plan);
    const summary = await waitForEnd(async () =>
      (await submitter.migrations.listPlans()).find((candidate) => candidate.id === planId),
    );
    const realSeconds = (Date.now() - realStart) / 1000;
    const usage = daemon.usage();
    await daemon.stop();
    daemon = undefined;

    // The daemon stamps plan and wave times with the real clock; map them onto emulated time.
    const realNow = Date.now();
    const emulatedNow = emulator.clock.now();
    const emulated = (realMs: number) => emulatedNow - (realNow - realMs) * timeScale;
    const makespanMs = emulated(summary.finishedAt ?? realNow) - submittedAt;
    const waveStarts = summary.waves.map((wave) => emulated(wave.startedAt ?? realNow));
    const jobs: TimedJob[] = emulator.timeline().map((job) => ({
      wave: waveOfSource.get(job.sourceId) ?? -1,
      createdAt: Date.parse(job.createdAt),
      deletedAt: job.deletedAt ? Date.parse(job.deletedAt) : null,
      runDurationMs: job.runDurationMs,
      startedAt: job.startedAt ? Date.parse(job.startedAt) : null,
      finishedAt: job.finishedAt ? Date.parse(job.finishedAt) : null,
    }));
    const bound = makespanLowerBound(jobs, WAVES, QUOTA);
    const stats = emulator.stats();
    const migrated = summary.counts.succeeded;
    const worldPollMs = pollMs * timeScale;
    const runs = jobs.map((job) => job.runDurationMs);
    console.log(
      `plan ${summary.status}: ${migrated} migrated, ${summary.counts.failed} failed; ${jobs.length} jobs; ` +
        `runs ${fmtHours(Math.min(...runs) / HOUR)}–${fmtHours(Math.max(...runs) / HOUR)}, mean ${fmtHours(runs.reduce((a, b) => a + b, 0) / runs.length / HOUR)}; ` +
        `${realSeconds.toFixed(0)} s real`,
    );
    let total = 0;
    const perAction = Object.entries(stats.actions)
      .sort()
      .flatMap(([action, entry]) => {
        const calls = entry.calls - (before.actions[action]?.calls ?? 0);
        total += calls;
        return calls > 0
          ? [`${action.replace("ReplicationJob", "")} ${fmt(calls / migrated)}`]
          : [];
      });
    console.log(
      `SMC calls per migrated server  ${fmt(total / migrated)} (physical minimum ≈ ${PHYSICAL_MINIMUM}): ${perAction.join(", ")}`,
    );
    console.log(
      `makespan ÷ lower bound         ${(makespanMs / bound.totalMs).toFixed(3)} (${fmtHours(makespanMs / HOUR)} ÷ ${fmtHours(bound.totalMs / HOUR)})`,
    );
    const orderOnly = orderOnlyMakespanMs(jobs, WAVES, QUOTA);
    console.log(
      `  the same order, no overhead  ${(orderOnly / bound.totalMs).toFixed(3)} (packing); the rest is overhead`,
    );
    for (const [index, wave] of bound.waves.entries()) {
      const start = waveStarts[index] ?? 0;
      const end = emulated(summary.waves[index]?.finishedAt ?? realNow);
      const creates = jobs
        .filter((job) => job.wave === index)
        .map((job) => job.createdAt)
        .sort((a, b) => a - b);
      const fill = ((creates[QUOTA - 1] ?? creates.at(-1) ?? start) - start) / worldPollMs;
      console.log(
        `  wave ${index + 1}: ${fmtHours((end - start) / HOUR)} against ${fmtHours(wave.boundMs / HOUR)} ` +
          `(longest job ${fmtHours(wave.longestMs / HOUR)}, work ÷ slots ${fmtHours(wave.workPerSlotMs / HOUR)}); ` +
          `its first ${QUOTA} creates took ${fmt(fill)} polls from its start`,
      );
    }
    const pending = pendingSpans(jobs, waveStarts);
    console.log(`slot use while work pending   ${pct(slotUtilisation(jobs, QUOTA, pending))}`);
    const phases = slotPhases(jobs);
    console.log(
      `finish → delete               ${fmt(phases.finishToDelete.meanMs / worldPollMs)} polls mean, ${fmt(phases.finishToDelete.p95Ms / worldPollMs)} p95; ` +
        `create → start ${fmt(phases.createToStart.meanMs / worldPollMs)} polls mean`,
    );
    for (let wave = 1; wave < WAVES; wave++) {
      const previousEnd = Math.max(
        ...jobs.filter((job) => job.wave === wave - 1).map((job) => job.deletedAt ?? 0),
      );
      const firstCreate = Math.min(
        ...jobs.filter((job) => job.wave === wave).map((job) => job.createdAt),
      );
      console.log(
        `wave ${wave + 1}'s first create       ${fmt((firstCreate - previousEnd) / worldPollMs)} polls after wave ${wave}'s last delete`,
      );
    }
    console.log(
      `high water                    ${stats.highWater.existingJobs} jobs existing, ${stats.highWater.unfinishedJobsPerSource} unfinished per source` +
        (usage ? `; daemon CPU ${usage.cpuSeconds.toFixed(1)} s` : ""),
    );
  } finally {
    await daemon?.stop();
    for (const queue of Object.values(submitter.queues))
      await queue.obliterate({ force: true }).catch(() => undefined);
    await submitter.close(1_000);
    await deleteKeysUnder(redis, prefix);
    redis.disconnect();
    client.close();
    await emulator.close();
  }
}

/** Waves of equal size in listing order, largest first; each job copies the system disk. */
function buildPlan(
  sources: readonly SourceServer[],
  servers: number,
  pollIntervalMs: number,
): { plan: CompiledPlan; waveOfSource: Map<string, number> } {
  const available = sources.filter((source) => source.state === "Available").slice(0, servers);
  if (available.length < servers)
    throw new Error(
      `the emulator has ${available.length} available sources, the bench needs ${servers}`,
    );
  const perWave = Math.ceil(servers / WAVES);
  const waveOfSource = new Map<string, number>();
  const waves = Array.from({ length: WAVES }, (_, wave) => ({
    name: `wave-${wave + 1}`,
    order: "largestFirst" as const,
    servers: available.slice(wave * perWave, (wave + 1) * perWave).map((source) => {
      waveOfSource.set(source.sourceId, wave);
      return {
        key: source.sourceId,
        ref: { sourceId: source.sourceId },
        settings: {
          systemDiskSize: Math.max(20, source.systemDiskSize),
          targetType: "Image" as const,
        },
      };
    }),
  }));
  return {
    plan: {
      name: "bench-production",
      regionId: "cn-hangzhou",
      account: "default",
      policy: {
        maxJobs: QUOTA,
        // Real ms like the daemon's (the daemon runs on the real clock): 30 s emulated.
        pollIntervalMs,
        jobRestarts: 3,
        onFinish: "delete",
        onWaveFailure: "continue",
        maxFailedServers: servers,
      },
      waves,
    },
    waveOfSource,
  };
}

async function waitForEnd(read: () => Promise<PlanSummary | undefined>): Promise<PlanSummary> {
  const deadline = Date.now() + REAL_TIMEOUT_MS;
  for (;;) {
    const plan = await read();
    if (plan && ["succeeded", "failed", "cancelled"].includes(plan.status)) return plan;
    if (Date.now() > deadline)
      throw new Error(
        `the plan did not end within 15 real minutes: ${JSON.stringify(plan?.counts)}`,
      );
    // Only detects the end; the makespan comes from the plan's own finishedAt.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

const fmt = (value: number) => value.toFixed(2);
const fmtHours = (hours: number) => `${hours.toFixed(2)} h`;
const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
