import { z } from "zod";
import { maskedUrl } from "./maskedUrl.ts";

/**
 * The `redis:` section of the daemon config: where Redis is (one URL, a Sentinel set or a Cluster)
 * and the prefix of every key. Passwords are never part of it: they come from the environment only
 * (`SMC_WAVES_REDIS_PASSWORD`, `SMC_WAVES_REDIS_SENTINEL_PASSWORD`), like every other secret.
 */

const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** Environment variables that carry Redis secrets; read by `loadConfig`, never config paths. */
export const REDIS_SECRET_VARIABLES = {
  password: "SMC_WAVES_REDIS_PASSWORD",
  sentinelPassword: "SMC_WAVES_REDIS_SENTINEL_PASSWORD",
} as const;

interface RedisNode {
  host: string;
  port: number;
}

interface RedisAuth {
  /** The one hash-tagged prefix of every queue and key. @default "{smc-waves}" */
  prefix: string;
  /** ACL user of the data nodes (Redis 6+); absent means `default`. */
  username?: string;
  /** The data nodes' password, from `SMC_WAVES_REDIS_PASSWORD` only (in standalone mode the URL may carry it). */
  password?: string;
  /** The sentinels' own password (their `requirepass`), from `SMC_WAVES_REDIS_SENTINEL_PASSWORD` only. */
  sentinelPassword?: string;
}

/** Where Redis is, compiled: exactly one of the three deployments. */
export type RedisConfig = RedisAuth &
  (
    | { mode: "standalone" /** @default "redis://127.0.0.1:6379" */; url: string }
    | {
        mode: "sentinel";
        /** Any of the sentinels; the client asks them where the master is and learns the others. */
        sentinels: RedisNode[];
        /** The name the sentinels monitor (`sentinel monitor <name> …`). */
        masterName: string;
      }
    | {
        mode: "cluster";
        /** Some of the cluster's nodes (masters or replicas); the client discovers the rest. */
        nodes: RedisNode[];
      }
  );

const HOST_PORT = /^(?<host>\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(?<port>\d{1,5})$/;

function parseHostPort(text: string): RedisNode | undefined {
  const match = HOST_PORT.exec(text.trim());
  const port = Number(match?.groups?.port);
  const host = match?.groups?.host?.replace(/^\[(.*)\]$/, "$1");
  return host && port >= 1 && port <= 65_535 ? { host, port } : undefined;
}

const hostPort = z
  .string()
  .refine((text) => parseHostPort(text) !== undefined, {
    error: 'expected "host:port" such as "10.0.0.1:26379"',
  })
  .transform((text) => parseHostPort(text) as RedisNode);

const nodeMapping = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
});

/**
 * A list of nodes, each `"host:port"` or `{ host, port }`; a comma-separated string is read as a
 * list too, so one environment variable can carry it (`SMC_WAVES_REDIS_SENTINELS=a:26379,b:26379`).
 */
const nodeList = z.preprocess(
  (value) =>
    typeof value === "string"
      ? value
          .split(",")
          .map((part) => part.trim())
          .filter(Boolean)
      : value,
  z.array(z.union([hostPort, nodeMapping])).min(1),
);

const url = z.string().refine(
  (text) => {
    try {
      return ["redis:", "rediss:"].includes(new URL(text).protocol);
    } catch {
      return false;
    }
  },
  { error: `expected a URL such as "${DEFAULT_REDIS_URL}"` },
);

/** Redis Cluster keeps keys that share a `{hash tag}` in one slot, so Lua scripts may touch them all. */
const prefix = z.string().refine((text) => /\{[^{}\s]+\}/.test(text) && !/\s/.test(text), {
  error: 'expected a key prefix holding a Redis Cluster hash tag, such as "{smc-waves}"',
});

const TARGETS = ["url", "sentinels", "cluster"] as const;

/**
 * The environment overrides the file, and where Redis is counts as one setting: a deployment
 * whose file names a URL and whose environment names sentinels (or the other way round) means the
 * environment's. So when a variable sets one of url, sentinels and cluster, the file's others (and
 * a file's masterName that no longer applies) are dropped before validation. Two set by variables
 * are still an error. `raw` is the config with overrides applied; `fromEnv` holds the paths
 * (`redis.url`) that variables set.
 */
export function preferEnvironmentTarget(
  raw: Record<string, unknown>,
  fromEnv: (path: string) => boolean,
): void {
  const redis = raw.redis;
  if (typeof redis !== "object" || redis === null || Array.isArray(redis)) return;
  const section = redis as Record<string, unknown>;
  const chosen = TARGETS.filter((key) => fromEnv(`redis.${key}`));
  if (chosen.length === 0) return;
  for (const key of TARGETS) if (!chosen.includes(key)) delete section[key];
  if (!chosen.includes("sentinels") && !fromEnv("redis.masterName")) delete section.masterName;
}

export const redisSchema = z
  .strictObject({
    url: url.optional(),
    sentinels: nodeList.optional(),
    masterName: z.string().min(1).optional(),
    cluster: nodeList.optional(),
    username: z.string().min(1).optional(),
    prefix: prefix.default("{smc-waves}"),
  })
  .superRefine((redis, ctx) => {
    const given = TARGETS.filter((key) => redis[key] !== undefined);
    for (const key of given.slice(1)) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `give one of redis.url, redis.sentinels and redis.cluster, not several (redis.${given[0]} is set too)`,
        params: { quoteInput: false },
      });
    }
    if (redis.sentinels !== undefined && redis.masterName === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["masterName"],
        message:
          'is required with redis.sentinels: the name the sentinels monitor ("sentinel monitor <name> …"), such as "mymaster"',
        params: { quoteInput: false },
      });
    }
    if (redis.masterName !== undefined && redis.sentinels === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["masterName"],
        message: "is only used with redis.sentinels; remove it or list the sentinels",
        params: { quoteInput: false },
      });
    }
  });

export function compileRedisConfig(
  redis: z.output<typeof redisSchema>,
  secrets: { password?: string; sentinelPassword?: string },
): RedisConfig {
  const auth: RedisAuth = {
    prefix: redis.prefix,
    ...(redis.username ? { username: redis.username } : {}),
    ...(secrets.password ? { password: secrets.password } : {}),
    ...(secrets.sentinelPassword ? { sentinelPassword: secrets.sentinelPassword } : {}),
  };
  if (redis.sentinels && redis.masterName)
    return { mode: "sentinel", sentinels: redis.sentinels, masterName: redis.masterName, ...auth };
  if (redis.cluster) return { mode: "cluster", nodes: redis.cluster, ...auth };
  return { mode: "standalone", url: redis.url ?? DEFAULT_REDIS_URL, ...auth };
}

/** Where Redis is, for a log line or an error: never a password. */
export function describeRedis(config: RedisConfig): string {
  const list = (nodes: readonly RedisNode[]) =>
    nodes.map((node) => `${node.host}:${node.port}`).join(",");
  switch (config.mode) {
    case "standalone":
      return maskedUrl(config.url);
    case "sentinel":
      return `sentinel master "${config.masterName}" via ${list(config.sentinels)}`;
    case "cluster":
      return `cluster via ${list(config.nodes)}`;
  }
}
