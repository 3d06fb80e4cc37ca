import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

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
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== "0");
      redis.disconnect();
    },
  };
}
