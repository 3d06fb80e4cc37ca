import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../src/emulator/startEmulator.ts";
import { createRequest } from "../src/orchestrator/jobRequest.ts";
import { checkPlanOnline } from "../src/plan/checkPlanOnline.ts";
import type { CompiledPlan } from "../src/plan/compiledPlan.ts";
import { eachServer, resolveSources } from "../src/plan/resolveSources.ts";
import { validatePlanText } from "../src/plan/validatePlanText.ts";
import { SmcClient } from "../src/smc/client.ts";
import { SmcError } from "../src/smc/errors.ts";

let emulator: RunningEmulator;
let client: SmcClient;

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    seed: 7,
    sourceList: [
      { name: "web-01", systemDiskGiB: 80, dataDiskGiB: [200] },
      { name: "web-02", systemDiskGiB: 80, state: "Unavailable" },
      { name: "app-01", systemDiskGiB: 80 },
      { name: "app-01", systemDiskGiB: 80 },
      { name: "db-01", systemDiskGiB: 300, dataDiskGiB: [500, 500] },
      { name: "mq-01", systemDiskGiB: 60 },
      { sourceId: "s-fixedsourceid0000001", name: "cache-01", systemDiskGiB: 60 },
    ],
  });
  client = new SmcClient({
    endpoint: emulator.url,
    credentials: emulator.credentials,
    regionId: "cn-hangzhou",
  });
});

afterAll(async () => {
  client?.close();
  await emulator?.close();
});

function compile(text: string): CompiledPlan {
  const { plan, problems } = validatePlanText(text, { file: "plan.yaml", now: Date.now() });
  expect(problems).toEqual([]);
  if (plan === undefined) throw new Error("plan did not compile");
  return plan;
}

describe("checkPlanOnline against the emulator", () => {
  it("passes a plan whose sources all exist, are Available and fit", async () => {
    const plan = compile(`name: ok
regionId: cn-hangzhou
defaults: { systemDiskSize: 100 }
waves:
  - name: w1
    servers:
      - name: web-01
        dataDisks: [{ index: 1, size: 200 }]
      - sourceId: s-fixedsourceid0000001
`);
    const { sources, problems } = await checkPlanOnline(plan, client);
    expect(problems).toEqual([]);
    expect(sources.get("s-fixedsourceid0000001")?.name).toBe("cache-01");
    expect(sources.get("name:web-01")?.state).toBe("Available");
  });

  it("reports each server that cannot migrate, at its line", async () => {
    const mq = (await client.describeAllSourceServers({ name: "mq-01" })).find(
      (source) => source.name === "mq-01",
    );
    if (mq === undefined) throw new Error("emulator lacks mq-01");
    await client.createReplicationJob({ sourceId: mq.sourceId, systemDiskSize: 80 });

    const plan = compile(`name: broken
regionId: cn-hangzhou
defaults: { systemDiskSize: 100 }
waves:
  - name: w1
    servers:
      - name: web-1
      - name: web-02
      - name: app-01
      - name: db-01
        dataDisks: [{ index: 1, size: 400 }, { index: 3, size: 100 }]
      - name: mq-01
      - sourceId: s-doesnotexist000000
      - name: cache-01
      - sourceId: s-fixedsourceid0000001
`);
    const { problems } = await checkPlanOnline(plan, client);
    const app = (await client.describeAllSourceServers({}))
      .filter((source) => source.name === "app-01")
      .map((source) => source.sourceId)
      .sort();
    const lines = problems.map((problem) => `${problem.at?.line}: ${problem.message}`);
    expect(lines).toContain("7: No source server is named `web-1`; did you mean `web-01`?");
    expect(lines).toContain(
      "8: Source `web-02` (" +
        `${(await client.describeAllSourceServers({})).find((s) => s.name === "web-02")?.sourceId}` +
        ") is Unavailable; SMC creates jobs only for Available sources (error SourceServer.Offline)",
    );
    expect(lines.find((line) => line.startsWith("9: "))).toMatch(
      new RegExp(
        `^9: 2 source servers are named \`app-01\` \\((${app.join(", ")}|${[...app].reverse().join(", ")})\\); list the one you mean by \`sourceId\`$`,
      ),
    );
    expect(lines.filter((line) => line.startsWith("10: "))).toEqual([
      expect.stringMatching(
        /^10: `systemDiskSize` 100 GiB cannot hold the system disk partitions of `db-01` \(s-\w+\) \(300\.00 GiB\): use at least 300 GiB, or shrink them with `systemDiskParts`$/,
      ),
      expect.stringMatching(
        /^10: Data disk 1: 400 GiB cannot hold the partitions of data disk 1 of `db-01` \(s-\w+\) \(500\.00 GiB\): use at least 500 GiB, or shrink them with `parts`$/,
      ),
      expect.stringMatching(
        /^10: Data disk index 3 does not exist on `db-01` \(s-\w+\) \(its data disks: 1, 2\)$/,
      ),
    ]);
    expect(lines.find((line) => line.startsWith("12: "))).toMatch(
      /^12: Source `mq-01` \(s-\w+\) already has the unfinished job j-\w+ \(Ready\); SMC allows one per source$/,
    );
    expect(lines).toContain("13: No source server has id `s-doesnotexist000000`");
    expect(lines).toContain(
      "15: Source s-fixedsourceid0000001 (`cache-01`) is already listed at line 14; a source can have only one unfinished job, so a second entry is certain to fail",
    );
    expect(problems).toHaveLength(9);
  });

  it("resolveSources asks only for the plan's ids when it names no server", async () => {
    const plan = compile(`name: ids
regionId: cn-hangzhou
defaults: { systemDiskSize: 100 }
waves:
  - name: w1
    servers: [{ sourceId: s-fixedsourceid0000001 }]
`);
    const calls: unknown[] = [];
    const { sources, problems } = await resolveSources(plan, {
      describeAllSourceServers: (filter, options) => {
        calls.push(filter);
        return client.describeAllSourceServers(filter, options);
      },
    });
    expect(problems).toEqual([]);
    expect(calls).toEqual([{ sourceIds: ["s-fixedsourceid0000001"] }]);
    expect(sources.get("s-fixedsourceid0000001")?.name).toBe("cache-01");
  });

  it("passes online exactly what CreateReplicationJob accepts, shrunk disks included", async () => {
    const plan = compile(`name: shrink
regionId: cn-hangzhou
defaults: { systemDiskSize: 80 }
waves:
  - name: w1
    servers:
      - name: web-01
        dataDisks: [{ index: 1, size: 200 }]
      - name: db-01
        systemDiskSize: 100
        systemDiskParts: [{ device: "0_0", sizeBytes: 90000000000 }]
        dataDisks:
          - { index: 1, size: 400, parts: [{ device: "1_0", sizeBytes: 300000000000 }] }
          - { index: 2, size: 500 }
      - sourceId: s-fixedsourceid0000001
        systemDiskSize: 40
`);
    const { sources, problems } = await checkPlanOnline(plan, client);
    expect(problems.map((problem) => `${problem.at?.line}: ${problem.message}`)).toEqual([
      expect.stringMatching(
        /^15: `systemDiskSize` 40 GiB cannot hold the system disk partitions of `cache-01` \(s-fixedsourceid0000001\) \(60\.00 GiB\): use at least 60 GiB/,
      ),
    ]);
    // The orchestrator's request for each server: the one online refused, the service refuses.
    const requests: Array<{ name: string; request: ReturnType<typeof createRequest> }> = [];
    eachServer(plan, (server) => {
      const source = sources.get(server.key);
      if (source === undefined) throw new Error(`${server.key} did not resolve`);
      const request = createRequest(server.settings, {
        regionId: plan.regionId,
        sourceId: source.sourceId,
        name: `shrink-${source.name}`,
        clientToken: `shrink-${source.sourceId}`,
        description: "plan.online.test",
        now: Date.now(),
      });
      requests.push({ name: source.name, request });
    });
    const results = await Promise.all(
      requests.map(({ request }) =>
        client.createReplicationJob(request).then(
          ({ jobId }) => jobId,
          (error: unknown) => (error instanceof SmcError ? error : Promise.reject(error)),
        ),
      ),
    );
    expect(requests.map(({ name }) => name)).toEqual(["web-01", "db-01", "cache-01"]);
    expect(results[0]).toMatch(/^j-/);
    expect(results[1]).toMatch(/^j-/);
    expect(results[2]).toMatchObject({ code: "InvalidParameter" });
    expect((results[2] as SmcError).message).toContain("expected at least 60 GiB");
    for (const jobId of results.slice(0, 2)) {
      await client.deleteReplicationJob({ jobId: jobId as string });
    }
  });
});
