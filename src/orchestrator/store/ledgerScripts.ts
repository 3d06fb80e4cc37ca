import { LuaScript } from "./luaScript.ts";

/**
 * The ledger's Lua scripts: each one change to slots, running slots or source locks that must be
 * atomic across every daemon. Every key is passed in KEYS (they share the prefix's hash tag).
 */
/** Score of a slot held by a job that exists: far beyond any lease expiry (epoch ms). */
const CONFIRMED_SLOT = 9e15;

/**
 * Reserve a quota slot and the source lock at once, only while the plan is running (so a pause or
 * cancel that has returned admits nothing more).
 * KEYS: slots, sourceLock, plan. ARGV: now, member, planId, accountLimit, planLimit, leaseExpiry,
 * holder. Expired reservations are dropped first; confirmed slots never expire here.
 */
export const reserveScript = new LuaScript(`
local planStatus = redis.call('HGET', KEYS[3], 'status')
if planStatus ~= 'running' then return {'plan-not-running', planStatus or 'missing'} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[7] then return {'source-busy', holder} end
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[6], ARGV[2])
  redis.call('SET', KEYS[2], ARGV[7])
  return {'ok', ''}
end
local used = redis.call('ZCARD', KEYS[1])
if used >= tonumber(ARGV[4]) then return {'quota', tostring(used)} end
local reserved, confirmed = 'r|' .. ARGV[3] .. '|', 'j|' .. ARGV[3] .. '|'
local planHeld = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local head = string.sub(member, 1, #reserved)
  if head == reserved or head == confirmed then planHeld = planHeld + 1 end
end
if planHeld >= tonumber(ARGV[5]) then return {'plan-cap', tostring(planHeld)} end
redis.call('ZADD', KEYS[1], ARGV[6], ARGV[2])
redis.call('SET', KEYS[2], ARGV[7])
return {'ok', ''}
`);

/**
 * Turn a reservation into a job's slot, and make the source lock ours (a reconcile may have seen
 * the job before we recorded it and marked it someone else's).
 * KEYS: slots, slotTimes, sourceLock, externalLocks. ARGV: reservation, jobMember, now, holder,
 * externalMember, sourceId.
 */
export const confirmScript = new LuaScript(`
redis.call('ZREM', KEYS[1], ARGV[1], ARGV[5])
redis.call('HDEL', KEYS[2], ARGV[5])
redis.call('ZADD', KEYS[1], ${CONFIRMED_SLOT}, ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[4])
redis.call('SREM', KEYS[4], ARGV[6])
return 1
`);

/** Delete KEYS[1] only if it holds ARGV[1]: a lock is released by its holder alone. */
export const compareAndDeleteScript = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** KEYS: running. ARGV: jobId, limit, now. A job already counted keeps its place. */
export const acquireRunningScript = new LuaScript(`
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
`);

/**
 * Rebuild job slots and external source locks from the service's list of jobs.
 * KEYS: slots, slotTimes, externalLocks, running, keptLocks. ARGV: listedAt, then a JSON object
 * { jobs: {member, jobId}[], externalUnfinished: {sourceId, jobId}[], running: jobId[],
 * unfinished: jobId[] }, then the source-lock key prefix. Slots confirmed and running slots taken
 * after `listedAt` are kept: the list could not see them. A source kept for a job an ended plan
 * left is freed once that job is no longer unfinished.
 */
export const reconcileScript = new LuaScript(`
local listedAt = tonumber(ARGV[1])
local truth = cjson.decode(ARGV[2])
local lockPrefix = ARGV[3]
local exists = {}
for _, job in ipairs(truth.jobs) do exists[job.member] = true end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ${CONFIRMED_SLOT}, ${CONFIRMED_SLOT})) do
  local confirmedAt = tonumber(redis.call('HGET', KEYS[2], member) or '0')
  if not exists[member] and confirmedAt < listedAt then
    redis.call('ZREM', KEYS[1], member)
    redis.call('HDEL', KEYS[2], member)
  end
end
for _, job in ipairs(truth.jobs) do
  if not redis.call('ZSCORE', KEYS[1], job.member) then
    redis.call('ZADD', KEYS[1], ${CONFIRMED_SLOT}, job.member)
    redis.call('HSET', KEYS[2], job.member, listedAt)
  end
end
local stillExternal = {}
for _, ext in ipairs(truth.externalUnfinished) do
  stillExternal[ext.sourceId] = true
  local lock = lockPrefix .. ext.sourceId
  if redis.call('SET', lock, 'x|' .. ext.jobId, 'NX') then redis.call('SADD', KEYS[3], ext.sourceId) end
end
for _, sourceId in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if not stillExternal[sourceId] then
    local lock = lockPrefix .. sourceId
    local holder = redis.call('GET', lock)
    if holder and string.sub(holder, 1, 2) == 'x|' then redis.call('DEL', lock) end
    redis.call('SREM', KEYS[3], sourceId)
  end
end
local running = {}
for _, jobId in ipairs(truth.running) do
  running[jobId] = true
  redis.call('ZADD', KEYS[4], 'NX', listedAt, jobId)
end
for _, jobId in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. listedAt)) do
  if not running[jobId] then redis.call('ZREM', KEYS[4], jobId) end
end
local unfinished = {}
for _, jobId in ipairs(truth.unfinished) do unfinished[jobId] = true end
for _, sourceId in ipairs(redis.call('SMEMBERS', KEYS[5])) do
  local lock = lockPrefix .. sourceId
  local holder = redis.call('GET', lock)
  if not holder or string.sub(holder, 1, 2) ~= 'k|' then
    redis.call('SREM', KEYS[5], sourceId)
  else
    local jobId = string.match(holder, '([^|]+)$')
    if not unfinished[jobId] then
      redis.call('DEL', lock)
      redis.call('SREM', KEYS[5], sourceId)
    end
  end
end
return 1
`);

/**
 * Hand a source lock from its holder to another, only while the first holds it, and note the
 * source in the kept set (ARGV[4] = 'add') or take it out ('remove').
 * KEYS: sourceLock, keptLocks. ARGV: expected holder, new holder, sourceId, add | remove.
 */
export const handOverScript = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[4] == 'add' then redis.call('SADD', KEYS[2], ARGV[3]) else redis.call('SREM', KEYS[2], ARGV[3]) end
return 1
`);

/**
 * Lock a source for someone else's job a server found on it, unless anyone holds it already.
 * KEYS: sourceLock, externalLocks. ARGV: holder (`x|jobId`), sourceId. Replies the holder now.
 */
export const holdExternalScript = new LuaScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SADD', KEYS[2], ARGV[2])
  return ARGV[1]
end
return redis.call('GET', KEYS[1])
`);

/** KEYS: sourceLock, a lock set. ARGV: holder, sourceId. Compare-and-delete, and forget the source. */
export const releaseMarkedScript = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
`);
