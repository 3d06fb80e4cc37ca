/**
 * Incremental jobs and their cut-over through our SmcClient over real HTTP (contract §5): cut-over
 * with and without a last sync, refused outside Waiting, a Frequency change moving the next run,
 * images pruned to MaxNumberOfImageToKeep (checked from outside on /_emulator/images), and the
 * action's faults. Time moves with `advanceClock`, never by sleeping.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../src/emulator/startEmulator.ts";
import { admin, type Body } from "./emulatorKit.ts";
import { DAY, HOUR, INCREMENTAL, jobIn, MINUTE } from "./support/clientJobStates.ts";
import {
  advanceUntil,
  create,
  EmulatorClients,
  job,
  rejection,
  small,
  sourceId,
} from "./support/emulatorClient.ts";

const clients = new EmulatorClients();
afterEach(() => clients.closeAll());

const sources = Array.from({ length: 8 }, (_, i) => small(i + 1));

async function images(emulator: RunningEmulator, jobId: string): Promise<Body[]> {
  const answer = await admin(emulator, `images?jobId=${jobId}`);
  expect(answer.status).toBe(200);
  return answer.body;
}

async function sourceState(smc: Awaited<ReturnType<EmulatorClients["setup"]>>["smc"], n: number) {
  return (await smc.describeSourceServers({ sourceIds: [sourceId(n)] })).items[0]?.state;
}

describe("CutOverReplicationJob through our client", () => {
  it("without SyncData finishes a Waiting job at once, frees its source, and holds its quota slot until deleted", async () => {
    const { emulator, smc } = await clients.setup({ sourceList: sources, quota: 2 });
    const jobId = await jobIn(emulator, smc, 1, "Waiting");
    const waiting = await job(smc, jobId);
    expect(waiting.transitionInstanceId).toMatch(/^i-/);
    expect(waiting.replicationJobRuns).toHaveLength(1);

    const answer = await smc.cutOverReplicationJob({ jobId });
    expect(answer.requestId).not.toBe("");
    const finished = await job(smc, jobId);
    expect(finished).toMatchObject({
      status: "Finished",
      businessStatus: "",
      progress: 100,
      imageId: waiting.imageId,
      transitionInstanceId: "",
    });
    expect(finished.replicationJobRuns).toEqual(waiting.replicationJobRuns);
    await rejection(
      smc.cutOverReplicationJob({ jobId, syncData: true }),
      "conflict",
      "ReplicationJob.InvalidStatus",
    );
    // No more runs, however long the clock runs.
    emulator.advanceClock(30 * DAY);
    expect((await job(smc, jobId)).replicationJobRuns).toHaveLength(1);
    expect(emulator.stats()).toMatchObject({ cutOvers: 1, jobsFinished: 1 });

    // The source is free for a new job; the Finished job still counts against the quota of 2.
    expect(await sourceState(smc, 1)).toBe("Available");
    await create(smc, 1);
    await rejection(create(smc, 2), "quota", "QuotaExceeded.ReplicationJob");
    await smc.deleteReplicationJob({ jobId });
    await create(smc, 2);
    // The image outlives the job.
    expect((await images(emulator, jobId)).map((image) => image.imageId)).toEqual([
      waiting.imageId,
    ]);
  });

  it("with SyncData runs one last Manual sync, Running through the business statuses, then finishes", async () => {
    const { emulator, smc } = await clients.setup({ sourceList: sources });
    const jobId = await jobIn(emulator, smc, 1, "Waiting");
    const first = await job(smc, jobId);

    await smc.cutOverReplicationJob({ jobId, syncData: true });
    const running = await job(smc, jobId);
    expect(running).toMatchObject({ status: "Running", businessStatus: "Preparing" });
    expect(await sourceState(smc, 1)).toBe("InUse");
    // The last sync is a run like any other: the source stays held, a second cut-over is refused.
    await rejection(
      smc.cutOverReplicationJob({ jobId }),
      "conflict",
      "ReplicationJob.InvalidStatus",
    );
    await rejection(create(smc, 1), "conflict", "SourceServerState.Invalid");

    const seen = new Set<string>();
    const done = await advanceUntil(emulator, smc, jobId, (current) => {
      if (current.status === "Running") seen.add(current.businessStatus);
      return current.status === "Finished";
    });
    expect([...seen]).toEqual(["Preparing", "Syncing", "Processing", "Cleaning"]);
    expect(done.replicationJobRuns).toHaveLength(2);
    expect(done.replicationJobRuns[1]?.type).toBe("Manual");
    expect(done.imageId).toBe(done.replicationJobRuns[1]?.imageId);
    expect(done.imageId).not.toBe(first.imageId);
    expect(done.transitionInstanceId).toBe("");
    expect(await sourceState(smc, 1)).toBe("Available");
    const kept = await images(emulator, jobId);
    expect(kept.map((image) => [image.imageId, image.deletedAt])).toEqual([
      [first.imageId, null],
      [done.imageId, null],
    ]);
    await create(smc, 1);
  });

  it("is refused in every status but Waiting, and for a job that does not exist", async () => {
    const { emulator, smc } = await clients.setup({ sourceList: sources });
    const states = ["Ready", "Preparing", "Syncing", "Stopped", "InError", "Finished", "Expired"];
    for (const [i, state] of states.entries()) {
      // Incremental jobs in every status they can have; Finished is a one-off job's.
      const settings = state === "Finished" ? {} : INCREMENTAL;
      const jobId = await jobIn(emulator, smc, i + 1, state as "Ready", settings);
      for (const syncData of [false, true]) {
        const error = await rejection(
          smc.cutOverReplicationJob({ jobId, syncData }),
          "conflict",
          "ReplicationJob.InvalidStatus",
        );
        expect(error.httpStatus, state).toBe(400);
      }
    }
    const missing = await rejection(
      smc.cutOverReplicationJob({ jobId: "j-doesnotexist0000000" }),
      "permanent",
      "InvalidJobId.NotFound",
    );
    expect(missing.httpStatus).toBe(404);
    expect(emulator.stats().cutOvers).toBe(0);
  });

  it("answers InternalServerError like the other job actions, before or after taking effect", async () => {
    const { emulator, smc } = await clients.setup({ sourceList: sources });
    const before = await jobIn(emulator, smc, 1, "Waiting");
    const after = await jobIn(emulator, smc, 2, "Waiting");
    emulator.setFaults({ internalErrorRate: 1, internalErrorAfterEffectShare: 0 });
    await rejection(
      smc.cutOverReplicationJob({ jobId: before }),
      "transient",
      "InternalServerError",
    );
    emulator.setFaults({ internalErrorRate: 1, internalErrorAfterEffectShare: 1 });
    await rejection(
      smc.cutOverReplicationJob({ jobId: after }),
      "transient",
      "InternalServerError",
    );
    emulator.setFaults({ internalErrorRate: 0, throttlingRate: 1 });
    await rejection(smc.cutOverReplicationJob({ jobId: before }), "throttled", "Throttling.User");
    emulator.setFaults({ throttlingRate: 0 });
    expect((await job(smc, before)).status).toBe("Waiting");
    // The lost answer's work is kept: a retry finds the job Finished and is told so.
    expect((await job(smc, after)).status).toBe("Finished");
    await rejection(
      smc.cutOverReplicationJob({ jobId: after }),
      "conflict",
      "ReplicationJob.InvalidStatus",
    );
  });
});

describe("incremental runs through our client", () => {
  it("starts the next run at once when a shortened Frequency makes it due, else at last end + Frequency", async () => {
    const { emulator, smc } = await clients.setup({ sourceList: sources });
    const jobId = await jobIn(emulator, smc, 1, "Waiting");
    const lastEnd = Date.parse((await job(smc, jobId)).replicationJobRuns[0]?.endTime ?? "");

    await smc.modifyReplicationJobAttribute({ jobId, frequency: 2 });
    expect((await job(smc, jobId)).frequency).toBe(2);
    emulator.advanceClock(lastEnd + 2 * HOUR - emulator.clock.now() - MINUTE);
    expect((await job(smc, jobId)).status).toBe("Waiting");
    emulator.advanceClock(2 * MINUTE);
    const second = await job(smc, jobId);
    expect(second.status).toBe("Running");
    expect(Date.parse(second.startTime) - lastEnd).toBe(2 * HOUR);

    // Waiting again, 3 hours pass, then Frequency 1: the next run is overdue and starts now.
    const waiting = await advanceUntil(emulator, smc, jobId, (j) => j.status === "Waiting");
    await smc.modifyReplicationJobAttribute({ jobId, frequency: 168 });
    emulator.advanceClock(3 * HOUR);
    expect((await job(smc, jobId)).status).toBe("Waiting");
    const now = emulator.clock.now();
    await smc.modifyReplicationJobAttribute({ jobId, frequency: 1 });
    const third = await job(smc, jobId);
    expect(third.status).toBe("Running");
    expect(Math.abs(Date.parse(third.startTime) - now)).toBeLessThan(2000);
    expect(waiting.replicationJobRuns.map((run) => run.type)).toEqual(["Manual", "Schedule"]);
    // Rule 8: Frequency cannot change while a run goes on.
    await rejection(
      smc.modifyReplicationJobAttribute({ jobId, frequency: 12 }),
      "conflict",
      "ReplicationJob.InvalidStatus",
    );
  });

  it("keeps MaxNumberOfImageToKeep images, deleting the oldest; a lowered number applies at the next run", async () => {
    const { emulator, smc } = await clients.setup({ sourceList: sources });
    const { jobId } = await smc.createReplicationJob({
      sourceId: sourceId(1),
      systemDiskSize: 20,
      runOnce: false,
      frequency: 1,
      maxNumberOfImageToKeep: 3,
    });
    await smc.startReplicationJob({ jobId });
    const many = await advanceUntil(emulator, smc, jobId, (j) => j.replicationJobRuns.length >= 6);
    const runs = many.replicationJobRuns;
    // Every run keeps its entry and its ImageId; only the three newest images still exist.
    const listed = await images(emulator, jobId);
    expect(listed.map((image) => image.imageId)).toEqual(runs.map((run) => run.imageId));
    expect(listed.filter((image) => image.deletedAt === null).map((i) => i.imageId)).toEqual(
      runs.slice(-3).map((run) => run.imageId),
    );
    expect(many.imageId).toBe(runs.at(-1)?.imageId);
    expect(emulator.stats().imagesPruned).toBe(runs.length - 3);

    const waiting = await advanceUntil(emulator, smc, jobId, (j) => j.status === "Waiting");
    await smc.modifyReplicationJobAttribute({ jobId, maxNumberOfImageToKeep: 1 });
    expect((await images(emulator, jobId)).filter((i) => i.deletedAt === null)).toHaveLength(3);
    const next = await advanceUntil(
      emulator,
      smc,
      jobId,
      (j) => j.replicationJobRuns.length > waiting.replicationJobRuns.length,
    );
    const left = (await images(emulator, jobId)).filter((image) => image.deletedAt === null);
    expect(left.map((image) => image.imageId)).toEqual([next.imageId]);
  });
});
