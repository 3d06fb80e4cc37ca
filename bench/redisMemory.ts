/** How much Redis memory one key prefix takes, by `MEMORY USAGE` over its keys. */
import type { Redis } from "ioredis";

export interface PrefixMemory {
  keys: number;
  /** Every key under the prefix, BullMQ's included. */
  totalBytes: number;
  /** The orchestrator's own keys (`<prefix>:sw:*`: plans, waves, servers, histories, ledger). */
  ownBytes: number;
}

export async function prefixMemory(redis: Redis, prefix: string): Promise<PrefixMemory> {
  const result: PrefixMemory = { keys: 0, totalBytes: 0, ownBytes: 0 };
  await forEachKeyMemory(redis, prefix, (key, bytes) => {
    result.keys += 1;
    result.totalBytes += bytes;
    if (key.startsWith(`${prefix}:sw:`)) result.ownBytes += bytes;
  });
  return result;
}

/** Calls `visit` with every key under `prefix` and the bytes `MEMORY USAGE` gives it. */
export async function forEachKeyMemory(
  redis: Redis,
  prefix: string,
  visit: (key: string, bytes: number) => void,
): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    // SAMPLES 0 measures every element of a hash, list or set, not an estimate from five.
    for (const key of keys) pipeline.call("MEMORY", "USAGE", key, "SAMPLES", "0");
    const replies = (await pipeline.exec()) ?? [];
    keys.forEach((key, i) => {
      visit(key, Number(replies[i]?.[1] ?? 0));
    });
  } while (cursor !== "0");
}
