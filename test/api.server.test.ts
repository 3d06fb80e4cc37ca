import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnsafeBindError } from "../src/api/apiAuth.ts";
import { createHealthCheck } from "../src/api/healthCheck.ts";
import {
  type ApiServerOptions,
  buildApiServer,
  type RunningApiServer,
  startApiServer,
} from "../src/api/server.ts";
import type { Orchestrator } from "../src/orchestrator/orchestrator.ts";
import { envAccessToken } from "../src/platform/accessTokens.ts";
import { SmcClient } from "../src/smc/client.ts";
import { type Harness, startHarness } from "./support/migrationHarness.ts";

const TOKEN = `test-token-${randomUUID()}`;
const logger = pino({ level: process.env.SMC_WAVES_TEST_LOG ?? "silent" });

let harness: Harness;
let daemon: Orchestrator;
/** A queue nobody consumes, so job data shown on the dashboard stays put. */
let extraQueue: Queue;
let api: RunningApiServer;
const extraServers: RunningApiServer[] = [];

function options(overrides: Partial<ApiServerOptions> = {}): ApiServerOptions {
  return {
    migrations: daemon.migrations,
    queues: [...Object.values(daemon.queues), extraQueue],
    events: harness.events,
    health: createHealthCheck({
      redis: () => ({ status: "reachable", since: Date.parse("2026-01-01T00:00:00Z") }),
      workers: () => "running",
      clients: [harness.client],
      now: Date.now,
      cacheMs: 0,
    }),
    tokens: [envAccessToken(TOKEN)],
    dashboardReadOnly: true,
    logger,
    now: Date.now,
    ...overrides,
  };
}

async function startExtra(overrides: Partial<ApiServerOptions>): Promise<RunningApiServer> {
  const server = await startApiServer({ ...options(overrides), host: "127.0.0.1", port: 0 });
  extraServers.push(server);
  return server;
}

const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  harness = await startHarness({ sources: 4, quota: 5 });
  daemon = await harness.startDaemon();
  extraQueue = new Queue(`extra-${randomUUID()}`, {
    connection: harness.redis.duplicate(),
    prefix: harness.prefix,
  });
  api = await startApiServer({ ...options(), host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  for (const server of [api, ...extraServers]) await server?.close();
  await extraQueue?.obliterate({ force: true });
  await extraQueue?.close();
  await harness?.close();
});

describe("auth", () => {
  it("leaves /healthz and /readyz open and reports Redis, SMC and the workers", async () => {
    const expected = {
      status: "ok",
      ready: true,
      redis: { status: "reachable", since: "2026-01-01T00:00:00.000Z" },
      smc: true,
      workers: "running",
    };
    for (const probe of ["/healthz", "/readyz"]) {
      const response = await fetch(`${api.url}${probe}`);
      expect(response.status, probe).toBe(200);
      expect(await response.json()).toEqual(expected);
    }
  });

  it("answers 401 without a token, explaining how to send one", async () => {
    const response = await fetch(`${api.url}/api/plans`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="smc-waves"');
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe("unauthorized");
    expect(body.message).toContain("Authorization: Bearer <token>");
    expect(body.message).toContain("SMC_WAVES_API_TOKEN");
  });

  it("answers 401 to a wrong token and a malformed header, 200 to the right one", async () => {
    for (const authorization of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      TOKEN,
      "Basic abc",
    ]) {
      const response = await fetch(`${api.url}/api/plans`, { headers: { authorization } });
      expect(response.status, authorization).toBe(401);
      expect(((await response.json()) as { message: string }).message).not.toContain(TOKEN);
    }
    const ok = await fetch(`${api.url}/api/plans`, { headers: auth });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ plans: [] });
  });

  it("protects every documented route except /healthz and the page shell", async () => {
    const document = (await (await fetch(`${api.url}/openapi.json`, { headers: auth })).json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const open: string[] = [];
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const url = `${api.url}${path.replace("{id}", "some-plan")}`;
        const response = await fetch(url, { method: method.toUpperCase() });
        if (response.status !== 401) open.push(`${method} ${path}`);
        // What the document says about security matches what the server does.
        expect(operation.security?.length === 0, `${method} ${path}`).toBe(response.status !== 401);
      }
    }
    expect(open.sort()).toEqual([
      "delete /api/session",
      "get /",
      "get /actions.js",
      "get /app.js",
      "get /healthz",
      "get /readyz",
      "get /timeline.js",
      "post /api/session",
    ]);
  });

  it("serves the migration view shell and its script without a token", async () => {
    const page = await fetch(`${api.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await page.text()).toContain('<script src="/app.js"></script>');
    const actions = await fetch(`${api.url}/actions.js`);
    expect(actions.headers.get("content-type")).toContain("text/javascript");
    expect(await actions.text()).toContain("/api/session");
    const timeline = await fetch(`${api.url}/timeline.js`);
    expect(timeline.headers.get("content-type")).toContain("text/javascript");
    expect(await timeline.text()).toContain("/timeline?");
    const script = await fetch(`${api.url}/app.js`);
    expect(script.headers.get("content-type")).toContain("text/javascript");
    expect(await script.text()).toContain("/api/plans");
  });

  it("refuses to listen beyond loopback without a token", async () => {
    await expect(
      startApiServer({ ...options({ tokens: [] }), host: "0.0.0.0", port: 0 }),
    ).rejects.toThrow(UnsafeBindError);
    await expect(
      startApiServer({ ...options({ tokens: [] }), host: "0.0.0.0", port: 0 }),
    ).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without an API token.*SMC_WAVES_API_TOKEN/);
  });

  it("is open when no token is configured (buildApiServer, listening on its own)", async () => {
    const app = await buildApiServer(options({ tokens: [] }));
    try {
      const url = await app.listen({ host: "127.0.0.1", port: 0 });
      expect((await fetch(`${url}/api/plans`)).status).toBe(200);
      expect((await fetch(`${url}/dashboard/api/queues`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it("stays live and ready, reporting smc: false, when SMC is unreachable", async () => {
    const dead = new SmcClient({
      endpoint: "http://127.0.0.1:9",
      credentials: harness.emulator.credentials,
      regionId: "cn-hangzhou",
      timeoutMs: 1_000,
    });
    const server = await startExtra({
      health: createHealthCheck({
        redis: () => ({ status: "reachable", since: Date.now() }),
        workers: () => "running",
        clients: [dead],
        now: Date.now,
        cacheMs: 0,
      }),
    });
    const live = await fetch(`${server.url}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: "degraded", ready: true, smc: false });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    dead.close();
  });

  it("is not ready while Redis is unreachable or the workers are starting, but stays live", async () => {
    const server = await startExtra({
      health: createHealthCheck({
        redis: () => ({ status: "unreachable", since: 0, cause: "connect ECONNREFUSED" }),
        workers: () => "starting",
        clients: [harness.client],
        now: Date.now,
      }),
    });
    const live = await fetch(`${server.url}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({
      status: "degraded",
      ready: false,
      redis: { status: "unreachable", cause: "connect ECONNREFUSED" },
      workers: "starting",
    });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
  });
});

describe("queue dashboard", () => {
  it("needs the token, and lets a browser in through ?token= and a session cookie", async () => {
    expect((await fetch(`${api.url}/dashboard`)).status).toBe(401);
    // A wrong token leaves the address bar too, and sets nothing.
    const wrong = await fetch(`${api.url}/dashboard?token=nope`, { redirect: "manual" });
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get("location")).toBe("/dashboard");
    expect(wrong.headers.get("set-cookie")).toBeNull();

    const entry = await fetch(`${api.url}/dashboard?token=${encodeURIComponent(TOKEN)}`, {
      redirect: "manual",
    });
    expect(entry.status).toBe(303);
    expect(entry.headers.get("location")).toBe("/dashboard");
    const cookie = entry.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^smc_waves_session=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(TOKEN);
    const session = { cookie: cookie.split(";")[0] ?? "" };

    const page = await fetch(`${api.url}/dashboard`, { headers: session });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("smc-waves queues");
  });

  it("lists every queue, read-only, with readable names and no secrets in job data", async () => {
    await extraQueue.add("server", {
      planId: "dc1",
      wave: "wave-1",
      key: "s-1",
      credentials: { accessKeyId: "LTAI-visible", accessKeySecret: "SEKRIT-1" },
      request: { Signature: "SEKRIT-2", SecurityToken: "SEKRIT-3" },
    });
    const response = await fetch(
      `${api.url}/dashboard/api/queues?activeQueue=${extraQueue.name}&status=waiting&page=1&jobsPerPage=10`,
      { headers: auth },
    );
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain("SEKRIT");
    const body = JSON.parse(text) as {
      queues: Array<{
        name: string;
        readOnlyMode: boolean;
        jobs: Array<{ name: string; data: unknown }>;
      }>;
    };
    expect(body.queues.map((queue) => queue.name).sort()).toEqual(
      [...Object.values(daemon.queues).map((queue) => queue.name), extraQueue.name].sort(),
    );
    expect(body.queues.every((queue) => queue.readOnlyMode)).toBe(true);
    const job = body.queues.find((queue) => queue.name === extraQueue.name)?.jobs[0];
    expect(job?.name).toBe("server dc1 / wave-1 / s-1");
    expect(job?.data).toEqual({
      planId: "dc1",
      wave: "wave-1",
      key: "s-1",
      credentials: { accessKeyId: "LTAI-visible", accessKeySecret: "[redacted]" },
      request: { Signature: "[redacted]", SecurityToken: "[redacted]" },
    });
  });

  it("refuses mutations with 405 while read-only", async () => {
    const job = await extraQueue.add("probe", {});
    const mutations: Array<[string, string]> = [
      ["PUT", `/dashboard/api/queues/${extraQueue.name}/pause`],
      ["PUT", `/dashboard/api/queues/${extraQueue.name}/empty`],
      ["PUT", `/dashboard/api/queues/${extraQueue.name}/retry/failed`],
      ["PUT", `/dashboard/api/queues/${extraQueue.name}/clean/completed`],
      ["PUT", `/dashboard/api/queues/${extraQueue.name}/${job.id}/clean`],
      ["PUT", `/dashboard/api/queues/${extraQueue.name}/${job.id}/promote`],
    ];
    for (const [method, path] of mutations) {
      const response = await fetch(`${api.url}${path}`, { method, headers: auth });
      expect(response.status, `${method} ${path}`).toBe(405);
    }
    expect(await extraQueue.isPaused()).toBe(false);
    expect(await extraQueue.getJob(job.id ?? "")).toBeDefined();
  });

  it("allows an admin's mutations at /dashboard/admin when dashboardReadOnly is false; /dashboard stays read-only", async () => {
    const writable = await startExtra({ dashboardReadOnly: false });
    const readOnly = await fetch(`${writable.url}/dashboard/api/queues/${extraQueue.name}/pause`, {
      method: "PUT",
      headers: auth,
    });
    expect(readOnly.status).toBe(405);
    expect(await extraQueue.isPaused()).toBe(false);
    const admin = await fetch(`${writable.url}/dashboard/admin`, { headers: auth });
    expect(await admin.text()).toContain("smc-waves queues (admin)");
    const pause = await fetch(
      `${writable.url}/dashboard/admin/api/queues/${extraQueue.name}/pause`,
      { method: "PUT", headers: auth },
    );
    expect(pause.status).toBe(200);
    expect(await extraQueue.isPaused()).toBe(true);
    await extraQueue.resume();
  });
});

describe("metrics", () => {
  it("serves Prometheus text: migration gauges, event counters and BullMQ's queue metrics", async () => {
    harness.events.emit("smc:call", {
      action: "CreateReplicationJob",
      durationMs: 42,
      ok: false,
      code: "Throttling.User",
    });
    harness.events.emit("smc:retry", {
      action: "CreateReplicationJob",
      code: "Throttling.User",
      attempt: 1,
      delayMs: 10,
    });
    harness.events.emit("job:finished", {
      planId: "p",
      wave: "w",
      key: "k",
      jobId: "j-1",
      imageId: "m-1",
      durationMs: 5_400_000,
    });
    const response = await fetch(`${api.url}/metrics`, { headers: auth });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();

    expect(text).toContain("# TYPE smc_waves_servers gauge");
    expect(text).toContain('smc_waves_quota_limit_jobs{account="default"} 5');
    expect(text).toMatch(/smc_waves_quota_used_jobs\{account="default"\} \d+/);
    expect(text).toContain('smc_waves_smc_calls_total{action="CreateReplicationJob"}');
    expect(text).toContain(
      'smc_waves_smc_errors_total{action="CreateReplicationJob",code="Throttling.User"} 1',
    );
    expect(text).toContain(
      'smc_waves_smc_retries_total{action="CreateReplicationJob",code="Throttling.User"} 1',
    );
    expect(text).toContain('smc_waves_job_duration_seconds_bucket{le="7200"} 1');
    expect(text).toContain('smc_waves_job_duration_seconds_bucket{le="3600"} 0');
    for (const queue of [...Object.values(daemon.queues), extraQueue]) {
      expect(text).toContain(`bullmq_job_count{queue="${queue.name}", state="waiting"}`);
    }

    // One HELP and one TYPE per family, and every other line a well-formed sample.
    const lines = text.split("\n").filter(Boolean);
    const types = lines
      .filter((line) => line.startsWith("# TYPE "))
      .map((line) => line.split(" ")[2]);
    expect(new Set(types).size).toBe(types.length);
    expect(types).toContain("bullmq_job_count");
    for (const line of lines.filter((l) => !l.startsWith("#"))) {
      expect(line).toMatch(
        /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?(\d+(\.\d+)?(e[+-]?\d+)?|\+Inf|NaN)$/,
      );
    }
  });
});

describe("openapi.json", () => {
  it("describes exactly the routes the server serves", async () => {
    const response = await fetch(`${api.url}/openapi.json`, { headers: auth });
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, object> };
    expect(document.openapi).toBe("3.1.0");

    const documented = Object.entries(document.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    // fastify's own route table, without HEAD twins and bull-board's routes under /dashboard.
    const served = servedRoutes(api.app.printRoutes({ commonPrefix: false }))
      .filter((route) => !route.startsWith("HEAD ") && !route.includes(" /dashboard"))
      .sort();
    expect(served).toEqual(documented);
  });
});

/**
 * Full `METHOD /path` lines from fastify's printed route tree, where each line holds one segment
 * indented four columns per level under its parent.
 */
function servedRoutes(tree: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split("\n")) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!match?.[2]) continue;
    const depth = (match[1]?.length ?? 0) / 4;
    stack.length = depth;
    stack.push(match[2]);
    const path = stack.join("").replace(/:(\w+)/g, "{$1}");
    for (const method of match[3]?.split(", ") ?? []) routes.push(`${method} ${path}`);
  }
  return routes;
}
