import { z } from "zod";
import {
  type NotificationsConfig,
  notificationsSchema,
} from "../notifications/notificationConfig.ts";
import { parseDuration } from "../plan/duration.ts";
import { type AccessToken, envAccessToken, ROLES, TOKEN_NAME } from "./accessTokens.ts";
import { compileRedisConfig, type RedisConfig, redisSchema } from "./redisConfig.ts";

/**
 * The daemon config in its three stages: raw (whatever YAML and environment hold) → validated (this
 * zod schema, defaults merged) → compiled (`DaemonConfig`: durations in milliseconds, `SMC_WAVES_API_TOKEN`
 * among the tokens). Messages for people are written by `describeIssue`, not here.
 */

const duration = z.custom<string | number>((value) => parseDuration(value) !== undefined, {
  error: 'expected a duration such as "30s", "5m", "6h", "7d" or milliseconds',
});

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);

const url = (protocols: readonly string[], example: string) =>
  z.string().refine(
    (text) => {
      try {
        return protocols.includes(new URL(text).protocol);
      } catch {
        return false;
      }
    },
    { error: `expected a URL such as "${example}"` },
  );

/** A named API token: its hash only (`smc-waves token hash`), never the token. */
const accessToken = z.strictObject({
  name: z.string().regex(TOKEN_NAME, {
    error:
      'expected a name of letters, digits, ".", "_", "-" or "@", starting with a letter (at most 64), as histories and logs show it',
  }),
  role: z.enum(ROLES),
  hash: z.string().regex(/^[0-9a-fA-F]{64}$/, {
    error:
      "expected the token's hash, 64 hex digits, as `smc-waves token hash` prints it (never the token itself)",
  }),
});

const http = z.strictObject({
  host: z.string().min(1).default("127.0.0.1"),
  /** 0 lets the system choose a free port (tests). */
  port: int(0, 65_535).default(8080),
  dashboardReadOnly: z.boolean().default(true),
  tokens: z.array(accessToken).default([]),
});

const account = z.strictObject({
  endpoint: url(["https:", "http:"], "https://smc.aliyuncs.com").default(
    "https://smc.aliyuncs.com",
  ),
  regionId: z.string().min(1).optional(),
  credentials: z.strictObject({ profile: z.string().min(1).optional() }).prefault({}),
  quota: int(1).default(100),
  maxRunningJobs: int(1).optional(),
  throughputMiBPerSecond: z.number().positive().max(1_000_000).optional(),
  timeout: duration.default("10s"),
  method: z.enum(["POST", "GET"]).default("POST"),
});

/** Lower case, digits and `-`: each name becomes part of `SMC_WAVES_ACCOUNTS_<NAME>_*` unambiguously. */
const ACCOUNT_NAME = /^[a-z][a-z0-9-]{0,62}$/;

const orchestrator = z.strictObject({
  pollInterval: duration.default("30s"),
  /** Absent: ten poll intervals. */
  sweepInterval: duration.optional(),
  reconcileInterval: duration.default("5m"),
  concurrency: int(1, 1000).default(20),
  drainTimeout: duration.default("30s"),
  lockDuration: duration.default("60s"),
  stalledInterval: duration.default("30s"),
  keepCompleted: z
    .strictObject({ age: duration.default("7d"), count: int(0).default(100) })
    .prefault({}),
  keepFailed: z.strictObject({ age: duration.default("30d") }).prefault({}),
});

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const log = z.strictObject({
  level: z.enum(LOG_LEVELS).default("info"),
  pretty: z.union([z.literal("auto"), z.boolean()]).default("auto"),
});

const emulator = z.strictObject({
  embedded: z.boolean().default(false),
  sources: int(1, 100_000).default(60),
  timeScale: z.number().positive().default(3600),
  seed: int(0).default(1),
  quota: int(1).default(100),
});

export const configSchema = z.strictObject({
  redis: redisSchema.prefault({}),
  http: http.prefault({}),
  accounts: z.record(z.string().regex(ACCOUNT_NAME), account).prefault({}),
  orchestrator: orchestrator.prefault({}),
  log: log.prefault({}),
  emulator: emulator.prefault({}),
  notifications: notificationsSchema.prefault({}),
});

export type ValidatedConfig = z.output<typeof configSchema>;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One SMC account the daemon runs plans in. Secrets never live here: see `credentials`. */
interface AccountConfig {
  /** @default "https://smc.aliyuncs.com" */
  endpoint: string;
  regionId?: string;
  /**
   * Where the SMC client finds the AccessKey: the standard environment variables, else this profile
   * of `~/.alibabacloud/credentials` (read by `src/smc/credentials.ts`). @default {} (the default profile)
   */
  credentials: { profile?: string };
  /** Replication jobs that may exist in the account at once, as the service counts them. @default 100 */
  quota: number;
  /** Cap on jobs running at once; absent means only the quota applies. */
  maxRunningJobs?: number;
  /**
   * What one job copies per second in this account, MiB: how the forecast and the poller judge a
   * job's length before its progress tells. Absent: learned from finished jobs, else 25 MiB/s.
   */
  throughputMiBPerSecond?: number;
  /** Per SMC call, milliseconds. @default 10_000 */
  timeoutMs: number;
  /** @default "POST" */
  method: "POST" | "GET";
}

interface OrchestratorConfig {
  /**
   * How often the poller ticks, milliseconds: each tick asks (batched, 50 jobs a call) about the
   * tracked jobs that are due, near their predicted finish or soon after a change. @default 30_000
   */
  pollIntervalMs: number;
  /**
   * The longest a tracked job goes unasked about, milliseconds: notices InError, Stopped and jobs
   * deleted outside smc-waves whatever their predicted finish. @default 10 × pollIntervalMs
   */
  sweepIntervalMs: number;
  /** Reconcile against the account's job list, milliseconds. @default 300_000 */
  reconcileIntervalMs: number;
  /** BullMQ jobs processed at once per daemon (short steps, not remote jobs). @default 20 */
  concurrency: number;
  /** How long SIGTERM waits for running steps before closing hard, milliseconds. @default 30_000 */
  drainTimeoutMs: number;
  /**
   * BullMQ's lock on a step being processed, milliseconds: well above the slowest step (a few SMC
   * calls). A daemon that dies mid-step gives its steps up after this long. @default 60_000
   */
  lockDurationMs: number;
  /** How often each daemon looks for steps whose daemon died, milliseconds. @default 30_000 */
  stalledIntervalMs: number;
  /** Retention of completed BullMQ jobs. @default { ageMs: 7 days, count: 10_000 } */
  keepCompleted: { ageMs: number; count: number };
  /** Retention of failed BullMQ jobs. @default { ageMs: 30 days } */
  keepFailed: { ageMs: number };
}

export interface DaemonConfig {
  /** Where Redis is (a URL, a Sentinel set or a Cluster) and the prefix of every key. */
  redis: RedisConfig;
  http: {
    /** @default "127.0.0.1" */
    host: string;
    /** @default 8080 */
    port: number;
    /**
     * No token may retry, remove or pause BullMQ jobs on the queue dashboard when true; when false,
     * admin tokens may (at /dashboard/admin). @default true
     */
    dashboardReadOnly: boolean;
    /**
     * Every token the API accepts, with its role: `http.tokens` of the file, plus
     * `SMC_WAVES_API_TOKEN` (environment only) as the admin token named `admin`. None means an open
     * API, allowed on loopback only. @default []
     */
    tokens: AccessToken[];
  };
  /** Always holds `default`. */
  accounts: Record<string, AccountConfig>;
  orchestrator: OrchestratorConfig;
  log: {
    /** @default "info" */
    level: LogLevel;
    /** Human-readable lines; `auto` means when stdout is a TTY. @default "auto" */
    pretty: boolean | "auto";
  };
  /** The SMC emulator the quick start embeds. */
  emulator: {
    /** @default false */
    embedded: boolean;
    /** Source servers it invents. @default 60 */
    sources: number;
    /** Emulated seconds per real second. @default 3600 */
    timeScale: number;
    /** @default 1 */
    seed: number;
    /** The emulated account's job quota. @default 100 */
    quota: number;
  };
  /** Webhooks told about plans, waves, gates, cutovers and failed servers. @default none */
  notifications: NotificationsConfig;
}

function ms(value: string | number): number {
  const parsed = parseDuration(value);
  // The schema already rejected anything parseDuration cannot read.
  if (parsed === undefined) throw new RangeError(`not a duration: ${String(value)}`);
  return parsed;
}

/** Secrets the config takes from the environment only. */
export interface ConfigSecrets {
  apiToken?: string;
  redisPassword?: string;
  redisSentinelPassword?: string;
}

/** `notifications` is compiled apart (`compileNotifications`): it reads secrets from the environment. */
export function compileConfig(
  config: ValidatedConfig,
  secrets: ConfigSecrets,
  notifications: NotificationsConfig,
): DaemonConfig {
  const token = secrets.apiToken;
  const accounts: Record<string, AccountConfig> = {};
  for (const [name, { timeout, ...rest }] of Object.entries(config.accounts)) {
    accounts[name] = { ...rest, timeoutMs: ms(timeout) };
  }
  const o = config.orchestrator;
  return {
    redis: compileRedisConfig(config.redis, {
      ...(secrets.redisPassword ? { password: secrets.redisPassword } : {}),
      ...(secrets.redisSentinelPassword ? { sentinelPassword: secrets.redisSentinelPassword } : {}),
    }),
    http: {
      ...config.http,
      tokens: [
        ...config.http.tokens.map((entry) => ({
          name: entry.name,
          role: entry.role,
          hash: entry.hash.toLowerCase(),
        })),
        ...(token === undefined ? [] : [envAccessToken(token)]),
      ],
    },
    accounts,
    orchestrator: {
      pollIntervalMs: ms(o.pollInterval),
      sweepIntervalMs:
        o.sweepInterval === undefined ? 10 * ms(o.pollInterval) : ms(o.sweepInterval),
      reconcileIntervalMs: ms(o.reconcileInterval),
      concurrency: o.concurrency,
      drainTimeoutMs: ms(o.drainTimeout),
      lockDurationMs: ms(o.lockDuration),
      stalledIntervalMs: ms(o.stalledInterval),
      keepCompleted: { ageMs: ms(o.keepCompleted.age), count: o.keepCompleted.count },
      keepFailed: { ageMs: ms(o.keepFailed.age) },
    },
    log: config.log,
    emulator: config.emulator,
    notifications,
  };
}
