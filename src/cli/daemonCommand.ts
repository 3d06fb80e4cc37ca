/**
 * `smc-waves daemon`: the long-lived service. Workers, schedulers and the HTTP API run until
 * SIGTERM or SIGINT, then drain within `orchestrator.drainTimeout` and exit 0.
 */

import { PortInUseError } from "../api/server.ts";
import { startEmulator } from "../emulator/startEmulator.ts";
import { startDaemon } from "../main.ts";
import { ConfigError, loadConfig } from "../platform/config.ts";
import { createLogger } from "../platform/logger.ts";
import { describeRedis } from "../platform/redisConfig.ts";
import { CredentialsError } from "../smc/credentials.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";

const HELP = `usage: smc-waves daemon [--config FILE] [--emulator]

Runs the smc-waves workers and HTTP API until SIGTERM or SIGINT. Several daemons may share one
Redis and prefix: they split the work with no other coordination. The API listens at once; the
workers start as soon as Redis answers (GET /readyz is 200 from then on).

options:
  --config FILE  daemon config  [SMC_WAVES_CONFIG, else config/smc-waves.yaml if present]
  --emulator     run against an embedded SMC emulator (the config's emulator section) instead of
                 the accounts' endpoints: no cloud account needed
  -h, --help     this help`;

/** How long a stopped daemon waits for its last connections to end before exiting anyway, ms. */
const EXIT_GRACE_MS = 2_000;

const OPTIONS = {
  config: { type: "string" },
  emulator: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("daemon", HELP, args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `takes no arguments, got ${positionals.join(" ")}\n${usageLine("daemon", HELP)}`,
    );
  }

  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig({
      ...(values.config ? { file: values.config } : {}),
      env: process.env,
      cwd: process.cwd(),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return EXIT.invalid;
  }
  const { config } = loaded;
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty });
  for (const warning of loaded.warnings) logger.warn(warning);

  const emulator =
    values.emulator || config.emulator.embedded
      ? await startEmulator({
          sources: config.emulator.sources,
          timeScale: config.emulator.timeScale,
          seed: config.emulator.seed,
          quota: config.emulator.quota,
          port: 0,
        })
      : undefined;
  if (emulator) logger.info({ url: emulator.url }, "embedded SMC emulator listening");

  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    daemon = await startDaemon({
      config,
      logger,
      env: process.env,
      ...(emulator ? { emulator } : {}),
    });
  } catch (error) {
    await emulator?.close();
    if (error instanceof CredentialsError || error instanceof PortInUseError) {
      logger.error(error.message);
      return EXIT.refused;
    }
    throw error;
  }

  const signalled = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  // Until Redis answers the workers wait; the API already says why (503, /readyz).
  const started = daemon.ready.then(
    () => {
      logger.info(
        {
          config: loaded.file ?? "(defaults)",
          redis: describeRedis(config.redis),
          prefix: config.redis.prefix,
        },
        "smc-waves daemon started",
      );
      return undefined;
    },
    (error: unknown) => error,
  );
  const outcome = await Promise.race([signalled, started.then((error) => error ?? signalled)]);
  let code: number = EXIT.ok;
  if (typeof outcome === "string") logger.info({ signal: outcome }, "draining");
  else {
    logger.error({ err: outcome }, "the workers could not start; stopping");
    code = EXIT.refused;
  }
  await daemon.close();
  await emulator?.close();
  logger.info("smc-waves daemon stopped");
  // A connection left behind by a close that had to be abandoned must not keep a stopped daemon
  // alive: the timer does not hold the process, so it fires only if something else does.
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  return code;
}
