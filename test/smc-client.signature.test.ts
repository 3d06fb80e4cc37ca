import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../src/platform/clock.ts";
import { SmcClient } from "../src/smc/client.ts";
import { json, startTestServer, type TestServer } from "./smcTestServer.ts";

// The pinned vectors of issue 2 (computed with the official SDKs), now checked end to end: what the
// client puts on the wire, decoded by a server, must carry exactly these signatures.
const pinnedClock: Clock = {
  now: () => Date.parse("2024-01-02T03:04:05Z"),
  sleep: async () => {},
  realDelay: (ms) => ms,
};

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(() => "testsecret");
});
afterAll(async () => {
  await server.close();
});

function client(options: { method: "GET" | "POST"; nonce: string; sts?: boolean }) {
  return new SmcClient({
    endpoint: server.url,
    method: options.method,
    nonce: () => options.nonce,
    clock: pinnedClock,
    credentials: options.sts
      ? { accessKeyId: "STS.testid", accessKeySecret: "testsecret", securityToken: "CAIS+tok/en==" }
      : { accessKeyId: "testid", accessKeySecret: "testsecret" },
  });
}

const awkward = {
  RegionId: "cn-hangzhou",
  SourceId: "s-bp1xyz",
  Name: "迁移 job*~+/!'()",
  Description: "a b&c=d;e:f",
  TargetType: "Image",
  ImageName: "img_1-2.3",
  RunOnce: "true",
  "Tag.1.Key": "k",
  "Tag.1.Value": "v",
};

describe("SmcClient signing over real HTTP", () => {
  it("signs a GET DescribeReplicationJobs exactly as the official SDKs do", async () => {
    server.setHandler((_request, res) =>
      json(res, 200, {
        RequestId: "r-1",
        TotalCount: 1,
        PageNumber: 1,
        PageSize: 10,
        ReplicationJobs: { ReplicationJob: [{ JobId: "j-bp1abc", Status: "Ready" }] },
      }),
    );
    const smc = client({ method: "GET", nonce: "00000000-0000-4000-8000-000000000001" });
    const page = await smc.describeReplicationJobs({
      regionId: "cn-hangzhou",
      pageNumber: 1,
      pageSize: 10,
      jobIds: ["j-bp1abc"],
    });
    smc.close();
    const request = server.requests.at(-1);
    expect(request?.method).toBe("GET");
    expect(request?.rawBody).toBe("");
    expect(request?.params.Signature).toBe("CaxCyoT/avH0/V6BQmZjg1IjxQg=");
    expect(request?.signatureValid).toBe(true);
    expect(page).toMatchObject({
      totalCount: 1,
      requestId: "r-1",
      items: [{ jobId: "j-bp1abc", status: "Ready" }],
    });
  });

  it("signs an STS request with awkward characters over GET", async () => {
    server.setHandler((_request, res) => json(res, 200, { RequestId: "r-2", JobId: "j-new" }));
    const smc = client({ method: "GET", nonce: "00000000-0000-4000-8000-000000000002", sts: true });
    const result = await smc.call("CreateReplicationJob", awkward);
    smc.close();
    const request = server.requests.at(-1);
    expect(request?.params.Signature).toBe("u7SFY5NGqqErPBXkkEDIY1VrWFE=");
    expect(request?.params.SecurityToken).toBe("CAIS+tok/en==");
    expect(request?.params.Name).toBe("迁移 job*~+/!'()");
    expect(request?.params.Description).toBe("a b&c=d;e:f");
    expect(request?.signatureValid).toBe(true);
    expect(result.JobId).toBe("j-new");
  });

  it("signs the same request as a POST form body", async () => {
    server.setHandler((_request, res) => json(res, 200, { RequestId: "r-3", JobId: "j-new" }));
    const smc = client({
      method: "POST",
      nonce: "00000000-0000-4000-8000-000000000002",
      sts: true,
    });
    await smc.call("CreateReplicationJob", awkward);
    smc.close();
    const request = server.requests.at(-1);
    expect(request?.method).toBe("POST");
    expect(request?.rawUrl).toBe("/");
    expect(request?.params.Signature).toBe("CBugPIGieogPt8vVmE8IvH9+9o8=");
    expect(request?.signatureValid).toBe(true);
  });

  it("sends the common parameters and a fresh nonce per call by default", async () => {
    server.setHandler((_request, res) => json(res, 200, { RequestId: "r", JobId: "j-1" }));
    const smc = new SmcClient({
      endpoint: server.url,
      regionId: "cn-shanghai",
      credentials: { accessKeyId: "testid", accessKeySecret: "testsecret" },
    });
    await smc.createReplicationJob({ sourceId: "s-1", systemDiskSize: 40, clientToken: "t-1" });
    await smc.startReplicationJob({ jobId: "j-1" });
    smc.close();
    const [create, start] = server.requests.slice(-2);
    expect(create?.params).toMatchObject({
      Action: "CreateReplicationJob",
      Version: "2019-06-01",
      Format: "JSON",
      SignatureMethod: "HMAC-SHA1",
      SignatureVersion: "1.0",
      RegionId: "cn-shanghai",
      SourceId: "s-1",
      SystemDiskSize: "40",
      ClientToken: "t-1",
    });
    expect(create?.params.Timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(create?.params.SecurityToken).toBeUndefined();
    expect(create?.params.SignatureNonce).not.toBe(start?.params.SignatureNonce);
    expect(create?.signatureValid && start?.signatureValid).toBe(true);
    expect(start?.params).toMatchObject({ Action: "StartReplicationJob", JobId: "j-1" });
  });

  it("asks a credentials provider before every call (rotating STS tokens)", async () => {
    server.setHandler((_request, res) => json(res, 200, { RequestId: "r" }));
    let n = 0;
    const smc = new SmcClient({
      endpoint: server.url,
      credentials: async () => ({
        accessKeyId: "STS.testid",
        accessKeySecret: "testsecret",
        securityToken: `token-${++n}`,
      }),
    });
    await smc.stopReplicationJob({ jobId: "j-1" });
    await smc.stopReplicationJob({ jobId: "j-1" });
    smc.close();
    expect(
      server.requests.slice(-2).map((r) => [r.params.SecurityToken, r.signatureValid]),
    ).toEqual([
      ["token-1", true],
      ["token-2", true],
    ]);
  });

  it("reuses one keep-alive connection for sequential calls", async () => {
    server.setHandler((_request, res) => json(res, 200, { RequestId: "r" }));
    const smc = new SmcClient({
      endpoint: server.url,
      credentials: { accessKeyId: "testid", accessKeySecret: "testsecret" },
    });
    for (let i = 0; i < 5; i++) await smc.deleteReplicationJob({ jobId: `j-${i}` });
    smc.close();
    const used = new Set(server.requests.slice(-5).map((r) => r.connection));
    expect(used.size).toBe(1);
  });

  it("caps open connections at maxSockets and queues the rest", async () => {
    server.setHandler((_request, res) => json(res, 200, { RequestId: "r" }));
    const smc = new SmcClient({
      endpoint: server.url,
      maxSockets: 2,
      credentials: { accessKeyId: "testid", accessKeySecret: "testsecret" },
    });
    const before = server.connections();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => smc.startReplicationJob({ jobId: `j-${i}` })),
    );
    smc.close();
    expect(server.connections() - before).toBe(2);
    expect(server.requests.slice(-10).every((r) => r.signatureValid)).toBe(true);
  });
});
