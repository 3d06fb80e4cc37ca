import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../src/orchestrator/store/openStore.ts";
import type { CompiledPlan } from "../src/plan/compiledPlan.ts";
import { isolatedRedis } from "./support/redisPrefix.ts";

/**
 * The store refuses every status change the lifecycle does not allow, atomically, and keeps each
 * wave's counts, pending queue and in-flight index in step with its servers' statuses.
 */

let store: Store;
let logged: Record<string, unknown>[];
let cleanup: () => Promise<void>;

const spec: CompiledPlan = {
  name: "p",
  regionId: "cn-hangzhou",
  account: "default",
  policy: {
    maxJobs: 10,
    pollIntervalMs: 1000,
    jobRestarts: 1,
    onFinish: "delete",
    onWaveFailure: "halt",
    maxFailedServers: 0,
  },
  waves: [
    {
      name: "w1",
      order: "asListed",
      servers: ["a", "b", "c"].map((name) => ({
        key: `name:${name}`,
        ref: { name },
        settings: { systemDiskSize: 20 },
      })),
    },
  ],
};

beforeEach(async () => {
  const isolated = await isolatedRedis();
  cleanup = isolated.cleanup;
  logged = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logged.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  store = openStore(
    isolated.redis,
    isolated.prefix,
    pino({ level: "debug" }, destination),
    () => 0,
  );
  await store.migrations.createPlan(
    {
      id: "p",
      spec,
      specHash: "h",
      status: "pending",
      submittedAt: 0,
      wave: 0,
      generation: 0,
      stopRunning: false,
    },
    { at: 0, event: "plan:submitted" },
  );
});
afterEach(() => cleanup());

const ref = (index: number) => ({ planId: "p", index, wave: 0 });

describe("status changes in the store", () => {
  it("refuses and logs a move the lifecycle forbids, leaving the record as it was", async () => {
    const { servers } = store;
    expect((await servers.moveServer(ref(0), { to: "creating" })).ok).toBe(true);
    expect((await servers.moveServer(ref(0), { to: "running" })).ok).toBe(true);
    expect((await servers.moveServer(ref(0), { to: "succeeded" })).ok).toBe(true);
    // A succeeded server never goes back: that would migrate it twice.
    const refused = await servers.moveServer(ref(0), { to: "pending" });
    expect(refused).toEqual({ ok: false, why: "refused", current: "succeeded" });
    expect((await servers.getServer("p", 0))?.status).toBe("succeeded");
    expect(logged).toContainEqual(
      expect.objectContaining({
        msg: "illegal status change refused",
        from: "succeeded",
        to: "pending",
      }),
    );
  });

  it("lets one of two racing moves win: the other sees who won, and only a debug line", async () => {
    const { servers } = store;
    await servers.moveServer(ref(1), { to: "creating" });
    const [a, b] = await Promise.all([
      servers.moveServer(ref(1), { to: "running", from: ["creating"] }),
      servers.moveServer(ref(1), { to: "pending", from: ["creating"] }),
    ]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    expect(logged.filter((line) => line.msg === "illegal status change refused")).toEqual([]);
  });

  it("keeps the wave's counts, pending queue and in-flight index with every move", async () => {
    const { servers } = store;
    await servers.setRanks("p", 0, [
      { index: 2, rank: 0, patch: {} },
      { index: 0, rank: 1, patch: {} },
      { index: 1, rank: 2, patch: {} },
    ]);
    expect(await servers.pendingInOrder("p", 0, 0, 10)).toEqual([2, 0, 1]);
    await servers.moveServer(ref(2), { to: "creating" });
    await servers.moveServer(ref(0), { to: "skipped" });
    expect(await servers.pendingInOrder("p", 0, 0, 10)).toEqual([1]);
    expect([...(await servers.inFlight("p", 0))]).toEqual([[2, "creating"]]);
    const counts = await servers.waveCounts("p", 0);
    expect(counts).toMatchObject({ pending: 1, creating: 1, skipped: 1, running: 0 });
    // A refused move changes no count.
    await servers.moveServer(ref(0), { to: "running" });
    expect(await servers.waveCounts("p", 0)).toEqual(counts);
    // Back to pending (retry) requeues it in its place.
    await servers.moveServer(ref(0), { to: "pending" });
    expect(await servers.pendingInOrder("p", 0, 0, 10)).toEqual([0, 1]);
  });
});
