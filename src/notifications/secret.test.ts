import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { maskUrl, Secret, scrubUrl } from "./secret.ts";

describe("Secret", () => {
  it("prints as [redacted] every way, and reveals only on request", () => {
    const secret = new Secret("hunter2");
    expect(String(secret)).toBe("[redacted]");
    expect(`${secret}`).toBe("[redacted]");
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect({ secret })).toBe("{ secret: [redacted] }");
    expect(secret.reveal()).toBe("hunter2");
  });
});

describe("maskUrl and scrubUrl", () => {
  const url = "https://oapi.dingtalk.com/robot/send?access_token=abc123def";

  it("shows scheme, host and port only", () => {
    expect(maskUrl(url)).toBe("https://oapi.dingtalk.com/…");
    expect(maskUrl("http://user:pw@127.0.0.1:9000/")).toBe("http://127.0.0.1:9000/");
    expect(maskUrl("hooks.example/x")).toBeUndefined();
  });

  it("takes the URL's path and query out of a receiver's error text", () => {
    expect(
      scrubUrl("HTTP 404: no route POST /robot/send?access_token=abc123def (see /robot/send)", url),
    ).toBe("HTTP 404: no route POST … (see …)");
    expect(scrubUrl(`network error: ${url}`, url)).toBe("network error: …");
    expect(scrubUrl("HTTP 500: busy", url)).toBe("HTTP 500: busy");
  });
});
