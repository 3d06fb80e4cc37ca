import type { Redis } from "ioredis";
import { LuaScript } from "./luaScript.ts";
import type { RedisKeys } from "./redisKeys.ts";

/** Score of a slot held by a job that exists: far beyond any lease expiry (epoch ms). */
const CONFIRMED_SLOT = 9e15;

/**
 * Reserve a quota slot and the source lock at once, only while the plan is running (so a pause or
 * cancel that has returned admits nothing more).
 * KEYS: slots, sourceLock, plan. ARGV: now, member, planId, accountLimit, planLimit, leaseExpiry,
 * holder. Expired reservations are dropped first; confirmed slots never expire here.
 */
const reserveScript = new LuaScript(`
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
const confirmScript = new LuaScript(`
redis.call('ZREM', KEYS[1], ARGV[1], ARGV[5])
redis.call('HDEL', KEYS[2], ARGV[5])
redis.call('ZADD', KEYS[1], ${CONFIRMED_SLOT}, ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[4])
redis.call('SREM', KEYS[4], ARGV[6])
return 1
`);

/** Delete KEYS[1] only if it holds ARGV[1]: a lock is released by its holder alone. */
const compareAndDeleteScript = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** KEYS: running. ARGV: jobId, limit, now. A job already counted keeps its place. */
const acquireRunningScript = new LuaScript(`
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
`);

/**
 * Rebuild job slots and external source locks from the service's list of jobs.
 * KEYS: slots, slotTimes, externalLocks, running. ARGV: listedAt, then a JSON object
 * { jobs: {member, jobId}[], externalUnfinished: {sourceId, jobId}[], running: jobId[] }, then the
 * source-lock key prefix. Slots confirmed and running slots taken after `listedAt` are kept: the
 * list could not see them.
 */
const reconcileScript = new LuaScript(`
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
return 1
`);

export type ReserveResult =
  | { ok: true }
  | { ok: false; reason: "source-busy"; holder: string }
  | { ok: false; reason: "plan-not-running"; status: string }
  | { ok: false; reason: "quota" | "plan-cap"; used: number };

export interface ServerSlot {
  account: string;
  planId: string;
  /** The server's number within its plan. */
  index: number;
  sourceId: string;
}

/** A job the service listed, as the reconcile sees it. */
export interface ListedJob {
  jobId: string;
  sourceId: string;
  unfinished: boolean;
  running: boolean;
  /** Set when the job is one of ours (tracked, or named by us). */
  owner?: { planId: string };
}

/**
 * The account's quota slots, running slots and per-source locks, kept atomically in Redis across
 * every daemon instance. Invariants: slots never exceed the limit a caller passes; a source lock
 * has one holder; a slot confirmed by a job is held until that job is deleted or seen gone.
 */
export class QuotaLedger {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;

  constructor(redis: Redis, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  static holder(planId: string, index: number): string {
    return `${planId}|${index}`;
  }

  async reserve(
    slot: ServerSlot,
    limits: { account: number; plan: number },
    now: number,
    leaseMs: number,
  ): Promise<ReserveResult> {
    const reply = (await reserveScript.run(
      this.#redis,
      [
        this.#keys.slots(slot.account),
        this.#keys.sourceLock(slot.account, slot.sourceId),
        this.#keys.plan(slot.planId),
      ],
      [
        now,
        reservationMember(slot),
        slot.planId,
        limits.account,
        limits.plan,
        now + leaseMs,
        QuotaLedger.holder(slot.planId, slot.index),
      ],
    )) as [string, string];
    const [outcome, detail] = reply;
    if (outcome === "ok") return { ok: true };
    if (outcome === "source-busy") return { ok: false, reason: "source-busy", holder: detail };
    if (outcome === "plan-not-running")
      return { ok: false, reason: "plan-not-running", status: detail };
    return { ok: false, reason: outcome === "quota" ? "quota" : "plan-cap", used: Number(detail) };
  }

  async confirm(slot: ServerSlot, jobId: string, now: number): Promise<void> {
    await confirmScript.run(
      this.#redis,
      [
        this.#keys.slots(slot.account),
        this.#keys.slotTimes(slot.account),
        this.#keys.sourceLock(slot.account, slot.sourceId),
        this.#keys.externalLocks(slot.account),
      ],
      [
        reservationMember(slot),
        jobMember(slot.planId, jobId),
        now,
        QuotaLedger.holder(slot.planId, slot.index),
        jobMember(undefined, jobId),
        slot.sourceId,
      ],
    );
  }

  /** Give back a reservation that did not become a job, and the source lock with it. */
  async releaseReservation(slot: ServerSlot): Promise<void> {
    await this.#redis.zrem(this.#keys.slots(slot.account), reservationMember(slot));
    await this.releaseSource(slot);
  }

  /** The job was deleted: its quota slot is free. */
  async releaseJob(account: string, planId: string, jobId: string): Promise<void> {
    const member = jobMember(planId, jobId);
    await this.#redis
      .multi()
      .zrem(this.#keys.slots(account), member)
      .hdel(this.#keys.slotTimes(account), member)
      .exec();
  }

  /** The server's job is no longer unfinished (or never was): the source may get another. */
  async releaseSource(slot: ServerSlot): Promise<void> {
    await compareAndDeleteScript.run(
      this.#redis,
      [this.#keys.sourceLock(slot.account, slot.sourceId)],
      [QuotaLedger.holder(slot.planId, slot.index)],
    );
  }

  async acquireRunning(
    account: string,
    jobId: string,
    limit: number,
    now: number,
  ): Promise<boolean> {
    const reply = await acquireRunningScript.run(
      this.#redis,
      [this.#keys.running(account)],
      [jobId, limit, now],
    );
    return reply === 1;
  }

  async releaseRunning(account: string, jobId: string): Promise<void> {
    await this.#redis.zrem(this.#keys.running(account), jobId);
  }

  /** Slots held now: jobs that exist plus live reservations, in total and per plan. */
  async usage(
    account: string,
    now: number,
  ): Promise<{ used: number; running: number; byPlan: Map<string, number> }> {
    const [members, running] = await Promise.all([
      this.#redis.zrangebyscore(this.#keys.slots(account), now, "+inf"),
      this.#redis.zcard(this.#keys.running(account)),
    ]);
    const byPlan = new Map<string, number>();
    for (const member of members) {
      const planId = member.split("|")[1];
      if (planId) byPlan.set(planId, (byPlan.get(planId) ?? 0) + 1);
    }
    return { used: members.length, running, byPlan };
  }

  /** Make Redis agree with the service's own list of jobs, taken at `listedAt`. */
  async reconcile(account: string, jobs: readonly ListedJob[], listedAt: number): Promise<void> {
    const truth = {
      jobs: jobs.map((job) => ({
        member: jobMember(job.owner?.planId, job.jobId),
        jobId: job.jobId,
      })),
      externalUnfinished: jobs
        .filter((job) => job.unfinished && !job.owner)
        .map(({ sourceId, jobId }) => ({ sourceId, jobId })),
      running: jobs.filter((job) => job.running).map((job) => job.jobId),
    };
    await reconcileScript.run(
      this.#redis,
      [
        this.#keys.slots(account),
        this.#keys.slotTimes(account),
        this.#keys.externalLocks(account),
        this.#keys.running(account),
      ],
      [listedAt, JSON.stringify(truth), this.#keys.sourceLock(account, "")],
    );
  }
}

function reservationMember(slot: ServerSlot): string {
  return `r|${slot.planId}|${slot.index}`;
}

/** `j|planId|jobId` for our jobs, `j||jobId` for jobs someone else created. */
function jobMember(planId: string | undefined, jobId: string): string {
  return `j|${planId ?? ""}|${jobId}`;
}
