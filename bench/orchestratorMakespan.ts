/**
 * The orchestrator's makespan (issue 4): the real daemon, in its own process, on the real Redis,
 * runs a 1,000-server, 5-wave plan against the in-process SMC emulator under a 100-job quota, with
 * a time scale. Every figure comes from the emulator's timeline and stats, /proc and Redis, never
 * from the orchestrator's counters. Prints figures; asserts nothing.
 *
 * Settings (environment): BENCH_TIME_SCALE (emulated seconds per real second, default 1800),
 * BENCH_POLL_MS (the daemon's poll interval in real ms, default 50).
 */
import { availableSources, benchPlan, evenWaveSizes } from "./benchPlan.ts";
import { daemonEnvironment, startBenchWorld, waitForPlanEnd } from "./benchWorld.ts";
import { startDaemonProcess } from "./daemonProcess.ts";
import { fmtHours, pct } from "./figureFormat.ts";
import {
  idleSlotMsWhilePending,
  makespanLowerBound,
  meanSlotOverheadMs,
  pendingSpans,
  realToEmulated,
  type Spread,
  slotPhases,
  slotUtilisation,
  type TimedJob,
  timedJobs,
} from "./makespanFigures.ts";
import { prefixMemory } from "./redisMemory.ts";
import { usedMemory } from "./scaleFigures.ts";

const SERVERS = 1000;
const WAVES = 5;
const QUOTA = 100;
const HOUR = 3_600_000;
/** A plan that has not ended after this much real time is reported as stuck. */
const REAL_TIMEOUT_MS = 15 * 60_000;

export async function run(): Promise<void> {
  const timeScale = Number(process.env.BENCH_TIME_SCALE ?? 1800);
  const pollMs = Number(process.env.BENCH_POLL_MS ?? 50);
  console.log(
    `${SERVERS} servers in ${WAVES} waves, quota ${QUOTA}; time scale ${timeScale} (1 real s = ${fmtHours((timeScale * 1000) / HOUR)} emulated), ` +
      `daemon poll every ${pollMs} ms real = ${fmtMinutes((pollMs * timeScale) / 60_000)} emulated`,
  );

  const world = await startBenchWorld({
    redisUrl: process.env.SMC_WAVES_REDIS_URL ?? "redis://127.0.0.1:6379",
    sources: SERVERS,
    quota: QUOTA,
    seed: 1,
    timeScale,
    settings: {
      pollIntervalMs: pollMs,
      sweepIntervalMs: 10 * pollMs,
      reconcileIntervalMs: 300_000,
      concurrency: 20,
      keepCompleted: { ageMs: 7 * 24 * HOUR, count: 10_000 },
      keepFailed: { ageMs: 30 * 24 * HOUR },
    },
    // Submits and reads only: the daemon in the child process does the work.
    runWorkers: false,
  });
  const { emulator, client, redis, prefix, orchestrator: submitter } = world;
  let daemon: Awaited<ReturnType<typeof startDaemonProcess>> | undefined;
  try {
    const { plan, waveOfSource } = benchPlan({
      name: "bench-makespan",
      sources: availableSources(await client.describeAllSourceServers({}), SERVERS),
      waveSizes: evenWaveSizes(SERVERS, WAVES),
      maxJobs: QUOTA,
      // Real ms, like the daemon's own interval (the daemon runs on the real clock).
      pollIntervalMs: pollMs,
      refBy: "name",
    });
    const before = emulator.stats();
    const memoryBefore = await usedMemory(redis);
    const realStart = Date.now();
    daemon = await startDaemonProcess(
      daemonEnvironment(world, {
        SMC_WAVES_LOG_LEVEL: process.env.BENCH_DAEMON_LOG_LEVEL ?? "info",
      }),
    );
    const bootUsage = daemon.usage();

    const submittedAt = emulator.clock.now();
    const { planId } = await submitter.migrations.submit(plan);
    const summary = await waitForPlanEnd(submitter.migrations, planId, REAL_TIMEOUT_MS);
    const realSeconds = (Date.now() - realStart) / 1000;
    const usage = daemon.usage();
    const memory = await prefixMemory(redis, prefix);
    const memoryAfter = await usedMemory(redis);
    const exitCode = await daemon.stop();
    const warnings = daemon.warnings();
    daemon = undefined;
    for (const line of new Set(warnings.map(logMessage)).values())
      console.log(`daemon warned: ${line}`);

    const realNow = Date.now();
    const emulated = realToEmulated(emulator.clock.now(), realNow, timeScale);
    const endedAt = emulated(summary.finishedAt ?? realNow);
    const makespanMs = endedAt - submittedAt;
    const waveStarts = summary.waves.map((wave) => emulated(wave.startedAt ?? realNow));

    const timeline = emulator.timeline();
    const jobs = timedJobs(timeline, waveOfSource);
    const bound = makespanLowerBound(jobs, WAVES, QUOTA);
    const pending = pendingSpans(jobs, waveStarts);
    const stats = emulator.stats();
    const migrated = summary.counts.succeeded;

    console.log(
      `plan ${summary.status}: ${migrated} migrated, ${summary.counts.failed} failed; ${timeline.length} jobs created; ` +
        `${realSeconds.toFixed(1)} s real; daemon exit ${exitCode}, ${warnings.length} warning line(s)`,
    );
    for (const [index, wave] of bound.waves.entries()) {
      const start = waveStarts[index] ?? 0;
      const end = emulated(summary.waves[index]?.finishedAt ?? realNow);
      console.log(
        `  ${summary.waves[index]?.name ?? index}: ${fmtHours((end - start) / HOUR)} (bound ${fmtHours(wave.boundMs / HOUR)}: ` +
          `longest job ${fmtHours(wave.longestMs / HOUR)}, work ÷ slots ${fmtHours(wave.workPerSlotMs / HOUR)}); ` +
          `longest job created ${fmtMinutes((longestCreatedAt(jobs, index) - start) / 60_000)} after the wave started`,
      );
    }
    console.log(`makespan            ${fmtHours(makespanMs / HOUR)} emulated (submit → plan end)`);
    console.log(`lower bound         ${fmtHours(bound.totalMs / HOUR)} emulated`);
    console.log(`ratio               ${(makespanMs / bound.totalMs).toFixed(3)}`);
    console.log(
      `slot utilisation    ${pct(slotUtilisation(jobs, QUOTA, pending))} while work was pending ` +
        `(${fmtHours(pending.reduce((sum, span) => sum + span.to - span.from, 0) / HOUR)} of it; ` +
        `${fmtHours(idleSlotMsWhilePending(jobs, QUOTA, pending) / HOUR)} slot-hours idle), ` +
        `${pct(slotUtilisation(jobs, QUOTA, [{ from: submittedAt, to: endedAt }]))} over the whole makespan`,
    );
    console.log(
      `slot overhead       ${fmtMinutes(meanSlotOverheadMs(jobs) / 60_000)} per job (existing but not Running: before the start, after the finish)`,
    );
    const phases = slotPhases(jobs);
    console.log(
      `  of which          created → started ${fmtSpread(phases.createToStart)}, finished → deleted ${fmtSpread(phases.finishToDelete)}`,
    );
    console.log(`SMC calls per migrated server (${migrated}):`);
    for (const [action, entry] of Object.entries(stats.actions).sort()) {
      const calls = entry.calls - (before.actions[action]?.calls ?? 0);
      if (calls > 0)
        console.log(`  ${action.padEnd(28)} ${(calls / migrated).toFixed(3)}  (${calls} calls)`);
    }
    console.log(
      `emulator high water: ${stats.highWater.existingJobs} jobs existing, ${stats.highWater.unfinishedJobsPerSource} unfinished per source`,
    );
    if (usage && bootUsage) {
      console.log(
        `daemon CPU          ${usage.cpuSeconds.toFixed(1)} s (${(usage.cpuSeconds - bootUsage.cpuSeconds).toFixed(1)} s after boot), ` +
          `peak RSS ${fmtMiB(usage.peakRssBytes)}`,
      );
    } else {
      console.log("daemon CPU / RSS    not measured (needs Linux /proc)");
    }
    console.log(
      `Redis memory        ${fmtKiB(memory.totalBytes / SERVERS)} per server by MEMORY USAGE over ${memory.keys} keys ` +
        `(migration records ${fmtKiB(memory.ownBytes / SERVERS)}, BullMQ queues ${fmtKiB((memory.totalBytes - memory.ownBytes) / SERVERS)}); ` +
        `INFO used_memory delta ${fmtKiB((memoryAfter - memoryBefore) / SERVERS)} per server (shared Redis: noisy)`,
    );
    console.log(
      `reproduce: redis-server on 127.0.0.1:6379, then  BENCH_TIME_SCALE=${timeScale} BENCH_POLL_MS=${pollMs} npm run bench -- makespan`,
    );
  } finally {
    await daemon?.stop();
    await world.close({ drainMs: 1_000, deleteKeys: true });
  }
}

function longestCreatedAt(jobs: readonly TimedJob[], wave: number): number {
  const inWave = jobs.filter((job) => job.wave === wave);
  const longest = inWave.reduce<TimedJob | undefined>(
    (best, job) => (!best || job.runDurationMs > best.runDurationMs ? job : best),
    undefined,
  );
  return longest?.createdAt ?? 0;
}

/** The `msg` and error message of a JSON log line, without the rest. */
function logMessage(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return `${entry.msg ?? ""}${entry.err?.message ? `: ${entry.err.message}` : ""}`;
  } catch {
    return line;
  }
}

const fmtSpread = (value: Spread) =>
  `${fmtMinutes(value.meanMs / 60_000)} mean, ${fmtMinutes(value.p95Ms / 60_000)} p95`;
const fmtMinutes = (minutes: number) => `${minutes.toFixed(1)} min`;
const fmtKiB = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const fmtMiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
