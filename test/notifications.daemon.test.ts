import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../src/emulator/startEmulator.ts";
import { type Daemon, startDaemon } from "../src/main.ts";
import { NOTIFICATIONS_QUEUE } from "../src/notifications/notifier.ts";
import { loadConfig } from "../src/platform/config.ts";
import { deleteKeysUnder } from "../src/platform/redisConnector.ts";
import { SmcClient } from "../src/smc/client.ts";
import { planOverSources } from "./support/migrationHarness.ts";
import { REDIS_URL } from "./support/redisPrefix.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhookReceiver.ts";

/**
 * The whole daemon (config file → startDaemon) runs a plan with a failing server; the webhooks
 * hear about it in words a person understands, and a webhook that never answers shows on
 * /metrics and the dashboard. Nothing secret reaches the log.
 */

const SECRET = `whsec-${randomUUID()}`;
const URL_TOKEN = `tok-${randomUUID()}`;

let emulator: RunningEmulator | undefined;
let daemon: Daemon | undefined;
let receiver: WebhookReceiver | undefined;
let client: SmcClient | undefined;
let dir: string | undefined;
let prefix: string | undefined;

afterEach(async () => {
  await daemon?.close();
  client?.close();
  await emulator?.close();
  await receiver?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (prefix) {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    await deleteKeysUnder(redis, prefix).finally(() => redis.disconnect());
  }
});

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, ms = 40_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("notifications from a running daemon", () => {
  it("tells the webhooks about a plan's run, counts and failed server, and shows a dead webhook", async () => {
    receiver = await startWebhookReceiver({
      secret: SECRET,
      slowMs: 0,
      decide: (path) => (path === "/broken" ? "error" : "ok"),
    });
    emulator = await startEmulator({ sources: 6, timeScale: 36_000, seed: 7 });
    client = new SmcClient({
      endpoint: emulator.url,
      credentials: emulator.credentials,
      regionId: "cn-hangzhou",
    });
    prefix = `{test-${randomUUID()}}`;
    dir = await mkdtemp(join(tmpdir(), "smc-waves-notify-daemon-"));
    await writeFile(
      join(dir, "c.yaml"),
      [
        "redis: { url: redis://127.0.0.1:6379 }",
        "http: { port: 0 }",
        "orchestrator: { pollInterval: 100ms, reconcileInterval: 2s, lockDuration: 4s, stalledInterval: 1s }",
        "notifications:",
        "  publicUrl: https://waves.example.com",
        "  serverFailureWindow: 200ms",
        "  webhooks:",
        "    - { name: ops, urlEnv: OPS_URL, secretEnv: OPS_SECRET }",
        "    - { name: broken, url: URL_BROKEN, events: [wave.*] }",
        "  delivery: { attempts: 3, backoff: 20ms, maxBackoff: 100ms, timeout: 2s }",
      ]
        .join("\n")
        .replace("URL_BROKEN", `${receiver.url}/broken`),
    );
    const { config } = await loadConfig({
      file: "c.yaml",
      cwd: dir,
      env: {
        SMC_WAVES_REDIS_URL: REDIS_URL,
        SMC_WAVES_PREFIX: prefix,
        OPS_URL: `${receiver.url}/ops?access_token=${URL_TOKEN}`,
        OPS_SECRET: SECRET,
      },
    });
    const lines: string[] = [];
    const logger = pino(
      { level: "debug" },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    daemon = await startDaemon({ config, logger, env: {}, emulator });

    const plan = await planOverSources(client, "notify", [2, 2], { maxFailedServers: 1 });
    const offline = plan.waves[0]?.servers[1]?.ref.name ?? "";
    const [source] = (await client.describeAllSourceServers({})).filter((s) => s.name === offline);
    const admin = await fetch(`${emulator.url}/_emulator/sources/${source?.sourceId}/state`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ state: "Unavailable" }),
    });
    expect(admin.status).toBe(200);

    const events = daemon.events;
    const ended = new Promise<string>((resolve) =>
      events.on("plan:status", (e) => {
        if (["succeeded", "failed", "cancelled"].includes(e.status)) resolve(e.status);
      }),
    );
    await daemon.ready;
    const { planId } = await daemon.migrations.submit(plan);
    expect(await ended).toBe("succeeded");

    const expected = [
      `plan:${planId}:submitted`,
      `plan:${planId}:g0:started`,
      `wave:${planId}:wave-1:g0:started`,
      `wave:${planId}:wave-1:g0:finished`,
      `wave:${planId}:wave-2:g0:started`,
      `wave:${planId}:wave-2:g0:finished`,
      `servers-failed:${planId}:wave-1:1`,
      `plan:${planId}:g0:succeeded`,
    ].sort();
    const delivered = () => [...(receiver?.processed.get("/ops")?.keys() ?? [])].sort();
    await waitFor("every notification of the run", () => delivered().length >= expected.length);
    expect(delivered()).toEqual(expected);

    const bodies = new Map(
      [...(receiver.processed.get("/ops")?.entries() ?? [])].map(([key, body]) => [
        key,
        JSON.parse(body) as Record<string, unknown>,
      ]),
    );
    const waveOne = bodies.get(`wave:${planId}:wave-1:g0:finished`);
    expect(waveOne).toMatchObject({
      event: "wave.finished",
      plan: { id: planId, name: "notify" },
      wave: "wave-1",
      counts: { succeeded: 1, failed: 1 },
      title: "Wave wave-1 of plan notify finished",
      url: "https://waves.example.com/",
    });
    expect(waveOne?.text).toContain("Servers: 1 succeeded, 1 failed");
    const failedServers = bodies.get(`servers-failed:${planId}:wave-1:1`);
    expect(failedServers).toMatchObject({ event: "server.failed", failureCount: 1 });
    expect(failedServers?.failures).toEqual([
      expect.objectContaining({ key: `name:${offline}`, code: "SourceServerState.Invalid" }),
    ]);
    const opsRequests = receiver.requests.filter((r) => r.path === "/ops");
    expect(opsRequests.every((r) => r.signatureOk)).toBe(true);

    // Four wave events, three tries each, all refused: failed jobs, counted.
    const api = daemon.apiUrl ?? "";
    const metric = async () => (await fetch(`${api}/metrics`)).text();
    await waitFor("the broken webhook to give up on all four", async () =>
      (await metric()).includes(
        'smc_waves_notifications_total{webhook="broken",outcome="failed"} 4',
      ),
    );
    const text = await metric();
    expect(text).toContain('smc_waves_notifications_total{webhook="broken",outcome="retried"} 8');
    expect(text).toContain('smc_waves_notifications_total{webhook="ops",outcome="delivered"} 8');
    expect(text).toMatch(/bullmq_job_count\{queue="notifications", ?state="failed"\} 4/);
    expect(text).toContain('smc_waves_notification_latency_seconds_count{webhook="ops"} 8');

    const dashboard = await fetch(
      `${api}/dashboard/api/queues?activeQueue=${NOTIFICATIONS_QUEUE}&status=failed&page=1&jobsPerPage=10`,
    );
    const board = (await dashboard.json()) as {
      queues: Array<{ name: string; jobs: Array<{ name: string; failedReason?: string }> }>;
    };
    const queue = board.queues.find((q) => q.name === NOTIFICATIONS_QUEUE);
    expect(queue?.jobs).toHaveLength(4);
    expect(queue?.jobs[0]?.name).toMatch(new RegExp(`^deliver ${planId} / wave-\\d$`));
    expect(queue?.jobs[0]?.failedReason).toBe("HTTP 500: try later");

    const log = lines.join("");
    expect(log).toContain("notification given up");
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain(URL_TOKEN);
    expect(JSON.stringify(board)).not.toContain(URL_TOKEN);
  });
});
