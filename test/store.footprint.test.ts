import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_STREAM_LENGTH } from "../src/orchestrator/jobCatalogue.ts";
import { HISTORY_LIMIT } from "../src/orchestrator/store/hashWrites.ts";
import { type Harness, planOverSources, startHarness } from "./support/migrationHarness.ts";

/**
 * What a finished plan leaves in Redis, counted (keys, entries, encodings), not timed: two keys per
 * server (its record, compact, and its capped history), BullMQ's event streams trimmed, and only
 * the configured few completed step jobs. Redis then holds a bounded amount per server whatever
 * the plan's size (docs/benchmarks.md, "Scale", has the bytes).
 */

const SERVERS = 40;
const COMPLETED_KEPT = 5;

let harness: Harness;
let planId = "";

beforeAll(async () => {
  harness = await startHarness({ sources: SERVERS + 2, quota: 10 });
  const daemon = await harness.startDaemon({
    keepCompleted: { ageMs: 3_600_000, count: COMPLETED_KEPT },
  });
  const plan = await planOverSources(harness.client, "footprint", [20, 20]);
  const ended = harness.waitForPlanEnd("footprint");
  ({ planId } = await daemon.migrations.submit(plan));
  expect(planId).toBe("footprint");
  expect(await ended).toBe("succeeded");
});

afterAll(async () => {
  await harness?.close();
});

async function keysUnder(pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await harness.redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== "0");
  return keys;
}

describe("a finished plan's Redis footprint", () => {
  it("is two keys per server: a compact record and a capped history", async () => {
    const serverKeys = await keysUnder(`${harness.prefix}:sw:plan:${planId}:srv:*`);
    expect(serverKeys).toHaveLength(2 * SERVERS);
    for (let index = 0; index < SERVERS; index++) {
      const record = `${harness.prefix}:sw:plan:${planId}:srv:${index}`;
      // Rewritten when the server ended: the listpack encoding, not the 3× larger hashtable.
      expect([index, await harness.redis.object("ENCODING", record)]).toEqual([index, "listpack"]);
      const entries = await harness.redis.llen(`${record}:history`);
      expect(entries).toBeGreaterThan(0);
      expect(entries).toBeLessThanOrEqual(HISTORY_LIMIT);
    }
  });

  it("keeps BullMQ's event streams trimmed and few completed step jobs", async () => {
    for (const queue of ["plans", "servers", "control"]) {
      const length = await harness.redis.xlen(`${harness.prefix}:${queue}:events`);
      // XADD MAXLEN ~ trims whole stream nodes of 100 entries, so up to about one node over.
      expect([queue, length <= EVENT_STREAM_LENGTH + 100]).toEqual([queue, true]);
    }
    const completed = await harness.redis.zcard(`${harness.prefix}:servers:completed`);
    expect(completed).toBeLessThanOrEqual(COMPLETED_KEPT);
    const jobHashes = await keysUnder(`${harness.prefix}:servers:srv-*`);
    expect(jobHashes.length).toBeLessThanOrEqual(COMPLETED_KEPT);
  });

  it("holds no more keys than two per server and a fixed few", async () => {
    const all = await keysUnder(`${harness.prefix}:*`);
    // The plan, its waves' records, counts and queues, the ledger, BullMQ's queue keys: 60 at most.
    expect(all.length).toBeLessThanOrEqual(2 * SERVERS + 60);
  });
});
