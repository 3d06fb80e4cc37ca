import { afterEach, describe, expect, it } from "vitest";
import { reportRows } from "../src/api/planReport.ts";
import type { PlanView } from "../src/orchestrator/views.ts";
import type { MigrationEventMap } from "../src/platform/events.ts";
import {
  eventsOf,
  imagesOf,
  incrementalPlan,
  smallSources,
  standingClock,
  stepUntil,
  viewOf,
  waitFor,
  waveOf,
} from "./support/incrementalWorld.ts";
import { type Harness, startHarness } from "./support/migrationHarness.ts";

/**
 * Incremental servers against the emulator and a real Redis: a full copy, re-syncs every
 * `frequency` hours with each run's image in the history, then a cut-over with a final sync in the
 * wave's window; the job finishes and is deleted, its quota slot freed, and only then does the next
 * wave start. World time moves only when the test moves it, so windows open when the test says.
 */

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const HOUR = 3_600_000;
/** Monday 2030-01-07 07:00 UTC: the cut-over window (00:00–06:00 UTC) opens 17 hours later. */
const START = Date.UTC(2030, 0, 7, 7, 0);
const WINDOW_OPENS = Date.UTC(2030, 0, 8, 0, 0);
const WINDOW_CLOSES = WINDOW_OPENS + 6 * HOUR;

describe("incremental servers cut over in their window", () => {
  it("sync several times, cut over in the window with a final sync, free their slots, and the next wave starts only then", async () => {
    const h = await startHarness({ sources: 40, quota: 10, clock: standingClock(START) });
    harness = h;
    const events: MigrationEventMap["cutover:ready" | "cutover:done"][] = [];
    h.events.on("cutover:ready", (event) => events.push(event));
    h.events.on("cutover:done", (event) => events.push(event));
    const [db1, db2, web] = await smallSources(h.client, 3);
    if (!db1 || !db2 || !web) throw new Error("no sources");
    const plan = incrementalPlan("window-cutover", [
      {
        name: "db",
        sources: [db1, db2],
        incremental: {
          frequency: 1,
          cutover: {
            mode: "window",
            window: { cron: "0 0 * * *", durationMs: 6 * HOUR, timezone: "UTC" },
            syncData: true,
            onTimeout: "wait",
          },
        },
      },
      { name: "web", sources: [web] },
    ]);
    const daemon = await h.startDaemon();
    const { planId } = await daemon.migrations.submit(plan);
    const read = viewOf(daemon, planId);

    // Before the window: each database comes in sync and keeps re-syncing, holding its slot.
    const synced = await stepUntil(
      h,
      "both databases re-synced at least twice",
      read,
      (view) => (waveOf(view, "db")?.servers ?? []).every((s) => (s.sync?.runs ?? 0) >= 3),
      { stepMs: 10 * 60_000 },
    );
    expect(h.emulator.clock.now()).toBeLessThan(WINDOW_OPENS);
    for (const server of waveOf(synced, "db")?.servers ?? []) {
      expect(server.status).toBe("syncing");
      expect(server.waiting?.code).toBe("Cutover.Window");
      expect(server.waiting?.message).toContain("2030-01-08T00:00:00Z");
      expect(server.sync?.ageMs).toBeGreaterThanOrEqual(0);
    }
    expect(waveOf(synced, "web")?.status).toBe("pending");
    expect(h.emulator.timeline().filter((job) => job.sourceId === web.sourceId)).toEqual([]);
    expect(
      events
        .filter((e) => e.key !== undefined)
        .map((e) => e.key)
        .sort(),
    ).toEqual([`name:${db1.name}`, `name:${db2.name}`].sort());

    // Into the window: the cut-overs run, each with a final sync, and the wave ends; then web.
    // Time stands a minute into the window while the daemon acts: each cut-over starts, or waits
    // for a run under way to end.
    h.emulator.advanceClock(WINDOW_OPENS + 60_000 - h.emulator.clock.now());
    await waitFor(h, "the cut-overs started or due", read, (view) =>
      (waveOf(view, "db")?.servers ?? []).every(
        (s) => s.status === "cutting-over" || s.waiting?.code === "Cutover.MidSync",
      ),
    );
    const ended = h.waitForPlanEnd(planId);
    const done = await stepUntil(h, "the plan ends", read, (view) => view?.status === "succeeded", {
      stepMs: 5 * 60_000,
    });
    expect(await ended).toBe("succeeded");

    const timeline = h.emulator.timeline();
    const dbJobs = timeline.filter((job) => job.sourceId !== web.sourceId);
    const webJob = timeline.find((job) => job.sourceId === web.sourceId);
    expect(dbJobs).toHaveLength(2);
    expect(waveOf(done, "db")?.servers).toHaveLength(2);
    for (const server of waveOf(done, "db")?.servers ?? []) {
      const job = dbJobs.find((candidate) => candidate.jobId === server.jobId);
      // The emulator's record: a full copy, at least two re-syncs, the final sync; finished, deleted.
      expect(job?.runs).toBeGreaterThanOrEqual(4);
      expect(job?.finishedAt).not.toBeNull();
      expect(job?.deletedAt).not.toBeNull();
      const images = await imagesOf(h, server.jobId ?? "");
      const final = images.at(-1);
      expect(final?.runType).toBe("Manual");
      expect(server.imageId).toBe(final?.imageId);
      expect(server.cutover?.imageId).toBe(final?.imageId);
      // Cut over inside the window; the final image made after it opened.
      expect(server.cutover?.by).toBe("window");
      expect(server.cutover?.startedAt).toBeGreaterThanOrEqual(WINDOW_OPENS);
      expect(server.cutover?.startedAt).toBeLessThan(WINDOW_CLOSES);
      expect(Date.parse(final?.createdAt ?? "")).toBeGreaterThanOrEqual(WINDOW_OPENS);
      expect(server.reason?.code).toBe("Job.CutOver");
      // Every run is in the history with its image, then the cut-over.
      const runs = server.history.filter((entry) => entry.event === "job:synced");
      expect(runs.length).toBe(job?.runs);
      expect(runs.at(-1)?.detail).toContain(final?.imageId);
      expect(eventsOf(server)).toEqual(
        expect.arrayContaining([
          "server:syncing",
          "server:cutting-over",
          "cutover:accepted",
          "cutover:done",
        ]),
      );
      // The next wave's job was made only after this one was deleted.
      expect(Date.parse(webJob?.createdAt ?? "")).toBeGreaterThanOrEqual(
        Date.parse(job?.deletedAt ?? ""),
      );
    }
    expect(h.emulator.stats().cutOvers).toBe(2);
    expect(h.emulator.stats().highWater.unfinishedJobsPerSource).toBe(1);
    expect(await daemon.migrations.quota()).toMatchObject([{ used: 0, running: 0 }]);
    expect(events.filter((e) => "imageId" in e && e.key !== undefined)).toHaveLength(4);
    const rows = reportRows(done as PlanView).filter((row) => row.wave === "db");
    expect(rows.map((row) => [row.cutoverBy, row.syncs >= 4, row.cutoverAt !== ""])).toEqual([
      ["window", true, true],
      ["window", true, true],
    ]);
  }, 120_000);
});
