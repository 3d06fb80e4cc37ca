import { type DestinationStream, type Logger, pino } from "pino";
import pretty from "pino-pretty";
import type { LogLevel } from "./configSchema.ts";
import type { MigrationEvents } from "./events.ts";

export type { Logger } from "pino";

/** Keys whose values never reach a log line, in the spellings the SMC API and HTTP use. */
const SECRET_KEYS = [
  "accessKeySecret",
  "AccessKeySecret",
  "securityToken",
  "SecurityToken",
  "signature",
  "Signature",
  "authorization",
  "Authorization",
  "token",
  "apiToken",
  "password",
  "sentinelPassword",
];

/**
 * pino redacts exact paths, and `*` matches one level; secrets sit at most a few levels down (a
 * request's `headers.authorization`, an SMC call's `params.Signature`), so every key is listed at
 * depths 0 to 3.
 */
const REDACT_PATHS = SECRET_KEYS.flatMap((key) =>
  ["", "*.", "*.*.", "*.*.*."].map((prefix) => `${prefix}${key}`),
);

export interface LoggerOptions {
  /** @default "info" */
  level?: LogLevel;
  /** Human-readable lines instead of JSON; `auto` means when `isTTY`. @default "auto" */
  pretty?: boolean | "auto";
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
  /** Whether the destination is a terminal. @default process.stdout.isTTY */
  isTTY?: boolean;
}

/** An error as pino writes it, without the stack trace: a log line says what, not where. */
function errorWithoutStack(error: Error): Record<string, unknown> {
  const { stack: _stack, ...rest } = pino.stdSerializers.err(error);
  return rest;
}

/**
 * JSON lines (or pino-pretty on a terminal) with every secret key redacted. Errors carry their
 * stack trace only at level debug or trace.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  const stacks = level === "debug" || level === "trace";
  const isTTY = options.isTTY ?? process.stdout.isTTY === true;
  const wantPretty =
    options.pretty === undefined || options.pretty === "auto" ? isTTY : options.pretty;
  const stream = wantPretty
    ? pretty({
        colorize: isTTY && !options.destination,
        sync: true,
        destination: options.destination ?? 1,
      })
    : (options.destination ?? pino.destination(1));
  return pino(
    {
      level,
      base: { name: "smc-waves" },
      serializers: { err: stacks ? pino.stdSerializers.err : errorWithoutStack },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    stream,
  );
}

/**
 * One log line per state change of a migration, with `plan`, `wave`, `server`, `sourceId` and `job`
 * fields a log search can filter on. Returns the unsubscribe function.
 */
export function logMigrationEvents(events: MigrationEvents, logger: Logger): () => void {
  const offs = [
    events.on("plan:submitted", (e) =>
      logger.info(
        { event: "plan:submitted", plan: e.planId, servers: e.servers },
        "plan submitted",
      ),
    ),
    events.on("plan:status", (e) => {
      const level = e.status === "failed" ? "warn" : "info";
      logger[level](
        { event: "plan:status", plan: e.planId, status: e.status, reason: e.reason },
        `plan ${e.status}`,
      );
    }),
    events.on("wave:status", (e) => {
      const level = e.status === "failed" ? "warn" : "info";
      logger[level](
        { event: "wave:status", plan: e.planId, wave: e.wave, status: e.status, reason: e.reason },
        `wave ${e.wave} ${e.status}`,
      );
    }),
    events.on("server:status", (e) => {
      const level = e.status === "failed" ? "warn" : "info";
      logger[level](
        {
          event: "server:status",
          plan: e.planId,
          wave: e.wave,
          server: e.key,
          sourceId: e.sourceId,
          job: e.jobId,
          status: e.status,
          reason: e.reason,
        },
        `server ${e.key} ${e.status}`,
      );
    }),
    events.on("gate:waiting", (e) =>
      logger.info(
        { event: "gate:waiting", plan: e.planId, wave: e.wave, reason: e.reason },
        `wave ${e.wave} waits for approval`,
      ),
    ),
    events.on("cutover:ready", (e) =>
      logger.info(
        { event: "cutover:ready", plan: e.planId, wave: e.wave, server: e.key, job: e.jobId },
        e.key
          ? `server ${e.key} in sync, ready for cut-over`
          : `wave ${e.wave} in sync, ready for cut-over`,
      ),
    ),
    events.on("cutover:done", (e) =>
      logger.info(
        {
          event: "cutover:done",
          plan: e.planId,
          wave: e.wave,
          server: e.key,
          job: e.jobId,
          image: e.imageId,
        },
        `server ${e.key ?? "?"} cut over`,
      ),
    ),
    events.on("job:created", (e) =>
      logger.info(
        {
          event: "job:created",
          plan: e.planId,
          wave: e.wave,
          server: e.key,
          sourceId: e.sourceId,
          job: e.jobId,
        },
        "replication job created",
      ),
    ),
    events.on("job:adopted", (e) =>
      logger.info(
        {
          event: "job:adopted",
          plan: e.planId,
          wave: e.wave,
          server: e.key,
          sourceId: e.sourceId,
          job: e.jobId,
        },
        "unfinished replication job of this source adopted",
      ),
    ),
    events.on("job:restarted", (e) =>
      logger.warn(
        {
          event: "job:restarted",
          plan: e.planId,
          server: e.key,
          job: e.jobId,
          errorCode: e.errorCode,
        },
        `replication job restarted after ${e.errorCode}`,
      ),
    ),
    events.on("job:finished", (e) =>
      logger.info(
        {
          event: "job:finished",
          plan: e.planId,
          wave: e.wave,
          server: e.key,
          job: e.jobId,
          imageId: e.imageId,
          durationMs: e.durationMs,
        },
        "replication job finished",
      ),
    ),
    events.on("job:deleted", (e) =>
      logger.info(
        { event: "job:deleted", plan: e.planId, server: e.key, job: e.jobId },
        "replication job deleted",
      ),
    ),
    // Frequent while a quota is full: debug, the metrics count them.
    events.on("quota:blocked", (e) =>
      logger.debug(
        { event: "quota:blocked", account: e.account, used: e.used, limit: e.limit },
        "quota full",
      ),
    ),
    events.on("poll:completed", (e) =>
      logger.debug({ event: "poll:completed", ...e }, "poll completed"),
    ),
    events.on("reconcile:completed", (e) =>
      logger[e.external > 0 ? "info" : "debug"](
        { event: "reconcile:completed", ...e },
        e.external > 0
          ? `reconciled: ${e.external} of ${e.jobs} jobs in the account are not ours`
          : "reconciled",
      ),
    ),
    events.on("smc:call", (e) =>
      logger[e.ok ? "trace" : "debug"]({ event: "smc:call", ...e }, `SMC ${e.action}`),
    ),
    events.on("smc:retry", (e) =>
      logger.warn({ event: "smc:retry", ...e }, `SMC ${e.action} failed with ${e.code}; retrying`),
    ),
  ];
  return () => {
    for (const off of offs) off();
  };
}
