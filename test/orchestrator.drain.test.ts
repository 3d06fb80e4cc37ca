import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startOrchestrator } from "../src/orchestrator/orchestrator.ts";
import { SmcClient } from "../src/smc/client.ts";
import type { Credentials } from "../src/smc/credentials.ts";
import {
  FAST_SETTINGS,
  type Harness,
  planOverSources,
  startHarness,
} from "./support/migrationHarness.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("orchestrator shutdown", () => {
  it("close(drainTimeout) returns past the bound while a step is stuck in an SMC call; another daemon takes the step over", async () => {
    harness = await startHarness({ sources: 4, quota: 4 });
    const h = harness;
    const plan = await planOverSources(h.client, "stuck-step", [2]);
    // Once `stuck` is set, every call of this daemon waits forever: its steps never finish.
    let stuck = false;
    const credentials = (): Promise<Credentials> =>
      stuck ? new Promise<never>(() => {}) : Promise.resolve(h.emulator.credentials);
    const client = new SmcClient({
      endpoint: h.emulator.url,
      credentials,
      regionId: "cn-hangzhou",
    });
    const daemon = await startOrchestrator({
      redis: h.redis,
      prefix: h.prefix,
      accounts: new Map([["default", { client, quota: 4 }]]),
      settings: FAST_SETTINGS,
      events: h.events,
      logger: pino({ level: "silent" }),
      clock: h.emulator.clock,
    });
    const created = new Promise<void>((resolve) => {
      const stop = h.events.on("job:created", () => {
        stuck = true;
        stop();
        resolve();
      });
    });
    await daemon.migrations.submit(plan);
    await created;

    // Its server step goes on to start the job, and waits forever there. The drain is bounded:
    // close returns, where it used to wait for the step (BullMQ cannot force a close once a
    // graceful one has begun).
    const closing = daemon.close(200).then(() => "closed" as const);
    const hung = new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 20_000));
    expect(await Promise.race([closing, hung])).toBe("closed");
    client.close();

    // The stuck steps' locks lapse; another daemon takes them over and finishes the plan.
    const ended = h.waitForPlanEnd("stuck-step");
    await h.startDaemon();
    expect(await ended).toBe("succeeded");
    expect(h.emulator.stats().jobsCreated).toBe(2);
  });
});
