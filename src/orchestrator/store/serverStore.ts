import type { Logger } from "pino";
import type { ServerCounts, ServerStatus } from "../../lifecycle/statuses.ts";
import type { RedisClient } from "../../platform/redisConnector.ts";
import type { HistoryEntry } from "../views.ts";
import { addPatch, appendEntry, HISTORY_LIMIT, patchHash } from "./hashWrites.ts";
import { toCounts } from "./planLayout.ts";
import type { RedisKeys } from "./redisKeys.ts";
import { allowedFrom, historyEntry, type Move, type Moved, moveResult } from "./statusMoves.ts";
import { type ScriptOutcome, scriptArgs, serverStatusScript } from "./statusScripts.ts";
import {
  decodeServer,
  type Patch,
  type PlanRecord,
  type ServerRecord,
  splitPatch,
} from "./storeRecords.ts";

/** Concurrent commands one batch keeps in flight (ioredis pipelines them on the connection). */
const BATCH = 500;

/** Where a server's record is: its plan, its number in the plan, its wave. */
export interface ServerRef {
  planId: string;
  index: number;
  wave: number;
}

/** A server's fields besides its status (and what never changes); `null` deletes one. */
export type ServerPatch = Patch<Omit<ServerRecord, "index" | "wave" | "key" | "status">>;

/**
 * Servers as Redis hashes, and what each wave keeps of them. Every status change is a
 * compare-and-set the lifecycle's table allows, and moves the wave's counts by status, its queue
 * of pending servers (admission's order) and its index of servers in flight in the same call, so
 * admission, audits and summaries never re-read a whole wave.
 */
export class ServerStore {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  readonly #logger: Logger;
  /** World time for history entries. */
  readonly #now: () => number;

  constructor(redis: RedisClient, keys: RedisKeys, logger: Logger, now: () => number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#logger = logger;
    this.#now = now;
  }

  /** Counts of the wave's servers by status, kept by every server's status change. */
  async waveCounts(planId: string, wave: number): Promise<ServerCounts> {
    return toCounts(await this.#redis.hgetall(this.#keys.waveCounts(planId, wave)));
  }

  async allWaveCounts(plan: Pick<PlanRecord, "id" | "spec">): Promise<ServerCounts[]> {
    const pipeline = this.#redis.pipeline();
    plan.spec.waves.forEach((_, wave) => {
      pipeline.hgetall(this.#keys.waveCounts(plan.id, wave));
    });
    return ((await pipeline.exec()) ?? []).map(([error, raw]) => {
      if (error) throw error;
      return toCounts(raw as Record<string, string>);
    });
  }

  /** The wave's pending servers in start order (their indexes), `count` from `start`. */
  async pendingInOrder(
    planId: string,
    wave: number,
    start: number,
    count: number,
  ): Promise<number[]> {
    const key = this.#keys.wavePending(planId, wave);
    const members = await this.#redis.zrange(key, String(start), String(start + count - 1));
    return members.map(Number);
  }

  /** The wave's servers in flight: index → status (creating, running or stopping). */
  async inFlight(planId: string, wave: number): Promise<Map<number, ServerStatus>> {
    const raw = await this.#redis.hgetall(this.#keys.waveInFlight(planId, wave));
    return new Map(
      Object.entries(raw).map(([index, status]) => [Number(index), status as ServerStatus]),
    );
  }

  /** Places servers in the wave's start order and queues the pending ones for admission. */
  async setRanks(
    planId: string,
    wave: number,
    ranks: readonly { index: number; rank: number; patch: ServerPatch }[],
  ): Promise<void> {
    const multi = this.#redis.multi();
    for (const { index, rank, patch } of ranks) {
      addPatch(multi, this.#keys.server(planId, index), { ...patch, rank });
    }
    await multi.exec();
    // Queued only while still pending, by the same compare-and-set every status change uses.
    await this.#inBatches(ranks, ({ index }) =>
      this.#serverScript(
        { planId, index, wave },
        {
          allowed: ["pending"],
          to: "pending",
          set: {},
          unset: [],
        },
      ),
    );
  }

  async getServer(planId: string, index: number): Promise<ServerRecord | undefined> {
    const raw = await this.#redis.hgetall(this.#keys.server(planId, index));
    return raw.key === undefined ? undefined : decodeServer(raw);
  }

  async getServers(planId: string, indexes: readonly number[]): Promise<ServerRecord[]> {
    const found = await this.getServersAt(indexes.map((index) => ({ planId, index })));
    return found.filter((server): server is ServerRecord => server !== undefined);
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

  /**
   * What the timeline chooses its servers by, without reading whole records: each server's status,
   * whether it has had a job, and when it ended (aligned with `indexes`).
   */
  async jobSummaries(
    planId: string,
    indexes: readonly number[],
  ): Promise<{ index: number; status: ServerStatus; hadJob: boolean; finishedAt: number }[]> {
    const pipeline = this.#redis.pipeline();
    for (const index of indexes) {
      pipeline.hmget(
        this.#keys.server(planId, index),
        "status",
        "jobId",
        "createTried",
        "finishedAt",
      );
    }
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, raw], i) => {
      if (error) throw error;
      const [status, jobId, createTried, finishedAt] = raw as (string | null)[];
      return {
        index: indexes[i] ?? -1,
        status: (status ?? "pending") as ServerStatus,
        hadJob: jobId !== null || createTried === "true",
        finishedAt: Number(finishedAt ?? 0),
      };
    });
  }

  /**
   * What a filtered page of servers looks at, for `count` servers from number `first`: each one's
   * status, whether it waits for something of its own, and whether it left a job in the account.
   */
  async serverFields(
    planId: string,
    first: number,
    count: number,
  ): Promise<({ status: ServerStatus; waiting: boolean; kept: boolean } | undefined)[]> {
    const pipeline = this.#redis.pipeline();
    for (let index = first; index < first + count; index++)
      pipeline.hmget(this.#keys.server(planId, index), "status", "waiting", "keptJob");
    return ((await pipeline.exec()) ?? []).map(([error, raw]) => {
      if (error) throw error;
      const [status, waiting, kept] = raw as (string | null)[];
      return status === null || status === undefined
        ? undefined
        : { status: status as ServerStatus, waiting: Boolean(waiting), kept: Boolean(kept) };
    });
  }

  /** Writes fields other than the status, whatever the status is. */
  async patchServer(planId: string, index: number, patch: ServerPatch): Promise<void> {
    await patchHash(this.#redis, this.#keys.server(planId, index), patch);
  }

  /** Writes fields only while the server is in one of `statuses` (and of `generation`). */
  async patchServerIf(
    ref: ServerRef,
    expect: { statuses: readonly ServerStatus[]; generation?: number },
    patch: ServerPatch,
  ): Promise<boolean> {
    const { set, unset } = splitPatch(patch);
    const [outcome] = await this.#serverScript(ref, {
      allowed: expect.statuses,
      set,
      unset,
      ...(expect.generation === undefined ? {} : { generation: expect.generation }),
    });
    return outcome === "ok";
  }

  /** Several servers' patches in one transaction, one round trip (the poller's batch). */
  async patchServers(
    updates: readonly { planId: string; index: number; patch: ServerPatch }[],
  ): Promise<void> {
    if (updates.length === 0) return;
    const multi = this.#redis.multi();
    for (const { planId, index, patch } of updates) {
      addPatch(multi, this.#keys.server(planId, index), patch);
    }
    await multi.exec();
  }

  async moveServer(
    ref: ServerRef,
    move: Move<"server", ServerPatch> & { generation?: number },
  ): Promise<Moved<"server">> {
    const allowed = allowedFrom("server", move);
    const { set, unset } = splitPatch(move.patch ?? {});
    const [outcome, previous] = await this.#serverScript(ref, {
      allowed,
      to: move.to,
      set,
      unset,
      history: historyEntry("server", move, this.#now()),
      ...(move.generation === undefined ? {} : { generation: move.generation }),
    });
    return moveResult(
      this.#logger,
      "server",
      `${ref.planId} server ${ref.index}`,
      move,
      outcome,
      previous,
    );
  }

  /** The same move for many servers (a cancel or a halt of a large wave), pipelined. */
  async moveServers(
    refs: readonly ServerRef[],
    move: Move<"server", ServerPatch>,
  ): Promise<number> {
    const moved = await this.#inBatches(refs, (ref) => this.moveServer(ref, move));
    return moved.filter((result) => result.ok).length;
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
    await appendEntry(this.#redis, this.#keys.history(planId, index), entry);
  }

  async histories(planId: string, indexes: readonly number[]): Promise<HistoryEntry[][]> {
    const pipeline = this.#redis.pipeline();
    for (const index of indexes) pipeline.lrange(this.#keys.history(planId, index), 0, -1);
    return ((await pipeline.exec()) ?? []).map(([, entries]) =>
      ((entries as string[] | null) ?? []).map((entry) => JSON.parse(entry) as HistoryEntry),
    );
  }

  async #serverScript(
    { planId, index, wave }: ServerRef,
    call: Omit<Parameters<typeof scriptArgs>[0], "historyLimit">,
  ): Promise<[ScriptOutcome, string]> {
    return (await serverStatusScript.run(
      this.#redis,
      [
        this.#keys.server(planId, index),
        this.#keys.history(planId, index),
        this.#keys.waveCounts(planId, wave),
        this.#keys.wavePending(planId, wave),
        this.#keys.waveInFlight(planId, wave),
      ],
      scriptArgs({ ...call, historyLimit: HISTORY_LIMIT }),
    )) as [ScriptOutcome, string];
  }

  async #inBatches<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = [];
    for (let start = 0; start < items.length; start += BATCH) {
      results.push(...(await Promise.all(items.slice(start, start + BATCH).map(run))));
    }
    return results;
  }
}
