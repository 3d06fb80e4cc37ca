import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import type { Orchestrator } from "../src/orchestrator/orchestrator.ts";
import { tokenHash } from "../src/platform/accessTokens.ts";
import {
  type Harness,
  planOverSources,
  startHarness,
  startTestApi,
} from "./support/migrationHarness.ts";
import { type CliResult, runCli, STACK_LINE } from "./support/runCli.ts";

/** The CLI as people with different tokens run it: refusals, whoami, the audit report, tokens. */

const VERA = "vera-viewer-token-0123456789abcdef";
const OTTO = "otto-operator-token-0123456789abcdef";
let harness: Harness;
let daemon: Orchestrator;
let api: RunningApiServer;

beforeAll(async () => {
  harness = await startHarness({ sources: 4, quota: 2, timeScale: 60 });
  daemon = await harness.startDaemon();
  api = await startTestApi(harness, daemon, [
    { name: "vera", role: "viewer", hash: tokenHash(VERA) },
    { name: "otto", role: "operator", hash: tokenHash(OTTO) },
  ]);
});

afterAll(async () => {
  await api?.close();
  await harness?.close();
});

const as = (token: string, args: string[]) =>
  runCli(args, { SMC_WAVES_URL: api.url, SMC_WAVES_API_TOKEN: token });

/** The CLI with `input` on its stdin. */
function withStdin(args: string[], input: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["bin/smc-waves.js", ...args],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

describe("the CLI and roles", () => {
  it("refuses a viewer's control in one line naming token, role and the role needed (exit 2), and lets an operator", {
    timeout: 60_000,
  }, async () => {
    const { planId } = await daemon.migrations.submit(
      await planOverSources(harness.client, "cli-roles", [1]),
    );
    const refused = await as(VERA, ["pause", planId]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `smc-waves pause: the daemon at ${api.url} refused the request: token 'vera' has role viewer; pausing a plan needs operator (or admin) (smc-waves whoami shows the token's role; an admin can give you a token with another)\n`,
    );
    expect(refused.stderr).not.toMatch(STACK_LINE);

    const paused = await as(OTTO, ["pause", planId]);
    expect(paused.code, paused.stderr).toBe(0);
    const audit = await as(VERA, ["report", planId, "--actions"]);
    expect(audit.code, audit.stderr).toBe(0);
    const lines = audit.stdout.trimEnd().split("\r\n");
    expect(lines[0]).toBe("at,by,event,detail");
    expect(lines.slice(1).map((line) => line.split(",").slice(1, 3).join(" "))).toEqual([
      "cli plan:submitted",
      "otto plan:paused",
    ]);
  });

  it("says who a token is with whoami", { timeout: 30_000 }, async () => {
    const vera = await as(VERA, ["whoami"]);
    expect(vera).toMatchObject({ code: 0, stdout: "vera (viewer); may check, forecast\n" });
    const otto = await as(OTTO, ["whoami"]);
    expect(otto.stdout).toBe(
      "otto (operator); may approve, cancel, check, cutover, forecast, pause, release, resume, retry-failed, submit\n",
    );
    const nobody = await as("not-a-token-of-this-daemon", ["whoami"]);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain("SMC_WAVES_API_TOKEN is not one of its tokens");
  });

  it("makes a token and its http.tokens line, and hashes a token read from stdin", {
    timeout: 30_000,
  }, async () => {
    const made = await runCli(["token", "new", "alice", "--role", "operator", "--json"]);
    expect(made.code, made.stderr).toBe(0);
    const { name, role, token, hash } = JSON.parse(made.stdout) as Record<string, string>;
    expect({ name, role }).toEqual({ name: "alice", role: "operator" });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).toBe(tokenHash(token ?? ""));

    const text = await runCli(["token", "new", "bob"]);
    expect(text.stdout).toMatch(
      /^Token for bob \(viewer\), shown once; the daemon keeps only its hash:\n {2}[A-Za-z0-9_-]{43}\n\nAdd this line under http\.tokens in the daemon's config, then restart the daemon:\n {2}- \{ name: bob, role: viewer, hash: [0-9a-f]{64} \}\n$/,
    );

    const hashed = await withStdin(["token", "hash"], `${token}\n`);
    expect(hashed).toEqual({ code: 0, stdout: `${hash}\n`, stderr: "" });

    for (const [args, input, message] of [
      [["token", "hash"], "", "smc-waves token: no token on stdin: pipe or type one\n"],
      [
        ["token", "hash"],
        "two words\n",
        "smc-waves token: the token holds a space or a line break: a bearer token is one word (smc-waves token new makes one)\n",
      ],
      [
        ["token", "new", "alice", "--role", "root"],
        "",
        'smc-waves token: --role must be one of viewer, operator, admin, got "root"\n',
      ],
      [
        ["token", "new", "cli"],
        "",
        'smc-waves token: token name "cli" is reserved (anonymous, cli, window, immediate, system); choose another\n',
      ],
    ] as const) {
      const result = await withStdin([...args], input);
      expect(result, args.join(" ")).toEqual({ code: 1, stdout: "", stderr: message });
    }
  });
});
