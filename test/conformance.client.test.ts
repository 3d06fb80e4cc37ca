/**
 * Our SmcClient against the SMC emulator over real HTTP: every job and source action, and the rules
 * an orchestrator relies on (quota at the limit and one past it, one unfinished job per source,
 * Start/Stop/Delete/Modify by state, ClientToken retries, paging). Tags and the gateway's errors are
 * in conformance.clientTags.test.ts. Time moves by `advanceClock` on the emulator, never by sleeping.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Clock } from "../src/platform/clock.ts";
import { withRetry } from "../src/smc/retry.ts";
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
const setup = clients.setup.bind(clients);
afterEach(() => clients.closeAll());

describe.each(["POST", "GET"] as const)("client conformance over %s", (method) => {
  it("describes sources with paging, filters and unwrapped disks", async () => {
    const { smc } = await setup(
      { sources: 9, sourceList: [small(1), small(2, { state: "Unavailable" }), small(3)] },
      method,
    );
    const first = await smc.describeSourceServers({ pageNumber: 1, pageSize: 5 });
    expect(first.totalCount).toBe(12);
    expect(first.items).toHaveLength(5);
    expect(first.requestId).not.toBe("");
    const third = await smc.describeSourceServers({ pageNumber: 3, pageSize: 5 });
    expect(third.items).toHaveLength(2);

    const all = await smc.describeAllSourceServers();
    expect(new Set(all.map((s) => s.sourceId)).size).toBe(12);
    for (const source of all) {
      expect(source.sourceId).toMatch(/^s-[a-z0-9]{20}$/);
      expect(source.systemDiskSize).toBeGreaterThanOrEqual(20);
      expect(source.systemDiskParts.length).toBeGreaterThanOrEqual(1);
      expect(source.systemDiskParts[0]?.sizeBytes).toBeGreaterThan(0);
    }
    const withDisks = all.find((s) => s.dataDisks.length > 0);
    expect(withDisks?.dataDisks[0]?.parts.length).toBeGreaterThan(0);

    const picked = await smc.describeSourceServers({ sourceIds: [sourceId(1), sourceId(3)] });
    expect(picked.items.map((s) => s.sourceId).sort()).toEqual([sourceId(1), sourceId(3)]);
    const unavailable = await smc.describeSourceServers({ state: "Unavailable" });
    expect(unavailable.items.map((s) => s.sourceId)).toContain(sourceId(2));
  });

  it("runs a job's whole life: create, start, stop while Syncing, resume, finish", async () => {
    const { emulator, smc } = await setup({}, method);
    const { jobId, requestId } = await create(smc, 1, { name: "job-one" });
    expect(jobId).toMatch(/^j-/);
    expect(requestId).not.toBe("");

    const ready = await job(smc, jobId);
    expect(ready).toMatchObject({
      status: "Ready",
      sourceId: sourceId(1),
      name: "job-one",
      systemDiskSize: 40,
      runOnce: true,
      regionId: "cn-hangzhou",
    });
    // Stop and a second Start are refused outside their states.
    await rejection(smc.stopReplicationJob({ jobId }), "conflict", "ReplicationJob.InvalidStatus");

    await smc.startReplicationJob({ jobId });
    const started = await job(smc, jobId);
    expect(started.status).toBe("Running");
    await rejection(smc.startReplicationJob({ jobId }), "conflict", "ReplicationJob.InvalidStatus");
    await rejection(
      smc.deleteReplicationJob({ jobId }),
      "conflict",
      "ReplicationJob.InvalidStatus",
    );
    const [source] = (await smc.describeSourceServers({ sourceIds: [sourceId(1)] })).items;
    expect(source?.state).toBe("InUse");

    await advanceUntil(emulator, smc, jobId, (j) => j.businessStatus === "Syncing");
    await smc.stopReplicationJob({ jobId });
    expect((await job(smc, jobId)).status).toBe("Stopped");
    await smc.startReplicationJob({ jobId });

    const finished = await advanceUntil(emulator, smc, jobId, (j) => j.status === "Finished");
    expect(finished.progress).toBe(100);
    expect(finished.imageId).toMatch(/^m-/);
    expect(finished.endTime).not.toBe("");
    await rejection(smc.startReplicationJob({ jobId }), "conflict", "ReplicationJob.InvalidStatus");
    await rejection(smc.stopReplicationJob({ jobId }), "conflict", "ReplicationJob.InvalidStatus");
    const [after] = (await smc.describeSourceServers({ sourceIds: [sourceId(1)] })).items;
    expect(after?.state).toBe("Available");

    // A Finished job does not block a new one for the same source; deleting works from Finished.
    const second = await create(smc, 1);
    await smc.deleteReplicationJob({ jobId });
    await smc.deleteReplicationJob({ jobId: second.jobId });
    expect((await smc.describeReplicationJobs({ jobIds: [jobId, second.jobId] })).items).toEqual(
      [],
    );
  });
});

describe("client conformance: rules", () => {
  it("admits jobs exactly up to the quota, rejects one past it, and frees a slot on delete", async () => {
    const { smc } = await setup({ quota: 2 });
    const a = await create(smc, 1);
    await create(smc, 2);
    const error = await rejection(create(smc, 3), "quota", "QuotaExceeded.ReplicationJob");
    expect(error.httpStatus).toBe(400);
    await smc.deleteReplicationJob({ jobId: a.jobId });
    await create(smc, 3);
  });

  it("refuses a second unfinished job for a source, and jobs for an unavailable source", async () => {
    const { smc } = await setup({ sourceList: [small(1), small(2, { state: "Unavailable" })] });
    await create(smc, 1);
    await rejection(create(smc, 1), "conflict", "SourceServerState.Invalid");
    await rejection(create(smc, 2), "conflict", "SourceServerState.Invalid");
  });

  it("returns the same JobId for a retried ClientToken, even when the first answer was lost", async () => {
    const { emulator, smc } = await setup();
    const first = await create(smc, 1, { clientToken: "token-1" });
    const again = await create(smc, 1, { clientToken: "token-1" });
    expect(again.jobId).toBe(first.jobId);

    // Every call fails with a 500 after taking effect; the retry (same token) must not make a second job.
    emulator.setFaults({ internalErrorRate: 1, internalErrorAfterEffectShare: 1 });
    const clock: Clock = { now: () => 0, sleep: async () => {}, realDelay: (ms) => ms };
    const result = await withRetry(() => create(smc, 2, { clientToken: "token-2" }), {
      clock,
      random: () => 0,
      onRetry: ({ errorClass }) => {
        expect(errorClass).toBe("transient");
        emulator.setFaults({ internalErrorRate: 0 });
      },
    });
    const jobsOfSource = await smc.describeAllReplicationJobs({ sourceIds: [sourceId(2)] });
    expect(jobsOfSource.map((j) => j.jobId)).toEqual([result.jobId]);
  });

  it("rejects duplicate job names as a conflict and bad parameters as permanent", async () => {
    const { smc } = await setup();
    await create(smc, 1, { name: "same-name" });
    await rejection(
      create(smc, 2, { name: "same-name" }),
      "conflict",
      "ReplicationJobName.Duplicate",
    );
    await rejection(
      smc.createReplicationJob({ sourceId: sourceId(2), systemDiskSize: 10 }),
      "permanent",
    );
    await rejection(smc.describeReplicationJobs({ pageSize: 51 }), "permanent");
    await rejection(smc.startReplicationJob({ jobId: "j-doesnotexist0000000" }), "permanent");
  });

  it("restarts a job that dropped to InError and finishes it", async () => {
    const { emulator, smc } = await setup({ faults: { jobErrorRate: 1 } });
    const { jobId } = await create(smc, 1);
    await smc.startReplicationJob({ jobId });
    const failed = await advanceUntil(emulator, smc, jobId, (j) => j.status === "InError");
    expect(failed.errorCode).toBe("InternalError");
    await rejection(smc.stopReplicationJob({ jobId }), "conflict", "ReplicationJob.InvalidStatus");
    emulator.setFaults({ jobErrorRate: 0 });
    await smc.startReplicationJob({ jobId });
    await advanceUntil(emulator, smc, jobId, (j) => j.status === "Finished");
  });

  it("modifies jobs by the state rules and sources by name", async () => {
    const { emulator, smc } = await setup();
    const { jobId } = await create(smc, 1, { name: "before" });
    await smc.modifyReplicationJobAttribute({
      jobId,
      name: "after",
      frequency: 12,
      systemDiskSize: 60,
    });
    expect(await job(smc, jobId)).toMatchObject({ name: "after", systemDiskSize: 60 });
    await smc.startReplicationJob({ jobId });
    await advanceUntil(emulator, smc, jobId, (j) => j.status === "Finished");
    await smc.modifyReplicationJobAttribute({ jobId, description: "still allowed" });
    await rejection(
      smc.modifyReplicationJobAttribute({ jobId, systemDiskSize: 80 }),
      "conflict",
      "ReplicationJob.InvalidStatus",
    );

    await smc.modifySourceServerAttribute({
      sourceId: sourceId(2),
      name: "renamed",
      description: "d",
    });
    const [renamed] = (await smc.describeSourceServers({ sourceIds: [sourceId(2)] })).items;
    expect(renamed).toMatchObject({ name: "renamed", description: "d" });
    await rejection(
      smc.modifySourceServerAttribute({ sourceId: sourceId(3), name: "renamed" }),
      "conflict",
      "SourceServerName.Duplicate",
    );
  });

  it("deletes sources: refused with a running job, needs Force with other jobs", async () => {
    const { smc } = await setup();
    const { jobId } = await create(smc, 1);
    await rejection(
      smc.deleteSourceServer({ sourceId: sourceId(1) }),
      "conflict",
      "ReplicationJob.Related",
    );
    await smc.startReplicationJob({ jobId });
    await rejection(
      smc.deleteSourceServer({ sourceId: sourceId(1), force: true }),
      "conflict",
      "SourceServer.WithRunningReplicationJob",
    );
    const other = await create(smc, 2);
    await smc.deleteSourceServer({ sourceId: sourceId(2), force: true });
    expect((await smc.describeReplicationJobs({ jobIds: [other.jobId] })).items).toEqual([]);
    await smc.deleteSourceServer({ sourceId: sourceId(3) });
    expect((await smc.describeAllSourceServers()).map((s) => s.sourceId)).toEqual([sourceId(1)]);
  });

  it("pages through more jobs than one page holds", async () => {
    const sources = Array.from({ length: 60 }, (_, i) => small(i + 1));
    const { smc } = await setup({ sourceList: sources });
    const ids = [];
    for (let n = 1; n <= 60; n++) ids.push((await create(smc, n)).jobId);
    const page = await smc.describeReplicationJobs({ pageSize: 50, pageNumber: 2 });
    expect(page).toMatchObject({ totalCount: 60, pageNumber: 2, pageSize: 50 });
    expect(page.items).toHaveLength(10);
    const all = await smc.describeAllReplicationJobs();
    expect(all.map((j) => j.jobId).sort()).toEqual([...ids].sort());
    const batched = await smc.describeAllReplicationJobs({ jobIds: ids.slice(0, 55) });
    expect(batched).toHaveLength(55);
    await rejection(smc.describeReplicationJobs({ jobIds: ids.slice(0, 51) }), "permanent");
  });
});
