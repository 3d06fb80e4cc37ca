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
import type { FaultSettings } from "../src/emulator/faultInjector.ts";
import { availableSources, benchPlan, evenWaveSizes } from "./benchPlan.ts";
import { daemonEnvironment, startBenchWorld, waitForPlanEnd } from "./benchWorld.ts";
import { startDaemonProcess } from "./daemonProcess.ts";
import { fmtHours, pct } from "./figureFormat.ts";
import {
  makespanLowerBound,
  orderOnlyMakespanMs,
  pendingSpans,
  realToEmulated,
  slotPhases,
  slotUtilisation,
  timedJobs,
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
  const world = await startBenchWorld({
    redisUrl: process.env.SMC_WAVES_REDIS_URL ?? "redis://127.0.0.1:6379",
    sources: servers,
    quota: QUOTA,
    seed: 5,
    timeScale,
    settings: {
      pollIntervalMs: pollMs,
      sweepIntervalMs: 10 * pollMs,
      reconcileIntervalMs: 10 * pollMs,
      concurrency: 20,
      keepCompleted: { ageMs: 7 * 24 * HOUR, count: 10_000 },
      keepFailed: { ageMs: 30 * 24 * HOUR },
    },
    // Submits and reads only: the daemon in the child process does the work.
    runWorkers: false,
  });
  const { emulator, client, orchestrator: submitter } = world;
  let daemon: Awaited<ReturnType<typeof startDaemonProcess>> | undefined;
  try {
    const { plan, waveOfSource } = benchPlan({
      name: "bench-production",
      sources: availableSources(await client.describeAllSourceServers({}), servers),
      waveSizes: evenWaveSizes(servers, WAVES),
      maxJobs: QUOTA,
      // Real ms like the daemon's (the daemon runs on the real clock): 30 s emulated.
      pollIntervalMs: pollMs,
      refBy: "sourceId",
    });
    emulator.setFaults(options.faults);
    const before = emulator.stats();
    const realStart = Date.now();
    daemon = await startDaemonProcess(
      daemonEnvironment(world, {
        SMC_WAVES_ORCHESTRATOR_RECONCILE_INTERVAL: String(10 * pollMs),
        SMC_WAVES_LOG_LEVEL: process.env.BENCH_DAEMON_LOG_LEVEL ?? "info",
      }),
    );
    const submittedAt = emulator.clock.now();
    const { planId } = await submitter.migrations.submit(plan);
    const summary = await waitForPlanEnd(submitter.migrations, planId, REAL_TIMEOUT_MS);
    const realSeconds = (Date.now() - realStart) / 1000;
    const usage = daemon.usage();
    await daemon.stop();
    daemon = undefined;

    const realNow = Date.now();
    const emulated = realToEmulated(emulator.clock.now(), realNow, timeScale);
    const makespanMs = emulated(summary.finishedAt ?? realNow) - submittedAt;
    const waveStarts = summary.waves.map((wave) => emulated(wave.startedAt ?? realNow));
    const jobs = timedJobs(emulator.timeline(), waveOfSource);
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
    await world.close({ drainMs: 1_000, deleteKeys: true });
  }
}

const fmt = (value: number) => value.toFixed(2);
