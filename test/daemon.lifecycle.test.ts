import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../src/emulator/startEmulator.ts";
import { DaemonProcess, daemonEnv } from "./chaos/daemonProcess.ts";
import { REDIS_URL } from "./support/redisPrefix.ts";

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
});
