import type { ChainableCommander } from "ioredis";
import type { RedisClient } from "../../platform/redisConnector.ts";
import type { HistoryEntry } from "../views.ts";
import { splitPatch } from "./storeRecords.ts";

/**
 * History entries kept per server; older ones are trimmed (the log keeps everything). A server's
 * run takes about 6 (creating, created, running, started, deleted, succeeded); 50 leave room for
 * restarts, retries and an incremental job's syncs, and at ~80 bytes each keep a server's history
 * under 4 KiB of Redis however long it runs.
 */
export const HISTORY_LIMIT = 50;

/**
 * History entries kept per plan: its audit trail (who paused, cancelled, approved…) besides its and
 * its waves' status changes, so far more than a server's; a plan is one list, so this stays small
 * (5,000 entries of ~150 bytes is under 1 MB).
 */
export const PLAN_HISTORY_LIMIT = 5_000;

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
  limit = HISTORY_LIMIT,
): Promise<void> {
  await redis.multi().rpush(key, JSON.stringify(entry)).ltrim(key, -limit, -1).exec();
}
