import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHealthCheck } from "../src/api/healthCheck.ts";
import { type RunningApiServer, startApiServer } from "../src/api/server.ts";
import type { Orchestrator } from "../src/orchestrator/orchestrator.ts";
import type { PlanDetail, PlanSummary, ServerPage } from "../src/orchestrator/views.ts";
import { envAccessToken } from "../src/platform/accessTokens.ts";
import type { SourceServer } from "../src/smc/types.ts";
import { type Harness, startHarness } from "./support/migrationHarness.ts";

/**
 * Every route of the HTTP API over real HTTP, against the real orchestrator, the emulator and a
 * Redis prefix of its own. Plans go in as YAML, exactly as `curl --data-binary @plan.yaml` sends them.
 */

const TOKEN = `routes-${randomUUID()}`;
const auth = { authorization: `Bearer ${TOKEN}` };
const yamlHeaders = { ...auth, "content-type": "text/yaml" };

let harness: Harness;
let daemon: Orchestrator;
let api: RunningApiServer;
let sources: SourceServer[];

beforeAll(async () => {
  harness = await startHarness({ sources: 10, quota: 5 });
  daemon = await harness.startDaemon();
  sources = (await harness.client.describeAllSourceServers({})).filter(
    (s) => s.state === "Available",
  );
  api = await startApiServer({
    migrations: daemon.migrations,
    queues: Object.values(daemon.queues),
    events: harness.events,
    health: createHealthCheck({
      redis: () => ({ status: "reachable", since: Date.now() }),
      workers: () => "running",
      clients: [harness.client],
      now: Date.now,
    }),
    tokens: [envAccessToken(TOKEN)],
    dashboardReadOnly: true,
    logger: pino({ level: process.env.SMC_WAVES_TEST_LOG ?? "silent" }),
    now: Date.now,
    host: "127.0.0.1",
    port: 0,
  });
});

afterAll(async () => {
  await api?.close();
  await harness?.close();
});

function serverYaml(source: SourceServer): string {
  return `      - name: ${source.name}\n        systemDiskSize: ${Math.min(500, Math.max(20, source.systemDiskSize))}\n`;
}

/** A plan over emulator sources: `waves[i]` lists indexes into `sources`. */
function planYaml(
  name: string,
  waves: number[][],
  extra: { notBefore?: string; tag?: string } = {},
): string {
  const lines = [
    `name: ${name}`,
    "regionId: cn-hangzhou",
    "defaults:",
    "  targetType: Image",
    ...(extra.tag ? [`  tags: { run: ${extra.tag} }`] : []),
    "policy: { maxJobs: 5, pollInterval: 1s }",
    "waves:",
  ];
  const body = waves.map(
    (indexes, w) =>
      `  - name: wave-${w + 1}\n${extra.notBefore ? `    notBefore: "${extra.notBefore}"\n` : ""}    servers:\n${indexes
        .map((i) => {
          const source = sources[i];
          if (!source) throw new Error(`no source ${i}`);
          return serverYaml(source);
        })
        .join("")}`,
  );
  return `${lines.join("\n")}\n${body.join("")}`;
}

async function post(path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  return fetch(`${api.url}${path}`, {
    method: "POST",
    headers: init.headers ?? auth,
    body: init.body,
  });
}

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${api.url}${path}`, { headers: auth });
  return { status: response.status, body: (await response.json()) as T };
}

describe("a plan from submission to report", () => {
  const name = `api-${randomUUID().slice(0, 8)}`;
  let planId = "";

  it("submits YAML (201), is idempotent (200) and refuses another plan of the same name (409)", async () => {
    const text = planYaml(name, [
      [0, 1],
      [2, 3],
    ]);
    const ended = new Promise<string>((resolve) => {
      const off = harness.events.on("plan:status", (event) => {
        if (["succeeded", "failed", "cancelled"].includes(event.status)) {
          off();
          resolve(event.status);
        }
      });
    });

    const first = await post("/api/plans", { body: text, headers: yamlHeaders });
    const firstBody = (await first.json()) as { planId: string; created: boolean };
    expect(first.status, JSON.stringify(firstBody)).toBe(201);
    expect(firstBody).toEqual({ planId: expect.any(String), created: true, warnings: [] });
    planId = firstBody.planId;
    expect(first.headers.get("location")).toBe(`/api/plans/${planId}`);

    for (const type of ["application/x-yaml", "text/plain"]) {
      const again = await post("/api/plans", {
        body: text,
        headers: { ...auth, "content-type": type },
      });
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ planId, created: false, warnings: [] });
    }

    const other = await post("/api/plans", { body: planYaml(name, [[4]]), headers: yamlHeaders });
    expect(other.status).toBe(409);
    expect(await other.json()).toEqual({
      error: "conflict",
      message: expect.stringContaining(name),
    });

    expect(await ended).toBe("succeeded");
  });

  it("lists the plan and shows it with waves and servers", async () => {
    const list = await getJson<{ plans: PlanSummary[] }>("/api/plans");
    expect(list.status).toBe(200);
    const summary = list.body.plans.find((plan) => plan.id === planId);
    expect(summary).toMatchObject({ name, status: "succeeded", counts: { succeeded: 4 } });

    const { status, body } = await getJson<PlanDetail>(`/api/plans/${planId}`);
    expect(status).toBe(200);
    expect(body.waves.map((wave) => [wave.name, wave.status, wave.counts.succeeded])).toEqual([
      ["wave-1", "succeeded", 2],
      ["wave-2", "succeeded", 2],
    ]);
    const page = await getJson<ServerPage>(`/api/plans/${planId}/servers?history=true`);
    expect(page.status).toBe(200);
    expect(page.body.servers.map((server) => server.wave)).toEqual([
      "wave-1",
      "wave-1",
      "wave-2",
      "wave-2",
    ]);
    for (const server of page.body.servers) {
      expect(server).toMatchObject({
        status: "succeeded",
        progress: 100,
        imageId: expect.stringMatching(/^m-/),
      });
      expect(server.jobId).toMatch(/^j-/);
      expect(server.history?.length).toBeGreaterThan(0);
    }
  });

  it("reports per server as CSV by default and JSON on request", async () => {
    const csv = await fetch(`${api.url}/api/plans/${planId}/report`, { headers: auth });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toBe(
      `attachment; filename="${planId}-report.csv"`,
    );
    const lines = (await csv.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "sourceId,name,wave,status,jobId,imageId,startedAt,finishedAt,attempts,reason,waiting,keptJob,syncs,lastSyncAt,cutoverBy,cutoverAt,approvedBy,approvedAt",
    );
    expect(lines).toHaveLength(5);
    const names = new Set([0, 1, 2, 3].map((i) => sources[i]?.name));
    for (const line of lines.slice(1)) {
      const [
        sourceId,
        serverName,
        wave,
        status,
        jobId,
        imageId,
        startedAt,
        finishedAt,
        attempts,
        reason,
        waiting,
        keptJob,
      ] = line.split(",");
      expect(sourceId).toMatch(/^s-/);
      expect(names.has(serverName)).toBe(true);
      expect(wave).toMatch(/^wave-[12]$/);
      expect([status, reason, waiting, keptJob]).toEqual([
        "succeeded",
        `Job.Finished: image ${imageId}`,
        "",
        "",
      ]);
      expect(jobId).toMatch(/^j-/);
      expect(imageId).toMatch(/^m-/);
      expect(Date.parse(startedAt ?? "")).toBeLessThanOrEqual(Date.parse(finishedAt ?? ""));
      expect(Number(attempts)).toBeGreaterThanOrEqual(0);
    }

    const viaQuery = await getJson<{ planId: string; servers: Array<Record<string, unknown>> }>(
      `/api/plans/${planId}/report?format=json`,
    );
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.body.planId).toBe(planId);
    expect(viaQuery.body.servers).toHaveLength(4);
    expect(Object.keys(viaQuery.body.servers[0] ?? {})).toEqual(lines[0]?.split(","));

    const viaAccept = await fetch(`${api.url}/api/plans/${planId}/report`, {
      headers: { ...auth, accept: "application/json" },
    });
    expect(viaAccept.headers.get("content-type")).toContain("application/json");
    expect(await viaAccept.json()).toEqual(viaQuery.body);

    const bad = await fetch(`${api.url}/api/plans/${planId}/report?format=xml`, { headers: auth });
    expect(bad.status).toBe(400);
  });

  it("shows quota use and the plan's servers in /metrics", async () => {
    const quota = await getJson<{ accounts: Array<Record<string, unknown>> }>("/api/quota");
    expect(quota.status).toBe(200);
    expect(quota.body.accounts).toEqual([
      expect.objectContaining({
        account: "default",
        limit: 5,
        used: expect.any(Number),
        running: expect.any(Number),
      }),
    ]);
    const metrics = await (await fetch(`${api.url}/metrics`, { headers: auth })).text();
    expect(metrics).toContain(
      `smc_waves_servers{plan="${planId}",wave="wave-1",status="succeeded"} 2`,
    );
    expect(metrics).toContain(
      `smc_waves_servers{plan="${planId}",wave="wave-2",status="succeeded"} 2`,
    );
    expect(metrics).toMatch(/smc_waves_jobs_total\{event="finished"\} [4-9]/);
  });

  it("answers 409 to controls that do not apply to an ended plan", async () => {
    for (const action of ["pause", "resume", "cancel"]) {
      const response = await post(`/api/plans/${planId}/${action}`);
      expect(response.status, action).toBe(409);
      expect(((await response.json()) as { message: string }).message).toContain(planId);
    }
    // Nothing failed: nothing to retry, said as plainly as for the other controls.
    const retry = await post(`/api/plans/${planId}/retry-failed`);
    expect(retry.status).toBe(409);
    expect(((await retry.json()) as { message: string }).message).toContain("nothing to retry");
  });
});

describe("controls on a plan held by notBefore", () => {
  it("pauses, resumes, cancels (stopRunning from JSON or query) and retries", async () => {
    const name = `held-${randomUUID().slice(0, 8)}`;
    // Two years ahead even at the emulator's 36,000×: the wave stays held for the whole test.
    const notBefore = new Date(harness.emulator.clock.now() + 2 * 365 * 86_400_000).toISOString();
    const submitted = await post("/api/plans", {
      body: planYaml(name, [[5, 6]], { notBefore }),
      headers: yamlHeaders,
    });
    expect(submitted.status).toBe(201);
    const { planId } = (await submitted.json()) as { planId: string };

    const paused = await post(`/api/plans/${planId}/pause`);
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ id: planId, status: "paused" });

    const resumed = await post(`/api/plans/${planId}/resume`);
    expect(resumed.status).toBe(200);
    expect(((await resumed.json()) as PlanSummary).status).not.toBe("paused");

    const badFlag = await post(`/api/plans/${planId}/cancel?stopRunning=maybe`);
    expect(badFlag.status).toBe(400);
    expect(await badFlag.json()).toEqual({
      error: "bad_request",
      message: 'stopRunning must be true or false, got "maybe"',
    });

    const cancelled = await post(`/api/plans/${planId}/cancel`, {
      body: JSON.stringify({ stopRunning: true }),
      headers: { ...auth, "content-type": "application/json" },
    });
    expect(cancelled.status).toBe(200);
    const summary = (await cancelled.json()) as PlanSummary;
    // Nothing was in flight: the plan ends at once, its waves and servers with it.
    expect(summary.status).toBe("cancelled");
    expect(summary.reason?.message).toContain("running jobs were stopped");
    expect(summary.waves.map((wave) => wave.status)).toEqual(["cancelled"]);
    expect(summary.counts).toMatchObject({ cancelled: 2, pending: 0 });

    const again = await post(`/api/plans/${planId}/cancel?stopRunning=true`);
    expect(again.status).toBe(409);

    const retried = await post(`/api/plans/${planId}/retry-failed`);
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as PlanSummary).id).toBe(planId);
  });
});

describe("bad input and unknown ids", () => {
  it("answers 400 with positioned problems for an invalid plan", async () => {
    const text = [
      "name: broken-plan",
      "regionId: cn-hangzhou",
      "waves:",
      "  - name: wave-1",
      "    servers:",
      "      - sourceId: s-bp1abc",
      "        systemDiskSize: 9000",
      "        colour: blue",
      "",
    ].join("\n");
    const response = await post("/api/plans?file=broken.yaml", {
      body: text,
      headers: yamlHeaders,
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: string;
      problems: Array<Record<string, unknown>>;
    };
    expect(body.error).toBe("invalid_plan");
    expect(body.problems).toEqual(
      expect.arrayContaining([
        {
          line: 7,
          col: 25,
          path: "waves[0].servers[0].systemDiskSize",
          message: expect.stringContaining("9000"),
        },
        {
          line: 8,
          col: 9,
          path: "waves[0].servers[0].colour",
          message: expect.stringContaining("colour"),
        },
      ]),
    );
  });

  it("answers 400 at the line of a YAML syntax error, and for an empty body", async () => {
    const broken = await post("/api/plans", {
      body: "name: x\nregionId: [cn-hangzhou\nwaves: []\n",
      headers: yamlHeaders,
    });
    expect(broken.status).toBe(400);
    const { problems } = (await broken.json()) as {
      problems: Array<{ line: number; col: number }>;
    };
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.line).toBeGreaterThanOrEqual(2);

    const empty = await post("/api/plans", { body: "  \n", headers: yamlHeaders });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({
      error: "invalid_plan",
      problems: [
        {
          line: 1,
          col: 1,
          path: "",
          message: 'The plan is empty: send the plan\'s YAML text (or JSON {"yaml": "…"})',
        },
      ],
    });
  });

  it("answers 404 for unknown plan ids on every plan route", async () => {
    const id = `no-such-plan-${randomUUID().slice(0, 8)}`;
    const requests: Array<[string, string]> = [
      ["GET", `/api/plans/${id}`],
      ["GET", `/api/plans/${id}/report`],
      ["POST", `/api/plans/${id}/pause`],
      ["POST", `/api/plans/${id}/resume`],
      ["POST", `/api/plans/${id}/cancel`],
      ["POST", `/api/plans/${id}/retry-failed`],
    ];
    for (const [method, path] of requests) {
      const response = await fetch(`${api.url}${path}`, { method, headers: auth });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await response.json()).toEqual({
        error: "not_found",
        message: `There is no plan with id "${id}".`,
      });
    }
    const unknownRoute = await fetch(`${api.url}/api/nothing`, { headers: auth });
    expect(unknownRoute.status).toBe(404);
  });
});
