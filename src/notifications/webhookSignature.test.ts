import { describe, expect, it } from "vitest";
import { dingTalkSignedUrl, signatureHeader, verifySignature } from "./webhookSignature.ts";

// Known answers computed with Python's hmac module, an implementation independent of ours.
describe("our signature", () => {
  it("is the hex HMAC-SHA256 of '<t>.<body>' under the secret", () => {
    expect(signatureHeader("whsec", '{"a":1}', 1_700_000_000)).toBe(
      "t=1700000000,v1=8ad37ba156048ae0e0a5533c75cdf26fee88b07f93cb57ee4c80adb053012032",
    );
  });

  it("verifies its own signature within the tolerance, and nothing else", () => {
    const body = '{"event":"wave.finished"}';
    const header = signatureHeader("s3cret", body, 1_000_000);
    expect(verifySignature("s3cret", body, header, 1_000_100)).toBe(true);
    expect(verifySignature("s3cret", `${body} `, header, 1_000_100)).toBe(false);
    expect(verifySignature("other", body, header, 1_000_100)).toBe(false);
    // A replay ten minutes later is stale.
    expect(verifySignature("s3cret", body, header, 1_000_600)).toBe(false);
    expect(
      verifySignature("s3cret", body, header.replace("t=1000000", "t=1000001"), 1_000_100),
    ).toBe(false);
    expect(verifySignature("s3cret", body, "garbage", 1_000_100)).toBe(false);
    expect(verifySignature("s3cret", body, "t=1000000,v1=abcd", 1_000_100)).toBe(false);
  });
});

describe("DingTalk's signature", () => {
  it("adds timestamp and the base64 HMAC of '<ms>\\n<secret>' to the URL, keeping the token", () => {
    const url = new URL(
      dingTalkSignedUrl(
        "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "SECabc123",
        1_700_000_000_000,
      ),
    );
    expect(url.searchParams.get("access_token")).toBe("abc");
    expect(url.searchParams.get("timestamp")).toBe("1700000000000");
    expect(url.searchParams.get("sign")).toBe("N5P09a4+p1AMJIJWnIvQd2Yxw9+fu/oEBnPrjCcsLXk=");
    // '+' and '/' must arrive percent-encoded, or DingTalk reads '+' as a space.
    expect(url.search).toContain("sign=N5P09a4%2Bp1AMJIJWnIvQd2Yxw9%2Bfu%2FoEBnPrjCcsLXk%3D");
  });
});
