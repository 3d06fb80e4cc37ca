/**
 * The job quota and the running cap through the official pop-core client: exactly `quota` jobs,
 * one more rejected, a slot freed by a delete; Start refused past the running cap.
 */
import { describe, expect, it } from "vitest";
import { startEmulator } from "../src/emulator/startEmulator.ts";
import { CONFORMANCE_SOURCES } from "./emulatorConformance.ts";
import { type Body, popClient, rejects } from "./emulatorKit.ts";

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
    const local = await startEmulator({
      sourceList: CONFORMANCE_SOURCES.slice(0, 3),
      maxRunningJobs: 2,
    });
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
