import { afterEach, describe, expect, it } from "vitest";
import type { PlanView, ServerView } from "../src/orchestrator/views.ts";
import { type Harness, planOverSources, startHarness } from "./support/migrationHarness.ts";
import { until } from "./support/until.ts";

/**
 * A server that cannot start says why in words, and its wait ends as soon as what held it goes:
 * another plan's migration of the same source, someone else's job (noticed by the poller, not the
 * five-minute reconcile), the quota. The running figure follows the account's jobs at every poll.
 */

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Reconciles so rare that only the poller can be what notices a change within a test. */
const NO_RECONCILE = { reconcileIntervalMs: 3_600_000 };

const serverNamed = (view: PlanView | undefined, name: string): ServerView | undefined =>
  view?.waves.flatMap((wave) => wave.servers).find((server) => server.name === name);

describe("waiting says why", () => {
  it("two plans listing one source: a warning at submit, the second waits naming the first, both histories tell, each migrates it once in turn", async () => {
    harness = await startHarness({ sources: 8, quota: 8, timeScale: 600 });
    const first = await planOverSources(harness.client, "first", [2]);
    const daemon = await harness.startDaemon();
    const a = await daemon.migrations.submit(first);
    const shared = first.waves[0]?.servers[0];
    if (!shared?.ref.name) throw new Error("no shared server");
    await until(
      "the first plan's job exists",
      () => daemon.migrations.getPlan(a.planId),
      (view) => serverNamed(view, shared.ref.name ?? "")?.status === "running",
    );

    const secondPlan = {
      ...first,
      name: "second",
      waves: [{ ...(first.waves[0] as (typeof first.waves)[number]), servers: [shared] }],
    };
    expect(await daemon.migrations.check(secondPlan)).toHaveLength(1);
    const b = await daemon.migrations.submit(secondPlan);
    expect(b.warnings).toEqual([
      {
        line: 1,
        col: 1,
        message: expect.stringContaining(
          `source ${shared.ref.name} is also in plan ${a.planId} (wave wave-1, server ${shared.ref.name})`,
        ),
      },
    ]);
    const waiting = await until(
      "the second plan's server waits for the first",
      async () => serverNamed(await daemon.migrations.getPlan(b.planId), shared.ref.name ?? ""),
      (server) => server?.waiting?.code === "SourceHeld.Plan",
    );
    expect(waiting?.status).toBe("pending");
    expect(waiting?.waiting?.message).toContain(
      `plan ${a.planId} (wave wave-1, server ${shared.ref.name}`,
    );

    const bothEnded = Promise.all([
      harness.waitForPlanEnd(a.planId),
      harness.waitForPlanEnd(b.planId),
    ]);
    expect(await harness.fastForward(bothEnded)).toEqual(["succeeded", "succeeded"]);
    for (const planId of [a.planId, b.planId]) {
      const server = serverNamed(await daemon.migrations.getPlan(planId), shared.ref.name);
      expect(server?.history.some((entry) => entry.event === "source:shared")).toBe(true);
    }
    // The emulator: the source had two jobs, one after the other, never two unfinished at once.
    const jobs = harness.emulator.timeline().filter((job) => job.sourceId === waiting?.sourceId);
    expect(jobs).toHaveLength(2);
    expect(harness.emulator.stats().highWater.unfinishedJobsPerSource).toBe(1);
  });

  it("someone else's job on a source: the server waits naming it, and starts within a poll of that job being deleted", async () => {
    harness = await startHarness({ sources: 6, quota: 6 });
    const plan = await planOverSources(harness.client, "polite", [2]);
    const name = plan.waves[0]?.servers[0]?.ref.name ?? "";
    const [source] = (await harness.client.describeAllSourceServers({})).filter(
      (s) => s.name === name,
    );
    const blocking = await harness.client.createReplicationJob({
      sourceId: source?.sourceId ?? "",
      systemDiskSize: 500,
    });
    const daemon = await harness.startDaemon(NO_RECONCILE);
    const { planId } = await daemon.migrations.submit(plan);
    const waiting = await until(
      "the server waits for someone else's job",
      async () => serverNamed(await daemon.migrations.getPlan(planId), name),
      (server) => server?.waiting?.code === "SourceHeld.External",
    );
    expect(waiting?.waiting?.message).toContain(`job ${blocking.jobId}`);
    expect(waiting?.waiting?.message).toContain("not created by smc-waves");

    const ended = harness.waitForPlanEnd(planId);
    await harness.client.deleteReplicationJob({ jobId: blocking.jobId });
    // No reconcile runs in this test: only the poller watching the blocker can free the source.
    expect(await ended).toBe("succeeded");
  });

  it("the running figure follows every poll, not only the reconcile", async () => {
    harness = await startHarness({ sources: 6, quota: 6, timeScale: 600 });
    const plan = await planOverSources(harness.client, "counted", [4]);
    const daemon = await harness.startDaemon(NO_RECONCILE);
    const { planId } = await daemon.migrations.submit(plan);
    const running = async () => (await daemon.migrations.quota())[0]?.running ?? -1;
    // Jobs start and run for minutes of emulated time; the figure must reach the service's count.
    await until(
      "the running figure equals the emulator's running jobs",
      async () => [await running(), harness?.emulator.stats().current.runningJobs],
      ([ours, theirs]) => theirs === 4 && ours === 4,
    );
    const ended = harness.waitForPlanEnd(planId);
    expect(await harness.fastForward(ended)).toBe("succeeded");
    await until("the running figure drops to 0", running, (count) => count === 0);
  });
});
