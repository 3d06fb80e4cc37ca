/**
 * The gateway's protocol checks, with requests signed by hand (src/smc/signature.ts) so every
 * common parameter can be wrong on purpose: timestamps, nonces, signatures, methods, encodings.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../src/emulator/startEmulator.ts";
import { sign, stringToSign } from "../src/smc/signature.ts";
import { rawCall, wireTimestamp } from "./emulatorKit.ts";

let emulator: RunningEmulator;

beforeAll(async () => {
  // A fast emulated clock: Timestamps must still be judged against real time.
  emulator = await startEmulator({ sources: 3, timeScale: 100_000 });
});
afterAll(() => emulator.close());

function parsed(answer: { text: string }) {
  return JSON.parse(answer.text) as Record<string, unknown>;
}

describe("signature checks", () => {
  it("accepts a correctly signed GET and POST and sends the RequestId header", async () => {
    for (const method of ["GET", "POST"] as const) {
      const answer = await rawCall(emulator, "DescribeSourceServers", {}, { method });
      expect(answer.status).toBe(200);
      const body = parsed(answer);
      expect(body.TotalCount).toBe(3);
      expect(answer.headers.get("x-acs-request-id")).toBe(body.RequestId);
    }
  });

  it("recomputes from decoded parameters: '+' in a form body is a space, '*' may be escaped or not", async () => {
    const sourceId =
      (
        parsed(await rawCall(emulator, "DescribeSourceServers")).SourceServers as {
          SourceServer: Array<{ SourceId: string }>;
        }
      ).SourceServer[0]?.SourceId ?? "";
    const params: Record<string, string> = {
      Action: "ModifySourceServerAttribute",
      Version: "2019-06-01",
      AccessKeyId: "emulator-id",
      SignatureMethod: "HMAC-SHA1",
      SignatureVersion: "1.0",
      SignatureNonce: randomUUID(),
      Timestamp: wireTimestamp(Date.now()),
      SourceId: sourceId,
      Description: "a b*c (rack 4)",
    };
    params.Signature = sign("POST", params, "emulator-secret");
    // Hand-written body: spaces as '+', '*' and parentheses literal, as some clients send them.
    const body = Object.entries(params)
      .map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%20/g, "+")}`)
      .join("&");
    const answer = await fetch(`${emulator.url}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    expect(answer.status).toBe(200);
    const check = parsed(
      await rawCall(emulator, "DescribeSourceServers", { "SourceId.1": sourceId }),
    );
    expect(JSON.stringify(check)).toContain("a b*c (rack 4)");
  });

  it("merges query and body parameters", async () => {
    const params: Record<string, string> = {
      Action: "DescribeSourceServers",
      Version: "2019-06-01",
      AccessKeyId: "emulator-id",
      SignatureMethod: "HMAC-SHA1",
      SignatureVersion: "1.0",
      SignatureNonce: randomUUID(),
      Timestamp: wireTimestamp(Date.now()),
      PageSize: "1",
    };
    params.Signature = sign("POST", params, "emulator-secret");
    const { PageSize, Signature, ...rest } = params;
    const answer = await fetch(`${emulator.url}/?${new URLSearchParams(rest)}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        PageSize: PageSize ?? "",
        Signature: Signature ?? "",
      }).toString(),
    });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { PageSize: number }).PageSize).toBe(1);
  });

  it("rejects a bad signature with the server's StringToSign", async () => {
    const nonce = randomUUID();
    const timestamp = wireTimestamp(Date.now());
    const answer = await rawCall(
      emulator,
      "DescribeSourceServers",
      { PageSize: 5 },
      { secret: "wrong", nonce, timestamp },
    );
    expect(answer.status).toBe(400);
    const body = parsed(answer);
    const expected = stringToSign("GET", {
      AccessKeyId: "emulator-id",
      Action: "DescribeSourceServers",
      Format: "JSON",
      PageSize: "5",
      SignatureMethod: "HMAC-SHA1",
      SignatureNonce: nonce,
      SignatureVersion: "1.0",
      Timestamp: timestamp,
      Version: "2019-06-01",
    });
    expect(body).toMatchObject({
      Code: "SignatureDoesNotMatch",
      Message: `Specified signature is not matched with our calculation. server string to sign is:${expected}`,
      HostId: "smc.aliyuncs.com",
    });
    expect(body.Recommend).toEqual(expect.any(String));
  });

  it("rejects a Timestamp more than 15 minutes from real time, though the emulated clock runs fast", async () => {
    expect(emulator.clock.now() - Date.now()).toBeGreaterThan(60_000);
    const old = await rawCall(
      emulator,
      "DescribeSourceServers",
      {},
      { timestamp: wireTimestamp(Date.now() - 16 * 60_000) },
    );
    expect([old.status, parsed(old).Code]).toEqual([400, "InvalidTimeStamp.Expired"]);
    const future = await rawCall(
      emulator,
      "DescribeSourceServers",
      {},
      { timestamp: wireTimestamp(Date.now() + 16 * 60_000) },
    );
    expect(parsed(future).Code).toBe("InvalidTimeStamp.Expired");
    const inside = await rawCall(
      emulator,
      "DescribeSourceServers",
      {},
      { timestamp: wireTimestamp(Date.now() - 14 * 60_000) },
    );
    expect(inside.status).toBe(200);
    const malformed = await rawCall(
      emulator,
      "DescribeSourceServers",
      {},
      { timestamp: "2024-13-01 00:00:00" },
    );
    expect([malformed.status, parsed(malformed).Code]).toEqual([400, "InvalidParameter"]);
  });

  it("rejects a reused SignatureNonce, but not one only a forged request used", async () => {
    const nonce = randomUUID();
    expect((await rawCall(emulator, "DescribeSourceServers", {}, { nonce })).status).toBe(200);
    const replay = await rawCall(emulator, "DescribeSourceServers", {}, { nonce });
    expect([replay.status, parsed(replay).Code, parsed(replay).Message]).toEqual([
      400,
      "SignatureNonceUsed",
      "Specified signature nonce was used already.",
    ]);
    const other = randomUUID();
    expect(
      (await rawCall(emulator, "DescribeSourceServers", {}, { nonce: other, secret: "forged" }))
        .status,
    ).toBe(400);
    expect((await rawCall(emulator, "DescribeSourceServers", {}, { nonce: other })).status).toBe(
      200,
    );
  });

  it("names each missing common parameter", async () => {
    for (const name of [
      "Action",
      "Version",
      "AccessKeyId",
      "Signature",
      "SignatureMethod",
      "SignatureVersion",
      "SignatureNonce",
      "Timestamp",
    ]) {
      const answer = await rawCall(emulator, "DescribeSourceServers", {}, { omit: [name] });
      expect(answer.status).toBe(400);
      expect(parsed(answer)).toMatchObject({
        Code: "MissingParameter",
        Message: `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
      });
    }
  });

  it("rejects unknown keys, wrong versions, unknown actions, methods and formats", async () => {
    const unknownKey = await rawCall(
      emulator,
      "DescribeSourceServers",
      {},
      { accessKeyId: "LTAI-nobody" },
    );
    expect([unknownKey.status, parsed(unknownKey).Code]).toEqual([
      404,
      "InvalidAccessKeyId.NotFound",
    ]);
    const version = await rawCall(emulator, "DescribeSourceServers", { Version: "2014-05-26" });
    expect([version.status, parsed(version).Code]).toEqual([400, "InvalidVersion"]);
    const action = await rawCall(emulator, "CreateAccessToken", {});
    expect([action.status, parsed(action).Code]).toEqual([404, "InvalidAction.NotFound"]);
    const proto = await rawCall(emulator, "toString", {});
    expect(parsed(proto).Code).toBe("InvalidAction.NotFound");
    const method = await fetch(`${emulator.url}/?Action=DescribeSourceServers`, {
      method: "DELETE",
    });
    expect([method.status, ((await method.json()) as { Code: string }).Code]).toEqual([
      404,
      "InvalidAction.NotFound",
    ]);
    const format = await rawCall(emulator, "DescribeSourceServers", { Format: "yaml" });
    expect([format.status, parsed(format).Code]).toEqual([400, "InvalidParameter"]);
    const sigMethod = await rawCall(emulator, "DescribeSourceServers", {
      SignatureMethod: "HMAC-SHA256",
    });
    expect(parsed(sigMethod).Code).toBe("InvalidParameter");
  });

  it("counts every answer in the stats by action and code", async () => {
    const stats = emulator.stats();
    expect(stats.actions.DescribeSourceServers?.errors.SignatureNonceUsed).toBe(1);
    expect(stats.errorCodes.MissingParameter).toBe(8);
    expect(stats.actions["(unknown action)"]?.errors["InvalidAction.NotFound"]).toBe(2);
    expect(stats.calls).toBeGreaterThan(stats.errors);
  });
});
