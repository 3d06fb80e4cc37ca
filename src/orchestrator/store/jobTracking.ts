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

/** A tracked job the poller asks about now. */
export interface DueJob {
  jobId: string;
  watcher: Watcher;
}

/**
 * The jobs the batch poller asks the service about, per account, each with the real time it is
 * next due. A job is tracked while its `tracked` entry exists; its due time lives beside it.
 */
export class JobTracking {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;

  constructor(redis: RedisClient, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  /**
   * Watches a job, due at `dueAt` (real epoch ms) at the latest: a job already due earlier keeps
   * its earlier time, so re-tracking at a step's wake never pushes a look out.
   */
  async track(account: string, jobId: string, watcher: Watcher, dueAt: number): Promise<void> {
    await this.#redis
      .multi()
      .hset(this.#keys.tracked(account), jobId, encodeWatcher(watcher))
      .zadd(this.#keys.pollDue(account), "LT", dueAt, jobId)
      .exec();
  }

  async untrack(account: string, ...jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.#redis
      .multi()
      .hdel(this.#keys.tracked(account), ...jobIds)
      .zrem(this.#keys.pollDue(account), ...jobIds)
      .exec();
  }

  async tracked(account: string): Promise<Map<string, Watcher>> {
    const raw = await this.#redis.hgetall(this.#keys.tracked(account));
    return new Map(Object.entries(raw).map(([jobId, value]) => [jobId, decodeWatcher(value)]));
  }

  /**
   * The jobs due by `now` (real ms), then, to fill the last call of `batch` ids, the ones due next:
   * a call asks about up to `batch` jobs for the price of one, so a look that is coming anyway is
   * taken now. Nothing is returned when nothing is due.
   */
  async due(account: string, now: number, batch: number): Promise<DueJob[]> {
    const key = this.#keys.pollDue(account);
    await this.#adoptUnscheduled(account, now);
    const due = await this.#redis.zrangebyscore(key, "-inf", now);
    if (due.length === 0) return [];
    const room = (batch - (due.length % batch)) % batch;
    const early =
      room > 0 ? await this.#redis.zrangebyscore(key, `(${now}`, "+inf", "LIMIT", 0, room) : [];
    const jobIds = [...due, ...early];
    const watchers = await this.#redis.hmget(this.#keys.tracked(account), ...jobIds);
    const found: DueJob[] = [];
    const stale: string[] = [];
    jobIds.forEach((jobId, position) => {
      const value = watchers[position];
      if (value) found.push({ jobId, watcher: decodeWatcher(value) });
      else stale.push(jobId);
    });
    // Untracked between the two reads: its due time goes too.
    if (stale.length > 0) await this.#redis.zrem(key, ...stale);
    return found;
  }

  /** When each job is next due (real epoch ms); a job untracked meanwhile stays untracked. */
  async schedule(account: string, entries: readonly { jobId: string; dueAt: number }[]) {
    if (entries.length === 0) return;
    const args = entries.flatMap(({ jobId, dueAt }) => [dueAt, jobId]);
    await this.#redis.zadd(this.#keys.pollDue(account), "XX", ...args);
  }

  /**
   * A tracked job with no due time (tracked by a daemon from before due times existed, or a
   * hand-edited Redis) is due now: no job is left unwatched. Costs two counts when all agree.
   */
  async #adoptUnscheduled(account: string, now: number): Promise<void> {
    const [tracked, scheduled] = await Promise.all([
      this.#redis.hlen(this.#keys.tracked(account)),
      this.#redis.zcard(this.#keys.pollDue(account)),
    ]);
    if (tracked === scheduled) return;
    const jobIds = await this.#redis.hkeys(this.#keys.tracked(account));
    if (jobIds.length === 0) return;
    await this.#redis.zadd(
      this.#keys.pollDue(account),
      "NX",
      ...jobIds.flatMap((jobId) => [now, jobId]),
    );
  }
}
