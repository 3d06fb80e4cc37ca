import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { deleteKeysUnder } from "../../src/platform/redisConnector.ts";

export const REDIS_URL = process.env.SMC_WAVES_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A connection and a fresh hash-tagged prefix for one test; `cleanup` deletes the prefix's keys. */
export async function isolatedRedis(url = REDIS_URL): Promise<{
  redis: Redis;
  prefix: string;
  cleanup(): Promise<void>;
}> {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  // A test may stop its own Redis on purpose; ioredis reconnects by itself.
  redis.on("error", () => {});
  const prefix = `{test-${randomUUID()}}`;
  return {
    redis,
    prefix,
    async cleanup() {
      await deleteKeysUnder(redis, prefix);
      redis.disconnect();
    },
  };
}
