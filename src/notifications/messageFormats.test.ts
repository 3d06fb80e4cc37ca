import { describe, expect, it } from "vitest";
import type { Notification } from "./eventToNotification.ts";
import { describeNotification, renderBody } from "./messageFormats.ts";

const AT = Date.UTC(2025, 0, 2, 3, 4, 5);

const waveFinished: Notification = {
  event: "wave.finished",
  key: "wave:dc1:w1:g0:finished",
  at: AT,
  planId: "dc1",
  wave: "w1",
};

const failures: Notification = {
  event: "server.failed",
  key: "servers-failed:dc1:w2:1",
  at: AT,
  planId: "dc1",
  wave: "w2",
  failures: [
    { key: "db-01", code: "SourceServerState.Invalid", message: "agent offline", at: AT },
    { key: "web-<b>", code: "InError", message: "disk & network", at: AT },
  ],
  failureCount: 7,
};

describe("describeNotification", () => {
  it("says what happened with the plan's name, the wave's counts and the time", () => {
    const { title, lines } = describeNotification(waveFinished, {
      planName: "DC1 move",
      counts: { pending: 0, succeeded: 48, failed: 2, cancelled: 0 },
    });
    expect(title).toBe("Wave w1 of plan DC1 move finished");
    expect(lines).toEqual(["Servers: 48 succeeded, 2 failed", "At 2025-01-02T03:04:05.000Z"]);
  });

  it("names each failed server with its code and message, and how many more failed", () => {
    const { title, lines } = describeNotification(failures);
    expect(title).toBe("7 server(s) failed in wave w2 of plan dc1");
    expect(lines).toEqual([
      "- db-01: SourceServerState.Invalid — agent offline",
      "- web-<b>: InError — disk & network",
      "- and 5 more",
      "At 2025-01-02T03:04:05.000Z",
    ]);
  });

  it("gives a gate a call to action", () => {
    const { title, lines } = describeNotification({
      event: "gate.waiting",
      key: "k",
      at: AT,
      planId: "p",
      wave: "w3",
      gate: "approval before w3",
    });
    expect(title).toBe("Plan p waits for you: approval before w3");
    expect(lines[0]).toBe("It holds wave w3 of plan p until someone lets it go on.");
  });
});

describe("renderBody", () => {
  it("json: the machine-readable facts, the key and the words", () => {
    const body = JSON.parse(
      renderBody("json", failures, { counts: { failed: 7 } }, "https://waves.example"),
    );
    expect(body).toMatchObject({
      version: 1,
      event: "server.failed",
      idempotencyKey: "servers-failed:dc1:w2:1",
      occurredAt: "2025-01-02T03:04:05.000Z",
      plan: { id: "dc1" },
      wave: "w2",
      failureCount: 7,
      counts: { failed: 7 },
      title: "7 server(s) failed in wave w2 of plan dc1",
      url: "https://waves.example/",
    });
    expect(body.failures).toHaveLength(2);
    expect(body.text).toContain("- and 5 more");
  });

  it("dingtalk: a markdown message with a title and a link", () => {
    const body = JSON.parse(renderBody("dingtalk", waveFinished, {}, "https://waves.example"));
    expect(body.msgtype).toBe("markdown");
    expect(body.markdown.title).toBe("Wave w1 of plan dc1 finished");
    expect(body.markdown.text).toMatch(/^#### Wave w1 of plan dc1 finished\n\n/);
    expect(body.markdown.text).toContain("[Open the migration view](https://waves.example/)");
  });

  it("slack: text for any Slack-compatible chat, blocks for Slack, markup escaped", () => {
    const body = JSON.parse(renderBody("slack", failures));
    expect(body.text).toContain("*7 server(s) failed in wave w2 of plan dc1*");
    expect(body.text).toContain("web-&lt;b&gt;: InError — disk &amp; network");
    expect(body.blocks).toEqual([{ type: "section", text: { type: "mrkdwn", text: body.text } }]);
  });

  it("keeps long messages within what chats accept", () => {
    const long: Notification = {
      ...waveFinished,
      event: "wave.failed",
      reason: "x".repeat(10_000),
    };
    const slack = JSON.parse(renderBody("slack", long));
    const ding = JSON.parse(renderBody("dingtalk", long));
    expect(slack.text.length).toBe(3000);
    expect(slack.text.endsWith("…")).toBe(true);
    expect(ding.markdown.text.length).toBeLessThanOrEqual(3000);
  });

  it("renders the same bytes every time, so every try signs the same body", () => {
    for (const format of ["json", "dingtalk", "slack"] as const) {
      expect(renderBody(format, failures)).toBe(renderBody(format, structuredClone(failures)));
    }
  });
});
