import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import type { Orchestrator } from "../src/orchestrator/orchestrator.ts";
import type { PlanDetail, ServerPage } from "../src/orchestrator/views.ts";
import {
  type Harness,
  planOverSources,
  startHarness,
  startTestApi,
} from "./support/migrationHarness.ts";
import { until } from "./support/until.ts";

/**
 * `GET /api/plans/:id` as a summary and `GET /api/plans/:id/servers` in pages, over real HTTP,
 * against the real orchestrator, the emulator and Redis. The plan stops part-way (its second wave
 * waits at a gate), so its servers are in different statuses: wave 1 succeeded, waves 2 and 3
 * pending.
 */

const TOKEN = `pages-${randomUUID()}`;
const WAVE_SIZES = [10, 12, 8];
const SERVERS = WAVE_SIZES.reduce((sum, size) => sum + size, 0);

let harness: Harness;
let daemon: Orchestrator;
let api: RunningApiServer;
let planId = "";
let serverKeys: string[] = [];

beforeAll(async () => {
  harness = await startHarness({ sources: SERVERS + 2, quota: 10 });
  daemon = await harness.startDaemon();
  api = await startTestApi(harness, daemon, TOKEN);
  const plan = await planOverSources(
    harness.client,
    `pages-${randomUUID().slice(0, 8)}`,
    WAVE_SIZES,
  );
  const gated = plan.waves[1];
  if (gated) gated.gate = "manual";
  serverKeys = plan.waves.flatMap((wave) => wave.servers.map((server) => server.key));
  ({ planId } = await daemon.migrations.submit(plan));
  await until(
    "wave 2 waiting for approval",
    () => daemon.migrations.planDetail(planId),
    (detail) => detail?.waves[1]?.status === "waiting-approval",
  );
});

afterAll(async () => {
  await api?.close();
  await harness?.close();
});

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${api.url}${path}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** Every page of a query, following nextCursor; the pages' server numbers in order. */
async function allPages(query: string): Promise<{ indexes: number[]; pages: ServerPage[] }> {
  const pages: ServerPage[] = [];
  let cursor: string | undefined = "0";
  while (cursor !== undefined) {
    const { status, body }: { status: number; body: ServerPage } = await get<ServerPage>(
      `/api/plans/${planId}/servers?${query}&cursor=${cursor}`,
    );
    expect(status).toBe(200);
    pages.push(body);
    cursor = body.nextCursor;
    if (pages.length > SERVERS + 1) throw new Error("the pages never end");
  }
  return { indexes: pages.flatMap((page) => page.servers.map((s) => s.index)), pages };
}

const range = (from: number, count: number) =>
  Array.from({ length: count }, (_, offset) => from + offset);

describe("the plan's summary", () => {
  it("has its waves' counts, history and quota, and no servers", async () => {
    const { status, body } = await get<PlanDetail>(`/api/plans/${planId}`);
    expect(status).toBe(200);
    expect(body.waves.map((wave) => [wave.name, wave.status, wave.counts.succeeded])).toEqual([
      ["wave-1", "succeeded", 10],
      ["wave-2", "waiting-approval", 0],
      ["wave-3", "pending", 0],
    ]);
    expect(body.waves.map((wave) => wave.counts.pending)).toEqual([0, 12, 8]);
    expect(body.history.map((entry) => entry.event)).toContain("wave:waiting-approval");
    expect(body.quota).toMatchObject({ account: "default", limit: 10 });
    expect(body.quota?.heldByPlan).toBeLessThanOrEqual(body.quota?.used ?? 0);
    // No per-server array anywhere, and no server named.
    const text = JSON.stringify(body);
    expect(text).not.toContain('"servers"');
    for (const key of serverKeys) expect(text).not.toContain(key);
  });
});

describe("a plan's servers in pages", () => {
  it("returns every server exactly once across pages, in plan order", async () => {
    const { indexes, pages } = await allPages("limit=7");
    expect(indexes).toEqual(range(0, SERVERS));
    expect(pages.map((page) => page.servers.length)).toEqual([7, 7, 7, 7, 2]);
    expect(pages.every((page) => page.total === SERVERS)).toBe(true);
    expect(pages.at(-1)?.nextCursor).toBeUndefined();
  });

  it("pages one wave's servers, each with its wave's name", async () => {
    const { indexes, pages } = await allPages("wave=wave-2&limit=5");
    expect(indexes).toEqual(range(10, 12));
    const servers = pages.flatMap((page) => page.servers);
    expect(new Set(servers.map((server) => server.wave))).toEqual(new Set(["wave-2"]));
    expect(servers.map((server) => server.key)).toEqual(serverKeys.slice(10, 22));
    expect(pages[0]).toMatchObject({ wave: "wave-2", total: 12 });
  });

  it("filters by status, across waves and within one, each server once", async () => {
    const pending = await allPages("status=pending&limit=4");
    expect(pending.indexes).toEqual(range(10, 20));
    expect(pending.pages[0]?.total).toBe(20);
    expect(pending.pages.flatMap((p) => p.servers).every((s) => s.status === "pending")).toBe(true);

    const done = await allPages("status=succeeded,failed&limit=3");
    expect(done.indexes).toEqual(range(0, 10));
    for (const server of done.pages.flatMap((page) => page.servers)) {
      expect(server).toMatchObject({ status: "succeeded", imageId: expect.stringMatching(/^m-/) });
      expect(server.history).toBeUndefined();
    }

    const none = await allPages("wave=wave-1&status=pending");
    expect(none.indexes).toEqual([]);
    expect(none.pages[0]?.total).toBe(0);
    const kept = await allPages("kept=true");
    expect(kept.indexes).toEqual([]);
  });

  it("includes each server's history when asked", async () => {
    const { body } = await get<ServerPage>(`/api/plans/${planId}/servers?limit=1&history=true`);
    expect(body.servers[0]?.history?.map((entry) => entry.event)).toContain("server:succeeded");
  });

  it("answers bad parameters with 400 saying what would be valid", async () => {
    const cases: [string, RegExp][] = [
      ["limit=0", /^limit must be a whole number from 1 to 500, got "0"$/],
      ["limit=501", /^limit must be a whole number from 1 to 500, got "501"$/],
      ["limit=ten", /^limit must be a whole number from 1 to 500, got "ten"$/],
      ["cursor=-3", /^cursor must be a page's nextCursor \(or 0 for the first page\), got "-3"$/],
      [
        "status=done",
        /^status must be one or more of pending, .*skipped \(comma-separated\), got "done"$/,
      ],
      ["waiting=maybe", /^waiting must be true or false, got "maybe"$/],
      ["wave=wave-9", /^plan .* has no wave "wave-9"; its waves: wave-1, wave-2, wave-3$/],
    ];
    for (const [query, message] of cases) {
      const { status, body } = await get<{ error: string; message: string }>(
        `/api/plans/${planId}/servers?${query}`,
      );
      expect([query, status, body.error]).toEqual([query, 400, "bad_request"]);
      expect(body.message).toMatch(message);
    }
    const missing = await get<{ error: string }>("/api/plans/no-such-plan/servers");
    expect([missing.status, missing.body.error]).toEqual([404, "not_found"]);
  });
});
