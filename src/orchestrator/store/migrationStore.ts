import type { Logger } from "pino";
import type { JobRate } from "../../forecast/throughput.ts";
import type { CompiledPlan } from "../../plan/compiledPlan.ts";
import type { RedisClient } from "../../platform/redisConnector.ts";
import type { HistoryEntry } from "../views.ts";
import { appendEntry, PLAN_HISTORY_LIMIT, patchHash } from "./hashWrites.ts";
import type { RedisKeys } from "./redisKeys.ts";
import { allowedFrom, historyEntry, type Move, type Moved, moveResult } from "./statusMoves.ts";
import { recordStatusScript, type ScriptOutcome, scriptArgs } from "./statusScripts.ts";
import {
  decodePlan,
  decodeWave,
  encode,
  type Patch,
  type PlanRecord,
  planFields,
  type ServerRecord,
  splitPatch,
  type WaveRecord,
} from "./storeRecords.ts";

/** Parsed plan specs one store keeps; more plans than this at once only cost re-reads. */
const SPEC_CACHE_SIZE = 64;

/** Finished jobs' rates kept per account: enough to learn from, bounded. */
const JOB_RATES_KEPT = 500;

/** The plan hash's fields other than `spec`, read on every `getPlan`. */
const PLAN_FIELDS = [
  "id",
  "specHash",
  "status",
  "submittedAt",
  "wave",
  "generation",
  "reasonCode",
  "reason",
  "waiting",
  "startedAt",
  "finishedAt",
  "stopRunning",
] as const;

/** A status change's fields besides the status itself. */
export type WavePatch = Patch<Omit<WaveRecord, "status">>;
export type PlanPatch = Patch<Omit<PlanRecord, "id" | "spec" | "specHash" | "status">>;

/**
 * Plans, waves and servers as Redis hashes. Every status change is a compare-and-set that the
 * lifecycle's table allows (statusScripts.ts); other fields are patches (`null` deletes a field).
 * Each wave's counts by status and its queue of pending servers change in the same call as a
 * server's status, so admission and summaries never re-read a whole wave.
 */
export class MigrationStore {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  readonly #logger: Logger;
  /** World time for history entries. */
  readonly #now: () => number;
  /** Parsed specs by plan id, with the hash they were parsed from (see `getPlan`). */
  readonly #specs = new Map<string, { hash: string; spec: CompiledPlan }>();

  constructor(redis: RedisClient, keys: RedisKeys, logger: Logger, now: () => number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#logger = logger;
    this.#now = now;
  }

  /** Writes a new plan and its servers in one transaction; false if the id is already taken. */
  async createPlan(plan: PlanRecord, history: HistoryEntry): Promise<boolean> {
    const planKey = this.#keys.plan(plan.id);
    const claimed = await this.#redis.hsetnx(planKey, "id", plan.id);
    // A claimed id without a spec is what a crash mid-submission leaves: finish that submission.
    if (claimed === 0 && (await this.#redis.hexists(planKey, "spec")) === 1) return false;
    const multi = this.#redis.multi();
    let index = 0;
    plan.spec.waves.forEach((wave, waveIndex) => {
      multi.del(
        this.#keys.waveCounts(plan.id, waveIndex),
        this.#keys.wavePending(plan.id, waveIndex),
        this.#keys.waveInFlight(plan.id, waveIndex),
      );
      multi.hset(this.#keys.wave(plan.id, waveIndex), { status: "pending" });
      multi.hset(this.#keys.waveCounts(plan.id, waveIndex), { pending: wave.servers.length });
      for (const server of wave.servers) {
        const record: ServerRecord = {
          index,
          wave: waveIndex,
          key: server.key,
          status: "pending",
          progress: 0,
          attempts: 0,
          retries: 0,
          throttles: 0,
          restarts: 0,
          sizeBytes: 0,
          startRequested: false,
          stopRequested: false,
          createTried: false,
          generation: 0,
          ...(server.ref.sourceId ? { sourceId: server.ref.sourceId } : {}),
          ...(server.ref.name ? { name: server.ref.name } : {}),
        };
        multi.hset(this.#keys.server(plan.id, index), encode(record));
        index++;
      }
    });
    multi.rpush(this.#keys.planHistory(plan.id), JSON.stringify(history));
    // The spec last: getPlan treats a plan without specHash as not (fully) submitted.
    multi.hset(planKey, encode(planFields(plan)));
    multi.sadd(this.#keys.plans, plan.id);
    await multi.exec();
    return true;
  }

  async planIds(): Promise<string[]> {
    return (await this.#redis.smembers(this.#keys.plans)).sort();
  }

  /**
   * Every step of every server reads its plan, and a 1,000-server spec is ~150 KB of JSON: reading
   * and parsing it each time was most of a daemon's CPU. A spec never changes once written (a
   * different spec under the same id is refused), so the small fields are read each time and the
   * spec only when its hash is new. Callers must not mutate `spec`: it is shared.
   */
  async getPlan(planId: string): Promise<PlanRecord | undefined> {
    const key = this.#keys.plan(planId);
    const values = await this.#redis.hmget(key, ...PLAN_FIELDS);
    const raw: Record<string, string> = {};
    PLAN_FIELDS.forEach((field, i) => {
      const value = values[i];
      if (value !== null && value !== undefined) raw[field] = value;
    });
    if (!raw.specHash) return undefined;
    let cached = this.#specs.get(planId);
    if (cached?.hash !== raw.specHash) {
      const text = await this.#redis.hget(key, "spec");
      if (!text) return undefined;
      cached = { hash: raw.specHash, spec: JSON.parse(text) as CompiledPlan };
      // Bounded: a long-lived daemon sees many plans; dropping the oldest only costs a re-read.
      if (this.#specs.size >= SPEC_CACHE_SIZE)
        this.#specs.delete(this.#specs.keys().next().value ?? "");
      this.#specs.set(planId, cached);
    }
    return decodePlan(raw, cached.spec);
  }

  async patchPlan(planId: string, patch: PlanPatch): Promise<void> {
    await patchHash(this.#redis, this.#keys.plan(planId), patch);
  }

  async movePlan(planId: string, move: Move<"plan", PlanPatch>): Promise<Moved<"plan">> {
    return this.#move("plan", planId, move, [
      this.#keys.plan(planId),
      this.#keys.planHistory(planId),
    ]);
  }

  async getWave(planId: string, wave: number): Promise<WaveRecord> {
    return decodeWave(await this.#redis.hgetall(this.#keys.wave(planId, wave)));
  }

  async getWaves(plan: Pick<PlanRecord, "id" | "spec">): Promise<WaveRecord[]> {
    const pipeline = this.#redis.pipeline();
    plan.spec.waves.forEach((_, wave) => {
      pipeline.hgetall(this.#keys.wave(plan.id, wave));
    });
    return ((await pipeline.exec()) ?? []).map(([error, raw]) => {
      if (error) throw error;
      return decodeWave(raw as Record<string, string>);
    });
  }

  async patchWave(planId: string, wave: number, patch: WavePatch): Promise<void> {
    await patchHash(this.#redis, this.#keys.wave(planId, wave), patch);
  }

  async moveWave(
    planId: string,
    wave: number,
    move: Move<"wave", WavePatch>,
  ): Promise<Moved<"wave">> {
    return this.#move("wave", `${planId} wave ${wave}`, move, [
      this.#keys.wave(planId, wave),
      this.#keys.planHistory(planId),
    ]);
  }

  async appendPlanHistory(planId: string, entry: HistoryEntry): Promise<void> {
    await appendEntry(this.#redis, this.#keys.planHistory(planId), entry, PLAN_HISTORY_LIMIT);
  }

  /** The plan's history, oldest first: all of it, or the newest `newest` entries. */
  async planHistory(planId: string, newest?: number): Promise<HistoryEntry[]> {
    const from = newest === undefined ? 0 : -newest;
    const entries = await this.#redis.lrange(this.#keys.planHistory(planId), from, -1);
    return entries.map((entry) => JSON.parse(entry) as HistoryEntry);
  }

  /** True at most once per `intervalMs` per plan across every daemon: for the periodic audit. */
  async auditDue(planId: string, now: number, intervalMs: number): Promise<boolean> {
    const key = this.#keys.plan(planId);
    const last = Number(await this.#redis.hget(key, "auditedAt"));
    if (Number.isFinite(last) && now - last < intervalMs) return false;
    await this.#redis.hset(key, "auditedAt", String(now));
    return true;
  }

  async #move<S extends "plan" | "wave">(
    subject: S,
    label: string,
    move: Move<S, object>,
    keys: [string, string],
  ): Promise<Moved<S>> {
    const { set, unset } = splitPatch(move.patch ?? {});
    const reply = (await recordStatusScript.run(
      this.#redis,
      keys,
      scriptArgs({
        allowed: allowedFrom(subject, move),
        to: move.to,
        set,
        unset,
        history: historyEntry(subject, move, this.#now()),
        historyLimit: PLAN_HISTORY_LIMIT,
      }),
    )) as [ScriptOutcome, string];
    return moveResult(this.#logger, subject, label, move, reply[0], reply[1]);
  }

  /** Notes a finished job's bytes and run time (ms), for the account's learned throughput. */
  async recordJobRate(account: string, rate: JobRate): Promise<void> {
    const key = this.#keys.jobRates(account);
    await this.#redis
      .multi()
      .lpush(key, JSON.stringify({ bytes: rate.bytes, ms: rate.ms }))
      .ltrim(key, 0, JOB_RATES_KEPT - 1)
      .exec();
  }

  /** The account's finished jobs' rates, newest first (at most the last 500). */
  async jobRates(account: string): Promise<JobRate[]> {
    const raw = await this.#redis.lrange(this.#keys.jobRates(account), 0, -1);
    return raw.flatMap((entry) => {
      try {
        const { bytes, ms } = JSON.parse(entry) as JobRate;
        return Number.isFinite(bytes) && Number.isFinite(ms) ? [{ bytes, ms }] : [];
      } catch {
        return [];
      }
    });
  }
}
