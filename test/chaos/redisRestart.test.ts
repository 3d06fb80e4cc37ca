import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, planOverSources, startHarness } from "../support/migrationHarness.ts";
import { freePort, killRedisServer, startRedisServer } from "../support/redisServer.ts";

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

describe("Redis restarts mid-migration", () => {
  it("survives Redis being killed and restarted from its AOF", { timeout: 120_000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), "smc-waves-redis-"));
    const port = await freePort();
    redisProcess = await startRedisServer({ port, dir: dataDir });
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

    await killRedisServer(redisProcess);
    // The outage itself: a second with no Redis while jobs keep running in the emulator.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    redisProcess = await startRedisServer({ port, dir: dataDir });

    expect(await ended).toBe("succeeded");
    const stats = harness.emulator.stats();
    expect(stats.jobsCreated).toBe(16);
    expect(new Set(harness.emulator.timeline().map((job) => job.sourceId)).size).toBe(16);
    expect(stats.highWater.existingJobs).toBeLessThanOrEqual(4);
    expect(stats.highWater.unfinishedJobsPerSource).toBe(1);
  });
});
