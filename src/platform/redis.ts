import { Redis, type RedisOptions } from "ioredis";

/**
 * The two kinds of Redis connection the daemon holds. BullMQ workers block on Redis and must ride
 * out reconnects, so their commands wait forever (BullMQ throws at a Worker connection without
 * `maxRetriesPerRequest: null`). Request paths (the HTTP API, `submit`, health checks) must answer
 * a person quickly, so their commands fail fast while Redis is away instead of queueing.
 */
export type RedisRole = "worker" | "request";

export interface RedisConnectionOptions {
  /** Shown by `CLIENT LIST`, so an operator can tell daemons and roles apart. */
  name?: string;
  /** Connect on the first command instead of at once. @default false */
  lazyConnect?: boolean;
}

function redisOptions(role: RedisRole, options: RedisConnectionOptions = {}): RedisOptions {
  const common: RedisOptions = {
    ...(options.name ? { connectionName: options.name } : {}),
    lazyConnect: options.lazyConnect ?? false,
  };
  return role === "worker"
    ? { ...common, maxRetriesPerRequest: null, enableOfflineQueue: true }
    : {
        ...common,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        // A request path that cannot reach Redis in 5 s reports it rather than hanging the caller.
        connectTimeout: 5_000,
      };
}

export function createRedisConnection(
  url: string,
  role: RedisRole,
  options: RedisConnectionOptions = {},
): Redis {
  return new Redis(url, redisOptions(role, options));
}

/**
 * Whether a Redis answers PING at `url` within `timeoutMs`. Never throws; the connection is closed
 * before it resolves, so a probe leaves nothing behind.
 */
export async function pingRedis(url: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  // Connection errors also arrive as events; without a listener ioredis prints them.
  client.on("error", () => {});
  let timer: NodeJS.Timeout | undefined;
  // Something that accepts TCP but never answers (not a Redis) must not hang the probe.
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = async () => {
    await client.connect();
    return (await client.ping()) === "PONG";
  };
  try {
    return await Promise.race([probe(), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/**
 * Deletes every key under `prefix` and nothing else (SCAN, never FLUSHDB): for a prefix that is
 * wholly ours, such as the quick start's or a test's.
 */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}
