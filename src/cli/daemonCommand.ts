/**
 * `smc-waves daemon`: the long-lived service. Workers, schedulers and the HTTP API run until
 * SIGTERM or SIGINT, then drain within `orchestrator.drainTimeout` and exit 0.
 */
import { parseArgs } from "node:util";
import { startEmulator } from "../emulator/startEmulator.ts";
import { startDaemon } from "../main.ts";
import { ConfigError, loadConfig } from "../platform/config.ts";
import { createLogger } from "../platform/logger.ts";
import { CredentialsError } from "../smc/credentials.ts";

const HELP = `usage: smc-waves daemon [--config FILE] [--emulator]

Runs the smc-waves workers and HTTP API until SIGTERM or SIGINT. Several daemons may share one
Redis and prefix: they split the work with no other coordination.

options:
  --config FILE  daemon config  [SMC_WAVES_CONFIG, else config/smc-waves.yaml if present]
  --emulator     run against an embedded SMC emulator (the config's emulator section) instead of
                 the accounts' endpoints: no cloud account needed
  -h, --help     this help`;

export async function run(args: string[]): Promise<number> {
  let values: {
    config?: string | undefined;
    emulator?: boolean | undefined;
    help?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        config: { type: "string" },
        emulator: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    console.error(`smc-waves daemon: ${(error as Error).message}\n\n${HELP}`);
    return 1;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }

  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig({
      ...(values.config ? { file: values.config } : {}),
      env: process.env,
      cwd: process.cwd(),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
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
    if (error instanceof CredentialsError) {
      logger.error(error.message);
      return 2;
    }
    throw error;
  }
  logger.info(
    { config: loaded.file ?? "(defaults)", prefix: config.redis.prefix },
    "smc-waves daemon started",
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, "draining");
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  await daemon.close();
  await emulator?.close();
  logger.info("smc-waves daemon stopped");
  return 0;
}
