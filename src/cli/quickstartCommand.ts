/**
 * `npm start` = `smc-waves quickstart`: the whole thing on one machine with no cloud account. Redis
 * (the configured one, else a private one under .data/), an embedded time-scaled SMC emulator, the
 * daemon with its API and dashboards, and the example plan submitted, with progress printed.
 */
import { resolve } from "node:path";
import { Redis } from "ioredis";
import { PortInUseError } from "../api/server.ts";
import { startEmulator } from "../emulator/startEmulator.ts";
import { type Daemon, startDaemon } from "../main.ts";
import { loadPlanFile } from "../plan/loadPlanFile.ts";
import { formatProblem } from "../plan/planProblem.ts";
import { scaledClock } from "../platform/clock.ts";
import { ConfigError, type DaemonConfig, loadConfig } from "../platform/config.ts";
import { liveDaemons } from "../platform/daemonHeartbeat.ts";
import { createLogger } from "../platform/logger.ts";
import { maskedUrl } from "../platform/maskedUrl.ts";
import { ensureRedis, type RedisHandle, RedisUnavailableError } from "../platform/privateRedis.ts";
import { deleteKeysUnder } from "../platform/redisConnector.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT, EXIT_CODES_HELP } from "./exitCodes.ts";
import { isEnded, planReport } from "./planProgress.ts";

const HELP = `usage: smc-waves quickstart [--plan FILE] [--exit]

Runs the daemon against an embedded SMC emulator, submits the example plan and prints progress.
Stop it with Ctrl-C.

Its state lives under its own Redis key prefix, {smc-waves-quickstart} (SMC_WAVES_PREFIX chooses
another), which it clears at start; it refuses to clear a prefix a running daemon uses, or one
holding a deployment's state. Its API listens on SMC_WAVES_HTTP_PORT, else on 8080 or, when 8080
is taken, on a free port it prints.

options:
  --plan FILE  the plan to submit  [config/plans/example.yaml]
  --exit       exit when the plan ends (0 if it succeeded, 3 otherwise) instead of staying up
  -h, --help   this help

${EXIT_CODES_HELP}`;

const OPTIONS = {
  plan: { type: "string" },
  exit: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Its own prefix, cleared at start: its plans belong to an emulator that no longer exists. */
const QUICKSTART_PREFIX = "{smc-waves-quickstart}";
/** Marks a prefix as a quick start's (SMC_WAVES_PREFIX), so a later quick start may clear it. */
const quickstartMarker = (prefix: string) => `${prefix}:quickstart`;
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
  const { values, positionals } = parseCommandArgs("quickstart", HELP, args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `takes no arguments, got ${positionals.join(" ")} (the plan is --plan FILE)\n${usageLine("quickstart", HELP)}`,
    );
  }
  const planFile = values.plan ?? "config/plans/example.yaml";

  // Every input is checked before anything is cleared or started.
  let config: DaemonConfig;
  try {
    ({ config } = await loadConfig({ env: process.env, cwd: process.cwd() }));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return EXIT.invalid;
  }
  const worldStart = nextEveningInShanghai(Date.now());
  const validation = await loadPlanFile(planFile, worldStart);
  if (!validation.plan) {
    for (const problem of validation.problems) console.error(formatProblem(problem));
    return EXIT.invalid;
  }
  const env = process.env;
  const redis = config.redis;
  // The quick start runs on one machine; a Sentinel set or a Cluster is for `smc-waves daemon`.
  if (redis.mode !== "standalone") {
    console.error(
      `smc-waves quickstart: it runs with a single Redis, and the config names a ${redis.mode === "sentinel" ? "Sentinel set" : "Cluster"}; unset it for the quick start (or point SMC_WAVES_REDIS_URL at a single Redis), or run \`smc-waves daemon\``,
    );
    return EXIT.invalid;
  }
  const prefix =
    env.SMC_WAVES_PREFIX || env.SMC_WAVES_REDIS_PREFIX ? redis.prefix : QUICKSTART_PREFIX;

  let redisHandle: RedisHandle;
  try {
    redisHandle = await ensureRedis({
      url: redis.url,
      dataDir: resolve(".data/redis"),
      env,
    });
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    console.error(error.message);
    return EXIT.refused;
  }
  const refusal = await claimPrefix(redisHandle.url, prefix);
  if (refusal) {
    await redisHandle.stop();
    console.error(`smc-waves quickstart: ${refusal}`);
    return EXIT.refused;
  }

  const logger = createLogger({
    level: env.SMC_WAVES_LOG_LEVEL === undefined ? "warn" : config.log.level,
    pretty: config.log.pretty,
  });
  const emulator = await startEmulator({
    sources: config.emulator.sources,
    seed: config.emulator.seed,
    quota: config.emulator.quota,
    clock: scaledClock(TIME_SCALE, worldStart),
    port: 0,
  });
  const daemonConfig: DaemonConfig = {
    ...config,
    redis: { ...redis, url: redisHandle.url, prefix },
    // Real-time intervals sized for the time scale: a poll every emulated half hour.
    orchestrator: {
      ...config.orchestrator,
      pollIntervalMs: 500,
      sweepIntervalMs: 5_000,
      reconcileIntervalMs: 10_000,
      lockDurationMs: 15_000,
      stalledIntervalMs: 5_000,
    },
  };
  const start = (port: number) =>
    startDaemon({
      config: { ...daemonConfig, http: { ...daemonConfig.http, port } },
      logger,
      env,
      emulator,
    });
  let daemon: Daemon;
  let portNote = "";
  try {
    daemon = await start(config.http.port).catch((error: unknown) => {
      // The default port taken (another daemon, another quick start on another prefix): for a demo
      // a free port the system picks will do, unless the operator chose this one.
      if (!(error instanceof PortInUseError) || env.SMC_WAVES_HTTP_PORT !== undefined) throw error;
      portNote = ` (port ${config.http.port} was taken; SMC_WAVES_HTTP_PORT chooses one)`;
      return start(0);
    });
    await daemon.ready;
  } catch (error) {
    await emulator.close();
    await redisHandle.stop();
    if (!(error instanceof PortInUseError)) throw error;
    console.error(`smc-waves quickstart: ${error.message}`);
    return EXIT.refused;
  }
  const shutdown = async () => {
    await daemon.close();
    await emulator.close();
    await redisHandle.stop();
  };

  const { planId } = await daemon.migrations.submit(validation.plan);
  const url = daemon.apiUrl ?? "(HTTP API disabled)";
  const redisShown = maskedUrl(redisHandle.url);
  console.log(
    [
      "",
      `smc-waves is migrating ${planFile} against an embedded SMC emulator (${emulator.url}, ${TIME_SCALE}× time:`,
      `an emulated hour per second, starting one evening just before the first wave's window).`,
      `  migration view:   ${url}/${portNote}`,
      `  queue dashboard:  ${url}/dashboard`,
      `  API:              ${url}/api/plans/${planId}    metrics: ${url}/metrics`,
      `  from a shell:     SMC_WAVES_URL=${url} npx smc-waves status ${planId} --watch`,
      `Redis: ${redisHandle.private ? `a private redis-server at ${redisShown} (data in .data/redis)` : redisShown}, prefix ${prefix}. Ctrl-C stops everything.`,
      "",
    ].join("\n"),
  );

  const ended = await new Promise<boolean>((resolveEnded) => {
    let lastReport = "";
    const report = async () => {
      const plan = await daemon.migrations.getPlan(planId);
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

  const finalStatus = (await daemon.migrations.getPlan(planId))?.status;
  if (!values.exit && finalStatus && isEnded(finalStatus)) {
    console.log(`Plan ${planId} has ended. The dashboards stay up at ${url}/ — Ctrl-C to stop.`);
    await new Promise<void>((resolveStop) => {
      process.once("SIGINT", () => resolveStop());
      process.once("SIGTERM", () => resolveStop());
    });
  }
  await shutdown();
  return ended ? EXIT.ok : EXIT.notSucceeded;
}

/**
 * Clears `prefix` for a fresh run, unless that would destroy someone's state: a daemon whose
 * heartbeat is live there, or a deployment's data (a prefix neither the quick start's own nor
 * marked by an earlier quick start, and not empty). Returns why it refused, or undefined.
 * Two quick starts started within the same second may both pass; anything later sees the first.
 */
async function claimPrefix(url: string, prefix: string): Promise<string | undefined> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
  redis.on("error", () => {});
  try {
    const running = await liveDaemons(redis, prefix);
    const first = running[0];
    if (first) {
      const where = first.apiUrl ? `its API at ${first.apiUrl}` : "no API";
      return `an smc-waves daemon is running on Redis prefix ${prefix} (pid ${first.pid} on ${first.host}, ${where}${running.length > 1 ? `, and ${running.length - 1} more` : ""}); the quick start would clear its state. Stop it first, or give this one another prefix: SMC_WAVES_PREFIX='{my-try}' npm start`;
    }
    const ours =
      prefix === QUICKSTART_PREFIX || (await redis.exists(quickstartMarker(prefix))) === 1;
    if (!ours && (await anyKeyUnder(redis, prefix))) {
      return `Redis prefix ${prefix} holds a deployment's state (not a quick start's): the quick start never clears it. Give it a prefix of its own, e.g. SMC_WAVES_PREFIX='{my-try}', or unset SMC_WAVES_PREFIX`;
    }
    await deleteKeysUnder(redis, prefix);
    await redis.set(quickstartMarker(prefix), String(Date.now()));
    return undefined;
  } finally {
    redis.disconnect();
  }
}

async function anyKeyUnder(redis: Redis, prefix: string): Promise<boolean> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length > 0) return true;
    cursor = next;
  } while (cursor !== "0");
  return false;
}
