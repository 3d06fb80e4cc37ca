/**
 * Redis figures for the scale benchmark: memory by kind of key (MEMORY USAGE over every key of a
 * prefix) and commands run (INFO commandstats), read from a private redis-server so no other
 * client's keys or commands are counted.
 */
import type { Redis } from "ioredis";
import { forEachKeyMemory } from "./redisMemory.ts";

/** Kinds of key, from the key's name; the first pattern that matches names it. */
const KINDS: readonly { kind: string; pattern: RegExp }[] = [
  { kind: "server histories", pattern: /:sw:plan:[^:]+:srv:\d+:history$/ },
  { kind: "server records", pattern: /:sw:plan:[^:]+:srv:\d+$/ },
  { kind: "plan and waves", pattern: /:sw:plan/ },
  { kind: "quota ledger", pattern: /:sw:acct:/ },
  { kind: "other migration keys", pattern: /:sw:/ },
  { kind: "BullMQ event streams", pattern: /:events$/ },
  { kind: "BullMQ job hashes", pattern: /:(srv|plan)-[^:]+(:logs)?$/ },
  { kind: "BullMQ other", pattern: /./ },
];

export interface KeyKindMemory {
  kind: string;
  keys: number;
  bytes: number;
}

export async function memoryByKind(redis: Redis, prefix: string): Promise<KeyKindMemory[]> {
  const totals = new Map<string, KeyKindMemory>(
    KINDS.map(({ kind }) => [kind, { kind, keys: 0, bytes: 0 }]),
  );
  await forEachKeyMemory(redis, prefix, (key, bytes) => {
    const kind = KINDS.find(({ pattern }) => pattern.test(key))?.kind ?? "BullMQ other";
    const total = totals.get(kind);
    if (!total) return;
    total.keys += 1;
    total.bytes += bytes;
  });
  return [...totals.values()].filter((total) => total.keys > 0);
}

/** `used_memory` of INFO memory: what Redis has allocated, overhead included. */
export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
}

/** Calls per command since the server started (INFO commandstats). */
export async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info("commandstats");
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(match[1] ?? "", Number(match[2]));
  }
  return calls;
}

/** The commands run between two readings, most first. */
export function callsBetween(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): { command: string; calls: number }[] {
  return [...after]
    .map(([command, calls]) => ({ command, calls: calls - (before.get(command) ?? 0) }))
    .filter(({ calls }) => calls > 0)
    .sort((a, b) => b.calls - a.calls);
}
