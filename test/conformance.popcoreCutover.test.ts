/**
 * Incremental jobs and their cut-over (contract §5) through Alibaba Cloud's official
 * @alicloud/pop-core client over real HTTP: CutOverReplicationJob with and without SyncData, refused
 * outside Waiting, a Frequency change moving the next run, and images pruned to
 * MaxNumberOfImageToKeep (seen from outside on /_emulator/images). Time moves by `advanceClock`.
 */
import { describe, expect, it } from "vitest";
import {
  HOUR,
  JOB_STATES,
  type JobState,
  MINUTE,
  useConformanceEmulator,
} from "./emulatorConformance.ts";
import { admin, type Body, rejects } from "./emulatorKit.ts";

const c = useConformanceEmulator();

const runsOf = (job: Body): Body[] => job.ReplicationJobRuns.ReplicationJobRun;

async function images(jobId: string): Promise<Body[]> {
  return (await admin(c.emulator, `images?jobId=${jobId}`)).body;
}

async function sourceOf(job: Body): Promise<Body> {
  const answer = await c.smc.call("DescribeSourceServers", { "SourceId.1": job.SourceId });
  return answer.SourceServers.SourceServer[0];
}

/** Advances a minute at a time until `done` holds for the job (at most 3 emulated days). */
async function advanceUntil(jobId: string, done: (job: Body) => boolean): Promise<Body> {
  for (let minute = 0; minute < 3 * 24 * 60; minute++) {
    const job = await c.job(jobId);
    if (done(job)) return job;
    c.emulator.advanceClock(MINUTE);
  }
  throw new Error(`job ${jobId} never reached the expected state`);
}

describe("CutOverReplicationJob through pop-core", () => {
  it("without SyncData finishes at once, frees the source, and counts against the quota until deleted", async () => {
    const jobId = await c.jobIn("Waiting");
    const waiting = await c.job(jobId);
    expect(waiting.TransitionInstanceId).toMatch(/^i-/);
    const answer = await c.smc.call("CutOverReplicationJob", { JobId: jobId });
    expect(answer.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    const finished = await c.job(jobId);
    expect(finished).toMatchObject({
      Status: "Finished",
      BusinessStatus: "",
      Progress: 100,
      ImageId: waiting.ImageId,
      TransitionInstanceId: "",
    });
    expect(runsOf(finished)).toEqual(runsOf(waiting));
    c.emulator.advanceClock(400 * HOUR);
    expect(runsOf(await c.job(jobId))).toHaveLength(1);

    expect((await sourceOf(finished)).State).toBe("Available");
    const next = await c.create({ SourceId: finished.SourceId });
    expect(c.emulator.stats().current.existingJobs).toBe(2);
    await c.smc.call("DeleteReplicationJob", { JobId: jobId });
    expect(c.emulator.stats().current.existingJobs).toBe(1);
    expect((await c.job(next)).Status).toBe("Ready");
    expect((await images(jobId)).map((image) => image.imageId)).toEqual([waiting.ImageId]);
  });

  it("with SyncData=true runs a last Manual sync with the usual business statuses, then finishes", async () => {
    const jobId = await c.jobIn("Waiting");
    const first = await c.job(jobId);
    await c.smc.call("CutOverReplicationJob", { JobId: jobId, SyncData: true });
    const running = await c.job(jobId);
    expect(running).toMatchObject({ Status: "Running", BusinessStatus: "Preparing" });
    expect((await sourceOf(running)).State).toBe("InUse");
    await rejects(
      c.smc.call("CutOverReplicationJob", { JobId: jobId }),
      "ReplicationJob.InvalidStatus",
      400,
    );
    const seen = new Set<string>();
    const done = await advanceUntil(jobId, (job) => {
      if (job.Status === "Running") seen.add(job.BusinessStatus);
      return job.Status === "Finished";
    });
    expect([...seen]).toEqual(["Preparing", "Syncing", "Processing", "Cleaning"]);
    const runs = runsOf(done);
    expect(runs.map((run) => run.Type)).toEqual(["Manual", "Manual"]);
    expect(done.ImageId).toBe(runs[1].ImageId);
    expect(done.ImageId).not.toBe(first.ImageId);
    expect(done.TransitionInstanceId).toBe("");
    expect((await sourceOf(done)).State).toBe("Available");
    expect((await images(jobId)).map((image) => image.deletedAt)).toEqual([null, null]);
    expect(c.emulator.stats()).toMatchObject({ cutOvers: 1, jobsFinished: 1 });
  });

  it.each(JOB_STATES.filter((state) => state !== "Waiting"))(
    "refuses a job that is %s with ReplicationJob.InvalidStatus",
    async (state: JobState) => {
      const jobId = await c.jobIn(state);
      for (const SyncData of [false, true]) {
        const error = await rejects(
          c.smc.call("CutOverReplicationJob", { JobId: jobId, SyncData }),
          "ReplicationJob.InvalidStatus",
          400,
        );
        expect(error.message).toBe("The specified replication job status is invalid.");
      }
      expect(c.emulator.stats().cutOvers).toBe(0);
    },
  );

  it("answers unknown and missing JobIds and a bad SyncData like the other job actions", async () => {
    await rejects(
      c.smc.call("CutOverReplicationJob", { JobId: "j-doesnotexist0000000" }),
      "InvalidJobId.NotFound",
      404,
    );
    await rejects(c.smc.call("CutOverReplicationJob"), "MissingParameter.JobId", 400);
    const jobId = await c.jobIn("Waiting");
    const bad = await rejects(
      c.smc.call("CutOverReplicationJob", { JobId: jobId, SyncData: "yes" }),
      "InvalidParameter",
      400,
    );
    expect(bad.message).toContain('"SyncData"');
    expect((await c.job(jobId)).Status).toBe("Waiting");
  });
});

describe("incremental runs through pop-core", () => {
  it("moves the next run when Frequency is shortened while Waiting", async () => {
    const jobId = await c.jobIn("Waiting");
    const waiting = await c.job(jobId);
    const lastEnd = Date.parse(runsOf(waiting)[0].EndTime);
    expect(waiting.Frequency).toBe(168);
    await c.smc.call("ModifyReplicationJobAttribute", { JobId: jobId, Frequency: 1 });
    // jobIn waited a whole day after the start: last end + 1 h has passed, so the run starts now.
    const now = c.emulator.clock.now();
    expect(now).toBeGreaterThan(lastEnd + HOUR);
    const started = await c.job(jobId);
    expect(started).toMatchObject({ Status: "Running", Frequency: 1 });
    expect(Math.abs(Date.parse(started.StartTime) - now)).toBeLessThan(2000);
    const second = await advanceUntil(jobId, (job) => job.Status === "Waiting");
    expect(runsOf(second).map((run) => run.Type)).toEqual(["Manual", "Schedule"]);

    await c.smc.call("ModifyReplicationJobAttribute", { JobId: jobId, Frequency: 3 });
    const secondEnd = Date.parse(runsOf(second)[1].EndTime);
    c.emulator.advanceClock(secondEnd + 3 * HOUR - c.emulator.clock.now() - MINUTE);
    expect((await c.job(jobId)).Status).toBe("Waiting");
    c.emulator.advanceClock(2 * MINUTE);
    const third = await c.job(jobId);
    expect(third.Status).toBe("Running");
    expect(Date.parse(third.StartTime) - secondEnd).toBe(3 * HOUR);
  });

  it("keeps MaxNumberOfImageToKeep images and deletes the oldest, keeping every run's entry", async () => {
    const jobId = await c.create({ RunOnce: false, Frequency: 1, MaxNumberOfImageToKeep: 2 });
    await c.smc.call("StartReplicationJob", { JobId: jobId });
    const job = await advanceUntil(jobId, (current) => runsOf(current).length >= 5);
    const runs = runsOf(job);
    const listed = await images(jobId);
    expect(listed.map((image) => image.imageId)).toEqual(runs.map((run) => run.ImageId));
    const alive = listed.filter((image) => image.deletedAt === null);
    expect(alive.map((image) => image.imageId)).toEqual(runs.slice(-2).map((run) => run.ImageId));
    expect(job.ImageId).toBe(runs.at(-1).ImageId);
    // Each older image was deleted when the run that made it the third newest ended.
    listed.slice(0, -2).forEach((image, i) => {
      // The admin route keeps milliseconds; the API's times are whole seconds.
      expect(`${image.deletedAt.slice(0, 19)}Z`).toBe(runs[i + 2].EndTime);
    });
  });
});
