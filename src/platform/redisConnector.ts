import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { RedisConfig } from "./redisConfig.ts";

/**
 * Every Redis connection the daemon opens is built here, from the config's `redis` section: a
 * plain client for a URL, a Sentinel-aware client that asks the sentinels where the master is, or
 * a Cluster client. Callers see one type, `RedisClient`, which both ioredis classes satisfy.
 *
 * Two roles. BullMQ workers block on Redis and must ride out reconnects and failovers, so their
 * commands wait (BullMQ refuses a worker connection without `maxRetriesPerRequest: null`). Request
 * paths (the HTTP API, `submit`, `/healthz`) must answer a person quickly, so their commands fail
 * fast while Redis is away instead of queueing.
 */

export type RedisClient = Redis | Cluster;
export type RedisRole = "worker" | "request";

export interface RedisConnectionOptions {
  /** Shown by `CLIENT LIST`, so an operator can tell daemons and roles apart. */
  name?: string;
  /** Connect on the first command instead of at once. @default false */
  lazyConnect?: boolean;
}

/** The longest pause between two reconnect attempts, ms. */
const RECONNECT_CAP_MS = 1_000;

/** A request path that cannot reach Redis in 5 s reports it rather than hanging the caller. */
const REQUEST_CONNECT_TIMEOUT_MS = 5_000;

/**
 * A Cluster client retries a command whose node went away (or that met CLUSTERDOWN) every this
 * many ms, refreshing the slot map each time, until a replica has taken over the slot.
 */
const CLUSTER_FAILOVER_RETRY_MS = 250;
/**
 * How many such retries (and MOVED/ASK redirections) a worker's command gets: 240 × 250 ms is a
 * minute, longer than a failover takes with Redis's default `cluster-node-timeout` of 15 s. Past
 * it the command fails and BullMQ's own retry and stalled-job recovery take over.
 */
const WORKER_CLUSTER_REDIRECTIONS = 240;
/** A request path's command gives up after 8 × 250 ms = 2 s, inside /healthz's 3 s bound. */
const REQUEST_CLUSTER_REDIRECTIONS = 8;

/**
 * After a Sentinel failover, a connection can still reach the old master, now a replica, which
 * answers writes with READONLY; a node still loading its data answers LOADING. Either means "this
 * is the wrong node for now": reconnect (the Sentinel client asks where the master is again) and,
 * for workers, send the command again. Neither error ran the command, so sending it again is safe.
 */
function reconnectOnError(role: RedisRole) {
  return (error: Error): boolean | 1 | 2 => {
    const code = error.message.split(" ")[0];
    if (code !== "READONLY" && code !== "LOADING") return false;
    return role === "worker" ? 2 : 1;
  };
}

/** What every node connection of `role` gets, whichever the deployment. */
function nodeOptions(
  config: RedisConfig,
  role: RedisRole,
  options: RedisConnectionOptions,
): RedisOptions {
  return {
    ...(options.name ? { connectionName: options.name } : {}),
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
    reconnectOnError: reconnectOnError(role),
    // ioredis backs off to 2 s between reconnects by default; a failover is over sooner than that
    // matters, and one attempt a second costs nothing. (Cluster nodes are reconnected by the
    // Cluster client itself, which ignores this.)
    retryStrategy: (attempt: number) => Math.min(attempt * 50, RECONNECT_CAP_MS),
    ...(role === "worker"
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 1, connectTimeout: REQUEST_CONNECT_TIMEOUT_MS }),
  };
}

export function connectRedis(
  config: RedisConfig,
  role: RedisRole,
  options: RedisConnectionOptions = {},
): RedisClient {
  const lazyConnect = options.lazyConnect ?? false;
  const offline = { enableOfflineQueue: role === "worker" };
  const node = nodeOptions(config, role, options);
  switch (config.mode) {
    case "standalone":
      return new Redis(config.url, { ...node, ...offline, lazyConnect });
    case "sentinel":
      return new Redis({
        ...node,
        ...offline,
        lazyConnect,
        sentinels: config.sentinels,
        name: config.masterName,
        role: "master",
        ...(config.sentinelPassword ? { sentinelPassword: config.sentinelPassword } : {}),
        // Not ioredis's failoverDetector: its subscription outlives the connection it watched, and a
        // +switch-master arriving while the client reconnects after its master died aborts that
        // reconnect and leaves the client ended for good (ioredis 6.0.0; both daemons of
        // test/ha/sentinelFailover.test.ts froze that way). A demoted master's clients are
        // disconnected by the sentinels anyway (CLIENT KILL on reconfiguration), and READONLY is
        // handled above.
        failoverDetector: false,
      });
    case "cluster": {
      const clusterOptions: ClusterOptions = {
        ...offline,
        lazyConnect,
        redisOptions: node,
        // Our keys live in one slot; reading from replicas could see a step before its write.
        scaleReads: "master",
        // With the ready check, a (re)connect made while a failover is under way finds
        // cluster_state:fail and reconnects, and the promise of that connect() never settles
        // (ioredis 6.0.0). BullMQ awaits it, without a timeout, when it resets a worker's blocking
        // connection, and the worker never fetches a job again: seen in 4 of 5 runs of a failover
        // under load. Without it the client is ready once it has the slot map, and commands that
        // meet CLUSTERDOWN while the failover lasts are retried (below).
        enableReadyCheck: false,
        retryDelayOnFailover: CLUSTER_FAILOVER_RETRY_MS,
        retryDelayOnClusterDown: CLUSTER_FAILOVER_RETRY_MS,
        maxRedirections:
          role === "worker" ? WORKER_CLUSTER_REDIRECTIONS : REQUEST_CLUSTER_REDIRECTIONS,
      };
      return new Cluster(config.nodes, clusterOptions);
    }
  }
}

/**
 * Another connection like `client` (same deployment, password, name and offline queueing) whose
 * commands BullMQ accepts: `maxRetriesPerRequest: null`, which BullMQ requires of a worker's
 * connection. `Redis#duplicate` and `Cluster#duplicate` take their overrides differently (a
 * Cluster's go in `redisOptions`); this hides that.
 */
export function duplicateForWorkers(client: RedisClient): RedisClient {
  if (client instanceof Cluster) {
    return client.duplicate(undefined, {
      redisOptions: { ...client.options.redisOptions, maxRetriesPerRequest: null },
    });
  }
  return client.duplicate({ maxRetriesPerRequest: null });
}

/** What the Redis health tracker probes and listens to: one connection, seen through `ping`. */
export interface RedisProbeTarget {
  ping(): Promise<unknown>;
  readonly status: string;
  on(event: "error" | "ready" | "close", listener: (error: Error) => void): unknown;
}

/** `client` as the health tracker probes it: its PING lands where our keys live. */
export function healthProbeTarget(client: RedisClient, prefix: string): RedisProbeTarget {
  return {
    ping: () => pingWhereKeysLive(client, prefix),
    get status() {
      return client.status;
    },
    on: (event, listener) =>
      client instanceof Cluster ? client.on(event, listener) : client.on(event, listener),
  };
}

/**
 * PING where our keys live. On a Cluster a bare PING goes to a random node, which says nothing
 * about the master serving our slot, so there a read of a key under `prefix` (which lands on that
 * master) stands in for it. Resolves "PONG" or rejects.
 */
export async function pingWhereKeysLive(client: RedisClient, prefix: string): Promise<"PONG"> {
  if (client instanceof Cluster) {
    await client.exists(`${prefix}:health`);
    return "PONG";
  }
  const reply = await client.ping();
  if (reply !== "PONG") throw new Error(`Redis answered PING with ${reply}`);
  return "PONG";
}

/**
 * Every key under `prefix`. SCAN walks one node's keys, so on a Cluster every master is scanned
 * (with the hash tag the keys sit on one of them, but which one changes with failovers).
 */
async function keysUnder(client: RedisClient, prefix: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, batch] = await node.scan(
        cursor,
        "MATCH",
        `${escapeGlob(prefix)}*`,
        "COUNT",
        1000,
      );
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
  }
  return keys;
}

/**
 * Deletes every key under `prefix` and nothing else (SCAN, never FLUSHDB): for a prefix that is
 * wholly ours, such as the quick start's or a test's.
 */
export async function deleteKeysUnder(client: RedisClient, prefix: string): Promise<void> {
  const keys = await keysUnder(client, prefix);
  // Pipelined DELs of one key each: a Cluster pipeline must stay within one slot, which a
  // hash-tagged prefix guarantees, and a multi-key DEL would be one huge command.
  for (let i = 0; i < keys.length; i += 500) {
    const pipeline = client.pipeline();
    for (const key of keys.slice(i, i + 500)) pipeline.del(key);
    await pipeline.exec();
  }
}

/** SCAN MATCH treats `[`, `]`, `*`, `?` and `\` specially; a prefix is matched literally. */
function escapeGlob(text: string): string {
  return text.replace(/[[\]*?\\]/g, "\\$&");
}
