import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningApiServer, startApiServer } from "../src/api/server.ts";
import type { Orchestrator } from "../src/orchestrator/orchestrator.ts";
import { envAccessToken, tokenHash } from "../src/platform/accessTokens.ts";
import { type Harness, planOverSources, startHarness } from "./support/migrationHarness.ts";

/**
 * Roles over real HTTP: what each role may and may not do, the 403 that says why, the session
 * cookie carrying the role, and the audit trail (history, report, log) naming the token.
 */

const TOKENS = {
  vera: "vera-viewer-token-0123456789abcdef",
  otto: "otto-operator-token-0123456789abcdef",
  ada: "ada-admin-token-0123456789abcdef",
  env: "the-env-admin-token-0123456789abcdef",
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Every log line of the daemon (API and orchestrator), parsed. */
const logLines: Array<Record<string, unknown>> = [];
const logger = pino(
  { level: "info" },
  new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  }),
);

let harness: Harness;
let daemon: Orchestrator;
let api: RunningApiServer;

beforeAll(async () => {
  harness = await startHarness({ sources: 6, quota: 2, timeScale: 60 }, { logger });
  daemon = await harness.startDaemon();
  api = await startApiServer({
    migrations: daemon.migrations,
    queues: Object.values(daemon.queues),
    events: harness.events,
    health: async () => ({
      status: "ok",
      ready: true,
      redis: { status: "reachable", since: new Date().toISOString() },
      smc: true,
      workers: "running",
    }),
    tokens: [
      { name: "vera", role: "viewer", hash: tokenHash(TOKENS.vera) },
      { name: "otto", role: "operator", hash: tokenHash(TOKENS.otto) },
      { name: "ada", role: "admin", hash: tokenHash(TOKENS.ada) },
      envAccessToken(TOKENS.env),
    ],
    dashboardReadOnly: false,
    logger,
    now: Date.now,
    host: "127.0.0.1",
    port: 0,
  });
});

afterAll(async () => {
  await api?.close();
  await harness?.close();
});

describe("roles", () => {
  it("gives each role its routes and refuses the others with 403, as the OpenAPI document says", async () => {
    const document = (await (
      await fetch(`${api.url}/openapi.json`, { headers: bearer(TOKENS.vera) })
    ).json()) as {
      paths: Record<string, Record<string, { "x-required-role"?: string }>>;
    };
    const refused: Record<string, string[]> = { vera: [], otto: [], ada: [], env: [] };
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (!operation["x-required-role"]) continue;
        for (const [who, token] of Object.entries(TOKENS)) {
          const url = `${api.url}${path.replace("{id}", "no-such-plan").replace("{account}", "default")}`;
          // A body the routes accept, so a refusal can only be the role's.
          const response = await fetch(url, {
            method: method.toUpperCase(),
            headers: { ...bearer(token), "content-type": "application/json" },
            ...(method === "get" ? {} : { body: JSON.stringify({ yaml: "name: x" }) }),
          });
          if (response.status === 403) refused[who]?.push(`${method} ${path}`);
        }
      }
    }
    const operatorRoutes = [
      "post /api/plans",
      "post /api/plans/{id}/approve",
      "post /api/plans/{id}/cancel",
      "post /api/plans/{id}/cutover",
      "post /api/plans/{id}/pause",
      "post /api/plans/{id}/release",
      "post /api/plans/{id}/resume",
      "post /api/plans/{id}/retry-failed",
    ];
    expect(refused.vera?.sort()).toEqual(operatorRoutes);
    expect(refused.otto).toEqual([]);
    expect(refused.ada).toEqual([]);
    expect(refused.env).toEqual([]);
    // What the document says is what the server did.
    const operatorDocumented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => operation["x-required-role"] === "operator")
        .map(([method]) => `${method} ${path}`),
    );
    expect(operatorDocumented.sort()).toEqual(operatorRoutes);
  });

  it("answers a viewer's control with a 403 naming the token, its role and the role needed, and logs it", async () => {
    const { planId } = await daemon.migrations.submit(
      await planOverSources(harness.client, "refused", [1]),
    );
    const response = await fetch(`${api.url}/api/plans/${planId}/pause`, {
      method: "POST",
      headers: bearer(TOKENS.vera),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: "forbidden",
      message: "token 'vera' has role viewer; pausing a plan needs operator (or admin)",
    });
    expect((await daemon.migrations.getPlan(planId))?.status).not.toBe("paused");
    expect(logLines).toContainEqual(
      expect.objectContaining({
        msg: "access refused",
        by: "vera",
        role: "viewer",
        action: "pause",
        needs: "operator",
      }),
    );
    const submit = await fetch(`${api.url}/api/plans`, {
      method: "POST",
      headers: { ...bearer(TOKENS.vera), "content-type": "text/yaml" },
      body: "name: x\n",
    });
    expect(((await submit.json()) as { message: string }).message).toBe(
      "token 'vera' has role viewer; submitting a plan needs operator (or admin)",
    );
  });

  it("keeps the queue dashboard's writes for admins: /dashboard read-only for all, /dashboard/admin for admins only", async () => {
    const queue = Object.values(daemon.queues)[0]?.name ?? "";
    for (const token of [TOKENS.vera, TOKENS.otto]) {
      expect((await fetch(`${api.url}/dashboard`, { headers: bearer(token) })).status).toBe(200);
    }
    const operatorWrite = await fetch(`${api.url}/dashboard/api/queues/${queue}/pause`, {
      method: "PUT",
      headers: bearer(TOKENS.otto),
    });
    expect(operatorWrite.status).toBe(403);
    const admin = await fetch(`${api.url}/dashboard/admin`, { headers: bearer(TOKENS.otto) });
    expect(admin.status).toBe(403);
    expect(((await admin.json()) as { message: string }).message).toBe(
      "token 'otto' has role operator; using the queue dashboard's write actions (/dashboard/admin) needs admin",
    );
    const adminPage = await fetch(`${api.url}/dashboard/admin`, { headers: bearer(TOKENS.ada) });
    expect(adminPage.status).toBe(200);
    expect(await adminPage.text()).toContain("smc-waves queues (admin)");
  });
});

describe("sessions", () => {
  it("tells each token who it is and what it may do; the cookie carries the role, never the token", async () => {
    const session = async (headers: Record<string, string>) =>
      (await fetch(`${api.url}/api/session`, { headers })).json();
    const operatorActions = [
      "approve",
      "cancel",
      "check",
      "cutover",
      "forecast",
      "pause",
      "release",
      "resume",
      "retry-failed",
      "submit",
    ];
    expect(await session(bearer(TOKENS.vera))).toEqual({
      name: "vera",
      role: "viewer",
      open: false,
      actions: ["check", "forecast"],
      dashboard: "/dashboard",
    });
    expect(await session(bearer(TOKENS.otto))).toMatchObject({
      name: "otto",
      role: "operator",
      actions: operatorActions,
      dashboard: "/dashboard",
    });
    expect(await session(bearer(TOKENS.env))).toMatchObject({
      name: "admin",
      role: "admin",
      actions: operatorActions,
      dashboard: "/dashboard/admin",
    });

    const signIn = await fetch(`${api.url}/api/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: TOKENS.vera }),
    });
    expect(signIn.status).toBe(204);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^smc_waves_session=[0-9a-f]{64}$/);
    expect(cookie).not.toContain(TOKENS.vera);
    expect(cookie).not.toContain(tokenHash(TOKENS.vera));
    expect(await session({ cookie })).toMatchObject({ name: "vera", role: "viewer" });
    const pause = await fetch(`${api.url}/api/plans/refused/pause`, {
      method: "POST",
      headers: { cookie },
    });
    expect(pause.status).toBe(403);

    // Whoever reads the config cannot sign in with what it holds.
    const forged = await fetch(`${api.url}/api/session`, {
      headers: { cookie: `smc_waves_session=${tokenHash(TOKENS.ada)}` },
    });
    expect(forged.status).toBe(401);
    const asBearer = await fetch(`${api.url}/api/session`, {
      headers: bearer(tokenHash(TOKENS.ada)),
    });
    expect(asBearer.status).toBe(401);
  });
});

describe("audit trail", () => {
  it("records who submitted, paused, resumed and cancelled in the history, the report and the log", async () => {
    const plan = await planOverSources(harness.client, "audited", [2]);
    const yaml = [
      `name: ${plan.name}`,
      "regionId: cn-hangzhou",
      "defaults: { targetType: Image }",
      "waves:",
      "  - name: only",
      "    servers:",
      ...(plan.waves[0]?.servers ?? []).map(
        (s) => `      - { name: ${s.ref.name}, systemDiskSize: ${s.settings.systemDiskSize} }`,
      ),
      "",
    ].join("\n");
    const submitted = await fetch(`${api.url}/api/plans`, {
      method: "POST",
      headers: { ...bearer(TOKENS.otto), "content-type": "text/yaml" },
      body: yaml,
    });
    expect(submitted.status).toBe(201);
    const control = async (token: string, action: string, body?: object) => {
      const response = await fetch(`${api.url}/api/plans/audited/${action}`, {
        method: "POST",
        headers: { ...bearer(token), "content-type": "application/json" },
        body: JSON.stringify(body ?? {}),
      });
      expect(response.status, action).toBe(200);
    };
    await control(TOKENS.otto, "pause");
    await control(TOKENS.ada, "resume");
    await control(TOKENS.env, "cancel", { stopRunning: true });

    const view = await daemon.migrations.getPlan("audited");
    expect(
      view?.history.filter((entry) => entry.by).map((entry) => `${entry.event} ${entry.by}`),
    ).toEqual([
      "plan:submitted otto",
      "plan:paused otto",
      "plan:running ada",
      "plan:cancelling admin",
    ]);

    const report = (await (
      await fetch(`${api.url}/api/plans/audited/report?format=json`, {
        headers: bearer(TOKENS.vera),
      })
    ).json()) as { actions: Array<{ at: string; by: string; event: string; detail: string }> };
    expect(report.actions.map((action) => [action.by, action.event, action.detail])).toEqual([
      ["otto", "plan:submitted", ""],
      ["otto", "plan:paused", "no new job starts; running jobs go on"],
      ["ada", "plan:running", ""],
      ["admin", "plan:cancelling", "running jobs stopped"],
    ]);
    expect(report.actions[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const csv = await (
      await fetch(`${api.url}/api/plans/audited/report?rows=actions`, {
        headers: bearer(TOKENS.vera),
      })
    ).text();
    const rows = csv.trimEnd().split("\r\n");
    expect(rows[0]).toBe("at,by,event,detail");
    expect(rows.slice(1).map((row) => row.split(",").slice(1).join(","))).toEqual([
      "otto,plan:submitted,",
      "otto,plan:paused,no new job starts; running jobs go on",
      "ada,plan:running,",
      "admin,plan:cancelling,running jobs stopped",
    ]);
    const badRows = await fetch(`${api.url}/api/plans/audited/report?rows=jobs`, {
      headers: bearer(TOKENS.vera),
    });
    expect(badRows.status).toBe(400);

    const operatorLines = logLines
      .filter((line) => line.plan === "audited" && String(line.msg).startsWith("operator: "))
      .map((line) => `${line.msg} ${line.by}`);
    expect(operatorLines).toEqual([
      "operator: submit otto",
      "operator: pause otto",
      "operator: resume ada",
      "operator: cancel admin",
    ]);
    // No token, and no token's hash, in any line of the log.
    const log = JSON.stringify(logLines);
    for (const token of Object.values(TOKENS)) {
      expect(log).not.toContain(token);
      expect(log).not.toContain(tokenHash(token));
    }
  });
});
