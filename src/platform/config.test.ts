import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tokenHash } from "./accessTokens.ts";
import { ConfigError, loadConfig } from "./config.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "smc-waves-config-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(yaml: string | undefined, env: Record<string, string> = {}) {
  if (yaml !== undefined) await writeFile(join(dir, "c.yaml"), yaml);
  return loadConfig({ ...(yaml !== undefined ? { file: "c.yaml" } : {}), env, cwd: dir });
}

async function problems(
  yaml: string | undefined,
  env: Record<string, string> = {},
): Promise<string[]> {
  try {
    await load(yaml, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("gives the documented defaults with no file and no environment", async () => {
    const { config, file, warnings } = await load(undefined);
    expect(file).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      redis: { mode: "standalone", url: "redis://127.0.0.1:6379", prefix: "{smc-waves}" },
      http: { host: "127.0.0.1", port: 8080, dashboardReadOnly: true, tokens: [] },
      accounts: {
        default: {
          endpoint: "https://smc.aliyuncs.com",
          credentials: {},
          quota: 100,
          timeoutMs: 10_000,
          method: "POST",
        },
      },
      orchestrator: {
        pollIntervalMs: 30_000,
        sweepIntervalMs: 300_000,
        reconcileIntervalMs: 300_000,
        concurrency: 20,
        drainTimeoutMs: 30_000,
        lockDurationMs: 60_000,
        stalledIntervalMs: 30_000,
        keepCompleted: { ageMs: 7 * 86_400_000, count: 100 },
        keepFailed: { ageMs: 30 * 86_400_000 },
      },
      log: { level: "info", pretty: "auto" },
      emulator: { embedded: false, sources: 60, timeScale: 3600, seed: 1, quota: 100 },
      notifications: {
        serverFailureWindowMs: 60_000,
        webhooks: [],
        delivery: {
          attempts: 15,
          backoffMs: 2_000,
          maxBackoffMs: 600_000,
          timeoutMs: 10_000,
          concurrency: 8,
          dedupeWindowMs: 86_400_000,
        },
      },
    });
  });

  it("ships config/smc-waves.yaml holding exactly the built-in defaults", async () => {
    const shipped = await loadConfig({ env: {}, cwd: join(import.meta.dirname, "../..") });
    expect(shipped.file).toBe("config/smc-waves.yaml");
    expect(shipped.config).toEqual((await load(undefined)).config);
  });

  it("reads a file, compiles durations and keeps accounts, adding default", async () => {
    const { config } = await load(
      [
        "orchestrator: { pollInterval: 5s, reconcileInterval: 90000, drainTimeout: 250ms }",
        "accounts:",
        "  prod-east: { quota: 1000, maxRunningJobs: 50, timeout: 2m, credentials: { profile: mig } }",
        "log: { pretty: false }",
      ].join("\n"),
    );
    expect(config.orchestrator).toMatchObject({
      pollIntervalMs: 5000,
      sweepIntervalMs: 50_000,
      reconcileIntervalMs: 90_000,
      drainTimeoutMs: 250,
    });
    expect(config.accounts["prod-east"]).toMatchObject({
      quota: 1000,
      maxRunningJobs: 50,
      timeoutMs: 120_000,
      credentials: { profile: "mig" },
    });
    expect(config.accounts.default?.quota).toBe(100);
    expect(config.log.pretty).toBe(false);
  });

  it("lets the environment override every scalar, generic and short names alike", async () => {
    const { config } = await load(
      "accounts: { prod-east: { quota: 1000 } }\nhttp: { port: 9000 }",
      {
        SMC_WAVES_HTTP_PORT: "9100",
        SMC_WAVES_HTTP_HOST: "0.0.0.0",
        SMC_WAVES_HTTP_DASHBOARD_READ_ONLY: "false",
        SMC_WAVES_ORCHESTRATOR_POLL_INTERVAL: "10s",
        SMC_WAVES_ORCHESTRATOR_KEEP_COMPLETED_COUNT: "50",
        SMC_WAVES_ACCOUNTS_PROD_EAST_QUOTA: "2000",
        SMC_WAVES_QUOTA: "7",
        SMC_WAVES_MAX_RUNNING_JOBS: "3",
        SMC_WAVES_SMC_ENDPOINT: "http://127.0.0.1:9999",
        SMC_WAVES_REDIS_URL: "redis://10.0.0.5:6380",
        SMC_WAVES_PREFIX: "{dc1}",
        SMC_WAVES_LOG_LEVEL: "debug",
        SMC_WAVES_EMULATOR_TIME_SCALE: "7200.5",
        SMC_WAVES_API_TOKEN: "0123456789abcdef0123",
      },
    );
    expect(config.http).toEqual({
      host: "0.0.0.0",
      port: 9100,
      dashboardReadOnly: false,
      tokens: [{ name: "admin", role: "admin", hash: tokenHash("0123456789abcdef0123") }],
    });
    expect(config.orchestrator.pollIntervalMs).toBe(10_000);
    expect(config.orchestrator.keepCompleted.count).toBe(50);
    expect(config.accounts["prod-east"]?.quota).toBe(2000);
    expect(config.accounts.default).toMatchObject({
      quota: 7,
      maxRunningJobs: 3,
      endpoint: "http://127.0.0.1:9999",
    });
    expect(config.redis).toEqual({
      mode: "standalone",
      url: "redis://10.0.0.5:6380",
      prefix: "{dc1}",
    });
    expect(config.log.level).toBe("debug");
    expect(config.emulator.timeScale).toBe(7200.5);
  });

  it("points at file:line:col for bad values, quoting them", async () => {
    const found = await problems(
      [
        "redis:",
        "  prefix: smc-waves",
        "orchestrator:",
        "  pollInterval: 30 seconds",
        "  concurrency: 0",
        "log:",
        "  level: verbose",
        "  pretty: maybe",
        "http: { port: 70000 }",
      ].join("\n"),
    );
    expect(found).toEqual([
      'c.yaml:2:11: redis.prefix: expected a key prefix holding a Redis Cluster hash tag, such as "{smc-waves}", got "smc-waves"',
      'c.yaml:4:17: orchestrator.pollInterval: expected a duration such as "30s", "5m", "6h", "7d" or milliseconds, got "30 seconds"',
      "c.yaml:5:16: orchestrator.concurrency: expected at least 1, got 0",
      'c.yaml:7:10: log.level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "verbose"',
      'c.yaml:8:11: log.pretty: expected "auto" or true or false, got "maybe"',
      "c.yaml:9:15: http.port: expected at most 65535, got 70000",
    ]);
  });

  it("reports unknown keys at the key, with near misses and a word about secrets", async () => {
    const found = await problems(
      [
        "orchestrator:",
        "  pollIntervall: 5s",
        "http:",
        "  token: abc",
        "accounts:",
        "  default:",
        "    credentials: { accessKeySecret: x }",
        "  Prod_1: {}",
        "metrics: {}",
      ].join("\n"),
    );
    expect(found).toHaveLength(5);
    expect(found[0]).toBe(
      'c.yaml:2:3: orchestrator.pollIntervall: unknown key "pollIntervall"; did you mean "pollInterval"?',
    );
    expect(found[1]).toMatch(
      /^c\.yaml:4:3: http\.token: unknown key "token"; secrets never go in this file: the admin API token comes from SMC_WAVES_API_TOKEN, named tokens go in http.tokens as hashes/,
    );
    expect(found[2]).toMatch(
      /^c\.yaml:7:20: accounts\.default\.credentials\.accessKeySecret: unknown key .*ALIBABA_CLOUD_ACCESS_KEY_SECRET/,
    );
    expect(found[3]).toMatch(
      /^c\.yaml:8:3: accounts\.Prod_1: account name "Prod_1" must be lower case/,
    );
    expect(found[4]).toMatch(
      /^c\.yaml:9:1: metrics: unknown key "metrics"; known keys here: redis, http, accounts/,
    );
  });

  it("suggests a near key or value wherever the typo is, swapped letters included", async () => {
    const found = await problems(
      ["http:", "  prot: 9000", "accounts:", "  default:", "    method: PSOT", "    quta: 5"].join(
        "\n",
      ),
    );
    expect(found).toEqual([
      'c.yaml:2:3: http.prot: unknown key "prot"; did you mean "port"?',
      'c.yaml:5:13: accounts.default.method: expected one of "POST", "GET", got "PSOT"; did you mean "POST"?',
      'c.yaml:6:5: accounts.default.quta: unknown key "quta"; did you mean "quota"?',
    ]);
  });

  it("refuses an API beyond loopback without a token, wherever the host was set", async () => {
    expect(await problems(undefined, { SMC_WAVES_HTTP_HOST: "0.0.0.0" })).toEqual([
      'environment SMC_WAVES_HTTP_HOST: http.host: "0.0.0.0" is reachable from other machines and the API has no token (SMC_WAVES_API_TOKEN is not set and http.tokens is empty): anyone who reaches the port could submit or cancel migrations. Set SMC_WAVES_API_TOKEN (e.g. $(openssl rand -hex 24)) or list named tokens in http.tokens (smc-waves token new), or bind 127.0.0.1',
    ]);
    expect((await problems("http:\n  host: 10.0.0.5\n"))[0]).toMatch(
      /^c\.yaml:2:9: http\.host: "10\.0\.0\.5" is reachable from other machines/,
    );
    const { config } = await load("http: { host: 0.0.0.0 }", {
      SMC_WAVES_API_TOKEN: "a-token-of-24-characters",
    });
    expect(config.http.host).toBe("0.0.0.0");
    for (const host of ["127.0.0.1", "localhost", "::1"]) {
      expect((await load(`http: { host: "${host}" }`)).config.http.host).toBe(host);
    }
  });

  it("names the environment variable when an override is bad, and masks URL passwords", async () => {
    const found = await problems("http: { port: 9000 }", {
      SMC_WAVES_HTTP_PORT: "eighty",
      SMC_WAVES_REDIS_URL: "http://:hunter2@redis:6379",
      SMC_WAVES_ORCHESTRATOR_DRAIN_TIMEOUT: "-5s",
    });
    expect(found).toEqual([
      'environment SMC_WAVES_REDIS_URL: redis.url: expected a URL such as "redis://127.0.0.1:6379", got "http://:***@redis:6379"',
      'environment SMC_WAVES_HTTP_PORT: http.port: expected a number, got "eighty"',
      'environment SMC_WAVES_ORCHESTRATOR_DRAIN_TIMEOUT: orchestrator.drainTimeout: expected a duration such as "30s", "5m", "6h", "7d" or milliseconds, got "-5s"',
    ]);
    expect(found.join("\n")).not.toContain("hunter2");
  });

  it("refuses a short name and its generic name set to different values", async () => {
    expect(
      await problems(undefined, { SMC_WAVES_PREFIX: "{a}", SMC_WAVES_REDIS_PREFIX: "{b}" }),
    ).toEqual([
      'environment: SMC_WAVES_REDIS_PREFIX="{b}" and SMC_WAVES_PREFIX="{a}" both set redis.prefix; unset one of them',
    ]);
  });

  it("warns about unknown SMC_WAVES_ variables and short tokens, but loads", async () => {
    const { warnings, config } = await load(undefined, {
      SMC_WAVES_ORCHESTRATOR_POLL_INTERVL: "5s",
      SMC_WAVES_API_TOKEN: "short",
      SMC_WAVES_URL: "http://127.0.0.1:8080",
    });
    expect(config.http.tokens).toEqual([
      { name: "admin", role: "admin", hash: tokenHash("short") },
    ]);
    expect(warnings).toEqual([
      "environment: SMC_WAVES_ORCHESTRATOR_POLL_INTERVL is not a setting smc-waves knows; did you mean SMC_WAVES_ORCHESTRATOR_POLL_INTERVAL?",
      "environment: SMC_WAVES_API_TOKEN is 5 characters; use at least 16 random ones (openssl rand -hex 24)",
    ]);
  });

  it("positions YAML syntax errors and rejects a document that is not a mapping", async () => {
    const syntax = await problems("redis:\n  url: [unclosed\nhttp: {}\n");
    expect(syntax[0]).toMatch(/^c\.yaml:\d+:\d+: /);
    expect(await problems("- a\n- b\n")).toEqual([
      "c.yaml:1:1: expected a mapping of sections (redis, http, accounts, orchestrator, log, emulator, notifications), got a list",
    ]);
    expect(await problems("http: { port: 1 }\nhttp: { port: 2 }\n")).toEqual([
      expect.stringMatching(/^c\.yaml:2:1: Duplicate key/),
    ]);
  });

  it("takes a file of comments only as all defaults", async () => {
    expect((await load("# nothing set yet\n\n  # really\n")).config).toEqual(
      (await load(undefined)).config,
    );
  });

  it("says so when an explicit file is missing", async () => {
    await expect(loadConfig({ env: { SMC_WAVES_CONFIG: "nope.yaml" }, cwd: dir })).rejects.toThrow(
      "nope.yaml: cannot read the config file (ENOENT)",
    );
  });
});
