import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../src/emulator/startEmulator.ts";
import { DaemonProcess, daemonEnv } from "./chaos/daemonProcess.ts";
import { REDIS_URL } from "./support/redisPrefix.ts";
import { STACK_LINE } from "./support/runCli.ts";

let emulator: RunningEmulator | undefined;
let daemon: DaemonProcess | undefined;
afterEach(async () => {
  await daemon?.kill();
  await emulator?.close();
  daemon = undefined;
  emulator = undefined;
});

describe("smc-waves daemon as a service", () => {
  it("starts from its environment, drains on SIGTERM, exits 0, and never logs the AccessKey secret", async () => {
    emulator = await startEmulator({ sources: 4, accessKeySecret: "very-secret-value-0123456789" });
    daemon = new DaemonProcess(
      "daemon",
      daemonEnv({
        redisUrl: REDIS_URL,
        prefix: `{test-${randomUUID()}}`,
        endpoint: emulator.url,
        credentials: emulator.credentials,
        quota: 10,
        extra: { SMC_WAVES_LOG_LEVEL: "debug" },
      }),
    );
    await daemon.started();
    expect(await daemon.terminate()).toBe(0);
    expect(daemon.output()).toContain("smc-waves daemon stopped");
    expect(daemon.output()).not.toContain("very-secret-value-0123456789");
  });

  it("refuses a config it cannot use with a message naming the variable, and exit code 1", async () => {
    daemon = new DaemonProcess("bad-config", {
      ...daemonEnv({
        redisUrl: REDIS_URL,
        prefix: "{test-bad}",
        endpoint: "http://127.0.0.1:9",
        credentials: { accessKeyId: "id", accessKeySecret: "secret" },
        quota: 10,
      }),
      SMC_WAVES_QUOTA: "lots",
    });
    expect(await daemon.exited()).toBe(1);
    expect(daemon.output()).toContain("SMC_WAVES_QUOTA");
    expect(daemon.output()).not.toContain("    at ");
  });

  it("refuses an API beyond loopback without a token before it touches Redis or SMC (exit 1, one message)", async () => {
    emulator = await startEmulator({ sources: 2 });
    const prefix = `{test-${randomUUID()}}`;
    daemon = new DaemonProcess("unsafe-bind", {
      ...daemonEnv({
        redisUrl: REDIS_URL,
        prefix,
        endpoint: emulator.url,
        credentials: emulator.credentials,
        quota: 10,
      }),
      SMC_WAVES_HTTP_HOST: "0.0.0.0",
    });
    expect(await daemon.exited()).toBe(1);
    expect(daemon.output()).toContain(
      'environment SMC_WAVES_HTTP_HOST: http.host: "0.0.0.0" is reachable from other machines and the API has no token (SMC_WAVES_API_TOKEN is not set and http.tokens is empty)',
    );
    expect(daemon.output()).not.toMatch(STACK_LINE);
    expect(emulator.stats().calls).toBe(0);
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.keys(`${prefix}*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it("says its port is in use (exit 2) instead of a stack trace", async () => {
    emulator = await startEmulator({ sources: 2 });
    const taken = createServer().listen(0, "127.0.0.1");
    await once(taken, "listening");
    const address = taken.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      daemon = new DaemonProcess("busy-port", {
        ...daemonEnv({
          redisUrl: REDIS_URL,
          prefix: `{test-${randomUUID()}}`,
          endpoint: emulator.url,
          credentials: emulator.credentials,
          quota: 10,
        }),
        SMC_WAVES_HTTP_PORT: String(port),
      });
      expect(await daemon.exited()).toBe(2);
      expect(daemon.output()).toContain(
        `127.0.0.1:${port} is already in use (another smc-waves daemon?); stop that one, or choose another port with SMC_WAVES_HTTP_PORT`,
      );
      expect(daemon.output()).not.toMatch(STACK_LINE);
      expect(daemon.output()).not.toContain("EADDRINUSE");
    } finally {
      taken.close();
    }
  });
});
