import { createHash } from "node:crypto";
import type { RedisClient } from "../platform/redisConnector.ts";
import type { RecordedFailure, ServerFailure } from "./eventToNotification.ts";

/**
 * Server failures, grouped so a wave sends at most one failure message per window, whichever
 * daemons see the failures. Per plan and wave, in Redis under the one hash-tagged prefix:
 *
 * - `open`: the id of the group collecting now, set by the first failure after the last flush;
 * - `buffer`: HASH server → failure, the open group's members (a repeat overwrites, never adds);
 * - `taken:<id>`: the members of a group being sent, renamed from `buffer` by the flush.
 *
 * The first failure opens group n and the caller adds one delayed flush job per group (a fixed id,
 * so every daemon's add is the same job). The flush takes the buffer atomically and closes the
 * group; the next failure opens n+1, whose flush runs a full window later. Taking is idempotent:
 * a flush retried after a crash gets the same members until it releases them.
 */

/** Group state outlives any sane window; it expires only if every flush job was lost. */
const STATE_TTL_MS = 7 * 86_400_000;
/** A taken group waits this long for its flush to finish before Redis drops it. */
const TAKEN_TTL_MS = 86_400_000;

// KEYS: buffer, open, seq. ARGV: field, failure JSON, ttl ms. Returns the open group's id.
const RECORD = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local id = redis.call('GET', KEYS[2])
if not id then
  id = tostring(redis.call('INCR', KEYS[3]))
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
  redis.call('SET', KEYS[2], id, 'PX', ARGV[3])
end
return id
`;

// KEYS: buffer, open, taken. ARGV: group id, ttl ms. Returns the taken group as HGETALL does.
// Only the open group's own flush may take the buffer: a flush retried after its release must not
// take the next group's members.
const TAKE = `
if redis.call('EXISTS', KEYS[3]) == 0 and redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
  if redis.call('EXISTS', KEYS[1]) == 1 then
    redis.call('RENAME', KEYS[1], KEYS[3])
    redis.call('PEXPIRE', KEYS[3], ARGV[2])
  end
end
return redis.call('HGETALL', KEYS[3])
`;

const hashOf = (planId: string, wave: string): string =>
  createHash("sha256").update(`${planId}\0${wave}`).digest("hex").slice(0, 24);

/** The flush job of one group: BullMQ ids may not hold ':' (or be all digits). */
export function flushJobId(planId: string, wave: string, groupId: string): string {
  return `f-${hashOf(planId, wave)}-${groupId}`;
}

export class ServerFailureGroups {
  readonly #redis: RedisClient;
  readonly #root: string;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#root = `${prefix}:sw:notify:fail`;
  }

  #keys(planId: string, wave: string) {
    const base = `${this.#root}:${hashOf(planId, wave)}`;
    return {
      buffer: base,
      open: `${base}:open`,
      seq: `${base}:seq`,
      taken: (groupId: string) => `${base}:taken:${groupId}`,
    };
  }

  /** Adds a failure to its wave's open group (opening one if none is); returns the group's id. */
  async record(recorded: RecordedFailure): Promise<string> {
    const keys = this.#keys(recorded.planId, recorded.wave);
    const id = await this.#redis.eval(
      RECORD,
      3,
      keys.buffer,
      keys.open,
      keys.seq,
      recorded.field,
      JSON.stringify(recorded.failure),
      STATE_TTL_MS,
    );
    return String(id);
  }

  /** The members of group `groupId`, the same on every call until `release`. */
  async take(planId: string, wave: string, groupId: string): Promise<ServerFailure[]> {
    const keys = this.#keys(planId, wave);
    const flat = (await this.#redis.eval(
      TAKE,
      3,
      keys.buffer,
      keys.open,
      keys.taken(groupId),
      groupId,
      TAKEN_TTL_MS,
    )) as string[];
    const failures: ServerFailure[] = [];
    for (let index = 1; index < flat.length; index += 2) {
      failures.push(JSON.parse(flat[index] ?? "null") as ServerFailure);
    }
    return failures;
  }

  /** Forgets a group once its messages are enqueued. */
  async release(planId: string, wave: string, groupId: string): Promise<void> {
    await this.#redis.del(this.#keys(planId, wave).taken(groupId));
  }
}
