import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, planOverSources, startHarness } from "../support/migrationHarness.ts";

/**
 * Redis dies (kill -9) in the middle of a migration and comes back from its append-only file: the
 * daemon rides out the outage and the migration ends as an undisturbed one would. A private
 * redis-server on its own port, so the shared Redis of the other tests is never touched.
 */

let harness: Harness | undefined;
let redisProcess: ChildProcess | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  await harness?.close();
  redisProcess?.kill("SIGKILL");
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  harness = undefined;
  redisProcess = undefined;
  dataDir = undefined;
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** Starts redis-server with AOF fsynced on every write, and resolves once it answers PING. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--save",
      "",
      "--maxmemory-policy",
      "noeviction",
    ],
    { stdio: "ignore" },
  );
  const probe = new Redis({
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 50,
  });
  probe.on("error", () => {});
  try {
    for (;;) {
      const pong = await probe.ping().catch(() => "");
      if (pong === "PONG") return child;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    probe.disconnect();
  }
}

describe("Redis restarts mid-migration", () => {
  it("survives Redis being killed and restarted from its AOF", { timeout: 120_000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), "smc-waves-redis-"));
    const port = await freePort();
    redisProcess = await startRedis(port, dataDir);
    harness = await startHarness(
      { sources: 16, quota: 4, timeScale: 7_200 },
      { redisUrl: `redis://127.0.0.1:${port}` },
    );
    const plan = await planOverSources(harness.client, "redis-outage", [8, 8]);
    const daemon = await harness.startDaemon();
    const secondJobFinished = new Promise<void>((resolve) => {
      let finished = 0;
      const stop = harness?.events.on("job:finished", () => {
        if (++finished === 2) {
          stop?.();
          resolve();
        }
      });
    });
    const ended = harness.waitForPlanEnd("redis-outage");
    await daemon.migrations.submit(plan);
    await secondJobFinished;

    const killed = new Promise((resolve) => redisProcess?.once("exit", resolve));
    redisProcess.kill("SIGKILL");
    await killed;
    // The outage itself: a second with no Redis while jobs keep running in the emulator.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    redisProcess = await startRedis(port, dataDir);

    expect(await ended).toBe("succeeded");
    const stats = harness.emulator.stats();
    expect(stats.jobsCreated).toBe(16);
    expect(new Set(harness.emulator.timeline().map((job) => job.sourceId)).size).toBe(16);
    expect(stats.highWater.existingJobs).toBeLessThanOrEqual(4);
    expect(stats.highWater.unfinishedJobsPerSource).toBe(1);
  });
});
