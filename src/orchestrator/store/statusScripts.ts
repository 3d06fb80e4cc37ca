import { isEnded, isInFlight, SERVER_STATUSES } from "../../lifecycle/statuses.ts";
import { LuaScript } from "./luaScript.ts";

/**
 * Compare-and-set of a status, in one Redis call: the move happens only while the record is in one
 * of the allowed statuses (and, for servers, of the expected generation), so two daemons, or a step
 * and an operator, can never both move the same thing. The allowed statuses come from the pure
 * table in lifecycle/statuses.ts.
 *
 * ARGV of both: 1 expected generation ('' = any), 2 allowed current statuses (comma-separated),
 * 3 the new status ('' = keep it: a conditional patch), 4 history entry JSON ('' = none),
 * 5 history length kept, 6 number of fields to set (n), then n field/value pairs, then fields to
 * delete. Replies {outcome, previous status}: outcome is ok, refused, stale or missing.
 */
const PREAMBLE = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'missing', ''} end
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return {'stale', status} end
local allowed = false
for candidate in string.gmatch(ARGV[2], '[^,]+') do
  if candidate == status then allowed = true break end
end
if not allowed then return {'refused', status} end
local to = ARGV[3]
local setCount = tonumber(ARGV[6])
local fields = {}
if to ~= '' then fields[1] = 'status' fields[2] = to end
for i = 7, 6 + setCount * 2 do fields[#fields + 1] = ARGV[i] end
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
if 7 + setCount * 2 <= #ARGV then redis.call('HDEL', KEYS[1], unpack(ARGV, 7 + setCount * 2)) end
if ARGV[4] ~= '' then
  redis.call('RPUSH', KEYS[2], ARGV[4])
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
end
`;

/** A plan or a wave. KEYS: the record, its history list. */
export const recordStatusScript = new LuaScript(`${PREAMBLE}
return {'ok', status}
`);

/**
 * A server. KEYS: the record, its history, its wave's status counts, its wave's pending queue, its
 * wave's in-flight servers (index → status). The counts, the queue and the in-flight index change
 * with the status in the same call, so they cannot drift.
 *
 * A server that ends has its record written afresh: a hash that ever held a value over 64 bytes
 * (a waiting reason, a pending end) stays in Redis's hashtable encoding, about 1.8 KiB, where the
 * same fields rewritten take the compact listpack encoding, about 0.6 KiB. Most of a large plan's
 * servers spend most of its life ended.
 */
export const serverStatusScript = new LuaScript(`${PREAMBLE}
local IN_FLIGHT = { ${luaSet(SERVER_STATUSES.filter(isInFlight))} }
local ENDED = { ${luaSet(SERVER_STATUSES.filter((s) => isEnded("server", s)))} }
if to == '' then return {'ok', status} end
local index = redis.call('HGET', KEYS[1], 'index')
if to == 'pending' then
  -- Also when it stays pending: a wave's start places its pending servers in the queue this way.
  local rank = redis.call('HGET', KEYS[1], 'rank')
  if rank then redis.call('ZADD', KEYS[4], rank, index) end
elseif status == 'pending' then
  redis.call('ZREM', KEYS[4], index)
end
if to ~= status then
  redis.call('HINCRBY', KEYS[3], status, -1)
  redis.call('HINCRBY', KEYS[3], to, 1)
  if IN_FLIGHT[to] then
    redis.call('HSET', KEYS[5], index, to)
  else
    redis.call('HDEL', KEYS[5], index)
  end
  if ENDED[to] then
    local record = redis.call('HGETALL', KEYS[1])
    redis.call('DEL', KEYS[1])
    redis.call('HSET', KEYS[1], unpack(record))
  end
end
return {'ok', status}
`);

function luaSet(members: readonly string[]): string {
  return members.map((member) => `['${member}'] = true`).join(", ");
}

export type ScriptOutcome = "ok" | "refused" | "stale" | "missing";

export interface ScriptCall {
  generation?: number;
  allowed: readonly string[];
  /** Absent for a conditional patch that keeps the status. */
  to?: string;
  history?: object;
  historyLimit: number;
  set: Record<string, string>;
  unset: readonly string[];
}

export function scriptArgs(call: ScriptCall): (string | number)[] {
  const pairs = Object.entries(call.set).flat();
  return [
    call.generation === undefined ? "" : String(call.generation),
    call.allowed.join(","),
    call.to ?? "",
    call.history ? JSON.stringify(call.history) : "",
    call.historyLimit,
    pairs.length / 2,
    ...pairs,
    ...call.unset,
  ];
}
