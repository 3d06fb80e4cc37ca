import type { RedisClient } from "../../platform/redisConnector.ts";
import type { RedisKeys } from "./redisKeys.ts";

/** Who watches a tracked job: a server of ours, or servers waiting for someone else's job to go. */
export type Watcher =
  | { kind: "server"; planId: string; index: number }
  | { kind: "blocker"; sourceId: string };

function encodeWatcher(watcher: Watcher): string {
  return watcher.kind === "server" ? `${watcher.planId}|${watcher.index}` : `x|${watcher.sourceId}`;
}

function decodeWatcher(value: string): Watcher {
  const [head, tail] = value.split("|");
  if (head === "x") return { kind: "blocker", sourceId: tail ?? "" };
  return { kind: "server", planId: head ?? "", index: Number(tail) };
}

/**
 * The jobs the batch poller asks the service about, per account, and when each plan's jobs were
 * last asked about (a plan may poll less often than the daemon ticks).
 */
export class JobTracking {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;

  constructor(redis: RedisClient, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async track(account: string, jobId: string, watcher: Watcher): Promise<void> {
    await this.#redis.hset(this.#keys.tracked(account), jobId, encodeWatcher(watcher));
  }

  async untrack(account: string, ...jobIds: string[]): Promise<void> {
    if (jobIds.length > 0) await this.#redis.hdel(this.#keys.tracked(account), ...jobIds);
  }

  async tracked(account: string): Promise<Map<string, Watcher>> {
    const raw = await this.#redis.hgetall(this.#keys.tracked(account));
    return new Map(Object.entries(raw).map(([jobId, value]) => [jobId, decodeWatcher(value)]));
  }

  /** Epoch ms (real) each plan's jobs were last polled. */
  async polledAt(account: string): Promise<Map<string, number>> {
    const raw = await this.#redis.hgetall(this.#keys.polledAt(account));
    return new Map(Object.entries(raw).map(([planId, at]) => [planId, Number(at)]));
  }

  async markPolled(account: string, planIds: readonly string[], now: number): Promise<void> {
    if (planIds.length === 0) return;
    await this.#redis.hset(
      this.#keys.polledAt(account),
      Object.fromEntries(planIds.map((planId) => [planId, String(now)])),
    );
  }
}
