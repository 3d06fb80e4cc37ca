import { createHash } from "node:crypto";
import type { RedisClient } from "../../platform/redisConnector.ts";

/**
 * A Lua script run by its SHA, loaded on first use and again after a Redis restart (NOSCRIPT).
 * Every key a script touches is passed in KEYS, under the one hash-tagged prefix, so the scripts
 * also run on Redis Cluster.
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash("sha1").update(source).digest("hex");
  }

  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return redis.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}
