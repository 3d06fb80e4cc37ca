import { afterEach, describe, expect, it } from "vitest";
import { type Harness, planOverSources, startHarness } from "./support/migrationHarness.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Sets the state of the source named `name` through the emulator's admin route; returns its id. */
async function setSourceState(
  h: Harness,
  name: string,
  state: "Available" | "Unavailable",
): Promise<string> {
  const [source] = (await h.client.describeAllSourceServers({})).filter((s) => s.name === name);
  const sourceId = source?.sourceId ?? "";
  const response = await fetch(`${h.emulator.url}/_emulator/sources/${sourceId}/state`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ state }),
  });
  expect(response.status).toBe(200);
  return sourceId;
}

describe("wave failure policy", () => {
  it("halts on a failed wave with a reason naming the server, starts nothing of the next wave, and retries", async () => {
    harness = await startHarness({ sources: 10, quota: 10 });
    const plan = await planOverSources(harness.client, "halting", [3, 3]);
    const offline = plan.waves[0]?.servers[1]?.ref.name ?? "";
    await setSourceState(harness, offline, "Unavailable");

    const daemon = await harness.startDaemon();
    const { planId } = await daemon.migrations.submit(plan);
    expect(await harness.waitForPlanEnd(planId)).toBe("failed");
    const view = await daemon.migrations.getPlan(planId);
    expect(view?.reason?.message).toContain(`wave wave-1 failed and onWaveFailure is halt`);
    expect(view?.reason?.message).toContain(`${offline}: SourceServerState.Invalid`);
    // Nothing is left pending inside a failed plan: the next wave and its servers are skipped.
    expect(view?.waves[1]?.status).toBe("skipped");
    expect(view?.waves[1]?.reason?.message).toContain("wave wave-1 failed");
    expect(view?.waves[1]?.finishedAt).toBeGreaterThan(0);
    for (const server of view?.waves[1]?.servers ?? []) {
      expect(server.status).toBe("skipped");
      expect(server.reason?.code).toBe("Skipped.Halted");
    }
    expect(view?.counts.pending).toBe(0);
    const secondWave = new Set(plan.waves[1]?.servers.map((s) => s.ref.name));
    const sourcesOfSecond = (await harness.client.describeAllSourceServers({}))
      .filter((s) => secondWave.has(s.name))
      .map((s) => s.sourceId);
    expect(
      harness.emulator.timeline().filter((job) => sourcesOf(sourcesOfSecond, job.sourceId)),
    ).toEqual([]);

    await setSourceState(harness, offline, "Available");
    const ended = harness.waitForPlanEnd(planId);
    await daemon.migrations.retryFailed(planId);
    expect(await ended).toBe("succeeded");
    expect(harness.emulator.stats().jobsCreated).toBe(6);
  });

  it("under continue, finishes every wave and reports the failed servers", async () => {
    harness = await startHarness({ sources: 10, quota: 10 });
    const plan = await planOverSources(harness.client, "continuing", [3, 3], {
      onWaveFailure: "continue",
    });
    const offline = plan.waves[0]?.servers[0]?.ref.name ?? "";
    await setSourceState(harness, offline, "Unavailable");
    const daemon = await harness.startDaemon();
    const { planId } = await daemon.migrations.submit(plan);
    expect(await harness.waitForPlanEnd(planId)).toBe("failed");
    const view = await daemon.migrations.getPlan(planId);
    expect(view?.counts).toMatchObject({ succeeded: 5, failed: 1 });
    expect(view?.reason).toEqual({ code: "Plan.WavesFailed", message: "wave(s) wave-1 failed" });
  });
});

function sourcesOf(ids: readonly string[], sourceId: string): boolean {
  return ids.includes(sourceId);
}

describe("sharing the account", () => {
  it("waits for a source's unfinished job that someone else created, and counts others' jobs against the quota", async () => {
    harness = await startHarness({ sources: 10, quota: 4 });
    const plan = await planOverSources(harness.client, "polite", [4]);
    const sources = await harness.client.describeAllSourceServers({});
    const busy = sources.find((s) => s.name === plan.waves[0]?.servers[0]?.ref.name);
    const bystander = sources.find(
      (s) => !plan.waves[0]?.servers.some((server) => server.ref.name === s.name),
    );
    // Someone else's jobs: one on a source of the plan, one elsewhere; neither started.
    const blocking = await harness.client.createReplicationJob({
      sourceId: busy?.sourceId ?? "",
      systemDiskSize: 500,
    });
    await harness.client.createReplicationJob({
      sourceId: bystander?.sourceId ?? "",
      systemDiskSize: 500,
    });

    const daemon = await harness.startDaemon();
    const { planId } = await daemon.migrations.submit(plan);
    const othersDone = new Promise<void>((resolve) => {
      const stop = harness?.events.on("job:finished", async () => {
        const view = await daemon.migrations.getPlan(planId);
        const servers = view?.waves[0]?.servers ?? [];
        if (servers.filter((s) => s.status === "succeeded").length === 3) {
          stop?.();
          resolve();
        }
      });
    });
    await othersDone;
    const waiting = (await daemon.migrations.getPlan(planId))?.waves[0]?.servers.find(
      (s) => s.sourceId === busy?.sourceId,
    );
    expect(waiting?.status).toBe("pending");
    expect(waiting?.waiting?.code).toBe("SourceHeld.External");
    expect(waiting?.waiting?.message).toContain(blocking.jobId);

    const ended = harness.waitForPlanEnd(planId);
    await harness.client.deleteReplicationJob({ jobId: blocking.jobId });
    expect(await ended).toBe("succeeded");
    const stats = harness.emulator.stats();
    expect(stats.highWater.existingJobs).toBeLessThanOrEqual(4);
    expect(stats.quotaRejections).toBe(0);
  });

  it("shares the quota between two plans: the second starts before the first has finished", async () => {
    harness = await startHarness({ sources: 40, quota: 6 });
    const all = await planOverSources(harness.client, "unused", [20, 20]);
    const first = { ...all, name: "team-a", waves: [all.waves[0]].filter((w) => w !== undefined) };
    const second = { ...all, name: "team-b", waves: [all.waves[1]].filter((w) => w !== undefined) };
    const daemon = await harness.startDaemon();
    const endedA = harness.waitForPlanEnd("team-a");
    const endedB = harness.waitForPlanEnd("team-b");
    await daemon.migrations.submit(first);
    await daemon.migrations.submit(second);
    expect(await endedA).toBe("succeeded");
    expect(await endedB).toBe("succeeded");

    const timeline = harness.emulator.timeline();
    const created = (plan: string) =>
      timeline
        .filter((job) => job.name.startsWith(`sw-${plan}-`))
        .map((job) => Date.parse(job.createdAt));
    const lastOfA = Math.max(
      ...timeline
        .filter((job) => job.name.startsWith("sw-team-a-"))
        .map((job) => Date.parse(job.deletedAt ?? "")),
    );
    expect(Math.min(...created("team-b"))).toBeLessThan(lastOfA);
    // While team-a still had jobs, team-b held its fair half of the quota at some moment.
    const existingAt = (plan: string, at: number) =>
      timeline.filter(
        (job) =>
          job.name.startsWith(`sw-${plan}-`) &&
          Date.parse(job.createdAt) <= at &&
          at < Date.parse(job.deletedAt ?? ""),
      ).length;
    const bPeakWhileA = Math.max(
      ...created("team-b")
        .filter((at) => at < lastOfA)
        .map((at) => existingAt("team-b", at)),
    );
    expect(bPeakWhileA).toBeGreaterThanOrEqual(3);
    expect(harness.emulator.stats().highWater.existingJobs).toBeLessThanOrEqual(6);
  });

  it("a plan that ended claims no share: the next plan gets the whole quota at once", async () => {
    // 3,600×: each 100 GiB server copies for a second or two, so those admitted together overlap.
    const sourceList = Array.from({ length: 10 }, (_, i) => ({
      name: `vm-${i + 1}`,
      systemDiskGiB: 100,
    }));
    harness = await startHarness({ sourceList, quota: 4, timeScale: 3_600 });
    const all = await planOverSources(harness.client, "unused", [4, 6]);
    const first = { ...all, name: "team-a", waves: [all.waves[0]].filter((w) => w !== undefined) };
    const second = { ...all, name: "team-b", waves: [all.waves[1]].filter((w) => w !== undefined) };
    const daemon = await harness.startDaemon();
    const endedA = harness.waitForPlanEnd("team-a");
    await daemon.migrations.submit(first);
    expect(await endedA).toBe("succeeded");
    const endedB = harness.waitForPlanEnd("team-b");
    await daemon.migrations.submit(second);
    expect(await endedB).toBe("succeeded");

    // team-a's last claim on the quota (it wanted all four slots) is over with team-a: team-b, alone
    // now, held the whole quota at some moment, by the emulator's own timeline.
    const jobsOfB = harness.emulator.timeline().filter((job) => job.name.startsWith("sw-team-b-"));
    const existingAt = (at: number) =>
      jobsOfB.filter(
        (job) => Date.parse(job.createdAt) <= at && at < Date.parse(job.deletedAt ?? ""),
      ).length;
    const peak = Math.max(...jobsOfB.map((job) => existingAt(Date.parse(job.createdAt))));
    expect(peak).toBe(4);
    expect(harness.emulator.stats().highWater.existingJobs).toBeLessThanOrEqual(4);
  });

  it("keeps to the account's running cap", async () => {
    harness = await startHarness(
      { sources: 10, quota: 10, maxRunningJobs: 2 },
      { maxRunningJobs: 2 },
    );
    const plan = await planOverSources(harness.client, "capped", [8]);
    const daemon = await harness.startDaemon();
    const { planId } = await daemon.migrations.submit(plan);
    expect(await harness.waitForPlanEnd(planId)).toBe("succeeded");
    const stats = harness.emulator.stats();
    expect(stats.highWater.runningJobs).toBeLessThanOrEqual(2);
    expect(stats.runningCapRejections).toBe(0);
  });
});
