import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SmcCallEvent, SmcClient } from "../src/smc/client.ts";
import { protectCredentials } from "../src/smc/credentials.ts";
import { classify, SmcError } from "../src/smc/errors.ts";
import { percentEncode } from "../src/smc/signature.ts";
import { json, startTestServer, type TestServer } from "./smcTestServer.ts";

const SECRET = "s3cr3t-access-key-secret-value";
const TOKEN = "CAIS+sts/security==token-value";
let server: TestServer;
let smc: SmcClient;
const events: SmcCallEvent[] = [];

beforeAll(async () => {
  server = await startTestServer(() => SECRET);
  smc = new SmcClient({
    endpoint: server.url,
    method: "GET", // GET puts the signature and token in the URL: the worst case for leaks
    timeoutMs: 300,
    credentials: protectCredentials({
      accessKeyId: "STS.id",
      accessKeySecret: SECRET,
      securityToken: TOKEN,
    }),
    onCall: (event) => events.push(event),
  });
});
afterAll(async () => {
  smc.close();
  await server.close();
});

/** The call's rejection, which must be an SmcError. */
async function failure(call: Promise<unknown>): Promise<SmcError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SmcError);
  return error as SmcError;
}

/** Nothing secret, and nothing of the request URL, in the error's message or its inspection. */
function expectNoLeak(error: SmcError) {
  const signature = server.requests.at(-1)?.params.Signature ?? "no-signature-seen";
  for (const text of [error.message, error.recommend, inspect(error), JSON.stringify(error)]) {
    for (const secret of [
      SECRET,
      TOKEN,
      percentEncode(TOKEN),
      percentEncode(percentEncode(TOKEN)),
      signature,
      percentEncode(signature),
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain("Signature=");
    expect(text).not.toContain("AccessKeyId=");
  }
}

describe("SmcClient over a misbehaving network", () => {
  it("turns an HTML 502 from a proxy into a transient SmcError, not a SyntaxError", async () => {
    server.setHandler((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>");
    });
    const error = await failure(smc.describeSourceServers());
    expect(error).toMatchObject({
      code: "Http.BadGateway",
      httpStatus: 502,
      action: "DescribeSourceServers",
      requestId: "",
    });
    expect(error.message).toContain("502 Bad Gateway");
    expect(classify(error)).toBe("transient");
    expectNoLeak(error);
  });

  it("does not quote a non-JSON body that echoes the request URL", async () => {
    server.setHandler((req, res) => {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end(`bad request: ${req.rawUrl}`);
    });
    const error = await failure(smc.describeReplicationJobs({ jobIds: ["j-1"] }));
    expect(error).toMatchObject({ code: "Http.UnexpectedBody", httpStatus: 400 });
    expect(classify(error)).toBe("permanent");
    expectNoLeak(error);
  });

  it("treats a 200 with a body that is not JSON as an unexpected body", async () => {
    server.setHandler((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"RequestId": "trunc');
    });
    const error = await failure(smc.startReplicationJob({ jobId: "j-1" }));
    expect(error).toMatchObject({ code: "Http.UnexpectedBody", httpStatus: 200 });
  });

  it("carries the service's Code, Message, RequestId and Recommend", async () => {
    server.setHandler((_req, res) =>
      json(res, 400, {
        RequestId: "A1B2-C3",
        HostId: "smc.aliyuncs.com",
        Code: "QuotaExceeded.ReplicationJob",
        Message: "The maximum number of replication jobs is exceeded.",
        Recommend: "https://next.api.aliyun.com/troubleshoot?q=QuotaExceeded.ReplicationJob",
      }),
    );
    const error = await failure(
      smc.createReplicationJob({ regionId: "cn-hangzhou", sourceId: "s-1", systemDiskSize: 40 }),
    );
    expect(error).toMatchObject({
      name: "SmcError",
      code: "QuotaExceeded.ReplicationJob",
      message: "The maximum number of replication jobs is exceeded.",
      httpStatus: 400,
      requestId: "A1B2-C3",
      recommend: "https://next.api.aliyun.com/troubleshoot?q=QuotaExceeded.ReplicationJob",
      action: "CreateReplicationJob",
    });
    expect(classify(error)).toBe("quota");
    expectNoLeak(error);
  });

  it("redacts the token from SignatureDoesNotMatch's quoted StringToSign", async () => {
    server.setHandler((req, res) =>
      json(res, 400, {
        RequestId: "r",
        Code: "SignatureDoesNotMatch",
        Message: `Specified signature is not matched with our calculation. server string to sign is:GET&%2F&${percentEncode(`SecurityToken=${percentEncode(TOKEN)}&Signature=${req.params.Signature}`)}`,
      }),
    );
    const error = await failure(smc.stopReplicationJob({ jobId: "j-1" }));
    expect(error.code).toBe("SignatureDoesNotMatch");
    expect(error.message).toContain("server string to sign is:GET&%2F&");
    expect(error.message).toContain("***");
    expect(classify(error)).toBe("permanent");
    expectNoLeak(error);
  });

  it("classifies a JSON InternalServerError (500) as transient", async () => {
    server.setHandler((_req, res) =>
      json(res, 500, { RequestId: "r-500", Code: "InternalServerError", Message: "oops" }),
    );
    const error = await failure(smc.deleteReplicationJob({ jobId: "j-1" }));
    expect(error).toMatchObject({
      code: "InternalServerError",
      httpStatus: 500,
      requestId: "r-500",
    });
    expect(classify(error)).toBe("transient");
  });

  it("turns a socket destroyed mid-response into Network.Reset", async () => {
    server.setHandler((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"RequestId":"r","SourceServers":{"SourceServer":[');
      setImmediate(() => res.socket?.destroy());
    });
    const error = await failure(smc.describeSourceServers());
    expect(error).toMatchObject({ code: "Network.Reset", httpStatus: 0, requestId: "" });
    expect(classify(error)).toBe("transient");
    expectNoLeak(error);
  });

  it("turns a connection closed before any response into Network.Reset", async () => {
    server.setHandler((_req, res) => res.socket?.destroy());
    const error = await failure(smc.stopReplicationJob({ jobId: "j-1" }));
    expect(error.code).toBe("Network.Reset");
  });

  it("times out a server that never answers", async () => {
    server.setHandler(() => {});
    const error = await failure(smc.describeReplicationJobs());
    expect(error).toMatchObject({ code: "Network.Timeout", httpStatus: 0 });
    expect(error.message).toContain("300 ms");
    expect(classify(error)).toBe("transient");
    expectNoLeak(error);
  });

  it("rejects with the signal's reason when aborted", async () => {
    server.setHandler(() => {});
    const controller = new AbortController();
    const call = smc.describeReplicationJobs({}, { signal: controller.signal });
    controller.abort(new Error("shutdown"));
    await expect(call).rejects.toThrow("shutdown");
    const aborted = new AbortController();
    aborted.abort(new Error("already"));
    await expect(smc.describeReplicationJobs({}, { signal: aborted.signal })).rejects.toThrow(
      "already",
    );
  });

  it("reports an unreachable endpoint as Network.Unreachable", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const closed = new SmcClient({
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: "id", accessKeySecret: SECRET },
    });
    const error = await failure(closed.describeSourceServers());
    closed.close();
    expect(error).toMatchObject({ code: "Network.Unreachable", httpStatus: 0 });
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("reports every call to onCall", async () => {
    events.length = 0;
    server.setHandler((_req, res) => json(res, 200, { RequestId: "ok" }));
    await smc.startReplicationJob({ jobId: "j-1" });
    server.setHandler((_req, res) =>
      json(res, 400, { RequestId: "r", Code: "ReplicationJob.InvalidStatus", Message: "m" }),
    );
    await smc.startReplicationJob({ jobId: "j-1" }).catch(() => {});
    expect(events.map(({ durationMs: _, ...rest }) => rest)).toEqual([
      { action: "StartReplicationJob", ok: true, httpStatus: 200 },
      {
        action: "StartReplicationJob",
        ok: false,
        code: "ReplicationJob.InvalidStatus",
        httpStatus: 400,
      },
    ]);
    expect(events.every((e) => e.durationMs >= 0)).toBe(true);
  });

  it("never shows credentials when the client is inspected or serialised", () => {
    for (const text of [
      inspect(smc, { depth: 10, showHidden: true }),
      JSON.stringify(smc),
      JSON.stringify({ smc }),
    ]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
    }
    expect(inspect(smc)).toContain(server.url);
  });
});

describe("SmcClient paging", () => {
  const jobs = Array.from({ length: 120 }, (_, i) => ({
    JobId: `j-${String(i).padStart(3, "0")}`,
    Status: "Ready",
  }));

  it("describeAllReplicationJobs pages 50 at a time and splits more than 50 ids into batches", async () => {
    server.setHandler((req, res) => {
      const ids = Object.entries(req.params)
        .filter(([k]) => k.startsWith("JobId."))
        .map(([, v]) => v);
      const matching = ids.length > 0 ? jobs.filter((j) => ids.includes(j.JobId)) : jobs;
      const size = Number(req.params.PageSize ?? 10);
      const page = Number(req.params.PageNumber ?? 1);
      json(res, 200, {
        RequestId: "r",
        TotalCount: matching.length,
        PageNumber: page,
        PageSize: size,
        ReplicationJobs: { ReplicationJob: matching.slice((page - 1) * size, page * size) },
      });
    });
    const before = server.requests.length;
    const all = await smc.describeAllReplicationJobs({});
    expect(all).toHaveLength(120);
    expect(new Set(all.map((j) => j.jobId)).size).toBe(120);
    expect(server.requests.length - before).toBe(3);
    expect(server.requests.slice(-3).map((r) => [r.params.PageNumber, r.params.PageSize])).toEqual([
      ["1", "50"],
      ["2", "50"],
      ["3", "50"],
    ]);

    const wanted = jobs.slice(0, 110).map((j) => j.JobId);
    const mark = server.requests.length;
    const some = await smc.describeAllReplicationJobs({ jobIds: wanted });
    expect(some.map((j) => j.jobId).sort()).toEqual([...wanted].sort());
    const batches = server.requests
      .slice(mark)
      .map((r) => Object.keys(r.params).filter((k) => k.startsWith("JobId.")).length);
    expect(batches).toEqual([50, 50, 10]);
    expect(await smc.describeAllReplicationJobs({ jobIds: [] })).toEqual([]);
  });

  it("describeAllSourceServers stops on a short page", async () => {
    server.setHandler((_req, res) =>
      json(res, 200, {
        RequestId: "r",
        TotalCount: 2,
        PageNumber: 1,
        PageSize: 50,
        SourceServers: { SourceServer: [{ SourceId: "s-1" }, { SourceId: "s-2" }] },
      }),
    );
    const mark = server.requests.length;
    expect(
      (await smc.describeAllSourceServers({ state: "Available" })).map((s) => s.sourceId),
    ).toEqual(["s-1", "s-2"]);
    expect(server.requests.length - mark).toBe(1);
    expect(server.requests.at(-1)?.params.State).toBe("Available");
  });
});
