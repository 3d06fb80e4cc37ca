/**
 * Conformance of the emulator's gateway through Alibaba Cloud's official @alicloud/pop-core client
 * over real HTTP: signature and key errors, STS, injected faults, and Format=xml.
 */
import { describe, expect, it } from "vitest";
import { startEmulator } from "../src/emulator/startEmulator.ts";
import { useConformanceEmulator } from "./emulatorConformance.ts";
import { failure, popClient, rawCall, rejects } from "./emulatorKit.ts";

const c = useConformanceEmulator();

describe("gateway errors and faults through pop-core", () => {
  it("rejects a wrong secret with the server's StringToSign, unknown keys, versions and actions", async () => {
    const bad = await rejects(
      popClient(c.emulator, { accessKeySecret: "wrong" }).call("DescribeSourceServers"),
      "SignatureDoesNotMatch",
      400,
    );
    expect(bad.message).toMatch(
      /^Specified signature is not matched with our calculation\. server string to sign is:POST&%2F&AccessKeyId%3Demulator-id%26Action%3DDescribeSourceServers/,
    );
    expect(bad.message).not.toContain("emulator-secret");
    await rejects(
      popClient(c.emulator, { accessKeyId: "nobody" }).call("DescribeSourceServers"),
      "InvalidAccessKeyId.NotFound",
      404,
    );
    await rejects(
      popClient(c.emulator, { apiVersion: "2014-05-26" }).call("DescribeSourceServers"),
      "InvalidVersion",
      400,
    );
    await rejects(c.smc.call("DescribeRegions"), "InvalidAction.NotFound", 404);
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
    c.emulator.setFaults({ internalErrorRate: 1, internalErrorAfterEffectShare: 0 });
    await rejects(c.create(), "InternalServerError", 500);
    await rejects(
      c.smc.call("ModifyReplicationJobAttribute", { JobId: "j-x", Name: "abc" }),
      "InternalError",
      500,
    );
    await rejects(c.smc.call("DescribeReplicationJobs"), "InternalError", 500);
    // [model] the contract's §5 action spells it like the other job actions.
    await rejects(
      c.smc.call("CutOverReplicationJob", { JobId: "j-x" }),
      "InternalServerError",
      500,
    );
    c.emulator.setFaults({ internalErrorRate: 0, throttlingRate: 1 });
    const throttled = await rejects(c.smc.call("DescribeSourceServers"), "Throttling.User", 400);
    expect(throttled.message).toBe("Request was denied due to user flow control.");
    c.emulator.setFaults({ throttlingRate: 0 });
    expect(c.emulator.stats().jobsCreated).toBe(0);
    expect(c.emulator.stats().actions.CreateReplicationJob?.errors).toEqual({
      InternalServerError: 1,
    });
  });

  it("keeps the work of an after-effect 500, and a ClientToken retry finds it", async () => {
    c.emulator.setFaults({ internalErrorRate: 1, internalErrorAfterEffectShare: 1 });
    const params = {
      RegionId: "cn-hangzhou",
      SourceId: c.freshSource(),
      SystemDiskSize: 100,
      ClientToken: "retry-me",
    };
    await rejects(c.smc.call("CreateReplicationJob", params), "InternalServerError", 500);
    c.emulator.setFaults({ internalErrorRate: 0 });
    const retried = await c.smc.call("CreateReplicationJob", params);
    expect((await c.job(retried.JobId)).Status).toBe("Ready");
    expect(c.emulator.stats()).toMatchObject({ jobsCreated: 1, idempotentReplays: 1 });
  });

  it("answers Format=xml in the service's XML (signed by hand: pop-core reads JSON only)", async () => {
    const ok = await rawCall(c.emulator, "DescribeSourceServers", { Format: "XML", PageSize: 1 });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("xml");
    expect(ok.text).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?><DescribeSourceServersResponse><RequestId>[0-9A-F-]{36}<\/RequestId><SourceServers><SourceServer><SourceId>s-/,
    );
    expect(ok.text).toContain("<SystemDiskParts><SystemDiskPart><Path>");
    expect(ok.text).toContain("<TotalCount>41</TotalCount>");
    const error = await rawCall(c.emulator, "StartReplicationJob", {
      Format: "xml",
      JobId: "j-none",
    });
    expect(error.status).toBe(404);
    expect(error.text).toMatch(
      /<Error><RequestId>[0-9A-F-]{36}<\/RequestId><HostId>smc\.aliyuncs\.com<\/HostId><Code>InvalidJobId\.NotFound<\/Code><Message>[^<]+<\/Message><Recommend>[^<]+<\/Recommend><\/Error>$/,
    );
    const caught = await failure(c.smc.call("StartReplicationJob", { JobId: "j-none" }));
    expect(caught.body.Recommend).toContain("InvalidJobId.NotFound");
  });
});
