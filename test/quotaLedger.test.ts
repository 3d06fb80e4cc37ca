import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QuotaLedger, type ServerSlot } from "../src/orchestrator/store/quotaLedger.ts";
import { redisKeys } from "../src/orchestrator/store/redisKeys.ts";
import { isolatedRedis } from "./support/redisPrefix.ts";

const LEASE = 60_000;
const NOW = 1_000_000;
let redis: Redis;
let cleanup: () => Promise<void>;
let ledger: QuotaLedger;
let keys: ReturnType<typeof redisKeys>;

const slot = (index: number, planId = "p1", sourceId = `s-${index}`): ServerSlot => ({
  account: "default",
  planId,
  index,
  sourceId,
});

beforeEach(async () => {
  const isolated = await isolatedRedis();
  redis = isolated.redis;
  cleanup = isolated.cleanup;
  keys = redisKeys(isolated.prefix);
  ledger = new QuotaLedger(redis, keys);
  for (const planId of ["p1", "p2"]) await redis.hset(keys.plan(planId), "status", "running");
});
afterEach(() => cleanup());

describe("QuotaLedger", () => {
  it("grants slots up to the account limit and refuses the next", async () => {
    const limits = { account: 3, plan: 10 };
    const results = [];
    for (const index of [0, 1, 2, 3])
      results.push(await ledger.reserve(slot(index), limits, NOW, LEASE));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
    expect(results[3]).toEqual({ ok: false, reason: "quota", used: 3 });
  });

  it("counts a server's repeated reservation once", async () => {
    const limits = { account: 1, plan: 1 };
    expect(await ledger.reserve(slot(0), limits, NOW, LEASE)).toEqual({ ok: true });
    expect(await ledger.reserve(slot(0), limits, NOW + 1, LEASE)).toEqual({ ok: true });
    expect((await ledger.usage("default", NOW)).used).toBe(1);
  });

  it("caps one plan at its own limit while the account has room", async () => {
    const limits = { account: 10, plan: 2 };
    await ledger.reserve(slot(0), limits, NOW, LEASE);
    await ledger.reserve(slot(1), limits, NOW, LEASE);
    expect(await ledger.reserve(slot(2), limits, NOW, LEASE)).toEqual({
      ok: false,
      reason: "plan-cap",
      used: 2,
    });
    expect(await ledger.reserve(slot(0, "p2", "s-other"), limits, NOW, LEASE)).toEqual({
      ok: true,
    });
  });

  it("lets one holder at a time have a source", async () => {
    const limits = { account: 10, plan: 10 };
    await ledger.reserve(slot(0, "p1", "s-shared"), limits, NOW, LEASE);
    expect(await ledger.reserve(slot(5, "p2", "s-shared"), limits, NOW, LEASE)).toEqual({
      ok: false,
      reason: "source-busy",
      holder: { kind: "server", planId: "p1", index: 0 },
    });
    await ledger.releaseReservation(slot(0, "p1", "s-shared"));
    expect(await ledger.reserve(slot(5, "p2", "s-shared"), limits, NOW, LEASE)).toEqual({
      ok: true,
    });
  });

  it("drops expired reservations but keeps slots confirmed by jobs", async () => {
    const limits = { account: 2, plan: 2 };
    await ledger.reserve(slot(0), limits, NOW, LEASE);
    await ledger.reserve(slot(1), limits, NOW, LEASE);
    await ledger.confirm(slot(1), "j-1", NOW);
    const later = NOW + LEASE + 1;
    expect(await ledger.reserve(slot(2), limits, later, LEASE)).toEqual({ ok: true });
    expect(await ledger.reserve(slot(3), limits, later, LEASE)).toMatchObject({
      ok: false,
      reason: "quota",
    });
  });

  it("frees a slot when the job is released", async () => {
    const limits = { account: 1, plan: 1 };
    await ledger.reserve(slot(0), limits, NOW, LEASE);
    await ledger.confirm(slot(0), "j-0", NOW);
    await ledger.releaseSource(slot(0));
    expect(await ledger.reserve(slot(1), limits, NOW, LEASE)).toMatchObject({ ok: false });
    await ledger.releaseJob("default", "p1", "j-0");
    expect(await ledger.reserve(slot(1), limits, NOW, LEASE)).toEqual({ ok: true });
  });

  it("never grants more than the limit to many concurrent daemons", async () => {
    const others = await Promise.all(Array.from({ length: 4 }, () => redis.duplicate()));
    const ledgers = [ledger, ...others.map((connection) => new QuotaLedger(connection, keys))];
    const attempts = Array.from({ length: 60 }, (_, index) =>
      (ledgers[index % ledgers.length] as QuotaLedger).reserve(
        slot(index),
        { account: 17, plan: 100 },
        NOW,
        LEASE,
      ),
    );
    const granted = (await Promise.all(attempts)).filter((result) => result.ok).length;
    for (const connection of others) connection.disconnect();
    expect(granted).toBe(17);
    expect((await ledger.usage("default", NOW)).used).toBe(17);
  });

  it("admits nothing for a plan that is not running", async () => {
    await redis.hset(keys.plan("p1"), "status", "paused");
    expect(await ledger.reserve(slot(0), { account: 10, plan: 10 }, NOW, LEASE)).toEqual({
      ok: false,
      reason: "plan-not-running",
      status: "paused",
    });
    expect((await ledger.usage("default", NOW)).used).toBe(0);
  });

  it("caps running jobs, counting a job once", async () => {
    expect(await ledger.acquireRunning("default", "j-1", 2, NOW)).toBe(true);
    expect(await ledger.acquireRunning("default", "j-1", 2, NOW)).toBe(true);
    expect(await ledger.acquireRunning("default", "j-2", 2, NOW)).toBe(true);
    expect(await ledger.acquireRunning("default", "j-3", 2, NOW)).toBe(false);
    await ledger.releaseRunning("default", "j-1");
    expect(await ledger.acquireRunning("default", "j-3", 2, NOW)).toBe(true);
  });

  describe("reconcile", () => {
    it("counts jobs someone else created and locks their sources", async () => {
      await ledger.reconcile(
        "default",
        [
          { jobId: "j-ext", sourceId: "s-ext", unfinished: true, running: true },
          { jobId: "j-done", sourceId: "s-done", unfinished: false, running: false },
        ],
        NOW,
      );
      expect((await ledger.usage("default", NOW)).used).toBe(2);
      expect(
        await ledger.reserve(slot(0, "p1", "s-ext"), { account: 10, plan: 10 }, NOW, LEASE),
      ).toEqual({
        ok: false,
        reason: "source-busy",
        holder: { kind: "external", jobId: "j-ext" },
      });
      expect(await ledger.acquireRunning("default", "j-mine", 1, NOW)).toBe(false);
    });

    it("frees slots and locks of jobs that are gone, but keeps jobs confirmed after the listing", async () => {
      await ledger.reconcile(
        "default",
        [{ jobId: "j-ext", sourceId: "s-ext", unfinished: true, running: false }],
        NOW,
      );
      await ledger.reserve(slot(0), { account: 10, plan: 10 }, NOW, LEASE);
      await ledger.confirm(slot(0), "j-new", NOW + 10);
      await ledger.reconcile("default", [], NOW + 5);
      const usage = await ledger.usage("default", NOW);
      expect(usage.used).toBe(1);
      expect(usage.byPlan.get("p1")).toBe(1);
      expect(
        await ledger.reserve(slot(1, "p1", "s-ext"), { account: 10, plan: 10 }, NOW, LEASE),
      ).toEqual({
        ok: true,
      });
    });

    it("replaces an external mark with ours when the job is confirmed later", async () => {
      await ledger.reserve(slot(0), { account: 10, plan: 10 }, NOW, LEASE);
      await ledger.reconcile(
        "default",
        [{ jobId: "j-0", sourceId: "s-0", unfinished: true, running: false }],
        NOW,
      );
      expect((await ledger.usage("default", NOW)).used).toBe(2);
      await ledger.confirm(slot(0), "j-0", NOW + 1);
      const usage = await ledger.usage("default", NOW);
      expect(usage.used).toBe(1);
      expect(await redis.get(keys.sourceLock("default", "s-0"))).toBe("p1|0");
    });
  });
});
