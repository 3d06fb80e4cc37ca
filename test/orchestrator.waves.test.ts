import { afterEach, describe, expect, it } from "vitest";
import { type Harness, planOverSources, startHarness } from "./support/migrationHarness.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The emulator's own view: jobs per source, from its timeline. */
function jobsPerSource(h: Harness): Map<string, number> {
  const counts = new Map<string, number>();
  for (const job of h.emulator.timeline())
    counts.set(job.sourceId, (counts.get(job.sourceId) ?? 0) + 1);
  return counts;
}

describe("orchestrator against the emulator", () => {
  it("migrates every server of three waves within a quota of 5, one job per source", async () => {
    harness = await startHarness({ sources: 20, quota: 5 });
    const plan = await planOverSources(harness.client, "three-waves", [6, 4, 5]);
    const daemon = await harness.startDaemon();
    const { planId } = await daemon.migrations.submit(plan);
    expect(await harness.waitForPlanEnd(planId)).toBe("succeeded");

    const view = await daemon.migrations.getPlan(planId);
    const servers = view?.waves.flatMap((wave) => wave.servers) ?? [];
    expect(servers).toHaveLength(15);
    expect(
      servers.every((server) => server.status === "succeeded" && server.imageId?.startsWith("m-")),
    ).toBe(true);

    const stats = harness.emulator.stats();
    expect(stats.highWater.existingJobs).toBeLessThanOrEqual(5);
    expect(stats.highWater.unfinishedJobsPerSource).toBe(1);
    expect(stats.jobsCreated).toBe(15);
    expect(stats.jobsDeleted).toBe(15);
    expect([...jobsPerSource(harness).values()].every((count) => count === 1)).toBe(true);
  });

  it("never lets waves overlap: each wave's first create comes after the previous wave's last finish", async () => {
    harness = await startHarness({ sources: 12, quota: 10 });
    const plan = await planOverSources(harness.client, "ordered", [4, 4]);
    const daemon = await harness.startDaemon();
    const { planId } = await daemon.migrations.submit(plan);
    expect(await harness.waitForPlanEnd(planId)).toBe("succeeded");
    const view = await daemon.migrations.getPlan(planId);
    const sourcesOf = (wave: number) =>
      new Set(view?.waves[wave]?.servers.map((server) => server.sourceId));
    const timeline = harness.emulator.timeline();
    const first = timeline.filter((job) => sourcesOf(0).has(job.sourceId));
    const second = timeline.filter((job) => sourcesOf(1).has(job.sourceId));
    const lastFinishOfFirst = Math.max(...first.map((job) => Date.parse(job.finishedAt ?? "")));
    const firstCreateOfSecond = Math.min(...second.map((job) => Date.parse(job.createdAt)));
    expect(firstCreateOfSecond).toBeGreaterThanOrEqual(lastFinishOfFirst);
  });

  it("starts a wave's largest servers first", async () => {
    harness = await startHarness({ sources: 10, quota: 1 });
    const plan = await planOverSources(harness.client, "largest-first", [5]);
    const daemon = await harness.startDaemon();
    const { planId } = await daemon.migrations.submit(plan);
    expect(await harness.waitForPlanEnd(planId)).toBe("succeeded");
    const started = [...harness.emulator.timeline()].sort(
      (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt),
    );
    const bytes = started.map((job) => job.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
    expect(new Set(bytes).size).toBeGreaterThan(1);
  });

  it("leaves a job with a scheduledStartTime for the service to start", async () => {
    // Real time, so the two-hour lead cannot run out before the creates however busy the machine
    // is; emulated time then jumps past it.
    harness = await startHarness({ sources: 4, quota: 4, timeScale: 1 });
    const plan = await planOverSources(harness.client, "scheduled", [2]);
    const inTwoHours = new Date(harness.emulator.clock.now() + 2 * 3_600_000)
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
    for (const server of plan.waves[0]?.servers ?? [])
      server.settings.scheduledStartTime = inTwoHours;
    const daemon = await harness.startDaemon();
    let created = 0;
    const bothCreated = new Promise<void>((resolve) => {
      harness?.events.on("job:created", () => {
        if (++created === 2) resolve();
      });
    });
    const { planId } = await daemon.migrations.submit(plan);
    await bothCreated;
    const ended = harness.waitForPlanEnd(planId);
    harness.emulator.advanceClock(2 * 86_400_000);
    expect(await ended).toBe("succeeded");
    const stats = harness.emulator.stats();
    expect(stats.actions.StartReplicationJob?.calls ?? 0).toBe(0);
    expect(stats.jobsFinished).toBe(2);
    for (const job of harness.emulator.timeline()) {
      expect(Date.parse(job.startedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(inTwoHours));
    }
  });

  it("starts new jobs only while the wave's window is open", async () => {
    // 3600×: an emulated hour per real second, so the half-hour windows below open and close often.
    harness = await startHarness({ sources: 8, quota: 2, timeScale: 3_600 });
    const plan = await planOverSources(harness.client, "windowed", [6]);
    const wave = plan.waves[0];
    if (wave) wave.window = { cron: "0 * * * *", durationMs: 30 * 60_000, timezone: "UTC" };
    const daemon = await harness.startDaemon();
    const admittedAt: Date[] = [];
    harness.events.on("server:status", (event) => {
      if (event.status === "creating")
        admittedAt.push(new Date(harness?.emulator.clock.now() ?? 0));
    });
    const { planId } = await daemon.migrations.submit(plan);
    expect(await harness.waitForPlanEnd(planId)).toBe("succeeded");
    // Admission checks the clock for every server, so it happens inside the window however slow
    // the machine; the create that follows may land a few emulated minutes later at 3600×.
    expect(admittedAt).toHaveLength(6);
    for (const at of admittedAt) expect(at.getUTCMinutes()).toBeLessThan(30);
    expect(new Set(admittedAt.map((at) => at.getUTCHours())).size).toBeGreaterThan(1);
  });
});
