import type { RedisClient } from "../../platform/redisConnector.ts";
import type { RedisKeys } from "./redisKeys.ts";

/** A step job a wake was asked for: its queue and id. */
export interface WakeRequest {
  queue: string;
  jobId: string;
}

/**
 * Wakes that must not be lost. A wake promotes a parked step; a step that is running (not parked)
 * cannot be promoted, and if it then parks on the state it read before, the change would wait for
 * its fallback. So a wake is also written here; a step clears its own as it starts (whatever was
 * announced was written before, so it reads it), and the poller's tick promotes the steps still
 * asked for once they have parked.
 */
export class WakeRequests {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;

  constructor(redis: RedisClient, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async request(queue: string, jobId: string): Promise<void> {
    await this.#redis.sadd(this.#keys.wakeRequests, `${queue}|${jobId}`);
  }

  async clear(queue: string, jobId: string): Promise<void> {
    await this.#redis.srem(this.#keys.wakeRequests, `${queue}|${jobId}`);
  }

  async pending(): Promise<WakeRequest[]> {
    const members = await this.#redis.smembers(this.#keys.wakeRequests);
    return members.map((member) => {
      const split = member.indexOf("|");
      return { queue: member.slice(0, split), jobId: member.slice(split + 1) };
    });
  }
}
