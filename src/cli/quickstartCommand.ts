/**
 * `npm start` = `smc-waves quickstart`: the whole thing on one machine with no cloud account. Redis
 * (the configured one, else a private one under .data/), an embedded time-scaled SMC emulator, the
 * daemon with its API and dashboards, and the example plan submitted, with progress printed.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { startEmulator } from "../emulator/startEmulator.ts";
import { startDaemon } from "../main.ts";
import { loadPlanFile } from "../plan/loadPlanFile.ts";
import { formatProblem } from "../plan/planProblem.ts";
import { scaledClock } from "../platform/clock.ts";
import { ConfigError, loadConfig } from "../platform/config.ts";
import { createLogger } from "../platform/logger.ts";
import { ensureRedis, RedisUnavailableError } from "../platform/privateRedis.ts";
import { deleteKeysUnder } from "../platform/redis.ts";
import { isEnded, planReport } from "./planProgress.ts";

const HELP = `usage: smc-waves quickstart [--plan FILE] [--exit]

Runs the daemon against an embedded SMC emulator, submits the example plan and prints progress.
Stop it with Ctrl-C.

options:
  --plan FILE  the plan to submit  [config/plans/example.yaml]
  --exit       exit when the plan ends (0 if it succeeded, 3 otherwise) instead of staying up
  -h, --help   this help`;

/** Its own prefix, cleared at start: its plans belong to an emulator that no longer exists. */
const QUICKSTART_PREFIX = "{smc-waves-quickstart}";
/** An emulated hour per real second: the example's windows and jobs pass in about a minute. */
const TIME_SCALE = 3600;
const DAY_MS = 86_400_000;

/**
 * The emulated world starts at the next 13:30 UTC (21:30 in Shanghai), half an hour before the
 * example's first nightly window opens, so the example takes the same emulated two days (and about
 * a real minute) whenever it is run. It lies ahead of real time: the timestamps the emulator checks
 * stay valid.
 */
export function nextEveningInShanghai(now: number): number {
  const today = new Date(now);
  const evening = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 13, 30);
  return evening > now ? evening : evening + DAY_MS;
}

const PROGRESS_EVERY_MS = 3_000;

export async function run(args: string[]): Promise<number> {
  let values: { plan?: string | undefined; exit?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        plan: { type: "string" },
        exit: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    console.error(`smc-waves quickstart: ${(error as Error).message}\n\n${HELP}`);
    return 1;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const planFile = values.plan ?? "config/plans/example.yaml";

  let config: Awaited<ReturnType<typeof loadConfig>>["config"];
  try {
    ({ config } = await loadConfig({ env: process.env, cwd: process.cwd() }));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 1;
  }
  let redisHandle: Awaited<ReturnType<typeof ensureRedis>>;
  try {
    redisHandle = await ensureRedis({
      url: config.redis.url,
      dataDir: resolve(".data/redis"),
      env: process.env,
    });
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    console.error(error.message);
    return 2;
  }
  const logger = createLogger({
    level: process.env.SMC_WAVES_LOG_LEVEL === undefined ? "warn" : config.log.level,
    pretty: config.log.pretty,
  });
  const cleaner = new Redis(redisHandle.url, { maxRetriesPerRequest: 1 });
  await deleteKeysUnder(cleaner, QUICKSTART_PREFIX).finally(() => cleaner.disconnect());

  const emulator = await startEmulator({
    sources: config.emulator.sources,
    seed: config.emulator.seed,
    quota: config.emulator.quota,
    clock: scaledClock(TIME_SCALE, nextEveningInShanghai(Date.now())),
    port: 0,
  });
  const daemon = await startDaemon({
    config: {
      ...config,
      redis: { url: redisHandle.url, prefix: QUICKSTART_PREFIX },
      // Real-time intervals sized for the time scale: a poll every emulated half hour.
      orchestrator: {
        ...config.orchestrator,
        pollIntervalMs: 500,
        reconcileIntervalMs: 10_000,
        lockDurationMs: 15_000,
        stalledIntervalMs: 5_000,
      },
    },
    logger,
    env: process.env,
    emulator,
  }).catch(async (error: unknown) => {
    await emulator.close();
    await redisHandle.stop();
    throw error;
  });
  const shutdown = async () => {
    await daemon.close();
    await emulator.close();
    await redisHandle.stop();
  };

  const validation = await loadPlanFile(planFile, emulator.clock.now());
  if (!validation.plan) {
    for (const problem of validation.problems) console.error(formatProblem(problem));
    await shutdown();
    return 1;
  }
  const { planId } = await daemon.orchestrator.migrations.submit(validation.plan);
  const url = daemon.apiUrl ?? "(HTTP API disabled)";
  console.log(
    [
      "",
      `smc-waves is migrating ${planFile} against an embedded SMC emulator (${emulator.url}, ${TIME_SCALE}× time:`,
      `an emulated hour per second, starting one evening just before the first wave's window).`,
      `  migration view:   ${url}/`,
      `  queue dashboard:  ${url}/dashboard`,
      `  API:              ${url}/api/plans/${planId}    metrics: ${url}/metrics`,
      `  from a shell:     SMC_WAVES_URL=${url} npx smc-waves status ${planId} --watch`,
      `Redis: ${redisHandle.private ? `a private redis-server at ${redisHandle.url} (data in .data/redis)` : redisHandle.url}. Ctrl-C stops everything.`,
      "",
    ].join("\n"),
  );

  const ended = await new Promise<boolean>((resolveEnded) => {
    let lastReport = "";
    const report = async () => {
      const plan = await daemon.orchestrator.migrations.getPlan(planId);
      if (!plan) return;
      const text = planReport(plan, false);
      if (text !== lastReport)
        console.log(`${new Date(emulator.clock.now()).toISOString()} (emulated)\n${text}\n`);
      lastReport = text;
      if (isEnded(plan.status)) {
        clearInterval(timer);
        resolveEnded(plan.status === "succeeded");
      }
    };
    const timer = setInterval(() => void report().catch(() => undefined), PROGRESS_EVERY_MS);
    process.once("SIGINT", () => {
      clearInterval(timer);
      resolveEnded(false);
    });
  });

  const finalStatus = (await daemon.orchestrator.migrations.getPlan(planId))?.status;
  if (!values.exit && finalStatus && isEnded(finalStatus)) {
    console.log(`Plan ${planId} has ended. The dashboards stay up at ${url}/ — Ctrl-C to stop.`);
    await new Promise<void>((resolveStop) => {
      process.once("SIGINT", () => resolveStop());
      process.once("SIGTERM", () => resolveStop());
    });
  }
  await shutdown();
  return ended ? 0 : 3;
}
