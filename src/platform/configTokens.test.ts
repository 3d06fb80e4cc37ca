import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sessionDigest, tokenHash } from "./accessTokens.ts";
import { ConfigError, loadConfig } from "./config.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "smc-waves-tokens-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ALICE = "alice-token-0123456789abcdef0123";
const BOB = "bob-token-0123456789abcdef0123";

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

describe("http.tokens", () => {
  it("compiles named tokens with their roles, SMC_WAVES_API_TOKEN as the admin named admin", async () => {
    const { config } = await load(
      [
        "http:",
        "  host: 0.0.0.0",
        "  tokens:",
        `    - { name: alice, role: operator, hash: ${tokenHash(ALICE).toUpperCase()} }`,
        `    - { name: bob, role: viewer, hash: ${tokenHash(BOB)} }`,
        "",
      ].join("\n"),
      { SMC_WAVES_API_TOKEN: "the-env-token-0123456789" },
    );
    expect(config.http.tokens).toEqual([
      { name: "alice", role: "operator", hash: tokenHash(ALICE) },
      { name: "bob", role: "viewer", hash: tokenHash(BOB) },
      { name: "admin", role: "admin", hash: tokenHash("the-env-token-0123456789") },
    ]);
  });

  it("lets named tokens alone open the API beyond loopback", async () => {
    const { config } = await load(
      `http:\n  host: 0.0.0.0\n  tokens:\n    - { name: bob, role: viewer, hash: ${tokenHash(BOB)} }\n`,
    );
    expect(config.http.host).toBe("0.0.0.0");
  });

  it("places every problem of a token at its file:line:col, and never quotes what may be a token", async () => {
    const found = await problems(
      [
        "http:",
        "  tokens:",
        `    - name: alice`,
        "      role: operater",
        `      hash: ${ALICE}`,
        "    - name: 'bob smith'",
        "      role: viewer",
        `      hash: ${tokenHash(BOB)}`,
        "      token: hunter2-hunter2",
        "",
      ].join("\n"),
    );
    expect(found).toEqual([
      'c.yaml:4:13: http.tokens.0.role: expected one of "viewer", "operator", "admin", got "operater"; did you mean "operator"?',
      `c.yaml:5:13: http.tokens.0.hash: expected the token's hash, 64 hex digits, as \`smc-waves token hash\` prints it (never the token itself), got ${ALICE.length} characters (not shown: it may be a token)`,
      'c.yaml:6:13: http.tokens.1.name: expected a name of letters, digits, ".", "_", "-" or "@", starting with a letter (at most 64), as histories and logs show it, got "bob smith"',
      'c.yaml:9:7: http.tokens.1.token: unknown key "token"; never put a token itself in this file: give its hash (smc-waves token hash reads the token from stdin)',
    ]);
    expect(found.join("\n")).not.toContain(ALICE);
    expect(found.join("\n")).not.toContain("hunter2");
  });

  it("refuses two tokens of one name or one hash, reserved names, and the name SMC_WAVES_API_TOKEN takes", async () => {
    const found = await problems(
      [
        "http:",
        "  tokens:",
        `    - { name: alice, role: operator, hash: ${tokenHash(ALICE)} }`,
        `    - { name: Alice, role: viewer, hash: ${tokenHash(BOB)} }`,
        `    - { name: carol, role: viewer, hash: ${tokenHash(ALICE)} }`,
        `    - { name: window, role: viewer, hash: ${tokenHash("w-0123456789abcdef")} }`,
        `    - { name: admin, role: admin, hash: ${tokenHash("the-env-token-0123456789")} }`,
        "",
      ].join("\n"),
      { SMC_WAVES_API_TOKEN: "the-env-token-0123456789" },
    );
    expect(found).toEqual([
      'c.yaml:4:15: http.tokens.1.name: token name "Alice" is also the name of http.tokens[0]; give each token its own name, as histories and logs show it',
      "c.yaml:5:42: http.tokens.2.hash: the same token as http.tokens[0] (equal hashes): one token, one name; give each person or system its own token (smc-waves token new)",
      'c.yaml:6:15: http.tokens.3.name: token name "window" is reserved (anonymous, cli, window, immediate, system already mean something in a plan\'s history); choose another',
      'c.yaml:7:15: http.tokens.4.name: token name "admin" is the name SMC_WAVES_API_TOKEN acts under, and that variable is set; choose another name, or unset the variable',
      "c.yaml:7:41: http.tokens.4.hash: the same token as SMC_WAVES_API_TOKEN: one token, one name; give this entry its own token (smc-waves token new)",
    ]);
  });
});

describe("token hashes", () => {
  it("are what the documented shell command prints, and neither the token nor its session digest", async () => {
    const { stdout } = await promisify(execFile)(
      "sh",
      [
        "-c",
        `printf %s "$(printf 'smc-waves session:%s' "$TOKEN" | sha256sum | cut -c1-64)" | sha256sum | cut -c1-64`,
      ],
      { env: { ...process.env, TOKEN: ALICE } },
    );
    expect(stdout.trim()).toBe(tokenHash(ALICE));
    expect(tokenHash(ALICE)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHash(ALICE)).not.toBe(sessionDigest(ALICE));
    expect(tokenHash(ALICE)).not.toBe(tokenHash(BOB));
  });
});
