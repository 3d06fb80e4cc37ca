import type { RedisClient } from "../../platform/redisConnector.ts";
import type { RedisKeys } from "./redisKeys.ts";

/**
 * Wakes that must not be lost. A wake promotes a parked step; a step that is running (not parked)
 * cannot be promoted, and if it parks after reading the old state the change would wait for its
 * fallback. So a wake first leaves a request here, and a step that parks reads and clears it right
 * after parking, promoting itself when one came. A step clears requests as it starts: whatever they
 * announced was written before, so it reads it anyway.
 */
export class WakeRequests {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  /** Real ms a request outlives the step it was for (a step that never parks leaves one behind). */
  readonly #ttlMs: number;

  constructor(redis: RedisClient, keys: RedisKeys, ttlMs: number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#ttlMs = ttlMs;
  }

  async request(queue: string, jobId: string): Promise<void> {
    await this.#redis.set(this.#keys.wakeRequest(queue, jobId), "1", "PX", this.#ttlMs);
  }

  /** Whether a wake came for the step since it last looked; clears it. */
  async take(queue: string, jobId: string): Promise<boolean> {
    return (await this.#redis.getdel(this.#keys.wakeRequest(queue, jobId))) !== null;
  }
}
