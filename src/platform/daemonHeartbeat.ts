import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";

/**
 * Each running daemon keeps a key under its prefix that expires unless refreshed: who it is and
 * where its API listens. A key present means a daemon was alive within the last `ttlMs`; that is
 * how `smc-waves quickstart` knows a prefix is in use before it would clear it.
 */

export interface DaemonPresence {
  /** The API's base URL; absent for a daemon without HTTP. */
  apiUrl?: string;
  pid: number;
  host: string;
  /** Epoch ms the daemon started. */
  startedAt: number;
}

export interface HeartbeatOptions {
  /** A fail-fast connection: a beat while Redis is away fails and the next one tries again. */
  redis: Pick<Redis, "set" | "del">;
  prefix: string;
  presence: DaemonPresence;
  /** How often the key is refreshed, ms. @default 5_000 */
  intervalMs?: number;
  /** How long the key outlives the last refresh, ms: three missed beats. @default 15_000 */
  ttlMs?: number;
}

export interface Heartbeat {
  /** Stops refreshing and deletes the key, so the prefix is free at once. */
  stop(): Promise<void>;
}

const heartbeatPattern = (prefix: string) => `${prefix}:heartbeat:*`;

/** A beat that failed is tried again after this long, ms. */
const RETRY_MS = 250;

export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { redis, presence } = options;
  const intervalMs = options.intervalMs ?? 5_000;
  const ttlMs = options.ttlMs ?? 15_000;
  // Host and pid say who; the random part keeps two daemons of one process (tests) apart.
  const key = `${options.prefix}:heartbeat:${presence.host}:${presence.pid}:${randomBytes(3).toString("hex")}`;
  const value = JSON.stringify(presence);
  // A failed beat (Redis away, or the fail-fast connection not connected yet at boot) is the Redis
  // health tracker's news, not the heartbeat's; it is tried again soon rather than an interval
  // later, so the key is there as soon as Redis answers (a quick start checks for it then).
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  const beat = (): Promise<void> =>
    redis.set(key, value, "PX", ttlMs).then(
      () => undefined,
      () => {
        if (stopped || retry) return;
        retry = setTimeout(() => {
          retry = undefined;
          void beat();
        }, RETRY_MS);
        retry.unref();
      },
    );
  void beat();
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(retry);
      await redis.del(key).catch(() => undefined);
    },
  };
}

/** This process as a heartbeat presents it. */
export function thisDaemon(apiUrl: string | undefined, startedAt: number): DaemonPresence {
  return { ...(apiUrl ? { apiUrl } : {}), pid: process.pid, host: hostname(), startedAt };
}

/** The daemons whose heartbeat under `prefix` has not expired. */
export async function liveDaemons(
  redis: Pick<Redis, "scan" | "get">,
  prefix: string,
): Promise<DaemonPresence[]> {
  const found: DaemonPresence[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", heartbeatPattern(prefix), "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const text = await redis.get(key);
      // Expired between SCAN and GET: that daemon is gone.
      if (text !== null) found.push(JSON.parse(text) as DaemonPresence);
    }
  } while (cursor !== "0");
  return found;
}
