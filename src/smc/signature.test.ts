import { describe, expect, it } from "vitest";
import { canonicalQuery, percentEncode, sign } from "./signature.ts";

// Vectors computed with the official SDKs (issue 2); the first is the one the service documents.
const common = { SignatureMethod: "HMAC-SHA1", SignatureVersion: "1.0" };

describe("signature v1", () => {
  it("matches the value the service's own documentation publishes", () => {
    const params = {
      ...common,
      AccessKeyId: "testid",
      Action: "DescribeRegions",
      Format: "XML",
      SignatureNonce: "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
      Timestamp: "2016-02-23T12:46:24Z",
      Version: "2014-05-26",
    };
    expect(sign("GET", params, "testsecret")).toBe("OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
  });

  it("signs a DescribeReplicationJobs call with a list parameter", () => {
    const params = {
      ...common,
      AccessKeyId: "testid",
      Action: "DescribeReplicationJobs",
      Format: "JSON",
      Version: "2019-06-01",
      SignatureNonce: "00000000-0000-4000-8000-000000000001",
      Timestamp: "2024-01-02T03:04:05Z",
      RegionId: "cn-hangzhou",
      PageNumber: "1",
      PageSize: "10",
      "JobId.1": "j-bp1abc",
    };
    expect(sign("GET", params, "testsecret")).toBe("CaxCyoT/avH0/V6BQmZjg1IjxQg=");
  });

  const awkward = {
    ...common,
    AccessKeyId: "STS.testid",
    SecurityToken: "CAIS+tok/en==",
    Action: "CreateReplicationJob",
    Format: "JSON",
    Version: "2019-06-01",
    SignatureNonce: "00000000-0000-4000-8000-000000000002",
    Timestamp: "2024-01-02T03:04:05Z",
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

  it("signs non-ASCII, reserved characters and an STS token over GET", () => {
    expect(sign("GET", awkward, "testsecret")).toBe("u7SFY5NGqqErPBXkkEDIY1VrWFE=");
  });

  it("signs the same request as a POST form body", () => {
    expect(sign("POST", awkward, "testsecret")).toBe("CBugPIGieogPt8vVmE8IvH9+9o8=");
  });

  it("escapes the characters encodeURIComponent leaves alone, and never '~'", () => {
    expect(percentEncode("!'()*~ +")).toBe("%21%27%28%29%2A~%20%2B");
  });

  it("leaves Signature out and keeps empty values", () => {
    expect(canonicalQuery({ b: "", a: "1", Signature: "x" })).toBe("a=1&b=");
  });
});
