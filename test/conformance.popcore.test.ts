/**
 * Conformance of the emulator, driven by Alibaba Cloud's official @alicloud/pop-core client over
 * real HTTP: sources and job creation rules (Available only, one unfinished job per source, names,
 * ranges, ClientToken). Gateway errors, faults and XML are in conformance.popcoreGateway.test.ts,
 * the quota in emulator.quota.test.ts, state rules in emulator.stateRules.test.ts, tags in
 * emulator.tags.test.ts.
 */
import { describe, expect, it } from "vitest";
import { DAY, HOUR, MINUTE, useConformanceEmulator } from "./emulatorConformance.ts";
import { type Body, rejects } from "./emulatorKit.ts";

const c = useConformanceEmulator();

describe("source servers", () => {
  it("describes sources with the service's wrappers, filters and paging", async () => {
    const first = await c.smc.call("DescribeSourceServers", { PageSize: 2 });
    expect(first.TotalCount).toBe(41);
    expect(first.PageNumber).toBe(1);
    expect(first.PageSize).toBe(2);
    expect(first.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    const source = first.SourceServers.SourceServer[0];
    expect(source.SourceId).toMatch(/^s-[a-z0-9]{20}$/);
    expect(source.SystemDiskParts.SystemDiskPart.length).toBeGreaterThan(0);
    expect(source.DataDisks.DataDisk[0].Parts.Part[0].SizeBytes).toBeGreaterThan(0);
    const second = await c.smc.call("DescribeSourceServers", { PageSize: 2, PageNumber: 2 });
    expect(second.SourceServers.SourceServer[0].SourceId).not.toBe(source.SourceId);
    const byId = await c.smc.call("DescribeSourceServers", {
      "SourceId.1": c.sourceIds[3] ?? "",
      "SourceId.2": c.offlineId,
    });
    expect(byId.TotalCount).toBe(2);
    const offline = await c.smc.call("DescribeSourceServers", { State: "Unavailable" });
    expect(offline.SourceServers.SourceServer.map((s: Body) => s.ErrorCode)).toEqual([
      "SourceServer.Offline",
    ]);
    const byName = await c.smc.call("DescribeSourceServers", { Name: "src-05" });
    expect(byName.TotalCount).toBe(1);
  });

  it("rejects PageSize over 50, PageNumber 0 and more than 50 SourceId.N", async () => {
    await rejects(c.smc.call("DescribeSourceServers", { PageSize: 51 }), "InvalidParameter", 400);
    await rejects(c.smc.call("DescribeSourceServers", { PageNumber: 0 }), "InvalidParameter", 400);
    await rejects(
      c.smc.call("DescribeSourceServers", { State: "Sleeping" }),
      "InvalidParameter",
      400,
    );
    const ids = Object.fromEntries(
      Array.from({ length: 51 }, (_, i) => [`SourceId.${i + 1}`, `s-${i}`]),
    );
    await rejects(c.smc.call("DescribeSourceServers", ids), "InvalidParameter", 400);
  });

  it("modifies name and description, keeping names unique", async () => {
    const [a = "", b = ""] = c.sourceIds;
    await c.smc.call("ModifySourceServerAttribute", {
      SourceId: a,
      Name: "renamed-01",
      Description: "moved to rack 4",
    });
    const described = await c.smc.call("DescribeSourceServers", { "SourceId.1": a });
    expect(described.SourceServers.SourceServer[0]).toMatchObject({
      Name: "renamed-01",
      Description: "moved to rack 4",
    });
    await rejects(
      c.smc.call("ModifySourceServerAttribute", { SourceId: b, Name: "renamed-01" }),
      "SourceServerName.Duplicate",
      400,
    );
    await rejects(
      c.smc.call("ModifySourceServerAttribute", { SourceId: b, Name: "1-starts-with-digit" }),
      "InvalidParameter",
      400,
    );
    await rejects(
      c.smc.call("ModifySourceServerAttribute", { Name: "x-y" }),
      "MissingParameter.SourceId",
      400,
    );
    await rejects(
      c.smc.call("ModifySourceServerAttribute", { SourceId: "s-nothere", Name: "abc" }),
      "InvalidSourceId.NotFound",
      404,
    );
  });

  it("deletes a source: refused with a running job, needs Force with others, Force deletes them", async () => {
    const running = await c.jobIn("Syncing");
    const runningSource = (await c.job(running)).SourceId;
    await rejects(
      c.smc.call("DeleteSourceServer", { SourceId: runningSource, Force: true }),
      "SourceServer.WithRunningReplicationJob",
      400,
    );

    const ready = await c.jobIn("Ready");
    const readySource = (await c.job(ready)).SourceId;
    await rejects(
      c.smc.call("DeleteSourceServer", { SourceId: readySource }),
      "ReplicationJob.Related",
      400,
    );
    await c.smc.call("DeleteSourceServer", { SourceId: readySource, Force: true });
    expect((await c.smc.call("DescribeReplicationJobs", { "JobId.1": ready })).TotalCount).toBe(0);
    expect(
      (await c.smc.call("DescribeSourceServers", { "SourceId.1": readySource })).TotalCount,
    ).toBe(0);

    const lonely = c.freshSource();
    await c.smc.call("DeleteSourceServer", { SourceId: lonely });
    await rejects(
      c.smc.call("DeleteSourceServer", { SourceId: lonely }),
      "InvalidSourceId.NotFound",
      404,
    );
    expect(c.emulator.stats().jobsDeleted).toBe(1);
  });

  it("answers SourceServerState.Invalid for a source being deleted", async () => {
    const id = c.freshSource();
    await fetch(`${c.emulator.url}/_emulator/sources/${id}/state`, {
      method: "POST",
      body: JSON.stringify({ state: "Deleting" }),
    });
    await rejects(
      c.smc.call("DeleteSourceServer", { SourceId: id }),
      "SourceServerState.Invalid",
      400,
    );
    await rejects(
      c.smc.call("ModifySourceServerAttribute", { SourceId: id, Name: "abc" }),
      "SourceServerState.Invalid",
      400,
    );
  });
});

describe("creating replication jobs", () => {
  it("creates a Ready job with the defaults of the reference", async () => {
    const now = c.emulator.clock.now();
    const jobId = await c.create({
      Name: "wave1-web",
      ImageName: "img-web",
      "DataDisk.1.Index": 1,
      "DataDisk.1.Size": 60,
    });
    const created = await c.job(jobId);
    expect(created).toMatchObject({
      Status: "Ready",
      BusinessStatus: "",
      Progress: 0,
      RunOnce: true,
      TargetType: "Image",
    });
    // Partitions the request leaves out are the source's own (the reference's default).
    expect(created.DataDisks.DataDisk).toEqual([
      {
        Index: 1,
        Size: 60,
        Parts: { Part: [{ Device: "1_0", SizeBytes: 50 * 1024 ** 3 - 1024 ** 2, Block: true }] },
      },
    ]);
    expect(Date.parse(created.ValidTime) - Date.parse(created.CreationTime)).toBe(30 * DAY);
    expect(Math.abs(Date.parse(created.CreationTime) - now)).toBeLessThan(5000);
    const source = await c.smc.call("DescribeSourceServers", { "SourceId.1": created.SourceId });
    expect(source.SourceServers.SourceServer[0]).toMatchObject({
      JobId: jobId,
      State: "Available",
    });
  });

  it("creates only for Available sources and one unfinished job per source", async () => {
    await rejects(
      c.smc.call("CreateReplicationJob", {
        RegionId: "cn-hangzhou",
        SourceId: c.offlineId,
        SystemDiskSize: 40,
      }),
      "SourceServerState.Invalid",
      400,
    );
    for (const state of ["Ready", "Syncing", "Stopped", "InError", "Waiting", "Expired"] as const) {
      const sourceId = (await c.job(await c.jobIn(state))).SourceId;
      await rejects(
        c.smc.call("CreateReplicationJob", {
          RegionId: "cn-hangzhou",
          SourceId: sourceId,
          SystemDiskSize: 100,
        }),
        "SourceServerState.Invalid",
        400,
      );
    }
    const finished = await c.job(await c.jobIn("Finished"));
    const again = await c.smc.call("CreateReplicationJob", {
      RegionId: "cn-hangzhou",
      SourceId: finished.SourceId,
      SystemDiskSize: 100,
    });
    expect(again.JobId).not.toBe(finished.JobId);
    expect(c.emulator.stats().highWater.unfinishedJobsPerSource).toBe(1);
  });

  it("keeps job names unique and checks every parameter range", async () => {
    await c.create({ Name: "unique-name" });
    await rejects(c.create({ Name: "unique-name" }), "ReplicationJobName.Duplicate", 400);
    await rejects(c.create({ SystemDiskSize: 19 }), "InvalidParameter", 400);
    await rejects(c.create({ SystemDiskSize: 501 }), "InvalidParameter", 400);
    await rejects(c.create({ SystemDiskSize: "big" }), "InvalidParameter", 400);
    await rejects(
      c.smc.call("CreateReplicationJob", { RegionId: "cn-hangzhou", SourceId: c.freshSource() }),
      "MissingParameter.SystemDiskSize",
      400,
    );
    await rejects(
      c.smc.call("CreateReplicationJob", { SourceId: c.freshSource(), SystemDiskSize: 40 }),
      "MissingParameter.RegionId",
      400,
    );
    await rejects(c.create({ Name: "http://x" }), "InvalidParameter", 400);
    await rejects(
      c.create({ "DataDisk.1.Index": 17, "DataDisk.1.Size": 20 }),
      "InvalidParameter",
      400,
    );
    await rejects(
      c.create({ "DataDisk.1.Index": 1, "DataDisk.1.Size": 32769 }),
      "InvalidParameter",
      400,
    );
    await rejects(
      c.create({ "DataDisk.1.Index": 2, "DataDisk.1.Size": 20 }),
      "ReplicationJobDataDiskIndex.Invalid",
      400,
    );
    await rejects(
      c.create({
        "DataDisk.1.Index": 1,
        "DataDisk.1.Size": 20,
        "DataDisk.2.Index": 1,
        "DataDisk.2.Size": 30,
      }),
      "DataDisk.DuplicateIndex",
      400,
    );
    await rejects(c.create({ NetMode: 2 }), "MissingParameter.VSwitchId", 400);
    await rejects(
      c.create({ NetMode: 2, VpcId: "vpc-abc", VSwitchId: "vsw-xyz1" }),
      "VSwitchIdVpcId.Mismatch",
      400,
    );
    await c.create({ NetMode: 2, VpcId: "vpc-abc", VSwitchId: "vsw-abc1" });
    await rejects(
      c.create({ RunOnce: false, MaxNumberOfImageToKeep: 2 }),
      "MissingParameter.Frequency",
      400,
    );
    await rejects(
      c.create({ RunOnce: false, Frequency: 169, MaxNumberOfImageToKeep: 2 }),
      "InvalidParameter",
      400,
    );
    await rejects(
      c.create({ RunOnce: false, Frequency: 12, MaxNumberOfImageToKeep: 11 }),
      "InvalidParameter",
      400,
    );
    await rejects(c.create({ ReplicationParameters: "{not json" }), "InvalidParameter", 400);
    await rejects(c.create({ TargetType: "Instance" }), "MissingParameter.InstanceId", 400);
    await rejects(c.create({ ClientToken: "x".repeat(65) }), "InvalidParameter", 400);
    const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
    const now = c.emulator.clock.now();
    await rejects(c.create({ ValidTime: iso(now + 6 * DAY) }), "InvalidParameter", 400);
    await rejects(c.create({ ValidTime: iso(now + 91 * DAY) }), "InvalidParameter", 400);
    await rejects(c.create({ ValidTime: "tomorrow" }), "InvalidParameter", 400);
    await rejects(c.create({ ScheduledStartTime: iso(now - HOUR) }), "InvalidParameter", 400);
    await rejects(c.create({ ScheduledStartTime: iso(now + 31 * DAY) }), "InvalidParameter", 400);
    const tags = Object.fromEntries(
      Array.from({ length: 21 }, (_, i) => [`Tag.${i + 1}.Key`, `k${i}`]),
    );
    await rejects(c.create(tags), "NumberExceed.Tags", 400);
    expect(c.emulator.stats().jobsCreated).toBe(2);
  });

  it("answers the same JobId for the same ClientToken, even after the job ran", async () => {
    const sourceId = c.freshSource();
    const params = {
      RegionId: "cn-hangzhou",
      SourceId: sourceId,
      SystemDiskSize: 100,
      ClientToken: "wave-1/web-01 #1",
    };
    const first = await c.smc.call("CreateReplicationJob", params);
    const again = await c.smc.call("CreateReplicationJob", params);
    expect(again.JobId).toBe(first.JobId);
    await c.smc.call("StartReplicationJob", { JobId: first.JobId });
    c.emulator.advanceClock(10 * MINUTE);
    expect((await c.smc.call("CreateReplicationJob", params)).JobId).toBe(first.JobId);
    c.emulator.advanceClock(DAY);
    expect((await c.job(first.JobId)).Status).toBe("Finished");
    expect((await c.smc.call("CreateReplicationJob", params)).JobId).toBe(first.JobId);
    const stats = c.emulator.stats();
    expect(stats.jobsCreated).toBe(1);
    expect(stats.idempotentReplays).toBe(3);
  });

  it("starts a job with a ScheduledStartTime by itself", async () => {
    const at = c.emulator.clock.now() + 2 * HOUR;
    const jobId = await c.create({
      ScheduledStartTime: `${new Date(at).toISOString().slice(0, 19)}Z`,
    });
    c.emulator.advanceClock(HOUR);
    expect((await c.job(jobId)).Status).toBe("Ready");
    c.emulator.advanceClock(HOUR + MINUTE);
    expect((await c.job(jobId)).Status).toBe("Running");
    c.emulator.advanceClock(DAY);
    const done = await c.job(jobId);
    expect(done.Status).toBe("Finished");
    expect(done.ReplicationJobRuns.ReplicationJobRun[0].Type).toBe("Schedule");
  });
});
