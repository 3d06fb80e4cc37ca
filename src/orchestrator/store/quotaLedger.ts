import type { RedisClient } from "../../platform/redisConnector.ts";
import {
  acquireRunningScript,
  compareAndDeleteScript,
  confirmScript,
  handOverScript,
  holdExternalScript,
  reconcileScript,
  releaseMarkedScript,
  reserveScript,
} from "./ledgerScripts.ts";
import type { RedisKeys } from "./redisKeys.ts";

/** Who holds a source, as the lock's value says (see redisKeys.sourceLock). */
export type LockHolder =
  | { kind: "server"; planId: string; index: number }
  | { kind: "kept"; planId: string; index: number; jobId: string }
  | { kind: "external"; jobId: string };

function parseHolder(value: string): LockHolder {
  const parts = value.split("|");
  if (parts[0] === "x") return { kind: "external", jobId: parts[1] ?? "" };
  if (parts[0] === "k")
    return {
      kind: "kept",
      planId: parts[1] ?? "",
      index: Number(parts[2]),
      jobId: parts[3] ?? "",
    };
  return { kind: "server", planId: parts[0] ?? "", index: Number(parts[1]) };
}

export type ReserveResult =
  | { ok: true }
  | { ok: false; reason: "source-busy"; holder: LockHolder }
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
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;

  constructor(redis: RedisClient, keys: RedisKeys) {
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
    if (outcome === "source-busy")
      return { ok: false, reason: "source-busy", holder: parseHolder(detail) };
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

  /**
   * The server ended but its unfinished job stays in the account (kept by the plan's choice): the
   * source stays locked, now for that job, until it is released or seen gone.
   */
  async keepSource(slot: ServerSlot, jobId: string): Promise<void> {
    await handOverScript.run(
      this.#redis,
      [this.#keys.sourceLock(slot.account, slot.sourceId), this.#keys.keptLocks(slot.account)],
      [QuotaLedger.holder(slot.planId, slot.index), keptHolder(slot, jobId), slot.sourceId, "add"],
    );
  }

  /** The kept job went (deleted by `release`, or seen gone): its source is free. */
  async releaseKept(slot: ServerSlot, jobId: string): Promise<void> {
    await releaseMarkedScript.run(
      this.#redis,
      [this.#keys.sourceLock(slot.account, slot.sourceId), this.#keys.keptLocks(slot.account)],
      [keptHolder(slot, jobId), slot.sourceId],
    );
  }

  /** A server retried takes its kept job back: the lock is the server's again. */
  async reclaimKept(slot: ServerSlot, jobId: string): Promise<void> {
    await handOverScript.run(
      this.#redis,
      [this.#keys.sourceLock(slot.account, slot.sourceId), this.#keys.keptLocks(slot.account)],
      [
        keptHolder(slot, jobId),
        QuotaLedger.holder(slot.planId, slot.index),
        slot.sourceId,
        "remove",
      ],
    );
  }

  /**
   * A server found someone else's unfinished job on its source: lock the source for that job (so
   * admission stops trying) unless anyone holds it. Returns who holds it now.
   */
  async holdForExternal(account: string, sourceId: string, jobId: string): Promise<LockHolder> {
    const holder = (await holdExternalScript.run(
      this.#redis,
      [this.#keys.sourceLock(account, sourceId), this.#keys.externalLocks(account)],
      [`x|${jobId}`, sourceId],
    )) as string | null;
    return parseHolder(holder ?? `x|${jobId}`);
  }

  /** Someone else's job on the source finished or went: the source is free for us. */
  async releaseExternal(account: string, sourceId: string, jobId: string): Promise<boolean> {
    const released = await releaseMarkedScript.run(
      this.#redis,
      [this.#keys.sourceLock(account, sourceId), this.#keys.externalLocks(account)],
      [`x|${jobId}`, sourceId],
    );
    return released === 1;
  }

  /** Which of these sources are held by anyone now (one round trip). */
  async heldSources(account: string, sourceIds: readonly string[]): Promise<Set<string>> {
    if (sourceIds.length === 0) return new Set();
    const holders = await this.#redis.mget(
      ...sourceIds.map((sourceId) => this.#keys.sourceLock(account, sourceId)),
    );
    return new Set(sourceIds.filter((_, i) => holders[i] !== null && holders[i] !== undefined));
  }

  /** Who holds the source now, if anyone. */
  async sourceHolder(account: string, sourceId: string): Promise<LockHolder | undefined> {
    const value = await this.#redis.get(this.#keys.sourceLock(account, sourceId));
    return value === null ? undefined : parseHolder(value);
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

  /**
   * What a poll saw: these jobs run now, those do not. Jobs not seen either way (started but still
   * Ready, say) keep their place, so a started job holds its running slot until seen to stop.
   */
  async observeRunning(
    account: string,
    running: readonly string[],
    stopped: readonly string[],
    now: number,
  ): Promise<void> {
    if (running.length === 0 && stopped.length === 0) return;
    const multi = this.#redis.multi();
    for (const jobId of running) multi.zadd(this.#keys.running(account), "NX", now, jobId);
    if (stopped.length > 0) multi.zrem(this.#keys.running(account), ...stopped);
    await multi.exec();
  }

  /** Publishes how many slots the plan could use now: its claim on the account's quota. */
  async publishClaim(
    account: string,
    claim: { planId: string; wants: number },
    now: number,
  ): Promise<void> {
    await this.#redis.hset(
      this.#keys.demand(account),
      claim.planId,
      JSON.stringify({ wants: claim.wants, at: now }),
    );
  }

  /** Every plan's published claim; claims older than `lifetimeMs` are dropped. */
  async claims(
    account: string,
    now: number,
    lifetimeMs: number,
  ): Promise<{ planId: string; wants: number }[]> {
    const key = this.#keys.demand(account);
    return Object.entries(await this.#redis.hgetall(key)).flatMap(([planId, raw]) => {
      const { wants, at } = JSON.parse(raw) as { wants: number; at: number };
      return now - at > lifetimeMs ? [] : [{ planId, wants }];
    });
  }

  /** Slots held now: jobs that exist plus live reservations, in total, per plan and others'. */
  async usage(account: string, now: number): Promise<QuotaUsage> {
    const [members, running] = await Promise.all([
      this.#redis.zrangebyscore(this.#keys.slots(account), now, "+inf"),
      this.#redis.zcard(this.#keys.running(account)),
    ]);
    const byPlan = new Map<string, number>();
    const externalJobs: string[] = [];
    for (const member of members) {
      const [, planId, jobId] = member.split("|");
      if (planId) byPlan.set(planId, (byPlan.get(planId) ?? 0) + 1);
      else if (jobId) externalJobs.push(jobId);
    }
    return { used: members.length, running, byPlan, externalJobs };
  }

  /** Every source locked for someone else's job, with that job: what the poller watches. */
  async externalHolds(account: string): Promise<{ sourceId: string; jobId: string }[]> {
    const sources = await this.#redis.smembers(this.#keys.externalLocks(account));
    if (sources.length === 0) return [];
    const holders = await this.#redis.mget(
      ...sources.map((sourceId) => this.#keys.sourceLock(account, sourceId)),
    );
    return sources.flatMap((sourceId, i) => {
      const holder = holders[i];
      return holder?.startsWith("x|") ? [{ sourceId, jobId: holder.slice(2) }] : [];
    });
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
      unfinished: jobs.filter((job) => job.unfinished).map((job) => job.jobId),
    };
    await reconcileScript.run(
      this.#redis,
      [
        this.#keys.slots(account),
        this.#keys.slotTimes(account),
        this.#keys.externalLocks(account),
        this.#keys.running(account),
        this.#keys.keptLocks(account),
      ],
      [listedAt, JSON.stringify(truth), this.#keys.sourceLock(account, "")],
    );
  }
}

export interface QuotaUsage {
  used: number;
  running: number;
  byPlan: Map<string, number>;
  /** Jobs someone else created that hold slots, as the last reconcile or poll saw them. */
  externalJobs: string[];
}

function keptHolder(slot: ServerSlot, jobId: string): string {
  return `k|${slot.planId}|${slot.index}|${jobId}`;
}

function reservationMember(slot: ServerSlot): string {
  return `r|${slot.planId}|${slot.index}`;
}

/** `j|planId|jobId` for our jobs, `j||jobId` for jobs someone else created. */
function jobMember(planId: string | undefined, jobId: string): string {
  return `j|${planId ?? ""}|${jobId}`;
}
