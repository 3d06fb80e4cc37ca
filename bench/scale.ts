/**
 * Scale (issue 10, item 6): the real daemon in its own process runs plans of 1,000, 5,000 and
 * 10,000 servers against the in-process emulator and a private redis-server, and the figures are
 * its CPU and peak RSS (/proc), Redis bytes and commands per server (MEMORY USAGE, INFO memory and
 * commandstats of that private Redis, so nobody else's keys or commands count), and the plan API's
 * latency and size (an API server in this process over the same Redis, as the view polls it).
 * Prints figures; asserts nothing.
 *
 * Settings (environment): BENCH_SCALE_SIZES (default "1000,5000,10000"), BENCH_SCALE_FULL (sizes
 * run to the plan's end, default "1000,5000"; the others are measured after submit and part-way),
 * BENCH_SCALE_PARTWAY_S (real seconds a part-way run runs, default 60), BENCH_TIME_SCALE (default
 * 3600), BENCH_POLL_MS (the daemon's poll, real ms, default 100), BENCH_SCALE_NODE_ARGS (node's
 * flags for the daemon, default the Docker image's; "" for none).
 */
import { createHealthCheck } from "../src/api/healthCheck.ts";
import { startApiServer } from "../src/api/server.ts";
import type { Migrations, PlanSummary } from "../src/orchestrator/views.ts";
import { MigrationEvents } from "../src/platform/events.ts";
import { freePort, killRedisServer, startRedisServer } from "../test/support/redisServer.ts";
import { availableSources, benchPlan, evenWaveSizes } from "./benchPlan.ts";
import { daemonEnvironment, startBenchWorld, waitForPlanEnd } from "./benchWorld.ts";
import { startDaemonProcess } from "./daemonProcess.ts";
import { callsBetween, commandCalls, memoryByKind, usedMemory } from "./scaleFigures.ts";

const WAVES = 5;
const HOUR = 3_600_000;
/** A full run that has not ended after this much real time is reported as stuck. */
const REAL_TIMEOUT_MS = 20 * 60_000;
/** How the Docker image starts the daemon (Dockerfile's CMD). */
const DOCKER_NODE_ARGS = "--max-semi-space-size=2 --optimize-for-size";
/** Requests per API figure; the median is printed. */
const API_SAMPLES = 7;

const sizesOf = (value: string) => value.split(",").map(Number).filter(Boolean);

export async function run(): Promise<void> {
  const sizes = sizesOf(process.env.BENCH_SCALE_SIZES ?? "1000,5000,10000");
  const full = new Set(sizesOf(process.env.BENCH_SCALE_FULL ?? "1000,5000"));
  for (const servers of sizes) await runSize(servers, full.has(servers));
  console.log(
    "reproduce: npm run bench -- scale   (redis-server on the PATH; BENCH_SCALE_SIZES=1000 for one size)",
  );
}

async function runSize(servers: number, toEnd: boolean): Promise<void> {
  const timeScale = Number(process.env.BENCH_TIME_SCALE ?? 3600);
  const pollMs = Number(process.env.BENCH_POLL_MS ?? 100);
  const partwayMs = Number(process.env.BENCH_SCALE_PARTWAY_S ?? 60) * 1000;
  // The quota grows with the plan so every size takes about as long in emulated time.
  const quota = Math.max(100, servers / 10);
  const nodeArgs = (process.env.BENCH_SCALE_NODE_ARGS ?? DOCKER_NODE_ARGS)
    .split(" ")
    .filter(Boolean);
  console.log(
    `\n-- ${servers} servers in ${WAVES} waves, quota ${quota}, time scale ${timeScale}, poll ${pollMs} ms real; ` +
      (toEnd ? "run to the end" : `measured after submit and ${partwayMs / 1000} s real in`) +
      `; daemon: node ${nodeArgs.join(" ") || "(no flags)"}`,
  );
  const port = await freePort();
  const redisProcess = await startRedisServer({ port });
  const world = await startBenchWorld({
    redisUrl: `redis://127.0.0.1:${port}`,
    sources: servers,
    quota,
    seed: 1,
    timeScale,
    settings: {
      pollIntervalMs: pollMs,
      sweepIntervalMs: 10 * pollMs,
      reconcileIntervalMs: 300_000,
      concurrency: 20,
      keepCompleted: { ageMs: HOUR, count: 100 },
      keepFailed: { ageMs: HOUR },
    },
    // Submits and reads only: the daemon in the child process does the work.
    runWorkers: false,
  });
  const { client, redis, prefix, logger, orchestrator: submitter } = world;
  const api = await startApiServer({
    migrations: submitter.migrations,
    queues: Object.values(submitter.queues),
    events: new MigrationEvents(),
    health: createHealthCheck({
      redis: () => ({ status: "reachable", since: Date.now() }),
      workers: () => "running",
      clients: [client],
      now: Date.now,
    }),
    dashboardReadOnly: true,
    logger,
    now: Date.now,
    host: "127.0.0.1",
    port: 0,
  });
  let daemon: Awaited<ReturnType<typeof startDaemonProcess>> | undefined;
  try {
    const { plan } = benchPlan({
      name: `bench-scale-${servers}`,
      sources: availableSources(await client.describeAllSourceServers({}), servers),
      waveSizes: evenWaveSizes(servers, WAVES),
      maxJobs: quota,
      pollIntervalMs: pollMs,
      refBy: "name",
    });
    const memoryBefore = await usedMemory(redis);
    const callsBefore = await commandCalls(redis);
    daemon = await startDaemonProcess(daemonEnvironment(world, {}), nodeArgs);
    const boot = daemon.usage();
    const realStart = Date.now();
    const { planId } = await submitter.migrations.submit(plan);
    await printApi(api.url, planId, "after submit");
    const summary = toEnd
      ? await waitForPlanEnd(submitter.migrations, planId, REAL_TIMEOUT_MS)
      : await runFor(submitter.migrations, planId, partwayMs);
    const realSeconds = (Date.now() - realStart) / 1000;
    await printApi(api.url, planId, toEnd ? "at the end" : "part-way");
    const usage = daemon.usage();
    const kinds = await memoryByKind(redis, prefix);
    const memoryAfter = await usedMemory(redis);
    const calls = callsBetween(callsBefore, await commandCalls(redis));
    const warnings = daemon.warnings();
    await daemon.stop();
    daemon = undefined;

    const done = summary.counts.succeeded + summary.counts.failed;
    console.log(
      `plan ${summary.status} after ${realSeconds.toFixed(0)} s real: ${summary.counts.succeeded} succeeded, ` +
        `${summary.counts.failed} failed, ${done} of ${servers} ended; ${warnings.length} daemon warning line(s)`,
    );
    if (usage && boot) {
      const cpu = usage.cpuSeconds - boot.cpuSeconds;
      console.log(
        `daemon CPU          ${cpu.toFixed(1)} s after boot = ${((cpu * 1000) / Math.max(1, done)).toFixed(1)} s per 1,000 servers ended; ` +
          `peak RSS ${(usage.peakRssBytes / 1024 / 1024).toFixed(0)} MiB`,
      );
    }
    const bytes = kinds.reduce((sum, kind) => sum + kind.bytes, 0);
    console.log(
      `Redis memory        ${kib(bytes / servers)} per server by MEMORY USAGE; INFO used_memory delta ${kib((memoryAfter - memoryBefore) / servers)} per server`,
    );
    for (const kind of kinds)
      console.log(
        `  ${kind.kind.padEnd(22)} ${kib(kind.bytes / servers)} per server (${kind.keys} keys)`,
      );
    const total = calls.reduce((sum, entry) => sum + entry.calls, 0);
    console.log(
      `Redis commands      ${(total / Math.max(1, done)).toFixed(0)} per server ended (${total} in all); most: ` +
        calls
          .slice(0, 6)
          .map(({ command, calls: n }) => `${command} ${(n / Math.max(1, done)).toFixed(0)}`)
          .join(", "),
    );
  } finally {
    await daemon?.stop();
    await api.close();
    // The private redis-server goes with every key, so none is deleted one by one.
    await world.close({ drainMs: 1_000, deleteKeys: false });
    await killRedisServer(redisProcess);
  }
}

/** GET /api/plans/:id and one page of servers, as the view asks for them: median ms and bytes. */
async function printApi(base: string, planId: string, when: string): Promise<void> {
  const plan = await timed(`${base}/api/plans/${encodeURIComponent(planId)}`);
  const page = await timed(
    `${base}/api/plans/${encodeURIComponent(planId)}/servers?wave=wave-1&limit=100`,
  );
  console.log(
    `API ${when.padEnd(12)} GET /api/plans/:id ${plan.ms.toFixed(0)} ms, ${kib(plan.bytes)} (HTTP ${plan.status}); ` +
      `a page of 100 servers ${page.ms.toFixed(0)} ms, ${kib(page.bytes)} (HTTP ${page.status})`,
  );
}

async function timed(url: string): Promise<{ ms: number; bytes: number; status: number }> {
  const times: number[] = [];
  let bytes = 0;
  let status = 0;
  for (let i = 0; i < API_SAMPLES; i++) {
    const started = performance.now();
    const response = await fetch(url);
    bytes = (await response.arrayBuffer()).byteLength;
    times.push(performance.now() - started);
    status = response.status;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? 0, bytes, status };
}

async function findPlan(migrations: Migrations, planId: string): Promise<PlanSummary> {
  const plan = (await migrations.listPlans()).find((each) => each.id === planId);
  if (!plan) throw new Error(`plan ${planId} is gone`);
  return plan;
}

async function runFor(migrations: Migrations, planId: string, ms: number): Promise<PlanSummary> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return findPlan(migrations, planId);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
