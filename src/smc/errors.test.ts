import { describe, expect, it } from "vitest";
import {
  CLIENT_ERROR_CODES,
  classify,
  type ErrorClass,
  SERVICE_ERROR_CODES,
  SmcError,
} from "./errors.ts";

const error = (code: string, httpStatus: number) =>
  new SmcError({ code, httpStatus, message: "m", requestId: "r", recommend: "", action: "A" });

describe("classify", () => {
  const cases: [string, ErrorClass][] = [
    ["InternalError", "transient"],
    ["InternalServerError", "transient"],
    ["ServiceUnavailable", "transient"],
    ["Network.Timeout", "transient"],
    ["Network.Reset", "transient"],
    ["Network.Unreachable", "transient"],
    ["Http.BadGateway", "transient"],
    ["Http.GatewayTimeout", "transient"],
    ["Throttling", "throttled"],
    ["Throttling.User", "throttled"],
    ["Throttling.Api", "throttled"],
    ["QuotaExceeded.ReplicationJob", "quota"],
    ["ReplicationJob.InvalidStatus", "conflict"],
    ["SourceServerState.Invalid", "conflict"],
    ["ReplicationJobName.Duplicate", "conflict"],
    ["SourceServerName.Duplicate", "conflict"],
    ["SourceServer.WithRunningReplicationJob", "conflict"],
    ["SignatureDoesNotMatch", "permanent"],
    ["InvalidAccessKeyId.NotFound", "permanent"],
    ["MissingParameter", "permanent"],
    ["InvalidParameter", "permanent"],
    ["Duplicate.ResourceId", "permanent"],
    ["DataDisk.DuplicateIndex", "permanent"],
    ["Network.Tls", "permanent"],
    ["Http.UnexpectedBody", "permanent"],
  ];
  it.each(cases)("%s is %s", (code, expected) => {
    expect(classify(code)).toBe(expected);
    expect(classify(error(code, 400))).toBe(expected);
  });

  it("classifies every catalogued code without throwing", () => {
    for (const code of [...CLIENT_ERROR_CODES, ...SERVICE_ERROR_CODES]) {
      expect(["transient", "throttled", "quota", "conflict", "permanent"]).toContain(
        classify(code),
      );
    }
  });

  it("falls back to the service's naming patterns for unknown codes", () => {
    expect(classify("Throttling.Resource")).toBe("throttled");
    expect(classify("QuotaExceeded.SourceServer")).toBe("quota");
    expect(classify("Image.InvalidStatus")).toBe("conflict");
    expect(classify("ImageName.Duplicate")).toBe("conflict");
    expect(classify("InstanceState.Invalid")).toBe("conflict");
  });

  it("uses the HTTP status for unknown codes: other 5xx are transient, the rest permanent", () => {
    expect(classify("SomethingNew", 502)).toBe("transient");
    expect(classify(error("SomethingNew", 500))).toBe("transient");
    expect(classify("SomethingNew", 403)).toBe("permanent");
    expect(classify("Forbidden.RAM")).toBe("permanent");
  });

  it("exposes the class on the error and serialises without surprises", () => {
    const e = error("Throttling.User", 503);
    expect(e.errorClass).toBe("throttled");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("SmcError");
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({
      code: "Throttling.User",
      httpStatus: 503,
      requestId: "r",
    });
  });
});
