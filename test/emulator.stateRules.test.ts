/**
 * Start, Stop, Delete and Modify from every job state (rules 4, 5, 8) and DescribeReplicationJobs,
 * through the official pop-core client; states are reached exactly by moving emulated time.
 */
import { describe, expect, it } from "vitest";
import {
  DAY,
  JOB_STATES,
  type JobState,
  MINUTE,
  useConformanceEmulator,
} from "./emulatorConformance.ts";
import { type Body, rejects } from "./emulatorKit.ts";

const c = useConformanceEmulator();

describe("state rules of Start, Stop, Delete and Modify (rules 4, 5, 8)", () => {
  const startable = new Set<JobState>(["Ready", "Stopped", "InError"]);
  it.each(JOB_STATES)("from %s", async (state) => {
    const jobId = await c.jobIn(state);
    // Modify: Name and Description any time.
    await c.smc.call("ModifyReplicationJobAttribute", {
      JobId: jobId,
      Name: `renamed-${state}`,
      Description: "still here",
    });
    expect((await c.job(jobId)).Name).toBe(`renamed-${state}`);
    // Frequency only before the first run or while Waiting; other fields only before the first run.
    const frequency = c.smc.call("ModifyReplicationJobAttribute", { JobId: jobId, Frequency: 24 });
    if (state === "Ready" || state === "Waiting") await frequency;
    else await rejects(frequency, "ReplicationJob.InvalidStatus", 400);
    const disk = c.smc.call("ModifyReplicationJobAttribute", { JobId: jobId, SystemDiskSize: 120 });
    if (state === "Ready") await disk;
    else await rejects(disk, "ReplicationJob.InvalidStatus", 400);
    const validTime = `${new Date(Date.parse((await c.job(jobId)).CreationTime) + 60 * DAY).toISOString().slice(0, 19)}Z`;
    const valid = c.smc.call("ModifyReplicationJobAttribute", {
      JobId: jobId,
      ValidTime: validTime,
    });
    if (["Ready", "Preparing", "Syncing", "Stopped", "InError", "Waiting"].includes(state))
      await valid;
    else await rejects(valid, "ReplicationJob.InvalidStatus", 400);

    const stop = c.smc.call("StopReplicationJob", { JobId: jobId });
    if (state === "Syncing") await stop;
    else await rejects(stop, "ReplicationJob.InvalidStatus", 400);

    const start = c.smc.call("StartReplicationJob", { JobId: jobId });
    if (startable.has(state) || state === "Syncing")
      await start; // Syncing was just stopped above
    else await rejects(start, "ReplicationJob.InvalidStatus", 400);
    const status = (await c.job(jobId)).Status;
    if (status === "Running") c.emulator.advanceClock(DAY);

    const afterStart = (await c.job(jobId)).Status;
    const del = c.smc.call("DeleteReplicationJob", { JobId: jobId });
    if (afterStart === "Running") await rejects(del, "ReplicationJob.InvalidStatus", 400);
    else await del;
    const left = await c.smc.call("DescribeReplicationJobs", { "JobId.1": jobId });
    expect(left.TotalCount).toBe(afterStart === "Running" ? 1 : 0);
  });

  it("refuses to delete a Running job, then deletes it once stopped", async () => {
    const jobId = await c.jobIn("Preparing");
    await rejects(
      c.smc.call("DeleteReplicationJob", { JobId: jobId }),
      "ReplicationJob.InvalidStatus",
      400,
    );
    c.emulator.advanceClock(10 * MINUTE);
    await c.smc.call("StopReplicationJob", { JobId: jobId });
    await c.smc.call("DeleteReplicationJob", { JobId: jobId });
    await rejects(
      c.smc.call("DeleteReplicationJob", { JobId: jobId }),
      "InvalidJobId.NotFound",
      404,
    );
  });

  it("refuses to start a job whose source went offline", async () => {
    const jobId = await c.jobIn("Ready");
    const sourceId = (await c.job(jobId)).SourceId;
    await fetch(`${c.emulator.url}/_emulator/sources/${sourceId}/state`, {
      method: "POST",
      body: JSON.stringify({ state: "Unavailable" }),
    });
    await rejects(
      c.smc.call("StartReplicationJob", { JobId: jobId }),
      "SourceServerState.Invalid",
      400,
    );
  });

  it("checks data disks on modify and keeps names unique", async () => {
    const a = await c.jobIn("Ready");
    await c.create({ Name: "taken" });
    await rejects(
      c.smc.call("ModifyReplicationJobAttribute", { JobId: a, Name: "taken" }),
      "ReplicationJobName.Duplicate",
      400,
    );
    await rejects(
      c.smc.call("ModifyReplicationJobAttribute", {
        JobId: a,
        "DataDisk.1.Index": 3,
        "DataDisk.1.Size": 20,
      }),
      "ReplicationJobDataDiskIndex.Invalid",
      400,
    );
    await rejects(
      c.smc.call("ModifyReplicationJobAttribute", {
        JobId: a,
        "DataDisk.1.Index": 1,
        "DataDisk.1.Size": 20,
        "DataDisk.2.Index": 1,
        "DataDisk.2.Size": 20,
      }),
      "DataDisk.DuplicateIndex",
      400,
    );
    await rejects(
      c.smc.call("ModifyReplicationJobAttribute", { Name: "abc" }),
      "MissingParameter.JobId",
      400,
    );
    await rejects(
      c.smc.call("StartReplicationJob", { JobId: "j-missing" }),
      "InvalidJobId.NotFound",
      404,
    );
  });
});

describe("describing replication jobs", () => {
  it("filters, pages newest first and limits JobId.N to 50", async () => {
    const ids = [
      await c.create({ Name: "a-1" }),
      await c.create({ Name: "a-2" }),
      await c.create({ Name: "a-3" }),
    ];
    await c.smc.call("StartReplicationJob", { JobId: ids[0] ?? "" });
    const all = await c.smc.call("DescribeReplicationJobs", { PageSize: 2 });
    expect(all.TotalCount).toBe(3);
    expect(all.ReplicationJobs.ReplicationJob.map((j: Body) => j.Name)).toEqual(["a-3", "a-2"]);
    const second = await c.smc.call("DescribeReplicationJobs", { PageSize: 2, PageNumber: 2 });
    expect(second.ReplicationJobs.ReplicationJob.map((j: Body) => j.Name)).toEqual(["a-1"]);
    expect((await c.smc.call("DescribeReplicationJobs", { Status: "Running" })).TotalCount).toBe(1);
    expect(
      (await c.smc.call("DescribeReplicationJobs", { BusinessStatus: "Preparing" })).TotalCount,
    ).toBe(1);
    expect((await c.smc.call("DescribeReplicationJobs", { Name: "a-2" })).TotalCount).toBe(1);
    expect(
      (await c.smc.call("DescribeReplicationJobs", { RegionId: "cn-beijing" })).TotalCount,
    ).toBe(0);
    const source = (await c.job(ids[1] ?? "")).SourceId;
    expect((await c.smc.call("DescribeReplicationJobs", { "SourceId.1": source })).TotalCount).toBe(
      1,
    );
    const many = Object.fromEntries(
      Array.from({ length: 51 }, (_, i) => [`JobId.${i + 1}`, `j-${i}`]),
    );
    await rejects(c.smc.call("DescribeReplicationJobs", many), "InvalidParameter", 400);
    await rejects(c.smc.call("DescribeReplicationJobs", { PageSize: 0 }), "InvalidParameter", 400);
    await rejects(
      c.smc.call("DescribeReplicationJobs", { Status: "Done" }),
      "InvalidParameter",
      400,
    );
  });
});
