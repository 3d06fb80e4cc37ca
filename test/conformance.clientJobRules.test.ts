/**
 * Job rules through our SmcClient over real HTTP: ValidTime turning each unfinished status Expired
 * (rule 9) and who may change it (rule 8), and Create and Modify judging by the same consistency
 * rules — partitions that do not fit are refused with the size that would, and Name or Description
 * change on a job in any status. Time moves with `advanceClock`, never by sleeping.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../src/emulator/startEmulator.ts";
import type { SmcClient } from "../src/smc/client.ts";
import {
  type ClientJobState,
  DAY,
  HOUR,
  INCREMENTAL,
  jobIn,
  MINUTE,
  serviceTime,
} from "./support/clientJobStates.ts";
import { EmulatorClients, job, rejection, small, sourceId } from "./support/emulatorClient.ts";

const GIB = 1024 ** 3;
const clients = new EmulatorClients();
afterEach(() => clients.closeAll());

const sources = Array.from({ length: 8 }, (_, i) => small(i + 1));

/** Advances to just before and just after the job's ValidTime; returns the status before. */
async function crossValidTime(emulator: RunningEmulator, smc: SmcClient, jobId: string) {
  const validTime = Date.parse((await job(smc, jobId)).validTime);
  emulator.advanceClock(validTime - emulator.clock.now() - MINUTE);
  const before = (await job(smc, jobId)).status;
  emulator.advanceClock(2 * MINUTE);
  return before;
}

describe("ValidTime through our client", () => {
  // Running and Stopped need a run that outlasts the 7 days a ValidTime is at least: a slow link.
  it.each<[ClientJobState, number | undefined]>([
    ["Ready", undefined],
    ["InError", undefined],
    ["Waiting", undefined],
    ["Syncing", 1024],
    ["Stopped", 1024],
  ])(
    "turns a %s job Expired; it holds its source and quota slot until removed 7 days later",
    async (state, bandwidth) => {
      const { emulator, smc } = await clients.setup({
        sourceList: sources,
        quota: 1,
        ...(bandwidth === undefined ? {} : { bandwidthBytesPerSecond: bandwidth }),
      });
      const validTime = serviceTime(emulator.clock.now() + 7 * DAY + HOUR);
      const jobId = await jobIn(emulator, smc, 1, state, {
        validTime,
        ...(state === "Waiting" ? INCREMENTAL : {}),
      });
      const before = await crossValidTime(emulator, smc, jobId);
      expect(before).toBe(state === "Syncing" ? "Running" : state);
      const expired = await job(smc, jobId);
      expect(expired).toMatchObject({ status: "Expired", businessStatus: "" });
      expect(emulator.stats()).toMatchObject({ jobsExpired: 1, current: { runningJobs: 0 } });

      // Unfinished: the source stays held (checked first) and the slot stays taken.
      await rejection(
        smc.createReplicationJob({ sourceId: sourceId(1), systemDiskSize: 20 }),
        "conflict",
        "SourceServerState.Invalid",
      );
      await rejection(
        smc.createReplicationJob({ sourceId: sourceId(2), systemDiskSize: 20 }),
        "quota",
        "QuotaExceeded.ReplicationJob",
      );
      await rejection(
        smc.startReplicationJob({ jobId }),
        "conflict",
        "ReplicationJob.InvalidStatus",
      );

      emulator.advanceClock(7 * DAY - 2 * MINUTE);
      expect((await job(smc, jobId)).status).toBe("Expired");
      emulator.advanceClock(2 * MINUTE);
      expect((await smc.describeReplicationJobs({ jobIds: [jobId] })).items).toEqual([]);
      expect(emulator.stats().jobsRemoved).toBe(1);
      await smc.createReplicationJob({ sourceId: sourceId(1), systemDiskSize: 20 });
    },
  );

  it("may change only in Ready, Running, Stopped, InError and Waiting, and only to a time ahead", async () => {
    const { emulator, smc } = await clients.setup({ sourceList: sources });
    const allowed: ClientJobState[] = ["Ready", "Preparing", "Stopped", "InError", "Waiting"];
    for (const [i, state] of allowed.entries()) {
      const jobId = await jobIn(emulator, smc, i + 1, state);
      const creation = Date.parse((await job(smc, jobId)).creationTime);
      const validTime = serviceTime(creation + 60 * DAY);
      await smc.modifyReplicationJobAttribute({ jobId, validTime });
      expect((await job(smc, jobId)).validTime, state).toBe(validTime);
    }
    const finished = await jobIn(emulator, smc, 6, "Finished");
    const expired = await jobIn(emulator, smc, 7, "Expired");
    for (const jobId of [finished, expired]) {
      const validTime = serviceTime(emulator.clock.now() + 20 * DAY);
      await rejection(
        smc.modifyReplicationJobAttribute({ jobId, validTime }),
        "conflict",
        "ReplicationJob.InvalidStatus",
      );
    }
    // A job 8 days old cannot be given a ValidTime that has already passed (creation + 7 days).
    const old = await jobIn(emulator, smc, 8, "Ready");
    emulator.advanceClock(8 * DAY);
    const creation = Date.parse((await job(smc, old)).creationTime);
    const error = await rejection(
      smc.modifyReplicationJobAttribute({ jobId: old, validTime: serviceTime(creation + 7 * DAY) }),
      "permanent",
      "InvalidParameter",
    );
    expect(error.message).toContain("after now");
  });
});

describe("Create and Modify judge a job by the same rules", () => {
  it("refuses a system disk smaller than the source's partitions, saying what would fit", async () => {
    const { smc } = await clients.setup({
      sourceList: [small(1, { systemDiskGiB: 120, dataDiskGiB: [300] }), small(2)],
    });
    const source = (await smc.describeSourceServers({ sourceIds: [sourceId(1)] })).items[0];
    const partitions = source?.systemDiskParts.reduce((sum, part) => sum + part.sizeBytes, 0);
    const tooSmall = await rejection(
      smc.createReplicationJob({ sourceId: sourceId(1), systemDiskSize: 100 }),
      "permanent",
      "InvalidParameter",
    );
    expect(tooSmall.httpStatus).toBe(400);
    expect(tooSmall.message).toBe(
      `The specified parameter "SystemDiskSize" is not valid: got "100", expected at least 120 GiB: the partitions of source ${sourceId(1)}'s system disk (the default when no SystemDiskPart.N is given) add up to ${partitions} bytes.`,
    );
    const dataTooSmall = await rejection(
      smc.createReplicationJob({
        sourceId: sourceId(1),
        systemDiskSize: 120,
        dataDisks: [{ index: 1, size: 250 }],
      }),
      "permanent",
      "InvalidParameter",
    );
    expect(dataTooSmall.message).toMatch(/"DataDisk\.1\.Size".*got "250".*at least 300 GiB/);
    // Partitions given explicitly may shrink the disks below the source's.
    const shrunk = await smc.createReplicationJob({
      sourceId: sourceId(1),
      systemDiskSize: 100,
      systemDiskParts: [{ device: "0_0", sizeBytes: 90 * GIB, block: true }],
      dataDisks: [
        { index: 1, size: 250, parts: [{ device: "1_0", sizeBytes: 200 * GIB, block: true }] },
      ],
    });
    expect((await job(smc, shrunk.jobId)).systemDiskSize).toBe(100);
    // Modify applies the same rules to the job it would produce.
    const modify = await rejection(
      smc.modifyReplicationJobAttribute({ jobId: shrunk.jobId, systemDiskSize: 80 }),
      "permanent",
      "InvalidParameter",
    );
    expect(modify.message).toContain(
      `got "80", expected at least 90 GiB: the SystemDiskPart.N sizes add up to ${90 * GIB} bytes`,
    );
    await smc.modifyReplicationJobAttribute({ jobId: shrunk.jobId, systemDiskSize: 95 });
    expect((await job(smc, shrunk.jobId)).systemDiskSize).toBe(95);
    const { jobId } = await smc.createReplicationJob({ sourceId: sourceId(2), systemDiskSize: 40 });
    const index = await rejection(
      smc.modifyReplicationJobAttribute({ jobId, dataDisks: [{ index: 1, size: 20 }] }),
      "permanent",
      "ReplicationJobDataDiskIndex.Invalid",
    );
    expect(index.message).toContain(`index 1 (source ${sourceId(2)} has: none)`);
  });

  it("changes Name and Description of a job in any status", async () => {
    const { emulator, smc } = await clients.setup({ sourceList: sources });
    const states: ClientJobState[] = [
      "Ready",
      "Syncing",
      "Stopped",
      "InError",
      "Finished",
      "Waiting",
      "Expired",
    ];
    for (const [i, state] of states.entries()) {
      const jobId = await jobIn(emulator, smc, i + 1, state);
      await smc.modifyReplicationJobAttribute({ jobId, description: `now ${state}` });
      await smc.modifyReplicationJobAttribute({ jobId, name: `renamed-${i}` });
      expect(await job(smc, jobId), state).toMatchObject({
        description: `now ${state}`,
        name: `renamed-${i}`,
      });
    }
  });
});
