/**
 * Job rules through Alibaba Cloud's official @alicloud/pop-core client over real HTTP: ValidTime
 * turning each unfinished status Expired (rule 9) and who may change it (rule 8), and Create and
 * Modify judging by the same consistency rules (partitions that do not fit are refused with the
 * size that would; Name and Description change on a job in any status).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../src/emulator/startEmulator.ts";
import {
  DAY,
  HOUR,
  JOB_STATES,
  type JobState,
  MINUTE,
  useConformanceEmulator,
} from "./emulatorConformance.ts";
import { popClient, rejects } from "./emulatorKit.ts";

const c = useConformanceEmulator();
const GIB = 1024 ** 3;

const wireTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

describe("ValidTime through pop-core", () => {
  it.each<JobState>(["Ready", "Stopped", "InError", "Waiting"])(
    "turns a %s job Expired when it passes; it holds its source and quota slot until removed",
    async (state) => {
      const jobId = await c.jobIn(state);
      const job = await c.job(jobId);
      // Move the deadline to 7 days and an hour after creation, the nearest the rules allow.
      const validTime = Date.parse(job.CreationTime) + 7 * DAY + HOUR;
      await c.smc.call("ModifyReplicationJobAttribute", {
        JobId: jobId,
        ValidTime: wireTime(validTime),
      });
      c.emulator.advanceClock(validTime - c.emulator.clock.now() - MINUTE);
      expect((await c.job(jobId)).Status).toBe(state);
      c.emulator.advanceClock(2 * MINUTE);
      expect(await c.job(jobId)).toMatchObject({ Status: "Expired", BusinessStatus: "" });
      await rejects(c.create({ SourceId: job.SourceId }), "SourceServerState.Invalid", 400);
      expect(c.emulator.stats()).toMatchObject({ jobsExpired: 1, current: { existingJobs: 1 } });

      c.emulator.advanceClock(7 * DAY);
      const gone = await c.smc.call("DescribeReplicationJobs", { "JobId.1": jobId });
      expect(gone.TotalCount).toBe(0);
      expect(c.emulator.stats()).toMatchObject({ jobsRemoved: 1, current: { existingJobs: 0 } });
      await c.create({ SourceId: job.SourceId });
    },
  );

  it("refuses to change ValidTime of a Finished or Expired job, or to a time already passed", async () => {
    for (const state of ["Finished", "Expired"] as const) {
      const jobId = await c.jobIn(state);
      await rejects(
        c.smc.call("ModifyReplicationJobAttribute", {
          JobId: jobId,
          ValidTime: wireTime(c.emulator.clock.now() + 30 * DAY),
        }),
        "ReplicationJob.InvalidStatus",
        400,
      );
    }
    const jobId = await c.jobIn("Ready");
    const created = Date.parse((await c.job(jobId)).CreationTime);
    c.emulator.advanceClock(10 * DAY);
    const past = await rejects(
      c.smc.call("ModifyReplicationJobAttribute", {
        JobId: jobId,
        ValidTime: wireTime(created + 8 * DAY),
      }),
      "InvalidParameter",
      400,
    );
    expect(past.message).toContain('"ValidTime"');
    expect(past.message).toContain("after now");
  });
});

describe("a Running job's ValidTime through pop-core", () => {
  // A run that outlasts the 7 days a ValidTime is at least: a 1 KiB/s link.
  let slow: RunningEmulator;
  beforeAll(async () => {
    slow = await startEmulator({
      sourceList: [{ name: "slow-01", systemDiskGiB: 40 }],
      bandwidthBytesPerSecond: 1024,
      seed: 3,
    });
  });
  afterAll(() => slow.close());

  it("turns a Running job Expired mid-run, and the source leaves InUse", async () => {
    const smc = popClient(slow);
    const [source] = (await smc.call("DescribeSourceServers")).SourceServers.SourceServer;
    const validTime = slow.clock.now() + 7 * DAY + HOUR;
    const { JobId } = await smc.call("CreateReplicationJob", {
      RegionId: "cn-hangzhou",
      SourceId: source.SourceId,
      SystemDiskSize: 40,
      ValidTime: wireTime(validTime),
    });
    await smc.call("StartReplicationJob", { JobId });
    slow.advanceClock(validTime - slow.clock.now() - MINUTE);
    const describe = async () =>
      (await smc.call("DescribeReplicationJobs", { "JobId.1": JobId })).ReplicationJobs
        .ReplicationJob[0];
    expect(await describe()).toMatchObject({ Status: "Running", BusinessStatus: "Syncing" });
    slow.advanceClock(2 * MINUTE);
    const expired = await describe();
    expect(expired).toMatchObject({ Status: "Expired", BusinessStatus: "" });
    expect(expired.Progress).toBeGreaterThan(0);
    expect(expired.Progress).toBeLessThan(100);
    const after = (await smc.call("DescribeSourceServers")).SourceServers.SourceServer[0];
    expect(after.State).toBe("Available");
    expect(slow.stats().current.runningJobs).toBe(0);
  });
});

describe("Create and Modify through pop-core judge by the same rules", () => {
  it("refuses a system disk smaller than the source's partitions, naming the size that fits", async () => {
    // The fixture's sources have a 100 GiB system disk and a 50 GiB data disk.
    const tooSmall = await rejects(c.create({ SystemDiskSize: 80 }), "InvalidParameter", 400);
    expect(tooSmall.message).toMatch(
      /^The specified parameter "SystemDiskSize" is not valid: got "80", expected at least 100 GiB: the partitions of source s-\w+'s system disk \(the default when no SystemDiskPart\.N is given\) add up to \d+ bytes\.$/,
    );
    const dataTooSmall = await rejects(
      c.create({ "DataDisk.1.Index": 1, "DataDisk.1.Size": 40 }),
      "InvalidParameter",
      400,
    );
    expect(dataTooSmall.message).toContain("DataDisk.1.Size");
    expect(dataTooSmall.message).toContain("at least 50 GiB");
    expect(c.emulator.stats().jobsCreated).toBe(0);

    const shrunk = await c.create({
      SystemDiskSize: 80,
      "SystemDiskPart.1.Device": "0_0",
      "SystemDiskPart.1.SizeBytes": 70 * GIB,
    });
    const job = await c.job(shrunk);
    expect(job.SystemDiskParts.SystemDiskPart).toEqual([
      { Device: "0_0", SizeBytes: 70 * GIB, Block: true },
    ]);
    const modify = await rejects(
      c.smc.call("ModifyReplicationJobAttribute", { JobId: shrunk, SystemDiskSize: 60 }),
      "InvalidParameter",
      400,
    );
    expect(modify.message).toContain("at least 70 GiB: the SystemDiskPart.N sizes add up to");
    await c.smc.call("ModifyReplicationJobAttribute", { JobId: shrunk, SystemDiskSize: 70 });
    expect((await c.job(shrunk)).SystemDiskSize).toBe(70);
  });

  it.each(JOB_STATES)("changes Name and Description of a %s job", async (state) => {
    const jobId = await c.jobIn(state);
    await c.smc.call("ModifyReplicationJobAttribute", {
      JobId: jobId,
      Name: `renamed-${state}`,
      Description: `seen ${state}`,
    });
    expect(await c.job(jobId)).toMatchObject({
      Name: `renamed-${state}`,
      Description: `seen ${state}`,
    });
  });
});
