/**
 * Our SmcClient against the SMC emulator over real HTTP: the tag actions (limits, NextToken paging)
 * and the gateway (STS tokens, auth failures, injected 500s and throttling) with their error classes.
 */
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { SmcClient } from "../src/smc/client.ts";
import { create, EmulatorClients, rejection, small, sourceId } from "./support/emulatorClient.ts";

const clients = new EmulatorClients();
const setup = clients.setup.bind(clients);
afterEach(() => clients.closeAll());

describe("client conformance: tags", () => {
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
