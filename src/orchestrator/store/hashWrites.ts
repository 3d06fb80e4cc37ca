import type { ChainableCommander } from "ioredis";
import type { RedisClient } from "../../platform/redisConnector.ts";
import type { HistoryEntry } from "../views.ts";
import { splitPatch } from "./storeRecords.ts";

/** History entries kept per server and per plan; older ones are trimmed (the log keeps everything). */
export const HISTORY_LIMIT = 200;

/** Queues a patch of hash fields: values set (as strings), `null` deleted, `undefined` left alone. */
export function addPatch(multi: ChainableCommander, key: string, patch: object): void {
  const { set, unset } = splitPatch(patch);
  if (Object.keys(set).length > 0) multi.hset(key, set);
  if (unset.length > 0) multi.hdel(key, ...unset);
}

export async function patchHash(redis: RedisClient, key: string, patch: object): Promise<void> {
  const multi = redis.multi();
  addPatch(multi, key, patch);
  await multi.exec();
}

export async function appendEntry(
  redis: RedisClient,
  key: string,
  entry: HistoryEntry,
): Promise<void> {
  await redis.multi().rpush(key, JSON.stringify(entry)).ltrim(key, -HISTORY_LIMIT, -1).exec();
}
