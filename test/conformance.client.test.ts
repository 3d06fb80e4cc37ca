/**
 * Our SmcClient against the SMC emulator over real HTTP: every action, the rules an orchestrator
 * relies on (quota at the limit and one past it, one unfinished job per source, Start/Stop/Delete
 * by state, ClientToken retries, paging, tags), and the errors it must classify.
 * Time moves by `advanceClock` on the emulator, never by sleeping.
 */
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  type RunningEmulator,
  type SourceSpec,
  startEmulator,
} from "../src/emulator/startEmulator.ts";
import type { Clock } from "../src/platform/clock.ts";
import { SmcClient } from "../src/smc/client.ts";
import { classify, type ErrorClass, SmcError } from "../src/smc/errors.ts";
import { withRetry } from "../src/smc/retry.ts";
import type { ReplicationJob } from "../src/smc/types.ts";

const MINUTE = 60_000;
const running: Array<{ emulator: RunningEmulator; client: SmcClient }> = [];

afterEach(async () => {
  for (const { emulator, client } of running.splice(0)) {
    client.close();
    await emulator.close();
  }
});

/** `s-` + 20 lowercase alphanumerics, as the service spells source ids. */
const sourceId = (n: number) => `s-${String(n).padStart(20, "0")}`;
const small = (n: number, extra: Partial<SourceSpec> = {}): SourceSpec => ({
  sourceId: sourceId(n),
  name: `web-${n}`,
  systemDiskGiB: 20,
  dataDiskGiB: [],
  ...extra,
});

async function setup(
  options: Parameters<typeof startEmulator>[0] = {},
  method: "GET" | "POST" = "POST",
) {
  const emulator = await startEmulator({ sourceList: [small(1), small(2), small(3)], ...options });
  const client = new SmcClient({
    endpoint: emulator.url,
    method,
    regionId: "cn-hangzhou",
    credentials: emulator.credentials,
  });
  running.push({ emulator, client });
  return { emulator, smc: client };
}

/** The rejection of `call`, which must be an SmcError of class `expected` (and code, when given). */
async function rejection(
  call: Promise<unknown>,
  expected: ErrorClass,
  code?: string,
): Promise<SmcError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SmcError);
  const smcError = error as SmcError;
  if (code !== undefined) expect(smcError.code).toBe(code);
  expect(classify(smcError)).toBe(expected);
  expect(smcError.requestId).not.toBe("");
  return smcError;
}

async function job(smc: SmcClient, jobId: string): Promise<ReplicationJob> {
  const page = await smc.describeReplicationJobs({ jobIds: [jobId] });
  const found = page.items[0];
  if (!found) throw new Error(`job ${jobId} not found`);
  return found;
}

/** Moves emulated time a minute at a time until the job satisfies `done` (at most 3 emulated days). */
async function advanceUntil(
  emulator: RunningEmulator,
  smc: SmcClient,
  jobId: string,
  done: (job: ReplicationJob) => boolean,
): Promise<ReplicationJob> {
  for (let minute = 0; minute < 3 * 24 * 60; minute++) {
    const current = await job(smc, jobId);
    if (done(current)) return current;
    emulator.advanceClock(MINUTE);
  }
  throw new Error(`job ${jobId} never reached the expected state`);
}

const create = (smc: SmcClient, n: number, extra: { name?: string; clientToken?: string } = {}) =>
  smc.createReplicationJob({ sourceId: sourceId(n), systemDiskSize: 40, ...extra });

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
    const clock: Clock = { now: () => 0, sleep: async () => {} };
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

  it("tags, lists with NextToken, and untags resources within the limits", async () => {
    const sources = Array.from({ length: 6 }, (_, i) => small(i + 1));
    const { smc } = await setup({ sourceList: sources });
    const tags = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    const resourceIds = sources.map((s) => s.sourceId ?? "");
    await smc.tagResources({ resourceType: "sourceserver", resourceIds, tags });

    const pairs = [];
    let nextToken = "";
    let pages = 0;
    do {
      const page = await smc.listTagResources({
        resourceType: "sourceserver",
        ...(nextToken ? { nextToken } : {}),
      });
      pairs.push(...page.tagResources);
      nextToken = page.nextToken;
      pages++;
    } while (nextToken !== "");
    expect(pairs).toHaveLength(60);
    expect(pages).toBeGreaterThan(1);
    expect(pairs[0]).toMatchObject({
      resourceType: "ALIYUN::SMC::SOURCESERVER",
      tagKey: expect.stringMatching(/^k/),
    });

    const filtered = await smc.listTagResources({
      resourceType: "sourceserver",
      resourceIds: [sourceId(1)],
      tags: [{ key: "k3", value: "v3" }],
    });
    expect(filtered.tagResources).toEqual([
      {
        resourceId: sourceId(1),
        resourceType: "ALIYUN::SMC::SOURCESERVER",
        tagKey: "k3",
        tagValue: "v3",
      },
    ]);

    await smc.untagResources({
      resourceType: "sourceserver",
      resourceIds: [sourceId(1)],
      tagKeys: ["k0", "k1"],
    });
    await smc.untagResources({
      resourceType: "sourceserver",
      resourceIds: [sourceId(2)],
      all: true,
    });
    const left = await smc.listTagResources({
      resourceType: "sourceserver",
      resourceIds: [sourceId(1), sourceId(2)],
    });
    expect(left.tagResources.filter((t) => t.resourceId === sourceId(1))).toHaveLength(8);
    expect(left.tagResources.filter((t) => t.resourceId === sourceId(2))).toHaveLength(0);

    const { jobId } = await create(smc, 1);
    await smc.tagResources({
      resourceType: "replicationjob",
      resourceIds: [jobId],
      tags: [{ key: "wave", value: "1" }],
    });
    const jobTags = await smc.listTagResources({
      resourceType: "replicationjob",
      resourceIds: [jobId],
    });
    expect(jobTags.tagResources).toEqual([
      {
        resourceId: jobId,
        resourceType: "ALIYUN::SMC::REPLICATIONJOB",
        tagKey: "wave",
        tagValue: "1",
      },
    ]);

    const many = Array.from({ length: 11 }, (_, i) => ({ key: `x${i}`, value: "" }));
    await rejection(
      smc.tagResources({ resourceType: "sourceserver", resourceIds: [sourceId(3)], tags: many }),
      "permanent",
      "NumberExceed.Tags",
    );
    const tooManyIds = Array.from({ length: 51 }, (_, i) => sourceId(100 + i));
    await rejection(
      smc.tagResources({ resourceType: "sourceserver", resourceIds: tooManyIds, tags }),
      "permanent",
      "NumberExceed.ResourceIds",
    );
    await rejection(
      smc.tagResources({
        resourceType: "sourceserver",
        resourceIds: [sourceId(3), sourceId(3)],
        tags,
      }),
      "permanent",
      "Duplicate.ResourceId",
    );
    await rejection(
      smc.tagResources({ resourceType: "sourceserver", resourceIds: [sourceId(99)], tags }),
      "permanent",
      "InvalidResourceId.NotFound",
    );
  });
});

describe("client conformance: gateway", () => {
  it("signs STS calls with a SecurityToken the emulator accepts", async () => {
    const sts = {
      accessKeyId: "STS.conformance",
      accessKeySecret: "sts-secret-value",
      securityToken: "CAIS+sts/token==value",
    };
    const { emulator } = await setup({ extraCredentials: [sts] });
    const client = new SmcClient({ endpoint: emulator.url, credentials: sts });
    try {
      expect((await client.describeSourceServers()).totalCount).toBe(3);
      const wrong = new SmcClient({
        endpoint: emulator.url,
        credentials: { ...sts, securityToken: "CAIS+other/token==x" },
      });
      const error = await rejection(wrong.describeSourceServers(), "permanent");
      wrong.close();
      expect(`${error.message}${inspect(error)}`).not.toContain("CAIS+other/token==x");
    } finally {
      client.close();
    }
  });

  it("classifies auth failures as permanent without echoing the secret", async () => {
    const { emulator } = await setup();
    const badSecret = new SmcClient({
      endpoint: emulator.url,
      method: "GET",
      credentials: {
        accessKeyId: emulator.credentials.accessKeyId,
        accessKeySecret: "not-the-right-secret",
      },
    });
    const unknown = new SmcClient({
      endpoint: emulator.url,
      credentials: { accessKeyId: "nobody", accessKeySecret: "whatever-secret" },
    });
    try {
      const mismatch = await rejection(
        badSecret.describeSourceServers(),
        "permanent",
        "SignatureDoesNotMatch",
      );
      expect(mismatch.message).not.toContain("not-the-right-secret");
      await rejection(unknown.describeSourceServers(), "permanent", "InvalidAccessKeyId.NotFound");
    } finally {
      badSecret.close();
      unknown.close();
    }
  });

  it("classifies injected 500s as transient and throttling as throttled", async () => {
    const { emulator, smc } = await setup({ faults: { internalErrorRate: 1 } });
    const internal = await rejection(smc.describeSourceServers(), "transient");
    expect(internal.httpStatus).toBe(500);
    emulator.setFaults({ internalErrorRate: 0, throttlingRate: 1 });
    await rejection(smc.describeSourceServers(), "throttled", "Throttling.User");
    emulator.setFaults({ throttlingRate: 0 });
    expect((await smc.describeSourceServers()).totalCount).toBe(3);
  });
});
