import { afterEach, describe, expect, it } from "vitest";
import type { Orchestrator } from "../src/orchestrator/orchestrator.ts";
import type { Cutover } from "../src/plan/compiledPlan.ts";
import {
  allServers,
  eventsOf,
  incrementalPlan,
  smallSources,
  standingClock,
  stepUntil,
  viewOf,
  waitFor,
} from "./support/incrementalWorld.ts";
import { type Harness, startHarness } from "./support/migrationHarness.ts";

/**
 * A cut-over window that closes while the job is mid-sync, so its cut-over could not start:
 * `onTimeout: fail` fails the server naming the window (once the run ends and the job can be
 * deleted), `onTimeout: wait` says so in the history and cuts over in a later opening. The run is
 * forced at a chosen moment by shortening the job's Frequency (contract §5: at once while Waiting).
 */

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const MINUTE = 60_000;
const START = Date.UTC(2030, 0, 7, 7, 0);
/** The window opens at midnight UTC for two minutes. */
const OPENS = Date.UTC(2030, 0, 8, 0, 0);

async function midSyncAtOpening(
  onTimeout: Cutover["onTimeout"],
): Promise<{ h: Harness; daemon: Orchestrator; planId: string; jobId: string }> {
  const h = await startHarness({ sources: 40, quota: 10, clock: standingClock(START) });
  harness = h;
  const plan = incrementalPlan("missed-window", [
    {
      name: "db",
      sources: await smallSources(h.client, 1),
      incremental: {
        // No scheduled run before the test forces one.
        frequency: 24,
        cutover: {
          mode: "window",
          window: { cron: "0 0 * * *", durationMs: 2 * MINUTE, timezone: "UTC" },
          syncData: true,
          onTimeout,
        },
      },
    },
  ]);
  const daemon = await h.startDaemon();
  const { planId } = await daemon.migrations.submit(plan);
  const synced = await stepUntil(
    h,
    "in sync",
    viewOf(daemon, planId),
    (view) => allServers(view)[0]?.status === "syncing",
    { stepMs: 10 * MINUTE },
  );
  const jobId = allServers(synced)[0]?.jobId ?? "";
  // Two minutes before the opening, a run begins (Frequency 1 h, the last run long over).
  h.emulator.advanceClock(OPENS - 2 * MINUTE - h.emulator.clock.now());
  await h.client.modifyReplicationJobAttribute({ jobId, frequency: 1 });
  expect((await h.client.describeReplicationJobs({ jobIds: [jobId] })).items[0]?.status).toBe(
    "Running",
  );
  // Into the window: the daemon finds the cut-over due and the job mid-sync.
  h.emulator.advanceClock(OPENS + 30_000 - h.emulator.clock.now());
  const due = await waitFor(
    h,
    "the cut-over due while the job is mid-sync",
    viewOf(daemon, planId),
    (view) => allServers(view)[0]?.waiting?.code === "Cutover.MidSync",
  );
  expect(allServers(due)[0]?.waiting?.message).toContain("2030-01-08T00:02:00Z");
  // The window closes; the run (Preparing alone is 3–7 minutes) is still going.
  h.emulator.advanceClock(2 * MINUTE);
  expect((await h.client.describeReplicationJobs({ jobIds: [jobId] })).items[0]?.status).toBe(
    "Running",
  );
  return { h, daemon, planId, jobId };
}

describe("a cut-over window that closes before the cut-over could start", () => {
  it("onTimeout: fail fails the server naming the window, once the run ends and its job is deleted", async () => {
    const { h, daemon, planId, jobId } = await midSyncAtOpening("fail");
    const timedOut = await waitFor(
      h,
      "the timeout said",
      viewOf(daemon, planId),
      (view) => allServers(view)[0]?.waiting?.code === "Cutover.TimedOut",
    );
    expect(allServers(timedOut)[0]?.status).toBe("syncing");
    const ended = await stepUntil(
      h,
      "the plan fails",
      viewOf(daemon, planId),
      (v) => v?.status === "failed",
      {
        stepMs: MINUTE,
      },
    );
    const server = allServers(ended)[0];
    expect(server?.reason?.code).toBe("Cutover.WindowMissed");
    expect(server?.reason?.message).toContain(
      '("0 0 * * *" in UTC) closed at 2030-01-08T00:02:00Z',
    );
    expect(server?.reason?.message).toContain(`job ${jobId} was mid-sync`);
    const job = h.emulator.timeline().find((candidate) => candidate.jobId === jobId);
    expect(job?.deletedAt).not.toBeNull();
    expect(h.emulator.stats().cutOvers).toBe(0);
  }, 120_000);

  it("onTimeout: wait notes the missed opening and cuts over in the next", async () => {
    const { h, daemon, planId, jobId } = await midSyncAtOpening("wait");
    const missed = await waitFor(h, "the missed opening noted", viewOf(daemon, planId), (view) =>
      eventsOf(allServers(view)[0]).includes("cutover:missed"),
    );
    expect(
      allServers(missed)[0]?.history.find((e) => e.event === "cutover:missed")?.detail,
    ).toContain("closed at 2030-01-08T00:02:00.000Z while job");
    // Once the run is over, no scheduled run before the next opening.
    await stepUntil(
      h,
      "the run over",
      async () => (await h.client.describeReplicationJobs({ jobIds: [jobId] })).items[0]?.status,
      (status) => status === "Waiting",
      { stepMs: MINUTE },
    );
    await h.client.modifyReplicationJobAttribute({ jobId, frequency: 24 });
    const waiting = await waitFor(
      h,
      "waits for the next opening",
      viewOf(daemon, planId),
      (view) => allServers(view)[0]?.waiting?.code === "Cutover.Window",
    );
    expect(allServers(waiting)[0]?.waiting?.message).toContain("2030-01-09T00:00:00Z");
    // Into the next opening (time stands while the daemon acts), then on to the end.
    h.emulator.advanceClock(Date.UTC(2030, 0, 9, 0, 0, 30) - h.emulator.clock.now());
    await waitFor(
      h,
      "the cut-over started",
      viewOf(daemon, planId),
      (view) => allServers(view)[0]?.status === "cutting-over",
    );
    const done = await stepUntil(
      h,
      "the plan ends",
      viewOf(daemon, planId),
      (v) => v?.status === "succeeded",
      {
        stepMs: 10 * MINUTE,
      },
    );
    const server = allServers(done)[0];
    expect(server?.cutover?.startedAt).toBeGreaterThanOrEqual(Date.UTC(2030, 0, 9, 0, 0));
    expect(server?.cutover?.startedAt).toBeLessThan(Date.UTC(2030, 0, 9, 0, 2));
    expect(h.emulator.stats().cutOvers).toBe(1);
  }, 120_000);
});
