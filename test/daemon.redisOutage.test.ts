import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../src/emulator/startEmulator.ts";
import { DaemonProcess, daemonEnv } from "./chaos/daemonProcess.ts";
import { freePort, killRedisServer, startRedisServer } from "./support/redisServer.ts";
import { runCli, STACK_LINE } from "./support/runCli.ts";

/**
 * The daemon while its Redis is down, frozen or killed: the real CLI daemon against a private
 * redis-server on its own port (with a password, which must never show).
 */

const PASSWORD = `pw-${randomUUID()}`;
/**
 * Log lines about a connection error: what BullMQ and ioredis repeat per queue, per worker and per
 * reconnect attempt. Only the daemon's own "Redis unreachable" line may say it.
 */
const CONNECTION_ERROR =
  /ECONNREFUSED|ECONNRESET|Connection is closed|Stream isn't writeable|max retries per request|Command timed out/;
function connectionErrorLines(daemon: DaemonProcess): string[] {
  return daemon
    .output()
    .split("\n")
    .filter((line) => CONNECTION_ERROR.test(line) && !line.includes('"msg":"Redis unreachable'));
}

let emulator: RunningEmulator | undefined;
let daemon: DaemonProcess | undefined;
let redis: ChildProcess | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await daemon?.kill();
  if (redis) await killRedisServer(redis);
  await emulator?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  daemon = undefined;
  redis = undefined;
  emulator = undefined;
  dataDir = undefined;
});

async function startDaemon(port: number): Promise<DaemonProcess> {
  emulator = await startEmulator({ sources: 4 });
  return new DaemonProcess(
    "outage",
    daemonEnv({
      redisUrl: `redis://:${PASSWORD}@127.0.0.1:${port}`,
      prefix: `{test-${randomUUID()}}`,
      endpoint: emulator.url,
      credentials: emulator.credentials,
      quota: 4,
    }),
  );
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  // Bounded so that a hang fails the test instead of stalling it; the daemon answers in about 1 s.
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("a daemon whose Redis is away", () => {
  it("started while Redis is down: /healthz answers, the API answers 503 and the CLI says why; it starts when Redis comes", {
    timeout: 120_000,
  }, async () => {
    const port = await freePort();
    daemon = await startDaemon(port);
    const url = await daemon.apiUrl();
    await daemon.logged("Redis unreachable");

    const live = await getJson(`${url}/healthz`);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({
      status: "degraded",
      ready: false,
      redis: { status: "unreachable", cause: expect.stringContaining("ECONNREFUSED") },
      workers: "starting",
    });
    expect((await getJson(`${url}/readyz`)).status).toBe(503);

    for (const path of ["/api/plans", "/api/plans/x", "/api/quota", "/api/plans/x/report"]) {
      const { status, body } = await getJson(`${url}${path}`);
      expect(status, path).toBe(503);
      expect(body.error, path).toBe("redis_unavailable");
      expect(body.message).toMatch(
        new RegExp(
          `^the smc-waves daemon is up but its Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} is unreachable \\(since .+\\): .*ECONNREFUSED`,
        ),
      );
    }
    const status = await runCli(["status"], { SMC_WAVES_URL: url });
    expect(status.code).toBe(2);
    expect(status.stderr).toContain(`the daemon at ${url} is up but its Redis is unreachable`);
    expect(status.stderr).not.toMatch(STACK_LINE);

    redis = await startRedisServer({ port, password: PASSWORD });
    await daemon.started();
    expect((await getJson(`${url}/readyz`)).body).toMatchObject({
      ready: true,
      workers: "running",
    });
    const after = await runCli(["status"], { SMC_WAVES_URL: url });
    expect(after).toMatchObject({ code: 0, stdout: "no plans yet: smc-waves submit PLAN.yaml\n" });

    expect(await daemon.terminate()).toBe(0);
    expect(daemon.logLines("Redis unreachable")).toHaveLength(1);
    expect(daemon.logLines("Redis reachable again")).toHaveLength(1);
    expect(connectionErrorLines(daemon)).toEqual([]);
    expect(daemon.output()).not.toContain(PASSWORD);
  });

  it("frozen (SIGSTOP) or killed mid-run: 503 instead of a hang, one log line per change", {
    timeout: 120_000,
  }, async () => {
    const port = await freePort();
    // With its AOF, as in production: a restart keeps the queues' state.
    dataDir = await mkdtemp(join(tmpdir(), "smc-waves-redis-"));
    const server = { port, password: PASSWORD, dir: dataDir };
    redis = await startRedisServer(server);
    daemon = await startDaemon(port);
    const url = await daemon.apiUrl();
    await daemon.started();
    expect((await getJson(`${url}/api/plans`)).status).toBe(200);

    // Frozen: Redis accepts TCP and never answers; only the probe's PING timeout can tell.
    redis.kill("SIGSTOP");
    try {
      const frozen = await getJson(`${url}/api/plans`);
      expect(frozen.status).toBe(503);
      expect(frozen.body.message).toContain("no answer to PING within 1000 ms");
    } finally {
      redis.kill("SIGCONT");
    }
    await expect
      .poll(async () => (await getJson(`${url}/api/plans`)).status, { timeout: 15_000 })
      .toBe(200);

    // Killed: connections fail, ioredis and BullMQ retry; the log says so once, whatever they do.
    await killRedisServer(redis);
    redis = undefined;
    await daemon.logged("Redis unreachable", 15_000, 2);
    expect((await getJson(`${url}/api/plans`)).status).toBe(503);
    // Time for every queue's and worker's connection to fail and retry a few times.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    redis = await startRedisServer(server);
    await daemon.logged("Redis reachable again", 30_000, 2);
    await expect
      .poll(async () => (await getJson(`${url}/api/plans`)).status, { timeout: 15_000 })
      .toBe(200);

    expect(await daemon.terminate()).toBe(0);
    expect(daemon.logLines("Redis unreachable")).toHaveLength(2);
    expect(daemon.logLines("Redis reachable again")).toHaveLength(2);
    expect(connectionErrorLines(daemon)).toEqual([]);
    expect(daemon.output()).not.toContain(PASSWORD);
  });
});
