import type { ChainableCommander, Redis } from "ioredis";
import type { CompiledPlan } from "../plan/compiledPlan.ts";
import type { RedisKeys } from "./redisKeys.ts";
import {
  decodePlan,
  decodeServer,
  decodeWave,
  encode,
  optional,
  type PlanRecord,
  planFields,
  type ServerRecord,
  type WaveRecord,
} from "./storeRecords.ts";
import type {
  HistoryEntry,
  PlanSummary,
  PlanView,
  ServerCounts,
  ServerStatus,
  ServerView,
  WaveSummary,
} from "./views.ts";

/** History entries kept per server; older ones are trimmed (the log keeps everything). */
const HISTORY_LIMIT = 200;

/** Parsed plan specs one store keeps; more plans than this at once only cost re-reads. */
const SPEC_CACHE_SIZE = 64;

/** The plan hash's fields other than `spec`, read on every `getPlan`. */
const PLAN_FIELDS = [
  "id",
  "specHash",
  "status",
  "submittedAt",
  "wave",
  "generation",
  "reason",
  "startedAt",
  "finishedAt",
] as const;

type Patch<T> = { [K in keyof T]?: T[K] | null };

/** A change to a server's record; `null` deletes a field. */
export type ServerPatch = Patch<Omit<ServerRecord, "index" | "wave" | "key">>;

/**
 * Plans, waves and servers as Redis hashes. Writes are patches of string fields; `null` deletes a
 * field. Reads turn them back into records and views. Counts are derived, never stored, so they
 * cannot drift from the servers' own statuses.
 */
export class MigrationStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  /** Parsed specs by plan id, with the hash they were parsed from (see `getPlan`). */
  readonly #specs = new Map<string, { hash: string; spec: CompiledPlan }>();

  constructor(redis: Redis, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  get keys(): RedisKeys {
    return this.#keys;
  }

  /** Writes a new plan and its servers in one transaction; false if the id is already taken. */
  async createPlan(plan: PlanRecord): Promise<boolean> {
    const planKey = this.#keys.plan(plan.id);
    const claimed = await this.#redis.hsetnx(planKey, "id", plan.id);
    // A claimed id without a spec is what a crash mid-submission leaves: finish that submission.
    if (claimed === 0 && (await this.#redis.hexists(planKey, "spec")) === 1) return false;
    const multi = this.#redis.multi();
    multi.hset(planKey, encode(planFields(plan)));
    let index = 0;
    plan.spec.waves.forEach((wave, waveIndex) => {
      multi.hset(this.#keys.wave(plan.id, waveIndex), { status: "pending" });
      for (const server of wave.servers) {
        const record: ServerRecord = {
          index,
          wave: waveIndex,
          key: server.key,
          status: "pending",
          progress: 0,
          attempts: 0,
          restarts: 0,
          sizeBytes: 0,
          startRequested: false,
          finishing: false,
          createTried: false,
          generation: 0,
          ...(server.ref.sourceId ? { sourceId: server.ref.sourceId } : {}),
          ...(server.ref.name ? { name: server.ref.name } : {}),
        };
        multi.hset(this.#keys.server(plan.id, index), encode(record));
        index++;
      }
    });
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
    // specHash is written with the spec in one HSET: without it the plan is not (fully) submitted.
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

  async updatePlan(
    planId: string,
    patch: Patch<Omit<PlanRecord, "id" | "spec" | "specHash">>,
  ): Promise<void> {
    await this.#patch(this.#keys.plan(planId), patch);
  }

  async getWave(planId: string, wave: number): Promise<WaveRecord> {
    const raw = await this.#redis.hgetall(this.#keys.wave(planId, wave));
    return decodeWave(raw);
  }

  async updateWave(planId: string, wave: number, patch: Patch<WaveRecord>): Promise<void> {
    await this.#patch(this.#keys.wave(planId, wave), patch);
  }

  async getServer(planId: string, index: number): Promise<ServerRecord | undefined> {
    const raw = await this.#redis.hgetall(this.#keys.server(planId, index));
    return raw.key === undefined ? undefined : decodeServer(raw);
  }

  async getServers(planId: string, indexes: readonly number[]): Promise<ServerRecord[]> {
    const pipeline = this.#redis.pipeline();
    for (const index of indexes) pipeline.hgetall(this.#keys.server(planId, index));
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([error, raw]) => {
      if (error) throw error;
      const fields = raw as Record<string, string>;
      return fields.key === undefined ? [] : [decodeServer(fields)];
    });
  }

  /** Servers of any plans in one round trip, aligned with `refs` (undefined where none is). */
  async getServersAt(
    refs: readonly { planId: string; index: number }[],
  ): Promise<(ServerRecord | undefined)[]> {
    const pipeline = this.#redis.pipeline();
    for (const { planId, index } of refs) pipeline.hgetall(this.#keys.server(planId, index));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, raw]) => {
      if (error) throw error;
      const fields = raw as Record<string, string>;
      return fields.key === undefined ? undefined : decodeServer(fields);
    });
  }

  async updateServer(planId: string, index: number, patch: ServerPatch): Promise<void> {
    await this.#patch(this.#keys.server(planId, index), patch);
  }

  /** Several servers' patches in one transaction, one round trip (the poller's batch). */
  async updateServers(
    updates: readonly { planId: string; index: number; patch: ServerPatch }[],
  ): Promise<void> {
    if (updates.length === 0) return;
    const multi = this.#redis.multi();
    for (const { planId, index, patch } of updates) {
      addPatch(multi, this.#keys.server(planId, index), patch);
    }
    await multi.exec();
  }

  /** Counts an attempt without a read-modify-write race between daemons. */
  async incrementServer(
    planId: string,
    index: number,
    field: "attempts" | "restarts",
  ): Promise<number> {
    return this.#redis.hincrby(this.#keys.server(planId, index), field, 1);
  }

  async appendHistory(planId: string, index: number, entry: HistoryEntry): Promise<void> {
    const key = this.#keys.history(planId, index);
    await this.#redis
      .multi()
      .rpush(key, JSON.stringify(entry))
      .ltrim(key, -HISTORY_LIMIT, -1)
      .exec();
  }

  async summary(planId: string): Promise<PlanSummary | undefined> {
    const plan = await this.getPlan(planId);
    if (!plan) return undefined;
    const servers = await this.getServers(planId, allIndexes(plan.spec));
    const waves = await this.#waveSummaries(plan, servers);
    return { ...planHeader(plan), counts: countStatuses(servers), waves };
  }

  async view(planId: string): Promise<PlanView | undefined> {
    const plan = await this.getPlan(planId);
    if (!plan) return undefined;
    const indexes = allIndexes(plan.spec);
    const servers = await this.getServers(planId, indexes);
    const pipeline = this.#redis.pipeline();
    for (const index of indexes) pipeline.lrange(this.#keys.history(planId, index), 0, -1);
    const histories = ((await pipeline.exec()) ?? []).map(([, entries]) =>
      (entries as string[]).map((entry) => JSON.parse(entry) as HistoryEntry),
    );
    const summaries = await this.#waveSummaries(plan, servers);
    const waves = summaries.map((wave) => ({
      ...wave,
      servers: servers
        .filter((server) => server.wave === wave.index)
        .map((server) => serverView(plan.spec, server, histories[server.index] ?? [])),
    }));
    return { ...planHeader(plan), counts: countStatuses(servers), waves };
  }

  async #waveSummaries(plan: PlanRecord, servers: readonly ServerRecord[]): Promise<WaveSummary[]> {
    const waves = await Promise.all(
      plan.spec.waves.map((_, index) => this.getWave(plan.id, index)),
    );
    return plan.spec.waves.map((wave, index) => {
      const record = waves[index] ?? { status: "pending" as const };
      // A paused plan's current wave is paused too; the stored wave status stays running, so
      // resume needs no second write.
      const status =
        plan.status === "paused" && record.status === "running" ? "paused" : record.status;
      return {
        name: wave.name,
        index,
        ...record,
        status,
        counts: countStatuses(servers.filter((server) => server.wave === index)),
      };
    });
  }

  async #patch(key: string, patch: Record<string, unknown>): Promise<void> {
    const multi = this.#redis.multi();
    addPatch(multi, key, patch);
    await multi.exec();
  }
}

/** Queues a patch of hash fields: values set (as strings), `null` deleted, `undefined` left alone. */
function addPatch(multi: ChainableCommander, key: string, patch: object): void {
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) unset.push(field);
    else set[field] = typeof value === "string" ? value : JSON.stringify(value);
  }
  if (Object.keys(set).length > 0) multi.hset(key, set);
  if (unset.length > 0) multi.hdel(key, ...unset);
}

/** Servers are numbered across the whole plan, wave by wave, in the order the YAML lists them. */
export function allIndexes(spec: CompiledPlan): number[] {
  const total = spec.waves.reduce((sum, wave) => sum + wave.servers.length, 0);
  return Array.from({ length: total }, (_, index) => index);
}

export function waveIndexes(spec: CompiledPlan, wave: number): number[] {
  const first = spec.waves.slice(0, wave).reduce((sum, w) => sum + w.servers.length, 0);
  const count = spec.waves[wave]?.servers.length ?? 0;
  return Array.from({ length: count }, (_, offset) => first + offset);
}

export function countStatuses(servers: readonly { status: ServerStatus }[]): ServerCounts {
  const counts: ServerCounts = {
    pending: 0,
    creating: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
  };
  for (const server of servers) counts[server.status]++;
  return counts;
}

function planHeader(plan: PlanRecord): Omit<PlanSummary, "counts" | "waves"> {
  return {
    id: plan.id,
    name: plan.spec.name,
    regionId: plan.spec.regionId,
    account: plan.spec.account,
    status: plan.status,
    submittedAt: plan.submittedAt,
    ...optional("reason", plan.reason),
    ...optional("startedAt", plan.startedAt),
    ...optional("finishedAt", plan.finishedAt),
  };
}

function serverView(spec: CompiledPlan, server: ServerRecord, history: HistoryEntry[]): ServerView {
  return {
    key: server.key,
    wave: spec.waves[server.wave]?.name ?? String(server.wave),
    status: server.status,
    progress: server.progress,
    attempts: server.attempts,
    restarts: server.restarts,
    history,
    ...optional("sourceId", server.sourceId),
    ...optional("name", server.name),
    ...optional("jobId", server.jobId),
    ...optional("jobStatus", server.jobStatus),
    ...optional("businessStatus", server.businessStatus),
    ...optional("imageId", server.imageId),
    ...optional("startedAt", server.startedAt),
    ...optional("finishedAt", server.finishedAt),
    ...(server.errorCode
      ? { lastError: { code: server.errorCode, message: server.errorMessage ?? "" } }
      : {}),
  };
}
