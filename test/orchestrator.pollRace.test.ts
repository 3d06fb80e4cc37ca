import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "../src/emulator/startEmulator.ts";
import { createContext, startOrchestrator } from "../src/orchestrator/orchestrator.ts";
import { pollTrackedJobs } from "../src/orchestrator/poller.ts";
import { MigrationEvents } from "../src/platform/events.ts";
import { SmcClient } from "../src/smc/client.ts";
import { FAST_SETTINGS, planOverSources } from "./support/migrationHarness.ts";
import { isolatedRedis } from "./support/redisPrefix.ts";

/**
 * The server step tracks a new job before it writes the job id on the server record. A batch poll
 * (on any daemon) landing between the two must not untrack the job: the server would then wait
 * for a status that never comes. The race is frozen here by writing that in-between state by hand.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("batch poller against a job being recorded", () => {
  it("keeps a job tracked while its creating server has no job id yet, then stores its status", async () => {
    const emulator = await startEmulator({ sources: 2, quota: 10, timeScale: 1, seed: 3 });
    cleanups.push(() => emulator.close());
    const client = new SmcClient({
      endpoint: emulator.url,
      credentials: emulator.credentials,
      regionId: "cn-hangzhou",
    });
    cleanups.push(async () => client.close());
    const { redis, prefix, cleanup } = await isolatedRedis();
    cleanups.push(cleanup);
    const accounts = new Map([["default", { client, quota: 10 }]]);
    const events = new MigrationEvents();
    const logger = pino({ level: "silent" });
    const reader = await startOrchestrator({
      redis,
      prefix,
      accounts,
      settings: FAST_SETTINGS,
      events,
      logger,
      runWorkers: false,
    });
    cleanups.push(async () => {
      for (const queue of Object.values(reader.queues)) await queue.obliterate({ force: true });
      await reader.close(1_000);
    });
    const { ctx } = createContext(
      { redis, prefix, accounts, settings: FAST_SETTINGS, events, logger, random: () => 0.5 },
      reader.queues,
    );

    const { planId } = await reader.migrations.submit(await planOverSources(client, "race", [1]));
    const [source] = await client.describeAllSourceServers({});
    if (!source) throw new Error("the emulator has no source");
    const { jobId } = await client.createReplicationJob({
      sourceId: source.sourceId,
      systemDiskSize: Math.max(20, source.systemDiskSize),
      name: "sw-race-0",
    });
    // The in-between state: tracked, and the server still creating with no job id.
    const ref = { planId, index: 0, wave: 0 };
    await ctx.servers.patchServer(planId, 0, { sourceId: source.sourceId });
    expect((await ctx.servers.moveServer(ref, { to: "creating" })).ok).toBe(true);
    await ctx.tracking.track("default", jobId, { kind: "server", planId, index: 0 }, 0);

    await pollTrackedJobs(ctx, Date.now());
    expect((await ctx.tracking.tracked("default")).get(jobId)).toEqual({
      kind: "server",
      planId,
      index: 0,
    });

    // The record is written: the next poll stores the job's status on the server.
    expect((await ctx.servers.moveServer(ref, { to: "running", patch: { jobId } })).ok).toBe(true);
    await ctx.tracking.schedule("default", [{ jobId, dueAt: 0 }]);
    await pollTrackedJobs(ctx, Date.now());
    expect((await ctx.servers.getServer(planId, 0))?.jobStatus).toBe("Ready");
  });
});
