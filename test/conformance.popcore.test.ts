/**
 * Conformance of the emulator, driven by Alibaba Cloud's official @alicloud/pop-core client over
 * real HTTP: every action, the error codes of the contract that can be provoked, and the rules of
 * sections 2–3 (quota, one unfinished job per source, state rules, ClientToken, tags, paging).
 * Emulated time is moved with the emulator's clock, so every state is reached exactly.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type RunningEmulator,
  type SourceSpec,
  startEmulator,
} from "../src/emulator/startEmulator.ts";
import { type Body, failure, popClient, rawCall, rejects } from "./emulatorKit.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const sourceList: SourceSpec[] = [
  ...Array.from({ length: 40 }, (_, i) => ({
    name: `src-${String(i + 1).padStart(2, "0")}`,
    systemDiskGiB: 100,
    dataDiskGiB: [50],
  })),
  { name: "offline-01", state: "Unavailable" as const, systemDiskGiB: 40 },
];

let emulator: RunningEmulator;
let smc: ReturnType<typeof popClient>;
let sourceIds: string[];
let offlineId: string;
let nextSource = 0;

beforeAll(async () => {
  emulator = await startEmulator({ sourceList, seed: 7 });
  smc = popClient(emulator);
});
afterAll(() => emulator.close());

beforeEach(async () => {
  emulator.reset();
  emulator.setFaults({ internalErrorRate: 0, throttlingRate: 0, jobErrorRate: 0, latencyMs: 0 });
  nextSource = 0;
  const all: Body[] = [];
  for (let page = 1; ; page++) {
    const answer = await smc.call("DescribeSourceServers", { PageSize: 50, PageNumber: page });
    all.push(...answer.SourceServers.SourceServer);
    if (all.length >= answer.TotalCount) break;
  }
  sourceIds = all.filter((s) => s.State === "Available").map((s) => s.SourceId);
  offlineId = all.find((s) => s.Name === "offline-01").SourceId;
});

function freshSource(): string {
  const id = sourceIds[nextSource++];
  if (!id) throw new Error("out of test sources");
  return id;
}

async function create(params: Record<string, string | number | boolean> = {}): Promise<string> {
  const answer = await smc.call("CreateReplicationJob", {
    RegionId: "cn-hangzhou",
    SourceId: freshSource(),
    SystemDiskSize: 100,
    ...params,
  });
  expect(answer.JobId).toMatch(/^j-[a-z0-9]{20}$/);
  return answer.JobId;
}

async function job(jobId: string): Promise<Body> {
  const answer = await smc.call("DescribeReplicationJobs", { "JobId.1": jobId });
  expect(answer.TotalCount).toBe(1);
  return answer.ReplicationJobs.ReplicationJob[0];
}

type State =
  | "Ready"
  | "Preparing"
  | "Syncing"
  | "Stopped"
  | "InError"
  | "Finished"
  | "Waiting"
  | "Expired";

/** A job on a fresh source, brought to `state` by moving emulated time. */
async function jobIn(state: State): Promise<string> {
  const jobId =
    state === "Waiting"
      ? await create({ RunOnce: false, Frequency: 168, MaxNumberOfImageToKeep: 2 })
      : state === "Expired"
        ? await create({
            ValidTime: `${new Date(emulator.clock.now() + 7 * DAY + HOUR).toISOString().slice(0, 19)}Z`,
          })
        : await create();
  if (state === "Ready") return jobId;
  if (state === "Expired") {
    emulator.advanceClock(7 * DAY + 2 * HOUR);
    expect((await job(jobId)).Status).toBe("Expired");
    return jobId;
  }
  if (state === "InError") emulator.setFaults({ jobErrorRate: 1 });
  await smc.call("StartReplicationJob", { JobId: jobId });
  if (state === "InError") emulator.setFaults({ jobErrorRate: 0 });
  // Preparing lasts 3–7 emulated minutes and Syncing of 100 GiB well over 50.
  emulator.advanceClock(
    state === "Preparing" ? MINUTE : state === "Syncing" || state === "Stopped" ? 10 * MINUTE : DAY,
  );
  if (state === "Stopped") await smc.call("StopReplicationJob", { JobId: jobId });
  const current = await job(jobId);
  const expected = state === "Preparing" || state === "Syncing" ? "Running" : state;
  expect(current.Status).toBe(expected);
  if (expected === "Running") expect(current.BusinessStatus).toBe(state);
  return jobId;
}

const STATES: State[] = [
  "Ready",
  "Preparing",
  "Syncing",
  "Stopped",
  "InError",
  "Finished",
  "Waiting",
  "Expired",
];

describe("source servers", () => {
  it("describes sources with the service's wrappers, filters and paging", async () => {
    const first = await smc.call("DescribeSourceServers", { PageSize: 2 });
    expect(first.TotalCount).toBe(41);
    expect(first.PageNumber).toBe(1);
    expect(first.PageSize).toBe(2);
    expect(first.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    const source = first.SourceServers.SourceServer[0];
    expect(source.SourceId).toMatch(/^s-[a-z0-9]{20}$/);
    expect(source.SystemDiskParts.SystemDiskPart.length).toBeGreaterThan(0);
    expect(source.DataDisks.DataDisk[0].Parts.Part[0].SizeBytes).toBeGreaterThan(0);
    const second = await smc.call("DescribeSourceServers", { PageSize: 2, PageNumber: 2 });
    expect(second.SourceServers.SourceServer[0].SourceId).not.toBe(source.SourceId);
    const byId = await smc.call("DescribeSourceServers", {
      "SourceId.1": sourceIds[3] ?? "",
      "SourceId.2": offlineId,
    });
    expect(byId.TotalCount).toBe(2);
    const offline = await smc.call("DescribeSourceServers", { State: "Unavailable" });
    expect(offline.SourceServers.SourceServer.map((s: Body) => s.ErrorCode)).toEqual([
      "SourceServer.Offline",
    ]);
    const byName = await smc.call("DescribeSourceServers", { Name: "src-05" });
    expect(byName.TotalCount).toBe(1);
  });

  it("rejects PageSize over 50, PageNumber 0 and more than 50 SourceId.N", async () => {
    await rejects(smc.call("DescribeSourceServers", { PageSize: 51 }), "InvalidParameter", 400);
    await rejects(smc.call("DescribeSourceServers", { PageNumber: 0 }), "InvalidParameter", 400);
    await rejects(
      smc.call("DescribeSourceServers", { State: "Sleeping" }),
      "InvalidParameter",
      400,
    );
    const ids = Object.fromEntries(
      Array.from({ length: 51 }, (_, i) => [`SourceId.${i + 1}`, `s-${i}`]),
    );
    await rejects(smc.call("DescribeSourceServers", ids), "InvalidParameter", 400);
  });

  it("modifies name and description, keeping names unique", async () => {
    const [a = "", b = ""] = sourceIds;
    await smc.call("ModifySourceServerAttribute", {
      SourceId: a,
      Name: "renamed-01",
      Description: "moved to rack 4",
    });
    const described = await smc.call("DescribeSourceServers", { "SourceId.1": a });
    expect(described.SourceServers.SourceServer[0]).toMatchObject({
      Name: "renamed-01",
      Description: "moved to rack 4",
    });
    await rejects(
      smc.call("ModifySourceServerAttribute", { SourceId: b, Name: "renamed-01" }),
      "SourceServerName.Duplicate",
      400,
    );
    await rejects(
      smc.call("ModifySourceServerAttribute", { SourceId: b, Name: "1-starts-with-digit" }),
      "InvalidParameter",
      400,
    );
    await rejects(
      smc.call("ModifySourceServerAttribute", { Name: "x-y" }),
      "MissingParameter.SourceId",
      400,
    );
    await rejects(
      smc.call("ModifySourceServerAttribute", { SourceId: "s-nothere", Name: "abc" }),
      "InvalidSourceId.NotFound",
      404,
    );
  });

  it("deletes a source: refused with a running job, needs Force with others, Force deletes them", async () => {
    const running = await jobIn("Syncing");
    const runningSource = (await job(running)).SourceId;
    await rejects(
      smc.call("DeleteSourceServer", { SourceId: runningSource, Force: true }),
      "SourceServer.WithRunningReplicationJob",
      400,
    );

    const ready = await jobIn("Ready");
    const readySource = (await job(ready)).SourceId;
    await rejects(
      smc.call("DeleteSourceServer", { SourceId: readySource }),
      "ReplicationJob.Related",
      400,
    );
    await smc.call("DeleteSourceServer", { SourceId: readySource, Force: true });
    expect((await smc.call("DescribeReplicationJobs", { "JobId.1": ready })).TotalCount).toBe(0);
    expect(
      (await smc.call("DescribeSourceServers", { "SourceId.1": readySource })).TotalCount,
    ).toBe(0);

    const lonely = freshSource();
    await smc.call("DeleteSourceServer", { SourceId: lonely });
    await rejects(
      smc.call("DeleteSourceServer", { SourceId: lonely }),
      "InvalidSourceId.NotFound",
      404,
    );
    expect(emulator.stats().jobsDeleted).toBe(1);
  });

  it("answers SourceServerState.Invalid for a source being deleted", async () => {
    const id = freshSource();
    await fetch(`${emulator.url}/_emulator/sources/${id}/state`, {
      method: "POST",
      body: JSON.stringify({ state: "Deleting" }),
    });
    await rejects(
      smc.call("DeleteSourceServer", { SourceId: id }),
      "SourceServerState.Invalid",
      400,
    );
    await rejects(
      smc.call("ModifySourceServerAttribute", { SourceId: id, Name: "abc" }),
      "SourceServerState.Invalid",
      400,
    );
  });
});

describe("creating replication jobs", () => {
  it("creates a Ready job with the defaults of the reference", async () => {
    const now = emulator.clock.now();
    const jobId = await create({
      Name: "wave1-web",
      ImageName: "img-web",
      "DataDisk.1.Index": 1,
      "DataDisk.1.Size": 60,
    });
    const created = await job(jobId);
    expect(created).toMatchObject({
      Status: "Ready",
      BusinessStatus: "",
      Progress: 0,
      RunOnce: true,
      TargetType: "Image",
    });
    expect(created.DataDisks.DataDisk).toEqual([{ Index: 1, Size: 60, Parts: { Part: [] } }]);
    expect(Date.parse(created.ValidTime) - Date.parse(created.CreationTime)).toBe(30 * DAY);
    expect(Math.abs(Date.parse(created.CreationTime) - now)).toBeLessThan(5000);
    const source = await smc.call("DescribeSourceServers", { "SourceId.1": created.SourceId });
    expect(source.SourceServers.SourceServer[0]).toMatchObject({
      JobId: jobId,
      State: "Available",
    });
  });

  it("creates only for Available sources and one unfinished job per source", async () => {
    await rejects(
      smc.call("CreateReplicationJob", {
        RegionId: "cn-hangzhou",
        SourceId: offlineId,
        SystemDiskSize: 40,
      }),
      "SourceServerState.Invalid",
      400,
    );
    for (const state of ["Ready", "Syncing", "Stopped", "InError", "Waiting", "Expired"] as const) {
      const sourceId = (await job(await jobIn(state))).SourceId;
      await rejects(
        smc.call("CreateReplicationJob", {
          RegionId: "cn-hangzhou",
          SourceId: sourceId,
          SystemDiskSize: 100,
        }),
        "SourceServerState.Invalid",
        400,
      );
    }
    const finished = await job(await jobIn("Finished"));
    const again = await smc.call("CreateReplicationJob", {
      RegionId: "cn-hangzhou",
      SourceId: finished.SourceId,
      SystemDiskSize: 100,
    });
    expect(again.JobId).not.toBe(finished.JobId);
    expect(emulator.stats().highWater.unfinishedJobsPerSource).toBe(1);
  });

  it("keeps job names unique and checks every parameter range", async () => {
    await create({ Name: "unique-name" });
    await rejects(create({ Name: "unique-name" }), "ReplicationJobName.Duplicate", 400);
    await rejects(create({ SystemDiskSize: 19 }), "InvalidParameter", 400);
    await rejects(create({ SystemDiskSize: 501 }), "InvalidParameter", 400);
    await rejects(create({ SystemDiskSize: "big" }), "InvalidParameter", 400);
    await rejects(
      smc.call("CreateReplicationJob", { RegionId: "cn-hangzhou", SourceId: freshSource() }),
      "MissingParameter.SystemDiskSize",
      400,
    );
    await rejects(
      smc.call("CreateReplicationJob", { SourceId: freshSource(), SystemDiskSize: 40 }),
      "MissingParameter.RegionId",
      400,
    );
    await rejects(create({ Name: "http://x" }), "InvalidParameter", 400);
    await rejects(
      create({ "DataDisk.1.Index": 17, "DataDisk.1.Size": 20 }),
      "InvalidParameter",
      400,
    );
    await rejects(
      create({ "DataDisk.1.Index": 1, "DataDisk.1.Size": 32769 }),
      "InvalidParameter",
      400,
    );
    await rejects(
      create({ "DataDisk.1.Index": 2, "DataDisk.1.Size": 20 }),
      "ReplicationJobDataDiskIndex.Invalid",
      400,
    );
    await rejects(
      create({
        "DataDisk.1.Index": 1,
        "DataDisk.1.Size": 20,
        "DataDisk.2.Index": 1,
        "DataDisk.2.Size": 30,
      }),
      "DataDisk.DuplicateIndex",
      400,
    );
    await rejects(create({ NetMode: 2 }), "MissingParameter.VSwitchId", 400);
    await rejects(
      create({ NetMode: 2, VpcId: "vpc-abc", VSwitchId: "vsw-xyz1" }),
      "VSwitchIdVpcId.Mismatch",
      400,
    );
    await create({ NetMode: 2, VpcId: "vpc-abc", VSwitchId: "vsw-abc1" });
    await rejects(
      create({ RunOnce: false, MaxNumberOfImageToKeep: 2 }),
      "MissingParameter.Frequency",
      400,
    );
    await rejects(
      create({ RunOnce: false, Frequency: 169, MaxNumberOfImageToKeep: 2 }),
      "InvalidParameter",
      400,
    );
    await rejects(
      create({ RunOnce: false, Frequency: 12, MaxNumberOfImageToKeep: 11 }),
      "InvalidParameter",
      400,
    );
    await rejects(create({ ReplicationParameters: "{not json" }), "InvalidParameter", 400);
    await rejects(create({ TargetType: "Instance" }), "MissingParameter.InstanceId", 400);
    await rejects(create({ ClientToken: "x".repeat(65) }), "InvalidParameter", 400);
    const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
    const now = emulator.clock.now();
    await rejects(create({ ValidTime: iso(now + 6 * DAY) }), "InvalidParameter", 400);
    await rejects(create({ ValidTime: iso(now + 91 * DAY) }), "InvalidParameter", 400);
    await rejects(create({ ValidTime: "tomorrow" }), "InvalidParameter", 400);
    await rejects(create({ ScheduledStartTime: iso(now - HOUR) }), "InvalidParameter", 400);
    await rejects(create({ ScheduledStartTime: iso(now + 31 * DAY) }), "InvalidParameter", 400);
    const tags = Object.fromEntries(
      Array.from({ length: 21 }, (_, i) => [`Tag.${i + 1}.Key`, `k${i}`]),
    );
    await rejects(create(tags), "NumberExceed.Tags", 400);
    expect(emulator.stats().jobsCreated).toBe(2);
  });

  it("answers the same JobId for the same ClientToken, even after the job ran", async () => {
    const sourceId = freshSource();
    const params = {
      RegionId: "cn-hangzhou",
      SourceId: sourceId,
      SystemDiskSize: 100,
      ClientToken: "wave-1/web-01 #1",
    };
    const first = await smc.call("CreateReplicationJob", params);
    const again = await smc.call("CreateReplicationJob", params);
    expect(again.JobId).toBe(first.JobId);
    await smc.call("StartReplicationJob", { JobId: first.JobId });
    emulator.advanceClock(10 * MINUTE);
    expect((await smc.call("CreateReplicationJob", params)).JobId).toBe(first.JobId);
    emulator.advanceClock(DAY);
    expect((await job(first.JobId)).Status).toBe("Finished");
    expect((await smc.call("CreateReplicationJob", params)).JobId).toBe(first.JobId);
    const stats = emulator.stats();
    expect(stats.jobsCreated).toBe(1);
    expect(stats.idempotentReplays).toBe(3);
  });

  it("starts a job with a ScheduledStartTime by itself", async () => {
    const at = emulator.clock.now() + 2 * HOUR;
    const jobId = await create({
      ScheduledStartTime: `${new Date(at).toISOString().slice(0, 19)}Z`,
    });
    emulator.advanceClock(HOUR);
    expect((await job(jobId)).Status).toBe("Ready");
    emulator.advanceClock(HOUR + MINUTE);
    expect((await job(jobId)).Status).toBe("Running");
    emulator.advanceClock(DAY);
    const done = await job(jobId);
    expect(done.Status).toBe("Finished");
    expect(done.ReplicationJobRuns.ReplicationJobRun[0].Type).toBe("Schedule");
  });
});

describe("the job quota", () => {
  it("accepts exactly `quota` existing jobs, rejects one more, and frees a slot on delete", async () => {
    const local = await startEmulator({ sources: 101, seed: 3 });
    try {
      const client = popClient(local);
      const ids: string[] = [];
      for (let page = 1; page <= 3; page++) {
        const answer = await client.call("DescribeSourceServers", {
          PageSize: 50,
          PageNumber: page,
        });
        ids.push(...answer.SourceServers.SourceServer.map((s: Body) => s.SourceId));
      }
      expect(ids).toHaveLength(101);
      const jobs: string[] = [];
      for (const sourceId of ids.slice(0, 100)) {
        jobs.push(
          (
            await client.call("CreateReplicationJob", {
              RegionId: "cn-hangzhou",
              SourceId: sourceId,
              SystemDiskSize: 500,
            })
          ).JobId,
        );
      }
      const over = await rejects(
        client.call("CreateReplicationJob", {
          RegionId: "cn-hangzhou",
          SourceId: ids[100] ?? "",
          SystemDiskSize: 500,
        }),
        "QuotaExceeded.ReplicationJob",
        400,
      );
      expect(over.message).toBe(
        "The maximum number of replication jobs is exceeded. Please submit a ticket to raise the quota.",
      );
      await client.call("DeleteReplicationJob", { JobId: jobs[0] ?? "" });
      await client.call("CreateReplicationJob", {
        RegionId: "cn-hangzhou",
        SourceId: ids[100] ?? "",
        SystemDiskSize: 500,
      });
      const stats = local.stats();
      expect(stats).toMatchObject({ jobsCreated: 101, jobsDeleted: 1, quotaRejections: 1 });
      expect(stats.highWater.existingJobs).toBe(100);
    } finally {
      await local.close();
    }
  });

  it("caps running jobs when a running cap is set", async () => {
    const local = await startEmulator({ sourceList: sourceList.slice(0, 3), maxRunningJobs: 2 });
    try {
      const client = popClient(local);
      const sources = (await client.call("DescribeSourceServers", {})).SourceServers.SourceServer;
      const jobIds: string[] = [];
      for (const source of sources) {
        jobIds.push(
          (
            await client.call("CreateReplicationJob", {
              RegionId: "cn-hangzhou",
              SourceId: source.SourceId,
              SystemDiskSize: 100,
            })
          ).JobId,
        );
      }
      await client.call("StartReplicationJob", { JobId: jobIds[0] ?? "" });
      await client.call("StartReplicationJob", { JobId: jobIds[1] ?? "" });
      await rejects(
        client.call("StartReplicationJob", { JobId: jobIds[2] ?? "" }),
        "QuotaExceeded.ReplicationJob",
        400,
      );
      expect(local.stats()).toMatchObject({
        runningCapRejections: 1,
        highWater: { runningJobs: 2 },
      });
    } finally {
      await local.close();
    }
  });
});

describe("state rules of Start, Stop, Delete and Modify (rules 4, 5, 8)", () => {
  const startable = new Set<State>(["Ready", "Stopped", "InError"]);
  it.each(STATES)("from %s", async (state) => {
    const jobId = await jobIn(state);
    // Modify: Name and Description any time.
    await smc.call("ModifyReplicationJobAttribute", {
      JobId: jobId,
      Name: `renamed-${state}`,
      Description: "still here",
    });
    expect((await job(jobId)).Name).toBe(`renamed-${state}`);
    // Frequency only before the first run or while Waiting; other fields only before the first run.
    const frequency = smc.call("ModifyReplicationJobAttribute", { JobId: jobId, Frequency: 24 });
    if (state === "Ready" || state === "Waiting") await frequency;
    else await rejects(frequency, "ReplicationJob.InvalidStatus", 400);
    const disk = smc.call("ModifyReplicationJobAttribute", { JobId: jobId, SystemDiskSize: 120 });
    if (state === "Ready") await disk;
    else await rejects(disk, "ReplicationJob.InvalidStatus", 400);
    const validTime = `${new Date(Date.parse((await job(jobId)).CreationTime) + 60 * DAY).toISOString().slice(0, 19)}Z`;
    const valid = smc.call("ModifyReplicationJobAttribute", { JobId: jobId, ValidTime: validTime });
    if (["Ready", "Preparing", "Syncing", "Stopped", "InError", "Waiting"].includes(state))
      await valid;
    else await rejects(valid, "ReplicationJob.InvalidStatus", 400);

    const stop = smc.call("StopReplicationJob", { JobId: jobId });
    if (state === "Syncing") await stop;
    else await rejects(stop, "ReplicationJob.InvalidStatus", 400);

    const start = smc.call("StartReplicationJob", { JobId: jobId });
    if (startable.has(state) || state === "Syncing")
      await start; // Syncing was just stopped above
    else await rejects(start, "ReplicationJob.InvalidStatus", 400);
    const status = (await job(jobId)).Status;
    if (status === "Running") emulator.advanceClock(DAY);

    const afterStart = (await job(jobId)).Status;
    const del = smc.call("DeleteReplicationJob", { JobId: jobId });
    if (afterStart === "Running") await rejects(del, "ReplicationJob.InvalidStatus", 400);
    else await del;
    const left = await smc.call("DescribeReplicationJobs", { "JobId.1": jobId });
    expect(left.TotalCount).toBe(afterStart === "Running" ? 1 : 0);
  });

  it("refuses to delete a Running job, then deletes it once stopped", async () => {
    const jobId = await jobIn("Preparing");
    await rejects(
      smc.call("DeleteReplicationJob", { JobId: jobId }),
      "ReplicationJob.InvalidStatus",
      400,
    );
    emulator.advanceClock(10 * MINUTE);
    await smc.call("StopReplicationJob", { JobId: jobId });
    await smc.call("DeleteReplicationJob", { JobId: jobId });
    await rejects(smc.call("DeleteReplicationJob", { JobId: jobId }), "InvalidJobId.NotFound", 404);
  });

  it("refuses to start a job whose source went offline", async () => {
    const jobId = await jobIn("Ready");
    const sourceId = (await job(jobId)).SourceId;
    await fetch(`${emulator.url}/_emulator/sources/${sourceId}/state`, {
      method: "POST",
      body: JSON.stringify({ state: "Unavailable" }),
    });
    await rejects(
      smc.call("StartReplicationJob", { JobId: jobId }),
      "SourceServerState.Invalid",
      400,
    );
  });

  it("checks data disks on modify and keeps names unique", async () => {
    const a = await jobIn("Ready");
    await create({ Name: "taken" });
    await rejects(
      smc.call("ModifyReplicationJobAttribute", { JobId: a, Name: "taken" }),
      "ReplicationJobName.Duplicate",
      400,
    );
    await rejects(
      smc.call("ModifyReplicationJobAttribute", {
        JobId: a,
        "DataDisk.1.Index": 3,
        "DataDisk.1.Size": 20,
      }),
      "ReplicationJobDataDiskIndex.Invalid",
      400,
    );
    await rejects(
      smc.call("ModifyReplicationJobAttribute", {
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
      smc.call("ModifyReplicationJobAttribute", { Name: "abc" }),
      "MissingParameter.JobId",
      400,
    );
    await rejects(
      smc.call("StartReplicationJob", { JobId: "j-missing" }),
      "InvalidJobId.NotFound",
      404,
    );
  });
});

describe("describing replication jobs", () => {
  it("filters, pages newest first and limits JobId.N to 50", async () => {
    const ids = [
      await create({ Name: "a-1" }),
      await create({ Name: "a-2" }),
      await create({ Name: "a-3" }),
    ];
    await smc.call("StartReplicationJob", { JobId: ids[0] ?? "" });
    const all = await smc.call("DescribeReplicationJobs", { PageSize: 2 });
    expect(all.TotalCount).toBe(3);
    expect(all.ReplicationJobs.ReplicationJob.map((j: Body) => j.Name)).toEqual(["a-3", "a-2"]);
    const second = await smc.call("DescribeReplicationJobs", { PageSize: 2, PageNumber: 2 });
    expect(second.ReplicationJobs.ReplicationJob.map((j: Body) => j.Name)).toEqual(["a-1"]);
    expect((await smc.call("DescribeReplicationJobs", { Status: "Running" })).TotalCount).toBe(1);
    expect(
      (await smc.call("DescribeReplicationJobs", { BusinessStatus: "Preparing" })).TotalCount,
    ).toBe(1);
    expect((await smc.call("DescribeReplicationJobs", { Name: "a-2" })).TotalCount).toBe(1);
    expect((await smc.call("DescribeReplicationJobs", { RegionId: "cn-beijing" })).TotalCount).toBe(
      0,
    );
    const source = (await job(ids[1] ?? "")).SourceId;
    expect((await smc.call("DescribeReplicationJobs", { "SourceId.1": source })).TotalCount).toBe(
      1,
    );
    const many = Object.fromEntries(
      Array.from({ length: 51 }, (_, i) => [`JobId.${i + 1}`, `j-${i}`]),
    );
    await rejects(smc.call("DescribeReplicationJobs", many), "InvalidParameter", 400);
    await rejects(smc.call("DescribeReplicationJobs", { PageSize: 0 }), "InvalidParameter", 400);
    await rejects(smc.call("DescribeReplicationJobs", { Status: "Done" }), "InvalidParameter", 400);
  });
});

describe("tags", () => {
  it("tags, lists with NextToken paging and untags", async () => {
    const ids = sourceIds.slice(0, 30);
    const resources = Object.fromEntries(ids.map((id, i) => [`ResourceId.${i + 1}`, id]));
    await smc.call("TagResources", {
      ResourceType: "sourceserver",
      ...resources,
      "Tag.1.Key": "wave",
      "Tag.1.Value": "1",
      "Tag.2.Key": "env",
      "Tag.2.Value": "",
    });
    const first = await smc.call("ListTagResources", { ResourceType: "sourceserver" });
    expect(first.TagResources.TagResource).toHaveLength(50);
    expect(first.TagResources.TagResource[0]).toMatchObject({
      ResourceType: "ALIYUN::SMC::SOURCESERVER",
      TagKey: "wave",
      TagValue: "1",
    });
    expect(first.NextToken).not.toBe("");
    const second = await smc.call("ListTagResources", {
      ResourceType: "sourceserver",
      NextToken: first.NextToken,
    });
    expect(second.TagResources.TagResource).toHaveLength(10);
    expect(second.NextToken).toBe("");
    const filtered = await smc.call("ListTagResources", {
      ResourceType: "sourceserver",
      "Tag.1.Key": "wave",
      "Tag.1.Value": "1",
      "ResourceId.1": ids[0] ?? "",
    });
    expect(filtered.TagResources.TagResource).toEqual([
      {
        ResourceId: ids[0],
        ResourceType: "ALIYUN::SMC::SOURCESERVER",
        TagKey: "wave",
        TagValue: "1",
      },
    ]);
    await rejects(
      smc.call("ListTagResources", { ResourceType: "sourceserver", "Tag.1.Value": "1" }),
      "InvalidParameter.TagValue",
      400,
    );
    await rejects(
      smc.call("ListTagResources", { ResourceType: "sourceserver", NextToken: "feedface" }),
      "InvalidParameter",
      400,
    );

    await smc.call("UntagResources", {
      ResourceType: "sourceserver",
      "ResourceId.1": ids[0] ?? "",
      "TagKey.1": "wave",
    });
    await smc.call("UntagResources", {
      ResourceType: "sourceserver",
      "ResourceId.1": ids[1] ?? "",
      All: true,
    });
    const left = await smc.call("ListTagResources", {
      ResourceType: "sourceserver",
      "ResourceId.1": ids[0] ?? "",
      "ResourceId.2": ids[1] ?? "",
    });
    expect(left.TagResources.TagResource).toEqual([
      {
        ResourceId: ids[0],
        ResourceType: "ALIYUN::SMC::SOURCESERVER",
        TagKey: "env",
        TagValue: "",
      },
    ]);

    const jobId = await create({ "Tag.1.Key": "owner", "Tag.1.Value": "team-a" });
    const jobTags = await smc.call("ListTagResources", { ResourceType: "replicationjob" });
    expect(jobTags.TagResources.TagResource).toEqual([
      {
        ResourceId: jobId,
        ResourceType: "ALIYUN::SMC::REPLICATIONJOB",
        TagKey: "owner",
        TagValue: "team-a",
      },
    ]);
  });

  it("answers every tag error code", async () => {
    const id = sourceIds[0] ?? "";
    const tags = (from: number, count: number) =>
      Object.fromEntries(
        Array.from({ length: count }, (_, i) => [`Tag.${i + 1}.Key`, `key-${from + i}`]),
      );
    await smc.call("TagResources", {
      ResourceType: "sourceserver",
      "ResourceId.1": id,
      ...tags(0, 15),
    });
    await rejects(
      smc.call("TagResources", {
        ResourceType: "sourceserver",
        "ResourceId.1": id,
        ...tags(100, 6),
      }),
      "NumberExceed.Tags",
      400,
    );
    await smc.call("TagResources", {
      ResourceType: "sourceserver",
      "ResourceId.1": id,
      ...tags(100, 5),
    });
    await rejects(
      smc.call("TagResources", {
        ResourceType: "sourceserver",
        "ResourceId.1": sourceIds[1] ?? "",
        ...tags(0, 21),
      }),
      "NumberExceed.Tags",
      400,
    );
    await rejects(
      smc.call("UntagResources", {
        ResourceType: "sourceserver",
        "ResourceId.1": id,
        ...Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`TagKey.${i + 1}`, `k${i}`])),
      }),
      "NumberExceed.Tags",
      400,
    );
    const fiftyOne = Object.fromEntries(
      Array.from({ length: 51 }, (_, i) => [`ResourceId.${i + 1}`, sourceIds[i % 40] ?? ""]),
    );
    await rejects(
      smc.call("TagResources", { ResourceType: "sourceserver", ...fiftyOne, "Tag.1.Key": "k" }),
      "NumberExceed.ResourceIds",
      400,
    );
    await rejects(
      smc.call("TagResources", {
        ResourceType: "sourceserver",
        "ResourceId.1": id,
        "ResourceId.2": id,
        "Tag.1.Key": "k",
      }),
      "Duplicate.ResourceId",
      400,
    );
    await rejects(
      smc.call("TagResources", {
        ResourceType: "sourceserver",
        "ResourceId.1": "s-nothere",
        "Tag.1.Key": "k",
      }),
      "InvalidResourceId.NotFound",
      400,
    );
    await rejects(
      smc.call("TagResources", { "ResourceId.1": id, "Tag.1.Key": "k" }),
      "MissingParameter.ResourceType",
      400,
    );
    await rejects(
      smc.call("TagResources", { ResourceType: "instance", "ResourceId.1": id, "Tag.1.Key": "k" }),
      "InvalidResourceType.NotFound",
      400,
    );
    await rejects(smc.call("ListTagResources", {}), "MissingParameter.ResourceType", 400);
    await rejects(
      smc.call("UntagResources", { ResourceType: "nothing", "ResourceId.1": id }),
      "InvalidResourceType.NotFound",
      400,
    );
    await rejects(
      smc.call("TagResources", {
        ResourceType: "sourceserver",
        "ResourceId.1": id,
        "Tag.1.Key": "aliyun-x",
      }),
      "InvalidParameter",
      400,
    );
    await rejects(
      smc.call("TagResources", {
        ResourceType: "replicationjob",
        "ResourceId.1": id,
        "Tag.1.Key": "k",
      }),
      "InvalidResourceId.NotFound",
      400,
    );
  });
});

describe("gateway errors and faults through pop-core", () => {
  it("rejects a wrong secret with the server's StringToSign, unknown keys, versions and actions", async () => {
    const bad = await rejects(
      popClient(emulator, { accessKeySecret: "wrong" }).call("DescribeSourceServers"),
      "SignatureDoesNotMatch",
      400,
    );
    expect(bad.message).toMatch(
      /^Specified signature is not matched with our calculation\. server string to sign is:POST&%2F&AccessKeyId%3Demulator-id%26Action%3DDescribeSourceServers/,
    );
    expect(bad.message).not.toContain("emulator-secret");
    await rejects(
      popClient(emulator, { accessKeyId: "nobody" }).call("DescribeSourceServers"),
      "InvalidAccessKeyId.NotFound",
      404,
    );
    await rejects(
      popClient(emulator, { apiVersion: "2014-05-26" }).call("DescribeSourceServers"),
      "InvalidVersion",
      400,
    );
    await rejects(smc.call("DescribeRegions"), "InvalidAction.NotFound", 404);
  });

  it("accepts STS credentials with their token only", async () => {
    const sts = await startEmulator({
      extraCredentials: [
        {
          accessKeyId: "STS.temp-id",
          accessKeySecret: "temp-secret",
          securityToken: "CAIS+tok/en==",
        },
      ],
    });
    try {
      const good = popClient(sts, {
        accessKeyId: "STS.temp-id",
        accessKeySecret: "temp-secret",
        securityToken: "CAIS+tok/en==",
      });
      expect((await good.call("DescribeSourceServers")).TotalCount).toBe(0);
      const missing = popClient(sts, {
        accessKeyId: "STS.temp-id",
        accessKeySecret: "temp-secret",
      });
      await rejects(missing.call("DescribeSourceServers"), "MissingParameter", 400);
      const wrong = popClient(sts, {
        accessKeyId: "STS.temp-id",
        accessKeySecret: "temp-secret",
        securityToken: "other",
      });
      const caught = await rejects(wrong.call("DescribeSourceServers"), "InvalidParameter", 400);
      expect(caught.message).not.toContain("other");
    } finally {
      await sts.close();
    }
  });

  it("spells the injected internal error per action and throttles", async () => {
    emulator.setFaults({ internalErrorRate: 1, internalErrorAfterEffectShare: 0 });
    await rejects(create(), "InternalServerError", 500);
    await rejects(
      smc.call("ModifyReplicationJobAttribute", { JobId: "j-x", Name: "abc" }),
      "InternalError",
      500,
    );
    await rejects(smc.call("DescribeReplicationJobs"), "InternalError", 500);
    emulator.setFaults({ internalErrorRate: 0, throttlingRate: 1 });
    const throttled = await rejects(smc.call("DescribeSourceServers"), "Throttling.User", 400);
    expect(throttled.message).toBe("Request was denied due to user flow control.");
    emulator.setFaults({ throttlingRate: 0 });
    expect(emulator.stats().jobsCreated).toBe(0);
    expect(emulator.stats().actions.CreateReplicationJob?.errors).toEqual({
      InternalServerError: 1,
    });
  });

  it("keeps the work of an after-effect 500, and a ClientToken retry finds it", async () => {
    emulator.setFaults({ internalErrorRate: 1, internalErrorAfterEffectShare: 1 });
    const params = {
      RegionId: "cn-hangzhou",
      SourceId: freshSource(),
      SystemDiskSize: 100,
      ClientToken: "retry-me",
    };
    await rejects(smc.call("CreateReplicationJob", params), "InternalServerError", 500);
    emulator.setFaults({ internalErrorRate: 0 });
    const retried = await smc.call("CreateReplicationJob", params);
    expect((await job(retried.JobId)).Status).toBe("Ready");
    expect(emulator.stats()).toMatchObject({ jobsCreated: 1, idempotentReplays: 1 });
  });

  it("answers Format=xml in the service's XML (signed by hand: pop-core reads JSON only)", async () => {
    const ok = await rawCall(emulator, "DescribeSourceServers", { Format: "XML", PageSize: 1 });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("xml");
    expect(ok.text).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?><DescribeSourceServersResponse><RequestId>[0-9A-F-]{36}<\/RequestId><SourceServers><SourceServer><SourceId>s-/,
    );
    expect(ok.text).toContain("<SystemDiskParts><SystemDiskPart><Path>");
    expect(ok.text).toContain("<TotalCount>41</TotalCount>");
    const error = await rawCall(emulator, "StartReplicationJob", {
      Format: "xml",
      JobId: "j-none",
    });
    expect(error.status).toBe(404);
    expect(error.text).toMatch(
      /<Error><RequestId>[0-9A-F-]{36}<\/RequestId><HostId>smc\.aliyuncs\.com<\/HostId><Code>InvalidJobId\.NotFound<\/Code><Message>[^<]+<\/Message><Recommend>[^<]+<\/Recommend><\/Error>$/,
    );
    const caught = await failure(smc.call("StartReplicationJob", { JobId: "j-none" }));
    expect(caught.body.Recommend).toContain("InvalidJobId.NotFound");
  });
});
