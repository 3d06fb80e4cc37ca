import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../platform/config.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "smc-waves-notify-config-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(yaml: string, env: Record<string, string> = {}) {
  await writeFile(join(dir, "c.yaml"), yaml);
  return loadConfig({ file: "c.yaml", env, cwd: dir });
}

async function problems(yaml: string, env: Record<string, string> = {}): Promise<string[]> {
  try {
    await load(yaml, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const SLACK_URL = "https://hooks.slack.example/services/T000/B000/tok3nXYZ";

describe("notifications config", () => {
  it("compiles webhooks, reading URLs and secrets from the environment", async () => {
    const { config } = await load(
      [
        "notifications:",
        "  publicUrl: https://waves.example.com/",
        "  serverFailureWindow: 200ms",
        "  webhooks:",
        "    - name: ops-chat",
        "      urlEnv: OPS_URL",
        "      format: slack",
        "      events: [plan.*, wave.finished, server.failed]",
        "      secretEnv: OPS_SECRET",
        "    - name: audit",
        "      url: http://127.0.0.1:9000/hook",
        "  delivery: { attempts: 5, backoff: 100ms, maxBackoff: 50ms, timeout: 2s }",
      ].join("\n"),
      { OPS_URL: SLACK_URL, OPS_SECRET: "s3cret-value" },
    );
    const [ops, audit] = config.notifications.webhooks;
    expect(ops?.url.reveal()).toBe(SLACK_URL);
    expect(ops?.displayUrl).toBe("https://hooks.slack.example/…");
    expect(ops?.secret?.reveal()).toBe("s3cret-value");
    expect(ops).toMatchObject({ name: "ops-chat", format: "slack" });
    expect(ops?.events).toEqual(["plan.*", "wave.finished", "server.failed"]);
    expect(audit).toMatchObject({ name: "audit", format: "json", events: ["*"] });
    expect(audit?.secret).toBeUndefined();
    expect(config.notifications.publicUrl).toBe("https://waves.example.com");
    expect(config.notifications.serverFailureWindowMs).toBe(200);
    // A max below the base is raised to it: no wait may be shorter than the first.
    expect(config.notifications.delivery).toMatchObject({
      attempts: 5,
      backoffMs: 100,
      maxBackoffMs: 100,
      timeoutMs: 2000,
    });
    // However the config is printed (a debug dump, a log line), the secrets stay hidden.
    for (const printed of [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      String(ops?.url),
    ]) {
      expect(printed).not.toContain("s3cret-value");
      expect(printed).not.toContain("tok3nXYZ");
    }
  });

  it("names a missing or empty environment variable at its key, never quoting values", async () => {
    const found = await problems(
      [
        "notifications:",
        "  webhooks:",
        "    - name: a",
        "      urlEnv: HOOK_URL",
        "      secretEnv: HOOK_SECRET",
        "    - name: b",
        "      urlEnv: BAD_URL",
      ].join("\n"),
      { HOOK_SECRET: "", BAD_URL: "ftp://files.example/tok3nXYZ" },
    );
    expect(found).toEqual([
      "c.yaml:4:15: notifications.webhooks.0.urlEnv: environment variable HOOK_URL is not set; export the webhook's URL in it",
      "c.yaml:5:18: notifications.webhooks.0.secretEnv: environment variable HOOK_SECRET is not set; export the webhook's signing secret in it, or remove secretEnv",
      "c.yaml:7:15: notifications.webhooks.1.urlEnv: environment variable BAD_URL does not hold an http(s) URL",
    ]);
    expect(found.join("\n")).not.toContain("tok3nXYZ");
  });

  it("points at bad values with did-you-mean, and never quotes a webhook URL", async () => {
    const found = await problems(
      [
        "notifications:",
        "  webhooks:",
        "    - name: ops-chat",
        "      url: hooks.slack.example/services/tok3nXYZ",
        "      format: slak",
        "      events: [plan.*, wave.finishd]",
        "      secret: abc",
        "    - name: other",
        "      urlEnv: X",
        "      url: https://a.example/b",
        "      secretEnvv: Y",
        "    - name: Bad_Name",
        "  delivery: { timeout: 0, attempts: 0 }",
      ].join("\n"),
    );
    expect(found).toEqual([
      'c.yaml:4:12: notifications.webhooks.0.url: expected an http(s) URL such as "https://hooks.example.com/…" (the value is not shown: webhook URLs carry tokens)',
      'c.yaml:5:15: notifications.webhooks.0.format: expected one of "json", "dingtalk", "slack", got "slak"; did you mean "slack"?',
      expect.stringMatching(
        /^c\.yaml:6:24: notifications\.webhooks\.0\.events\.1: expected one of "\*", "plan\.\*".*, got "wave\.finishd"; did you mean "wave\.finished"\?$/,
      ),
      'c.yaml:7:7: notifications.webhooks.0.secret: unknown key "secret"; secrets never go in this file: put the secret in an environment variable and name it with secretEnv',
      'c.yaml:9:15: notifications.webhooks.1.urlEnv: give either "url" or "urlEnv", not both',
      'c.yaml:11:7: notifications.webhooks.1.secretEnvv: unknown key "secretEnvv"; did you mean "secretEnv"?',
      'c.yaml:12:7: notifications.webhooks.2.url: is required: give the webhook\'s address as "url", or as "urlEnv" naming an environment variable that holds it',
      expect.stringMatching(
        /^c\.yaml:12:13: notifications\.webhooks\.2\.name: expected lower case/,
      ),
      'c.yaml:13:24: notifications.delivery.timeout: expected a duration above zero, such as "2s", "10m" or milliseconds, got 0',
      "c.yaml:13:37: notifications.delivery.attempts: expected at least 1, got 0",
    ]);
    expect(found.join("\n")).not.toContain("tok3nXYZ");
  });

  it("shows a mistyped URL's host at most, and takes delivery settings from the environment", async () => {
    const yaml =
      "notifications:\n  webhooks:\n    - { name: a, url: ftp://files.example/tok3nXYZ }";
    expect(await problems(yaml)).toEqual([
      'c.yaml:3:23: notifications.webhooks.0.url: expected an http(s) URL such as "https://hooks.example.com/…", got "ftp://files.example/…" (the rest is not shown: webhook URLs carry tokens)',
    ]);
    const { config } = await load("notifications: { webhooks: [] }", {
      SMC_WAVES_NOTIFICATIONS_DELIVERY_ATTEMPTS: "3",
      SMC_WAVES_NOTIFICATIONS_SERVER_FAILURE_WINDOW: "5m",
    });
    expect(config.notifications.delivery.attempts).toBe(3);
    expect(config.notifications.serverFailureWindowMs).toBe(300_000);
  });

  it("refuses two webhooks of one name", async () => {
    const hook = (name: string) => `    - { name: ${name}, url: "http://127.0.0.1:1/x" }`;
    expect(
      await problems(["notifications:", "  webhooks:", hook("a"), hook("b"), hook("a")].join("\n")),
    ).toEqual([
      'c.yaml:5:15: notifications.webhooks.2.name: webhook names must be unique, got "a"',
    ]);
  });
});
